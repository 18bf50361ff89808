// When to restore an earlier sign-in from the token store (session-restore.ts does one attempt): at start, and again
// when the platform answers if the identity provider could not be found then. One attempt at a time: two would spend
// the same rotating refresh token twice. A restored sign-in only becomes the session if nobody signed in meanwhile.
import type { Session } from '../common/contract.ts';
import type { IdentityProvider } from './oidc.ts';
import type { PlatformClient } from './platform-client.ts';
import { restoreSession, type RestoreOutcome } from './session-restore.ts';
import type { TokenStore } from './token-store.ts';

export type RestoredSignIn = Extract<RestoreOutcome, { kind: 'restored' }>;

export interface RestoreAttemptsOptions {
  provider(): Promise<IdentityProvider>;
  store: TokenStore;
  client: PlatformClient;
  now: () => number;
  /** Whether the session manager has closed. */
  closed(): boolean;
  /** Whether nobody is signed in or signing in: only then may a restored sign-in become the session. */
  vacant(): boolean;
  /** There is nothing to restore, and the user should be told why: signed out, with this message. */
  refused(message: Session['message']): void;
  /** The earlier sign-in was renewed: it becomes the session. */
  restored(restored: RestoredSignIn): Promise<void>;
  log: (message: string, detail?: unknown) => void;
}

/** Returns `tryRestore`: resolves once the attempt under way (or a new one) is over; nothing once one has run. */
export function createRestoreAttempts(options: RestoreAttemptsOptions): () => Promise<void> {
  const { log } = options;
  // Whether the keychain has been consulted: if the platform was down at start, try again when it answers.
  let restoreTried = false;
  let restoring: Promise<void> | null = null;

  async function restore(): Promise<void> {
    let provider: IdentityProvider;
    try {
      provider = await options.provider();
    } catch (err) {
      log('The identity provider could not be found yet.', err);
      return;
    }
    restoreTried = true;
    const outcome = await restoreSession({ provider, store: options.store, client: options.client, now: options.now() });
    if (options.closed()) return; // the stored entry holds the renewed token: the next start restores it
    if (!options.vacant()) {
      // Someone signed in meanwhile (or is signing in): this older sign-in must not linger.
      if (outcome.kind === 'restored' && outcome.tokens.refreshToken) void provider.revoke(outcome.tokens.refreshToken, 'refresh_token').catch(() => {});
      return;
    }
    if (outcome.kind === 'nothing') return;
    if (outcome.kind === 'refused') {
      options.refused(outcome.message);
      return;
    }
    await options.restored(outcome);
  }

  return function tryRestore(): Promise<void> {
    if (restoreTried) return Promise.resolve();
    restoring ??= restore()
      .catch((err: unknown) => log('Restoring the session failed.', err))
      .finally(() => {
        restoring = null;
      });
    return restoring;
  };
}
