// The browser shell: the renderer and the one contract over HTTP on 127.0.0.1, for machines without Electron, on
// Fastify like the platform. Wire format: src/common/transport-protocol.ts. Every request passes, in order: the
// connection's owner (another OS user's program is refused before Fastify sees the request), Host (DNS
// rebinding), Origin and Fetch-Metadata (cross-site requests), the session header on /api/ (pages and programs
// without the launch code; an export's one-time download carries its own token instead), then the route. The
// renderer's files need no session: they hold no secret, and the page's nonce is fresh on every load.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { bodyLimitOf, CALL_BODY_BYTES, isBinaryMethod, isMethodName, LARGEST_CALL_BODY_BYTES } from '../common/contract.ts';
import { handledElsewhere } from '../common/detached.ts';
import { EnclaveError, HTTP_STATUS_BY_ERROR_CODE } from '../common/errors.ts';
import {
  ARROW_STREAM_CONTENT_TYPE,
  HTTP_CALL_HEADER,
  HTTP_EVENTS_PATH,
  HTTP_INVOKE_PREFIX,
  HTTP_LAUNCH_FRAGMENT_KEY,
  HTTP_LAUNCH_HEADER,
  HTTP_SESSION_HEADER,
  HTTP_SESSION_PATH,
} from '../common/transport-protocol.ts';
import { EXPORT_DOWNLOAD_PATH } from '../workstation/airlock/downloads.ts';
import { serveCall } from '../workstation/calls.ts';
import type { WorkstationCore } from '../workstation/core.ts';
import { guardPeers } from '../workstation/serving/peer-guard.ts';
import { createPeerCheck, type PeerCheck } from '../workstation/serving/peer-owner.ts';
import { createRendererFiles, securityHeaders } from '../workstation/serving/renderer-files.ts';
import { serveEventStream } from './event-stream.ts';
import { createLaunchAuth } from './launch-auth.ts';
import { writeLaunchPage, type LaunchPage } from './launch-page.ts';
import { isAllowedFetchSite, isAllowedHost, isSameOrigin } from './request-guards.ts';
import { BodyTooLarge, methodNotAllowed, rawPathOf, refusalFor, sendRefusal } from './shell-replies.ts';

export interface BrowserShellOptions {
  /** The core; its `downloads` are the exports it offers (none served without them). */
  core: Pick<WorkstationCore, 'handlers' | 'events' | 'calls'> & Partial<Pick<WorkstationCore, 'downloads'>>;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Largest JSON body an invoke may carry. */
  bodyLimitBytes?: number;
  launchCodeTtlMs?: number;
  now?: () => number;
  log?: (message: string, detail?: unknown) => void;
  /** A 0700 folder of the user's for the launch page of the first launch URL (./launch-page.ts); none without. */
  launchPageDir?: string;
  /** Who may connect (default: this user's programs, where the OS can say: src/workstation/serving/peer-owner.ts). */
  peers?: PeerCheck;
}

export interface BrowserShell {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The first launch URL, http://127.0.0.1:PORT/#launch=<one-time code>. */
  launchUrl: string;
  /** The launch page file that opens launchUrl (deleted once its code is spent); null without launchPageDir. */
  launchPage: string | null;
  /** Mints another one-time launch URL (to open a second browser window, or after the first code expired). */
  newLaunchUrl(): string;
  close(): Promise<void>;
}

const DEFAULT_BODY_LIMIT = CALL_BODY_BYTES;

/** The body limit of a call (by its method, or the default for a name that is none), or null for any other route. */
function callBodyLimit(request: FastifyRequest): number | null {
  if (request.routeOptions.url !== `${HTTP_INVOKE_PREFIX}:name`) return null;
  const name = (request.params as { name?: unknown }).name;
  return isMethodName(name) ? bodyLimitOf(name) : CALL_BODY_BYTES;
}
/** The routes that need the session header: everything under /api/ but the trade of a launch code. */
const SESSION_ROUTES = new Set([`${HTTP_INVOKE_PREFIX}:name`, HTTP_EVENTS_PATH, '/api/*']);

/** Content-Disposition for a download: always an attachment (never shown in the page), its name quoted and encoded. */
export function attachmentDisposition(fileName: string): string {
  const plain = fileName.replace(/[^A-Za-z0-9._-]/g, '_');
  return `attachment; filename="${plain}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Aborts when the page hangs up before its answer is sent (a cancelled fetch, a closed tab), so the call stops
 * working for nobody. A connection already gone when this is asked aborts at once: its 'close' event has passed.
 */
function hangUpSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const gone = (): void => {
    if (!reply.raw.writableFinished) controller.abort();
  };
  if (reply.raw.destroyed) gone();
  else reply.raw.once('close', gone);
  return controller.signal;
}

export async function startBrowserShell(options: BrowserShellOptions): Promise<BrowserShell> {
  const { core } = options;
  const files = createRendererFiles(options.rendererDir);
  const auth = createLaunchAuth({ codeTtlMs: options.launchCodeTtlMs, now: options.now });
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  const log = options.log ?? (() => {});
  const peers = options.peers ?? createPeerCheck();
  if (!peers.available)
    log(
      `Connections from other users of this computer cannot be told apart here (${peers.unavailableReason}); the session secret and the private launch page still hold.`,
    );
  const streams = new Set<() => void>();
  let port = 0;
  let page: LaunchPage | null = null;

  const app = Fastify({
    logger: false,
    bodyLimit,
    // Open event streams and keep-alive connections do not hold close() up.
    forceCloseConnections: true,
    serverFactory: (handler) => createServer(guardPeers(handler, { peers, log })),
    // A malformed URL gets the same headers and plain answer as any other refusal.
    frameworkErrors: (_err, request, reply) => {
      void sendRefusal(request, reply, { status: 400, error: { code: 'invalid_input', message: 'That path is not allowed.' } });
    },
  });

  // Only JSON bodies, read as bytes: the handler parses them, so a bad body gets the contract's own message.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.addHook('onRequest', async (request) => {
    const { host, origin } = request.headers;
    if (!isAllowedHost(host, port)) throw new EnclaveError('forbidden', 'This server answers only to 127.0.0.1 and localhost.');
    if (origin !== undefined && !isSameOrigin(origin, host, port))
      throw new EnclaveError('forbidden', 'Requests from other sites are refused.');
    // A request that changes something must say it comes from our own page (a browser always sends Origin then).
    if (request.method !== 'GET' && request.method !== 'HEAD' && origin === undefined) {
      throw new EnclaveError('forbidden', 'Requests must come from the workstation page itself.');
    }
    const fetchMetadata = {
      site: headerValue(request, 'sec-fetch-site'),
      mode: headerValue(request, 'sec-fetch-mode'),
      dest: headerValue(request, 'sec-fetch-dest'),
      path: rawPathOf(request),
      method: request.method,
    };
    if (!isAllowedFetchSite(fetchMetadata)) throw new EnclaveError('forbidden', 'Requests from other sites are refused.');
    if (SESSION_ROUTES.has(request.routeOptions.url ?? '') && !auth.isSession(headerValue(request, HTTP_SESSION_HEADER))) {
      throw new EnclaveError('unauthenticated', 'Open Enclave from its launcher: this window has no session with this workstation.');
    }
    // A call's declared size is checked against its method's limit before a byte of it is read.
    const declared = Number(request.headers['content-length']);
    const limit = callBodyLimit(request);
    if (limit !== null && Number.isFinite(declared) && declared > limit) throw new BodyTooLarge(limit);
  });

  app.addHook('onSend', async (_request, reply) => {
    // The CSP on every answer, not only the page: a worker script's own CSP comes from its response.
    for (const [name, value] of Object.entries(securityHeaders())) if (!reply.hasHeader(name)) reply.header(name, value);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });

  app.setErrorHandler((err, request, reply) => {
    // Fastify's own refusal of a body past the route's limit names that route's limit.
    const refusal = refusalFor(err, request.routeOptions.bodyLimit ?? bodyLimit);
    if (refusal.status >= 500) log('The browser shell failed to answer a request.', err);
    return sendRefusal(request, reply, refusal);
  });

  app.setNotFoundHandler((request, reply) =>
    sendRefusal(request, reply, { status: 404, error: { code: 'not_found', message: 'Not found.' } }),
  );

  app.all(HTTP_SESSION_PATH, async (request, reply) => {
    if (request.method !== 'POST') return sendRefusal(request, reply, methodNotAllowed('POST', 'Use POST to open a session.'));
    const secret = auth.redeem(headerValue(request, HTTP_LAUNCH_HEADER) ?? '');
    // The launch page holding a spent code is gone before the page hears back.
    await page?.removed();
    if (secret === null) {
      throw new EnclaveError('forbidden', 'This launch link has already been used or has expired. Open Enclave again from its launcher.');
    }
    return reply.send({ ok: true, value: { session: secret } });
  });

  app.all(
    `${HTTP_INVOKE_PREFIX}:name`,
    { bodyLimit: LARGEST_CALL_BODY_BYTES },
    async (request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
      if (request.method !== 'POST') return sendRefusal(request, reply, methodNotAllowed('POST', 'Use POST to call a workstation method.'));
      if (!Buffer.isBuffer(request.body))
        throw new EnclaveError('invalid_input', 'The body must be JSON (Content-Type: application/json).');
      // A body sent without its length (chunked) is read up to the largest method's limit, then held to its own.
      const limit = callBodyLimit(request);
      if (limit !== null && request.body.length > limit) throw new BodyTooLarge(limit);
      let payload: unknown;
      try {
        payload = JSON.parse(request.body.toString('utf8'));
      } catch {
        throw new EnclaveError('invalid_input', 'The body is not valid JSON.');
      }
      const name = request.params.name;
      // Anything but one UUID is refused (a repeated header arrives joined with commas).
      const callId = request.headers[HTTP_CALL_HEADER];
      const outcome = await serveCall(core, { name, payload, callId, gone: hangUpSignal(reply) });
      if (outcome.ok && isMethodName(name) && isBinaryMethod(name) && outcome.value instanceof Uint8Array) {
        const bytes = outcome.value;
        return reply.type(ARROW_STREAM_CONTENT_TYPE).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      }
      if (!outcome.ok) reply.code(HTTP_STATUS_BY_ERROR_CODE[outcome.error.code]);
      return reply.type('application/json; charset=utf-8').send(outcome);
    },
  );

  // An export the core offered (src/workstation/airlock/downloads.ts): fetched once, by a navigation or a fetch from the
  // page, so it carries no session header; the token in the path is the capability (random, bound to that one export,
  // spent on first use, valid 15 seconds, and the platform asked again as it is served). Cross-site requests to /api/ are refused above; HEAD is refused here, as it
  // would spend the token without the file.
  app.all(`${EXPORT_DOWNLOAD_PATH}:token`, async (request: FastifyRequest<{ Params: { token: string } }>, reply: FastifyReply) => {
    if (request.method !== 'GET') return sendRefusal(request, reply, methodNotAllowed('GET', 'Use GET to download an export.'));
    const file = core.downloads?.take(request.params.token) ?? null;
    if (file === null) {
      throw new EnclaveError(
        'not_found',
        'This download has already been used or has expired. Export the output again from the workstation.',
      );
    }
    // Egress may have frozen, or the output been revoked, since the offer: asked again as the bytes leave.
    await file.recheck(hangUpSignal(reply));
    return reply
      .headers({ 'content-disposition': attachmentDisposition(file.fileName), 'cache-control': 'no-store' })
      .header('content-length', String(file.bytes.byteLength))
      .type(file.mediaType)
      .send(Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength));
  });

  app.all(HTTP_EVENTS_PATH, async (request, reply) => {
    if (request.method !== 'GET') throw new EnclaveError('invalid_input', 'Use GET for the event stream.');
    reply.hijack();
    const end = serveEventStream({ req: request.raw, res: reply.raw, events: core.events, headers: securityHeaders() });
    streams.add(end);
    reply.raw.on('close', () => streams.delete(end));
  });

  app.all('/api/*', async () => {
    throw new EnclaveError('not_found', 'There is no such API path.');
  });

  app.all('/*', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return sendRefusal(request, reply, methodNotAllowed('GET, HEAD', 'Only GET and HEAD are served here.'));
    const file = await files.read(rawPathOf(request));
    if (file.status !== 200)
      return sendRefusal(request, reply, {
        status: file.status,
        error: { code: file.status === 404 ? 'not_found' : 'invalid_input', message: file.reason },
      });
    if (file.kind === 'page') {
      // The page's nonce and its CSP header must match: both come from this one read.
      return reply
        .headers({ ...securityHeaders(file.nonce), 'cache-control': 'no-store' })
        .type(file.contentType)
        .send(file.body);
    }
    const etag = `"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
    reply.headers({ 'cache-control': 'no-cache', etag }).type(file.contentType);
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.header('content-length', String(file.size)).send(file.open());
  });

  // Loopback only: the shell is never reachable from another machine.
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  port = (app.server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const launchUrlFor = (code: string) => `${url}/#${HTTP_LAUNCH_FRAGMENT_KEY}=${code}`;

  // The session route and close() await the removal (page.removed(), page.remove()): its failure is theirs.
  const firstCode = auth.newLaunchCode(() => {
    if (page) handledElsewhere(page.remove());
  });
  try {
    if (options.launchPageDir !== undefined)
      page = await writeLaunchPage({ dir: options.launchPageDir, launchUrl: launchUrlFor(firstCode) });
  } catch (err) {
    await app.close();
    throw err;
  }

  return {
    url,
    launchUrl: launchUrlFor(firstCode),
    launchPage: page?.path ?? null,
    newLaunchUrl: () => launchUrlFor(auth.newLaunchCode()),
    async close() {
      for (const end of [...streams]) end();
      auth.close();
      await page?.remove();
      await app.close();
    },
  };
}
