// `enclave platform keys create|show|add|promote|retire|record --identity-keys-dir DIR`: the operator's commands for the
// identity and audit keys every instance on one PostgreSQL database shares (src/platform/key-folder.ts). `create` makes
// the folder once; `show` prints its fingerprint (thumbprints and hashes, never a key); `add`, `promote` and `retire`
// are the three steps of a rotation of the signing and cookie keys, on the operator's copy of the folder; `record`
// tells the database that the folder's keys are now the ones every instance must start with (an audit event), as the
// instances check at start. Between two steps: copy the folder to every instance, record, restart each in turn. Run as
// root, the commands act for the folder's owner, the platform's OS user (`create` is told it with --owner), so the files
// they write stay readable to the platform.
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { parseArgs, promisify } from 'node:util';
import { EnclaveError } from '../common/errors.ts';
import { describeFingerprint, readKeyFolder } from '../platform/key-folder.ts';
import { recordKeys } from '../platform/key-record.ts';
import { createKeyFolder, rotateKeyFolder, type FileOwner, type RotationOutcome, type RotationStep } from '../platform/key-rotation.ts';
import type { CliIo } from './cli-io.ts';
import { HOST_DATABASE_FLAG_OPTIONS, HOST_DATABASE_FLAGS, HOST_DATABASE_USAGE } from './database-options.ts';
import { hostDatabaseOf, operatorName, UsageProblem, withRecords } from './host-records.ts';

const USAGE = `Usage: enclave platform keys COMMAND --identity-keys-dir DIR
  The identity provider's signing, cookie and artifact keys and the audit key, shared by every instance of the platform
  on one PostgreSQL database (serve --identity-keys-dir DIR). The platform only reads DIR; these commands write it.
  create [--owner USER]
            make DIR (0700) and its four key files (0600); refused if DIR holds any of them. Run as root, give the OS
            user the platform runs as (--owner root if root): DIR and its files become that user's
  show      the keys' fingerprint: signing key thumbprints, hashes of the others (no key is printed)
  add       rotation, step 1: a new signing key and cookie key, last (accepted by every instance, used by none)
  promote   rotation, step 2: the new keys first (every instance signs with them, and still accepts the old)
  retire    rotation, step 3: the old keys dropped (tokens and sign-ins made with them end)
            A step that was cut short is finished by running it again; a finished one, run again, changes nothing.
            Run as root, these act for DIR's owner: the files they write stay that user's.
  record --data-dir DATA [--force] ${HOST_DATABASE_FLAGS}
            record DIR's keys in the database as the ones every instance must start with (an audit event); after
            each step: copy DIR to every instance, record, then restart the instances one at a time (SIGTERM drains).
            Refused without --force when no signing key is shared with the recorded keys or the artifact keys differ
            (that would sign everybody out); --force records them anyway
${HOST_DATABASE_USAGE}
`;

const execFileAsync = promisify(execFile);

const COMMANDS = ['create', 'show', 'add', 'promote', 'retire', 'record'] as const;
type KeysCommand = (typeof COMMANDS)[number];

const NEXT: Record<RotationStep, string> = {
  add: 'Next: copy the folder to every instance, record it (`enclave platform keys record`), restart each instance in turn; then `promote`.',
  promote:
    'Next: copy the folder to every instance, record it, restart each instance in turn; once the longest session has ended (--session-max), `retire`.',
  retire: 'Next: copy the folder to every instance, record it, restart each instance in turn. The rotation is done.',
};

const OUTCOME: Record<RotationOutcome, (step: RotationStep, folder: string) => string> = {
  done: (step) => `${step}: done.`,
  finished: (step) => `${step}: finished (it had been cut short).`,
  unchanged: (step, folder) => `${step}: nothing to do, ${folder} is as \`${step}\` leaves it; nothing was changed.`,
};

export async function runPlatformKeys(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (!(COMMANDS as readonly string[]).includes(command)) {
    io.stderr.write(`enclave platform keys: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await run(command as KeysCommand, rest, io);
  } catch (err) {
    if (err instanceof UsageProblem) {
      io.stderr.write(`enclave platform keys ${command}: ${err.message}\n${err.showUsage ? `\n${USAGE}` : ''}`);
      return 2;
    }
    if (err instanceof EnclaveError) {
      io.stderr.write(`enclave platform keys ${command}: ${err.message}\n`);
      return err.code === 'invalid_input' ? 2 : 1;
    }
    throw err;
  }
}

const KEYS_OPTIONS = { 'identity-keys-dir': { type: 'string' } } as const;
const CREATE_OPTIONS = { ...KEYS_OPTIONS, owner: { type: 'string' } } as const;
const RECORD_OPTIONS = { 'data-dir': { type: 'string' }, force: { type: 'boolean' }, ...HOST_DATABASE_FLAG_OPTIONS } as const;

type Values = Partial<Record<Exclude<keyof typeof RECORD_OPTIONS | 'owner', 'force'>, string>> & { force?: boolean };

function parse(command: KeysCommand, argv: string[]): Values {
  try {
    const options = command === 'record' ? RECORD_OPTIONS : command === 'create' ? CREATE_OPTIONS : KEYS_OPTIONS;
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageProblem((err as Error).message);
  }
}

/** An OS user by name or uid, as `id` finds it (the system's user database, directory services included). */
async function osUser(name: string): Promise<FileOwner> {
  const ask = async (flag: '-u' | '-g'): Promise<number> => {
    const { stdout } = await execFileAsync('id', [flag, '--', name], { encoding: 'utf8' });
    return Number(stdout.trim());
  };
  try {
    const owner = { uid: await ask('-u'), gid: await ask('-g') };
    if (Number.isInteger(owner.uid) && Number.isInteger(owner.gid)) return owner;
  } catch {
    // No such user: said below.
  }
  throw new UsageProblem(`--owner ${name}: there is no such OS user here.`, false);
}

/**
 * Whose `create` makes the folder: --owner's; run as root without it, the owner of a folder made for the platform
 * already, and otherwise a refusal, since root's 0600 files are unreadable to a platform that runs as another user.
 */
async function ownerToCreateFor(folder: string, owner: string | undefined): Promise<FileOwner | undefined> {
  if (owner !== undefined) return osUser(owner);
  if (process.getuid?.() !== 0) return undefined;
  const existing = await stat(folder).catch(() => null);
  if (existing !== null && existing.isDirectory() && existing.uid !== 0) return { uid: existing.uid, gid: existing.gid };
  throw new UsageProblem(
    `run as root, say which OS user the platform runs as with --owner USER (--owner root if it runs as root): ${folder} and its files become that user's, since the platform could not read root's. Nothing was written.`,
  );
}

async function run(command: KeysCommand, argv: string[], io: CliIo): Promise<number> {
  const values = parse(command, argv);
  const given = values['identity-keys-dir'] ?? process.env.ENCLAVE_IDENTITY_KEYS_DIR;
  if (given === undefined || given === '') throw new UsageProblem('--identity-keys-dir DIR is required.');
  const folder = path.resolve(given);
  if (command === 'create') {
    const owner = await ownerToCreateFor(folder, values.owner);
    const files = await createKeyFolder(folder, owner === undefined ? {} : { owner });
    io.stdout.write(`${files.map((file) => `wrote ${file}`).join('\n')}\n`);
    io.stdout.write(`${describeFingerprint((await readKeyFolder(folder, { operator: true })).fingerprint)}\n`);
    io.stdout.write(
      'Give every instance the same copy (read-only for the platform) with --identity-keys-dir, and keep a backup: the audit key cannot be made again.\n',
    );
    return 0;
  }
  if (command === 'show') {
    io.stdout.write(`${describeFingerprint((await readKeyFolder(folder, { operator: true })).fingerprint)}\n`);
    return 0;
  }
  if (command === 'record') {
    const dataDir = values['data-dir'];
    if (dataDir === undefined || dataDir === '') throw new UsageProblem('--data-dir is required (the folder serve runs on).');
    const database = await hostDatabaseOf({
      'database-url': values['database-url'],
      'database-password-file': values['database-password-file'],
      'identity-keys-dir': folder,
    });
    if (database === undefined) {
      throw new UsageProblem('--database-url (or ENCLAVE_DATABASE_URL) is required: shared keys are recorded in the PostgreSQL store.');
    }
    const keys = await readKeyFolder(folder, { operator: true });
    // Opened without the keys check serve makes: recording other keys is what this command is for.
    return withRecords({ dataDir, create: false, database, checkKeys: false }, async (records) => {
      const { before } = await recordKeys({ audit: records.audit, keys, operator: operatorName(), force: values.force === true });
      io.stdout.write(`recorded: ${describeFingerprint(keys.fingerprint)}\n`);
      io.stdout.write(`before:   ${before === null ? 'nothing recorded' : describeFingerprint(before)}\n`);
      io.stdout.write('Restart the instances one at a time (SIGTERM drains) so each starts with these keys.\n');
      return 0;
    });
  }
  const { fingerprint, outcome } = await rotateKeyFolder(folder, command);
  io.stdout.write(`${OUTCOME[outcome](command, folder)}\n${describeFingerprint(fingerprint)}\n${NEXT[command]}\n`);
  return 0;
}
