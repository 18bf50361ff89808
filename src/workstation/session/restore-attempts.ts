// When to restore an earlier sign-in from the token store (./restore.ts does one attempt): at start, and again when
// the platform answers if the identity provider could not be found then. One attempt at a time: two would spend the
// same rotating refresh token twice. Whether a restored sign-in becomes the session is the session's rule
// (./transition.ts: only if nothing happened since the attempt began).
import type { IdentityProvider } from '../sign-in/oidc.ts';

export interface RestoreAttemptsOptions {
  provider(): Promise<IdentityProvider>;
  /** One attempt, numbered, once the provider is known (the session decides whether it may read the store). */
  attempt(id: number): Promise<void>;
  log: (message: string, detail?: unknown) => void;
}

/** Returns `tryRestore`: resolves once the attempt under way (or a new one) is over; nothing once one has run. */
export function createRestoreAttempts(options: RestoreAttemptsOptions): () => Promise<void> {
  const { log } = options;
  // Whether the token store has been consulted: if the platform was down at start, try again when it answers.
  let restoreTried = false;
  let restoring: Promise<void> | null = null;
  let attempts = 0;

  async function restore(): Promise<void> {
    try {
      await options.provider();
    } catch (err) {
      log('The identity provider could not be found yet.', err);
      return;
    }
    restoreTried = true;
    attempts += 1;
    await options.attempt(attempts);
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
