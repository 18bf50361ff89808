// The renderer's side of the one contract's wire: Electron IPC when the preload is there, HTTP otherwise.
// Deliberately typed with small structural interfaces (not DOM types) so unit tests can pass fakes.
import type { Transport } from '../../src/common/client.ts';
import { isBinaryMethod, type EventName, type MethodName } from '../../src/common/contract.ts';
import { EnclaveError, fromErrorValue } from '../../src/common/errors.ts';
import { ARROW_STREAM_CONTENT_TYPE, HTTP_EVENTS_PATH, HTTP_INVOKE_PREFIX } from '../../src/common/transport-protocol.ts';
import type { EnclaveBridge } from '../../src/common/contract-names.ts';

interface ResponseLike {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; credentials: 'same-origin' }) => Promise<ResponseLike>;

interface MessageEventLike {
  readonly data: unknown;
}

export interface EventSourceLike {
  addEventListener(type: string, listener: (event: MessageEventLike) => void): void;
  removeEventListener(type: string, listener: (event: MessageEventLike) => void): void;
  close(): void;
}

export type EventSourceFactory = (url: string) => EventSourceLike;

/** Picks the transport the page was loaded under. */
export function createTransport(env: { bridge?: EnclaveBridge; fetch?: FetchLike; eventSource?: EventSourceFactory } = defaultEnv()): Transport {
  if (env.bridge) return createIpcTransport(env.bridge);
  if (!env.fetch) throw new EnclaveError('unavailable', 'This window cannot reach the workstation: it has neither the Electron bridge nor fetch.');
  return createHttpTransport({ fetch: env.fetch, eventSource: env.eventSource });
}

function defaultEnv(): { bridge?: EnclaveBridge; fetch?: FetchLike; eventSource?: EventSourceFactory } {
  const global = globalThis as unknown as {
    enclave?: EnclaveBridge;
    fetch?: FetchLike;
    EventSource?: new (url: string, init?: { withCredentials?: boolean }) => EventSourceLike;
  };
  const EventSourceCtor = global.EventSource;
  return {
    bridge: global.enclave,
    fetch: global.fetch ? global.fetch.bind(globalThis) : undefined,
    eventSource: EventSourceCtor ? (url) => new EventSourceCtor(url) : undefined,
  };
}

export function createIpcTransport(bridge: EnclaveBridge): Transport {
  return {
    async invoke(name, payload) {
      let outcome: unknown;
      try {
        outcome = await bridge.invoke(name, payload);
      } catch {
        throw new EnclaveError('unavailable', 'The workstation did not answer. Try again, or restart Enclave.');
      }
      return unwrapOutcome(outcome);
    },
    listen(name, callback) {
      return bridge.listen(name, callback);
    },
  };
}

export function createHttpTransport(deps: { fetch: FetchLike; eventSource?: EventSourceFactory }): Transport {
  const events = createEventHub(deps.eventSource);
  return {
    async invoke(name: MethodName, payload: unknown) {
      let response: ResponseLike;
      try {
        response = await deps.fetch(HTTP_INVOKE_PREFIX + encodeURIComponent(name), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(payload ?? {}),
          credentials: 'same-origin',
        });
      } catch {
        throw new EnclaveError('unavailable', 'The workstation is not reachable. Check that Enclave is still running, then try again.');
      }
      const contentType = (response.headers.get('content-type') ?? '').toLowerCase();
      if (response.ok && isBinaryMethod(name) && contentType.startsWith(ARROW_STREAM_CONTENT_TYPE)) {
        return new Uint8Array(await response.arrayBuffer());
      }
      let body: unknown;
      try {
        body = JSON.parse(await response.text());
      } catch {
        throw errorForStatus(response.status);
      }
      if (isOutcome(body)) return unwrapOutcome(body);
      throw errorForStatus(response.status);
    },
    listen: events.listen,
  };
}

function isOutcome(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

/** Returns the value of a success envelope, throws an EnclaveError for anything else. */
export function unwrapOutcome(outcome: unknown): unknown {
  if (typeof outcome === 'object' && outcome !== null) {
    const envelope = outcome as { ok?: unknown; value?: unknown; error?: unknown };
    if (envelope.ok === true) return envelope.value;
    if (envelope.ok === false) throw fromErrorValue(envelope.error);
  }
  throw new EnclaveError('internal', 'The workstation sent an answer this window could not read.');
}

/** For answers that are not an Outcome (a proxy page, an empty body): the status is all we know. */
export function errorForStatus(status: number): EnclaveError {
  if (status === 401) return new EnclaveError('unauthenticated', 'This window is no longer signed in to the workstation. Open Enclave again from its launcher.');
  if (status === 403) return new EnclaveError('forbidden', 'The workstation refused this request.');
  if (status === 404) return new EnclaveError('not_found', 'The workstation does not know this request.');
  if (status >= 500) return new EnclaveError('unavailable', 'The workstation had a problem answering. Try again in a moment.');
  return new EnclaveError('internal', 'The workstation sent an answer this window could not read.');
}

/** One EventSource for all listeners, opened on the first listen and closed after the last. */
function createEventHub(factory: EventSourceFactory | undefined): { listen: Transport['listen'] } {
  let source: EventSourceLike | null = null;
  let listeners = 0;
  return {
    listen(name: EventName, callback: (payload: unknown) => void) {
      if (!factory) return () => {};
      source ??= factory(HTTP_EVENTS_PATH);
      const current = source;
      listeners += 1;
      const onEvent = (event: MessageEventLike): void => {
        if (typeof event.data !== 'string') return;
        let payload: unknown;
        try {
          payload = JSON.parse(event.data);
        } catch {
          return; // A malformed event is dropped; the client validates the rest against the contract.
        }
        callback(payload);
      };
      current.addEventListener(name, onEvent);
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        current.removeEventListener(name, onEvent);
        listeners -= 1;
        if (listeners === 0 && source === current) {
          current.close();
          source = null;
        }
      };
    },
  };
}
