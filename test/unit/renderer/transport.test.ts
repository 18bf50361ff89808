// The renderer's transport: Outcome envelopes over Electron IPC, and the HTTP wire (JSON, Arrow bytes, SSE),
// with every failure turned into an EnclaveError a person can read.
import { describe, expect, it } from 'vitest';
import { EnclaveError } from '../../../src/common/errors.ts';
import { ARROW_STREAM_CONTENT_TYPE, HTTP_EVENTS_PATH } from '../../../src/common/transport-protocol.ts';
import type { EnclaveBridge } from '../../../src/common/contract-names.ts';
import {
  createHttpTransport,
  createIpcTransport,
  createTransport,
  errorForStatus,
  type EventSourceLike,
  type FetchLike,
} from '../../../renderer/src/transport.ts';

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

async function rejection(promise: Promise<unknown>): Promise<EnclaveError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof EnclaveError) return err;
    throw new Error(`expected an EnclaveError, got ${String(err)}`, { cause: err });
  }
  throw new Error('expected a rejection');
}

describe('HTTP transport: invoke', () => {
  it('POSTs the payload as JSON to /api/invoke/<method> with same-origin credentials', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, { ok: true, value: [] }));
    await createHttpTransport({ fetch }).invoke('projects.list', {});
    expect(calls).toEqual([
      {
        url: '/api/invoke/projects.list',
        init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', credentials: 'same-origin' },
      },
    ]);
  });

  it('returns the value of a success envelope', async () => {
    const value = { projectId: 'p1', datasets: [] };
    const { fetch } = fakeFetch(() => json(200, { ok: true, value }));
    await expect(createHttpTransport({ fetch }).invoke('catalogue.get', { projectId: 'p1' })).resolves.toEqual(value);
  });

  it('turns an error envelope into an EnclaveError with its code and message', async () => {
    const { fetch } = fakeFetch(() => json(403, { ok: false, error: { code: 'forbidden', message: 'Not your project.' } }));
    const err = await rejection(createHttpTransport({ fetch }).invoke('catalogue.get', { projectId: 'p2' }));
    expect(err.code).toBe('forbidden');
    expect(err.message).toBe('Not your project.');
  });

  it('returns Arrow bytes of a binary method as a Uint8Array', async () => {
    const bytes = new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3]);
    const { fetch } = fakeFetch(() => new Response(bytes, { status: 200, headers: { 'content-type': ARROW_STREAM_CONTENT_TYPE } }));
    const value = await createHttpTransport({ fetch }).invoke('dataset.sample', { projectId: 'p', datasetId: 'd', limit: 1 });
    expect(value).toBeInstanceOf(Uint8Array);
    expect(Array.from(value as Uint8Array)).toEqual(Array.from(bytes));
  });

  it('reads the JSON error of a binary method that failed', async () => {
    const { fetch } = fakeFetch(() => json(503, { ok: false, error: { code: 'unavailable', message: 'The platform is busy.' } }));
    const err = await rejection(createHttpTransport({ fetch }).invoke('dataset.sample', { projectId: 'p', datasetId: 'd', limit: 1 }));
    expect(err.code).toBe('unavailable');
    expect(err.message).toBe('The platform is busy.');
  });

  it('does not hand out bytes for a method that is not binary, whatever the content type says', async () => {
    const { fetch } = fakeFetch(() => new Response(new Uint8Array([1, 2]), { status: 200, headers: { 'content-type': ARROW_STREAM_CONTENT_TYPE } }));
    const err = await rejection(createHttpTransport({ fetch }).invoke('session.get', {}));
    expect(err.code).toBe('internal');
  });

  it('says the workstation is unreachable when fetch itself fails, without the network error text', async () => {
    const { fetch } = fakeFetch(() => Promise.reject(new TypeError('Failed to fetch http://127.0.0.1:1234/secret')));
    const err = await rejection(createHttpTransport({ fetch }).invoke('session.get', {}));
    expect(err.code).toBe('unavailable');
    expect(err.message).not.toContain('127.0.0.1');
  });

  it('maps an answer that is not an Outcome by its status', async () => {
    const html = (status: number) => () => new Response('<html>proxy error</html>', { status, headers: { 'content-type': 'text/html' } });
    expect((await rejection(createHttpTransport({ fetch: fakeFetch(html(401)).fetch }).invoke('session.get', {}))).code).toBe('unauthenticated');
    expect((await rejection(createHttpTransport({ fetch: fakeFetch(html(502)).fetch }).invoke('session.get', {}))).code).toBe('unavailable');
    expect((await rejection(createHttpTransport({ fetch: fakeFetch(() => json(200, { hello: 1 })).fetch }).invoke('session.get', {}))).code).toBe('internal');
  });

  it('never shows a forged error envelope with an unknown code as anything but internal', async () => {
    const { fetch } = fakeFetch(() => json(500, { ok: false, error: { code: 'root_shell', message: 'x' } }));
    const err = await rejection(createHttpTransport({ fetch }).invoke('session.get', {}));
    expect(err.code).toBe('internal');
  });
});

describe('errorForStatus', () => {
  it('names each status class', () => {
    expect(errorForStatus(403).code).toBe('forbidden');
    expect(errorForStatus(404).code).toBe('not_found');
    expect(errorForStatus(418).code).toBe('internal');
  });
});

class FakeEventSource implements EventSourceLike {
  readonly listeners = new Map<string, Set<(event: { data: unknown }) => void>>();
  closed = false;
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }
  addEventListener(type: string, listener: (event: { data: unknown }) => void): void {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)?.add(listener);
  }
  removeEventListener(type: string, listener: (event: { data: unknown }) => void): void {
    this.listeners.get(type)?.delete(listener);
  }
  close(): void {
    this.closed = true;
  }
  emit(type: string, data: unknown): void {
    for (const listener of this.listeners.get(type) ?? []) listener({ data });
  }
}

describe('HTTP transport: events', () => {
  it('opens one EventSource on /api/events and hands each listener the parsed payload', () => {
    const sources: FakeEventSource[] = [];
    const transport = createHttpTransport({
      fetch: fakeFetch(() => json(200, {})).fetch,
      eventSource: (url) => {
        const source = new FakeEventSource(url);
        sources.push(source);
        return source;
      },
    });
    const seen: unknown[] = [];
    const stopA = transport.listen('platform.status', (payload) => seen.push(['a', payload]));
    const stopB = transport.listen('platform.status', (payload) => seen.push(['b', payload]));
    sources[0].emit('platform.status', JSON.stringify({ state: 'ready', message: 'Connected' }));
    expect(sources).toHaveLength(1);
    expect(sources[0].url).toBe(HTTP_EVENTS_PATH);
    expect(seen).toEqual([
      ['a', { state: 'ready', message: 'Connected' }],
      ['b', { state: 'ready', message: 'Connected' }],
    ]);
    stopA();
    stopA(); // a second call changes nothing
    expect(sources[0].closed).toBe(false);
    stopB();
    expect(sources[0].closed).toBe(true);
  });

  it('drops malformed events instead of throwing', () => {
    let source: FakeEventSource | null = null;
    const transport = createHttpTransport({
      fetch: fakeFetch(() => json(200, {})).fetch,
      eventSource: (url) => (source = new FakeEventSource(url)),
    });
    const seen: unknown[] = [];
    transport.listen('platform.status', (payload) => seen.push(payload));
    expect(() => source?.emit('platform.status', '{not json')).not.toThrow();
    expect(seen).toEqual([]);
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
    const err = await rejection(transport.invoke('catalogue.get', { projectId: 'p' }));
    expect(err.code).toBe('not_found');
    expect(err.message).toBe('No such dataset.');
  });

  it('hides the text of a rejected IPC call', async () => {
    const transport = createIpcTransport(bridge(async () => Promise.reject(new Error("Error invoking remote method 'enclave:invoke': secret"))));
    const err = await rejection(transport.invoke('session.get', {}));
    expect(err.code).toBe('unavailable');
    expect(err.message).not.toContain('secret');
  });

  it('rejects an answer that is not an envelope', async () => {
    const transport = createIpcTransport(bridge(async () => 'surprise' as never));
    expect((await rejection(transport.invoke('session.get', {}))).code).toBe('internal');
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

  it('uses HTTP without a bridge', async () => {
    const { fetch } = fakeFetch(() => json(200, { ok: true, value: 'http' }));
    await expect(createTransport({ fetch }).invoke('session.get', {})).resolves.toBe('http');
  });

  it('says so when neither is available', () => {
    expect(() => createTransport({})).toThrow(EnclaveError);
  });
});
