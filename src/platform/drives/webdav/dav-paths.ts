// Where a WebDAV address points in a drive, decided once and strictly. The request target and the Destination header
// are checked as sent, before anything normalises them: a URL parser resolves `..` and `%2e%2e` on its own (so
// `/dav/a/%2e%2e/b/x` would quietly become project b's `x`), and nephele decodes `%2f` into a slash. Here a dot segment,
// an encoded slash or backslash, a raw backslash or a NUL is refused outright; each remaining name then meets the
// drive's name policy (src/common/drives.ts), whose reason is what the client is told.
import { canonicalDrivePath, drivePathProblem } from '../../../common/drives.ts';

/** The mount of every drive: `/dav/<projectId>` (the drive's root is `/dav/<projectId>/`). */
export const DAV_PREFIX = '/dav';

export function davRootPath(projectId: string): string {
  return `${DAV_PREFIX}/${projectId}/`;
}

/** Why one raw (still percent-encoded) segment of a drive address is refused, or null. */
function rawSegmentProblem(segment: string): string | null {
  if (segment.includes('\\')) return 'a backslash';
  if (/%(2f|5c)/i.test(segment)) return 'an encoded slash or backslash';
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return 'a malformed percent-encoding';
  }
  if (decoded.includes('\u0000')) return 'a NUL character';
  if (decoded === '.' || decoded === '..') return `a "${decoded}" segment`;
  return null;
}

/** Why the path part of an address below `/dav/<projectId>` is refused, or null. `segments` start after the project. */
function rawSegmentsProblem(segments: readonly string[]): string | null {
  for (const [index, segment] of segments.entries()) {
    // An empty segment is allowed only last: `folder/` names the folder.
    if (segment === '') {
      if (index === segments.length - 1) continue;
      return 'an empty segment ("//")';
    }
    const problem = rawSegmentProblem(segment);
    if (problem !== null) return problem;
  }
  return null;
}

/**
 * Why a request target (`request.url` as received: path and query) cannot be served for this project, or null.
 * The path must be `/dav/<projectId>` or below it, with no segment that a parser would resolve or split.
 */
export function requestTargetProblem(rawTarget: string, projectId: string): string | null {
  // A fragment never belongs in a request: whatever a client meant by it, dropping it would act on something else.
  if (rawTarget.includes('#')) return 'a fragment ("#")';
  const rawPath = rawTarget.split('?', 1)[0];
  const root = `${DAV_PREFIX}/${projectId}`;
  if (rawPath !== root && !rawPath.startsWith(`${root}/`)) return 'a path outside this drive';
  const rest = rawPath.slice(root.length);
  return rest === '' ? null : rawSegmentsProblem(rest.slice(1).split('/'));
}

/**
 * Why a Destination header (an absolute URL or an absolute path) is refused before it is resolved, or null. Which
 * host and which drive it names is checked after resolution (`drivePathOfUrl`), where the answer can say which.
 */
export function destinationProblem(destination: string): string | null {
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(destination);
  const rawPath = (absolute === null ? destination : absolute[1]).split(/[?#]/, 1)[0];
  if (!rawPath.startsWith('/')) return 'a Destination that is neither an absolute URL nor an absolute path';
  return rawSegmentsProblem(rawPath.slice(1).split('/'));
}

/** Why a resolved address is not in this drive: another server, or another project's drive. */
export type OutsideDrive = { readonly outside: 'host' | 'drive' };
/** A drive path that breaks the name policy, with the policy's reason. */
export type RefusedPath = { readonly refused: string; readonly shown: string };
export type DrivePathOfUrl = { readonly path: string } | OutsideDrive | RefusedPath;

function effectivePort(url: URL): string {
  if (url.port !== '') return url.port;
  return url.protocol === 'https:' ? '443' : '80';
}

/**
 * The canonical drive path ('' for the root) a resolved URL names in this project's drive, or why it names none.
 * `origin` is the URL the request itself was made to (same host and port required; the scheme may differ behind a
 * proxy that ends TLS).
 */
export function drivePathOfUrl(url: URL, options: { origin: URL; projectId: string }): DrivePathOfUrl {
  if (url.hostname !== options.origin.hostname || effectivePort(url) !== effectivePort(options.origin)) return { outside: 'host' };
  const root = `${DAV_PREFIX}/${options.projectId}`;
  if (url.pathname !== root && !url.pathname.startsWith(`${root}/`)) return { outside: 'drive' };
  const rest = url.pathname.slice(root.length + 1).replace(/\/$/, '');
  if (rest === '') return { path: '' };
  const names: string[] = [];
  for (const segment of rest.split('/')) {
    const problem = rawSegmentProblem(segment);
    if (problem !== null || segment === '') return { refused: problem ?? 'an empty segment ("//")', shown: rest };
    names.push(decodeURIComponent(segment));
  }
  const path = names.join('/');
  const problem = drivePathProblem(path);
  if (problem !== null) return { refused: problem, shown: path };
  return { path: canonicalDrivePath(path) };
}

/** The URL of a drive path ('' for the root), each name percent-encoded; folders end with "/". */
export function urlOfDrivePath(path: string, options: { origin: URL; projectId: string; folder: boolean }): URL {
  const encoded = path === '' ? '' : path.split('/').map(encodeURIComponent).join('/');
  const tail = path === '' || !options.folder ? encoded : `${encoded}/`;
  return new URL(`${davRootPath(options.projectId)}${tail}`, options.origin);
}
