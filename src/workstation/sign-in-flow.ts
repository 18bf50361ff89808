// One browser sign-in: a loopback listener, an authorization request bound to it (PKCE, state, nonce), and the
// checks on the one callback it accepts. What the tokens then mean (which user, lock or not) is the session's job.
import { timingSafeEqual } from 'node:crypto';
import { EnclaveError } from '../common/errors.ts';
import { startLoopbackCallback, type CallbackPage, type LoopbackCallback } from './loopback-callback.ts';
import type { AuthorizationRequest, IdentityProvider, TokenSet } from './oidc.ts';

export interface SignInFlow {
  authorizationUrl: string;
  /** Stops waiting (cancel, a newer sign-in, sign-out): a late callback is refused. */
  cancel(): void;
  closed: Promise<void>;
}

export interface SignInFlowOptions {
  idp: IdentityProvider;
  /** The locked user's subject, for an unlock: asks the provider for a fresh login as them. */
  loginHint?: string;
  fresh: boolean;
  timeoutMs: number;
  /** The tokens passed every check; the answer is the browser's page (the session may still refuse the user). */
  onTokens(tokens: TokenSet): Promise<CallbackPage>;
  /** The callback was refused, or the provider answered with an error, or nothing came in time. */
  onFailure(error: EnclaveError): void;
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export function failurePage(error: EnclaveError): CallbackPage {
  return { ok: false, title: 'Sign-in failed', text: `${error.message} Return to Enclave to try again.` };
}

export async function startSignInFlow(options: SignInFlowOptions): Promise<SignInFlow> {
  let cancelled = false;
  let request: AuthorizationRequest | undefined;

  async function onCallback(url: URL): Promise<CallbackPage> {
    // No request yet: nobody was sent anywhere, so this cannot be an answer to us.
    if (cancelled || request === undefined) {
      return { ok: false, title: 'Sign-in no longer wanted', text: 'Enclave stopped waiting for this sign-in. Return to Enclave and start again if you need to.' };
    }
    const state = url.searchParams.get('state');
    // Checked here first for a clear message; openid-client checks it again (and the issuer, code and nonce).
    const pending = request;
    const providerError = url.searchParams.get('error');
    if (state === null && providerError !== null) {
      // Some errors come back without state; nothing is exchanged, so it costs at most this one sign-in.
      const error = new EnclaveError('unauthenticated', `Sign-in failed: the identity provider answered "${providerError.slice(0, 100)}".`);
      options.onFailure(error);
      return failurePage(error);
    }
    if (state === null || !sameSecret(state, pending.state)) {
      const error = new EnclaveError('unauthenticated', 'Sign-in failed: the answer did not belong to this sign-in (state mismatch). Start again from Enclave.');
      options.onFailure(error);
      return failurePage(error);
    }
    let tokens: TokenSet;
    try {
      tokens = await options.idp.exchangeCode({ callbackUrl: url, request: pending });
      if (tokens.idClaims === null) throw new EnclaveError('unauthenticated', 'Sign-in failed: the identity provider sent no ID token.');
    } catch (err) {
      const error = err instanceof EnclaveError ? err : new EnclaveError('internal', 'Sign-in failed unexpectedly.');
      options.onFailure(error);
      return failurePage(error);
    }
    return options.onTokens(tokens);
  }

  const listener: LoopbackCallback = await startLoopbackCallback({
    timeoutMs: options.timeoutMs,
    onCallback,
    onTimeout: () => {
      if (cancelled) return;
      const minutes = Math.max(1, Math.round(options.timeoutMs / 60_000));
      options.onFailure(new EnclaveError('unauthenticated', `The sign-in timed out: nothing came back from the browser within ${minutes} min. Start again.`));
    },
  });
  try {
    request = await options.idp.authorizationRequest({
      redirectUri: listener.redirectUri,
      fresh: options.fresh,
      ...(options.loginHint ? { loginHint: options.loginHint } : {}),
    });
  } catch (err) {
    listener.close();
    throw err;
  }
  return {
    authorizationUrl: request.url,
    closed: listener.closed,
    cancel() {
      cancelled = true;
      listener.close();
    },
  };
}
