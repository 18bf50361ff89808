// `enclave platform query --data-dir DIR --as USER --project PROJECT --sql "SQL" [--format csv|json] [--database-url URL
// --database-password-file FILE]`: runs one minimised query exactly as USER would through the API (the same role and
// membership checks, the agreement in force, the same checks of the SQL, the project's minimised copy, the same
// sanitised errors), in-process with no server running, and records it in the audit log as an operator's action. Prints
// the rows (CSV with a header row, or a JSON array of objects); on a refusal prints the sanitised message on stderr and
// exits 1, with no stack trace. With --database-url the records are the PostgreSQL database serve runs on, opened as
// serve opens it; that store was seeded by `platform migrate`, so this command seeds nothing into it.
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { tableFromIPC, type Table } from 'apache-arrow';
import { EnclaveError } from '../common/errors.ts';
import { routeAccess } from '../common/platform-api.ts';
import { requireProjectAccess } from '../platform/authz/access-policy.ts';
import { AGREEMENTS_FOLDER } from '../platform/agreements-at-start.ts';
import { openPlatformCore, type PlatformCoreOptions, type PlatformDatabaseOptions } from '../platform/platform-core.ts';
import { describeDatabaseUrl } from '../platform/store/postgres-connection.ts';
import type { CliIo } from './cli-io.ts';
import { HOST_DATABASE_FLAG_OPTIONS, HOST_DATABASE_FLAGS, HOST_DATABASE_USAGE, type DatabaseFlags } from './database-options.ts';
import { hostDatabaseOf, UsageProblem } from './host-records.ts';

const USAGE = `Usage: enclave platform query --data-dir DIR --as USER --project PROJECT --sql "SQL" [--format csv|json]
    ${HOST_DATABASE_FLAGS}
  Runs one query on PROJECT's minimised data exactly as USER would through the platform's API (same checks, same
  minimisation, audited as an operator's action), without a running server. Prints the rows as CSV with a header
  row (default) or as a JSON array of objects. Exit 0: rows printed. Exit 1: refused (the reason on stderr).
  Exit 2: bad arguments.
${HOST_DATABASE_USAGE}
  On PostgreSQL DIR must hold the agreements serve reads (DIR/agreements, made by serve's first start).
`;

interface QueryArgs {
  dataDir: string;
  userId: string;
  projectId: string;
  sql: string;
  format: 'csv' | 'json';
  databaseFlags: DatabaseFlags;
}

function parseQueryArgs(argv: string[]): QueryArgs | 'help' | { problem: string } {
  let values: Partial<
    Record<'data-dir' | 'as' | 'project' | 'sql' | 'format' | 'database-url' | 'database-password-file' | 'identity-keys-dir', string>
  > & {
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'data-dir': { type: 'string' },
        as: { type: 'string' },
        project: { type: 'string' },
        sql: { type: 'string' },
        format: { type: 'string' },
        ...HOST_DATABASE_FLAG_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    return { problem: (err as Error).message };
  }
  if (values.help === true) return 'help';
  for (const name of ['data-dir', 'as', 'project', 'sql'] as const) {
    if (values[name] === undefined || values[name].trim() === '') return { problem: `--${name} is required.` };
  }
  const format = values.format ?? 'csv';
  if (format !== 'csv' && format !== 'json') return { problem: '--format must be csv or json.' };
  return {
    dataDir: values['data-dir']!,
    userId: values.as!,
    projectId: values.project!,
    sql: values.sql!,
    format,
    databaseFlags: {
      'database-url': values['database-url'],
      'database-password-file': values['database-password-file'],
      'identity-keys-dir': values['identity-keys-dir'],
    },
  };
}

/** One value as text for CSV and JSON: dates as YYYY-MM-DD, timestamps in ISO 8601, big integers exactly. */
function plain(value: unknown, typeId: string): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'number' && typeId.startsWith('Date')) return new Date(value).toISOString().slice(0, 10);
  if (typeof value === 'number' && typeId.startsWith('Timestamp')) return new Date(value).toISOString();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item));
}

function rowsOf(table: Table): Array<Array<string | number | boolean | null>> {
  const columns = table.schema.fields.map((field, i) => ({ vector: table.getChildAt(i), typeId: String(field.type) }));
  return Array.from({ length: table.numRows }, (_unused, row) => columns.map(({ vector, typeId }) => plain(vector?.get(row), typeId)));
}

function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function print(table: Table, format: 'csv' | 'json', io: CliIo): void {
  const names = table.schema.fields.map((field) => field.name);
  const rows = rowsOf(table);
  if (format === 'json') {
    io.stdout.write(
      `${JSON.stringify(
        rows.map((row) => Object.fromEntries(names.map((name, i) => [name, row[i]]))),
        null,
        2,
      )}\n`,
    );
    return;
  }
  io.stdout.write(`${[names.map(csvCell).join(','), ...rows.map((row) => row.map(csvCell).join(','))].join('\r\n')}\r\n`);
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}

/**
 * The core as this one-off command opens it. On SQLite, as before: a new data folder gets the demo. On PostgreSQL the
 * store is opened as serve opens it (the app role) and seeded by nothing but `platform migrate`: no demo data is
 * written from here, and DIR must already hold the agreements serve reads (making an empty folder here would leave every
 * project without one, and stop serve's first start from seeding the demo's).
 */
async function coreOptions({
  dataDir,
  database,
  io,
}: {
  dataDir: string;
  database: PlatformDatabaseOptions | undefined;
  io: CliIo;
}): Promise<PlatformCoreOptions> {
  if (database === undefined) return { dataDir, watchAgreements: false };
  const file = path.join(dataDir, 'metadata.sqlite');
  if ((await stat(file).catch(() => null)) !== null)
    io.stderr.write(
      `enclave platform query: note: ${file} is not used: the platform's records are in ${describeDatabaseUrl(database.url)}.\n`,
    );
  if ((await stat(path.join(dataDir, AGREEMENTS_FOLDER)).catch(() => null))?.isDirectory() !== true) {
    throw new EnclaveError(
      'invalid_input',
      `${dataDir} holds no agreements folder (${AGREEMENTS_FOLDER}/): give the --data-dir that serve runs on with this database.`,
    );
  }
  return {
    dataDir,
    watchAgreements: false,
    mode: 'production',
    database,
    log: (message, detail) =>
      io.stderr.write(`enclave platform query: ${message}${detail === undefined ? '' : ` ${JSON.stringify(detail)}`}\n`),
  };
}

export async function runPlatformQuery(argv: string[], io: CliIo): Promise<number> {
  const args = parseQueryArgs(argv);
  if (args === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  if ('problem' in args) {
    io.stderr.write(`enclave platform query: ${args.problem}\n\n${USAGE}`);
    return 2;
  }
  let database: PlatformDatabaseOptions | undefined;
  try {
    database = await hostDatabaseOf(args.databaseFlags);
  } catch (err) {
    if (!(err instanceof UsageProblem)) throw err;
    io.stderr.write(`enclave platform query: ${err.message}\n`);
    return 2;
  }
  let core;
  try {
    core = await openPlatformCore(await coreOptions({ dataDir: args.dataDir, database, io }));
  } catch (err) {
    io.stderr.write(`enclave platform query: ${err instanceof EnclaveError ? err.message : 'the platform could not be opened.'}\n`);
    return err instanceof EnclaveError && err.code === 'invalid_input' ? 2 : 1;
  }
  try {
    const user = await core.store.getUser(args.userId);
    if (user === undefined) throw new EnclaveError('not_found', `There is no user ${args.userId} on this platform.`);
    // Exactly what the API checks for this person: not suspended or disabled, a role the route admits, the current
    // terms accepted and that role trained, then the project (a member under its agreement, the project not suspended).
    const barred = await core.people.refusalFor(user.id);
    if (barred !== null) throw barred;
    const roles = routeAccess('project.query');
    const held = user.roles ?? [user.role];
    if (typeof roles === 'string' || !roles.some((role) => held.includes(role))) {
      throw new EnclaveError('forbidden', `${args.userId}'s role does not allow queries.`);
    }
    const unready = await core.standing.refusalFor(user, roles);
    if (unready !== null) throw unready;
    const access = await requireProjectAccess({
      store: core.store,
      agreements: core.agreements,
      principal: { user, authenticatedBy: 'oidc' },
      projectId: args.projectId,
    });
    const suspended = await core.killSwitch.projectRefusal(access.project);
    if (suspended !== null) throw suspended;
    const answer = await core.queries.query({
      ...access,
      asker: { userId: user.id, role: user.role, via: 'operator', operator: os.userInfo().username },
      sql: args.sql,
      format: 'arrow',
    });
    print(tableFromIPC(await collect(answer.chunks)), args.format, io);
    return 0;
  } catch (err) {
    io.stderr.write(`enclave platform query: ${err instanceof EnclaveError ? err.message : 'the query failed inside the platform.'}\n`);
    return 1;
  } finally {
    await core.close();
  }
}
