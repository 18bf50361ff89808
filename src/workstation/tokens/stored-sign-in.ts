// A sign-in kept between runs (one token-store entry per issuer, client and purpose), and the one set of rules that
// decides what becomes of it when it is renewed: by the app at start-up (../session/restore.ts) and by every
// `enclave` command (src/cli/account.ts). The rules are pure; renewStoredSignIn applies them to a store and a
// provider.
import { bestEffort } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { IdentityProvider, TokenSet } from '../sign-in/oidc.ts';
import type { StoredSession, TokenStore } from './token-store.ts';

/** Who signed in and the session's bounds (epoch ms): what a stored entry records besides the refresh token. */
export interface SignInBounds {
  sub: string;
  signedInAt: number;
  sessionEndsAt: number;
}

/** A sign-in that starts at `at` lasts at most `sessionMaxSeconds`, whatever the user does (and across restarts). */
export function boundsFrom(at: number, sessionMaxSeconds: number): { signedInAt: number; sessionEndsAt: number } {
  return { signedInAt: at, sessionEndsAt: at + sessionMaxSeconds * 1000 };
}

export function storedRecord(refreshToken: string, bounds: SignInBounds): StoredSession {
  return {
    version: 1,
    refreshToken,
    sub: bounds.sub,
    signedInAt: new Date(bounds.signedInAt).toISOString(),
    sessionEndsAt: new Date(bounds.sessionEndsAt).toISOString(),
  };
}

export function hasEnded(record: StoredSession, now: number): boolean {
  return Date.parse(record.sessionEndsAt) <= now;
}

/** Renewed tokens that name a subject must name the entry's: a renewal never turns into someone else's sign-in. */
export function renewedForOwner(record: StoredSession, tokens: TokenSet): boolean {
  return tokens.idClaims === null || tokens.idClaims.sub === record.sub;
}

/** The entry after a renewal: the rotated refresh token (or the old one, where the provider does not rotate). */
export function renewedRecord(record: StoredSession, tokens: TokenSet): StoredSession {
  return { ...record, refreshToken: tokens.refreshToken ?? record.refreshToken };
}

/**
 * The provider refused the entry's refresh token. Two renewals at once (two commands, or a command and a login)
 * both read the same rotating token and only the first can spend it: if the entry now holds a newer token, try that
 * once. Otherwise the entry goes, but only while it still holds the refused token (a newer sign-in stays).
 */
export function afterRefusal(options: {
  refused: string;
  reread: StoredSession | null;
  retried: boolean;
}): { retry: StoredSession } | { removeEntry: boolean } {
  const { refused, reread, retried } = options;
  if (reread !== null && reread.refreshToken !== refused && !retried) return { retry: reread };
  return { removeEntry: reread?.refreshToken === refused };
}

export type StoredRenewal =
  /** The session's bound has passed: the entry is removed. */
  | { kind: 'ended' }
  /** The provider no longer honours the sign-in (or renewed it for someone else): nothing of it is kept. */
  | { kind: 'refused' }
  /** `record` is the entry as stored now: it already holds the rotated refresh token. */
  | { kind: 'renewed'; record: StoredSession; tokens: TokenSet };

export interface StoredRenewalOptions {
  record: StoredSession;
  idp: Pick<IdentityProvider, 'refresh' | 'revoke'>;
  store: Pick<TokenStore, 'load' | 'save' | 'remove'>;
  account: string;
  now: number;
}

/**
 * Renews a loaded entry. The rotated refresh token is saved before the caller does anything else with the tokens:
 * the old one is spent, and a platform that is down must not lose a sign-in that is still valid. Anything but a
 * refusal (the provider unreachable) throws and leaves the entry as it was.
 */
export async function renewStoredSignIn(options: StoredRenewalOptions): Promise<StoredRenewal> {
  const { idp, store, account } = options;
  let record = options.record;
  if (hasEnded(record, options.now)) {
    await store.remove(account);
    return { kind: 'ended' };
  }
  for (let retried = false; ; retried = true) {
    let tokens: TokenSet;
    try {
      tokens = await idp.refresh(record.refreshToken);
    } catch (err) {
      if (!(err instanceof EnclaveError && err.code === 'unauthenticated')) throw err;
      const next = afterRefusal({ refused: record.refreshToken, reread: await store.load(account), retried });
      if ('retry' in next) {
        record = next.retry;
        continue;
      }
      if (next.removeEntry) await store.remove(account);
      return { kind: 'refused' };
    }
    if (!renewedForOwner(record, tokens)) {
      if (tokens.refreshToken) await bestEffort(idp.revoke(tokens.refreshToken, 'refresh_token'));
      const next = afterRefusal({ refused: record.refreshToken, reread: await store.load(account), retried: true });
      if ('removeEntry' in next && next.removeEntry) await store.remove(account);
      return { kind: 'refused' };
    }
    const current = renewedRecord(record, tokens);
    if (current.refreshToken !== record.refreshToken) await store.save(account, current);
    return { kind: 'renewed', record: current, tokens };
  }
}
