// The routes of terms of use and training (the caller's own, open before the terms are accepted, and the admins'), and
// of oversight: the usage report and the security review.
// Their handlers join the v1 table (v1-routes.ts); the standing service decides and records.
import type { RouteHandlers } from './register-routes.ts';
import type { V1Dependencies } from './route-dependencies.ts';

export type StandingRouteId =
  | 'terms.mine'
  | 'terms.accept'
  | 'terms.decline'
  | 'me.training'
  | 'admin.terms'
  | 'admin.terms.publish'
  | 'admin.training'
  | 'admin.training.record'
  | 'admin.training.requirements'
  | 'admin.usage'
  | 'admin.security-review'
  | 'admin.security-review.record';

/** What the person accepted in, as the client says (for the record only; never trusted for anything). */
function clientOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  const text = [...(value ?? 'unknown client')]
    .map((char) => (char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f ? ' ' : char))
    .join('')
    .trim();
  return text === '' ? 'unknown client' : text.slice(0, 200);
}

export function createStandingHandlers(deps: V1Dependencies): Pick<RouteHandlers, StandingRouteId> {
  const { standing, store, oversight } = deps;
  return {
    'terms.mine': ({ principal }) => standing.termsFor(principal.user),
    'terms.accept': ({ body, principal, request }) => standing.accept(principal.user, body, clientOf(request.headers['user-agent'])),
    async 'terms.decline'({ body, principal }) {
      await standing.decline(principal.user, body);
      // Declining signs out: this sign-in ends now, as a sign-out report ends it.
      if (principal.token !== undefined)
        await store.revocations.revoke({ keys: principal.token.revocationKeys, expiresAt: principal.token.expiresAt });
    },
    'me.training': ({ principal }) => standing.training(principal.user.id),
    'admin.terms': () => standing.history(),
    'admin.terms.publish': ({ body, principal }) => standing.publish(principal.user.id, body),
    'admin.training': () => standing.trainingOverview(),
    'admin.training.record': ({ body, principal }) => standing.recordTraining(principal.user.id, body),
    'admin.training.requirements': ({ body, principal }) => standing.setRequirements(principal.user.id, body.role, body.courses),
    'admin.usage': ({ query }) => oversight.usage({ from: new Date(query.from), to: new Date(query.to) }),
    'admin.security-review': () => oversight.securityReview(),
    'admin.security-review.record': ({ body, principal }) => oversight.recordReview(principal.user.id, body),
  };
}
