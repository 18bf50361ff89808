// The routes of people (admins) and enrolment (a person the platform does not know yet, with their one-time code).
// Their handlers join the v1 table (v1-routes.ts); the people service decides and records.
import { EnclaveError } from '../../common/errors.ts';
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

export function createPeopleHandlers(deps: V1Dependencies): Pick<RouteHandlers, PeopleRouteId> {
  const { people } = deps;
  return {
    async enrol({ body, request }) {
      // Set by the access check for an 'identified' route: a valid token whose subject nobody on the platform holds yet.
      const identity = request.identity;
      if (identity === null) throw new EnclaveError('unauthenticated', 'Sign in at the identity provider first, then enter your code.');
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
