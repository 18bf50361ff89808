// `enclave platform migrate --database-url URL [--database-password-file FILE] [--ca-file PEM] [--app-role ROLE] [--demo]`:
// brings a PostgreSQL metadata store's schema up to date and seeds it (the catalogue's datasets; with --demo the demo's
// people and projects too), as the database's owner role, under one advisory lock: of several runs at once (several
// instances deploying together) exactly one seeds. `serve` against PostgreSQL never changes the schema. With
// --app-role it then grants the role `serve` runs as what it needs and no more (store/postgres-roles.ts). It also puts
// the audit table's guards back when someone changed them: `serve`, as the app role, cannot, so accepting a broken
// audit log whose guards were changed waits for this.
import process from 'node:process';
import { parseArgs } from 'node:util';
import { EnclaveError } from '../common/errors.ts';
import { DEFAULT_CATALOGUE_PATH, readCatalogueFile } from '../platform/catalogue/catalogue-file.ts';
import { repairPostgresAuditGuards } from '../platform/audit/guards.ts';
import { hashPassword } from '../platform/identity/passwords.ts';
import { DEFAULT_DEMO_DIR, readDemoSeed } from '../platform/store/demo-seed.ts';
import { openMetadataStore } from '../platform/store/metadata-store.ts';
import { describeDatabaseUrl } from '../platform/store/postgres-connection.ts';
import { grantAppRole } from '../platform/store/postgres-roles.ts';
import { sqlEngineOf } from '../platform/store/sql-engine.ts';
import type { CliIo } from './cli-io.ts';
import { DATABASE_FLAG_OPTIONS, DATABASE_USAGE, databaseChoice } from './database-options.ts';

const USAGE = `Usage: enclave platform migrate --database-url postgres://OWNER@HOST:PORT/DATABASE [--app-role ROLE] [--demo]
${DATABASE_USAGE}
    [--app-role ROLE]   grant ROLE (the role serve runs as) reads and writes, but only SELECT and INSERT on audit_events
    [--demo]            seed the demo's people and projects as well as the catalogue (a demo platform on PostgreSQL)
  Run as the database's owner role. Brings the schema up to date and seeds an empty store, under one lock: of several
  runs at once exactly one seeds. Puts back the audit table's guards if someone changed them (and says so).
  Exit 0: done. Exit 2: bad input. Exit 1: the database could not be migrated.
`;

export async function runPlatformMigrate(argv: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(USAGE);
    return 0;
  }
  let values: { 'database-url'?: string; 'database-password-file'?: string; 'ca-file'?: string; 'app-role'?: string; demo?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { ...DATABASE_FLAG_OPTIONS, 'app-role': { type: 'string' }, demo: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.stderr.write(`enclave platform migrate: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  let choice;
  try {
    choice = await databaseChoice(values, env);
  } catch (err) {
    io.stderr.write(`enclave platform migrate: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (choice === undefined) {
    io.stderr.write(
      `enclave platform migrate: --database-url (or ENCLAVE_DATABASE_URL) is required: SQLite stores migrate when opened.\n${USAGE}`,
    );
    return 2;
  }
  const where = describeDatabaseUrl(choice.url);
  try {
    const catalogue = await readCatalogueFile(DEFAULT_CATALOGUE_PATH);
    const demo = values.demo === true ? await readDemoSeed({ demoDir: DEFAULT_DEMO_DIR, catalogue }) : null;
    const store = await openMetadataStore({
      postgres: { ...choice, log: (message) => io.stderr.write(`enclave platform migrate: ${message}\n`) },
      seed: { demo, catalogue },
      hashPassword,
      role: 'owner',
    });
    try {
      io.stdout.write(`${where}: schema up to date; ${store.seeded ? 'seeded' : 'already seeded, nothing written'}\n`);
      const db = store.database;
      const repaired = await sqlEngineOf(db).withSetupLock(db, () => db.transaction().execute((trx) => repairPostgresAuditGuards(trx)));
      if (repaired.length > 0) {
        io.stdout.write(
          `${where}: the audit log's guards were not as the platform made them: ${repaired.join(', ')}. Only the owner or a superuser could change them: find out who, as the audit log's check will not show it any more.\n`,
        );
      }
      const role = values['app-role'];
      if (role !== undefined) {
        const granted = await sqlEngineOf(db).withSetupLock(db, () => grantAppRole(db, role));
        io.stdout.write(`${where}: granted ${role} what serve needs (${granted.length} statements): only SELECT, INSERT on audit_events\n`);
      }
    } finally {
      await store.close();
    }
    return 0;
  } catch (err) {
    const message = err instanceof EnclaveError ? err.message : `could not migrate ${where}: ${(err as Error).message}`;
    io.stderr.write(`enclave platform migrate: ${message}\n`);
    return err instanceof EnclaveError && err.code === 'invalid_input' ? 2 : 1;
  }
}
