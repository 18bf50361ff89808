// Verifies the audit log of a PostgreSQL metadata store, changing nothing: what `enclave audit verify --database-url`
// runs, beside running instances or not. The database is only read (no migration, no seed, no role check: a reader
// needs no more than SELECT), the key in the shared keys folder is read but never made, and the anchor (DIR/identity) is read. The report is
// built exactly as the platform's own check at start-up builds it on PostgreSQL (audit-log.ts verify(): the key is not
// new, and an empty log there was never written), so a broken log prints the very token `serve
// --accept-broken-audit-log` accepts.
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { EnclaveError } from '../../common/errors.ts';
import { pendingMigrations } from '../store/migrations.ts';
import { createPostgresPool, describeDatabaseUrl, type PostgresStoreOptions } from '../store/postgres-connection.ts';
import type { MetadataDatabase } from '../store/schema.ts';
import { AUDIT_ANCHOR_FILE, readAnchors } from './anchor.ts';
import { readAuditKey } from './audit-key.ts';
import { checkStoredAuditGuards } from './guards.ts';
import { AUDIT_ROWS_QUERY, parseStoredRows } from './stored-rows.ts';
import { verifyAuditTrail, type AuditReport } from './verify.ts';

export interface DatabaseAuditCheck {
  /** The PostgreSQL store (as the platform is given it; a pool of two connections is enough here). */
  readonly postgres: PostgresStoreOptions;
  /** The folder holding the anchor: the data folder's identity/. */
  readonly folder: string;
  /** The folder holding the audit key: the identity keys folder the instances share (--identity-keys-dir). */
  readonly keyFolder: string;
}

/** The report, and what the operator should know besides (a readable key file, a pending migration). */
export async function verifyAuditDatabase(options: DatabaseAuditCheck): Promise<{ report: AuditReport; warnings: string[] }> {
  const { folder } = options;
  const where = describeDatabaseUrl(options.postgres.url);
  const { key, file: keyFile, warning } = await readAuditKey(options.keyFolder);
  const warnings = warning === undefined ? [] : [warning];
  // The anchor before the rows: every anchored event was committed first, so the rows read next include it.
  const anchors = await readAnchors({ file: path.join(folder, AUDIT_ANCHOR_FILE), key });
  const db = new Kysely<MetadataDatabase>({
    dialect: new PostgresDialect({ pool: await createPostgresPool({ ...options.postgres, poolSize: 2 }) }),
  });
  try {
    let pending: string[];
    try {
      pending = await pendingMigrations(db, { schema: options.postgres.schema });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new EnclaveError('unavailable', `The metadata database at ${where} cannot be read: ${reason}`);
    }
    if (pending.length > 0) {
      warnings.push(
        `the database at ${where} is not up to date (pending: ${pending.join(', ')}): its guards are checked as the newest migrations make them`,
      );
    }
    const guards = await checkStoredAuditGuards(db);
    const events = guards.tableSql === null ? [] : parseStoredRows((await sql.raw(AUDIT_ROWS_QUERY).execute(db)).rows);
    const report = verifyAuditTrail({ events, key, keyFile, keyIsNew: false, storeUsedBefore: false, anchors, guards });
    return { report, warnings };
  } finally {
    await db.destroy();
  }
}
