// The session's tokens: the access token in memory (renewed shortly before it expires, one refresh at a time),
// the refresh token in memory and in the token store, and dropping them (store entry removed, refresh token
// revoked at the provider). A generation number guards against work that outlives a lock or a sign-out.
import { bestEffort, handledElsewhere, settled } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { IdentityProvider, TokenSet } from '../sign-in/oidc.ts';
import { storedRecord, type SignInBounds } from './stored-sign-in.ts';
import { keychainAccount, type StoredSession, type TokenStore } from './token-store.ts';

interface Tokens {
  access: string;
  accessExpiresAt: number;
  accessLifetimeMs: number;
  refresh: string | null;
}

/** The identity provider: found on first use; `known` never starts a discovery (dropping tokens must not). */
export interface ProviderSource {
  get(): Promise<IdentityProvider>;
  known(): IdentityProvider | null;
}

export interface TokenKeeperOptions {
  store: TokenStore;
  provider: ProviderSource;
  /** Whose tokens these are and the session's bounds, as the session says now (null: nobody's). */
  holder(): SignInBounds | null;
  now: () => number;
  log: (message: string, detail?: unknown) => void;
}

export interface TokenKeeper {
  /** Whether any tokens are held. */
  readonly held: boolean;
  /** Increases whenever tokens are taken or dropped. */
  readonly generation: number;
  /** Takes new tokens (a sign-in, an unlock, a restore) and stores the refresh token. */
  take(set: TokenSet, options?: { previousRefresh?: string | null }): Promise<void>;
  /** An access token with some life left, refreshing first if it is about to expire. */
  validAccessToken(): Promise<string>;
  /** Refreshes now (the platform refused the access token). */
  refresh(): Promise<string>;
  /**
   * Takes the tokens away from the session at once (a lock, a sign-out, the session's end) and removes the stored
   * entry at once; hands them over for the last things to do with them: one report with a valid access token (a
   * renewal under way finishes into the holder), then revocation.
   */
  detach(): DetachedTokens;
}

export interface DetachedTokens {
  /** An unexpired access token (renewed if it had expired, never with a spent refresh token), or null. */
  accessToken(): Promise<string | null>;
  /** Once `before` settles (and the stored entry is gone): revokes the refresh token at the provider. */
  dispose(before?: Promise<void>): Promise<void>;
}

export function accountFor(provider: IdentityProvider): string {
  return keychainAccount({ issuer: provider.settings.issuer, clientId: provider.settings.clientId });
}

/** Refresh this long before the access token expires (a quarter of its life, at most 30 s). */
function refreshMargin(tokens: Tokens): number {
  return Math.min(30_000, tokens.accessLifetimeMs / 4);
}

const noLongerSignedIn = () => new EnclaveError('unauthenticated', 'You are no longer signed in.');

export function createTokenKeeper(options: TokenKeeperOptions): TokenKeeper {
  const { store, now, log } = options;
  let tokens: Tokens | null = null;
  let refreshing: Promise<Tokens> | null = null;
  let generation = 0;

  function fromTokenSet(set: TokenSet, previousRefresh: string | null): Tokens {
    return {
      access: set.accessToken,
      accessExpiresAt: set.accessExpiresAt,
      accessLifetimeMs: Math.max(0, set.accessExpiresAt - now()),
      // Not every provider rotates: keep the old refresh token when none came back.
      refresh: set.refreshToken ?? previousRefresh,
    };
  }

  /** The entry to store for a refresh token: the holder and the session's bounds (a holder of none: now). */
  function recordFor(refreshToken: string): StoredSession {
    const holder = options.holder();
    return storedRecord(refreshToken, holder ?? { sub: '', signedInAt: now(), sessionEndsAt: now() });
  }

  async function removeEntry(): Promise<void> {
    const provider = options.provider.known();
    // No provider known: no tokens were ever taken, so nothing was stored.
    if (provider === null) return;
    try {
      await store.remove(accountFor(provider));
    } catch (err) {
      log('Could not remove the stored sign-in.', err);
    }
  }

  /**
   * One refresh at a time: refresh tokens rotate, and using one twice ends the grant at most providers. A refresh
   * that outlives a lock or a sign-out still resolves with the renewed tokens (not stored): the detached holder
   * waits for it, reports with them and revokes them, so the spent refresh token is never tried again.
   */
  function refreshTokens(): Promise<Tokens> {
    const run = (async () => {
      const current = tokens;
      const startedIn = generation;
      if (!current?.refresh) throw new EnclaveError('unauthenticated', 'Your sign-in has expired. Sign in again.');
      const provider = await options.provider.get();
      const set = await provider.refresh(current.refresh);
      if (set.idClaims && set.idClaims.sub !== (options.holder()?.sub ?? null)) {
        if (set.refreshToken) bestEffort(provider.revoke(set.refreshToken, 'refresh_token'));
        throw new EnclaveError('unauthenticated', 'The identity provider renewed the sign-in for someone else. Sign in again.');
      }
      const next = fromTokenSet(set, current.refresh);
      if (startedIn !== generation) return next;
      tokens = next;
      if (next.refresh && next.refresh !== current.refresh) await store.save(accountFor(provider), recordFor(next.refresh));
      return next;
    })();
    refreshing = run;
    const forget = (): void => {
      if (refreshing === run) refreshing = null;
    };
    // Its failure is for the callers awaiting run; here only its end matters.
    handledElsewhere(settled(run).then(forget));
    return run;
  }

  /** Renews for the session's own callers: tokens renewed after a lock or sign-out are not theirs. */
  async function renewed(): Promise<Tokens> {
    const startedIn = generation;
    const next = await (refreshing ?? refreshTokens());
    if (startedIn !== generation) throw noLongerSignedIn();
    return next;
  }

  return {
    get held() {
      return tokens !== null;
    },
    get generation() {
      return generation;
    },
    async take(set, { previousRefresh = null } = {}) {
      tokens = fromTokenSet(set, previousRefresh);
      generation += 1;
      refreshing = null;
      const takenIn = generation;
      const refresh = tokens.refresh;
      if (!refresh || refresh === previousRefresh) return;
      await store.save(accountFor(await options.provider.get()), recordFor(refresh));
      // Dropped while the entry was being written: the removal may have run first, so remove again.
      if (takenIn !== generation && tokens === null) await removeEntry();
    },
    async validAccessToken() {
      if (tokens === null) throw new EnclaveError('unauthenticated', 'You are not signed in.');
      if (tokens.accessExpiresAt - now() > refreshMargin(tokens)) return tokens.access;
      return (await renewed()).access;
    },
    async refresh() {
      if (tokens === null) throw new EnclaveError('unauthenticated', 'You are not signed in.');
      return (await renewed()).access;
    },
    detach,
  };

  function detach(): DetachedTokens {
    let held = tokens;
    const pending = refreshing;
    tokens = null;
    refreshing = null;
    generation += 1;
    // The stored entry goes now, before any network call: a restart while the report is on its way must not find
    // it (that would undo a lock). A refresh under way may still be writing its renewed token: remove after it too.
    const removed = removeEntry().then(async () => {
      if (pending === null) return;
      await settled(pending);
      // Unless someone has signed in again since: their entry stays.
      if (tokens === null) await removeEntry();
    });
    // Whether held.refresh has been spent (by a refresh that failed or whose result is unknown): never reuse it.
    let spent = false;
    const refreshed: Promise<void> = (async () => {
      if (pending === null) return;
      try {
        held = await pending;
      } catch {
        spent = true;
      }
    })();
    let renewing: Promise<void> = Promise.resolve();
    return {
      async accessToken() {
        // A refresh already under way rotates the refresh token: wait for it rather than spend the old one.
        await refreshed;
        if (held === null) return null;
        // Any life left is enough for the one report.
        if (held.accessExpiresAt - now() > 0) return held.access;
        const refresh = held.refresh;
        if (!refresh || spent) return null;
        spent = true;
        const attempt = (async () => {
          const provider = await options.provider.get();
          const set = await provider.refresh(refresh);
          held = fromTokenSet(set, refresh);
          spent = false;
        })();
        renewing = settled(attempt);
        try {
          await attempt;
          return held.access;
        } catch {
          return null;
        }
      },
      async dispose(before = Promise.resolve()) {
        await Promise.all([settled(before), removed, refreshed]);
        await renewing;
        const provider = options.provider.known();
        const refresh = held?.refresh;
        if (provider === null || !refresh) return;
        // A spent token is revoked too: harmless, and it ends the grant if the provider took it after all.
        await provider.revoke(refresh, 'refresh_token').catch((err: unknown) => log('Could not revoke the refresh token.', err));
      },
    };
  }
}
