// DEMO MODE: the one place that decides who the caller is until sign-in exists (issue 3).
// Every request, whatever it carries, is the fixed demo analyst. The sign-in work replaces this module with
// an OIDC authenticator (validate the bearer token's signature, issuer, audience and expiry, then map its
// subject to a user) behind the same Authenticator interface; nothing else changes.
import type { Authenticator, Principal, UserLookup } from './principal.ts';

export const DEMO_ANALYST_ID = 'demo-analyst';

export function createDemoAuthenticator(lookupUser: UserLookup): Authenticator {
  return {
    mode: 'demo',
    async authenticate(): Promise<Principal | null> {
      const user = await lookupUser(DEMO_ANALYST_ID);
      // The store is seeded with the demo analyst; if it is gone, nobody is signed in (401), never someone else.
      if (user === undefined) return null;
      return { user, authenticatedBy: 'demo' };
    },
  };
}
