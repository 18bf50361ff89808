// `enclave platform init --data-dir DIR [--scale N] [--seed S] [--force]`: generates the demo platform's
// synthetic datasets. Progress goes to stderr (one updating line on a terminal), the summary to stdout.
import process from 'node:process';
import { EnclaveError } from '../common/errors.ts';
import { DATASET_IDS, generatePlatformData, MAX_SCALE, MIN_SCALE } from '../platform/synth/index.ts';
import type { GenerationProgress } from '../platform/synth/index.ts';
import type { CliIo } from './cli-io.ts';

const USAGE = `Usage: enclave platform init --data-dir DIR [--scale N] [--seed S] [--force]
  --data-dir DIR  folder to write datasets/ and manifest.json into (created if missing)
  --scale N       number of patients, ${MIN_SCALE.toLocaleString('en-GB')} to ${MAX_SCALE.toLocaleString('en-GB')} (default 10,000)
  --seed S        whole number; the same seed and scale give the same bytes (default 1)
  --force         replace data already generated in DIR
`;

interface InitArgs {
  dataDir: string;
  scale: number;
  seed: number;
  force: boolean;
}

class UsageError extends Error {}

const number = (n: number): string => n.toLocaleString('en-GB');

function parseArgs(argv: string[]): InitArgs | 'help' {
  let dataDir: string | undefined;
  let scale = 10_000;
  let seed = 1;
  let force = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] =
      arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError(`${name} needs a value.`);
      return v;
    };
    switch (name) {
      case '--help':
      case '-h':
        return 'help';
      case '--data-dir':
        dataDir = value();
        if (dataDir.trim() === '') throw new UsageError('--data-dir must not be empty.');
        break;
      case '--scale': {
        const text = value();
        // Thousands separators are allowed: --scale 1,000,000 or 1_000_000.
        const n = /^\d[\d,_]*$/.test(text) ? Number(text.replaceAll(/[,_]/g, '')) : Number.NaN;
        if (!Number.isInteger(n) || n < MIN_SCALE || n > MAX_SCALE) {
          throw new UsageError(
            `--scale must be a whole number of patients from ${number(MIN_SCALE)} to ${number(MAX_SCALE)}, not "${text}".`,
          );
        }
        scale = n;
        break;
      }
      case '--seed': {
        const text = value();
        const n = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
        if (!Number.isSafeInteger(n)) throw new UsageError(`--seed must be a whole number, not "${text}".`);
        seed = n;
        break;
      }
      case '--force':
        if (inline !== undefined) throw new UsageError('--force takes no value.');
        force = true;
        break;
      default:
        throw new UsageError(`unknown option "${name}".`);
    }
  }
  if (dataDir === undefined) throw new UsageError('--data-dir is required.');
  return { dataDir, scale, seed, force };
}

/** Progress on stderr: one line rewritten in place on a terminal, otherwise a line per tenth and per file. */
function progressReporter(stderr: NodeJS.WritableStream): { report: (p: GenerationProgress) => void; end: () => void } {
  const tty = (stderr as { isTTY?: boolean }).isTTY === true;
  let lastTenth = -1;
  let open = false;
  return {
    report: (p) => {
      const line =
        p.stage === 'generating'
          ? `patients ${number(p.done)}/${number(p.total)}`
          : `writing ${p.dataset}.parquet (${number(p.total)} rows)${p.done === p.total ? ' done' : ''}`;
      if (tty) {
        stderr.write(`\r\x1b[2K${line}`);
        open = true;
        return;
      }
      if (p.stage === 'generating') {
        const tenth = Math.floor((p.done / p.total) * 10);
        if (tenth === lastTenth) return;
        lastTenth = tenth;
      } else if (p.done !== p.total) {
        return;
      }
      stderr.write(`${line}\n`);
    },
    end: () => {
      if (open) stderr.write('\n');
      open = false;
    },
  };
}

export async function runPlatformInit(argv: string[], io: CliIo): Promise<number> {
  let args: InitArgs | 'help';
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`enclave platform init: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }

  const controller = new AbortController();
  const cancel = (): void => controller.abort();
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  const progress = progressReporter(io.stderr);
  try {
    const manifest = await generatePlatformData({
      dataDir: args.dataDir,
      scale: args.scale,
      seed: args.seed,
      force: args.force,
      onProgress: progress.report,
      signal: controller.signal,
    });
    progress.end();
    const width = Math.max(...DATASET_IDS.map((id) => id.length));
    const rows = DATASET_IDS.map((id) => `  ${id.padEnd(width)}  ${number(manifest.datasets[id]?.rows ?? 0).padStart(12)} rows`);
    io.stdout.write(
      `Generated synthetic data in ${args.dataDir} (seed ${args.seed}, ${number(args.scale)} patients):\n${rows.join('\n')}\n`,
    );
    return 0;
  } catch (err) {
    progress.end();
    if (err instanceof EnclaveError) {
      io.stderr.write(`enclave platform init: ${err.message}\n`);
      return err.code === 'invalid_input' ? 2 : err.code === 'cancelled' ? 130 : 1;
    }
    io.stderr.write(`enclave platform init: generation failed: ${(err as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
  }
}
