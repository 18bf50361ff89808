// How a WebDAV refusal is written. nephele's own error answer puts the error's stack in the body unless NODE_ENV is
// "production"; this one writes the platform's JSON error body (`{ error: { code, message } }`, as the API does) with a
// message meant for people, names the holders of a lock in a 423, says which credentials a 401 wants, and closes the
// connection when the request's body was left unread (a refused 5 GB upload is not read to its end to keep it open).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import { ResourceNotModifiedError, type Options } from 'nephele';
import { davErrorAnswer, type DavErrorAnswer } from './dav-errors.ts';
import type { DriveDavAdapter } from './drive-adapter.ts';
import { lockedRefusal, locksInTheWay, namesHolders } from './lock-refusals.ts';
import { contextIfAny, contextOf, headerOf, type DavChallenge } from './request-context.ts';

function challengeOf(challenge: DavChallenge, projectId: string): string {
  return challenge === 'basic'
    ? `Basic realm="Enclave drive ${projectId}", charset="UTF-8"`
    : 'Bearer realm="enclave", error="invalid_token"';
}

/** Writes an error answer on a response nothing has been written to yet. */
export function writeDavError(
  request: IncomingMessage,
  response: ServerResponse,
  answer: DavErrorAnswer & { challenge?: { kind: DavChallenge; projectId: string } },
): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  const body = JSON.stringify(answer.body);
  response.statusCode = answer.status;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.setHeader('content-length', Buffer.byteLength(body));
  if (answer.status === 401 && answer.challenge !== undefined) {
    response.setHeader('www-authenticate', challengeOf(answer.challenge.kind, answer.challenge.projectId));
  }
  // The body was not read (or not all of it): closing spares reading the rest only to throw it away.
  if (!request.complete) response.setHeader('connection', 'close');
  response.end(body);
}

/** The 423's message naming who holds the locks on what the request would change (its address, and its Destination). */
async function namedLockMessage(adapter: DriveDavAdapter, request: Request): Promise<string | null> {
  const requestUrl = new URL(request.originalUrl, adapter.origin);
  const destination = headerOf(adapter.context.headers, 'destination');
  const urls = [requestUrl];
  if (destination !== undefined) urls.push(new URL(destination, requestUrl));
  for (const url of urls) {
    const located = adapter.locate(url);
    if (!('path' in located)) continue;
    const locks = await locksInTheWay(adapter, { path: located.path, members: true });
    if (locks.length > 0) return (await lockedRefusal(adapter, located.path, locks)).message;
  }
  return null;
}

/** nephele's `errorHandler`: every refusal and failure of a WebDAV request comes through here. */
export function createDavErrorHandler(adapterOf: (request: IncomingMessage) => DriveDavAdapter | undefined): Options['errorHandler'] {
  // nephele calls it with five arguments (status, its message, request, response, error): taken as one list. It does
  // not always await it (a failed authentication): it must never reject, or the rejection would end the process.
  const handle = answerError(adapterOf);
  return async (...args: Parameters<Options['errorHandler']>) => {
    const [, , request, response] = args;
    try {
      await handle(...args);
    } catch (err) {
      // Nothing more can be said on this connection: it is closed.
      if (!response.destroyed) response.destroy();
      contextIfAny(request)?.log.error({ err }, 'WebDAV: an error answer could not be written');
    }
  };
}

/** Writes the answer to a refusal or failure (may reject: its caller above catches). */
function answerError(adapterOf: (request: IncomingMessage) => DriveDavAdapter | undefined): Options['errorHandler'] {
  return async (...[code, , request, response, error]: Parameters<Options['errorHandler']>) => {
    if (code < 400) {
      // 304 Not Modified (a conditional GET): not a failure, and it carries the current validators.
      if (!response.headersSent && !response.destroyed) {
        response.status(code);
        if (error instanceof ResourceNotModifiedError) {
          if (error.etag) response.set({ ETag: JSON.stringify(error.etag) });
          if (error.lastModified) response.set({ 'Last-Modified': error.lastModified.toUTCString() });
        }
      }
      response.end();
      return;
    }
    const context = contextOf(request);
    let answer = davErrorAnswer(code, error);
    if (answer.unexpected) context.log.error({ err: error }, 'WebDAV request failed');
    const adapter = adapterOf(request);
    if (answer.status === 423 && !namesHolders(error) && adapter !== undefined && context.caller !== null) {
      try {
        const message = await namedLockMessage(adapter, request);
        if (message !== null) answer = { ...answer, body: { error: { code: 'locked', message } } };
      } catch (err) {
        // The refusal stands as it is: naming the holders is a courtesy.
        context.log.info({ err }, 'WebDAV: could not name the holders of a lock');
      }
    }
    if (response.destroyed) return;
    writeDavError(request, response, { ...answer, challenge: { kind: context.challenge, projectId: context.projectId } });
  };
}
