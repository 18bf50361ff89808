// Platform calls made as the signed-in user: the access token is renewed when due, and once more when the platform
// refuses it. A call that outlives a lock or a sign-out has its answer withheld; a sign-in that can no longer be
// renewed ends the session, and so does the platform's answer that the person is suspended (if these are still its
// tokens: the session's rules decide).
import { EnclaveError } from '../../common/errors.ts';
import type { CallContext } from '../platform-client.ts';
import type { TokenKeeper } from '../tokens/token-keeper.ts';

export type AuthorizedCall = <T>(call: (context: CallContext) => Promise<T>) => Promise<T>;

/** What a call needs of the session. */
export interface CallGate {
  /** A call is starting: the wall clock is asked first (a due lock or end comes before it). Null if it may go out. */
  admit(): EnclaveError | null;
  /** Null while signed in; otherwise why calls are refused (locked, or not signed in). */
  refusal(): EnclaveError | null;
  /** Renewing the tokens was refused; `sameTokens`: they are still the session's. Resolves once that is dealt with. */
  refreshFailed(sameTokens: boolean): Promise<void>;
  /** The platform answered that the person is suspended (`message`: why). Resolves once the session has ended. */
  suspended(message: string, sameTokens: boolean): Promise<void>;
}

export function createAuthorizedCalls(options: { tokens: TokenKeeper; gate: CallGate }): AuthorizedCall {
  const { tokens, gate } = options;
  const refused = () => gate.refusal() ?? new EnclaveError('unauthenticated', 'You are not signed in. Sign in to use Enclave.');

  async function refreshFailed(err: unknown, startedIn: number): Promise<EnclaveError> {
    const error = err instanceof EnclaveError ? err : new EnclaveError('internal', 'Renewing the sign-in failed unexpectedly.');
    if (error.code !== 'unauthenticated') return error;
    await gate.refreshFailed(startedIn === tokens.generation);
    return refused();
  }

  return async function authorized<T>(call: (context: CallContext) => Promise<T>): Promise<T> {
    const refusal = gate.admit();
    if (refusal !== null) throw refusal;
    const startedIn = tokens.generation;
    /** One try with this token; a suspended person's session ends before the refusal goes on to the caller. */
    async function attempt(token: string): Promise<T> {
      try {
        return await call({ token });
      } catch (err) {
        if (err instanceof EnclaveError && err.code === 'suspended') await gate.suspended(err.message, startedIn === tokens.generation);
        throw err;
      }
    }
    let token: string;
    try {
      token = await tokens.validAccessToken();
    } catch (err) {
      throw await refreshFailed(err, startedIn);
    }
    let value;
    try {
      value = await attempt(token);
    } catch (err) {
      if (!(err instanceof EnclaveError && err.code === 'unauthenticated')) throw err;
      // The platform refused the token (revoked, clock skew): renew once and try again.
      try {
        token = await tokens.refresh();
      } catch (refreshError) {
        throw await refreshFailed(refreshError, startedIn);
      }
      value = await attempt(token);
    }
    // Locked or signed out while the call ran: its answer is not shown.
    if (gate.refusal() !== null || startedIn !== tokens.generation) throw refused();
    return value;
  };
}
