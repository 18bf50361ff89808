// The workstation's events over HTTP, read with fetch rather than EventSource: EventSource cannot send a header,
// and the session secret goes only in a header (never a cookie, which every port of 127.0.0.1 would receive).
// One connection for all listeners; a dropped connection is opened again with growing pauses; a 401 means this
// window's session is over, and the stream stops for good.
import type { EventName } from '../../../src/common/contract.ts';
import { bestEffort, handledElsewhere } from '../../../src/common/detached.ts';
import { HTTP_EVENTS_PATH } from '../../../src/common/transport-protocol.ts';

/** The parts of a fetch Response body the stream reads (a ReadableStream's reader). */
export interface BodyLike {
  getReader(): {
    read(): Promise<{ done: boolean; value?: Uint8Array }>;
    cancel(): Promise<void>;
  };
}

export interface StreamResponseLike {
  readonly ok: boolean;
  readonly status: number;
  readonly body: BodyLike | null;
}

export type StreamFetch = (
  url: string,
  init: { method: 'GET'; headers: Record<string, string>; credentials: 'omit'; signal: AbortSignal },
) => Promise<StreamResponseLike>;

export interface ServerSentEvent {
  event: string;
  data: string;
}

/**
 * A Server-Sent Events parser (the WHATWG format): lines end with LF, CRLF or CR; "event:" names the event, each
 * "data:" adds a line; a blank line dispatches; lines starting with ":" are comments (the server's keepalive).
 */
export function createSseParser(onEvent: (event: ServerSentEvent) => void): { push(text: string): void } {
  let buffer = '';
  let name = '';
  let data: string[] = [];
  function line(text: string): void {
    if (text === '') {
      if (data.length > 0) onEvent({ event: name || 'message', data: data.join('\n') });
      name = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
  }
  return {
    push(text) {
      buffer += text;
      for (;;) {
        const end = buffer.search(/\r\n|\r|\n/);
        // A lone CR at the very end may be the first half of a CRLF: wait for the next chunk.
        if (end < 0 || (buffer[end] === '\r' && end === buffer.length - 1)) return;
        const width = buffer.startsWith('\r\n', end) ? 2 : 1;
        line(buffer.slice(0, end));
        buffer = buffer.slice(end + width);
      }
    },
  };
}

export interface EventStreamOptions {
  fetch: StreamFetch;
  /** The headers that prove this window's session (read at every connection). */
  headers(): Record<string, string>;
  /** The shell answered 401: this window's session is over. */
  onSessionEnded?(): void;
  /** Pauses between attempts, doubling from the first to the last (ms). */
  retryDelaysMs?: { first: number; max: number };
  /** Resolves after ms, or at once when the signal aborts (tests pass their own clock). */
  wait?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const DEFAULT_RETRY = { first: 500, max: 30_000 };

function defaultWait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

async function readBody(body: BodyLike, parser: { push(text: string): void }): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (value) parser.push(decoder.decode(value, { stream: true }));
    }
  } finally {
    await bestEffort(reader.cancel());
  }
}

export function createEventStream(options: EventStreamOptions): { listen(name: EventName, callback: (data: string) => void): () => void } {
  const retry = options.retryDelaysMs ?? DEFAULT_RETRY;
  const wait = options.wait ?? defaultWait;
  const listeners = new Map<string, Set<(data: string) => void>>();
  let running: AbortController | null = null;

  const parser = () =>
    createSseParser(({ event, data }) => {
      for (const callback of [...(listeners.get(event) ?? [])]) callback(data);
    });

  /** Never rejects: a failed or broken stream is tried again after a wait; a refused session ends it. */
  async function run(signal: AbortSignal): Promise<void> {
    let delay = retry.first;
    while (!signal.aborted) {
      const response = await options
        .fetch(HTTP_EVENTS_PATH, { method: 'GET', headers: options.headers(), credentials: 'omit', signal })
        .catch((): null => null);
      if (signal.aborted) return;
      if (response?.status === 401) {
        options.onSessionEnded?.();
        return;
      }
      if (response?.ok && response.body) {
        delay = retry.first;
        // A broken stream is retried below, like a refused one.
        await bestEffort(readBody(response.body, parser()));
      } else {
        await bestEffort(response?.body?.getReader().cancel());
      }
      if (signal.aborted) return;
      await wait(delay, signal);
      delay = Math.min(delay * 2, retry.max);
    }
  }

  return {
    listen(name, callback) {
      let set = listeners.get(name);
      if (set === undefined) listeners.set(name, (set = new Set()));
      set.add(callback);
      if (running === null) {
        const controller = new AbortController();
        running = controller;
        handledElsewhere(run(controller.signal));
      }
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        listeners.get(name)?.delete(callback);
        if ([...listeners.values()].every((s) => s.size === 0)) {
          running?.abort();
          running = null;
        }
      };
    },
  };
}
