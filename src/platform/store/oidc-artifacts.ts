// Storage for the embedded identity provider's artifacts (sessions, interactions, grants, codes, refresh
// tokens, device codes), so that restarting the platform keeps people signed in. One table, keyed by the
// oidc-provider model name and id, with the three secondary keys its adapter interface looks things up by, and the
// account each artifact belongs to (so the kill switch can end all of a person's sign-ins at once).
// The adapter (identity/embedded/adapter.ts) passes a hash of the artifact's id, never the id itself (ids are
// bearer secrets), and a payload whose content is sealed (encrypted) with keys this store never sees; the
// grantId, userCode, uid and accountKey it reads for the look-up columns are keyed hashes.
import type { Kysely } from 'kysely';
import type { MetadataDatabase } from './schema.ts';

export type ArtifactPayload = Record<string, unknown>;

export interface OidcArtifactStore {
  upsert(options: { model: string; id: string; payload: ArtifactPayload; expiresIn?: number }): Promise<void>;
  find(model: string, id: string): Promise<ArtifactPayload | undefined>;
  findByUserCode(model: string, userCode: string): Promise<ArtifactPayload | undefined>;
  findByUid(model: string, uid: string): Promise<ArtifactPayload | undefined>;
  /**
   * Marks the artifact used (a rotated refresh token, an exchanged code): it stays, so reuse is detected. True
   * when this call used it; false when it is gone or was already used, even by a call running at the same time.
   */
  consume(model: string, id: string): Promise<boolean>;
  destroy(model: string, id: string): Promise<void>;
  /** Removes every artifact of the model issued under the grant. */
  revokeByGrantId(model: string, grantId: string): Promise<void>;
  /**
   * Removes every artifact of every model that belongs to the account (by its keyed hash); answers how many. Rows
   * written before the account column existed (migration 0007) have none and are not found: they end when they expire.
   */
  destroyByAccount(accountKey: string): Promise<number>;
}

const epochSeconds = (): number => Math.floor(Date.now() / 1000);

function optionalString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function createOidcArtifactStore(db: Kysely<MetadataDatabase>): OidcArtifactStore {
  async function findWhere(model: string, column: 'id' | 'user_code' | 'uid', value: string): Promise<ArtifactPayload | undefined> {
    const row = await db
      .selectFrom('oidc_artifacts')
      .select(['payload', 'expires_at', 'consumed_at'])
      .where('model', '=', model)
      .where(column, '=', value)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    if (row.expires_at !== null && row.expires_at <= epochSeconds()) return undefined;
    const payload = JSON.parse(row.payload) as ArtifactPayload;
    // When it was used is the column's to say (payloads stored before 0014 may still carry their own `consumed`).
    return row.consumed_at === null ? payload : { ...payload, consumed: row.consumed_at };
  }

  return {
    async upsert({ model, id, payload: given, expiresIn }) {
      // The use is kept in its own column, which only consume() sets: a save can never make a used artifact unused.
      const { consumed, ...payload } = given;
      const values = {
        payload: JSON.stringify(payload),
        grant_id: optionalString(payload.grantId),
        user_code: optionalString(payload.userCode),
        uid: optionalString(payload.uid),
        account_key: optionalString(payload.accountKey),
        expires_at: typeof expiresIn === 'number' ? epochSeconds() + expiresIn : null,
      };
      await db
        .insertInto('oidc_artifacts')
        .values({ model, id, ...values, consumed_at: typeof consumed === 'number' ? consumed : null })
        .onConflict((oc) =>
          oc.columns(['model', 'id']).doUpdateSet({
            ...values,
            // A save without an account (a session after sign-out) keeps the one it had: ending a person's sign-ins
            // may then remove a row too many, never leave one of theirs behind.
            account_key: (eb) => eb.fn.coalesce('excluded.account_key', 'oidc_artifacts.account_key'),
            consumed_at: (eb) => eb.fn.coalesce('oidc_artifacts.consumed_at', 'excluded.consumed_at'),
          }),
        )
        .execute();
      // Expired artifacts are of no use to anyone; dropping them here keeps the table small without a timer.
      await db
        .deleteFrom('oidc_artifacts')
        .where('expires_at', '<=', epochSeconds() - 60)
        .execute();
    },
    find: (model, id) => findWhere(model, 'id', id),
    findByUserCode: (model, userCode) => findWhere(model, 'user_code', userCode),
    findByUid: (model, uid) => findWhere(model, 'uid', uid),
    async consume(model, id) {
      // One conditional UPDATE: of two redemptions at once (on one instance or two), the database lets exactly one set
      // the column; a read followed by a write let both through on PostgreSQL (FACTS.md).
      const { numUpdatedRows } = await db
        .updateTable('oidc_artifacts')
        .set({ consumed_at: epochSeconds() })
        .where('model', '=', model)
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      return numUpdatedRows === 1n;
    },
    async destroy(model, id) {
      await db.deleteFrom('oidc_artifacts').where('model', '=', model).where('id', '=', id).execute();
    },
    async revokeByGrantId(model, grantId) {
      await db.deleteFrom('oidc_artifacts').where('model', '=', model).where('grant_id', '=', grantId).execute();
    },
    async destroyByAccount(accountKey) {
      const { numDeletedRows } = await db.deleteFrom('oidc_artifacts').where('account_key', '=', accountKey).executeTakeFirst();
      return Number(numDeletedRows);
    },
  };
}
