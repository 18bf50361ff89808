// The routes of people (admins) and enrolment (a person the platform does not know yet, with their one-time code).
// Their handlers join the v1 table (v1-routes.ts); the people service decides and records.
import { EnclaveError } from '../../common/errors.ts';
import { createRateLimiter } from '../http/rate-limit.ts';
import type { RouteHandlers } from './register-routes.ts';
import type { V1Dependencies } from './route-dependencies.ts';

export type PeopleRouteId =
  | 'enrol'
  | 'admin.users.list'
  | 'admin.users.get'
  | 'admin.users.add'
  | 'admin.users.grant'
  | 'admin.users.revoke'
  | 'admin.users.status'
  | 'admin.users.bind'
  | 'admin.users.enrolment-code'
  | 'admin.changes.decide';

/**
 * Enrolment attempts per identity, and on the whole platform, in a window: enough for a person who mistypes, far too
 * few to guess a code (100 bits). Past either, the attempt is refused before the code is looked at, and recorded once.
 */
export const ENROL_LIMIT = { perIdentity: 5, overall: 100, windowMs: 15 * 60_000 } as const;

export function createPeopleHandlers(deps: V1Dependencies): Pick<RouteHandlers, PeopleRouteId> {
  const { people, audit } = deps;
  const perIdentity = createRateLimiter({ limit: ENROL_LIMIT.perIdentity, windowMs: ENROL_LIMIT.windowMs });
  const overall = createRateLimiter({ limit: ENROL_LIMIT.overall, windowMs: ENROL_LIMIT.windowMs });
  return {
    async enrol({ body, request }) {
      // Set by the access check for an 'identified' route: a valid token whose subject nobody on the platform holds yet.
      const identity = request.identity;
      if (identity === null) throw new EnclaveError('unauthenticated', 'Sign in at the identity provider first, then enter your code.');
      const mine = perIdentity.take(identity.subject);
      const everyone = overall.take('*');
      if (!mine.allowed || !everyone.allowed) {
        if (mine.firstRefusal || everyone.firstRefusal) {
          await audit.append({
            type: 'audit.rate_limited',
            actor: null,
            outcome: 'failure',
            details: {
              route: 'enrol',
              limit: mine.allowed ? ENROL_LIMIT.overall : ENROL_LIMIT.perIdentity,
              windowSeconds: ENROL_LIMIT.windowMs / 1000,
            },
          });
        }
        throw new EnclaveError('rate_limited', 'Too many enrolment attempts: wait a quarter of an hour, then enter the code again.');
      }
      return people.enrol(identity, body.code);
    },
    'admin.users.list': () => people.overview(),
    'admin.users.get': ({ params }) => people.detail(params.userId),
    'admin.users.add': ({ body, principal }) => people.register(principal.user.id, body),
    'admin.users.grant': ({ params, body, principal }) => people.grant(principal.user.id, params.userId, body),
    'admin.users.revoke': ({ params, body, principal }) => people.revoke(principal.user.id, params.userId, body),
    'admin.users.status': ({ params, body, principal }) => people.setStatus(principal.user.id, params.userId, body),
    'admin.users.bind': ({ params, body, principal }) => people.bind(principal.user.id, params.userId, body),
    'admin.users.enrolment-code': ({ params, principal }) => people.issueEnrolmentCode(principal.user.id, params.userId),
    'admin.changes.decide': ({ params, body, principal }) => people.decide(principal.user.id, params.changeId, body),
  };
}
