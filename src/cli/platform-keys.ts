// `enclave platform keys create|show|add|promote|retire|record --identity-keys-dir DIR`: the operator's commands for the
// identity and audit keys every instance on one PostgreSQL database shares (src/platform/key-folder.ts). `create` makes
// the folder once; `show` prints its fingerprint (thumbprints and hashes, never a key); `add`, `promote` and `retire`
// are the three steps of a rotation of the signing and cookie keys, on the operator's copy of the folder; `record`
// tells the database that the folder's keys are now the ones every instance must start with (an audit event), as the
// instances check at start. Between two steps: copy the folder to every instance, record, restart each in turn.
import path from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { EnclaveError } from '../common/errors.ts';
import {
  createKeyFolder,
  describeFingerprint,
  readKeyFolder,
  recordKeys,
  rotateKeyFolder,
  type RotationStep,
} from '../platform/key-folder.ts';
import type { CliIo } from './cli-io.ts';
import { HOST_DATABASE_FLAG_OPTIONS, HOST_DATABASE_FLAGS, HOST_DATABASE_USAGE } from './database-options.ts';
import { hostDatabaseOf, operatorName, UsageProblem, withRecords } from './host-records.ts';

const USAGE = `Usage: enclave platform keys COMMAND --identity-keys-dir DIR
  The identity provider's signing, cookie and artifact keys and the audit key, shared by every instance of the platform
  on one PostgreSQL database (serve --identity-keys-dir DIR). The platform only reads DIR; these commands write it.
  create    make DIR (0700) and its four key files (0600); refused if DIR holds any of them
  show      the keys' fingerprint: signing key thumbprints, hashes of the others (no key is printed)
  add       rotation, step 1: a new signing key and cookie key, last (accepted by every instance, used by none)
  promote   rotation, step 2: the new keys first (every instance signs with them, and still accepts the old)
  retire    rotation, step 3: the old keys dropped (tokens and sign-ins made with them end)
  record --data-dir DATA ${HOST_DATABASE_FLAGS}
            record DIR's keys in the database as the ones every instance must start with (an audit event); after
            each step: copy DIR to every instance, record, then restart the instances one at a time (SIGTERM drains)
${HOST_DATABASE_USAGE}
`;

const COMMANDS = ['create', 'show', 'add', 'promote', 'retire', 'record'] as const;
type KeysCommand = (typeof COMMANDS)[number];

const NEXT: Record<RotationStep, string> = {
  add: 'Next: copy the folder to every instance, record it (`enclave platform keys record`), restart each instance in turn; then `promote`.',
  promote:
    'Next: copy the folder to every instance, record it, restart each instance in turn; once the longest session has ended (--session-max), `retire`.',
  retire: 'Next: copy the folder to every instance, record it, restart each instance in turn. The rotation is done.',
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
const RECORD_OPTIONS = { 'data-dir': { type: 'string' }, ...HOST_DATABASE_FLAG_OPTIONS } as const;

function parse(command: KeysCommand, argv: string[]): Partial<Record<keyof typeof RECORD_OPTIONS, string>> {
  try {
    const options = command === 'record' ? RECORD_OPTIONS : KEYS_OPTIONS;
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageProblem((err as Error).message);
  }
}

async function run(command: KeysCommand, argv: string[], io: CliIo): Promise<number> {
  const values = parse(command, argv);
  const given = values['identity-keys-dir'] ?? process.env.ENCLAVE_IDENTITY_KEYS_DIR;
  if (given === undefined || given === '') throw new UsageProblem('--identity-keys-dir DIR is required.');
  const folder = path.resolve(given);
  if (command === 'create') {
    const files = await createKeyFolder(folder);
    io.stdout.write(`${files.map((file) => `wrote ${file}`).join('\n')}\n`);
    io.stdout.write(`${describeFingerprint((await readKeyFolder(folder)).fingerprint)}\n`);
    io.stdout.write(
      'Give every instance the same copy (read-only for the platform) with --identity-keys-dir, and keep a backup: the audit key cannot be made again.\n',
    );
    return 0;
  }
  if (command === 'show') {
    io.stdout.write(`${describeFingerprint((await readKeyFolder(folder)).fingerprint)}\n`);
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
    const keys = await readKeyFolder(folder);
    // Opened without the keys check serve makes: recording other keys is what this command is for.
    return withRecords({ dataDir, create: false, database, checkKeys: false }, async (records) => {
      const { before } = await recordKeys({ store: records.store, audit: records.audit, keys, operator: operatorName() });
      io.stdout.write(`recorded: ${describeFingerprint(keys.fingerprint)}\n`);
      io.stdout.write(`before:   ${before === null ? 'nothing recorded' : describeFingerprint(before)}\n`);
      io.stdout.write('Restart the instances one at a time (SIGTERM drains) so each starts with these keys.\n');
      return 0;
    });
  }
  const after = await rotateKeyFolder(folder, command);
  io.stdout.write(`${describeFingerprint(after)}\n${NEXT[command]}\n`);
  return 0;
}
