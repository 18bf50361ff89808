// The platform's authenticator: a bearer access token (JWT) from the trusted OIDC issuer. It checks the
// signature (against the issuer's keys), the issuer, the audience, the expiry (with a small clock tolerance)
// and the algorithm, refuses a token on the revocation list (its own id, its grant or its session ended early:
// sign-out, lock, refresh-token reuse), then maps `sub` to the platform's own user record: the role always comes
// from the store. Every token it accepts can be ended early: an at+jwt token must carry `jti` (RFC 9068 §2.2);
// an untyped one without jti, grant or session is ended by its subject and issue time.
import { createRemoteJWKSet, errors, jwtVerify, type JWTHeaderParameters, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { EnclaveError } from '../../common/errors.ts';
import { CA_FILE_FLAG, CA_FILE_VARIABLE, tlsProblemOf } from '../../common/tls-problems.ts';
import { revocationKey, type RevocationList } from '../store/revocations.ts';
import { GRANT_ID_CLAIM } from './identity-config.ts';
import type { Authenticator, CallerRequest, Principal, UserLookup } from './principal.ts';

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i;
/** How long after its exp a token is still accepted: whoever revokes a token keeps it listed this much longer. */
export const CLOCK_TOLERANCE_SECONDS = 5;

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
