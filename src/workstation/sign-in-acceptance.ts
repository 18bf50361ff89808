// Accepting a completed sign-in: the browser came back with tokens. They become the session's only while this
// sign-in is still the one wanted, once the platform says who the person is and, for an unlock, only if it is the
// person Enclave is locked as. Otherwise the refresh token is revoked and nothing is kept.
import type { User } from '../common/contract.ts';
import { EnclaveError } from '../common/errors.ts';
import type { CallbackPage } from './loopback-callback.ts';
import type { IdentityProvider, TokenSet } from './oidc.ts';
import type { PlatformClient } from './platform-client.ts';
import type { SessionReports } from './session-reports.ts';
import { failurePage } from './sign-in-flow.ts';

export const NO_LONGER_WANTED: CallbackPage = { ok: false, title: 'Sign-in no longer wanted', text: 'Enclave stopped waiting for this sign-in.' };

export interface CompletedSignIn {
  set: TokenSet;
  /** Whether this sign-in unlocks a locked session (then it must be the same person). */
  unlock: boolean;
  /** Whether this sign-in is still the one wanted: no sign-out, cancel, newer sign-in or close meanwhile. */
  stillWanted(): boolean;
  /** Who Enclave is locked as, read when the unlock is checked. */
  lockedAs(): { sub: string | null; user: User | null };
  provider(): Promise<IdentityProvider>;
  client: PlatformClient;
  report: SessionReports['report'];
  /** Ends this sign-in with an error the user sees: back to locked (an unlock) or signed out. */
  fail(text: string): void;
  /**
   * Makes the tokens the session's, signed in as one step (nothing awaited before it is announced); resolves once
   * the refresh token is stored.
   */
  enter(accepted: { sub: string; user: User; set: TokenSet }): Promise<void>;
  log: (message: string, detail?: unknown) => void;
}

/**
 * Every await is followed by a check that this flow is still the one wanted: a sign-out or cancel meanwhile means the
 * tokens are revoked and nothing else happens (no state, no stored entry, no audit record).
 */
export async function acceptSignIn(completed: CompletedSignIn): Promise<CallbackPage> {
  const { set, unlock, stillWanted } = completed;
  const claims = set.idClaims;
  if (claims === null) throw new EnclaveError('unauthenticated', 'Sign-in failed: the identity provider sent no ID token.');
  const provider = await completed.provider();
  const discard = () => (set.refreshToken ? provider.revoke(set.refreshToken, 'refresh_token').catch(() => {}) : Promise.resolve());
  if (!stillWanted()) {
    void discard();
    return NO_LONGER_WANTED;
  }
  const lockedAs = completed.lockedAs();
  if (unlock && claims.sub !== lockedAs.sub) {
    const locked = lockedAs.user?.displayName ?? 'the locked user';
    const text = `You signed in as someone else (${claims.name ?? claims.sub}). Enclave stays locked: sign in as ${locked}, or sign out.`;
    completed.fail(text);
    // Recorded with the other person's own token (they are the actor), then their sign-in is ended.
    void completed.report('unlock_refused', set.accessToken).then(discard);
    return { ok: false, title: 'Enclave stays locked', text };
  }
  let me: User;
  try {
    me = await completed.client.me({ token: set.accessToken });
  } catch (err) {
    void discard();
    if (!stillWanted()) return NO_LONGER_WANTED;
    const error = err instanceof EnclaveError ? err : new EnclaveError('internal', 'The platform did not say who you are.');
    completed.fail(`Signed in at the identity provider, but the platform refused you: ${error.message}`);
    return failurePage(error);
  }
  if (!stillWanted()) {
    void discard();
    return NO_LONGER_WANTED;
  }
  const storing = completed.enter({ sub: claims.sub, user: me, set });
  void completed.report(unlock ? 'unlocked' : 'signed_in', set.accessToken);
  // A store that fails still leaves the user signed in for this run (the fallback store never throws here).
  await storing.catch((err: unknown) => completed.log('Could not keep the sign-in in the token store.', err));
  return { ok: true, title: unlock ? 'Enclave is unlocked' : 'You are signed in', text: 'Return to Enclave: you can close this tab.' };
}
