// The session's tokens: the access token in memory (renewed shortly before it expires, one refresh at a time),
// the refresh token in memory and in the token store, and dropping them (store entry removed, refresh token
// revoked at the provider). A generation number guards against work that outlives a lock or a sign-out.
import { EnclaveError } from '../common/errors.ts';
import type { IdentityProvider, TokenSet } from './oidc.ts';
import { keychainAccount, type StoredSession, type TokenStore } from './token-store.ts';

interface Tokens {
  access: string;
  accessExpiresAt: number;
  accessLifetimeMs: number;
  refresh: string | null;
}

export interface TokenKeeperOptions {
  store: TokenStore;
  provider(): Promise<IdentityProvider>;
  /** The provider, if already known (dropping tokens must not start a discovery). */
  knownProvider(): IdentityProvider | null;
  /** The record to store for a refresh token (who, and the session's bounds). */
  recordFor(refreshToken: string): StoredSession;
  /** The subject the tokens must belong to. */
  expectedSub(): string | null;
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
   * Takes the tokens away from the session at once (a lock, a sign-out, the session's end) and hands them over for
   * the last things to do with them: one report with a valid access token, then removal and revocation.
   */
  detach(): DetachedTokens;
  /** Forgets the tokens now; once `before` settles, removes the stored entry and revokes the refresh token. */
  drop(before?: Promise<void>): Promise<void>;
}

export interface DetachedTokens {
  /** A valid access token (refreshed if it had expired), or null if there is none. */
  accessToken(): Promise<string | null>;
  /** Once `before` settles: removes the stored entry and revokes the refresh token at the provider. */
  dispose(before?: Promise<void>): Promise<void>;
}

export function accountFor(provider: IdentityProvider): string {
  return keychainAccount({ issuer: provider.settings.issuer, clientId: provider.settings.clientId });
}

/** Refresh this long before the access token expires (a quarter of its life, at most 30 s). */
function refreshMargin(tokens: Tokens): number {
  return Math.min(30_000, tokens.accessLifetimeMs / 4);
}

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

  /** One refresh at a time: refresh tokens rotate, and using one twice ends the grant at most providers. */
  function refreshTokens(): Promise<Tokens> {
    refreshing ??= (async () => {
      const current = tokens;
      const startedIn = generation;
      if (!current?.refresh) throw new EnclaveError('unauthenticated', 'Your sign-in has expired. Sign in again.');
      const provider = await options.provider();
      const set = await provider.refresh(current.refresh);
      if (set.idClaims && set.idClaims.sub !== options.expectedSub()) {
        throw new EnclaveError('unauthenticated', 'The identity provider renewed the sign-in for someone else. Sign in again.');
      }
      const next = fromTokenSet(set, current.refresh);
      if (startedIn !== generation) {
        // Locked or signed out meanwhile: the new tokens must not outlive that.
        if (next.refresh) void provider.revoke(next.refresh, 'refresh_token').catch(() => {});
        throw new EnclaveError('unauthenticated', 'You are no longer signed in.');
      }
      tokens = next;
      if (next.refresh && next.refresh !== current.refresh) await store.save(accountFor(provider), options.recordFor(next.refresh));
      return next;
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
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
      const refresh = tokens.refresh;
      if (refresh && refresh !== previousRefresh) await store.save(accountFor(await options.provider()), options.recordFor(refresh));
    },
    async validAccessToken() {
      if (tokens === null) throw new EnclaveError('unauthenticated', 'You are not signed in.');
      if (tokens.accessExpiresAt - now() > refreshMargin(tokens)) return tokens.access;
      return (await refreshTokens()).access;
    },
    async refresh() {
      return (await refreshTokens()).access;
    },
    detach,
    drop: (before) => detach().dispose(before),
  };

  function detach(): DetachedTokens {
    let held = tokens;
    const pending = refreshing;
    tokens = null;
    generation += 1;
    return {
      async accessToken() {
        // A refresh already under way rotates the refresh token: wait for it rather than spend the old one.
        if (pending) held = await pending.catch(() => held);
        if (held === null) return null;
        if (held.accessExpiresAt - now() > refreshMargin(held)) return held.access;
        if (!held.refresh) return null;
        try {
          const provider = await options.provider();
          const set = await provider.refresh(held.refresh);
          held = fromTokenSet(set, held.refresh);
          return held.access;
        } catch {
          return null;
        }
      },
      async dispose(before = Promise.resolve()) {
        await before;
        const provider = options.knownProvider();
        if (provider === null) return;
        try {
          await store.remove(accountFor(provider));
        } catch (err) {
          log('Could not remove the stored sign-in.', err);
        }
        const refresh = held?.refresh;
        if (refresh) await provider.revoke(refresh, 'refresh_token').catch((err: unknown) => log('Could not revoke the refresh token.', err));
      },
    };
  }
}
