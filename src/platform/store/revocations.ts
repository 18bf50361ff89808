// Access tokens that must stop working before they expire: the tokens of a signed-out, locked or revoked grant
// or session (and later of a suspended person). Access tokens are JWTs checked without a call to the identity
// provider, so without this list they would keep working for up to their lifetime (300 s) after sign-out. Each
// key is kept only as long as a token it refuses could still be valid, so the list stays small.
import { sql, type Kysely } from 'kysely';
import type { MetadataDatabase } from './schema.ts';

export interface RevocationList {
  /** Refuses tokens carrying any of these keys ('grant:<id>', 'jti:<id>', 'sid:<id>', 'iat:<iat>:<sub>') until expiresAt (epoch seconds). */
  revoke(options: { keys: readonly string[]; expiresAt: number }): Promise<void>;
  /** Whether any of the keys is revoked now. */
  anyRevoked(keys: readonly string[]): Promise<boolean>;
}

const epochSeconds = (): number => Math.floor(Date.now() / 1000);

/** The keys on the list, one spelling for whoever revokes and whoever checks. */
export const revocationKey = {
  /** One access token. */
  token: (jti: string): string => `jti:${jti}`,
  /** Every access token of a grant (one sign-in of one client). */
  grant: (grantId: string): string => `grant:${grantId}`,
  /** Every access token of an identity-provider session. */
  session: (sid: string): string => `sid:${sid}`,
  /**
   * A token that names neither itself, its grant nor its session (an untyped external token without `jti`): every
   * token of that subject issued in that second, which is the closest the token itself allows.
   */
  subjectIssuedAt: (sub: string, iat: number): string => `iat:${iat}:${sub}`,
} as const;

export function createRevocationList(db: Kysely<MetadataDatabase>, now: () => number = epochSeconds): RevocationList {
  return {
    async revoke({ keys, expiresAt }) {
      if (keys.length === 0) return;
      const revokedAt = now();
      await db.transaction().execute(async (trx) => {
        for (const key of keys) {
          await trx
            .insertInto('revoked_tokens')
            .values({ key, revoked_at: revokedAt, expires_at: expiresAt })
            // Revoked twice: kept until the later of the two ends.
            .onConflict((oc) =>
              oc.column('key').doUpdateSet({
                expires_at: sql<number>`CASE WHEN excluded.expires_at > revoked_tokens.expires_at THEN excluded.expires_at ELSE revoked_tokens.expires_at END`,
              }),
            )
            .execute();
        }
        await trx.deleteFrom('revoked_tokens').where('expires_at', '<', revokedAt).execute();
      });
    },
    async anyRevoked(keys) {
      if (keys.length === 0) return false;
      const row = await db
        .selectFrom('revoked_tokens')
        .select('key')
        .where('key', 'in', [...keys])
        .where('expires_at', '>=', now())
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}
