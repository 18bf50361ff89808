// oidc-provider's storage adapter over the platform's SQLite store, so sessions, grants and refresh tokens
// survive a restart of `enclave platform serve`.
//
// Artifact ids are bearer secrets (a refresh token, an authorization code, a device code, the session cookie
// are their id), so the store never sees them: rows are keyed by sha256(id), and the `jti` oidc-provider repeats
// inside each payload is left out and put back from the id the caller looked up with. Every payload is sealed
// (artifact-sealing.ts) and the look-up columns (user code, uid, grant id, account) hold keyed hashes, so someone who
// reads the database learns no token, code, account or claim, and someone who writes it cannot forge one.
//
// Grants that end (sign-out, lock, refresh-token reuse: oidc-provider revokes the grant's tokens and destroys it)
// are reported to onGrantEnded before the provider answers, so the platform can refuse their access tokens at once.
import { createHash } from 'node:crypto';
import { errors, type Adapter, type AdapterFactory, type AdapterPayload } from 'oidc-provider';
import type { ArtifactPayload, OidcArtifactStore } from '../../store/oidc-artifacts.ts';
import type { ArtifactSealer, LookupColumn } from './artifact-sealing.ts';

/** The key an artifact is stored under: its id is never stored. */
export function artifactKey(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('base64url');
}

/**
 * DeviceCode keeps its jti inside its (sealed) payload: oidc-provider finds it by user code and then saves it
 * again (the approval) and hands its jti to the interaction, so the raw value must come back from that look-up.
 */
const KEEPS_JTI = new Set(['DeviceCode']);

/** What the store keeps for one artifact: the sealed payload, and keyed hashes for the columns it is found by. */
interface StoredArtifact {
  readonly sealed: string;
  /** The row key, repeated so a row found by user code or uid can be opened (it is the sealing's associated data). */
  readonly key: string;
  readonly grantId?: string;
  readonly userCode?: string;
  readonly uid?: string;
  /** The account the artifact belongs to, so all of a person's sign-ins can be ended at once (the kill switch). */
  readonly accountKey?: string;
  /** Set by the store when the artifact is used (outside the seal, so the store can do it atomically). */
  readonly consumed?: number;
}

export interface AdapterOptions {
  readonly store: OidcArtifactStore;
  readonly sealer: ArtifactSealer;
  /** Called when a grant ends; the provider answers only after it settles. */
  readonly onGrantEnded: (grantId: string) => Promise<void>;
  /** Called when a device code is found by its id; may throw an oidc-provider error to refuse the request. */
  readonly onDeviceCodeFound?: (found: { codeKey: string; payload: Readonly<Record<string, unknown>> }) => void;
}

function withoutSecrets(model: string, payload: AdapterPayload): Record<string, unknown> {
  const stored: Record<string, unknown> = { ...payload };
  if (!KEEPS_JTI.has(model)) delete stored.jti;
  // An interaction copies the browser session's cookie value into its payload; nothing reads it back.
  if (model === 'Interaction' && typeof stored.session === 'object' && stored.session !== null) {
    const { cookie: _cookie, ...session } = stored.session as Record<string, unknown>;
    stored.session = session;
  }
  return stored;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const member = (value: unknown, name: string): unknown =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;

/**
 * Whose artifact this is: sessions, grants, codes, refresh tokens and approved device codes name their account; an
 * interaction names the one who just signed in (its login result) or the browser's session it started from, so a
 * sign-in under way when the person's sign-ins are ended cannot be finished either.
 */
export function accountOf(model: string, payload: AdapterPayload): string | undefined {
  if (model !== 'Interaction') return text(payload.accountId);
  return text(member(member(payload.result, 'login'), 'accountId')) ?? text(member(payload.session, 'accountId'));
}

export function sqliteAdapterFactory(options: AdapterOptions): AdapterFactory {
  const { store, sealer } = options;
  // oidc-provider ends a grant by calling revokeByGrantId on every token model and destroying the Grant at
  // once: one report per grant, shared by all of those calls.
  const ending = new Map<string, Promise<void>>();
  function endGrant(grantId: string): Promise<void> {
    let reported = ending.get(grantId);
    if (reported === undefined) {
      reported = options.onGrantEnded(grantId).finally(() => ending.delete(grantId));
      ending.set(grantId, reported);
    }
    return reported;
  }

  return (model: string): Adapter => {
    function toStored(rowKey: string, payload: AdapterPayload): ArtifactPayload {
      const lookups: Array<[keyof StoredArtifact, LookupColumn, unknown]> = [
        ['grantId', 'grant_id', payload.grantId],
        ['userCode', 'user_code', payload.userCode],
        ['uid', 'uid', payload.uid],
        ['accountKey', 'account', accountOf(model, payload)],
      ];
      const stored: Record<string, unknown> = {
        sealed: sealer.seal({ model, rowKey, payload: withoutSecrets(model, payload) }),
        key: rowKey,
      };
      for (const [field, column, value] of lookups) if (typeof value === 'string') stored[field] = sealer.lookupKey(column, value);
      if (typeof payload.consumed === 'number') stored.consumed = payload.consumed;
      return stored;
    }

    /** The payload, if the row is one sealed for this model under rowKey (the key it was found by, or for a look-up, the one it names). */
    function fromStored(row: ArtifactPayload | undefined, rowKey?: string): Record<string, unknown> | undefined {
      if (row === undefined) return undefined;
      const key = rowKey ?? text(row.key);
      if (key === undefined) return undefined;
      const payload = sealer.open({ model, rowKey: key, sealed: row.sealed });
      if (payload === undefined) return undefined;
      return typeof row.consumed === 'number' ? { ...payload, consumed: row.consumed } : payload;
    }

    return {
      async upsert(id, payload, expiresIn) {
        const rowKey = artifactKey(id);
        await store.upsert({ model, id: rowKey, payload: toStored(rowKey, payload), expiresIn });
      },
      async find(id) {
        const rowKey = artifactKey(id);
        const payload = fromStored(await store.find(model, rowKey), rowKey);
        if (payload === undefined) return undefined;
        if (model === 'DeviceCode') options.onDeviceCodeFound?.({ codeKey: rowKey, payload });
        // Every model's jti is its id: what the caller looked up with is exactly what was hashed.
        return { ...payload, jti: id };
      },
      async findByUserCode(userCode) {
        const payload = fromStored(await store.findByUserCode(model, sealer.lookupKey('user_code', userCode)));
        // The look-up column is outside the seal (a row's column may have been copied from another row): the
        // sealed payload itself must be for this user code.
        return payload?.userCode === userCode && text(payload.jti) !== undefined ? payload : undefined;
      },
      async findByUid(uid) {
        // A session found by uid comes back without its id (its cookie value): oidc-provider only reads such a
        // session (account and grant checks), it never saves or destroys it.
        const payload = fromStored(await store.findByUid(model, sealer.lookupKey('uid', uid)));
        return payload?.uid === uid ? payload : undefined;
      },
      async consume(id) {
        // Used already, or by another request at this very moment: a second redemption is refused here.
        if (!(await store.consume(model, artifactKey(id)))) throw new errors.InvalidGrant(`${model} was already used`);
      },
      // The report starts before the first await, so calls made together share it (see endGrant).
      async destroy(id) {
        const reported = model === 'Grant' ? endGrant(id) : undefined;
        await Promise.all([store.destroy(model, artifactKey(id)), reported]);
      },
      async revokeByGrantId(grantId) {
        const reported = endGrant(grantId);
        await Promise.all([store.revokeByGrantId(model, sealer.lookupKey('grant_id', grantId)), reported]);
      },
    };
  };
}
