// Platform calls made as the signed-in user: the access token is renewed when due, and once more when the platform
// refuses it. A call that outlives a lock or a sign-out has its answer withheld; a sign-in that can no longer be
// renewed ends the session.
import { EnclaveError } from '../common/errors.ts';
import type { CallContext } from './platform-client.ts';
import type { TokenKeeper } from './token-keeper.ts';

export type AuthorizedCall = <T>(call: (context: CallContext) => Promise<T>) => Promise<T>;

export interface AuthorizedCallsOptions {
  tokens: TokenKeeper;
  /** Whether the session is signed in (not locked, not signed out) right now. */
  signedIn(): boolean;
  /** Locks or ends the session first if either is due by the wall clock. */
  enforceDeadlines(): void;
  /** The error for a call while not signed in. */
  refusal(): EnclaveError;
  /** The refresh token was revoked or has expired: sign out, saying so. */
  invalidated(): void;
}

export function createAuthorizedCalls(options: AuthorizedCallsOptions): AuthorizedCall {
  const { tokens } = options;

  async function refreshFailed(err: unknown, startedIn: number): Promise<EnclaveError> {
    const error = err instanceof EnclaveError ? err : new EnclaveError('internal', 'Renewing the sign-in failed unexpectedly.');
    if (error.code !== 'unauthenticated') return error;
    if (startedIn === tokens.generation && options.signedIn()) {
      options.invalidated();
      await tokens.drop();
    }
    return options.refusal();
  }

  return async function authorized<T>(call: (context: CallContext) => Promise<T>): Promise<T> {
    options.enforceDeadlines();
    if (!options.signedIn()) throw options.refusal();
    const startedIn = tokens.generation;
    let token: string;
    try {
      token = await tokens.validAccessToken();
    } catch (err) {
      throw await refreshFailed(err, startedIn);
    }
    let value;
    try {
      value = await call({ token });
    } catch (err) {
      if (!(err instanceof EnclaveError && err.code === 'unauthenticated')) throw err;
      // The platform refused the token (revoked, clock skew): renew once and try again.
      try {
        token = await tokens.refresh();
      } catch (refreshError) {
        throw await refreshFailed(refreshError, startedIn);
      }
      value = await call({ token });
    }
    // Locked or signed out while the call ran: its answer is not shown.
    if (!options.signedIn() || startedIn !== tokens.generation) throw options.refusal();
    return value;
  };
}
