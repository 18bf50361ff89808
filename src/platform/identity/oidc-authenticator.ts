// The platform's authenticator: a bearer access token (JWT) from the trusted OIDC issuer. It checks the
// signature (against the issuer's keys), the issuer, the audience, the expiry (with a small clock tolerance)
// and the algorithm, then maps `sub` to the platform's own user record: the role always comes from the store.
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { EnclaveError } from '../../common/errors.ts';
import type { Authenticator, Principal, UserLookup } from './principal.ts';

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;
const CLOCK_TOLERANCE_SECONDS = 5;

export interface OidcAuthenticatorOptions {
  /** The trusted issuer, exactly as the tokens' `iss` must read; undefined while it is not known yet. */
  readonly issuer: () => string | undefined;
  readonly audience: string;
  /** The issuer's signing keys (a JWKS resolver). */
  readonly keys: () => Promise<JWTVerifyGetKey>;
  readonly algorithms: readonly string[];
  /** When set, the token's `typ` header must be this (RFC 9068 access tokens are 'at+jwt'). */
  readonly tokenType?: string;
  readonly lookupUser: UserLookup;
}

const SIGN_IN_AGAIN = 'Your sign-in is not valid for this platform. Sign in again.';

/** Verification failures are the caller's problem (401); anything else (the IdP unreachable) is ours. */
function toAuthError(err: unknown): EnclaveError {
  if (err instanceof errors.JWTExpired) return new EnclaveError('unauthenticated', 'Your sign-in has expired. Sign in again.');
  if (err instanceof errors.JWKSTimeout || (err instanceof TypeError && !(err instanceof errors.JOSEError))) {
    return new EnclaveError('unavailable', 'The platform cannot reach its identity provider to check your sign-in. Try again shortly.');
  }
  if (err instanceof EnclaveError) return err;
  return new EnclaveError('unauthenticated', SIGN_IN_AGAIN);
}

export function createOidcAuthenticator(options: OidcAuthenticatorOptions): Authenticator {
  return {
    async authenticate(request): Promise<Principal | null> {
      const header = request.headers.authorization;
      if (header === undefined) return null;
      const match = typeof header === 'string' ? BEARER.exec(header) : null;
      if (match === null) throw new EnclaveError('unauthenticated', 'The Authorization header is not a bearer token. Sign in again.');
      const issuer = options.issuer();
      if (issuer === undefined) throw new EnclaveError('unavailable', 'The platform is still starting its identity provider. Try again shortly.');
      let subject: unknown;
      try {
        const { payload } = await jwtVerify(match[1] as string, await options.keys(), {
          issuer,
          audience: options.audience,
          algorithms: [...options.algorithms],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ['exp', 'sub'],
          ...(options.tokenType === undefined ? {} : { typ: options.tokenType }),
        });
        subject = payload.sub;
      } catch (err) {
        throw toAuthError(err);
      }
      if (typeof subject !== 'string' || subject === '') throw new EnclaveError('unauthenticated', SIGN_IN_AGAIN);
      const user = await options.lookupUser(subject);
      if (user === undefined) {
        throw new EnclaveError('forbidden', 'You are signed in, but this platform has no account for you. Ask its administrator to add you.');
      }
      return { user, authenticatedBy: 'oidc' };
    },
  };
}

/**
 * The issuer's keys through OIDC discovery: the metadata is fetched once (again after a failure), its
 * `issuer` must equal the configured one, and jose caches the key set and refetches it when an unknown `kid`
 * appears (key rotation), at most once per cooldown.
 */
export function discoveredKeys(issuer: string): () => Promise<JWTVerifyGetKey> {
  let resolved: Promise<JWTVerifyGetKey> | undefined;
  async function discover(): Promise<JWTVerifyGetKey> {
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new TypeError(`discovery at ${url} answered ${response.status}`);
    const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (metadata.issuer !== issuer || typeof metadata.jwks_uri !== 'string') {
      throw new TypeError(`discovery at ${url} does not describe issuer ${issuer}`);
    }
    return createRemoteJWKSet(new URL(metadata.jwks_uri), { cacheMaxAge: 10 * 60 * 1000, cooldownDuration: 30 * 1000 });
  }
  return () => {
    resolved ??= discover().catch((err: unknown) => {
      resolved = undefined;
      throw err;
    });
    return resolved;
  };
}
