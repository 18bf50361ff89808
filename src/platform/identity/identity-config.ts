// How the platform knows who is calling: which OIDC issuer it trusts, for which audience, and what it tells
// clients (GET /api/v1/health's identity block). Nothing outside identity/embedded assumes the embedded
// provider: production points the platform at any issuer by discovery URL.

/** The audience (resource indicator) of access tokens for the platform's API. */
export const PLATFORM_API_AUDIENCE = 'urn:enclave:platform-api';
/** The one client of the embedded provider: the workstation and the CLI (public, native, PKCE). */
export const WORKSTATION_CLIENT_ID = 'enclave-workstation';
export const WORKSTATION_SCOPES: readonly string[] = ['openid', 'profile', 'offline_access'];

/**
 * The claim the embedded provider's access tokens name their grant in (one sign-in of one client), so the
 * platform can refuse every token of a grant that ended. Other issuers' tokens do not carry it.
 */
export const GRANT_ID_CLAIM = 'grant_id';

/** Defaults for the embedded provider's lifetimes. */
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 300;
export const DEFAULT_SESSION_MAX_SECONDS = 12 * 60 * 60;

/** Signature algorithms accepted on access tokens: asymmetric only, never 'none' or a shared secret. */
export const DEFAULT_ACCEPTED_ALGORITHMS: readonly string[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];

export interface EmbeddedIdentityOptions {
  readonly kind: 'embedded';
  /** Access token lifetime (default 300 s). */
  readonly accessTokenTtlSeconds?: number;
  /** Absolute lifetime of a sign-in: refresh tokens stop working this long after it (default 12 h). */
  readonly sessionMaxSeconds?: number;
}

export interface ExternalIdentityOptions {
  readonly kind: 'external';
  /** The issuer identifier; discovery is `<issuer>/.well-known/openid-configuration`. */
  readonly issuer: string;
  /** The `aud` the platform's access tokens carry at this issuer. */
  readonly audience: string;
  /** The client the workstation and CLI use at this issuer (told to them through health). */
  readonly clientId: string;
  readonly scopes?: readonly string[];
  readonly algorithms?: readonly string[];
  /**
   * The JWT `typ` header its access tokens must carry (default 'at+jwt', RFC 9068), so that an ID token whose
   * `aud` happens to equal the audience is not taken for an access token. ANY_TOKEN_TYPE skips the check, for
   * issuers that do not type their access tokens.
   */
  readonly tokenType?: string;
}

/** The access token type RFC 9068 gives JWT access tokens; what the embedded provider issues. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
/** ExternalIdentityOptions.tokenType that turns the typ check off. */
export const ANY_TOKEN_TYPE = 'any';

export type IdentityOptions = EmbeddedIdentityOptions | ExternalIdentityOptions;

/** What GET /api/v1/health tells clients about signing in. */
export interface IdentityInfo {
  readonly issuer: string;
  readonly clientId: string;
  readonly audience: string;
  readonly scopes: readonly string[];
}
