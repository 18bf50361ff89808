// oidc-provider's storage adapter over the platform's SQLite store, so sessions, grants and refresh tokens
// survive a restart of `enclave platform serve`.
//
// Artifact ids are bearer secrets (a refresh token, an authorization code, the session cookie are their id),
// so the store never sees them: rows are keyed by sha256(id), and the `jti` oidc-provider repeats inside each
// payload is left out and put back from the id the caller looked up with. Someone who reads the database (a
// backup, a copy of the data folder) learns no token they could present. The look-ups by grant id, session uid
// and device user code are unchanged: those are not credentials on their own (a user code only works for a
// device code that a signed-in person then approves, within its 10 minutes).
import { createHash } from 'node:crypto';
import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';
import type { ArtifactPayload, OidcArtifactStore } from '../../store/oidc-artifacts.ts';

/** The key an artifact is stored under: its id is never stored. */
export function artifactKey(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('base64url');
}

/**
 * DeviceCode keeps its jti in the payload: oidc-provider finds it by user code and then saves it again (the
 * approval) and hands its jti to the interaction, so the raw value must come back from that look-up. It lives
 * at most 10 minutes and is useless until approved; once exchanged it is consumed.
 */
const KEEPS_JTI = new Set(['DeviceCode']);

function forStorage(model: string, payload: AdapterPayload): ArtifactPayload {
  const stored: Record<string, unknown> = { ...payload };
  if (!KEEPS_JTI.has(model)) delete stored.jti;
  // An interaction copies the browser session's cookie value into its payload; nothing reads it back.
  if (model === 'Interaction' && typeof stored.session === 'object' && stored.session !== null) {
    const { cookie: _cookie, ...session } = stored.session as Record<string, unknown>;
    stored.session = session;
  }
  return stored;
}

export function sqliteAdapterFactory(store: OidcArtifactStore): AdapterFactory {
  return (model: string): Adapter => ({
    async upsert(id, payload, expiresIn) {
      await store.upsert({ model, id: artifactKey(id), payload: forStorage(model, payload), expiresIn });
    },
    async find(id) {
      const payload = await store.find(model, artifactKey(id));
      // Every model's jti is its id: what the caller looked up with is exactly what was hashed.
      return payload === undefined ? undefined : ({ ...payload, jti: id } as AdapterPayload);
    },
    async findByUserCode(userCode) {
      return (await store.findByUserCode(model, userCode)) as AdapterPayload | undefined;
    },
    async findByUid(uid) {
      // A session found by uid comes back without its id (its cookie value): oidc-provider only reads such a
      // session (account and grant checks), it never saves or destroys it.
      return (await store.findByUid(model, uid)) as AdapterPayload | undefined;
    },
    async consume(id) {
      await store.consume(model, artifactKey(id));
    },
    async destroy(id) {
      await store.destroy(model, artifactKey(id));
    },
    async revokeByGrantId(grantId) {
      await store.revokeByGrantId(model, grantId);
    },
  });
}
