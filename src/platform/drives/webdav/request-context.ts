// What one WebDAV request carries from the platform's route into nephele's handlers: the project, the request's own
// headers (so a PUT's If-Match reaches `drives.write` as its condition, checked atomically there), how it arrived
// (TLS or loopback: where Basic credentials are accepted), the caller once authenticated and the log. Kept per request
// in a WeakMap keyed by the raw request, which is the object nephele's Express handlers receive as their request.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { DriveInfo } from '../../../common/drives.ts';
import type { DriveCaller, DriveService } from '../service-api.ts';

/** The challenge a 401 answer names: Basic (an app password), or Bearer only (where Basic is refused). */
export type DavChallenge = 'basic' | 'bearer';

export interface DavRequestContext {
  readonly projectId: string;
  readonly drives: DriveService;
  readonly headers: IncomingHttpHeaders;
  /** Over TLS, or from a loopback address: the only transports an app password may travel on. */
  readonly secure: boolean;
  readonly log: FastifyBaseLogger;
  readonly response: ServerResponse;
  /** The client's address (Fastify's request.ip). */
  readonly remoteAddress: string;
  /** Who is calling: set by the authenticator, null before (and for OPTIONS, which nephele answers unauthenticated). */
  caller: DriveCaller | null;
  /** The drive as its member sees it, read when the caller was admitted (membership is checked by reading it). */
  drive: DriveInfo | null;
  /** Which challenge a 401 answer carries. */
  challenge: DavChallenge;
}

const contexts = new WeakMap<IncomingMessage, DavRequestContext>();

export function attachContext(request: IncomingMessage, context: DavRequestContext): void {
  contexts.set(request, context);
}

/** The context of a request, if the WebDAV route attached one (for what must not throw: the last-resort error path). */
export function contextIfAny(request: IncomingMessage): DavRequestContext | undefined {
  return contexts.get(request);
}

/** The context of a request the WebDAV route handed to nephele; throws for any other (a wiring mistake, not input). */
export function contextOf(request: IncomingMessage): DavRequestContext {
  const context = contexts.get(request);
  if (context === undefined) throw new Error('A WebDAV request reached nephele without its context.');
  return context;
}

/** The caller of an authenticated request; throws when nephele asks before authentication (a wiring mistake). */
export function callerOf(context: DavRequestContext): DriveCaller {
  if (context.caller === null) throw new Error('A WebDAV operation ran before its caller was authenticated.');
  return context.caller;
}

/** One request header as a single string (the first, when a client repeats it), or undefined. */
export function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
