// The workstation's OpenID Connect client, over openid-client 6: discovery, the authorization code flow with PKCE
// (S256), state and nonce, refresh, revocation and the device authorization grant (RFC 8628, for the CLI).
// Nothing here assumes the platform's embedded provider: any issuer reachable by discovery works.
// The authorization request is pushed (RFC 9126) where the issuer offers it: the URL handed to a browser (through
// xdg-open's arguments, which every user of the computer can read) then carries only client_id and a one-time
// request_uri, not the state, nonce, PKCE challenge or login hint. Where it is not offered, the plain URL is used;
// either way exposure gives nothing: the loopback listener takes no callback from another user's program, and a
// code is worthless without the PKCE verifier, which never leaves this process.
import * as oidc from 'openid-client';
import { EnclaveError } from '../../common/errors.ts';
import { isHttpsOrLoopbackHttp, isLoopbackHttp } from '../../common/loopback.ts';
import { notTrustedError } from '../ca-trust.ts';

export const DEFAULT_SCOPES = ['openid', 'profile', 'offline_access'] as const;

/** Who the workstation signs in with: from configuration, else from the platform's health answer. */
export interface IdentitySettings {
  issuer: string;
  clientId: string;
  /** The API's resource indicator (RFC 8707), sent as `resource`; null when the IdP needs none. */
  audience: string | null;
  scopes: readonly string[];
}

export interface IdClaims {
  sub: string;
  name?: string;
  authTime?: number;
}

export interface TokenSet {
  accessToken: string;
  /** When the access token expires (ms since the epoch). */
  accessExpiresAt: number;
  refreshToken: string | null;
  /** The ID token's claims, already checked (signature, issuer, audience, expiry, nonce) by openid-client. */
  idClaims: IdClaims | null;
}

/** One authorization request: what the callback must be checked against. Never leaves the core. */
export interface AuthorizationRequest {
  /** What the browser opens: client_id and request_uri when pushed (RFC 9126), all the parameters otherwise. */
  url: string;
  redirectUri: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  /** max_age sent (0 for an unlock): the ID token's auth_time is checked against it. */
  maxAge: number | null;
}

export interface DeviceAuthorization {
  verificationUri: string;
  verificationUriComplete: string | null;
  userCode: string;
  expiresInSeconds: number;
  /** openid-client's own value, passed back to pollDevice. */
  handle: unknown;
}

export interface IdentityProvider {
  readonly settings: IdentitySettings;
  /** Origins a browser is sent to for sign-in (the authorization endpoint's, the issuer's). */
  readonly browserOrigins: readonly string[];
  authorizationRequest(options: { redirectUri: string; loginHint?: string; fresh?: boolean }): Promise<AuthorizationRequest>;
  exchangeCode(options: { callbackUrl: URL; request: AuthorizationRequest }): Promise<TokenSet>;
  refresh(refreshToken: string): Promise<TokenSet>;
  revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<void>;
  deviceAuthorization(): Promise<DeviceAuthorization>;
  pollDevice(device: DeviceAuthorization, signal?: AbortSignal): Promise<TokenSet>;
}

/** https anywhere; plain http only on this machine (the embedded demo provider). */
export function checkIssuerUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EnclaveError('invalid_input', `The identity provider's issuer "${raw}" is not a URL.`);
  }
  if (!isHttpsOrLoopbackHttp(url)) {
    throw new EnclaveError(
      'invalid_input',
      `The identity provider's issuer must use https:// (plain http:// is allowed only on 127.0.0.1 or localhost), not "${raw}".`,
    );
  }
  return url;
}

/** The endpoints of discovery's answer this client fetches or sends a browser to (it uses no others). */
const ENDPOINTS = [
  'authorization_endpoint',
  'token_endpoint',
  'jwks_uri',
  'revocation_endpoint',
  'device_authorization_endpoint',
  'pushed_authorization_request_endpoint',
] as const;

/**
 * Every endpoint discovery names must meet the issuer's own rule. openid-client enforces https only for an https
 * issuer; a loopback http one (the embedded demo provider) needs its insecure-requests switch, which then lets any
 * endpoint be plain http to anywhere, so a code, a refresh token or a password could leave this machine unencrypted.
 */
function checkDiscoveredEndpoints(metadata: oidc.ServerMetadata, issuer: string): void {
  for (const name of ENDPOINTS) {
    const value: unknown = metadata[name];
    if (value === undefined) continue;
    const url = typeof value === 'string' ? URL.parse(value) : null;
    if (url === null || !isHttpsOrLoopbackHttp(url)) {
      throw new EnclaveError(
        'unavailable',
        `Finding the identity provider at ${issuer} failed: its ${name} (${String(value).slice(0, 200)}) is not https (plain http is allowed only on 127.0.0.1, localhost or [::1]), so Enclave does not use it. Tell whoever runs the identity provider.`,
      );
    }
  }
}

/** A message a person can act on, from whatever openid-client threw; never a token. */
export function describeOidcError(err: unknown, doing: string): EnclaveError {
  if (err instanceof EnclaveError) return err;
  if (err instanceof oidc.AuthorizationResponseError) {
    if (err.error === 'access_denied')
      return new EnclaveError('unauthenticated', `${doing} was cancelled or refused at the identity provider.`);
    const detail = err.error_description ? `: ${err.error_description}` : '';
    return new EnclaveError('unauthenticated', `${doing} failed: the identity provider answered "${err.error}"${detail}.`);
  }
  if (err instanceof oidc.ResponseBodyError) {
    const detail = err.error_description ? ` (${err.error_description})` : '';
    if (err.error === 'invalid_grant') {
      return new EnclaveError(
        'unauthenticated',
        `${doing} failed: the identity provider no longer accepts this sign-in${detail}. Sign in again.`,
      );
    }
    return new EnclaveError('unauthenticated', `${doing} failed: the identity provider answered "${err.error}"${detail}.`);
  }
  if (err instanceof oidc.ClientError) {
    const inner = err.cause instanceof Error ? err.cause : undefined;
    const claim = (inner?.cause as { claim?: unknown } | undefined)?.claim;
    if (claim === 'nonce')
      return new EnclaveError(
        'unauthenticated',
        `${doing} failed: the identity provider's answer was not for this sign-in (nonce mismatch).`,
      );
    if (inner?.message.includes('"state"')) {
      return new EnclaveError(
        'unauthenticated',
        `${doing} failed: the answer did not belong to this sign-in (state mismatch). Start again.`,
      );
    }
    if (err.code === 'OAUTH_TIMEOUT' || err.code === 'OAUTH_ABORT') {
      return new EnclaveError('unavailable', `${doing} failed: the identity provider did not answer in time.`);
    }
    // openid-client never follows a redirect; it refuses the answer, which it keeps as its error's cause.
    const answer = err.cause instanceof Response ? err.cause : inner?.cause;
    if (answer instanceof Response && answer.status >= 300 && answer.status < 400) {
      const location = answer.headers.get('location');
      const where = location === null ? null : URL.parse(location, answer.url || undefined);
      return new EnclaveError(
        'unavailable',
        `${doing} failed: it answered with a redirect to ${where === null ? 'another address' : where.href.slice(0, 200)}, and Enclave does not follow redirects. Check the identity provider's address.`,
      );
    }
    if (err.code === 'OAUTH_HTTP_REQUEST_FORBIDDEN') {
      return new EnclaveError('invalid_input', `${doing} failed: the identity provider must be reached over https.`);
    }
    return new EnclaveError(
      'unauthenticated',
      `${doing} failed: the identity provider's answer could not be accepted (${inner?.message ?? err.message}).`,
    );
  }
  if (err instanceof TypeError) {
    // fetch's TypeError, as openid-client passes it on: a certificate TLS refused is told as such, not as unreachable.
    return (
      notTrustedError(err, 'the identity provider', `${doing} failed. `) ??
      new EnclaveError('unavailable', `${doing} failed: the identity provider cannot be reached.`)
    );
  }
  return new EnclaveError('internal', `${doing} failed unexpectedly.`);
}

function tokenSet(answer: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, now: number): TokenSet {
  const claims = answer.claims();
  // Without expires_in, assume a short life: the 401 retry refreshes it anyway.
  const expiresIn = answer.expiresIn() ?? 60;
  return {
    accessToken: answer.access_token,
    accessExpiresAt: now + expiresIn * 1000,
    refreshToken: answer.refresh_token ?? null,
    idClaims: claims
      ? {
          sub: claims.sub,
          ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
          ...(typeof claims.auth_time === 'number' ? { authTime: claims.auth_time } : {}),
        }
      : null,
  };
}

export interface DiscoverOptions {
  fetch?: typeof globalThis.fetch;
  /** Per request, in seconds (openid-client's unit). */
  timeoutSeconds?: number;
  now?: () => number;
}

/** Discovers the issuer and returns a client for it. */
export async function discoverIdentityProvider(settings: IdentitySettings, options: DiscoverOptions = {}): Promise<IdentityProvider> {
  const issuerUrl = checkIssuerUrl(settings.issuer);
  const now = options.now ?? (() => Date.now());
  const execute = isLoopbackHttp(issuerUrl) ? [oidc.allowInsecureRequests] : [];
  let config: oidc.Configuration;
  try {
    config = await oidc.discovery(issuerUrl, settings.clientId, undefined, oidc.None(), {
      execute,
      timeout: options.timeoutSeconds ?? 10,
      ...(options.fetch ? { [oidc.customFetch]: options.fetch } : {}),
    });
  } catch (err) {
    const described = describeOidcError(err, `Finding the identity provider at ${settings.issuer}`);
    throw new EnclaveError(described.code === 'internal' ? 'unavailable' : described.code, described.message);
  }
  const metadata = config.serverMetadata();
  checkDiscoveredEndpoints(metadata, settings.issuer);
  const resource: Record<string, string> = settings.audience ? { resource: settings.audience } : {};
  const browserOrigins = [
    ...new Set([issuerUrl.origin, ...(metadata.authorization_endpoint ? [new URL(metadata.authorization_endpoint).origin] : [])]),
  ];

  return {
    settings,
    browserOrigins,
    async authorizationRequest({ redirectUri, loginHint, fresh }) {
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const parameters: Record<string, string> = {
        redirect_uri: redirectUri,
        scope: settings.scopes.join(' '),
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        ...resource,
      };
      // offline_access needs consent prompting at most providers to issue a refresh token.
      if (settings.scopes.includes('offline_access')) parameters.prompt = 'consent';
      if (fresh) {
        // An unlock: a fresh authentication, not a silent one from the provider's own session cookie.
        parameters.prompt = 'login consent';
        parameters.max_age = '0';
      }
      if (loginHint) parameters.login_hint = loginHint;
      const pushed = typeof metadata.pushed_authorization_request_endpoint === 'string';
      let url: string;
      try {
        url = pushed
          ? (await oidc.buildAuthorizationUrlWithPAR(config, parameters)).href
          : oidc.buildAuthorizationUrl(config, parameters).href;
      } catch (err) {
        throw describeOidcError(err, 'Starting the sign-in');
      }
      return { url, redirectUri, state, nonce, codeVerifier, maxAge: fresh ? 0 : null };
    },
    async exchangeCode({ callbackUrl, request }) {
      try {
        const answer = await oidc.authorizationCodeGrant(
          config,
          callbackUrl,
          {
            pkceCodeVerifier: request.codeVerifier,
            expectedState: request.state,
            expectedNonce: request.nonce,
            idTokenExpected: true,
            ...(request.maxAge !== null ? { maxAge: request.maxAge } : {}),
          },
          resource,
        );
        return tokenSet(answer, now());
      } catch (err) {
        throw describeOidcError(err, 'Signing in');
      }
    },
    async refresh(refreshToken) {
      try {
        return tokenSet(await oidc.refreshTokenGrant(config, refreshToken, resource), now());
      } catch (err) {
        throw describeOidcError(err, 'Renewing the sign-in');
      }
    },
    async revoke(token, hint) {
      if (!metadata.revocation_endpoint) return;
      try {
        await oidc.tokenRevocation(config, token, { token_type_hint: hint });
      } catch (err) {
        throw describeOidcError(err, 'Revoking the sign-in');
      }
    },
    async deviceAuthorization() {
      try {
        const answer = await oidc.initiateDeviceAuthorization(config, { scope: settings.scopes.join(' '), ...resource });
        return {
          verificationUri: answer.verification_uri,
          verificationUriComplete: answer.verification_uri_complete ?? null,
          userCode: answer.user_code,
          expiresInSeconds: answer.expires_in,
          handle: answer,
        };
      } catch (err) {
        throw describeOidcError(err, 'Starting a device sign-in');
      }
    },
    async pollDevice(device, signal) {
      try {
        const answer = await oidc.pollDeviceAuthorizationGrant(
          config,
          device.handle as oidc.DeviceAuthorizationResponse,
          resource,
          signal ? { signal } : {},
        );
        return tokenSet(answer, now());
      } catch (err) {
        throw describeOidcError(err, 'Signing in');
      }
    },
  };
}
