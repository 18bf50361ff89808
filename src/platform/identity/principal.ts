// Who is calling: the seam between authentication (proving identity) and authorisation (what they may do).
// Routes and the access policy see only a Principal; they never know how it was established, so the sign-in
// issue replaces the demo authenticator with OIDC token validation without touching them.
import type { User } from '../../common/contract.ts';

export interface Principal {
  /** The platform's own record of the caller: id, display name, and the role authorisation checks. */
  readonly user: User;
  /** How the caller was identified. 'demo': the fixed demo analyst (no proof). 'oidc' comes with sign-in. */
  readonly authenticatedBy: 'demo';
}

/** The parts of an HTTP request an authenticator may look at (an OIDC one reads the Authorization header). */
export interface CallerRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface Authenticator {
  /** Reported by GET /api/v1/health so clients (and the UI's "demo mode" label) know how sign-in works. */
  readonly mode: 'demo';
  /**
   * Resolves the caller, or null when the request proves no identity (answered 401). Implementations must
   * look the user up in the platform's store so the role comes from the platform, never from the request.
   */
  authenticate(request: CallerRequest): Promise<Principal | null>;
}

/** How an authenticator finds the platform's record of a user. */
export type UserLookup = (userId: string) => Promise<User | undefined>;
