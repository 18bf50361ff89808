// The renderer's transport: Outcome envelopes over Electron IPC, and the HTTP wire (JSON, Arrow bytes, Server-Sent
// Events read with fetch), every call carrying the window's session secret in a header and no cookie, with every
// failure turned into an EnclaveError a person can read.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EnclaveError } from '../../../../src/common/errors.ts';
import { ARROW_STREAM_CONTENT_TYPE, HTTP_CALL_HEADER, HTTP_EVENTS_PATH } from '../../../../src/common/transport-protocol.ts';
import type { EnclaveBridge } from '../../../../src/common/contract-names.ts';
import { createSseParser, type ServerSentEvent } from '../../../../renderer/src/shell/event-stream.ts';
import {
  createHttpTransport,
  createIpcTransport,
  createTransport,
  errorForStatus,
  KEEPALIVE_MAX_BODY,
  type FetchLike,
} from '../../../../renderer/src/shell/transport.ts';
import { errorOf } from '../../../support/error-of.ts';

const SESSION = 'the-window-session-secret';

interface Call {
  url: string;
  init: Parameters<FetchLike>[1];
}

function fakeFetch(respond: (call: Call) => Response | Promise<Response>): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: async (url, init) => {
      const call = { url, init };
      calls.push(call);
      return respond(call);
    },
  };
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('HTTP transport: invoke', () => {
  it('POSTs the payload as JSON to /api/invoke/<method> with the session header and no cookie', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { ok: true, value: [] }));
    await createHttpTransport({ fetch, session: SESSION }).invoke('projects.list', {});
    expect(calls).toEqual([
      {
        url: '/api/invoke/projects.list',
        init: {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-enclave-session': SESSION },
          body: '{}',
          credentials: 'omit',
        },
      },
    ]);
  });

  it("sends the window's small saves (editor text, layout) so that they outlive the page, and nothing else", async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { ok: true, value: null }));
    const transport = createHttpTransport({ fetch, session: SESSION });
    const tab = (sql: string) => ({ projectId: 'p1', tab: { id: 't1', sql } });

    await transport.invoke('workspace.saveTab', tab('SELECT 1'));
    await transport.invoke('workspace.saveLayout', {
      projectId: 'p1',
      layout: { arrangement: 'stacked', sizes: [20], schemaTreeOpen: true },
    });
    await transport.invoke('workspace.saveTab', tab('x'.repeat(KEEPALIVE_MAX_BODY)));
    await transport.invoke('workspace.run', { projectId: 'p1', sql: 'SELECT 1' });

    expect(calls.map((call) => call.init.keepalive === true)).toEqual([true, true, false, false]);
  });

  it('sends a save the ordinary way when the browser refuses it as keepalive (its quota is full)', async () => {
    const { fetch, calls } = fakeFetch((call) => {
      if (call.init.keepalive) throw new TypeError('Failed to fetch');
      return json(200, { ok: true, value: null });
    });

    await createHttpTransport({ fetch, session: SESSION }).invoke('workspace.saveTab', { projectId: 'p1', tab: { id: 't1', sql: 'S' } });

    expect(calls.map((call) => call.init.keepalive ?? false)).toEqual([true, false]);
  });

  it('returns the value of a success envelope', async () => {
    const value = { projectId: 'p1', datasets: [] };
    const { fetch } = fakeFetch(() => json(200, { ok: true, value }));
    await expect(createHttpTransport({ fetch, session: SESSION }).invoke('catalogue.get', { projectId: 'p1' })).resolves.toEqual(value);
  });

  it('turns an error envelope into an EnclaveError with its code and message', async () => {
    const { fetch } = fakeFetch(() => json(403, { ok: false, error: { code: 'forbidden', message: 'Not your project.' } }));
    const err = await errorOf(createHttpTransport({ fetch, session: SESSION }).invoke('catalogue.get', { projectId: 'p2' }));
    expect(err.code).toBe('forbidden');
    expect(err.message).toBe('Not your project.');
  });

  it('returns Arrow bytes of a binary method as a Uint8Array', async () => {
    const bytes = new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3]);
    const { fetch } = fakeFetch(() => new Response(bytes, { status: 200, headers: { 'content-type': ARROW_STREAM_CONTENT_TYPE } }));
    const value = await createHttpTransport({ fetch, session: SESSION }).invoke('dataset.sample', {
      projectId: 'p',
      datasetId: 'd',
      limit: 1,
    });
    expect(value).toBeInstanceOf(Uint8Array);
    expect(Array.from(value as Uint8Array)).toEqual(Array.from(bytes));
  });

  it('reads the JSON error of a binary method that failed', async () => {
    const { fetch } = fakeFetch(() => json(503, { ok: false, error: { code: 'unavailable', message: 'The platform is busy.' } }));
    const err = await errorOf(
      createHttpTransport({ fetch, session: SESSION }).invoke('dataset.sample', { projectId: 'p', datasetId: 'd', limit: 1 }),
    );
    expect(err.code).toBe('unavailable');
    expect(err.message).toBe('The platform is busy.');
  });

  it('does not hand out bytes for a method that is not binary, whatever the content type says', async () => {
    const { fetch } = fakeFetch(
      () => new Response(new Uint8Array([1, 2]), { status: 200, headers: { 'content-type': ARROW_STREAM_CONTENT_TYPE } }),
    );
    const err = await errorOf(createHttpTransport({ fetch, session: SESSION }).invoke('session.get', {}));
    expect(err.code).toBe('internal');
  });

  it('says the workstation is unreachable when fetch itself fails, without the network error text', async () => {
    const { fetch } = fakeFetch(() => Promise.reject(new TypeError('Failed to fetch http://127.0.0.1:1234/secret')));
    const err = await errorOf(createHttpTransport({ fetch, session: SESSION }).invoke('session.get', {}));
    expect(err.code).toBe('unavailable');
    expect(err.message).not.toContain('127.0.0.1');
  });

  it('maps an answer that is not an Outcome by its status', async () => {
    const html = (status: number) => () => new Response('<html>proxy error</html>', { status, headers: { 'content-type': 'text/html' } });
    expect(
      (await errorOf(createHttpTransport({ fetch: fakeFetch(html(401)).fetch, session: SESSION }).invoke('session.get', {}))).code,
    ).toBe('unauthenticated');
    expect(
      (await errorOf(createHttpTransport({ fetch: fakeFetch(html(502)).fetch, session: SESSION }).invoke('session.get', {}))).code,
    ).toBe('unavailable');
    expect(
      (
        await errorOf(
          createHttpTransport({ fetch: fakeFetch(() => json(200, { hello: 1 })).fetch, session: SESSION }).invoke('session.get', {}),
        )
      ).code,
    ).toBe('internal');
  });

  it('never shows a forged error envelope with an unknown code as anything but internal', async () => {
    const { fetch } = fakeFetch(() => json(500, { ok: false, error: { code: 'root_shell', message: 'x' } }));
    const err = await errorOf(createHttpTransport({ fetch, session: SESSION }).invoke('session.get', {}));
    expect(err.code).toBe('internal');
  });
});

describe('HTTP transport: a call its caller may cancel or follow', () => {
  it('carries the call id in a header and hands fetch the call signal', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { ok: true, value: [] }));
    const id = randomUUID();
    const controller = new AbortController();

    await createHttpTransport({ fetch, session: SESSION }).invoke('projects.list', {}, { id, signal: controller.signal });

    expect(calls[0]?.init.headers[HTTP_CALL_HEADER]).toBe(id);
    expect(calls[0]?.init.signal).toBe(controller.signal);
  });

  it('on abort, rejects at once with cancelled, hangs up its request, and POSTs call.cancel with its id', async () => {
    let hungUp: () => void = () => {};
    const requestAborted = new Promise<void>((resolve) => (hungUp = resolve));
    const { fetch, calls } = fakeFetch((call) => {
      if (call.url.endsWith('/call.cancel')) return json(200, { ok: true, value: null });
      // The workstation never answers this one: only the abort can end it.
      return new Promise<Response>((_resolve, reject) =>
        call.init.signal?.addEventListener('abort', () => {
          hungUp();
          reject(new DOMException('aborted', 'AbortError'));
        }),
      );
    });
    const id = randomUUID();
    const controller = new AbortController();
    const call = createHttpTransport({ fetch, session: SESSION }).invoke(
      'dataset.sample',
      { projectId: 'p', datasetId: 'd', limit: 1 },
      { id, signal: controller.signal },
    );

    controller.abort();

    expect((await errorOf(call)).code).toBe('cancelled');
    await requestAborted;
    const cancel = calls.find((c) => c.url === '/api/invoke/call.cancel');
    expect(cancel?.init).toMatchObject({ method: 'POST', headers: { 'x-enclave-session': SESSION }, credentials: 'omit' });
    expect(JSON.parse(cancel?.init.body ?? '{}')).toEqual({ callId: id });
    expect(cancel?.init.headers[HTTP_CALL_HEADER]).toBeUndefined();
  });
});

describe('errorForStatus', () => {
  it('names each status class', () => {
    expect(errorForStatus(403).code).toBe('forbidden');
    expect(errorForStatus(404).code).toBe('not_found');
    expect(errorForStatus(418).code).toBe('internal');
  });
});

/** An event stream the test writes to, as the shell would. */
function streamResponse(status = 200): { response: Response; write(text: string): void; end(): void; cancelled: Promise<void> } {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let onCancel: () => void = () => {};
  const cancelled = new Promise<void>((resolve) => (onCancel = resolve));
  const body = new ReadableStream<Uint8Array>({
    start: (c) => {
      controller = c;
    },
    cancel: () => onCancel(),
  });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { status, headers: { 'content-type': 'text/event-stream' } }),
    write: (text) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
    cancelled,
  };
}

/** A fake clock for the reconnect pauses: each wait is recorded and resolves when the test says so. */
function manualWaits(): {
  waits: number[];
  next(): void;
  wait(ms: number, signal: AbortSignal): Promise<void>;
  waited: () => Promise<void>;
} {
  const waits: number[] = [];
  const pending: (() => void)[] = [];
  let announce: () => void = () => {};
  let announced = new Promise<void>((resolve) => (announce = resolve));
  return {
    waits,
    next: () => pending.shift()?.(),
    wait(ms, signal) {
      waits.push(ms);
      const done = new Promise<void>((resolve) => {
        pending.push(resolve);
        signal.addEventListener('abort', () => resolve());
      });
      announce();
      announced = new Promise<void>((resolve) => (announce = resolve));
      return done;
    },
    waited: () => announced,
  };
}

/** A fake fetch whose calls a test takes in turn: nextCall() resolves with the next one, made or yet to come. */
function callQueue(respond: (call: Call) => Response | Promise<Response>) {
  const waiting: ((call: Call) => void)[] = [];
  let taken = 0;
  const { fetch, calls } = fakeFetch((call) => {
    const response = respond(call);
    const waiter = waiting.shift();
    if (waiter) {
      taken += 1;
      waiter(call);
    }
    return response;
  });
  return {
    fetch,
    calls,
    nextCall: () =>
      new Promise<Call>((resolve) => {
        const made = calls[taken];
        if (made) {
          taken += 1;
          resolve(made);
        } else waiting.push(resolve);
      }),
  };
}

describe('HTTP transport: events', () => {
  it('reads /api/events with fetch, the session header and no cookie, and hands each listener the parsed payload', async () => {
    const stream = streamResponse();
    const { fetch, calls, nextCall } = callQueue(() => stream.response);
    const transport = createHttpTransport({ fetch, session: SESSION });
    const heard: unknown[] = [];
    const twice = new Promise<void>((resolve) => {
      transport.listen('platform.status', (payload) => heard.push(['b', payload]));
      transport.listen('platform.status', (payload) => {
        heard.push(['a', payload]);
        resolve();
      });
    });
    await nextCall();

    stream.write(': connected\n\nevent: platform.status\ndata: {"state":"ready",');
    stream.write('"message":"Connected"}\n\n');
    await twice;

    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe(HTTP_EVENTS_PATH);
    expect(calls[0]?.init).toMatchObject({ method: 'GET', headers: { 'x-enclave-session': SESSION }, credentials: 'omit' });
    expect(heard).toEqual([
      ['b', { state: 'ready', message: 'Connected' }],
      ['a', { state: 'ready', message: 'Connected' }],
    ]);
  });

  it('drops malformed events instead of throwing, and stops reading when the last listener goes', async () => {
    const stream = streamResponse();
    const { fetch, nextCall } = callQueue(() => stream.response);
    const transport = createHttpTransport({ fetch, session: SESSION });
    const seen: unknown[] = [];
    let good: () => void = () => {};
    const heardGood = new Promise<void>((resolve) => (good = resolve));
    const stop = transport.listen('platform.status', (payload) => {
      seen.push(payload);
      good();
    });
    const call = await nextCall();

    stream.write('event: platform.status\ndata: {not json\n\nevent: platform.status\ndata: {"state":"ready","message":"ok"}\n\n');
    await heardGood;
    stop();
    stop(); // a second call changes nothing

    expect(seen).toEqual([{ state: 'ready', message: 'ok' }]);
    expect(call.init.signal?.aborted).toBe(true);
  });

  it('opens the stream again after it drops, with pauses that double and start over after a good connection', async () => {
    const clock = manualWaits();
    const streams: ReturnType<typeof streamResponse>[] = [];
    let attempt = 0;
    const { fetch, nextCall } = callQueue(() => {
      attempt += 1;
      if (attempt === 2 || attempt === 3) return Promise.reject(new TypeError('Failed to fetch'));
      const stream = streamResponse();
      streams.push(stream);
      return stream.response;
    });
    const transport = createHttpTransport({
      fetch,
      session: SESSION,
      eventStream: { retryDelaysMs: { first: 100, max: 250 }, wait: clock.wait },
    });
    const stop = transport.listen('platform.status', () => {});

    await nextCall(); // 1: connects
    let waited = clock.waited();
    streams[0]?.end();
    await waited;
    let called = nextCall();
    clock.next();
    await called; // 2: fails
    waited = clock.waited();
    await waited;
    called = nextCall();
    clock.next();
    await called; // 3: fails
    waited = clock.waited();
    await waited;
    called = nextCall();
    clock.next();
    await called; // 4: connects
    waited = clock.waited();
    streams[1]?.end();
    await waited;
    stop();

    expect(clock.waits).toEqual([100, 200, 250, 100]);
  });

  it('stops for good on 401 and says the session has ended', async () => {
    const clock = manualWaits();
    let ended: () => void = () => {};
    const sessionEnded = new Promise<void>((resolve) => (ended = resolve));
    const { fetch, calls } = callQueue(() => json(401, { ok: false, error: { code: 'unauthenticated', message: 'No session.' } }));
    const transport = createHttpTransport({ fetch, session: SESSION, onSessionEnded: ended, eventStream: { wait: clock.wait } });

    transport.listen('session.changed', () => {});
    await sessionEnded;

    expect(calls).toHaveLength(1);
    expect(clock.waits).toEqual([]);
  });
});

describe('the Server-Sent Events parser', () => {
  function parse(...chunks: string[]): ServerSentEvent[] {
    const events: ServerSentEvent[] = [];
    const parser = createSseParser((event) => events.push(event));
    for (const chunk of chunks) parser.push(chunk);
    return events;
  }

  it('reads LF, CRLF and CR line ends, across chunk borders', () => {
    expect(parse('event: a\r', '\ndata: 1\r\n\r\nevent: b\rdata: 2\r', '\r\n')).toEqual([
      { event: 'a', data: '1' },
      { event: 'b', data: '2' },
    ]);
  });

  it('joins data lines, skips comments, names unnamed events "message", and keeps an unfinished event', () => {
    expect(parse(': keepalive\n\ndata: x\ndata:y\n\nevent: late\ndata: z\n')).toEqual([{ event: 'message', data: 'x\ny' }]);
  });
});

describe('IPC transport', () => {
  const bridge = (invoke: EnclaveBridge['invoke']): EnclaveBridge => ({ invoke, listen: () => () => {} });

  it('returns the value of a success envelope', async () => {
    const transport = createIpcTransport(bridge(async () => ({ ok: true, value: [1] })));
    await expect(transport.invoke('projects.list', {})).resolves.toEqual([1]);
  });

  it('turns an error envelope into an EnclaveError', async () => {
    const transport = createIpcTransport(bridge(async () => ({ ok: false, error: { code: 'not_found', message: 'No such dataset.' } })));
    const err = await errorOf(transport.invoke('catalogue.get', { projectId: 'p' }));
    expect(err.code).toBe('not_found');
    expect(err.message).toBe('No such dataset.');
  });

  it('hides the text of a rejected IPC call', async () => {
    const transport = createIpcTransport(
      bridge(async () => Promise.reject(new Error("Error invoking remote method 'enclave:invoke': secret"))),
    );
    const err = await errorOf(transport.invoke('session.get', {}));
    expect(err.code).toBe('unavailable');
    expect(err.message).not.toContain('secret');
  });

  it('rejects an answer that is not an envelope', async () => {
    const transport = createIpcTransport(bridge(async () => 'surprise' as never));
    expect((await errorOf(transport.invoke('session.get', {}))).code).toBe('internal');
  });

  it('passes a call id to the bridge, and on abort rejects at once and sends call.cancel for it', async () => {
    const invoked: unknown[][] = [];
    const transport = createIpcTransport({
      invoke: (...args: unknown[]) => {
        invoked.push(args);
        // Only the cancel is answered: the sample itself never is.
        return args[0] === 'call.cancel' ? Promise.resolve({ ok: true, value: null }) : new Promise(() => {});
      },
      listen: () => () => {},
    });
    const id = randomUUID();
    const controller = new AbortController();

    const call = transport.invoke('dataset.sample', { projectId: 'p', datasetId: 'd', limit: 1 }, { id, signal: controller.signal });
    controller.abort();

    expect((await errorOf(call)).code).toBe('cancelled');
    expect(invoked).toEqual([
      ['dataset.sample', { projectId: 'p', datasetId: 'd', limit: 1 }, id],
      ['call.cancel', { callId: id }],
    ]);
  });

  it('passes listen straight to the bridge', () => {
    const calls: string[] = [];
    const stop = createIpcTransport({
      invoke: async () => ({ ok: true, value: null }),
      listen: (name) => {
        calls.push(name);
        return () => calls.push('stopped');
      },
    }).listen('platform.status', () => {});
    stop();
    expect(calls).toEqual(['platform.status', 'stopped']);
  });
});

describe('choosing a transport', () => {
  it('prefers the Electron bridge when the preload provides one', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { ok: true, value: 'http' }));
    const transport = createTransport({ bridge: { invoke: async () => ({ ok: true, value: 'ipc' }), listen: () => () => {} }, fetch });
    await expect(transport.invoke('session.get', {})).resolves.toBe('ipc');
    expect(calls).toHaveLength(0);
  });

  it("uses HTTP with the window's session without a bridge", async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { ok: true, value: 'http' }));
    await expect(createTransport({ fetch, session: SESSION }).invoke('session.get', {})).resolves.toBe('http');
    expect(calls[0]?.init.headers['x-enclave-session']).toBe(SESSION);
  });

  it('refuses to make HTTP calls without a session', () => {
    const { fetch, calls } = fakeFetch(() => json(200, { ok: true, value: 'http' }));
    expect(() => createTransport({ fetch })).toThrow(expect.objectContaining({ code: 'unauthenticated' }));
    expect(calls).toHaveLength(0);
  });

  it('says so when neither is available', () => {
    expect(() => createTransport({})).toThrow(EnclaveError);
  });
});
