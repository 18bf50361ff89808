// The operator's drive commands on the platform's host (issue 17), with the records only (a running server may hold the
// data engine), from DIR/metadata.sqlite or from the PostgreSQL database serve runs on (--database-url, as serve takes it):
//   enclave platform drives set --data-dir DIR --project P [--quota-gib N] [--keep-versions N] [--trash-days N] --reason T
//     a project's drive quota, how many earlier versions of a file are kept and how long the trash keeps what was deleted;
//   enclave platform drives restored --data-dir DIR --reason TEXT
//     after the drive store was restored from a backup: every drive's epoch moves on, so every workstation's sync journal
//     (made against the newer state) resyncs without deleting anything instead of taking the older state for deletions.
// Both are audit events naming the operator (`drive.settings_changed`, `drive.epoch_bumped`).
import { parseArgs } from 'node:util';
import { IdSchema } from '../common/contract.ts';
import { EnclaveError } from '../common/errors.ts';
import type { CliIo } from './cli-io.ts';
import { HOST_DATABASE_FLAG_OPTIONS, HOST_DATABASE_FLAGS, HOST_DATABASE_USAGE } from './database-options.ts';
import {
  hostDatabaseOf,
  isControlCharacter,
  operatorName,
  printable,
  UsageProblem,
  withRecords,
  type HostRecordsOptions,
} from './host-records.ts';

const USAGE = `Usage:
  enclave platform drives set --data-dir DIR --project P [--quota-gib N] [--keep-versions N] [--trash-days N] --reason TEXT
      ${HOST_DATABASE_FLAGS}
      a project's drive: its quota in GiB (may be fractional), the earlier versions kept of each file (0-1000), and the
      days the trash keeps what was deleted (1-3650). The drive is made when its project first uses it.
  enclave platform drives restored --data-dir DIR --reason TEXT
      ${HOST_DATABASE_FLAGS}
      after restoring the drive store from a backup: every drive's epoch moves on, so workstations resync (keeping
      both sides) instead of reading the older state as deletions. Run it before \`serve\` starts again.
  Run on the platform's host as its OS user. Recorded in the audit log as the operator's action.
${HOST_DATABASE_USAGE}
  Exit 0: done. Exit 2: bad input (nothing changed). Exit 1: the records failed.
`;

const GIB = 1024 ** 3;

function reasonOf(value: string | undefined): string {
  const reason = value?.trim() ?? '';
  if (reason.length < 3) throw new UsageProblem('--reason must say why (at least 3 characters).');
  if (reason.length > 2000) throw new UsageProblem('--reason must be at most 2000 characters.');
  if ([...reason].some(isControlCharacter)) throw new UsageProblem('--reason must not hold control characters.');
  return reason;
}

function wholeNumber(flag: string, value: string | undefined, [min, max]: readonly [number, number]): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < min || number > max)
    throw new UsageProblem(`--${flag} must be a whole number from ${min} to ${max}.`);
  return number;
}

function parse(argv: string[], options: Record<string, { type: 'string' }>): Record<string, string | undefined> | 'help' {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { ...options, ...HOST_DATABASE_FLAG_OPTIONS, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help === true) return 'help';
    return values as Record<string, string | undefined>;
  } catch (err) {
    throw new UsageProblem((err as Error).message);
  }
}

/** The records the command acts on: DIR's, or the database the flags or the environment name. */
async function recordsOf({
  values,
  dataDir,
  io,
}: {
  values: Record<string, string | undefined>;
  dataDir: string;
  io: CliIo;
}): Promise<HostRecordsOptions> {
  const database = await hostDatabaseOf(values);
  return {
    dataDir,
    create: false,
    ...(database === undefined ? {} : { database }),
    note: (message) => io.stderr.write(`enclave platform drives: ${message}\n`),
  };
}

async function setDrive(argv: string[], io: CliIo): Promise<number> {
  const values = parse(argv, {
    'data-dir': { type: 'string' },
    project: { type: 'string' },
    'quota-gib': { type: 'string' },
    'keep-versions': { type: 'string' },
    'trash-days': { type: 'string' },
    reason: { type: 'string' },
  });
  if (values === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  const dataDir = values['data-dir'];
  if (dataDir === undefined || dataDir === '') throw new UsageProblem('--data-dir is required.');
  const project = IdSchema.safeParse(values.project);
  if (!project.success) throw new UsageProblem('--project must be a project id.');
  const reason = reasonOf(values.reason);
  let quotaBytes: number | undefined;
  if (values['quota-gib'] !== undefined) {
    const gib = Number(values['quota-gib']);
    if (!/^\d+(\.\d+)?$/.test(values['quota-gib']) || gib <= 0 || gib > 1024 * 1024) {
      throw new UsageProblem('--quota-gib must be a number of GiB above 0 (e.g. 10 or 0.5).');
    }
    quotaBytes = Math.round(gib * GIB);
  }
  const keepVersions = wholeNumber('keep-versions', values['keep-versions'], [0, 1000]);
  const trashDays = wholeNumber('trash-days', values['trash-days'], [1, 3650]);
  if (quotaBytes === undefined && keepVersions === undefined && trashDays === undefined) {
    throw new UsageProblem('Say what to change: --quota-gib, --keep-versions or --trash-days.');
  }
  return withRecords(await recordsOf({ values, dataDir, io }), async ({ store, audit }) => {
    const before = await store.drives.drive(project.data);
    if (before === undefined) {
      throw new EnclaveError(
        'not_found',
        `The project ${project.data} has no drive yet (it is made when the project first uses it). Nothing was changed.`,
      );
    }
    const settings = {
      ...(quotaBytes === undefined ? {} : { quotaBytes }),
      ...(keepVersions === undefined ? {} : { keepVersions }),
      ...(trashDays === undefined ? {} : { trashDays }),
    };
    await store.drives.setDriveSettings(project.data, settings);
    const used = await store.drives.usedBytes(project.data);
    const event = await audit.append({
      type: 'drive.settings_changed',
      actor: null,
      outcome: 'success',
      details: {
        operator: operatorName(),
        via: 'host',
        projectId: project.data,
        before: { quotaBytes: before.quota_bytes, keepVersions: before.keep_versions, trashDays: before.trash_days },
        after: settings,
        reason,
      },
    });
    const said = [
      quotaBytes === undefined ? null : `quota ${(quotaBytes / GIB).toFixed(2)} GiB`,
      keepVersions === undefined ? null : `${keepVersions} earlier versions kept`,
      trashDays === undefined ? null : `trash kept ${trashDays} days`,
    ].filter((part) => part !== null);
    io.stdout.write(
      `The drive of ${project.data}: ${said.join(', ')}. Recorded in the audit log as event ${event.seq}.\n` +
        (quotaBytes !== undefined && quotaBytes < used
          ? `It holds more than that already: nothing is deleted, but saves are refused until members free space.\n`
          : ''),
    );
    return 0;
  });
}

async function restored(argv: string[], io: CliIo): Promise<number> {
  const values = parse(argv, { 'data-dir': { type: 'string' }, reason: { type: 'string' } });
  if (values === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  const dataDir = values['data-dir'];
  if (dataDir === undefined || dataDir === '') throw new UsageProblem('--data-dir is required.');
  const reason = reasonOf(values.reason);
  return withRecords(await recordsOf({ values, dataDir, io }), async ({ store, audit }) => {
    const drives = await store.drives.bumpEpochs();
    const event = await audit.append({
      type: 'drive.epoch_bumped',
      actor: null,
      outcome: 'success',
      details: { operator: operatorName(), via: 'host', drives, reason },
    });
    io.stdout.write(
      `${drives} ${drives === 1 ? 'drive' : 'drives'} moved to a new epoch: every workstation resyncs, keeping both sides, at its next pass. ` +
        `Recorded in the audit log as event ${event.seq} (${printable(reason)}).\n`,
    );
    return 0;
  });
}

export async function runPlatformDrives(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === undefined) {
    io.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  const run = command === 'set' ? setDrive : command === 'restored' ? restored : null;
  if (run === null) {
    io.stderr.write(`enclave platform drives: unknown command "${printable(command)}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await run(rest, io);
  } catch (err) {
    if (err instanceof UsageProblem) {
      io.stderr.write(`enclave platform drives ${command}: ${err.message}\n${err.showUsage ? `\n${USAGE}` : ''}`);
      return 2;
    }
    const why = err instanceof EnclaveError ? err.message : `the platform’s records could not be used: ${(err as Error).message}`;
    io.stderr.write(`enclave platform drives ${command}: ${why}\n`);
    return 1;
  }
}
