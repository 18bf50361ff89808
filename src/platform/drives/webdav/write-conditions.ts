// The condition a WebDAV write is made on, read from the request's own headers. nephele checks If-Match,
// If-None-Match, If-Unmodified-Since and the If header before it writes; the drive service checks the condition again
// under the path's lock, at the moment the version pointer moves, so a write that raced another is refused (412)
// instead of silently replacing it. A request with no condition is a standard client's plain PUT: `any`.
import type { IncomingHttpHeaders } from 'node:http';
import { PreconditionFailedError } from 'nephele';
import { DriveEtagSchema, type DriveEntry, type WriteCondition } from '../../../common/drives.ts';
import { headerOf } from './request-context.ts';

function entityTags(value: string): string[] {
  return value
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
}

/** The one strong drive ETag an If-Match names, or null when it names several, `*`, a weak or a foreign tag. */
function singleDriveEtag(ifMatch: string): string | null {
  const tags = entityTags(ifMatch);
  return tags.length === 1 && DriveEtagSchema.safeParse(tags[0]).success ? tags[0] : null;
}

/** Whether the request makes any condition on the entry's state (nephele has checked each one already). */
function isConditional(headers: IncomingHttpHeaders): boolean {
  const ifHeader = headerOf(headers, 'if');
  return (
    headerOf(headers, 'if-match') !== undefined ||
    headerOf(headers, 'if-none-match') !== undefined ||
    headerOf(headers, 'if-unmodified-since') !== undefined ||
    // An If header's entity-tag conditions are in brackets; its lock tokens alone make no condition on the content.
    (ifHeader !== undefined && ifHeader.includes('['))
  );
}

const CHANGED = 'The file changed since the request\u2019s condition was checked; nothing was written.';

/**
 * The WriteCondition of a PUT at a path whose entry (as nephele checked the request's conditions against it) is
 * `current`: the ETag the client named, or else the state nephele found, so that whatever nephele approved must still
 * hold when the service writes.
 */
export function writeConditionFor(headers: IncomingHttpHeaders, current: DriveEntry | null): WriteCondition {
  const ifMatch = headerOf(headers, 'if-match');
  if (ifMatch !== undefined) {
    const named = singleDriveEtag(ifMatch);
    if (named !== null) return { ifMatch: named };
    if (current?.etag != null) return { ifMatch: current.etag };
    throw new PreconditionFailedError(CHANGED);
  }
  if (headerOf(headers, 'if-none-match')?.trim() === '*') return { ifAbsent: true };
  if (!isConditional(headers)) return { any: true };
  if (current === null) return { ifAbsent: true };
  if (current.etag === null) throw new PreconditionFailedError(CHANGED);
  return { ifMatch: current.etag };
}

/** The If-Match of a DELETE or MOVE (the service's `ifMatch`): as for a write, or null when the request makes none. */
export function ifMatchFor(headers: IncomingHttpHeaders, current: DriveEntry | null): string | null {
  const ifMatch = headerOf(headers, 'if-match');
  if (ifMatch !== undefined) {
    const named = singleDriveEtag(ifMatch);
    if (named !== null) return named;
  }
  return isConditional(headers) ? (current?.etag ?? null) : null;
}

/**
 * The body's length as declared (Content-Length), for the quota check before the body is read; null when the body is
 * chunked or compressed (its stored length is known only once read, and the service counts as it reads).
 */
export function declaredLengthOf(headers: IncomingHttpHeaders): number | null {
  const encoding = headerOf(headers, 'content-encoding')?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') return null;
  if (headerOf(headers, 'transfer-encoding') !== undefined) return null;
  const length = headerOf(headers, 'content-length')?.trim();
  return length !== undefined && /^\d{1,15}$/.test(length) ? Number(length) : null;
}
