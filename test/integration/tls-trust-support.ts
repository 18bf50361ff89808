// What the TLS trust tests serve: a Node https server with a certificate from a test CA (test/support/test-ca.ts),
// answering the platform's health route and its identity provider's discovery the way the real platform does, and
// recording what reached it (so a test can tell "refused before sending" from "sent and refused"). Plus the probe: a
// child process that applies a CA bundle and reports what its clients then do, so the process-wide trust never
// leaks into the test runner's process.
import { execFile } from 'node:child_process';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { IssuedCertificate } from '../support/test-ca.ts';

export interface TlsPlatform {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  /** The paths asked for, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

function listening(server: Server | HttpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function closing(server: Server | HttpServer): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The platform's health answer and its embedded issuer's discovery, over TLS with `certificate`. */
export async function startTlsPlatform(certificate: IssuedCertificate, options: { issuer?: string } = {}): Promise<TlsPlatform> {
  const requests: string[] = [];
  let origin = '';
  const server = createServer({ cert: certificate.certPem, key: certificate.keyPem }, (req, res) => {
    const url = req.url ?? '/';
    requests.push(url);
    const issuer = options.issuer ?? `${origin}/oidc`;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url === '/api/v1/health') {
      json(200, { status: 'ok', name: 'TLS test platform', mode: 'test', identity: { issuer, clientId: 'enclave-cli', audience: null } });
    } else if (url === '/oidc/.well-known/openid-configuration') {
      json(200, {
        issuer: `${origin}/oidc`,
        authorization_endpoint: `${origin}/oidc/auth`,
        token_endpoint: `${origin}/oidc/token`,
        device_authorization_endpoint: `${origin}/oidc/device/auth`,
        jwks_uri: `${origin}/oidc/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
      });
    } else {
      json(404, { error: { code: 'not_found', message: 'Not here.' } });
    }
  });
  // A client that refuses the certificate ends the handshake with an alert: that is the test, not a fault.
  server.on('tlsClientError', () => undefined);
  const port = await listening(server);
  origin = `https://127.0.0.1:${port}`;
  return { url: origin, requests, close: () => closing(server) };
}

/** A plain http server: what an https:// URL reaches when the port is the wrong one. */
export async function startPlainHttp(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createHttpServer((_req, res) => res.end('plain'));
  const port = await listening(server);
  return { url: `https://127.0.0.1:${port}`, close: () => closing(server) };
}

/** A port nothing listens on (just closed). */
export async function closedPort(): Promise<number> {
  const server = createHttpServer();
  const port = await listening(server);
  await closing(server);
  return port;
}

/** What one client did in the probe: 'ok' (status 200), or the error's code and message. */
export interface ProbeOutcome {
  readonly ok: boolean;
  readonly code: string | null;
  readonly message: string | null;
}

export interface ProbeReport {
  /** Before the bundle is applied. */
  readonly before: { readonly fetch: ProbeOutcome; readonly https: ProbeOutcome };
  /** The bundle's log line, or the refusal. */
  readonly trust: string;
  readonly applied: string | null;
  /** After it is applied (twice), per URL given. */
  readonly after: readonly {
    readonly url: string;
    readonly fetch: ProbeOutcome;
    readonly https: ProbeOutcome;
    /** The workstation's platform client: health(). */
    readonly client: ProbeOutcome;
    /** openid-client's discovery of `${url}/oidc`. */
    readonly discovery: ProbeOutcome;
  }[];
}

const PROBE = path.join(import.meta.dirname, 'tls-trust-probe.ts');

/** Runs the probe in its own process: the first URL is asked before the bundle is applied, every URL after. */
export function runProbe(options: { caFile: string; urls: readonly string[] }): Promise<ProbeReport> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [PROBE, options.caFile, ...options.urls], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`the probe failed: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as ProbeReport);
    });
  });
}
