// Start-up: an earlier sign-in kept in the token store (the keychain) comes back if its session has not ended
// and the identity provider still honours its refresh token, as the same person, and the platform knows them.
import type { User } from '../common/contract.ts';
import { EnclaveError } from '../common/errors.ts';
import type { IdentityProvider, TokenSet } from './oidc.ts';
import type { PlatformClient } from './platform-client.ts';
import { accountFor } from './token-keeper.ts';
import type { StoredSession, TokenStore } from './token-store.ts';

export type RestoreOutcome =
  | { kind: 'nothing' }
  /** Nothing to restore, and the user should be told why (ended, revoked, unreachable). */
  | { kind: 'refused'; message: { kind: 'info' | 'error'; text: string } }
  /** `saved` is the entry as stored now: it already holds the renewed refresh token. */
  | { kind: 'restored'; saved: StoredSession; tokens: TokenSet; user: User };

export async function restoreSession(options: { provider: IdentityProvider; store: TokenStore; client: PlatformClient; now: number }): Promise<RestoreOutcome> {
  const { provider, store, client } = options;
  const key = accountFor(provider);
  const saved = await store.load(key).catch(() => null);
  if (saved === null) return { kind: 'nothing' };
  if (Date.parse(saved.sessionEndsAt) <= options.now) {
    await store.remove(key).catch(() => {});
    return { kind: 'refused', message: { kind: 'info', text: 'Your last session has ended. Sign in again to continue.' } };
  }
  let renewed: TokenSet | null = null;
  try {
    const tokens = await provider.refresh(saved.refreshToken);
    renewed = tokens;
    if (tokens.idClaims && tokens.idClaims.sub !== saved.sub) throw new EnclaveError('unauthenticated', 'The stored sign-in belongs to someone else.');
    // The old refresh token is spent now: keep the renewed one before anything else can fail (the platform may be
    // down), or the next start would try the spent token and lose a sign-in that is still valid.
    const current: StoredSession = { ...saved, refreshToken: tokens.refreshToken ?? saved.refreshToken };
    if (current.refreshToken !== saved.refreshToken) await store.save(key, current);
    const user = await client.me({ token: tokens.accessToken });
    return { kind: 'restored', saved: current, tokens, user };
  } catch (err) {
    const error = err instanceof EnclaveError ? err : new EnclaveError('internal', 'Something unexpected went wrong.');
    if (error.code === 'unauthenticated' || error.code === 'forbidden') {
      // The provider or the platform said no: this entry will never work again.
      await store.remove(key).catch(() => {});
      if (renewed?.refreshToken) await provider.revoke(renewed.refreshToken, 'refresh_token').catch(() => {});
      return { kind: 'refused', message: { kind: 'error', text: 'Your earlier sign-in could not be restored: it was revoked or has expired. Sign in again.' } };
    }
    // Unreachable or failing for now: keep the entry (with the renewed token), so the next start can try again.
    return { kind: 'refused', message: { kind: 'error', text: `Your earlier sign-in could not be restored now (${error.message}). Sign in again.` } };
  }
}
