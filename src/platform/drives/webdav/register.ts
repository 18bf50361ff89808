// The drives' WebDAV mount (RFC 4918, classes 1 and 2) at /dav/:projectId/<path>: the only module that wires nephele in.
// Each request is checked as sent (its address: dav-paths.ts; its XML body's size), then handed, unread, to nephele's
// handler with this project's drive adapter, which reaches the drive only through the DriveService. The answers keep
// the platform's `cache-control: no-store` and `nosniff`, and add a sandboxing Content-Security-Policy: a drive file is
// never a page that runs on the platform's origin.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createServer } from 'nephele';
import { IdSchema } from '../../../common/contract.ts';
import { WEBDAV_ROUTES } from '../../../common/platform-api.ts';
import type { Principal } from '../../identity/principal.ts';
import type { DriveService } from '../service-api.ts';
import { DriveDavAuthenticator } from './authenticator.ts';
import { DAV_INTERNAL_MESSAGE } from './dav-errors.ts';
import { DAV_PREFIX, destinationProblem, requestTargetProblem } from './dav-paths.ts';
import { DriveDavAdapter } from './drive-adapter.ts';
import { createDavErrorHandler, writeDavError } from './error-handler.ts';
import { attachContext, headerOf, type DavRequestContext } from './request-context.ts';
import { WholeOperations } from './whole-operations.ts';

export interface WebDavDependencies {
  readonly drives: DriveService;
  readonly bearer: (headers: IncomingHttpHeaders) => Promise<Principal>;
  readonly admit: (principal: Principal) => Promise<void>;
}

/** WebDAV's methods beyond plain HTTP's; each may carry a body (an XML one, or none). */
const DAV_METHODS = ['PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK'] as const;
const ROUTE_METHODS = ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'POST', ...DAV_METHODS];

/** The largest body of anything but a PUT: PROPFIND, PROPPATCH and LOCK send small XML documents. */
const XML_BODY_LIMIT = WEBDAV_ROUTES['drive.dav'].bodyLimit;

/** Timeouts a client may ask a lock for (nephele clamps to these): ten seconds to a working day and a half. */
const MIN_LOCK_TIMEOUT_MS = 10_000;
const MAX_LOCK_TIMEOUT_MS = 36 * 60 * 60 * 1000;

/** Headers every WebDAV answer carries, whatever nephele set. */
const ANSWER_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; sandbox; frame-ancestors 'none'",
};

/** Makes every answer carry ANSWER_HEADERS and nothing that names the software behind it. */
function hardenAnswers(response: ServerResponse): void {
  const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => ServerResponse;
  response.writeHead = (...args: unknown[]) => {
    for (const [name, value] of Object.entries(ANSWER_HEADERS)) response.setHeader(name, value);
    response.removeHeader('x-powered-by');
    response.removeHeader('server');
    // Headers passed to writeHead itself would win over those set above: drop any that say otherwise.
    const last = args[args.length - 1];
    if (typeof last === 'object' && last !== null && !Array.isArray(last)) {
      const passed = { ...(last as Record<string, unknown>) };
      for (const name of Object.keys(passed)) {
        const lower = name.toLowerCase();
        if (lower in ANSWER_HEADERS || lower === 'server' || lower === 'x-powered-by') delete passed[name];
      }
      args[args.length - 1] = passed;
    }
    return writeHead(...args);
  };
}

function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const plain = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}

/** Why a request's body is refused before nephele reads it (XML bodies are small and say their length), or null. */
function bodyProblem(method: string, headers: IncomingHttpHeaders): { status: number; message: string } | null {
  // Checked for every method, a PUT's first: nephele inflates a compressed body through a pipeline whose failure (a
  // body that is not what it says) throws outside any handler and ends the process; and an XML body inflated whole
  // can be an enormous document. Clients send drive files uncompressed.
  const encoding = headerOf(headers, 'content-encoding')?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    return { status: 415, message: `A ${method} body must not be compressed (Content-Encoding); nothing was done.` };
  }
  if (method === 'PUT') return null;
  const length = headerOf(headers, 'content-length');
  if (length === undefined) {
    return headerOf(headers, 'transfer-encoding') === undefined
      ? null
      : { status: 411, message: `A ${method} body must say its length (Content-Length); nothing was done.` };
  }
  return Number(length) > XML_BODY_LIMIT
    ? { status: 413, message: `A ${method} body may be at most ${XML_BODY_LIMIT} bytes; nothing was done.` }
    : null;
}

function refuse(request: IncomingMessage, response: ServerResponse, answer: { status: number; message: string }): void {
  const code = answer.status === 404 ? 'not_found' : 'invalid_input';
  writeDavError(request, response, { status: answer.status, body: { error: { code, message: answer.message } }, unexpected: false });
}

export function registerWebDav(app: FastifyInstance, deps: WebDavDependencies): void {
  for (const method of DAV_METHODS) {
    if (!app.supportedMethods.includes(method)) app.addHttpMethod(method, { hasBody: true });
  }
  const adapters = new WeakMap<IncomingMessage, DriveDavAdapter>();
  const adapterOf = (request: IncomingMessage) => adapters.get(request);
  const dav = createServer(
    {
      adapter: async (request) => {
        const adapter = adapterOf(request);
        if (adapter === undefined) throw new Error('A WebDAV request reached nephele without its adapter.');
        return adapter;
      },
      authenticator: new DriveDavAuthenticator({ bearer: deps.bearer, admit: deps.admit }),
      plugins: [new WholeOperations()],
    },
    {
      compression: false,
      minLockTimeout: MIN_LOCK_TIMEOUT_MS,
      maxLockTimeout: MAX_LOCK_TIMEOUT_MS,
      errorHandler: createDavErrorHandler(adapterOf),
    },
  ) as unknown as (request: IncomingMessage, response: ServerResponse, done: (err?: unknown) => void) => void;

  const serve = (request: FastifyRequest<{ Params: { projectId: string } }>, reply: FastifyReply) => {
    const raw = request.raw;
    const response = reply.raw;
    reply.hijack();
    hardenAnswers(response);
    const { projectId } = request.params;
    if (!IdSchema.safeParse(projectId).success) {
      refuse(raw, response, { status: 404, message: 'There is no drive at this address.' });
      return;
    }
    const target = raw.url ?? '';
    const targetProblem = requestTargetProblem(target, projectId);
    if (targetProblem !== null) {
      refuse(raw, response, {
        status: 400,
        message: `The address cannot name anything in a drive: it has ${targetProblem}. Nothing was done.`,
      });
      return;
    }
    const destination = headerOf(raw.headers, 'destination');
    const destinationRefused = destination === undefined ? null : destinationProblem(destination);
    if (destinationRefused !== null) {
      refuse(raw, response, {
        status: 400,
        message: `The Destination cannot name anything in a drive: it has ${destinationRefused}. Nothing was done.`,
      });
      return;
    }
    const tooLarge = bodyProblem(raw.method ?? '', raw.headers);
    if (tooLarge !== null) {
      refuse(raw, response, tooLarge);
      return;
    }
    const encrypted = (raw.socket as Partial<TLSSocket>).encrypted === true;
    let origin: URL;
    try {
      origin = new URL(`${encrypted ? 'https' : 'http'}://${raw.headers.host ?? ''}`);
      if (origin.host === '' || origin.pathname !== '/' || origin.username !== '') throw new Error('not a host');
    } catch {
      refuse(raw, response, { status: 400, message: 'The request must name the host it was sent to (a Host header).' });
      return;
    }
    const context: DavRequestContext = {
      projectId,
      drives: deps.drives,
      headers: raw.headers,
      secure: encrypted || isLoopbackAddress(raw.socket.remoteAddress),
      // The client's address as the platform sees it (behind its proxy, as configured): app password failures count by it.
      remoteAddress: request.ip,
      log: request.log,
      response,
      caller: null,
      drive: null,
      challenge: 'basic',
    };
    attachContext(raw, context);
    adapters.set(raw, new DriveDavAdapter(context, origin));
    // nephele's Express handler sees the drive's mount as its base: `/dav/<projectId>` and the rest of the address.
    const base = `${DAV_PREFIX}/${projectId}`;
    const rest = target.slice(base.length);
    Object.assign(raw, { originalUrl: target, baseUrl: base, url: rest.startsWith('/') ? rest : `/${rest}` });
    dav(raw, response, (err) => {
      // Only a failure outside nephele's own handling (or no handler at all) arrives here.
      if (err !== undefined) request.log.error({ err }, 'WebDAV request failed outside its handler');
      if (response.writableEnded) return;
      writeDavError(raw, response, {
        status: 500,
        body: { error: { code: 'internal', message: DAV_INTERNAL_MESSAGE } },
        unexpected: true,
      });
    });
  };

  app.register(async (scope) => {
    // Bodies are left unread: nephele streams a PUT's into the drive and reads the XML of the others itself.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    for (const url of [`${DAV_PREFIX}/:projectId`, `${DAV_PREFIX}/:projectId/*`]) {
      scope.route({ method: ROUTE_METHODS, url, config: { access: 'drive.dav' }, handler: serve });
    }
  });
}
