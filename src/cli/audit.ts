// `enclave audit verify --data-dir DIR [--database-url URL --database-password-file FILE --identity-keys-dir KEYS]`: checks
// the platform's audit log, read-only: from DIR/metadata.sqlite with the key and anchor of DIR/identity, or from the
// PostgreSQL database serve runs on (named as serve is given it) with the shared keys folder's audit key and DIR's anchor. Prints `intact (N events, head S H)` and exits 0, or `broken: …`
// naming the first bad event, then every other one and the report's acceptance token, and exits 1; 2 for bad
// arguments. Safe beside a running platform.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { EnclaveError } from '../common/errors.ts';
import { verifyAuditDatabase } from '../platform/audit/database-verify.ts';
import { verifyAuditFiles } from '../platform/audit/offline-verify.ts';
import { describeAuditReport } from '../platform/audit/verify.ts';
import { describeDatabaseUrl } from '../platform/store/postgres-connection.ts';
import type { CliIo } from './cli-io.ts';
import { postgresOptions } from '../platform/platform-core.ts';
import { HOST_DATABASE_FLAG_OPTIONS, HOST_DATABASE_FLAGS, hostDatabaseChoice, type DatabaseFlags } from './database-options.ts';

const USAGE = `Usage: enclave audit verify --data-dir DIR ${HOST_DATABASE_FLAGS}
  Checks the audit log of the platform data folder DIR without changing anything: every event's seal and link,
  the anchor (DIR/identity/audit-anchor.jsonl) and the database's append-only triggers.
  The log is in DIR/metadata.sqlite unless --database-url (or ENCLAVE_DATABASE_URL) names the PostgreSQL database
  serve runs on, given as serve is given it (the password only in --database-password-file FILE or
  ENCLAVE_DATABASE_PASSWORD_FILE). It is only read there: any role that may read audit_events will do.
  DIR is still the folder serve runs on: its identity/ holds the anchor, and (SQLite) the audit key; with a database the
  key is in the keys folder serve is given (--identity-keys-dir KEYS, or ENCLAVE_IDENTITY_KEYS_DIR).
  Exit 0: intact. Exit 1: broken (every bad event, the first first, then the token with which
  \`enclave platform serve --accept-broken-audit-log=TOKEN\` accepts this report and no other). Exit 2: bad arguments.
`;

interface VerifyArgs {
  dataDir: string;
  databaseFlags: DatabaseFlags;
}

function parseVerifyArgs(argv: string[]): VerifyArgs | 'help' | { problem: string } {
  let values: {
    'data-dir'?: string;
    'database-url'?: string;
    'database-password-file'?: string;
    'identity-keys-dir'?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { 'data-dir': { type: 'string' }, ...HOST_DATABASE_FLAG_OPTIONS, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return { problem: (err as Error).message };
  }
  if (values.help === true) return 'help';
  if (values['data-dir'] === undefined || values['data-dir'] === '') return { problem: '--data-dir is required.' };
  return {
    dataDir: values['data-dir'],
    databaseFlags: {
      'database-url': values['database-url'],
      'database-password-file': values['database-password-file'],
      'identity-keys-dir': values['identity-keys-dir'],
    },
  };
}

export async function runAuditCommand(command: string | undefined, argv: string[], io: CliIo): Promise<number> {
  if (command !== 'verify') {
    io.stderr.write(`enclave audit: unknown command "${command ?? ''}"\n\n${USAGE}`);
    return 2;
  }
  const args = parseVerifyArgs(argv);
  if (args === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  if ('problem' in args) {
    io.stderr.write(`enclave audit verify: ${args.problem}\n\n${USAGE}`);
    return 2;
  }
  const folder = await stat(args.dataDir).catch(() => null);
  if (folder === null || !folder.isDirectory()) {
    io.stderr.write(`enclave audit verify: ${args.dataDir} is not a folder.\n`);
    return 2;
  }
  // Read only: the database as serve is given it, whatever role (reading audit_events needs no more than SELECT).
  let database;
  try {
    database = await hostDatabaseChoice(args.databaseFlags, process.env);
  } catch (err) {
    io.stderr.write(`enclave audit verify: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    const result =
      database === undefined
        ? await verifyAuditFiles(args.dataDir)
        : await verifyAuditDatabase({
            postgres: { ...postgresOptions(database), log: (message) => io.stderr.write(`enclave audit verify: ${message}\n`) },
            folder: path.join(args.dataDir, 'identity'),
            keyFolder: database.identityKeysDir,
          });
    if (database !== undefined && (await stat(path.join(args.dataDir, 'metadata.sqlite')).catch(() => null)) !== null) {
      io.stderr.write(
        `enclave audit verify: note: ${path.join(args.dataDir, 'metadata.sqlite')} was not read: the log checked is in ${describeDatabaseUrl(database.url)}.\n`,
      );
    }
    if (result === null) {
      io.stderr.write(
        `enclave audit verify: ${args.dataDir} holds no platform audit log (no metadata.sqlite, no identity/audit-anchor.jsonl).\n`,
      );
      return 2;
    }
    for (const warning of result.warnings) io.stderr.write(`enclave audit verify: warning: ${warning}\n`);
    io.stdout.write(`${describeAuditReport(result.report)}\n`);
    const { token } = result.report;
    if (token !== null) {
      io.stdout.write(
        `token: ${token} (to start the platform on this log anyway: --accept-broken-audit-log=${token}; it accepts this report only)\n`,
      );
    }
    return result.report.intact ? 0 : 1;
  } catch (err) {
    const message = err instanceof EnclaveError ? err.message : 'the audit log could not be read.';
    io.stderr.write(`enclave audit verify: ${message}\n`);
    return 1;
  }
}
