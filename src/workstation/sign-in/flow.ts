// One browser sign-in: a loopback listener, an authorization request bound to it (PKCE, state, nonce), and the
// checks on the one callback it accepts (only one with this request's state ends the wait). What the tokens then
// mean (which user, lock or not) is the session's job (../session/transition.ts).
import { timingSafeEqual } from 'node:crypto';
import { EnclaveError } from '../../common/errors.ts';
import { startLoopbackCallback, type CallbackPage, type LoopbackCallback } from './loopback-callback.ts';
import type { AuthorizationRequest, IdentityProvider, TokenSet } from './oidc.ts';
import { failurePage } from './pages.ts';

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
  /** The provider answered with an error, or the code could not be exchanged ('refused'), or nothing came in time. */
  onFailure(error: EnclaveError, cause: 'refused' | 'timed_out'): void;
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export async function startSignInFlow(options: SignInFlowOptions): Promise<SignInFlow> {
  let cancelled = false;
  let request: AuthorizationRequest | undefined;

  /** Only an answer carrying this sign-in's state is one: anything else is refused and the wait goes on. */
  function belongs(url: URL): boolean {
    const state = url.searchParams.get('state');
    return !cancelled && request !== undefined && state !== null && sameSecret(state, request.state);
  }

  async function onCallback(url: URL): Promise<CallbackPage> {
    const pending = request;
    if (cancelled || pending === undefined) {
      return {
        ok: false,
        title: 'Sign-in no longer wanted',
        text: 'Enclave stopped waiting for this sign-in. Return to Enclave and start again if you need to.',
      };
    }
    const providerError = url.searchParams.get('error');
    if (providerError !== null) {
      // The provider said no (with our state): this sign-in is over. Its words are shown only if they are a plain
      // OAuth error code; anything else could be text someone wants shown in Enclave.
      const code = /^[a-z_]{1,40}$/.test(providerError) ? ` ("${providerError}")` : '';
      const error = new EnclaveError('unauthenticated', `Sign-in failed: the identity provider refused it${code}.`);
      options.onFailure(error, 'refused');
      return failurePage(error.message);
    }
    // openid-client checks the state again (and the issuer, code and nonce).
    let tokens: TokenSet;
    try {
      tokens = await options.idp.exchangeCode({ callbackUrl: url, request: pending });
      if (tokens.idClaims === null) throw new EnclaveError('unauthenticated', 'Sign-in failed: the identity provider sent no ID token.');
    } catch (err) {
      const error = err instanceof EnclaveError ? err : new EnclaveError('internal', 'Sign-in failed unexpectedly.');
      options.onFailure(error, 'refused');
      return failurePage(error.message);
    }
    return options.onTokens(tokens);
  }

  const listener: LoopbackCallback = await startLoopbackCallback({
    timeoutMs: options.timeoutMs,
    belongs,
    onCallback,
    onTimeout: () => {
      if (cancelled) return;
      const minutes = Math.max(1, Math.round(options.timeoutMs / 60_000));
      options.onFailure(
        new EnclaveError(
          'unauthenticated',
          `The sign-in timed out: nothing came back from the browser within ${minutes} min. Start again.`,
        ),
        'timed_out',
      );
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
