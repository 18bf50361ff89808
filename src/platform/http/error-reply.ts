// One error shape for every failure: HTTP status + {"error":{"code","message"}}. Messages are the ones the
// code chose for people; anything unexpected (a DuckDB or SQLite message, a stack) stays in the server log.
import type { ErrorValue } from '../../common/errors.ts';
import { EnclaveError, HTTP_STATUS_BY_ERROR_CODE } from '../../common/errors.ts';

export const INTERNAL_ERROR: ErrorValue = {
  code: 'internal',
  message: 'Something went wrong inside the platform. The details are in its log.',
};

export interface ErrorReply {
  readonly status: number;
  readonly body: { error: ErrorValue };
}

/** Fastify's own errors carry a statusCode; only its class of failure is told, not its text. */
function fromFrameworkStatus(status: number): ErrorValue | undefined {
  if (status === 404) return { code: 'not_found', message: 'There is no such endpoint.' };
  if (status === 413) return { code: 'invalid_input', message: 'The request is too large.' };
  if (status === 415) return { code: 'invalid_input', message: 'That content type is not accepted.' };
  if (status >= 400 && status < 500) return { code: 'invalid_input', message: 'The request could not be read.' };
  return undefined;
}

export function toErrorReply(err: unknown): ErrorReply {
  if (err instanceof EnclaveError) return { status: HTTP_STATUS_BY_ERROR_CODE[err.code], body: { error: err.toValue() } };
  const status = typeof err === 'object' && err !== null && 'statusCode' in err ? Number(err.statusCode) : NaN;
  const framework = Number.isInteger(status) ? fromFrameworkStatus(status) : undefined;
  if (framework !== undefined) return { status, body: { error: framework } };
  return { status: 500, body: { error: INTERNAL_ERROR } };
}
