// MOVE, COPY and DELETE of a whole entry in one drive operation. nephele would move a folder by copying it, moving each
// member and deleting the original, and delete a folder member by member: for a drive that means a thousand versions
// for a renamed folder of a thousand files, a trash entry per file, and a half-moved folder if anything fails midway.
// This plugin takes over once nephele has done its checks (authentication, the source, the Destination, the
// conditional headers) and makes one `drives.move`, `drives.copy` or `drives.delete` call, after applying RFC 4918's
// rules for Overwrite, the destination's folder and the locks on everything the operation touches. It also refuses a
// PROPFIND of a whole tree (Depth infinity on a folder), once nephele has authenticated it.
import type { Request } from 'express';
import {
  BadRequestError,
  ForbiddenError,
  PreconditionFailedError,
  ResourceTreeNotCompleteError,
  type AuthResponse,
  type Lock,
  type Method,
  type Plugin,
  type Resource,
} from 'nephele';
import { bestEffort } from '../../../common/detached.ts';
import { drivePathKey, parentDrivePath } from '../../../common/drives.ts';
import { DriveDavAdapter } from './drive-adapter.ts';
import { DriveResource } from './drive-resource.ts';
import { assertUnlocked } from './lock-refusals.ts';
import { isWithin } from './lock-rules.ts';
import { twinRefusal } from './dav-errors.ts';
import { ifMatchFor } from './write-conditions.ts';

interface TwoResources {
  method: Method;
  resource: Resource;
  destination: Resource;
  exists: boolean;
  overwrite: string | undefined;
}

function driveAdapterOf(response: AuthResponse): DriveDavAdapter {
  const adapter = response.locals.adapter;
  if (!(adapter instanceof DriveDavAdapter)) throw new Error('A WebDAV request ran without the drive adapter.');
  return adapter;
}

function driveResourceOf(resource: Resource): DriveResource {
  if (!(resource instanceof DriveResource)) throw new Error('A WebDAV request named a resource of another adapter.');
  return resource;
}

/** What the destination checks decided: its path, whether an entry there is replaced, and whether this only changes case. */
interface Destination {
  readonly to: string;
  readonly replaces: boolean;
  readonly caseOnly: boolean;
}

/**
 * Refuses (403) a MOVE or COPY onto the source itself or into it; answers whether the destination differs from the
 * source only in the case or Unicode form of its names (a rename in place, for a MOVE).
 */
function checkRelation(from: string, to: string, verb: 'moved' | 'copied'): boolean {
  const caseOnly = from !== to && drivePathKey(from) === drivePathKey(to);
  if (from === to || (caseOnly && verb === 'copied')) {
    throw new ForbiddenError(`"${from}" cannot be ${verb} onto itself; nothing was changed.`);
  }
  if (!caseOnly && isWithin(to, from)) throw new ForbiddenError(`A folder cannot be ${verb} into itself; nothing was changed.`);
  return caseOnly;
}

/** Before nephele's own checks: where the Destination points, and whether it is the source or inside it. */
async function checkDestinationAddress(
  response: AuthResponse,
  data: { resource: Resource; destination: URL | undefined },
  verb: 'moved' | 'copied',
): Promise<void> {
  // No Destination at all is nephele's to refuse (400).
  if (data.destination === undefined) return;
  const to = driveAdapterOf(response).pathOfUrl(data.destination);
  checkRelation(driveResourceOf(data.resource).path, to, verb);
}

/** RFC 4918's checks on a MOVE's or COPY's destination, before anything is changed. */
async function checkDestination(
  adapter: DriveDavAdapter,
  operation: { source: DriveResource; target: DriveResource; exists: boolean; overwrite: string | undefined; verb: 'moved' | 'copied' },
): Promise<Destination> {
  const { source, target, verb } = operation;
  // The destination as the request spelled it: "report.csv" for a rename of "Report.csv" finds that very entry.
  const to = target.addressedAs;
  if (operation.overwrite !== undefined && operation.overwrite !== 'T' && operation.overwrite !== 'F') {
    throw new BadRequestError('The Overwrite header must be "T" or "F"; nothing was changed.');
  }
  const caseOnly = checkRelation(source.path, to, verb);
  // A move that changes only the case or Unicode form of a name renames the entry in place: nothing is replaced.
  const replaces = operation.exists && !caseOnly;
  if (replaces) {
    const twin = target.twin();
    if (twin !== null) throw twinRefusal(to, twin);
    if (operation.overwrite === 'F') {
      throw new PreconditionFailedError(
        `"${to}" already exists, and the request said not to replace it (Overwrite: F); nothing was ${verb}.`,
      );
    }
  }
  const parent = parentDrivePath(to);
  const folder = await adapter.entryAt(parent);
  if (folder?.kind !== 'folder') {
    throw new ResourceTreeNotCompleteError(`There is no folder "${parent}" to hold "${to}"; create it first. Nothing was ${verb}.`);
  }
  return { to, replaces, caseOnly };
}

/** The tokens of the locks rooted at or below `path`. */
async function locksWithin(adapter: DriveDavAdapter, path: string): Promise<string[]> {
  return (await adapter.allLocks()).filter((lock) => isWithin(lock.path, path)).map((lock) => lock.token);
}

/** Removes locks that were on what is now gone from their place: a lock does not move with its resource (RFC 4918 §7.7). */
async function releaseLocks(adapter: DriveDavAdapter, tokens: readonly string[]): Promise<void> {
  // A lock the caller may not remove stays (the service says so): its resource is gone, so it guards a name only.
  for (const token of tokens) await bestEffort(adapter.deleteLock(token));
}

function answerDone(response: AuthResponse, options: { replaced: boolean; location: URL }): void {
  response.status(options.replaced ? 204 : 201);
  if (!options.replaced) response.set({ Location: options.location.toString() });
  response.set({ 'Content-Length': '0' });
  response.end();
}

/**
 * The refusal RFC 4918 9.1 names for a PROPFIND of infinite depth on a collection: 403 with the propfind-finite-depth
 * precondition (and, in the element RFC 4918 leaves open, a sentence for people).
 */
function refuseInfiniteDepth(request: Request, response: AuthResponse): void {
  const body =
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    '<D:error xmlns:D="DAV:"><D:propfind-finite-depth/>' +
    '<D:responsedescription>A PROPFIND of a folder must say Depth: 0 or Depth: 1 (this drive does not list a whole ' +
    'tree in one request); nothing was done.</D:responsedescription></D:error>\n';
  response.status(403);
  response.set({ 'Content-Type': 'application/xml; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)) });
  // The body (a small XML document, if any) was not read: closing spares reading it only to throw it away.
  if (!request.complete) response.set({ Connection: 'close' });
  response.end(body);
}

export class WholeOperations implements Plugin {
  /**
   * A PROPFIND of a folder with Depth infinity (or no Depth: RFC 4918 9.1 says that is the same) would walk the whole
   * drive below it on the platform's one database connection and build the answer in memory: refused, as RFC 4918
   * 9.1 allows; clients then list a level at a time (Depth 1). On a file, infinity is Depth 0 and is answered.
   */
  async prePropfind(request: Request, response: AuthResponse, data: { resource: Resource; depth: string }): Promise<false | void> {
    if (data.depth.trim().toLowerCase() !== 'infinity' || !(await data.resource.isCollection())) return;
    refuseInfiniteDepth(request, response);
    return false;
  }

  async preMove(_request: Request, response: AuthResponse, data: { resource: Resource; destination: URL | undefined }): Promise<void> {
    await checkDestinationAddress(response, data, 'moved');
  }

  async preCopy(_request: Request, response: AuthResponse, data: { resource: Resource; destination: URL | undefined }): Promise<void> {
    await checkDestinationAddress(response, data, 'copied');
  }

  async beforeMove(_request: Request, response: AuthResponse, data: TwoResources): Promise<false> {
    const adapter = driveAdapterOf(response);
    const source = driveResourceOf(data.resource);
    const target = driveResourceOf(data.destination);
    const destination = await checkDestination(adapter, { source, target, exists: data.exists, overwrite: data.overwrite, verb: 'moved' });
    const { to, replaces, caseOnly } = destination;
    const folder = await source.isCollection();
    await assertUnlocked(adapter, { path: source.path, members: folder });
    if (!caseOnly) await assertUnlocked(adapter, { path: to, members: replaces && (await target.isCollection()) });
    const ifMatch = ifMatchFor(adapter.context.headers, source.entry);
    const held = await locksWithin(adapter, source.path);
    const moved = await adapter.move(source.path, to, { ifMatch, overwrite: replaces });
    await releaseLocks(adapter, held);
    answerDone(response, { replaced: replaces, location: adapter.urlOf(moved.path, folder) });
    return false;
  }

  async beforeCopy(_request: Request, response: AuthResponse, data: TwoResources & { depth: string }): Promise<false> {
    const adapter = driveAdapterOf(response);
    const source = driveResourceOf(data.resource);
    const target = driveResourceOf(data.destination);
    const destination = await checkDestination(adapter, { source, target, exists: data.exists, overwrite: data.overwrite, verb: 'copied' });
    const { to, replaces } = destination;
    await assertUnlocked(adapter, { path: to, members: replaces && (await target.isCollection()) });
    const depth = data.depth === '0' ? '0' : 'infinity';
    const copied = await adapter.copy(source.path, to, { overwrite: replaces, depth });
    answerDone(response, { replaced: replaces, location: adapter.urlOf(copied.path, copied.kind === 'folder') });
    return false;
  }

  /** nephele answers an UNLOCK naming no lock here with a 207 that clients read as success: it is a 409 (RFC 4918 §9.11.1). */
  async beforeUnlock(_request: Request, _response: AuthResponse, data: { resource: Resource; lock: Lock | undefined }): Promise<void> {
    if (data.lock === undefined) {
      const path = driveResourceOf(data.resource).path;
      throw new ResourceTreeNotCompleteError(`That lock token names no lock on "${path}" held by you; nothing was unlocked.`);
    }
  }

  async beforeDelete(_request: Request, response: AuthResponse, data: { method: Method; resource: Resource }): Promise<false> {
    const adapter = driveAdapterOf(response);
    const target = driveResourceOf(data.resource);
    await assertUnlocked(adapter, { path: target.path, members: await target.isCollection() });
    const ifMatch = ifMatchFor(adapter.context.headers, target.entry);
    const held = await locksWithin(adapter, target.path);
    await adapter.delete(target.path, ifMatch);
    await releaseLocks(adapter, held);
    response.status(204);
    response.end();
    return false;
  }
}
