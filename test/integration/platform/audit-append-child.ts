// One of several processes appending to the same audit log (the concurrency test runs four): opens the store
// the platform's way, says "ready", waits for "go" on stdin so that all of them append at once, then appends
// COUNT events labelled LABEL and exits 0 only if every append succeeded.
import { once } from 'node:events';
import path from 'node:path';
import process from 'node:process';
import { createInterface } from 'node:readline';
import { Kysely } from 'kysely';
import { openAuditLog } from '../../../src/platform/audit/audit-log.ts';
import { openSqliteDatabase } from '../../../src/platform/store/metadata-store.ts';
import { createNodeSqliteDialect } from '../../../src/platform/store/node-sqlite-dialect.ts';
import type { MetadataDatabase } from '../../../src/platform/store/schema.ts';

const [dataDir, label, countText] = process.argv.slice(2) as [string, string, string];
const db = new Kysely<MetadataDatabase>({ dialect: createNodeSqliteDialect(openSqliteDatabase(path.join(dataDir, 'metadata.sqlite'))) });
const audit = await openAuditLog({ db, folder: path.join(dataDir, 'identity') });
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
