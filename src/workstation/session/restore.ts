// Start-up: an earlier sign-in kept in the token store (the keychain) comes back if its session has not ended
// and the identity provider still honours its refresh token, as the same person, and the platform knows them.
// Renewing the entry follows the rules the CLI follows too (../tokens/stored-sign-in.ts).
import type { User } from '../../common/contract.ts';
import { bestEffort } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { PlatformClient } from '../platform-client.ts';
import type { IdentityProvider, TokenSet } from '../sign-in/oidc.ts';
import { renewStoredSignIn, type StoredRenewal } from '../tokens/stored-sign-in.ts';
import { accountFor } from '../tokens/token-keeper.ts';
import type { StoredSession, TokenStore } from '../tokens/token-store.ts';

export type RestoreOutcome =
  | { kind: 'nothing' }
  /** Nothing to restore, and the user should be told why (ended, revoked, suspended, unreachable). */
  | { kind: 'refused'; message: { kind: 'info' | 'error' | 'suspended'; text: string } }
  /** `saved` is the entry as stored now: it already holds the renewed refresh token. */
  | { kind: 'restored'; saved: StoredSession; tokens: TokenSet; user: User };

const NOT_ENROLLED =
  'You signed in earlier but had not enrolled yet. Sign in again, then enter the enrolment code your administrator sent you.';
const REVOKED = 'Your earlier sign-in could not be restored: it was revoked or has expired. Sign in again.';

function unavailableNow(err: unknown): RestoreOutcome {
  const error = err instanceof EnclaveError ? err : new EnclaveError('internal', 'Something unexpected went wrong.');
  // Unreachable or failing for now: the entry is kept (with the renewed token), so the next start can try again.
  return {
    kind: 'refused',
    message: { kind: 'error', text: `Your earlier sign-in could not be restored now (${error.message}). Sign in again.` },
  };
}

export async function restoreSession(options: {
  provider: IdentityProvider;
  store: TokenStore;
  client: PlatformClient;
  now: number;
}): Promise<RestoreOutcome> {
  const { provider, store, client } = options;
  const account = accountFor(provider);
  const record = await store.load(account).catch(() => null);
  if (record === null) return { kind: 'nothing' };
  let renewal: StoredRenewal;
  try {
    renewal = await renewStoredSignIn({ record, idp: provider, store, account, now: options.now });
  } catch (err) {
    return unavailableNow(err);
  }
  if (renewal.kind === 'ended')
    return { kind: 'refused', message: { kind: 'info', text: 'Your last session has ended. Sign in again to continue.' } };
  if (renewal.kind === 'refused') return { kind: 'refused', message: { kind: 'error', text: REVOKED } };
  const { record: saved, tokens } = renewal;
  try {
    const user = await client.me({ token: tokens.accessToken });
    return { kind: 'restored', saved, tokens, user };
  } catch (err) {
    const refusals = ['unauthenticated', 'forbidden', 'suspended', 'enrolment_required'];
    if (err instanceof EnclaveError && refusals.includes(err.code)) {
      // The platform said no: this entry will never work again (a suspended person signs in afresh once it is lifted;
      // someone who had not enrolled yet signs in again to enter their code).
      await bestEffort(store.remove(account));
      if (tokens.refreshToken) await bestEffort(provider.revoke(tokens.refreshToken, 'refresh_token'));
      if (err.code === 'suspended') return { kind: 'refused', message: { kind: 'suspended', text: err.message } };
      if (err.code === 'enrolment_required') return { kind: 'refused', message: { kind: 'info', text: NOT_ENROLLED } };
      return { kind: 'refused', message: { kind: 'error', text: REVOKED } };
    }
    return unavailableNow(err);
  }
}
