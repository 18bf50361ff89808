// Several platform instances on one PostgreSQL database (issue 19 C), as real separate `enclave platform serve`
// processes behind a proxy that sends each request to the next instance in turn (test/support/round-robin-proxy.ts):
// no session affinity. Through the proxy, a sign-in (begun on one instance, finished on the other), an API call, a
// refresh and a sign-out each land on the other instance than the step before, and the sign-out holds on both; the
// sign-in throttle's budgets are the database's, so 12 wrong passwords are refused from the 6th and of 50 sent at once
// at most 5 are checked, whichever instance each reaches; a refresh token sent to both instances at once (directly,
// 5 each) is redeemed exactly once. Four instances started together on a migrated database all serve, and the audit
// log they wrote verifies. PostgreSQL restarted under a running instance: the process survives and answers again
// within seconds. The proxy itself is checked first: it alternates per request, passes requests on as sent, and streams.
import { once } from 'node:events';
import { copyFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newestPostgresBin, startCluster } from '../../support/postgres-cluster.ts';
import { postgresCluster } from '../../support/postgres.ts';
import { launchInstance, startPlatformInstances, type PlatformInstance, type PlatformInstances } from '../../support/platform-instances.ts';
import { makeKeysFolder } from '../../support/identity-keys.ts';
import { runPlatformKeys } from '../../../src/cli/platform-keys.ts';
import { describeFingerprint, readKeyFolder } from '../../../src/platform/key-folder.ts';
import { startRoundRobinProxy, type ProxiedRequest } from '../../support/round-robin-proxy.ts';
import {
  authorizationUrl,
  Browser,
  CLIENT_ID,
  loginFormAction,
  pkce,
  submitLogin,
  tokenRequest,
  type TokenSet,
} from '../identity/support.ts';
import { captureCli, runEnclave } from './serve-process.ts';

const cluster = postgresCluster();

const WRONG_PASSWORD = 'The username or password is wrong.';
const REDIRECT_URI = 'http://127.0.0.1:53682/callback';
const ADA = { username: 'demo-analyst', password: 'ada-demo-pass' };

/** GET /api/v1/me with a bearer token, at the proxy or at one instance. */
async function me(base: string, accessToken: string): Promise<{ status: number; body: { id?: string; error?: { code: string } } }> {
  const response = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: response.status, body: (await response.json()) as { id?: string; error?: { code: string } } };
}

/** What the workstation does at sign-out: revoke the refresh token at the provider. */
async function signOut(issuer: string, refreshToken: string): Promise<number> {
  const response = await fetch(`${issuer}/token/revocation`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token', client_id: CLIENT_ID }).toString(),
  });
  await response.arrayBuffer();
  return response.status;
}

/** A login page of a fresh authorization: its form's action and the cookies that go with it. */
async function openLoginPage(issuer: string): Promise<{ action: string; cookie: string; browser: Browser; verifier: string }> {
  const browser = new Browser();
  const verifier = pkce();
  const { response, url } = await browser.follow(authorizationUrl({ issuer, redirectUri: REDIRECT_URI, challenge: verifier.challenge }));
  const html = await response.text();
  const action = loginFormAction(html, url);
  if (action === undefined) throw new Error(`no login form at ${url} (${response.status}): ${html.slice(0, 300)}`);
  return {
    action,
    cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
    browser,
    verifier: verifier.verifier,
  };
}

/** The browser part of a sign-in and the code's exchange, through the proxy, from 127.0.0.1. */
async function signIn(platform: PlatformInstances, account: { username: string; password: string }): Promise<TokenSet> {
  const page = await openLoginPage(platform.issuer);
  const done = await submitLogin({ browser: page.browser, action: page.action, ...account, platformUrl: platform.publicUrl });
  const callback = new URL(done.url);
  expect(callback.origin + callback.pathname, `${done.response.status} ${done.url}`).toBe(REDIRECT_URI);
  expect(callback.searchParams.get('iss')).toBe(platform.issuer);
  const { status, body } = await tokenRequest(platform.issuer, {
    grant_type: 'authorization_code',
    code: callback.searchParams.get('code') ?? '',
    redirect_uri: REDIRECT_URI,
    code_verifier: page.verifier,
  });
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

/** The requests as a readable list for failure messages: "0 GET /oidc/auth → 303". */
const described = (requests: readonly ProxiedRequest[]): string[] =>
  requests.map((entry) => `${entry.backend} ${entry.method} ${entry.path.split('?')[0]} → ${entry.status}`);

/** Positions where a request went to the same instance as the one before it (none when the proxy alternated). */
const repeats = (requests: readonly ProxiedRequest[]): number[] =>
  requests.flatMap((entry, i) => (i > 0 && entry.backend === requests[i - 1].backend ? [i] : []));

/** One request sent with node:http (a chosen local address, a kept-alive agent), answered in full. */
function send(options: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  localAddress?: string;
  agent?: Agent;
}) {
  return new Promise<{ status: number; location?: string; body: string; socket: Socket }>((resolve, reject) => {
    const sent = request(options.url, {
      method: options.method ?? 'GET',
      headers: options.headers,
      ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      ...(options.agent === undefined ? {} : { agent: options.agent }),
    });
    sent.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, location: response.headers.location, body: text, socket: sent.socket! }),
      );
    });
    sent.on('error', reject);
    sent.end(options.body);
  });
}

/** Posts the login form from a chosen loopback address (fetch cannot choose one): the client the throttle counts. */
function postLoginFrom(options: { localAddress: string; page: { action: string; cookie: string }; username: string; password: string }) {
  return send({
    url: options.page.action,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: options.page.cookie },
    body: new URLSearchParams({ username: options.username, password: options.password }).toString(),
    localAddress: options.localAddress,
  });
}

describe('the round-robin proxy the instances run behind', () => {
  interface Backend {
    readonly url: string;
    readonly server: Server;
    /** What each request reached it as. */
    readonly seen: Array<{ method: string; path: string; host: string; address: string; body: string }>;
    /** Ends the event stream that /events holds open. */
    endEvents(): void;
  }

  async function startBackend(name: string): Promise<Backend> {
    const seen: Backend['seen'] = [];
    let endEvents = (): void => undefined;
    const server = createServer((incoming: IncomingMessage, outgoing) => {
      let body = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => (body += chunk));
      incoming.on('end', () => {
        seen.push({
          method: incoming.method!,
          path: incoming.url!,
          host: incoming.headers.host!,
          address: incoming.socket.remoteAddress!,
          body,
        });
        if (incoming.url === '/redirect') {
          outgoing.writeHead(302, { location: '/elsewhere' }).end();
        } else if (incoming.url === '/events') {
          outgoing.writeHead(200, { 'content-type': 'text/event-stream' });
          outgoing.write('data: first\n\n');
          endEvents = () => outgoing.end('data: last\n\n');
        } else {
          outgoing.writeHead(200, { 'content-type': 'text/plain' }).end(name);
        }
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    return { url: `http://127.0.0.1:${port}`, server, seen, endEvents: () => endEvents() };
  }

  it('sends each request of one kept-alive connection to the next backend, as the client sent it and from its address', async () => {
    const backends = [await startBackend('a'), await startBackend('b')];
    const proxy = await startRoundRobinProxy(backends.map((backend) => backend.url));
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answers = [];
      for (let i = 0; i < 4; i++) {
        answers.push(
          await send({
            url: `${proxy.url}/path/${i}?q=${i}`,
            method: 'POST',
            headers: { host: 'platform.example:8443', 'content-type': 'text/plain' },
            body: `body ${i}`,
            localAddress: '127.0.0.2',
            agent,
          }),
        );
      }
      expect(answers.map((answer) => answer.body)).toEqual(['a', 'b', 'a', 'b']);
      expect(new Set(answers.map((answer) => answer.socket)).size).toBe(1);
      expect(proxy.served().map((entry) => entry.backend)).toEqual([0, 1, 0, 1]);
      expect(backends[1].seen[0]).toEqual({
        method: 'POST',
        path: '/path/1?q=1',
        host: 'platform.example:8443',
        address: '127.0.0.2',
        body: 'body 1',
      });
    } finally {
      agent.destroy();
      await proxy.close();
      for (const backend of backends) backend.server.close();
    }
  });

  it('passes a redirect back unfollowed, streams an event stream as it comes, and answers 502 for a backend that is down', async () => {
    const live = await startBackend('live');
    const down = await startBackend('down');
    down.server.close();
    await once(down.server, 'close');
    const proxy = await startRoundRobinProxy([live.url, down.url]);
    try {
      const redirect = await send({ url: `${proxy.url}/redirect` });
      expect(redirect).toMatchObject({ status: 302, location: '/elsewhere' });
      expect(live.seen.map((entry) => entry.path)).toEqual(['/redirect']);

      const unreachable = await send({ url: `${proxy.url}/anything` });
      expect(unreachable.status).toBe(502);

      // The first event arrives while the backend still holds the stream open.
      const stream = await new Promise<IncomingMessage>((resolve, reject) =>
        request(`${proxy.url}/events`).on('response', resolve).on('error', reject).end(),
      );
      stream.setEncoding('utf8');
      const [first] = (await once(stream, 'data')) as [string];
      expect(first).toBe('data: first\n\n');
      live.endEvents();
      let rest = '';
      for await (const chunk of stream) rest += String(chunk);
      expect(rest).toBe('data: last\n\n');
      expect(proxy.served().map((entry) => [entry.backend, entry.status])).toEqual([
        [0, 302],
        [1, 502],
        [0, 200],
      ]);
    } finally {
      await proxy.close();
      live.server.close();
    }
  });
});

describe.skipIf(cluster === null)('two platform instances on one PostgreSQL database, behind a per-request round-robin proxy', () => {
  let platform: PlatformInstances;

  beforeAll(async () => {
    platform = await startPlatformInstances({ cluster: cluster!, count: 2 });
  });

  afterAll(async () => {
    await platform?.cleanup();
  });

  /** Sign-in events of one kind for a username, as the audit log in the database holds them. */
  async function signInEvents(username: string, reason: string): Promise<number> {
    const rows = await platform.store.raw(
      `SELECT count(*) AS n FROM audit_events WHERE type = 'auth.sign_in' AND details::jsonb->>'username' = $1 AND details::jsonb->>'reason' = $2`,
      [username, reason],
    );
    return Number(rows[0]?.n);
  }

  it('announces the proxy as every instance’s public URL and issuer', async () => {
    for (const instance of platform.instances) {
      const health = (await (await fetch(`${instance.url}/api/v1/health`)).json()) as { identity: { issuer: string } };
      expect(health.identity.issuer).toBe(platform.issuer);
    }
  });

  it('signs in, calls the API, refreshes and signs out, each step on the other instance than the step before', async () => {
    const { proxy, issuer, publicUrl } = platform;
    const from = proxy.mark();
    const tokens = await signIn(platform, ADA);
    const signInRequests = proxy.since(from);
    expect(decodeJwt(tokens.access_token)).toMatchObject({ iss: issuer, sub: 'demo-analyst' });

    const called = await me(publicUrl, tokens.access_token);
    expect(called).toEqual({ status: 200, body: expect.objectContaining({ id: 'demo-analyst' }) });
    const refreshed = await tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect((await me(publicUrl, refreshed.body.access_token)).status).toBe(200);
    expect(await signOut(issuer, refreshed.body.refresh_token!)).toBe(200);
    // The sign-out holds on the instance that did not take it: the grant's access token and refresh token are refused.
    const afterSignOut = await me(publicUrl, refreshed.body.access_token);
    expect(afterSignOut.status).toBe(401);
    expect(afterSignOut.body.error?.code).toBe('unauthenticated');
    const refreshAfter = await tokenRequest(issuer, { grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token! });
    expect(refreshAfter).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

    const journey = proxy.since(from);
    const steps = described(journey);
    // Authorize, the login page, the password, the resumed authorization (to the callback), the code's exchange; then
    // the API, the refresh, the API, the sign-out, the API and the refresh refused.
    expect(journey.length, steps.join('\n')).toBe(signInRequests.length + 6);
    expect(
      journey.filter((entry) => entry.status === 502 || entry.status === 0),
      steps.join('\n'),
    ).toEqual([]);
    expect(repeats(journey), steps.join('\n')).toEqual([]);
    // The sign-in itself was begun on one instance and finished on the other: the login page and the password post.
    const page = signInRequests.find((entry) => entry.method === 'GET' && entry.path.startsWith('/oidc/interaction/'));
    const post = signInRequests.find((entry) => entry.method === 'POST' && entry.path.endsWith('/login'));
    expect(page?.backend).toBeDefined();
    expect(post?.backend).toBe(1 - page!.backend);
    expect(new Set(journey.map((entry) => entry.backend))).toEqual(new Set([0, 1]));
    expect(await signInEvents('demo-analyst', 'wrong_credentials')).toBe(0);
  });

  it('refuses the 6th of 12 wrong passwords through the proxy, and each one after it, whichever instance takes it', async () => {
    const page = await openLoginPage(platform.issuer);
    const from = platform.proxy.mark();
    const answers: Array<{ status: number; body: string }> = [];
    for (let attempt = 1; attempt <= 12; attempt++) {
      answers.push(await postLoginFrom({ localAddress: '127.0.0.2', page, username: 'demo-checker-1', password: `guess-${attempt}` }));
    }
    const posts = platform.proxy.since(from);
    expect(posts, described(posts).join('\n')).toHaveLength(12);
    expect(repeats(posts), described(posts).join('\n')).toEqual([]);
    expect(answers.map((answer) => answer.status)).toEqual([...Array<number>(5).fill(200), ...Array<number>(7).fill(429)]);
    for (const answer of answers.slice(0, 5)) expect(answer.body).toContain(WRONG_PASSWORD);
    for (const answer of answers.slice(5)) {
      expect(answer.body).toMatch(/role="alert">Too many wrong passwords for this username\. Wait \d+ seconds, then try again\./);
    }
    // Five were checked against the password and recorded one by one; the refusals were not checked.
    expect(await signInEvents('demo-checker-1', 'wrong_credentials')).toBe(5);
    // The platform counted the client's own address, which the proxy preserved, not the proxy's (127.0.0.1).
    const refusals = await platform.store.raw(
      `SELECT DISTINCT details::jsonb->>'address' AS address FROM audit_events WHERE type = 'auth.sign_in' AND details::jsonb->>'username' = 'demo-checker-1' AND details::jsonb->>'reason' = 'too_many_failures'`,
    );
    expect(refusals).toEqual([{ address: '127.0.0.2' }]);
  });

  it('checks at most 5 of 50 wrong passwords sent at once through the proxy to both instances', async () => {
    const page = await openLoginPage(platform.issuer);
    const from = platform.proxy.mark();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        postLoginFrom({ localAddress: '127.0.0.3', page, username: 'demo-checker-2', password: `guess-${i}` }),
      ),
    );
    const posts = platform.proxy.since(from);
    expect(posts).toHaveLength(50);
    expect(posts.filter((entry) => entry.backend === 0)).toHaveLength(25);
    const checked = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(checked.length + refused.length, answers.map((answer) => answer.status).join(' ')).toBe(50);
    for (const answer of checked) expect(answer.body).toContain(WRONG_PASSWORD);
    expect(checked.length).toBeGreaterThanOrEqual(1);
    expect(checked.length).toBeLessThanOrEqual(5);
    // Each check is recorded as it ends; a refusal never reached the password.
    expect(await signInEvents('demo-checker-2', 'wrong_credentials')).toBe(checked.length);
  });

  it('redeems a refresh token sent to both instances at once (5 each) exactly once; the rest get invalid_grant', async () => {
    const tokens = await signIn(platform, { username: 'demo-analyst-2', password: 'ben-demo-pass' });
    const [first, second] = platform.instances;
    const answers = await Promise.all(
      [first, second]
        .flatMap((instance) => Array.from({ length: 5 }, () => instance))
        .map((instance) => tokenRequest(`${instance.url}/oidc`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! })),
    );
    const granted = answers.filter((answer) => answer.status === 200);
    expect(granted, JSON.stringify(answers.map((answer) => [answer.status, answer.body.error]))).toHaveLength(1);
    expect(granted[0]?.body.refresh_token).toEqual(expect.any(String));
    for (const answer of answers.filter((candidate) => candidate.status !== 200)) {
      expect(answer).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    }
  });
});

describe.skipIf(cluster === null)('instances starting together, and a database restarted under one', () => {
  it('starts four instances together on one migrated database; all four serve, and the audit log they wrote verifies', async () => {
    const four = await startPlatformInstances({ cluster: cluster!, count: 4, together: true });
    try {
      for (const instance of four.instances) {
        const health = await fetch(`${instance.url}/api/v1/health`);
        expect(health.status, instance.stderr()).toBe(200);
        expect(((await health.json()) as { identity: { issuer: string } }).identity.issuer).toBe(four.issuer);
      }
      const from = four.proxy.mark();
      for (let i = 0; i < 4; i++) expect((await fetch(`${four.publicUrl}/api/v1/health`)).status).toBe(200);
      expect(four.proxy.since(from).map((entry) => entry.backend)).toEqual([0, 1, 2, 3]);
      // At rest, so the count below is the one verified.
      for (const [i, instance] of four.instances.entries()) expect(await instance.stop(), `instance ${i}: ${instance.stderr()}`).toBe(0);
      const verify = runEnclave(['audit', 'verify', '--data-dir', four.dataDir, ...four.store.flags]);
      expect(await verify.exited, verify.stdout() + verify.stderr()).toBe(0);
      const events = Number((await four.store.raw('SELECT count(*) AS n FROM audit_events'))[0]?.n);
      expect(events).toBeGreaterThan(0);
      expect(verify.stdout()).toMatch(new RegExp(`^intact \\(${events} events, head \\d+ [0-9a-f]{12}\\)\\n$`));
    } finally {
      await four.cleanup();
    }
  }, 120_000);

  it('keeps serving when PostgreSQL restarts under it: the process survives and answers again within seconds', async () => {
    const own = await startCluster((await newestPostgresBin())!);
    let one: PlatformInstances | undefined;
    try {
      one = await startPlatformInstances({ cluster: own.info, count: 1 });
      const [instance] = one.instances;
      const token = (await signIn(one, ADA)).access_token;
      expect((await me(one.publicUrl, token)).status).toBe(200);
      await own.restart();
      const restarted = Date.now();
      const status = (): Promise<number> =>
        me(one!.publicUrl, token).then(
          (answer) => answer.status,
          () => 0,
        );
      await expect.poll(status, { timeout: 10_000, interval: 200 }).toBe(200);
      expect(Date.now() - restarted).toBeLessThan(10_000);
      expect(instance.alive(), instance.stderr()).toBe(true);
      expect(instance.stderr()).toContain('failed while idle');
      // And it keeps answering.
      expect((await me(instance.url, token)).status).toBe(200);
    } finally {
      await one?.cleanup();
      await own.stop();
    }
  }, 90_000);
});

describe.skipIf(cluster === null)('the identity keys every instance shares (--identity-keys-dir)', () => {
  let platform: PlatformInstances;
  /** The instances as they are now (a restarted one replaces its predecessor). */
  let running: PlatformInstance[];

  beforeAll(async () => {
    platform = await startPlatformInstances({ cluster: cluster!, count: 2 });
    running = [...platform.instances];
  });

  afterAll(async () => {
    // The instances this block started in place of the first ones; cleanup stops the first ones.
    for (const instance of running) if (!platform.instances.includes(instance)) await instance.stop();
    await platform?.cleanup();
  });

  const keys = (step: string, ...more: string[]) =>
    captureCli(runPlatformKeys, [step, '--identity-keys-dir', platform.store.keysFolder, ...more]);
  const record = () => keys('record', '--data-dir', platform.dataDir, ...platform.store.flags);

  /** Restarts each instance in turn, as an operator would (SIGTERM drains), the proxy following. */
  async function restartEach(): Promise<void> {
    for (const [i, instance] of running.entries()) {
      expect(await instance.stop(), instance.stderr()).toBe(0);
      running[i] = await launchInstance({ dataDir: platform.dataDir, publicUrl: platform.publicUrl, store: platform.store });
      platform.proxy.setBackends(running.map((each) => each.url));
    }
  }

  /** GET /api/v1/me with the token on each instance directly: their statuses. */
  const onEach = (token: string): Promise<number[]> => Promise.all(running.map(async (instance) => (await me(instance.url, token)).status));

  it('were recorded at the first start, and never made by the platform: its own identity folder holds no key', async () => {
    const events = await platform.store.raw(`SELECT details FROM audit_events WHERE type = 'platform.identity_keys_recorded' ORDER BY seq`);
    expect(events).toHaveLength(1);
    const fingerprint = (await readKeyFolder(platform.store.keysFolder)).fingerprint;
    expect(JSON.parse(String(events[0]?.details))).toMatchObject({ first: true, fingerprint: { signing: [...fingerprint.signing] } });
    for (const name of ['signing-keys.json', 'cookie-keys.json', 'artifact-keys.json', 'audit-key.json']) {
      await expect(stat(path.join(platform.dataDir, 'identity', name))).rejects.toThrow(/ENOENT/);
    }
  });

  it('refuse an instance started with other keys, naming both sets; the running ones are untouched', async () => {
    const other = await makeKeysFolder();
    try {
      const store = { ...platform.store, flags: [...platform.store.flags, '--identity-keys-dir', other.folder] };
      const refused = await launchInstance({ dataDir: platform.dataDir, publicUrl: platform.publicUrl, store }).then(
        () => 'started',
        (err: unknown) => String(err),
      );
      expect(refused).toContain(`The identity keys in ${other.folder} are not the ones recorded for this platform's database`);
      expect(refused).toContain(describeFingerprint((await readKeyFolder(other.folder)).fingerprint));
      expect(refused).toContain('enclave platform keys record');
      // Without a keys folder at all: refused before anything is opened.
      const keyless = { ...platform.store, flags: platform.store.flags.slice(0, 4) };
      const none = await launchInstance({ dataDir: platform.dataDir, publicUrl: platform.publicUrl, store: keyless }).then(
        () => 'started',
        (err: unknown) => String(err),
      );
      expect(none).toContain('With --database-url give --identity-keys-dir DIR');
      for (const instance of running) expect((await fetch(`${instance.url}/api/v1/health`)).status).toBe(200);
    } finally {
      await other.cleanup();
    }
  });

  it('rotate without signing anybody out: add last, record, restart; promote, record, restart; retire, record, restart', async () => {
    const before = await signIn(platform, ADA);
    const oldKid = decodeProtectedHeader(before.access_token).kid;
    expect(await onEach(before.access_token)).toEqual([200, 200]);

    // A folder changed but not recorded: an instance restarted on it is refused, and the others keep serving.
    expect((await keys('add')).code).toBe(0);
    const unrecorded = await launchInstance({ dataDir: platform.dataDir, publicUrl: platform.publicUrl, store: platform.store }).then(
      () => 'started',
      (err: unknown) => String(err),
    );
    expect(unrecorded).toContain('are not the ones recorded');
    const recorded = await record();
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(recorded.stdout).toMatch(/^recorded: signing keys \S+, \S+;/);
    await restartEach();
    // Every instance accepts the new key and still signs with the old one.
    const added = await signIn(platform, ADA);
    expect(decodeProtectedHeader(added.access_token).kid).toBe(oldKid);
    expect(await onEach(before.access_token)).toEqual([200, 200]);

    expect((await keys('promote')).code).toBe(0);
    expect((await record()).code).toBe(0);
    await restartEach();
    const promoted = await signIn(platform, ADA);
    const newKid = (await readKeyFolder(platform.store.keysFolder)).identity.signing[0]?.kid;
    expect(newKid).not.toBe(oldKid);
    expect(decodeProtectedHeader(promoted.access_token).kid).toBe(newKid);
    expect(await onEach(promoted.access_token)).toEqual([200, 200]);
    // Signed with the old key before the rotation: still accepted, on both.
    expect(await onEach(before.access_token)).toEqual([200, 200]);
    // A refresh token issued before the rotation still refreshes (its artifact keys did not change).
    const refreshed = await tokenRequest(platform.issuer, { grant_type: 'refresh_token', refresh_token: before.refresh_token! });
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);

    expect((await keys('retire')).code).toBe(0);
    expect((await record()).code).toBe(0);
    await restartEach();
    // The old key is gone: what it signed is refused everywhere; what the new one signs works everywhere.
    expect(await onEach(before.access_token)).toEqual([401, 401]);
    expect(await onEach(refreshed.body.access_token)).toEqual([200, 200]);

    // Each recording is an audit event naming the operator, and the log still verifies.
    const events = await platform.store.raw(`SELECT details FROM audit_events WHERE type = 'platform.identity_keys_recorded' ORDER BY seq`);
    expect(events.map((row) => (JSON.parse(String(row.details)) as { via?: string }).via)).toEqual([undefined, 'host', 'host', 'host']);
    const verify = runEnclave(['audit', 'verify', '--data-dir', platform.dataDir, ...platform.store.flags]);
    expect(await verify.exited, verify.stdout() + verify.stderr()).toBe(0);
  }, 180_000);

  it('notice a record removed from the database: an instance will not quietly record whatever keys it has', async () => {
    const [recorded] = await platform.store.raw('SELECT fingerprint, recorded_at FROM identity_keys_record');
    const events = async () => Number((await platform.store.raw('SELECT count(*) AS n FROM audit_events'))[0]?.n);
    const before = await events();
    // Someone with write access to the database (here the superuser; the app role may too) removes it.
    await platform.store.raw('DELETE FROM identity_keys_record');
    const refused = await launchInstance({ dataDir: platform.dataDir, publicUrl: platform.publicUrl, store: platform.store }).then(
      () => 'started',
      (err: unknown) => String(err),
    );
    expect(refused).toContain("The identity keys recorded for this platform's database are gone, though audit event");
    expect(await platform.store.raw('SELECT fingerprint FROM identity_keys_record')).toEqual([]);
    expect(await events()).toBe(before);
    // The operator, having looked, records them again: an audit event, and instances start.
    const again = await record();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('before:   nothing recorded');
    const [now] = await platform.store.raw('SELECT fingerprint FROM identity_keys_record');
    expect(now?.fingerprint).toBe(recorded?.fingerprint);
    expect(await events()).toBe(before + 1);
  });

  it('will not record, without --force, keys that would sign everybody out: no signing key in common', async () => {
    const copy = await makeKeysFolder();
    try {
      // The shared folder's audit and artifact keys, with signing and cookie keys of its own.
      for (const name of ['audit-key.json', 'artifact-keys.json']) {
        await copyFile(path.join(platform.store.keysFolder, name), path.join(copy.folder, name));
      }
      const events = async () => Number((await platform.store.raw('SELECT count(*) AS n FROM audit_events'))[0]?.n);
      const before = await events();
      const recordedBefore = await platform.store.raw('SELECT fingerprint FROM identity_keys_record');
      const refused = await captureCli(runPlatformKeys, [
        ...['record', '--data-dir', platform.dataDir, ...platform.store.flags],
        ...['--identity-keys-dir', copy.folder],
      ]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('share none with those recorded');
      expect(refused.stderr).toContain('Nothing was recorded.');
      expect(await events()).toBe(before);
      expect(await platform.store.raw('SELECT fingerprint FROM identity_keys_record')).toEqual(recordedBefore);
    } finally {
      await copy.cleanup();
    }
  });

  it('will not record a folder with another audit key: the log was sealed with the recorded one', async () => {
    const other = await makeKeysFolder();
    try {
      const count = async () => Number((await platform.store.raw('SELECT count(*) AS n FROM audit_events'))[0]?.n);
      const events = await count();
      const refused = await captureCli(runPlatformKeys, [
        ...['record', '--data-dir', platform.dataDir, ...platform.store.flags],
        ...['--identity-keys-dir', other.folder],
      ]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('The audit key in');
      expect(refused.stderr).toContain('Nothing was recorded.');
      expect(await count()).toBe(events);
    } finally {
      await other.cleanup();
    }
  });
});
