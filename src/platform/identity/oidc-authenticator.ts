// The platform's authenticator: a bearer access token (JWT) from the trusted OIDC issuer. It checks the
// signature (against the issuer's keys), the issuer, the audience, the expiry (with a small clock tolerance)
// and the algorithm, refuses a token on the revocation list (its own id, its grant or its session ended early:
// sign-out, lock, refresh-token reuse), then maps `sub` to the platform's own user record: the role always comes
// from the store. Every token it accepts can be ended early: an at+jwt token must carry `jti` (RFC 9068 §2.2);
// an untyped one without jti, grant or session is ended by its subject and issue time.
import { createRemoteJWKSet, customFetch, errors, jwtVerify, type JWTHeaderParameters, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { bestEffort } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import { isHttpsOrLoopbackHttp } from '../../common/loopback.ts';
import { CA_FILE_FLAG, CA_FILE_VARIABLE, tlsProblemOf } from '../../common/tls-problems.ts';
import { revocationKey, type RevocationList } from '../store/revocations.ts';
import { GRANT_ID_CLAIM } from './identity-config.ts';
import type { Authenticator, CallerRequest, Principal, UserLookup } from './principal.ts';

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;
/** How long after its exp a token is still accepted: whoever revokes a token keeps it listed this much longer. */
export const CLOCK_TOLERANCE_SECONDS = 5;
/** An address from the identity provider named in a message is cut to this many characters. */
const MAX_NAMED_URL = 200;

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
  /** Tokens that ended before they expire; checked on every call. */
  readonly revocations: Pick<RevocationList, 'anyRevoked'>;
}

const SIGN_IN_AGAIN = 'Your sign-in is not valid for this platform. Sign in again.';
const SIGNED_OUT = 'Your sign-in has ended (you signed out, Enclave was locked, or it was revoked). Sign in again.';

const claimText = (payload: JWTPayload, name: string): string | undefined => {
  const value = payload[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
};

/** RFC 9068 §4: the typ of a JWT access token, with or without its "application/" prefix, in any case. */
function isAccessTokenType(header: JWTHeaderParameters): boolean {
  const typ = header.typ?.toLowerCase();
  return typ === 'at+jwt' || typ === 'application/at+jwt';
}

/**
 * What ends this token early: its own id, and the grant and session it names (where it names them). A JWT access
 * token must name itself (jti is required by RFC 9068). A token that names none of them (an issuer whose tokens are
 * untyped, `--oidc-token-type any`) is ended by its subject and issue time: a sign-out or lock report then also
 * ends any other token of that user issued in the same second. A token that allows neither is refused, since
 * nothing could end it before it expires. Undefined when the token is refused.
 */
function tokenOf(payload: JWTPayload, header: JWTHeaderParameters): NonNullable<Principal['token']> | undefined {
  const jti = claimText(payload, 'jti');
  const grantId = claimText(payload, GRANT_ID_CLAIM);
  const sid = claimText(payload, 'sid');
  if (jti === undefined && isAccessTokenType(header)) return undefined;
  const revocationKeys = [
    ...(jti === undefined ? [] : [revocationKey.token(jti)]),
    ...(grantId === undefined ? [] : [revocationKey.grant(grantId)]),
    ...(sid === undefined ? [] : [revocationKey.session(sid)]),
  ];
  if (revocationKeys.length === 0) {
    const { sub, iat } = payload;
    if (typeof sub !== 'string' || typeof iat !== 'number' || !Number.isSafeInteger(iat)) return undefined;
    revocationKeys.push(revocationKey.subjectIssuedAt(sub, iat));
  }
  // The last second this authenticator still accepts it (exp plus the clock tolerance): revoking until exp alone
  // would let the token work again for those few seconds.
  const issuedAt = typeof payload.iat === 'number' && Number.isFinite(payload.iat) ? payload.iat : null;
  return { revocationKeys, expiresAt: (payload.exp as number) + CLOCK_TOLERANCE_SECONDS, issuedAt };
}

/** Verification failures are the caller's problem (401); anything else (the IdP unreachable) is ours. */
function toAuthError(err: unknown): EnclaveError {
  if (err instanceof errors.JWTExpired) return new EnclaveError('unauthenticated', 'Your sign-in has expired. Sign in again.');
  // The platform's own trust setting refused the issuer's certificate: its operator's to fix, not the caller's.
  const tls = tlsProblemOf(err);
  if (tls !== null) {
    return new EnclaveError(
      'unavailable',
      `The platform cannot check your sign-in: it does not accept its identity provider's certificate (${tls.code}). Tell the platform's operator: its CA bundle is set with ${CA_FILE_VARIABLE} or ${CA_FILE_FLAG}.`,
    );
  }
  if (err instanceof errors.JWKSTimeout || (err instanceof TypeError && !(err instanceof errors.JOSEError))) {
    return new EnclaveError('unavailable', 'The platform cannot reach its identity provider to check your sign-in. Try again shortly.');
  }
  if (err instanceof EnclaveError) return err;
  return new EnclaveError('unauthenticated', SIGN_IN_AGAIN);
}

export function createOidcAuthenticator(options: OidcAuthenticatorOptions): Authenticator {
  /** The token checked in every way but who it names: null without credentials, else its subject and what ends it. */
  async function verify(request: CallerRequest): Promise<{ subject: string; token: NonNullable<Principal['token']> } | null> {
    const header = request.headers.authorization;
    if (header === undefined) return null;
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    if (match === null) throw new EnclaveError('unauthenticated', 'The Authorization header is not a bearer token. Sign in again.');
    const issuer = options.issuer();
    if (issuer === undefined)
      throw new EnclaveError('unavailable', 'The platform is still starting its identity provider. Try again shortly.');
    let payload: JWTPayload;
    let protectedHeader: JWTHeaderParameters;
    try {
      ({ payload, protectedHeader } = await jwtVerify(match[1], await options.keys(), {
        issuer,
        audience: options.audience,
        algorithms: [...options.algorithms],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'sub'],
        ...(options.tokenType === undefined ? {} : { typ: options.tokenType }),
      }));
    } catch (err) {
      throw toAuthError(err);
    }
    const subject = payload.sub;
    if (typeof subject !== 'string' || subject === '') throw new EnclaveError('unauthenticated', SIGN_IN_AGAIN);
    const token = tokenOf(payload, protectedHeader);
    if (token === undefined) throw new EnclaveError('unauthenticated', SIGN_IN_AGAIN);
    // Outside the catch above: a store that cannot answer is the platform's failure (500), never a pass.
    if (await options.revocations.anyRevoked(token.revocationKeys)) throw new EnclaveError('unauthenticated', SIGNED_OUT);
    return { subject, token };
  }

  return {
    async authenticate(request): Promise<Principal | null> {
      const verified = await verify(request);
      if (verified === null) return null;
      const { subject, token } = verified;
      const user = await options.lookupUser(subject);
      if (user === undefined) {
        throw new EnclaveError(
          'enrolment_required',
          'You are signed in, but this platform does not know you yet. Enter the enrolment code your administrator sent you, or ask them to add you.',
        );
      }
      return { user, authenticatedBy: 'oidc', token };
    },
    async identify(request) {
      const verified = await verify(request);
      return verified === null ? null : { subject: verified.subject };
    },
  };
}

/**
 * Where a discovery document or key set answered with a redirect: refused, never followed (a redirect could lead to
 * plain http anywhere). `fix` says whose address is wrong: the configured issuer's, or the key set's it published.
 */
function redirectRefusal(options: { what: string; url: string; response: Response; fix: string }): EnclaveError {
  const location = options.response.headers.get('location');
  const where = location === null ? null : URL.parse(location, options.url);
  const named = where === null ? 'another address' : where.href.slice(0, MAX_NAMED_URL);
  return new EnclaveError(
    'unavailable',
    `The platform cannot check your sign-in: its identity provider's ${options.what} at ${options.url} answered with a redirect to ${named}, and the platform does not follow redirects. Tell the platform's operator: ${options.fix}.`,
  );
}

const isRedirect = (response: Response): boolean => response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400);

/**
 * The issuer's key set is fetched with this: a redirect is told as such (jose refuses anything but a 200, but would
 * say only "Expected 200 OK", which reads as a bad token).
 */
function keySetFetch(jwksUri: string): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, { ...init, redirect: 'manual' });
    if (isRedirect(response)) {
      await bestEffort(response.body?.cancel());
      throw redirectRefusal({
        what: 'key set',
        url: jwksUri,
        response,
        fix: "the issuer's discovery document must give its key set's own address (jwks_uri)",
      });
    }
    return response;
  };
}

/**
 * The issuer's keys through OIDC discovery: the metadata is fetched once (again after a failure), its
 * `issuer` must equal the configured one, and jose caches the key set and refetches it when an unknown `kid`
 * appears (key rotation), at most once per cooldown. No redirect is followed, and the key set's address must be
 * https (plain http only on this machine), the rule the issuer itself is held to: keys fetched over plain http from
 * elsewhere could be swapped on the way, and every token signed with the swapped ones would pass.
 */
export function discoveredKeys(issuer: string): () => Promise<JWTVerifyGetKey> {
  let resolved: Promise<JWTVerifyGetKey> | undefined;
  async function discover(): Promise<JWTVerifyGetKey> {
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const checked = URL.parse(url);
    if (checked === null || !isHttpsOrLoopbackHttp(checked)) throw insecureEndpoint('issuer', issuer);
    const response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5000), redirect: 'manual' });
    if (isRedirect(response)) {
      await bestEffort(response.body?.cancel());
      throw redirectRefusal({ what: 'discovery document', url, response, fix: "--oidc-issuer must be the issuer's own address" });
    }
    if (!response.ok) throw new TypeError(`discovery at ${url} answered ${response.status}`);
    const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    if (metadata.issuer !== issuer || typeof metadata.jwks_uri !== 'string') {
      throw new TypeError(`discovery at ${url} does not describe issuer ${issuer}`);
    }
    const jwksUri = URL.parse(metadata.jwks_uri);
    if (jwksUri === null || !isHttpsOrLoopbackHttp(jwksUri)) throw insecureEndpoint('key set (jwks_uri)', metadata.jwks_uri);
    return createRemoteJWKSet(jwksUri, {
      cacheMaxAge: 10 * 60 * 1000,
      cooldownDuration: 30 * 1000,
      [customFetch]: keySetFetch(jwksUri.href),
    });
  }
  return () => {
    resolved ??= discover().catch((err: unknown) => {
      resolved = undefined;
      throw err;
    });
    return resolved;
  };
}

/** An identity provider address that breaks the https-unless-loopback rule: nothing is fetched from it. */
function insecureEndpoint(what: string, address: string): EnclaveError {
  return new EnclaveError(
    'unavailable',
    `The platform cannot check your sign-in: its identity provider's ${what} ${address.slice(0, MAX_NAMED_URL)} is not https (plain http is accepted only on 127.0.0.1, localhost or [::1]), so the platform does not use it. Tell the platform's operator.`,
  );
}
