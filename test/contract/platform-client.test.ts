// The workstation's side of the platform API v1: how answers, errors, deadlines and health checks are handled.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWorkstationCore } from '../../src/workstation/core.ts';
import { createPlatformClient } from '../../src/workstation/platform-client.ts';
import { DEMO_USER } from './fake-platform.ts';
import { browserGet, callbackFor, createFakeIdp, fakeDiscover, fakePlatformFetch } from '../unit/workstation/fake-idp.ts';
import { errorOf } from '../support/error-of.ts';

type FetchMock = typeof globalThis.fetch;

const urlOf = (input: Parameters<FetchMock>[0]) => (input instanceof Request ? input.url : String(input));
const pathOf = (input: Parameters<FetchMock>[0]) => new URL(urlOf(input)).pathname;

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('the platform client', () => {
  it('keeps a path prefix of the platform URL', async () => {
    const seen: string[] = [];
    const fetch: FetchMock = async (input) => {
      seen.push(urlOf(input));
      return json(200, DEMO_USER);
    };
    const client = createPlatformClient({ baseUrl: 'http://platform.test/tre/', fetch });

    await client.me();

    expect(seen).toEqual(['http://platform.test/tre/api/v1/me']);
  });

  it('refuses a platform URL that is not http(s)', () => {
    expect(() => createPlatformClient({ baseUrl: 'file:///etc/' })).toThrow(/http:\/\/ or https:\/\//);
  });

  it('maps an error body to its code and message', async () => {
    const fetch = async () => json(403, { error: { code: 'forbidden', message: 'Not your project.' } });
    const client = createPlatformClient({ baseUrl: 'http://platform.test', fetch });

    const error = await errorOf(client.catalogue('p1'));

    expect([error.code, error.message]).toEqual(['forbidden', 'Not your project.']);
  });

  it('maps an unreadable error answer by its HTTP status, without echoing the body', async () => {
    const fetch = async () => new Response('<html>Bad gateway: secret-internal-host</html>', { status: 502 });
    const client = createPlatformClient({ baseUrl: 'http://platform.test', fetch });

    const error = await errorOf(client.projects());

    expect(error.code).toBe('unavailable');
    expect(error.message).not.toContain('secret-internal-host');
  });

  it.each([
    [400, 'invalid_input'],
    [401, 'unauthenticated'],
    [403, 'forbidden'],
    [404, 'not_found'],
    [422, 'invalid_input'],
    [423, 'internal'],
    [429, 'internal'],
    [418, 'internal'],
    [500, 'unavailable'],
    [502, 'unavailable'],
  ] as const)('maps an answer of HTTP %i without a readable error body to %s', async (status, code) => {
    const fetch = async () => new Response(null, { status });
    const client = createPlatformClient({ baseUrl: 'http://platform.test', fetch });

    const error = await errorOf(client.me());

    expect([error.code, error.message]).toEqual([code, `The platform answered with HTTP ${status}.`]);
  });

  it("builds each call's URL from the route's declared path, encoding its parameters", async () => {
    const seen: string[] = [];
    const fetch: FetchMock = async (input) => {
      seen.push(urlOf(input));
      return new Response(null, { status: 404 });
    };
    const client = createPlatformClient({ baseUrl: 'http://platform.test/tre', fetch });

    await errorOf(client.catalogue('a/b?c'));
    await errorOf(client.sample({ projectId: 'p1', datasetId: 'patients', limit: 7 }));
    await errorOf(client.call('catalogue.get', { params: { projectId: 'p2' } }));

    expect(seen).toEqual([
      'http://platform.test/tre/api/v1/projects/a%2Fb%3Fc/catalogue',
      'http://platform.test/tre/api/v1/projects/p1/datasets/patients/sample?limit=7',
      'http://platform.test/tre/api/v1/projects/p2/catalogue',
    ]);
  });

  it('gives a sample its own deadline, the stream of rows included', async () => {
    const fetch: FetchMock = (_url, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)));
    const client = createPlatformClient({ baseUrl: 'http://platform.test', fetch, timeoutMs: 600_000, sampleTimeoutMs: 20 });

    const error = await errorOf(client.sample({ projectId: 'p1', datasetId: 'patients', limit: 1 }));

    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/did not answer within/);
  });

  it("counts a sample's bytes as they arrive, of its Content-Length, and returns them whole", async () => {
    const chunks = [new Uint8Array([1, 2, 3]), new Uint8Array([4, 5])];
    const fetch = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (const chunk of chunks) controller.enqueue(chunk);
            controller.close();
          },
        }),
        { status: 200, headers: { 'content-type': 'application/vnd.apache.arrow.stream', 'content-length': '5' } },
      );
    const client = createPlatformClient({ baseUrl: 'http://platform.test', fetch });
    const received: Array<[number, number | null]> = [];

    const bytes = await client.sample(
      { projectId: 'p1', datasetId: 'patients', limit: 1 },
      { onReceived: (n, of) => received.push([n, of]) },
    );

    expect([...bytes]).toEqual([1, 2, 3, 4, 5]);
    expect(received).toEqual([
      [0, 5],
      [3, 5],
      [5, 5],
    ]);
  });

  it('says cancelled, not unavailable, when the caller aborts a sample mid-body', async () => {
    const controller = new AbortController();
    const fetch: FetchMock = async (_url, init) =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(stream) {
            stream.enqueue(new Uint8Array([1, 2, 3]));
            init?.signal?.addEventListener('abort', () => stream.error(init.signal?.reason));
          },
        }),
        { status: 200, headers: { 'content-type': 'application/vnd.apache.arrow.stream' } },
      );
    const client = createPlatformClient({ baseUrl: 'http://platform.test', fetch });

    const error = await errorOf(
      client.sample(
        { projectId: 'p1', datasetId: 'patients', limit: 1 },
        { signal: controller.signal, onReceived: (n, total) => n > 0 && total === null && controller.abort() },
      ),
    );

    expect(error.code).toBe('cancelled');
  });

  it('refuses an answer that does not match the contract', async () => {
    const fetch = async () => json(200, { id: 'Not A Valid Id', displayName: 'x', role: 'superuser' });
    const client = createPlatformClient({ baseUrl: 'http://platform.test', fetch });

    const error = await errorOf(client.me());

    expect(error.code).toBe('internal');
    expect(error.message).toMatch(/could not read/);
  });

  it('refuses a sample that is not an Arrow stream', async () => {
    const fetch = async () => json(200, [{ nhs_number: '9990000018' }]);
    const client = createPlatformClient({ baseUrl: 'http://platform.test', fetch });

    const error = await errorOf(client.sample({ projectId: 'p1', datasetId: 'patients', limit: 1 }));

    expect(error.code).toBe('internal');
  });

  it('gives up on a platform that does not answer within the deadline (unavailable, naming the wait)', async () => {
    const fetch: FetchMock = (_url, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)));
    const client = createPlatformClient({ baseUrl: 'http://platform.test', fetch, timeoutMs: 20 });

    const error = await errorOf(client.health());

    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/did not answer within/);
  });

  it('sends the access token as a Bearer token, and no Authorization header without one', async () => {
    const seen: Array<string | null> = [];
    const fetch: FetchMock = async (_input, init) => {
      seen.push(new Headers(init?.headers).get('authorization'));
      return json(200, []);
    };
    const client = createPlatformClient({ baseUrl: 'http://platform.test', fetch });

    await client.projects({ token: 'access-token-1' });
    await client.projects();

    expect(seen).toEqual(['Bearer access-token-1', null]);
  });

  it('reads the rule profiles and posts session events as JSON', async () => {
    const calls: Array<{ path: string; method: string; body: string | null }> = [];
    const fetch: FetchMock = async (input, init) => {
      calls.push({ path: pathOf(input), method: init?.method ?? 'GET', body: typeof init?.body === 'string' ? init.body : null });
      return pathOf(input).endsWith('/session-events') ? new Response(null, { status: 204 }) : json(200, []);
    };
    const client = createPlatformClient({ baseUrl: 'http://platform.test', fetch });

    expect(await client.rules({ token: 't' })).toEqual([]);
    await client.sessionEvent('locked', { token: 't' });

    expect(calls).toEqual([
      { path: '/api/v1/checking/rules', method: 'GET', body: null },
      { path: '/api/v1/session-events', method: 'POST', body: '{"event":"locked"}' },
    ]);
  });

  it("reads the identity block of the platform's health answer", async () => {
    const identity = {
      issuer: 'http://127.0.0.1:4100/oidc',
      clientId: 'enclave-workstation',
      audience: 'urn:enclave:platform-api',
      scopes: ['openid'],
    };
    const fetch: FetchMock = async () => json(200, { status: 'ok', name: 'P', mode: 'demo', identity });
    const client = createPlatformClient({ baseUrl: 'http://platform.test', fetch });

    expect((await client.health()).identity).toEqual(identity);
  });

  it('reports a caller cancellation as cancelled', async () => {
    const fetch: FetchMock = (_url, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)));
    const client = createPlatformClient({ baseUrl: 'http://platform.test', fetch });
    const abort = new AbortController();

    const pending = errorOf(client.projects({ signal: abort.signal }));
    abort.abort();

    expect((await pending).code).toBe('cancelled');
  });
});

describe('the workstation core', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('checks the platform on a timer and stops when closed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let healthChecks = 0;
    const fetch: FetchMock = async (input) => {
      if (pathOf(input).endsWith('/health')) healthChecks += 1;
      return json(200, { status: 'ok', name: 'Timer platform', mode: 'demo' });
    };
    const core = createWorkstationCore({ platformUrl: 'http://platform.test', fetch, healthIntervalMs: 1_000, tokenStore: 'memory' });
    await vi.advanceTimersByTimeAsync(0);
    expect(healthChecks).toBe(1);

    await vi.advanceTimersByTimeAsync(3_000);
    const whileOpen = healthChecks;
    core.close();
    await vi.advanceTimersByTimeAsync(10_000);

    expect(whileOpen).toBe(4);
    expect(healthChecks).toBe(whileOpen);
  });

  it('announces connecting, then ready, and tells every listener the current state', async () => {
    const fetch: FetchMock = async () => json(200, { status: 'ok', name: 'Status platform', mode: 'demo' });
    const core = createWorkstationCore({ platformUrl: 'http://platform.test', fetch, healthIntervalMs: 3_600_000, tokenStore: 'memory' });
    const early: string[] = [];
    core.events.on('platform.status', (s) => early.push(s.state));

    await core.checkPlatform();
    const late: string[] = [];
    core.events.on('platform.status', (s) => late.push(s.state));
    core.close();

    expect(early).toEqual(['connecting', 'ready']);
    expect(late).toEqual(['ready']);
  });

  it('turns unreachable as soon as a call cannot reach the platform, and ready again when one can', async () => {
    let up = true;
    const idp = createFakeIdp();
    const platform = fakePlatformFetch(idp);
    const fetch: FetchMock = async (input, init) => {
      if (!up) throw new TypeError('fetch failed');
      return platform.fetch(input, init);
    };
    const core = createWorkstationCore({
      platformUrl: 'http://platform.test',
      fetch,
      healthIntervalMs: 3_600_000,
      tokenStore: 'memory',
      discover: fakeDiscover(idp),
    });
    await core.checkPlatform();
    await browserGet(callbackFor((await core.handlers['session.signIn']({})).authorizationUrl));
    const states: string[] = [];
    core.events.on('platform.status', (s) => states.push(s.state));

    up = false;
    await expect(core.handlers['projects.list']({})).rejects.toMatchObject({ code: 'unavailable' });
    up = true;
    await core.handlers['projects.list']({});
    await core.checkPlatform();
    core.close();

    expect(states).toEqual(['ready', 'unreachable', 'ready']);
  });

  it('refuses calls after it has closed', async () => {
    const fetch: FetchMock = async () => json(200, { status: 'ok', name: 'x', mode: 'demo' });
    const core = createWorkstationCore({ platformUrl: 'http://platform.test', fetch, tokenStore: 'memory' });
    core.close();

    await expect(core.handlers['projects.list']({})).rejects.toMatchObject({ code: 'cancelled' });
  });
});
