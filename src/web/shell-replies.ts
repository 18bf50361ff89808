// How the browser shell answers what it refuses: one error handler for guards, routes and Fastify's own errors.
// Under /api/ the answer is the contract's Outcome envelope (the page's transport reads it); elsewhere plain text.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EnclaveError, HTTP_STATUS_BY_ERROR_CODE, type ErrorValue } from '../common/errors.ts';

export interface Refusal {
  status: number;
  error: ErrorValue;
  headers?: Record<string, string>;
}

/** The request's path as it arrived, still percent-encoded (the static-file guard wants it so). */
export function rawPathOf(request: FastifyRequest): string {
  return (request.raw.url ?? '/').split('?', 1)[0] ?? '/';
}

export function isApiRequest(request: FastifyRequest): boolean {
  return rawPathOf(request).startsWith('/api/');
}

export function sendRefusal(request: FastifyRequest, reply: FastifyReply, refusal: Refusal): FastifyReply {
  reply.code(refusal.status).headers({ 'cache-control': 'no-store', ...refusal.headers });
  if (isApiRequest(request)) return reply.type('application/json; charset=utf-8').send({ ok: false, error: refusal.error });
  return reply.type('text/plain; charset=utf-8').send(refusal.error.message);
}

export function methodNotAllowed(allowed: string, message: string): Refusal {
  return { status: 405, error: { code: 'invalid_input', message }, headers: { allow: allowed } };
}

/** A body larger than its route or method takes (the few methods that carry SQL text take more than the rest). */
export class BodyTooLarge extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`The body is larger than ${limit} bytes.`);
    this.limit = limit;
  }
}

/** What an error thrown anywhere in a request becomes; `internal` means "log it, say little". */
export function refusalFor(err: unknown, bodyLimit: number): Refusal {
  if (err instanceof EnclaveError) return { status: HTTP_STATUS_BY_ERROR_CODE[err.code], error: { code: err.code, message: err.message } };
  const fastify = err as { code?: unknown; statusCode?: unknown };
  if (err instanceof BodyTooLarge || fastify.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const limit = err instanceof BodyTooLarge ? err.limit : bodyLimit;
    return {
      status: 413,
      error: { code: 'invalid_input', message: `The body is larger than ${limit} bytes.` },
      headers: { connection: 'close' },
    };
  }
  if (fastify.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return { status: 415, error: { code: 'invalid_input', message: 'The body must be JSON (Content-Type: application/json).' } };
  }
  if (typeof fastify.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return { status: 400, error: { code: 'invalid_input', message: 'The request could not be read.' } };
  }
  return { status: 500, error: { code: 'internal', message: 'Something went wrong inside the workstation. The details are in its log.' } };
}
