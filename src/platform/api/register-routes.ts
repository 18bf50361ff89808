// Registers the platform's API from its declaration (src/common/platform-api.ts): each route at its declared
// method and path, with its body limit and its access id, and a handler from a table typed by the declaration,
// so a route without a handler, or a handler without a route, does not compile. The helper parses params,
// query and body with the declared schemas before the handler runs, and checks the handler's answer against
// the declared one before it is sent. The access check (the server's onRequest hook) has run by then.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EnclaveError } from '../../common/errors.ts';
import {
  PARQUET_CONTENT_TYPE,
  PLATFORM_API,
  PLATFORM_API_PREFIX,
  API_ROUTE_IDS,
  type ApiRoute,
  type ApiRouteId,
  type IsPublicRoute,
  type RouteInput,
  type RouteResult,
  type RowsBody,
} from '../../common/platform-api.ts';
import { ARROW_STREAM_CONTENT_TYPE } from '../../common/transport-protocol.ts';
import { parseBody, parseParameters, parseQuery } from '../http/request-input.ts';
import type { Principal } from '../identity/principal.ts';

/** What a handler receives: its parsed input, the caller, and Fastify's request and reply for what only they know. */
export type RouteCall<R extends ApiRouteId> = RouteInput<R> & {
  /** The caller the access check admitted; null on a public or 'identified' route, where nobody is authenticated. */
  readonly principal: IsPublicRoute<R> extends true ? null : Principal;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
};

export type RouteHandler<R extends ApiRouteId> = (call: RouteCall<R>) => Promise<RouteResult<R>>;

/** One handler per declared route, and nothing else. */
export type RouteHandlers = { readonly [R in ApiRouteId]: RouteHandler<R> };

function principalFor(route: ApiRoute, request: FastifyRequest): Principal | null {
  // Public, or open to a token whose person the platform does not know yet (request.identity): nobody is authenticated.
  if (route.access === 'public' || route.access === 'identified') return null;
  // Set by the onRequest hook for every non-public route; missing means the route was wired wrongly.
  if (request.principal === null) throw new EnclaveError('unauthenticated', 'Sign in to use the platform.');
  return request.principal;
}

function isRowsBody(value: unknown): value is RowsBody {
  const body = value as Partial<RowsBody> | null;
  return typeof body === 'object' && body !== null && typeof body.bytes === 'number' && typeof body.chunks === 'object';
}

/** Sends what the handler answered, after checking it is what the route declares. */
function sendAnswer(options: { id: ApiRouteId; route: ApiRoute; reply: FastifyReply; result: unknown }): unknown {
  const { id, reply, result } = options;
  const { answer } = options.route;
  if (answer === 'empty') return reply.code(204).send();
  if (answer === 'rows') {
    if (result instanceof Uint8Array)
      return reply.type(ARROW_STREAM_CONTENT_TYPE).send(Buffer.from(result.buffer, result.byteOffset, result.byteLength));
    if (!isRowsBody(result)) throw new Error(`The ${id} handler answered something other than rows.`);
    // Fastify destroys the stream when the client goes away, which stops the reading and closes the file.
    return reply
      .type(result.format === 'parquet' ? PARQUET_CONTENT_TYPE : ARROW_STREAM_CONTENT_TYPE)
      .header('content-length', String(result.bytes))
      .send(Readable.from(result.chunks, { objectMode: false }));
  }
  const parsed = answer.safeParse(result);
  // The platform's own fault: logged in full by the error handler, answered as an internal error.
  if (!parsed.success) throw new Error(`The ${id} handler's answer does not match its declared schema.`, { cause: parsed.error });
  return parsed.data;
}

function registerRoute<R extends ApiRouteId>(app: FastifyInstance, id: R, handler: RouteHandler<R>): void {
  const route: ApiRoute = PLATFORM_API[id];
  app.route({
    method: route.method,
    url: `${PLATFORM_API_PREFIX}${route.path}`,
    bodyLimit: route.bodyLimit,
    config: { access: id },
    async handler(request, reply) {
      const params = parseParameters(route.params, request.params);
      const query = parseQuery(route.query, request.query);
      const body = parseBody(route.body, request.body);
      const principal = principalFor(route, request);
      // The parts were parsed by exactly the schemas RouteCall<R> is inferred from.
      const result = await handler({ params, query, body, principal, request, reply } as RouteCall<R>);
      return sendAnswer({ id, route, reply, result });
    },
  });
}

/** Generic in the id, so that the table's entry is typed as that route's handler. */
function registerFromTable<R extends ApiRouteId>(app: FastifyInstance, handlers: RouteHandlers, id: R): void {
  registerRoute(app, id, handlers[id]);
}

export function registerApiRoutes(app: FastifyInstance, handlers: RouteHandlers): void {
  for (const id of API_ROUTE_IDS) registerFromTable(app, handlers, id);
}
