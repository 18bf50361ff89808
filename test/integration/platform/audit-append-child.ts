// One of several processes appending to the same audit log (the concurrency test runs four): opens the store's
// database the platform's way (a SQLite file, or a PostgreSQL URL), says "ready", waits for "go" on stdin so that all
// of them append at once, then appends COUNT events labelled LABEL and exits 0 only if every append succeeded.
// Arguments: AUDIT_FOLDER LABEL COUNT STORE, where STORE is sqlite:<file> or postgres:<url> (a URL without password:
// the test cluster trusts its Unix socket).
import { once } from 'node:events';
import process from 'node:process';
import { createInterface } from 'node:readline';
import { Kysely, PostgresDialect } from 'kysely';
import { openAuditLog } from '../../../src/platform/audit/audit-log.ts';
import { openSqliteDatabase } from '../../../src/platform/store/metadata-store.ts';
import { createNodeSqliteDialect } from '../../../src/platform/store/node-sqlite-dialect.ts';
import { createPostgresPool } from '../../../src/platform/store/postgres-connection.ts';
import type { MetadataDatabase } from '../../../src/platform/store/schema.ts';

const [folder, label, countText, store] = process.argv.slice(2) as [string, string, string, string];

async function openDatabase(): Promise<Kysely<MetadataDatabase>> {
  if (store.startsWith('postgres:')) {
    const pool = await createPostgresPool({ url: store.slice('postgres:'.length), log: (message) => process.stderr.write(`${message}\n`) });
    return new Kysely<MetadataDatabase>({ dialect: new PostgresDialect({ pool }) });
  }
  return new Kysely<MetadataDatabase>({ dialect: createNodeSqliteDialect(openSqliteDatabase(store.slice('sqlite:'.length))) });
}

const db = await openDatabase();
const audit = await openAuditLog({ db, folder });
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
await once(lines, 'line');
lines.close();
const results = await Promise.allSettled(
  Array.from({ length: Number(countText) }, (_, i) =>
    audit.append({ type: 'test.concurrent', actor: label, outcome: 'success', details: { i } }),
  ),
);
const failed = results.filter((result) => result.status === 'rejected');
for (const failure of failed.slice(0, 3)) process.stderr.write(`${String(failure.reason)}\n`);
await db.destroy();
process.exitCode = failed.length === 0 ? 0 : 1;
