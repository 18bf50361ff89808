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
  /** Records the fingerprint when none is; true when this call wrote it (of several instances starting, exactly one). */
  recordFirst(fingerprint: string, at: Date): Promise<boolean>;
  /** Replaces the recorded fingerprint (the operator's deliberate change); answers the one it replaced. */
  replace(fingerprint: string, at: Date): Promise<RecordedIdentityKeys | undefined>;
}

export function createIdentityKeysRecord(db: Kysely<MetadataDatabase>): IdentityKeysRecord {
  const read = async (conn: Kysely<MetadataDatabase>): Promise<RecordedIdentityKeys | undefined> => {
    const row = await conn.selectFrom('identity_keys_record').select(['fingerprint', 'recorded_at']).where('id', '=', 1).executeTakeFirst();
    return row === undefined ? undefined : { fingerprint: row.fingerprint, recordedAt: row.recorded_at };
  };
  return {
    read: () => read(db),
    async recordFirst(fingerprint, at) {
      const inserted = await db
        .insertInto('identity_keys_record')
        .values({ id: 1, fingerprint, recorded_at: at.toISOString() })
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .executeTakeFirst();
      return inserted !== undefined;
    },
    async replace(fingerprint, at) {
      return db.transaction().execute(async (trx) => {
        const before = await read(trx);
        await trx
          .insertInto('identity_keys_record')
          .values({ id: 1, fingerprint, recorded_at: at.toISOString() })
          .onConflict((oc) => oc.column('id').doUpdateSet({ fingerprint, recorded_at: at.toISOString() }))
          .execute();
        return before;
      });
    },
  };
}
