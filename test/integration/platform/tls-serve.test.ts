// `enclave platform serve` on the network (issue 19 A.1–A.3, C.3), as a child process with real TLS: certificates
// from a private CA made with openssl (test/support/test-ca.ts), Node's own TLS client deciding what it trusts. A
// non-loopback address needs TLS; the certificate is renewed without a restart (SIGHUP, or a periodic look at the
// files) while open connections keep theirs, and a pair that fails its checks never replaces the one in use; HSTS
// goes only to DNS names over TLS; SIGTERM drains, and a SIGHUP during the drain does not cut it short. SATRE 2.2.8
// (data encrypted in transit) is what this shows.
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls, { type TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makePrivate } from '../../support/private-tree.ts';
import { makeTestCa, type IssuedCertificate, type TestCa } from '../../support/test-ca.ts';
import { signIn } from '../identity/support.ts';
import { createPlatformFixture, type PlatformFixture } from './fixture.ts';
import { firstLine, runEnclave, serveInProcess, type Run } from './serve-process.ts';

const PUBLIC_NAME = 'enclave.test';
const HEALTH_CHECK_NAME = 'health.internal';
const NAMES = [PUBLIC_NAME, HEALTH_CHECK_NAME, 'localhost', '127.0.0.1'];
const HSTS = 'max-age=31536000';
/** Across processes: a reload that retries takes about 2 s (3 tries, 1 s apart). */
const SLOW = { timeout: 20_000, interval: 50 };

let ca: TestCa;
let first: IssuedCertificate;
let second: IssuedCertificate;
let expiringSoon: IssuedCertificate;

beforeAll(() => {
  ca = makeTestCa();
  first = ca.issue('first', { names: NAMES });
  second = ca.issue('second', { names: NAMES });
  expiringSoon = ca.issue('expiring-soon', { names: NAMES, days: 5 });
});

afterAll(() => {
  ca.remove();
});

let fixture: PlatformFixture;
let tlsDir: string;
let certFile: string;
let keyFile: string;
const runs: Run[] = [];

/** Writes a file whole, then renames it into place: what a renewal tool does (certbot, cert-manager). */
async function install(file: string, content: string): Promise<void> {
  await writeFile(`${file}.new`, content, { mode: 0o600 });
  await rename(`${file}.new`, file);
}

async function installPair(pair: IssuedCertificate): Promise<void> {
  await install(certFile, pair.certPem);
  await install(keyFile, pair.keyPem);
}

beforeEach(async () => {
  fixture = await createPlatformFixture();
  await makePrivate(fixture.dataDir);
  tlsDir = await mkdtemp(path.join(os.tmpdir(), 'enclave-tls-serve-'));
  certFile = path.join(tlsDir, 'server.crt');
  keyFile = path.join(tlsDir, 'server.key');
  await installPair(first);
});

afterEach(async () => {
  for (const run of runs.splice(0)) run.child.kill('SIGKILL');
  await rm(tlsDir, { recursive: true, force: true });
  await fixture.cleanup();
});

interface Listening {
  event: string;
  url: string;
  listeningOn?: string;
}

async function startServe(args: string[]): Promise<{ run: Run; line: Listening; port: number }> {
  const run = runEnclave(['platform', 'serve', '--data-dir', fixture.dataDir, '--port', '0', ...args]);
  runs.push(run);
  const line = JSON.parse(await firstLine(run)) as Listening;
  return { run, line, port: Number(new URL(line.listeningOn ?? line.url).port) };
}

const TLS_FLAGS = (): string[] => ['--tls-cert', certFile, '--tls-key', keyFile];

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The serial of the certificate the connection was made with. */
  serial: string;
  reusedSocket: boolean;
}

/**
 * GET over TLS to 127.0.0.1:port, with the Host header set to `name` (and the TLS server name to its name part, for a DNS name). A new
 * connection unless `agent` keeps one alive. `tlsName` sends another TLS server name than the Host header's. `trust` is the CA to trust; without it, Node's default roots.
 */
function get(options: {
  port: number;
  name?: string;
  tlsName?: string;
  path?: string;
  trust?: string;
  agent?: https.Agent;
}): Promise<Answer> {
  const name = options.name ?? '127.0.0.1';
  const serverName = options.tlsName ?? name.replace(/:\d+$/, '');
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        host: '127.0.0.1',
        port: options.port,
        path: options.path ?? '/api/v1/health',
        headers: { host: name },
        // An IP address is no TLS server name (RFC 6066); Node then checks the address against the certificate.
        ...(net.isIP(serverName) === 0 ? { servername: serverName } : {}),
        ...(options.trust === undefined ? {} : { ca: options.trust }),
        agent: options.agent ?? false,
      },
      (response) => {
        const serial = (response.socket as TLSSocket).getPeerCertificate().serialNumber;
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body, serial, reusedSocket: request.reusedSocket }),
        );
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/** The serial a new TLS connection is served. */
const servedSerial = async (port: number): Promise<string> => (await get({ port, trust: ca.caPem })).serial;

type LogEntry = Record<string, unknown> & { msg?: string };

/** The platform's JSON log lines (stderr) whose message contains `text`. */
function logged(run: Run, text: string): LogEntry[] {
  return run
    .stderr()
    .split('\n')
    .flatMap((line): LogEntry[] => {
      try {
        const entry = JSON.parse(line) as unknown;
        return typeof entry === 'object' && entry !== null ? [entry as LogEntry] : [];
      } catch {
        return [];
      }
    })
    .filter((entry) => typeof entry.msg === 'string' && entry.msg.includes(text));
}

const RELOADED = 'TLS certificate reloaded.';
const NOT_RELOADED = 'The TLS certificate was not reloaded';
const RETRYING = 'not usable yet (try 1 of 3)';

describe('enclave platform serve refuses to serve in a way others could attack (in process: nothing starts)', () => {
  it.each(['0.0.0.0', '::', '192.168.1.10'])('refuses --host %s without TLS, saying what serving others needs', async (host) => {
    const run = await serveInProcess(['--data-dir', fixture.dataDir, '--host', host]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--host ${host} is not a loopback address.`);
    expect(run.stderr).toContain('To serve other machines give --tls-cert FILE and --tls-key FILE');
    expect(run.stdout).toBe('');
  });

  it('refuses a key file other OS users can read, naming its mode and the fix, and opens nothing', async () => {
    await chmod(keyFile, 0o640);
    const run = await serveInProcess(['--data-dir', fixture.dataDir, ...TLS_FLAGS()]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`The TLS key file ${keyFile} can be read by other users (mode 0640). Run \`chmod 600 ${keyFile}\``);
    expect(run.stdout).toBe('');
    expect(existsSync(path.join(fixture.dataDir, 'metadata.sqlite'))).toBe(false);
  });

  it('refuses a key that does not belong to the certificate, a half-written certificate, one not naming the public URL, and a missing file', async () => {
    await install(keyFile, second.keyPem);
    const mismatched = await serveInProcess(['--data-dir', fixture.dataDir, ...TLS_FLAGS()]);
    expect(mismatched.code).toBe(1);
    expect(mismatched.stderr).toContain(
      `The TLS key in ${keyFile} does not belong to the certificate in ${certFile} (serial ${first.serial})`,
    );

    await installPair(first);
    await install(certFile, first.certPem.slice(0, first.certPem.length / 2));
    const half = await serveInProcess(['--data-dir', fixture.dataDir, ...TLS_FLAGS()]);
    expect(half.code).toBe(1);
    expect(half.stderr).toContain(`The TLS certificate file ${certFile} could not be read as a PEM certificate (is it complete?)`);

    await installPair(first);
    const elsewhere = await serveInProcess(['--data-dir', fixture.dataDir, ...TLS_FLAGS(), '--public-url', 'https://enclave.example.org']);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain(`does not name enclave.example.org, the host of the public URL`);

    await rm(keyFile);
    const missing = await serveInProcess(['--data-dir', fixture.dataDir, ...TLS_FLAGS()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`The TLS key file ${keyFile} does not exist.`);
    expect(existsSync(path.join(fixture.dataDir, 'metadata.sqlite'))).toBe(false);
  });
});

describe('enclave platform serve with TLS', () => {
  it('listens on every interface with a private-CA certificate: trusted with the CA, refused without it', async () => {
    const { run, line, port } = await startServe([
      '--host',
      '0.0.0.0',
      ...TLS_FLAGS(),
      '--public-url',
      `https://${PUBLIC_NAME}`,
      '--allow-host',
      HEALTH_CHECK_NAME,
    ]);
    expect(line).toEqual({ event: 'listening', url: `https://${PUBLIC_NAME}`, listeningOn: `https://0.0.0.0:${port}` });

    const health = await get({ port, name: PUBLIC_NAME, trust: ca.caPem });
    expect(health.status).toBe(200);
    expect(health.serial).toBe(first.serial);
    // The embedded provider's issuer is the public URL, whatever address the request came in on.
    expect((JSON.parse(health.body) as { identity: { issuer: string } }).identity.issuer).toBe(`https://${PUBLIC_NAME}/oidc`);
    const discovery = await get({ port, name: PUBLIC_NAME, path: '/oidc/.well-known/openid-configuration', trust: ca.caPem });
    expect((JSON.parse(discovery.body) as { issuer: string }).issuer).toBe(`https://${PUBLIC_NAME}/oidc`);

    // A client that does not trust the private CA refuses the platform; nothing is answered to it.
    const untrusted = await get({ port, name: PUBLIC_NAME }).then(
      () => 'answered',
      (err: NodeJS.ErrnoException) => err.code,
    );
    expect(untrusted).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED/);

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('sends HSTS only to DNS names it answers to: not to 127.0.0.1, localhost, or a name it refuses', async () => {
    const { run, port } = await startServe([
      ...TLS_FLAGS(),
      '--public-url',
      `https://${PUBLIC_NAME}:8443`,
      '--allow-host',
      HEALTH_CHECK_NAME,
    ]);
    const trust = ca.caPem;
    const publicName = await get({ port, name: `${PUBLIC_NAME}:8443`, trust });
    expect(publicName.status).toBe(200);
    expect(publicName.headers['strict-transport-security']).toBe(HSTS);
    const healthCheck = await get({ port, name: HEALTH_CHECK_NAME, trust });
    expect(healthCheck.headers['strict-transport-security']).toBe(HSTS);
    // The identity provider's own answers (which bypass the platform's reply hooks) carry it too.
    const discovery = await get({ port, name: PUBLIC_NAME, path: '/oidc/.well-known/openid-configuration', trust });
    expect(discovery.status).toBe(200);
    expect(discovery.headers['strict-transport-security']).toBe(HSTS);

    for (const name of ['127.0.0.1', `127.0.0.1:${port}`, 'localhost', `localhost:${port}`]) {
      const answer = await get({ port, name, trust });
      expect(answer.status, name).toBe(200);
      expect(answer.headers['strict-transport-security'], name).toBeUndefined();
    }
    // A page whose DNS name was rebound to the platform: the browser would refuse the certificate, and the platform the Host.
    const refused = await get({ port, name: 'evil.test', tlsName: PUBLIC_NAME, trust });
    expect(refused.status).toBe(403);
    expect(refused.headers['strict-transport-security']).toBeUndefined();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('never sends HSTS over plain http, even to a DNS name it answers to', async () => {
    const { run, line, port } = await startServe(['--allow-host', PUBLIC_NAME]);
    expect(line.url).toBe(`http://127.0.0.1:${port}`);
    const answer = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/api/v1/health', headers: { host: PUBLIC_NAME } }, resolve).on('error', reject);
    });
    answer.resume();
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['strict-transport-security']).toBeUndefined();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('on SIGHUP serves renewed files to new connections while an open one keeps working, and never a pair that fails its checks', async () => {
    await installPair(expiringSoon);
    const { run, line, port } = await startServe(TLS_FLAGS());
    expect(line.url).toBe(`https://127.0.0.1:${port}`);
    // At start: the certificate in use, and a warning, since fewer than 14 days remain.
    expect(logged(run, 'Serving TLS with this certificate.')[0]).toMatchObject({ serial: expiringSoon.serial, daysLeft: 4 });
    expect(logged(run, `The TLS certificate (serial ${expiringSoon.serial}) expires in 4 days`)).toHaveLength(1);

    const keptAlive = new https.Agent({ keepAlive: true, maxSockets: 1, ca: ca.caPem });
    try {
      const before = await get({ port, trust: ca.caPem, agent: keptAlive });
      expect(before).toMatchObject({ status: 200, serial: expiringSoon.serial, reusedSocket: false });

      // A new certificate with the old key: refused after its tries, and the old one stays.
      await install(certFile, second.certPem);
      run.child.kill('SIGHUP');
      await expect.poll(() => logged(run, NOT_RELOADED), SLOW).toHaveLength(1);
      expect(logged(run, NOT_RELOADED)[0].msg).toContain(`The TLS key in ${keyFile} does not belong to the certificate in ${certFile}`);
      expect(logged(run, NOT_RELOADED)[0].msg).toContain(`The certificate in use (serial ${expiringSoon.serial}`);
      expect(await servedSerial(port)).toBe(expiringSoon.serial);

      // A certificate file cut off mid-write (and never finished): refused the same way.
      await install(keyFile, second.keyPem);
      await install(certFile, second.certPem.slice(0, second.certPem.length / 2));
      run.child.kill('SIGHUP');
      await expect.poll(() => logged(run, NOT_RELOADED), SLOW).toHaveLength(2);
      expect(logged(run, NOT_RELOADED)[1].msg).toContain('could not be read as a PEM certificate (is it complete?)');
      expect(await servedSerial(port)).toBe(expiringSoon.serial);

      // Finished while the reload is waiting between tries: the next try takes it.
      const retriesBefore = logged(run, RETRYING).length;
      run.child.kill('SIGHUP');
      await expect.poll(() => logged(run, RETRYING).length, SLOW).toBe(retriesBefore + 1);
      await install(certFile, second.certPem);
      await expect.poll(() => logged(run, RELOADED), SLOW).toHaveLength(1);
      expect(logged(run, RELOADED)[0]).toMatchObject({
        trigger: 'SIGHUP',
        serial: second.serial,
        notAfter: expect.any(String),
        daysLeft: 19,
      });
      expect(logged(run, NOT_RELOADED)).toHaveLength(2);
      // The renewed certificate has 20 days: no new warning.
      expect(logged(run, 'expires in')).toHaveLength(1);

      expect(await servedSerial(port)).toBe(second.serial);
      // The connection made before the reload still works, on the certificate it was made with.
      const after = await get({ port, trust: ca.caPem, agent: keptAlive });
      expect(after).toMatchObject({ status: 200, serial: expiringSoon.serial, reusedSocket: true });
    } finally {
      keptAlive.destroy();
    }
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('takes renewed files at its periodic look, without a signal', async () => {
    const { run, port } = await startServe([...TLS_FLAGS(), '--tls-check-interval', '1']);
    expect(await servedSerial(port)).toBe(first.serial);
    await installPair(second);
    await expect.poll(() => servedSerial(port), SLOW).toBe(second.serial);
    expect(logged(run, RELOADED)).toEqual([expect.objectContaining({ trigger: 'files changed', serial: second.serial })]);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });
});

/** Everything a raw connection receives, as text so far. */
function received(socket: net.Socket): () => string {
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  return () => text;
}

/** Whether a new TCP connection to the port is refused now. */
function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

describe('enclave platform serve draining on SIGTERM', () => {
  it('finishes the request under way, answers a new request 503 with the API error and closes, and refuses new connections', async () => {
    const { run, line, port } = await startServe([]);
    const platform = { url: line.url, issuer: `${line.url}/oidc` } as Parameters<typeof signIn>[0]['platform'];
    const tokens = await signIn({ platform, username: 'demo-analyst', password: 'ada-demo-pass' });
    const host = `127.0.0.1:${port}`;

    // A kept-alive connection, answered once, that has begun its next request: its headers are not finished.
    const next = net.connect(port, '127.0.0.1');
    await once(next, 'connect');
    const nextText = received(next);
    next.write(`GET /api/v1/health HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    await expect.poll(() => nextText(), SLOW).toContain('"status":"ok"');
    next.write(`GET /api/v1/health HTTP/1.1\r\nHost: ${host}\r\n`);

    // A request under way: its body only half sent.
    const body = JSON.stringify({ event: 'unlocked' });
    const slow = net.connect(port, '127.0.0.1');
    await once(slow, 'connect');
    const slowText = received(slow);
    slow.write(
      `POST /api/v1/session-events HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${tokens.access_token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 5)}`,
    );
    // The platform logs each request once it has its headers; the other connection's bytes were sent before these.
    await expect.poll(() => run.stderr(), SLOW).toContain('"url":"/api/v1/session-events"');

    run.child.kill('SIGTERM');
    await expect.poll(() => refusesConnections(port), SLOW).toBe(true);

    // Both requests finished now, at once (the platform cuts what is still open 3 s after it began to stop).
    const nextEnded = once(next, 'end');
    const slowEnded = once(slow, 'end');
    next.write('\r\n');
    slow.write(body.slice(5));
    await Promise.all([nextEnded, slowEnded]);

    // The request begun on the kept-alive connection: 503, the API's error shape, and the connection closed.
    const stopping = nextText().slice(nextText().lastIndexOf('HTTP/1.1 '));
    expect(stopping).toMatch(/^HTTP\/1\.1 503 /);
    expect(stopping).toMatch(/\r\nconnection: close\r\n/i);
    expect(JSON.parse(stopping.slice(stopping.indexOf('\r\n\r\n') + 4))).toEqual({
      error: { code: 'unavailable', message: 'The platform is stopping; try again in a moment.' },
    });
    // The request under way completes, and its connection is closed after the answer.
    expect(slowText()).toMatch(/^HTTP\/1\.1 204 /);
    expect(slowText()).toMatch(/\r\nconnection: close\r\n/i);

    expect(await run.exited).toBe(0);
    expect(run.stderr()).toContain('SIGTERM received, stopping');
  });

  it("takes a SIGHUP during the drain (a renewal tool's reload) and does nothing: the answer under way finishes, and it exits 0", async () => {
    const { run, port } = await startServe(TLS_FLAGS());
    // A request under way over TLS: a public route that reads its body (the identity provider's token endpoint), half sent.
    const socket = tls.connect({ host: '127.0.0.1', port, ca: ca.caPem });
    socket.on('error', () => undefined);
    await once(socket, 'secureConnect');
    const text = received(socket);
    const body = 'grant_type=refresh_token&refresh_token=none&client_id=enclave-workstation';
    socket.write(
      `POST /oidc/token HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
        `Content-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    );
    await expect.poll(() => run.stderr(), SLOW).toContain('"url":"/oidc/token"');

    run.child.kill('SIGTERM');
    await expect.poll(() => run.stderr(), SLOW).toContain('SIGTERM received, stopping');
    // SIGHUP's default would end the process here, cutting the answer under way.
    run.child.kill('SIGHUP');
    await expect.poll(() => run.stderr(), SLOW).toContain('SIGHUP received while stopping; nothing is reloaded');

    const ended = once(socket, 'end');
    socket.write(body.slice(5));
    await ended;
    expect(text()).toMatch(/^HTTP\/1\.1 [1-5]\d\d /);
    expect(await run.exited).toBe(0);
    expect(logged(run, RELOADED)).toEqual([]);
  });
});
