// How a failure becomes a WebDAV answer. The drive service throws EnclaveErrors (src/common/errors.ts); nephele picks a
// status by the class of what its handlers throw, so each code is turned into the nephele error of the status RFC 4918
// wants: a write whose condition failed (conflict) is 412 Precondition Failed, a full drive 507, a lock 423. Anything
// else that escapes (a bug, a storage failure) is logged and answered with a message that tells nothing of it.
import {
  BadRequestError,
  ForbiddenError,
  InsufficientStorageError,
  InternalServerError,
  LockedError,
  PreconditionFailedError,
  ResourceNotFoundError,
  ResourceTreeNotCompleteError,
  ServiceUnavailableError,
  UnauthorizedError,
} from 'nephele';
// Every error class of nephele's, from its own list (the main entry re-exports the same module, so instanceof holds).
import * as NepheleErrors from 'nephele/dist/Errors/index.js';
import type { FastifyBaseLogger } from 'fastify';
import { driveBaseName, type DriveEntry } from '../../../common/drives.ts';
import { EnclaveError, HTTP_STATUS_BY_ERROR_CODE, type ErrorCode, type ErrorValue } from '../../../common/errors.ts';

/** What an answer says when the platform itself failed: the details stay in the operator's log. */
export const DAV_INTERNAL_MESSAGE = 'Something went wrong inside the platform; nothing was changed. The details are in its log.';

/** Every error class nephele maps to a status: their messages are ours or nephele's own, never a library's. */
const NEPHELE_ERRORS: ReadonlyArray<new (...args: never[]) => Error> = Object.values(NepheleErrors);

export function isNepheleError(err: unknown): err is Error {
  return NEPHELE_ERRORS.some((errorClass) => err instanceof errorClass);
}

/** The nephele error a drive service refusal travels as (its message kept: the service wrote it for people). */
export function toNepheleError(err: unknown, log: FastifyBaseLogger): Error {
  if (isNepheleError(err)) return err;
  if (!(err instanceof EnclaveError)) {
    log.error({ err }, 'WebDAV: the drive failed');
    return new InternalServerError(DAV_INTERNAL_MESSAGE);
  }
  switch (err.code) {
    case 'invalid_input':
      return new BadRequestError(err.message);
    case 'not_found':
      return new ResourceNotFoundError(err.message);
    case 'conflict':
      return new PreconditionFailedError(err.message);
    case 'unauthenticated':
      return new UnauthorizedError(err.message);
    case 'locked':
      return new LockedError(err.message);
    case 'insufficient_storage':
      return new InsufficientStorageError(err.message);
    case 'unavailable':
      return new ServiceUnavailableError(err.message);
    case 'forbidden':
    case 'suspended':
    case 'egress_frozen':
    case 'enrolment_required':
    case 'terms_required':
    case 'training_required':
      return new ForbiddenError(err.message);
    default:
      // rate_limited, cancelled, internal, unknown_method: no nephele class has their status; the answer keeps it.
      return err;
  }
}

/** 409: a name that differs from an entry's of the same folder only in case or Unicode form (both names said). */
export function twinRefusal(path: string, existing: DriveEntry): Error {
  return new ResourceTreeNotCompleteError(
    `"${driveBaseName(path)}" cannot be used: "${existing.name}" is already in this folder, and the two names differ only ` +
      'in case or Unicode form (no file system could tell them apart). Nothing was changed.',
  );
}

/** Runs one call to the drive service, its refusals turned into nephele's errors. */
export async function driveCall<T>(log: FastifyBaseLogger, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toNepheleError(err, log);
  }
}

/** The error code of the platform's JSON error body for a WebDAV status. */
function codeOfStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'unauthenticated';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
    case 412:
      return 'conflict';
    case 423:
      return 'locked';
    case 429:
      return 'rate_limited';
    case 501:
      return 'unknown_method';
    case 503:
      return 'unavailable';
    case 507:
      return 'insufficient_storage';
    default:
      return status >= 500 ? 'internal' : 'invalid_input';
  }
}

export interface DavErrorAnswer {
  readonly status: number;
  readonly body: { error: ErrorValue };
  /** Whether the failure was not a refusal but the platform's own (to be logged). */
  readonly unexpected: boolean;
}

/** nephele's XML parser (sax, through xml2js) throws plain Errors that end with where it stopped reading. */
function isXmlSyntaxError(err: unknown): boolean {
  return err instanceof Error && /\nLine: \d+\nColumn: \d+\nChar: /.test(err.message);
}

/** The status and JSON body (the API's error shape) of a failure nephele reports with `status`. */
export function davErrorAnswer(status: number, err: unknown): DavErrorAnswer {
  if (isXmlSyntaxError(err)) {
    // A client's malformed XML is the client's error (400), not the platform's.
    return {
      status: 400,
      body: { error: { code: 'invalid_input', message: 'The XML body is not well-formed; nothing was done.' } },
      unexpected: false,
    };
  }
  if (err instanceof EnclaveError) {
    const code = HTTP_STATUS_BY_ERROR_CODE[err.code];
    return { status: code, body: { error: err.toValue() }, unexpected: false };
  }
  if (isNepheleError(err) && !(status >= 500 && err instanceof InternalServerError && err.message !== DAV_INTERNAL_MESSAGE)) {
    const message = err.message === '' ? defaultMessage(status) : err.message;
    return { status, body: { error: { code: codeOfStatus(status), message } }, unexpected: false };
  }
  if (status < 500 && err === undefined) {
    return { status, body: { error: { code: codeOfStatus(status), message: defaultMessage(status) } }, unexpected: false };
  }
  return { status: 500, body: { error: { code: 'internal', message: DAV_INTERNAL_MESSAGE } }, unexpected: true };
}

function defaultMessage(status: number): string {
  switch (status) {
    case 401:
      return 'Sign in to use this drive.';
    case 403:
      return 'You may not do that in this drive; nothing was changed.';
    case 404:
      return 'There is nothing at that address in this drive.';
    case 412:
      return 'A condition of the request does not hold; nothing was changed.';
    case 423:
      return 'That is locked; nothing was changed.';
    default:
      return 'The request could not be carried out; nothing was changed.';
  }
}
