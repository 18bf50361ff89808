// What the instances' shared identity keys were when they were recorded (issue 19 C.2): a fingerprint (thumbprints
// and hashes, never a key) written by the first instance that starts on the database, or by the operator's
// `enclave platform keys record` after a deliberate change. Every later start compares its keys with it.
import type { Kysely } from 'kysely';
import type { MetadataDatabase } from './schema.ts';

export interface RecordedIdentityKeys {
  readonly fingerprint: string;
  readonly recordedAt: string;
}

export interface IdentityKeysRecord {
  /** The recorded fingerprint, or undefined before the first start with a keys folder. */
  read(): Promise<RecordedIdentityKeys | undefined>;
}

/** The recorded fingerprint, read on `conn` (the store, or a transaction of the audit log's). */
export async function readIdentityKeysRecord(conn: Kysely<MetadataDatabase>): Promise<RecordedIdentityKeys | undefined> {
  const row = await conn.selectFrom('identity_keys_record').select(['fingerprint', 'recorded_at']).where('id', '=', 1).executeTakeFirst();
  return row === undefined ? undefined : { fingerprint: row.fingerprint, recordedAt: row.recorded_at };
}

/**
 * Writes the fingerprint on `conn`: always inside the audit log's append (AuditLog.appendWithin), so that the record
 * and its audit event commit together.
 */
export async function writeIdentityKeysRecord(conn: Kysely<MetadataDatabase>, fingerprint: string, at: Date): Promise<void> {
  await conn
    .insertInto('identity_keys_record')
    .values({ id: 1, fingerprint, recorded_at: at.toISOString() })
    .onConflict((oc) => oc.column('id').doUpdateSet({ fingerprint, recorded_at: at.toISOString() }))
    .execute();
}

export function createIdentityKeysRecord(db: Kysely<MetadataDatabase>): IdentityKeysRecord {
  return { read: () => readIdentityKeysRecord(db) };
}
