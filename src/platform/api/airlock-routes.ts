// The airlock's routes (issue 16): release requests, the checkers' reviews, release, the ledger and notifications. Their
// handlers join the v1 table (v1-routes.ts); the airlock service (src/platform/airlock/) decides who may do what, shapes
// what each caller may see and records every decision and read in the audit log.
import type { AirlockService } from '../airlock/airlock-service.ts';
import type { RouteHandlers } from './register-routes.ts';

export type AirlockRouteId = Extract<keyof RouteHandlers, `airlock.${string}`>;

export function createAirlockHandlers(airlock: AirlockService): Pick<RouteHandlers, AirlockRouteId> {
  return {
    'airlock.rules': ({ params, principal }) => airlock.rules(principal, params.projectId),
    'airlock.check': ({ params, body, principal }) => airlock.check(principal, params.projectId, body.document),
    'airlock.requests': ({ params, principal }) => airlock.requests(principal, params.projectId),
    'airlock.create': ({ params, body, principal }) => airlock.create(principal, params.projectId, body),
    'airlock.request': ({ params, principal }) => airlock.request(principal, params.requestId),
    'airlock.context': ({ params, body, principal }) => airlock.context(principal, params.requestId, body),
    'airlock.putFile': ({ params, body, principal }) => airlock.putFile(principal, params.requestId, body),
    'airlock.withdrawFile': ({ params, body, principal }) => airlock.withdrawFile(principal, params, body),
    'airlock.file': ({ params, principal }) => airlock.file(principal, params),
    'airlock.submit': ({ params, body, principal }) => airlock.submit(principal, params.requestId, body),
    'airlock.withdraw': ({ params, body, principal }) => airlock.withdraw(principal, params.requestId, body),
    'airlock.queue': ({ principal }) => airlock.queue(principal),
    'airlock.vote': ({ params, body, principal }) => airlock.vote(principal, params, body),
    'airlock.comment': ({ params, body, principal }) => airlock.comment(principal, params.requestId, body),
    'airlock.completeReview': ({ params, body, principal }) => airlock.completeReview(principal, params.requestId, body),
    'airlock.return': ({ params, body, principal }) => airlock.return(principal, params.requestId, body),
    'airlock.reject': ({ params, body, principal }) => airlock.reject(principal, params.requestId, body),
    'airlock.release': ({ params, body, principal }) => airlock.release(principal, params.requestId, body),
    'airlock.revoke': ({ params, body, principal }) => airlock.revoke(principal, params.requestId, body),
    'airlock.released': ({ params, principal }) => airlock.released(principal, params.projectId),
    'airlock.releasedFile': ({ params, principal }) => airlock.releasedFile(principal, params),
    'airlock.package': ({ params, principal }) => airlock.package(principal, params.requestId),
    'airlock.notifications': ({ principal }) => airlock.notifications(principal),
    'airlock.readNotifications': ({ body, principal }) => airlock.readNotifications(principal, body.upTo),
  };
}
