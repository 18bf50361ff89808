// A load balancer for tests of several platform instances: an HTTP proxy on 127.0.0.1 that sends each request (not
// each connection) to the next backend in turn, with no session affinity, as issue 19 C asks the platform to live
// behind. It keeps the method, the path and query, and the headers the client sent (the Host too, so the platform sees
// its public Host), less the hop-by-hop ones (RFC 9110 §7.6.1); it streams both bodies (server-sent events pass
// through as they come), and never follows a redirect. The backend is reached from the client's own loopback address,
// as a transparent proxy would, so the platform counts each client's sign-in budget by that client's address (the
// README asks a load balancer to preserve it). A backend that cannot be reached answers 502, and the next request
// goes to the next backend. Every answer is recorded with the backend that gave it, so a test can assert where each
// step landed.
import { request, createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { isIPv4 } from 'node:net';

/** One request as the proxy passed it on. */
export interface ProxiedRequest {
  readonly method: string;
  /** Path and query, as the client sent them. */
  readonly path: string;
  /** Which backend it went to: an index into the backends at the time. */
  readonly backend: number;
  /** The backend's status, or 502 when it could not be reached. */
  readonly status: number;
}

export interface RoundRobinProxy {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  /** The backends' base URLs (http://127.0.0.1:PORT), in turn order; replaces the list and starts the turn again at 0. */
  setBackends(urls: readonly string[]): void;
  /** Every request so far, in the order the proxy sent them on. */
  served(): readonly ProxiedRequest[];
  /** The requests sent on from position `from` of served() (see mark()). */
  since(from: number): readonly ProxiedRequest[];
  /** The position the next request will take in served(). */
  mark(): number;
  close(): Promise<void>;
}

/** Hop-by-hop headers: about one connection, never passed on (and any the Connection header names). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** The raw header pairs (order, case and repeats kept) less the hop-by-hop ones. */
function endToEnd(rawHeaders: readonly string[], connection: string | string[] | undefined): string[] {
  const named = new Set(
    [connection ?? []]
      .flat()
      .flatMap((value) => value.split(','))
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== ''),
  );
  const kept: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (!HOP_BY_HOP.has(name) && !named.has(name)) kept.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  return kept;
}

/** The same pairs as an object for writeHead, repeated names as arrays (set-cookie). */
function asHeaders(pairs: readonly string[]): OutgoingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const name = pairs[i];
    const earlier = headers[name];
    headers[name] = earlier === undefined ? pairs[i + 1] : [earlier, pairs[i + 1]].flat();
  }
  return headers;
}

export async function startRoundRobinProxy(initialBackends: readonly string[] = []): Promise<RoundRobinProxy> {
  let backends = initialBackends.map((url) => new URL(url));
  let turn = 0;
  const log: ProxiedRequest[] = [];

  function forward(incoming: IncomingMessage, outgoing: ServerResponse): void {
    const method = incoming.method ?? 'GET';
    const target = incoming.url ?? '/';
    if (backends.length === 0) {
      outgoing.writeHead(502, { 'content-type': 'text/plain' }).end('no backends');
      return;
    }
    const backend = turn % backends.length;
    turn += 1;
    const base = backends[backend];
    const position = log.length;
    log.push({ method, path: target, backend, status: 0 });
    const record = (status: number): void => {
      log[position] = { method, path: target, backend, status };
    };
    const client = incoming.socket.remoteAddress;
    const upstream = request({
      host: base.hostname,
      port: base.port,
      method,
      path: target,
      headers: endToEnd(incoming.rawHeaders, incoming.headers.connection),
      // A connection per request: nothing ties a client's next request to this backend.
      agent: false,
      ...(client !== undefined && isIPv4(client) && client.startsWith('127.') ? { localAddress: client } : {}),
    });
    upstream.on('response', (answer) => {
      record(answer.statusCode ?? 0);
      outgoing.writeHead(answer.statusCode ?? 502, answer.statusMessage, asHeaders(endToEnd(answer.rawHeaders, answer.headers.connection)));
      // Each chunk as it comes: server-sent events must not wait for the end of the stream.
      outgoing.flushHeaders();
      answer.pipe(outgoing);
      answer.on('error', () => outgoing.destroy());
    });
    upstream.on('error', () => {
      if (outgoing.headersSent) {
        outgoing.destroy();
        return;
      }
      record(502);
      outgoing
        .writeHead(502, { 'content-type': 'text/plain', connection: 'close' })
        .end(`backend ${backend} (${base.host}) did not answer`);
    });
    // The client went away: so does the request to the backend (an event stream would otherwise stay open there).
    outgoing.on('close', () => {
      if (!outgoing.writableFinished) upstream.destroy();
    });
    incoming.pipe(upstream);
  }

  const server: Server = createServer(forward);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy did not get a port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    setBackends(urls) {
      backends = urls.map((url) => new URL(url));
      turn = 0;
    },
    served: () => log.slice(),
    since: (from) => log.slice(from),
    mark: () => log.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
