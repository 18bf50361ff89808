// `enclave sdc check FILE.json|-` — disclosure-control check of one table.
// Exit 0 when the check ran (whatever its status), 2 when the input is at fault; on exit 2 only
// stderr is written, so a caller never mistakes an error for a verdict.
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { describeIssues } from '../common/errors.ts';
import { toAcroResults } from '../common/sdc/acro.ts';
import { runCheck } from '../common/sdc/check.ts';
import { CheckInputSchema } from '../common/sdc/schema.ts';
import { TableError } from '../common/sdc/table.ts';
import { createHighsSolver } from '../common/sdc/highs-solver.ts';
import type { CliIo } from './cli-io.ts';

const USAGE = 'Usage: enclave sdc check FILE.json|- [--acro-dir DIR]\n';

class UsageError extends Error {}

function parseArgs(argv: string[]): { file: string; acroDir: string | null } {
  let file: string | null = null;
  let acroDir: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--acro-dir') {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError('--acro-dir needs a folder');
      acroDir = next;
      i++;
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option ${arg}`);
    } else if (file === null) {
      file = arg;
    } else {
      throw new UsageError('give one input file (or - for standard input)');
    }
  }
  if (file === null) throw new UsageError('give the input file (or - for standard input)');
  return { file, acroDir };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function writeAcro(dir: string, output: Awaited<ReturnType<typeof runCheck>>, command: string): Promise<void> {
  const acro = toAcroResults(output, { uid: 'output_0', command, timestamp: new Date().toISOString() });
  await mkdir(path.join(dir, 'checksums'), { recursive: true });
  const files: [string, string][] = [
    ...acro.files.map((f): [string, string] => [f.name, f.csv]),
    ['results.json', JSON.stringify(acro.results, null, 4)],
  ];
  for (const [name, text] of files) {
    await writeFile(path.join(dir, name), text, 'utf8');
    // SACRO-Viewer checks each file against checksums/NAME.txt (sacro/models.py).
    await writeFile(path.join(dir, 'checksums', `${name}.txt`), createHash('sha256').update(text).digest('hex'), 'utf8');
  }
}

/** `argv` is what follows `enclave sdc check`. */
export async function runSdcCheck(argv: string[], io: CliIo): Promise<number> {
  const fail = (message: string): number => {
    io.stderr.write(`enclave sdc check: ${message}\n`);
    return 2;
  };
  let args: { file: string; acroDir: string | null };
  try {
    args = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) return fail(`${err.message}\n${USAGE}`);
    throw err;
  }
  let text: string;
  try {
    text = args.file === '-' ? await readAll(io.stdin) : await readFile(args.file, 'utf8');
  } catch {
    return fail(`cannot read ${args.file === '-' ? 'standard input' : args.file}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail('input: not valid JSON');
  }
  const parsed = CheckInputSchema.safeParse(json);
  if (!parsed.success) return fail(describeIssues(parsed.error));
  try {
    const output = await runCheck(parsed.data, await createHighsSolver());
    if (args.acroDir !== null) await writeAcro(args.acroDir, output, `enclave sdc check ${args.file}`);
    io.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof TableError) return fail(err.message);
    throw err;
  }
}
