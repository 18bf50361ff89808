// Redirects and discovered addresses are held to the https-unless-loopback rule (issue 19, A.4 and A.5): a platform
// or identity provider that answers with a redirect to plain http elsewhere, or whose discovery names a plain-http
// endpoint elsewhere, is refused, and nothing reaches that address. The https server has a certificate from a CA
// made with openssl; the calls that need it trusted run in a child process (./tls-redirect-probe.ts). "Elsewhere" is
// a plain http server on 127.0.0.2: loopback to the kernel, but not one of the names the rule accepts as this
// machine, so to the code under test it is any host on the network.
// SATRE 2.2.9 (data encrypted in transit): no token, query or key set travels over plain http by a detour.
import { execFile } from 'node:child_process';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EnclaveError } from '../../src/common/errors.ts';
import { discoverIdentityProvider } from '../../src/workstation/sign-in/oidc.ts';
import { makeTestCa, type TestCa } from '../support/test-ca.ts';
import type { RedirectOutcome } from './tls-redirect-probe.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, origin: string) => void;

interface Served {
  readonly origin: string;
  /** "METHOD path (body)" of every request that reached it, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

async function serve(options: { server: HttpServer | HttpsServer; host: string; handle: Handler }): Promise<Served> {
  const { server, host, handle } = options;
  const scheme = server instanceof HttpsServer ? 'https' : 'http';
  const requests: string[] = [];
  let origin = '';
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      requests.push(`${req.method ?? '?'} ${req.url ?? '/'}${body === '' ? '' : ` (${body})`}`);
      handle(req, res, origin);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  origin = `${scheme}://${host}:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(307, { location });
  res.end();
}

/** Discovery metadata for `issuer`, with the endpoints given over the usual ones. */
function metadata(issuer: string, endpoints: Record<string, string> = {}): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ['code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
    ...endpoints,
  };
}

let ca: TestCa;
let elsewhere: Served;
let platform: Served;

beforeAll(async () => {
  ca = makeTestCa('Redirect Test CA');
  // Answers everything as if it were the platform or the issuer: a client that followed a redirect here would succeed.
  elsewhere = await serve({
    server: createHttpServer(),
    host: '127.0.0.2',
    handle: (req, res) => (req.url?.endsWith('/jwks') === true ? json(res, 200, { keys: [] }) : json(res, 200, { status: 'ok' })),
  });
  const certificate = ca.issue('redirecting');
  const https = createHttpsServer({ cert: certificate.certPem, key: certificate.keyPem });
  platform = await serve({
    server: https,
    host: '127.0.0.1',
    handle: (req, res, origin) => {
      const url = req.url ?? '/';
      if (url.startsWith('/api/v1/') || url.startsWith('/oidc/')) redirect(res, `${elsewhere.origin}${url}`);
      else if (url === '/plain-keys/.well-known/openid-configuration')
        json(res, 200, metadata(`${origin}/plain-keys`, { jwks_uri: `${elsewhere.origin}/jwks` }));
      else if (url === '/moved-keys/.well-known/openid-configuration') json(res, 200, metadata(`${origin}/moved-keys`));
      else if (url === '/moved-keys/jwks') redirect(res, `${elsewhere.origin}/jwks`);
      else json(res, 404, { error: { code: 'not_found', message: 'Not here.' } });
    },
  });
});

afterAll(async () => {
  await Promise.all([elsewhere?.close(), platform?.close()]);
  ca?.remove();
});

beforeEach(() => {
  elsewhere.requests.length = 0;
  platform.requests.length = 0;
});

type ProbeReport = Record<
  'health' | 'sessionEvent' | 'discoveryRedirect' | 'plainHttpKeys' | 'movedKeys' | 'workstationDiscovery',
  RedirectOutcome
>;

function runProbe(): Promise<ProbeReport> {
  const probe = path.join(import.meta.dirname, 'tls-redirect-probe.ts');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [probe, ca.caFile, platform.origin], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`the probe failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as ProbeReport);
    });
  });
}

describe('an https platform or issuer that redirects to plain http elsewhere (trusted CA, in a child process)', () => {
  it('is refused by every client, naming the redirect, and nothing reaches the other address', async () => {
    const report = await runProbe();

    // Each request reached the https server (so the CA was trusted and the redirect was answered)...
    expect(platform.requests).toEqual([
      'GET /api/v1/health',
      'POST /api/v1/session-events ({"event":"signed_in"})',
      'GET /oidc/.well-known/openid-configuration',
      'GET /plain-keys/.well-known/openid-configuration',
      'GET /moved-keys/.well-known/openid-configuration',
      'GET /moved-keys/jwks',
      'GET /oidc/.well-known/openid-configuration',
    ]);
    // ...and none went on to plain http: no token, no body, no key-set fetch.
    expect(elsewhere.requests).toEqual([]);

    const platformRefusal = (path: string) =>
      `The platform at ${platform.origin} answered with a redirect to ${elsewhere.origin}${path}; Enclave does not follow redirects: ` +
      "set ENCLAVE_PLATFORM_URL (or the enclave command's --platform) to the platform's own address.";
    expect(report.health).toEqual({ ok: false, code: 'unavailable', message: platformRefusal('/api/v1/health') });
    expect(report.sessionEvent).toEqual({ ok: false, code: 'unavailable', message: platformRefusal('/api/v1/session-events') });

    expect(report.discoveryRedirect).toEqual({
      ok: false,
      code: 'unavailable',
      message:
        `The platform cannot check your sign-in: its identity provider's discovery document at ${platform.origin}/oidc/.well-known/openid-configuration ` +
        `answered with a redirect to ${elsewhere.origin}/oidc/.well-known/openid-configuration, and the platform does not follow redirects. ` +
        "Tell the platform's operator: --oidc-issuer must be the issuer's own address.",
    });
    expect(report.plainHttpKeys).toEqual({
      ok: false,
      code: 'unavailable',
      message:
        `The platform cannot check your sign-in: its identity provider's key set (jwks_uri) ${elsewhere.origin}/jwks is not https ` +
        "(plain http is accepted only on 127.0.0.1, localhost or [::1]), so the platform does not use it. Tell the platform's operator.",
    });
    expect(report.movedKeys).toMatchObject({
      ok: false,
      code: 'unavailable',
      message: expect.stringContaining(
        `its identity provider's key set at ${platform.origin}/moved-keys/jwks answered with a redirect to ${elsewhere.origin}/jwks, ` +
          "and the platform does not follow redirects. Tell the platform's operator: the issuer's discovery document must give its key set's own address (jwks_uri).",
      ),
    });
    expect(report.workstationDiscovery).toMatchObject({
      ok: false,
      code: 'unavailable',
      message: `Finding the identity provider at ${platform.origin}/oidc failed: it answered with a redirect to ${elsewhere.origin}/oidc/.well-known/openid-configuration, and Enclave does not follow redirects. Check the identity provider's address.`,
    });
  });
});

describe("the workstation's discovery of a loopback http issuer (the demo provider's kind)", () => {
  it('refuses an endpoint that is plain http elsewhere, which openid-client would otherwise use', async () => {
    const token = `${elsewhere.origin}/token`;
    const issuerServer = await serve({
      server: createHttpServer(),
      host: '127.0.0.1',
      handle: (_req, res, origin) => json(res, 200, metadata(`${origin}/oidc`, { token_endpoint: token })),
    });
    try {
      const issuer = `${issuerServer.origin}/oidc`;
      const err = await discoverIdentityProvider({ issuer, clientId: 'enclave', audience: null, scopes: ['openid'] }).then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(err).toBeInstanceOf(EnclaveError);
      expect((err as EnclaveError).toValue()).toEqual({
        code: 'unavailable',
        message:
          `Finding the identity provider at ${issuer} failed: its token_endpoint (${token}) is not https (plain http is allowed only on ` +
          '127.0.0.1, localhost or [::1]), so Enclave does not use it. Tell whoever runs the identity provider.',
      });
      expect(issuerServer.requests).toEqual(['GET /oidc/.well-known/openid-configuration']);
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await issuerServer.close();
    }
  });

  it('accepts one whose endpoints are all on this machine', async () => {
    const issuerServer = await serve({
      server: createHttpServer(),
      host: '127.0.0.1',
      handle: (_req, res, origin) =>
        json(res, 200, metadata(`${origin}/oidc`, { device_authorization_endpoint: `${origin.replace('127.0.0.1', 'localhost')}/device` })),
    });
    try {
      const provider = await discoverIdentityProvider({
        issuer: `${issuerServer.origin}/oidc`,
        clientId: 'enclave',
        audience: null,
        scopes: ['openid'],
      });
      expect(provider.browserOrigins).toEqual([issuerServer.origin]);
    } finally {
      await issuerServer.close();
    }
  });
});
