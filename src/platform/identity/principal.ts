// Who is calling: the seam between authentication (proving identity) and authorisation (what they may do).
// Routes and the access policy see only a Principal; they never know how it was established.
import type { User } from '../../common/contract.ts';

export interface Principal {
  /** The platform's own record of the caller: id, display name, and the role authorisation checks. */
  readonly user: User;
  /**
   * How the caller was identified: a bearer access token from the configured OIDC issuer, or (WebDAV clients of a
   * workspace drive only) an app password of that drive.
   */
  readonly authenticatedBy: 'oidc' | 'app_password';
  /**
   * The presented access token, as far as ending it early goes: the revocation-list keys that refuse it
   * ('jti:<id>', and 'grant:<id>' / 'sid:<id>' where the token names them) and when it expires anyway (epoch
   * seconds). Revoking these keys until then ends this token, and every other token of the same grant or session.
   */
  readonly token?: {
    readonly revocationKeys: readonly string[];
    readonly expiresAt: number;
    /** Epoch seconds (iat); null when the token does not say. A person's sign-ins ended after it refuse it. */
    readonly issuedAt?: number | null;
  };
}

/** The parts of an HTTP request an authenticator may look at (an OIDC one reads the Authorization header). */
export interface CallerRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface Authenticator {
  /**
   * Resolves the caller, or null when the request carries no credentials (answered 401). Otherwise throws an
   * EnclaveError: 'unauthenticated' for a credential that is not valid (expired, forged, another issuer or
   * audience), 'forbidden' for a valid one naming nobody the platform knows, 'unavailable' when the issuer's
   * keys cannot be fetched. The user is looked up in the platform's store, so the role comes from the
   * platform, never from the request.
   */
  authenticate(request: CallerRequest): Promise<Principal | null>;
  /**
   * Only the token's subject, whether or not the platform knows them (enrolment binds an unknown one): null without
   * credentials; throws like authenticate for a token that is not valid. Absent: no route is open to the unknown.
   */
  identify?(request: CallerRequest): Promise<{ readonly subject: string } | null>;
}

/** How an authenticator finds the platform's record of a user. */
export type UserLookup = (userId: string) => Promise<User | undefined>;
