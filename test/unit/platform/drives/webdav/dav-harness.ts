// A Fastify server with only the WebDAV mount, over the fake drive service, listening on 127.0.0.1, and a client that
// speaks raw HTTP (WebDAV's methods, any header, a body that never comes). Three people: Ada and Grace share project
// "alpha"; Alan is in project "beta" only. Each has a Bearer token ("token-<id>") and an app password for their project.
// A test may make the next requests look as if they came from another address, or over TLS.
import http from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { EnclaveError } from '../../../../../src/common/errors.ts';
import { registerWebDav } from '../../../../../src/platform/drives/webdav/register.ts';
import { FakeDriveService, type FakeAppPassword } from './fake-drive-service.ts';

export interface DavAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

export interface DavRequest {
  readonly method: string;
  /** The request target exactly as sent (not normalised). */
  readonly path: string;
  readonly headers?: Record<string, string | number>;
  readonly body?: string | Buffer;
  /** Whose Bearer token to send (default Ada's); null sends no Authorization (unless headers has one). */
  readonly as?: 'ada' | 'grace' | 'alan' | null;
}

export interface DavHarness {
  readonly drives: FakeDriveService;
  readonly port: number;
  readonly passwords: { readonly ada: FakeAppPassword; readonly grace: FakeAppPassword; readonly alan: FakeAppPassword };
  /** People whom `admit` refuses (suspended). */
  readonly suspended: Set<string>;
  /** How the next requests appear to arrive: another remote address, or over TLS. */
  transport: { remoteAddress?: string; encrypted?: boolean };
  request(request: DavRequest): Promise<DavAnswer>;
  close(): Promise<void>;
}

export function basic(password: FakeAppPassword, secret = password.secret): string {
  return `Basic ${Buffer.from(`${password.username}:${secret}`).toString('base64')}`;
}

export async function startDavHarness(): Promise<DavHarness> {
  const drives = new FakeDriveService();
  drives.addPerson('ada', 'Ada Lovelace');
  drives.addPerson('grace', 'Grace Hopper');
  drives.addPerson('alan', 'Alan Turing');
  drives.addDrive('alpha', ['ada', 'grace']);
  drives.addDrive('beta', ['alan']);
  const passwords = {
    ada: drives.addAppPassword({ projectId: 'alpha', username: 'ada', secret: 'ada-alpha-secret', userId: 'ada' }),
    grace: drives.addAppPassword({ projectId: 'alpha', username: 'grace', secret: 'grace-alpha-secret', userId: 'grace' }),
    alan: drives.addAppPassword({ projectId: 'beta', username: 'alan', secret: 'alan-beta-secret', userId: 'alan' }),
  };
  const suspended = new Set<string>();
  const app: FastifyInstance = Fastify({ exposeHeadRoutes: false });
  const harness = {
    drives,
    passwords,
    suspended,
    transport: {} as { remoteAddress?: string; encrypted?: boolean },
  };
  app.addHook('onRequest', async (request) => {
    const socket = request.raw.socket;
    if (harness.transport.remoteAddress !== undefined) {
      Object.defineProperty(socket, 'remoteAddress', { value: harness.transport.remoteAddress, configurable: true });
    }
    if (harness.transport.encrypted !== undefined) {
      Object.defineProperty(socket, 'encrypted', { value: harness.transport.encrypted, configurable: true });
    }
  });
  registerWebDav(app, {
    drives,
    bearer: async (headers) => {
      const token = /^Bearer token-([a-z]+)$/.exec(headers.authorization ?? '')?.[1];
      const principal = token === undefined ? undefined : drives.people.get(token);
      if (principal === undefined) throw new EnclaveError('unauthenticated', 'Your sign-in has expired. Sign in again.');
      return principal;
    },
    admit: async (principal) => {
      if (suspended.has(principal.user.id)) throw new EnclaveError('suspended', 'Your access is suspended by an administrator.');
    },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('The WebDAV test server did not listen on a port.');
  const port = address.port;

  function request(options: DavRequest): Promise<DavAnswer> {
    const who = options.as === undefined ? 'ada' : options.as;
    const headers: Record<string, string | number> = { host: `127.0.0.1:${port}`, ...(options.headers ?? {}) };
    if (who !== null && headers.authorization === undefined) headers.authorization = `Bearer token-${who}`;
    if (options.body !== undefined && headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) {
      headers['content-length'] = Buffer.byteLength(options.body);
    }
    return new Promise((resolve, reject) => {
      const sent = http.request(
        { host: '127.0.0.1', port, method: options.method, path: options.path, headers, agent: false },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () =>
            resolve({ status: answer.statusCode ?? 0, headers: answer.headers, text: Buffer.concat(chunks).toString('utf8') }),
          );
          answer.on('error', reject);
        },
      );
      sent.on('error', reject);
      sent.end(options.body);
    });
  }

  return Object.assign(harness, { port, request, close: () => app.close() });
}

/** The message of the platform's JSON error body. */
export function errorMessage(answer: DavAnswer): string {
  const body = JSON.parse(answer.text) as { error?: { message?: string } };
  return body.error?.message ?? '';
}

export function errorCode(answer: DavAnswer): string {
  const body = JSON.parse(answer.text) as { error?: { code?: string } };
  return body.error?.code ?? '';
}
