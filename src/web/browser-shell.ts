// The browser shell: the renderer and the one contract over HTTP on 127.0.0.1, for machines without Electron.
// Wire format: src/common/transport-protocol.ts. Every request passes, in order: Host (DNS rebinding), Origin and
// Fetch-Metadata (cross-site requests), the session cookie (other local users and pages), then the route.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { isBinaryMethod, isMethodName } from '../common/contract.ts';
import { dispatch, type Outcome } from '../common/dispatch.ts';
import { HTTP_STATUS_BY_ERROR_CODE, type ErrorValue } from '../common/errors.ts';
import {
  ARROW_STREAM_CONTENT_TYPE,
  HTTP_EVENTS_PATH,
  HTTP_INVOKE_PREFIX,
  HTTP_LAUNCH_PATH,
} from '../common/transport-protocol.ts';
import type { WorkstationCore } from '../workstation/core.ts';
import { createRendererFiles, securityHeaders } from '../workstation/renderer-files.ts';
import { serveEventStream } from './event-stream.ts';
import { createLaunchAuth, sessionCookieHeader } from './launch-auth.ts';
import { isAllowedFetchSite, isAllowedHost, isSameOrigin } from './request-guards.ts';

export interface BrowserShellOptions {
  core: Pick<WorkstationCore, 'handlers' | 'events'>;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Largest JSON body an invoke may carry. */
  bodyLimitBytes?: number;
  launchCodeTtlMs?: number;
  now?: () => number;
  log?: (message: string, detail?: unknown) => void;
}

export interface BrowserShell {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The first launch URL (one-time code); open it in the browser. */
  launchUrl: string;
  /** Mints another one-time launch URL (to open a second browser window, or after the first code expired). */
  newLaunchUrl(): string;
  close(): Promise<void>;
}

const DEFAULT_BODY_LIMIT = 64 * 1024;
/** Past this, an oversized body is no longer drained but the connection is cut. */
const DRAIN_LIMIT = 1024 * 1024;

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        if (!tooLarge) reject(new BodyTooLarge());
        tooLarge = true;
        chunks.length = 0;
        // Drain a little so the client reads our 413 rather than a reset; past that, cut it off.
        if (size > DRAIN_LIMIT) req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!tooLarge) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

export async function startBrowserShell(options: BrowserShellOptions): Promise<BrowserShell> {
  const { core } = options;
  const files = createRendererFiles(options.rendererDir);
  const auth = createLaunchAuth({ codeTtlMs: options.launchCodeTtlMs, now: options.now });
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT;
  const log = options.log ?? (() => {});
  const streams = new Set<() => void>();
  let port = 0;

  function sendJson(res: ServerResponse, answer: { status: number; body: unknown; headers?: Record<string, string> }): void {
    const { status, body, headers: extra = {} } = answer;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      ...securityHeaders(),
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(text)),
      'Cache-Control': 'no-store',
      ...extra,
    });
    res.end(text);
  }

  function sendError(res: ServerResponse, error: ErrorValue, extra: Record<string, string> = {}): void {
    const outcome: Outcome = { ok: false, error };
    sendJson(res, { status: HTTP_STATUS_BY_ERROR_CODE[error.code], body: outcome, headers: extra });
  }

  async function handleInvoke(req: IncomingMessage, res: ServerResponse, rawName: string): Promise<void> {
    if (req.method !== 'POST') {
      sendJson(res, { status: 405, body: { ok: false, error: { code: 'invalid_input', message: 'Use POST to call a workstation method.' } }, headers: { Allow: 'POST' } });
      return;
    }
    // A state-changing request must say it comes from our own page.
    if (!isSameOrigin(req.headers.origin, req.headers.host, port)) {
      sendError(res, { code: 'forbidden', message: 'Requests must come from the workstation page itself.' });
      return;
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      sendJson(res, { status: 415, body: { ok: false, error: { code: 'invalid_input', message: 'The body must be JSON (Content-Type: application/json).' } } });
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, bodyLimit);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        sendJson(res, {
          status: 413,
          body: { ok: false, error: { code: 'invalid_input', message: `The body is larger than ${bodyLimit} bytes.` } },
          headers: { Connection: 'close' },
        });
        return;
      }
      throw err;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      sendError(res, { code: 'invalid_input', message: 'The body is not valid JSON.' });
      return;
    }
    let name: string;
    try {
      name = decodeURIComponent(rawName);
    } catch {
      name = rawName;
    }
    const outcome = await dispatch(core.handlers, name, payload);
    if (outcome.ok && isMethodName(name) && isBinaryMethod(name) && outcome.value instanceof Uint8Array) {
      const bytes = outcome.value;
      res.writeHead(200, {
        ...securityHeaders(),
        'Content-Type': ARROW_STREAM_CONTENT_TYPE,
        'Content-Length': String(bytes.byteLength),
        'Cache-Control': 'no-store',
      });
      res.end(bytes);
      return;
    }
    if (outcome.ok) sendJson(res, { status: 200, body: outcome });
    else sendError(res, outcome.error);
  }

  function handleLaunch(res: ServerResponse, url: URL): void {
    const secret = auth.redeem(url.searchParams.get('code') ?? '');
    if (secret === null) {
      sendPlain(res, 403, 'This launch link has already been used or has expired. Start Enclave again to get a new one.');
      return;
    }
    res.writeHead(303, { ...securityHeaders(), Location: '/', 'Set-Cookie': sessionCookieHeader(secret), 'Cache-Control': 'no-store' });
    res.end();
  }

  function sendPlain(res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(text);
  }

  async function handleStatic(req: IncomingMessage, res: ServerResponse, rawPath: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...securityHeaders(), Allow: 'GET, HEAD' });
      res.end();
      return;
    }
    const file = await files.read(rawPath);
    if (file.status !== 200) {
      sendPlain(res, file.status, file.reason);
      return;
    }
    if (file.kind === 'page') {
      // The page's nonce and its CSP header must match: both come from this one read.
      res.writeHead(200, {
        ...securityHeaders(file.nonce),
        'Content-Type': file.contentType,
        'Content-Length': String(file.body.length),
        'Cache-Control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : file.body);
      return;
    }
    const etag = `"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;
    const headers = { ...securityHeaders(), 'Content-Type': file.contentType, 'Cache-Control': 'no-cache', ETag: etag };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': String(file.size) });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await pipeline(file.open(), res);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host;
    if (!isAllowedHost(host, port)) {
      sendPlain(res, 403, 'This server answers only to 127.0.0.1 and localhost.');
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !isSameOrigin(origin, host, port)) {
      sendError(res, { code: 'forbidden', message: 'Requests from other sites are refused.' });
      return;
    }
    const fetchSite = req.headers['sec-fetch-site'];
    if (!isAllowedFetchSite(typeof fetchSite === 'string' ? fetchSite : undefined)) {
      sendError(res, { code: 'forbidden', message: 'Requests from other sites are refused.' });
      return;
    }
    const rawUrl = req.url ?? '/';
    const rawPath = rawUrl.split('?', 1)[0] ?? '/';
    if (rawPath === HTTP_LAUNCH_PATH) {
      if (req.method !== 'GET') {
        sendPlain(res, 405, 'Open the launch link in a browser.');
        return;
      }
      handleLaunch(res, new URL(rawUrl, `http://${host}`));
      return;
    }
    if (!auth.isSessionCookie(req.headers.cookie)) {
      if (rawPath.startsWith('/api/')) sendError(res, { code: 'unauthenticated', message: 'Open Enclave from its launcher: this browser has no session.' });
      else sendPlain(res, 401, 'Open Enclave from its launcher: this browser has no session with this workstation.');
      return;
    }
    if (rawPath.startsWith(HTTP_INVOKE_PREFIX)) {
      await handleInvoke(req, res, rawPath.slice(HTTP_INVOKE_PREFIX.length));
      return;
    }
    if (rawPath === HTTP_EVENTS_PATH) {
      if (req.method !== 'GET') {
        sendError(res, { code: 'invalid_input', message: 'Use GET for the event stream.' });
        return;
      }
      const end = serveEventStream({ req, res, events: core.events, headers: securityHeaders() });
      streams.add(end);
      res.on('close', () => streams.delete(end));
      return;
    }
    if (rawPath.startsWith('/api/')) {
      sendError(res, { code: 'not_found', message: 'There is no such API path.' });
      return;
    }
    await handleStatic(req, res, rawPath);
  }

  const server: Server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      log('The browser shell failed to answer a request.', err);
      if (!res.headersSent) sendError(res, { code: 'internal', message: 'Something went wrong inside the workstation. The details are in its log.' });
      else res.destroy();
    });
  });

  // Loopback only: the shell is never reachable from another machine.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: options.port ?? 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const newLaunchUrl = () => `${url}${HTTP_LAUNCH_PATH}?code=${auth.newLaunchCode()}`;

  return {
    url,
    launchUrl: newLaunchUrl(),
    newLaunchUrl,
    close() {
      for (const end of [...streams]) end();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
