// Attacks on the browser shell (src/web): who may connect, what may be read, what the browser is told.
// SATRE statements: 1.5.05 (robust and secure applications to authenticate users), 3.1.12 (prevent unauthorised
// data ingress or egress), 2.2.10 (no connectivity between users: other local users and web pages).
// The session is a secret the page sends in a header (never a cookie: cookies ignore ports), traded once for the
// one-time code of the launch URL's fragment; connections from another OS user's programs are refused first.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CALL_BODY_BYTES, LARGEST_CALL_BODY_BYTES, SQL_CALL_BODY_BYTES } from '../../../src/common/contract.ts';
import type { Handlers } from '../../../src/common/dispatch.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { startBrowserShell, type BrowserShell } from '../../../src/web/browser-shell.ts';
import { createEventHub } from '../../../src/workstation/event-hub.ts';
import { createPeerCheck } from '../../../src/workstation/serving/peer-owner.ts';
import { otherUser, runNodeAsOtherUser } from '../../support/other-user.ts';
import { firstChunk, rawRequest, type RawResponse } from './http-helpers.ts';
import {
  STUB_ADMIN_HANDLERS,
  STUB_PROJECT,
  STUB_SESSION,
  STUB_SESSION_HANDLERS,
  STUB_WORKSPACE_HANDLERS,
  stubCalls,
} from './stub-handlers.ts';

const SECRET = 'TOP-SECRET-PATIENT-ROW';
const INDEX_HTML =
  '<!doctype html><html><head><meta name="csp-nonce" content="__CSP_NONCE__"><script type="module" src="/assets/app.js"></script></head><body></body></html>';

/** How many times a handler ran: a refused request must never reach one. */
let handled = 0;

function stubCore() {
  const events = createEventHub();
  events.emit('platform.status', { state: 'ready', message: 'Connected to the stub platform.' });
  const handlers: Handlers = {
    'session.get': async () => {
      handled += 1;
      return STUB_SESSION;
    },
    ...STUB_SESSION_HANDLERS,
    ...STUB_WORKSPACE_HANDLERS,
    ...STUB_ADMIN_HANDLERS,
    'projects.list': async () => [],
    'catalogue.get': async ({ projectId }) => {
      throw new EnclaveError('not_found', `There is no project ${projectId}.`);
    },
    'dataset.sample': async () => new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
    'platform.query': async () => new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
  };
  return { handlers, events, calls: stubCalls(events) };
}

let root: string;
let rendererDir: string;
let shell: BrowserShell;
let port: number;
let secret: string;
const others: BrowserShell[] = [];

/** The one-time code of a launch URL: it travels in the fragment, which the browser never sends. */
function codeOf(launchUrl: string): string {
  return new URL(launchUrl).hash.replace(/^#launch=/, '');
}

/** What the page does with the code: POST it, from its own origin, to the session endpoint. */
function redeem(target: BrowserShell, code: string, extra: Record<string, string> = {}): Promise<RawResponse> {
  const p = new URL(target.url).port;
  return rawRequest({
    port: Number(p),
    method: 'POST',
    path: '/api/session',
    headers: { host: `127.0.0.1:${p}`, origin: `http://127.0.0.1:${p}`, 'x-enclave-launch': code, ...extra },
  });
}

async function openSession(target: BrowserShell, launchUrl = target.launchUrl): Promise<string> {
  const response = await redeem(target, codeOf(launchUrl));
  return String((JSON.parse(response.body.toString('utf8')) as { value?: { session?: string } }).value?.session);
}

function authed(extra: Record<string, string> = {}): Record<string, string> {
  return { host: `127.0.0.1:${port}`, 'x-enclave-session': secret, ...extra };
}

function invoke(method: string, body: string, extra: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest({
    port,
    method: 'POST',
    path: `/api/invoke/${method}`,
    headers: authed({ origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json', ...extra }),
    body,
  });
}

type Answer = { ok: boolean; value?: unknown; error?: { code: string; message: string } };

function json(response: RawResponse): Answer {
  return JSON.parse(response.body.toString('utf8')) as Answer;
}

beforeEach(async () => {
  handled = 0;
  root = await mkdtemp(join(tmpdir(), 'enclave-web-shell-'));
  rendererDir = join(root, 'renderer');
  await mkdir(join(rendererDir, 'assets'), { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), INDEX_HTML);
  await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log("app");');
  await writeFile(join(rendererDir, 'assets', 'duckdb-browser-eh.worker.js'), 'self.onmessage = () => {};');
  await writeFile(join(rendererDir, 'assets', 'duckdb-eh.wasm'), Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  await writeFile(join(rendererDir, '.env'), `TOKEN=${SECRET}`);
  await writeFile(join(root, 'secret.txt'), SECRET);
  // Symlinks inside the renderer folder that lead out of it.
  await symlink(join(root, 'secret.txt'), join(rendererDir, 'assets', 'escape.txt'));
  await symlink(root, join(rendererDir, 'linked'));

  shell = await startBrowserShell({ core: stubCore(), rendererDir, port: 0 });
  port = Number(new URL(shell.url).port);
  secret = await openSession(shell);
});

afterEach(async () => {
  for (const other of others.splice(0)) await other.close();
  await shell.close();
  await rm(root, { recursive: true, force: true });
});

describe('the browser shell: who may connect (SATRE 1.5.05, 2.2.10)', () => {
  it('listens on 127.0.0.1 only, on a port chosen at random', async () => {
    expect(shell.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(port).toBeGreaterThan(0);
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
    if (!external) {
      console.log('[web-shell] no non-loopback IPv4 address on this machine: the external-address probe is not run.');
      return;
    }

    const reached = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: external.address, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });

    expect(reached).toBe(false);
  });

  it("puts the one-time code in the launch URL's fragment only, which no browser sends to a server", () => {
    const url = new URL(shell.newLaunchUrl());

    expect(`${url.origin}${url.pathname}${url.search}`).toBe(`${shell.url}/`);
    expect(url.hash).toMatch(/^#launch=[A-Za-z0-9_-]{43}$/);
  });

  it('trades the launch code, sent in a header, for a session secret in the JSON body, and sets no cookie', async () => {
    const fresh = await redeem(shell, codeOf(shell.newLaunchUrl()));

    expect(fresh.status).toBe(200);
    expect(fresh.headers['set-cookie']).toBeUndefined();
    expect(fresh.headers['cache-control']).toBe('no-store');
    expect(json(fresh)).toEqual({ ok: true, value: { session: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) } });
  });

  it('accepts a launch code once only', async () => {
    const code = codeOf(shell.newLaunchUrl());
    await redeem(shell, code);

    const again = await redeem(shell, code);

    expect(again.status).toBe(403);
    expect(json(again).error?.message).toMatch(/already been used or has expired/);
  });

  it('refuses a guessed launch code, and the guess does not spend the real one', async () => {
    const real = codeOf(shell.newLaunchUrl());
    const guessed = `${real.slice(0, -1)}${real.endsWith('A') ? 'B' : 'A'}`;

    const wrong = await redeem(shell, guessed);
    const right = await redeem(shell, real);

    expect(wrong.status).toBe(403);
    expect(right.status).toBe(200);
  });

  it('refuses a launch code after it has expired', async () => {
    let now = 1_000_000;
    const timed = await startBrowserShell({ core: stubCore(), rendererDir, now: () => now, launchCodeTtlMs: 60_000 });
    others.push(timed);

    now += 60_001;
    const late = await redeem(timed, codeOf(timed.launchUrl));

    expect(late.status).toBe(403);
  });

  for (const [what, headers] of [
    ['no Origin', {}],
    ['a foreign Origin', { origin: 'http://attacker.example' }],
    ['Sec-Fetch-Site: cross-site', { origin: 'OWN', 'sec-fetch-site': 'cross-site' }],
  ] as const) {
    it(`refuses to trade a launch code for a request with ${what}, and the code stays unspent`, async () => {
      const code = codeOf(shell.newLaunchUrl());
      const sent: Record<string, string> = { host: `127.0.0.1:${port}`, 'x-enclave-launch': code };
      for (const [name, value] of Object.entries(headers)) sent[name] = value === 'OWN' ? `http://127.0.0.1:${port}` : value;

      const attempt = await rawRequest({ port, method: 'POST', path: '/api/session', headers: sent });

      expect(attempt.status).toBe(403);
      expect(attempt.body.toString()).not.toMatch(/"session"/);
      expect((await redeem(shell, code)).status).toBe(200);
    });
  }

  it('takes the launch code only by POST', async () => {
    const response = await rawRequest({
      port,
      path: `/api/session`,
      headers: { host: `127.0.0.1:${port}`, 'x-enclave-launch': codeOf(shell.newLaunchUrl()) },
    });

    expect(response.status).toBe(405);
  });

  for (const [method, path] of [
    ['GET', '/api/events'],
    ['POST', '/api/invoke/session.get'],
    ['GET', '/api/nothing-here'],
  ] as const) {
    it(`answers ${method} ${path} without the session header with 401`, async () => {
      const response = await rawRequest({
        port,
        method,
        path,
        headers: { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json' },
        body: method === 'POST' ? '{}' : undefined,
      });

      expect(response.status).toBe(401);
      expect(json(response).error?.code).toBe('unauthenticated');
    });
  }

  it('serves the page and its files without a session: they hold no secret', async () => {
    const page = await rawRequest({ port, path: '/', headers: { host: `127.0.0.1:${port}` } });
    const script = await rawRequest({ port, path: '/assets/app.js', headers: { host: `127.0.0.1:${port}` } });

    expect([page.status, script.status]).toEqual([200, 200]);
    for (const response of [page, script]) {
      expect(response.body.toString()).not.toContain(secret);
      expect(response.headers['set-cookie']).toBeUndefined();
    }
    expect(handled).toBe(0);
  });

  it('refuses a forged session secret', async () => {
    const response = await invoke('session.get', '{}', { 'x-enclave-session': randomBytes(32).toString('base64url') });

    expect(response.status).toBe(401);
    expect(json(response).error?.code).toBe('unauthenticated');
  });

  it('refuses the launch code used as a session secret', async () => {
    const response = await invoke('session.get', '{}', { 'x-enclave-session': codeOf(shell.newLaunchUrl()) });

    expect(response.status).toBe(401);
  });

  it('refuses a secret from another (earlier) run of the shell', async () => {
    const earlier = await startBrowserShell({ core: stubCore(), rendererDir });
    others.push(earlier);
    const earlierSecret = await openSession(earlier);

    const response = await invoke('session.get', '{}', { 'x-enclave-session': earlierSecret });

    expect(response.status).toBe(401);
  });

  it('ignores a valid secret sent as a cookie: a cookie on 127.0.0.1 reaches every port, so it is never a session', async () => {
    const response = await rawRequest({
      port,
      method: 'POST',
      path: '/api/invoke/session.get',
      headers: {
        host: `127.0.0.1:${port}`,
        origin: `http://127.0.0.1:${port}`,
        'content-type': 'application/json',
        cookie: `enclave_session=${secret}`,
      },
      body: '{}',
    });

    expect(response.status).toBe(401);
    expect(handled).toBe(0);
  });

  it('serves a request with the session header (the baseline the attacks differ from)', async () => {
    const response = await invoke('session.get', '{}');

    expect(response.status).toBe(200);
    expect(json(response).ok).toBe(true);
  });
});

describe('the browser shell: connections from another user of this computer', () => {
  if (process.platform !== 'linux') {
    console.log(`[web-shell] connection owners are read from /proc/net only on Linux (this is ${process.platform}): not run.`);
  }
  it.runIf(process.platform === 'linux')(
    'refuses a connection whose owner is not the user served, before any route, with a valid secret',
    async () => {
      const someoneElse = (process.getuid?.() ?? 0) + 1;
      const guarded = await startBrowserShell({ core: stubCore(), rendererDir, peers: createPeerCheck({ ownUid: someoneElse }) });
      others.push(guarded);
      const guardedPort = Number(new URL(guarded.url).port);
      const code = codeOf(guarded.launchUrl);

      const launch = await redeem(guarded, code);
      const page = await rawRequest({ port: guardedPort, path: '/', headers: { host: `127.0.0.1:${guardedPort}` } });
      const call = await rawRequest({
        port: guardedPort,
        method: 'POST',
        path: '/api/invoke/session.get',
        headers: {
          host: `127.0.0.1:${guardedPort}`,
          origin: `http://127.0.0.1:${guardedPort}`,
          'content-type': 'application/json',
          'x-enclave-session': secret,
        },
        body: '{}',
      });

      for (const response of [launch, page, call]) {
        expect(response.status).toBe(403);
        expect(response.body.toString()).toMatch(/^Refused: the connection belongs to another user of this computer/);
        expect(response.body.toString()).not.toContain('csp-nonce');
      }
      expect(handled).toBe(0);
    },
  );

  const user = otherUser();
  if (typeof user === 'string') console.log(`[web-shell] not run as a second OS user: ${user}`);

  it.skipIf(typeof user === 'string')(
    'refuses the other OS user even with a valid (leaked) session secret, while the owner is served',
    async () => {
      const attack = await runNodeAsOtherUser(
        user as Exclude<typeof user, string>,
        `const base = ${JSON.stringify(shell.url)};
       const call = await fetch(base + '/api/invoke/session.get', { method: 'POST', headers: { origin: base, 'content-type': 'application/json', 'x-enclave-session': ${JSON.stringify(secret)} }, body: '{}' });
       const page = await fetch(base + '/');
       const launch = await fetch(base + '/api/session', { method: 'POST', headers: { origin: base, 'x-enclave-launch': ${JSON.stringify(codeOf(shell.newLaunchUrl()))} } });
       console.log(JSON.stringify([call, page, launch].map((r) => r.status)), JSON.stringify(await call.text()));`,
      );
      const own = await invoke('session.get', '{}');

      expect(attack.stdout.split(' ')[0]).toBe('[403,403,403]');
      expect(attack.stdout).toMatch(/another user of this computer/);
      expect(attack.stdout).not.toContain('demo-analyst');
      expect(own.status).toBe(200);
      expect(handled).toBe(1);
    },
  );
});

describe('the browser shell: DNS rebinding and cross-site requests (SATRE 3.1.12)', () => {
  for (const host of [
    'attacker.example',
    'attacker.example:PORT',
    'localhost.attacker.example:PORT',
    '127.0.0.1',
    '127.0.0.1:1',
    '[::1]:PORT',
    '0.0.0.0:PORT',
  ]) {
    it(`refuses Host "${host}" even with a valid session secret`, async () => {
      const response = await rawRequest({ port, path: '/', headers: authed({ host: host.replace('PORT', String(port)) }) });

      expect(response.status).toBe(403);
      expect(response.body.toString()).not.toContain('csp-nonce');
    });
  }

  it('answers to localhost:PORT as well as 127.0.0.1:PORT', async () => {
    const response = await rawRequest({ port, path: '/', headers: authed({ host: `localhost:${port}` }) });

    expect(response.status).toBe(200);
  });

  for (const origin of ['http://attacker.example', 'null', 'http://127.0.0.1:1', 'https://127.0.0.1:PORT', 'http://localhost:PORT']) {
    it(`refuses a POST with Origin "${origin}"`, async () => {
      const response = await invoke('session.get', '{}', { origin: origin.replace('PORT', String(port)) });

      expect(response.status).toBe(403);
      expect(json(response).error?.code).toBe('forbidden');
    });
  }

  it('refuses a POST with no Origin at all', async () => {
    const response = await rawRequest({
      port,
      method: 'POST',
      path: '/api/invoke/session.get',
      headers: authed({ 'content-type': 'application/json' }),
      body: '{}',
    });

    expect(response.status).toBe(403);
  });

  it('refuses a GET that carries a foreign Origin (a cross-site EventSource or fetch)', async () => {
    const response = await rawRequest({ port, path: '/api/events', headers: authed({ origin: 'http://attacker.example' }) });

    expect(response.status).toBe(403);
  });

  it('refuses a request the browser marks as cross-site (Sec-Fetch-Site)', async () => {
    const response = await invoke('session.get', '{}', { 'sec-fetch-site': 'cross-site' });

    expect(response.status).toBe(403);
  });

  it("lets a cross-site top-level navigation load the page (the launcher's launch page is a file:// page), and nothing else", async () => {
    const crossSite = { 'sec-fetch-site': 'cross-site' };
    const navigation = { ...crossSite, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };

    const page = await rawRequest({ port, path: '/', headers: { host: `127.0.0.1:${port}`, ...navigation } });
    const script = await rawRequest({
      port,
      path: '/assets/app.js',
      headers: { host: `127.0.0.1:${port}`, ...crossSite, 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script' },
    });
    const events = await rawRequest({ port, path: '/api/events', headers: authed(navigation) });
    const framed = await rawRequest({
      port,
      path: '/',
      headers: { host: `127.0.0.1:${port}`, ...crossSite, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' },
    });

    expect([page.status, script.status, events.status, framed.status]).toEqual([200, 403, 403, 403]);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('refuses a text/plain body (what a cross-site form or simple request can send) with 415', async () => {
    const response = await invoke('session.get', '{}', { 'content-type': 'text/plain' });

    expect(response.status).toBe(415);
  });

  it('never sends an Access-Control-Allow-* header, not even to a preflight', async () => {
    const responses = await Promise.all([
      rawRequest({
        port,
        method: 'OPTIONS',
        path: '/api/invoke/session.get',
        headers: authed({
          origin: 'http://attacker.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        }),
      }),
      rawRequest({
        port,
        method: 'OPTIONS',
        path: '/api/invoke/session.get',
        headers: authed({ 'access-control-request-method': 'POST' }),
      }),
      invoke('session.get', '{}'),
      rawRequest({ port, path: '/', headers: authed() }),
    ]);

    for (const response of responses) {
      expect(Object.keys(response.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    }
  });
});

describe('the browser shell: path traversal', () => {
  const attempts = [
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/%252e%252e/secret.txt',
    '/%252e%252e%252fsecret.txt',
    '/..%5csecret.txt',
    '/..\\secret.txt',
    '/index.html%00.js',
    '/%00',
    '/%',
    '/%zz',
    '//etc/passwd',
    '/.env',
    '/assets/escape.txt',
    '/linked/secret.txt',
    '/C:%5cWindows%5cwin.ini',
  ];
  for (const path of attempts) {
    it(`does not serve ${path}`, async () => {
      const response = await rawRequest({ port, path, headers: authed() });

      // 400: the guard refused the path; 404: it resolved outside the folder (symlinks) and was not found.
      expect([400, 404]).toContain(response.status);
      expect(response.body.toString()).not.toContain(SECRET);
    });
  }
});

describe('the browser shell: request bodies', () => {
  it('refuses a body over the limit with 413', async () => {
    const response = await invoke('catalogue.get', JSON.stringify({ projectId: 'x'.repeat(200 * 1024) }));

    expect(response.status).toBe(413);
  });

  it('takes a tab of 500,000 characters of SQL: the methods that carry SQL text have a limit of their own', async () => {
    const sql = `select ${"'é'".repeat(500_000 / 3)}`;
    const response = await invoke('workspace.saveTab', JSON.stringify({ projectId: STUB_PROJECT.id, tab: { id: 'tab-1', sql } }));

    expect(response.status).toBe(200);
    expect((json(response).value as { sql?: string }).sql).toBe(sql);
  });

  it('refuses SQL past its own limit by its declared length, before reading it', async () => {
    const over = SQL_CALL_BODY_BYTES + 1;
    const response = await invoke('workspace.saveTab', 'x'.repeat(over), { 'content-length': String(over) });

    expect(response.status).toBe(413);
    expect(json(response).error?.message).toBe(`The body is larger than ${SQL_CALL_BODY_BYTES} bytes.`);
  });

  it("holds a body sent without its length (chunked) to its own method's limit, not the largest", async () => {
    const body = JSON.stringify({ projectId: 'x'.repeat(200 * 1024) });
    const response = await rawRequest({
      port,
      method: 'POST',
      path: '/api/invoke/catalogue.get',
      headers: authed({ origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }),
      body,
    });

    expect(response.status).toBe(413);
    expect(json(response).error?.message).toBe(`The body is larger than ${CALL_BODY_BYTES} bytes.`);
  });

  it('refuses a chunked body past the largest limit of any method, naming that limit', async () => {
    const response = await invoke('workspace.saveTab', 'x'.repeat(LARGEST_CALL_BODY_BYTES + 1));

    expect(response.status).toBe(413);
    expect(json(response).error?.message).toBe(`The body is larger than ${LARGEST_CALL_BODY_BYTES} bytes.`);
  });

  it('refuses a body that is not JSON with invalid_input', async () => {
    const response = await invoke('catalogue.get', '{"projectId": ');

    expect(response.status).toBe(400);
    expect(json(response).error?.code).toBe('invalid_input');
  });

  it('refuses JSON of the wrong shape with invalid_input naming the field', async () => {
    const response = await invoke('catalogue.get', '{"projectId": 42}');

    expect(response.status).toBe(400);
    expect(json(response).error?.message).toContain('projectId');
  });

  it('maps an error code to its HTTP status (not_found → 404)', async () => {
    const response = await invoke('catalogue.get', '{"projectId": "nope"}');

    expect(response.status).toBe(404);
    expect(json(response).error).toEqual({ code: 'not_found', message: 'There is no project nope.' });
  });

  it('answers an unknown method with 404 unknown_method', async () => {
    const response = await invoke('__proto__', '{}');

    expect(response.status).toBe(404);
    expect(json(response).error?.code).toBe('unknown_method');
  });

  it('sends a binary answer as raw Arrow bytes, not JSON', async () => {
    const response = await invoke('dataset.sample', '{"projectId":"p","datasetId":"d","limit":1}');

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/vnd.apache.arrow.stream');
    expect([...response.body]).toEqual([0xff, 0xff, 0xff, 0xff, 1, 2, 3]);
  });
});

describe('the browser shell: call ids and hang-ups', () => {
  /** A shell whose dataset.sample runs until its call is aborted, and says when it started and when it was aborted. */
  async function shellWithHeldSample() {
    const core = stubCore();
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => (started = resolve));
    let aborted: () => void = () => {};
    const stopped = new Promise<void>((resolve) => (aborted = resolve));
    core.handlers['dataset.sample'] = async (_input, call) => {
      started();
      await new Promise<void>((resolve) => call?.signal.addEventListener('abort', () => resolve(), { once: true }));
      aborted();
      throw new EnclaveError('cancelled', 'Cancelled.');
    };
    // As the core wires it (src/workstation/core.ts).
    core.handlers['call.cancel'] = async ({ callId }) => {
      core.calls.cancel(callId);
      return null;
    };
    const held = await startBrowserShell({ core, rendererDir });
    others.push(held);
    return { held, core, running, stopped, heldPort: Number(new URL(held.url).port), heldSecret: await openSession(held) };
  }

  const SAMPLE_BODY = '{"projectId":"p","datasetId":"d","limit":1}';

  for (const value of ['not-a-uuid', '../../session.signOut', `${randomUUID()}x`]) {
    it(`refuses the call id ${JSON.stringify(value)} with invalid_input before any handler runs`, async () => {
      const response = await invoke('session.get', '{}', { 'x-enclave-call': value });

      expect(response.status).toBe(400);
      expect(json(response).error?.code).toBe('invalid_input');
      expect(handled).toBe(0);
    });
  }

  it('refuses a repeated call id header (two ids for one call)', async () => {
    const response = await rawRequest({
      port,
      method: 'POST',
      path: '/api/invoke/session.get',
      headers: authed({ origin: `http://127.0.0.1:${port}`, 'content-type': 'application/json' }),
      body: '{}',
      rawHeaders: ['x-enclave-call', randomUUID(), 'x-enclave-call', randomUUID()],
    });

    expect(response.status).toBe(400);
    expect(handled).toBe(0);
  });

  it('serves a call with a UUID call id like any other (the baseline)', async () => {
    const response = await invoke('session.get', '{}', { 'x-enclave-call': randomUUID() });

    expect(response.status).toBe(200);
    expect(handled).toBe(1);
  });

  it('cancels a call whose page hangs up before the answer (a cancelled fetch, a closed tab)', async () => {
    const { core, running, stopped, heldPort, heldSecret } = await shellWithHeldSample();
    const id = randomUUID();
    const request = httpRequest({
      host: '127.0.0.1',
      port: heldPort,
      method: 'POST',
      path: '/api/invoke/dataset.sample',
      headers: {
        host: `127.0.0.1:${heldPort}`,
        origin: `http://127.0.0.1:${heldPort}`,
        'content-type': 'application/json',
        'x-enclave-session': heldSecret,
        'x-enclave-call': id,
      },
    });
    request.on('error', () => {});
    request.end(SAMPLE_BODY);
    await running;
    expect(core.calls.isRunning(id)).toBe(true);

    request.destroy();

    await stopped;
    await vi.waitFor(() => expect(core.calls.isRunning(id)).toBe(false));
  });

  it('call.cancel from the page stops the running call with that id', async () => {
    const { running, stopped, heldPort, heldSecret } = await shellWithHeldSample();
    const id = randomUUID();
    const headers = {
      host: `127.0.0.1:${heldPort}`,
      origin: `http://127.0.0.1:${heldPort}`,
      'content-type': 'application/json',
      'x-enclave-session': heldSecret,
    };
    const post = (method: string, body: string, extra: Record<string, string> = {}) =>
      rawRequest({ port: heldPort, method: 'POST', path: `/api/invoke/${method}`, headers: { ...headers, ...extra }, body });
    const call = post('dataset.sample', SAMPLE_BODY, { 'x-enclave-call': id });
    await running;

    const cancel = await post('call.cancel', JSON.stringify({ callId: id }));

    await stopped;
    const answer = await call;
    expect(cancel.status).toBe(200);
    expect(answer.status).toBe(499);
    expect(json(answer).error?.code).toBe('cancelled');
  });
});

describe('the browser shell: what the browser is told', () => {
  it('sends the CSP and the security headers on every response, errors and the worker script included', async () => {
    const responses = await Promise.all([
      rawRequest({ port, path: '/', headers: authed() }),
      rawRequest({ port, path: '/assets/app.js', headers: authed() }),
      rawRequest({ port, path: '/assets/duckdb-browser-eh.worker.js', headers: authed() }),
      rawRequest({ port, path: '/assets/duckdb-eh.wasm', headers: authed() }),
      rawRequest({ port, path: '/missing.js', headers: authed() }),
      rawRequest({ port, path: '/', headers: { host: `127.0.0.1:${port}` } }),
      rawRequest({ port, path: '/', headers: authed({ host: 'attacker.example' }) }),
      invoke('session.get', '{}'),
      redeem(shell, 'wrong'),
    ]);

    for (const response of responses) {
      expect(response.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'self' 'wasm-unsafe-eval';/);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['cross-origin-opener-policy']).toBe('same-origin');
      expect(response.headers['cross-origin-resource-policy']).toBe('same-origin');
    }
  });

  it("writes a fresh nonce into index.html on every load, matching that response's CSP", async () => {
    const first = await rawRequest({ port, path: '/', headers: authed() });
    const second = await rawRequest({ port, path: '/index.html', headers: authed() });

    const nonces = [first, second].map((response) => {
      const html = response.body.toString();
      expect(html).not.toContain('__CSP_NONCE__');
      const inPage = /<meta name="csp-nonce" content="([^"]+)">/.exec(html)?.[1];
      const inHeader = /'nonce-([^']+)'/.exec(String(response.headers['content-security-policy']))?.[1];
      expect(inPage).toBeDefined();
      expect(inPage).toBe(inHeader);
      return inPage;
    });
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it('answers HEAD without a body, and a matching If-None-Match with 304', async () => {
    const head = await rawRequest({ port, method: 'HEAD', path: '/assets/app.js', headers: { host: `127.0.0.1:${port}` } });
    const etag = String(head.headers.etag);
    const again = await rawRequest({ port, path: '/assets/app.js', headers: { host: `127.0.0.1:${port}`, 'if-none-match': etag } });

    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(again.status).toBe(304);
    expect(again.headers['content-security-policy']).toBeDefined();
  });

  it('serves .wasm as application/wasm', async () => {
    const response = await rawRequest({ port, path: '/assets/duckdb-eh.wasm', headers: authed() });

    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/wasm');
  });

  it('tells the browser not to store API answers or the page', async () => {
    const api = await invoke('session.get', '{}');
    const page = await rawRequest({ port, path: '/', headers: authed() });

    expect(api.headers['cache-control']).toBe('no-store');
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('streams events, the current platform status first', async () => {
    const stream = await firstChunk({ port, path: '/api/events', headers: authed() });

    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(stream.text).toContain('event: platform.status\ndata: {"state":"ready","message":"Connected to the stub platform."}\n\n');
  });
});
