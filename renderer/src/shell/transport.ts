// The renderer's side of the one contract's wire: Electron IPC when the preload is there, HTTP otherwise.
// Deliberately typed with small structural interfaces (not DOM types) so unit tests can pass fakes, and the
// contract suite can run this very code over Node's fetch. Over HTTP every call carries the window's session
// secret in a header (../session/launch.ts gets it); the browser sends no cookie (credentials: 'omit'). A call
// with an id (one the caller may cancel or follow) carries it as IPC's third argument or in a header; cancelling
// it sends 'call.cancel' (../../../src/common/call-routing.ts), and over HTTP also hangs up the request.
import { withCalls } from '../../../src/common/call-routing.ts';
import type { Transport, TransportCall } from '../../../src/common/client.ts';
import type { EnclaveBridge } from '../../../src/common/contract-names.ts';
import { isBinaryMethod, type MethodName } from '../../../src/common/contract.ts';
import { EnclaveError, fromErrorValue } from '../../../src/common/errors.ts';
import {
  ARROW_STREAM_CONTENT_TYPE,
  HTTP_CALL_HEADER,
  HTTP_INVOKE_PREFIX,
  HTTP_SESSION_HEADER,
} from '../../../src/common/transport-protocol.ts';
import { createEventStream, type BodyLike, type EventStreamOptions } from './event-stream.ts';

export interface ResponseLike {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: BodyLike | null;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

export interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  credentials: 'omit';
  signal?: AbortSignal;
  /** Lets the request finish after the page has gone (a reload, a close): what was typed last must still arrive. */
  keepalive?: boolean;
}

/** Saves the window sends as it goes away (editor text, the layout): small ones outlive the page. */
const SAVES_THAT_OUTLIVE_THE_PAGE: ReadonlySet<MethodName> = new Set(['workspace.saveTab', 'workspace.saveLayout']);
/** Browsers allow 64 KiB of keepalive bodies in flight per page; a larger text is sent the ordinary way. */
export const KEEPALIVE_MAX_BODY = 32 * 1024;

/** Whether a request is one of the small saves that must survive the page's unload. */
export function outlivesThePage(name: MethodName, body: string): boolean {
  return SAVES_THAT_OUTLIVE_THE_PAGE.has(name) && body.length <= KEEPALIVE_MAX_BODY;
}

export type FetchLike = (url: string, init: FetchInit) => Promise<ResponseLike>;

export interface HttpTransportOptions {
  fetch: FetchLike;
  /** The window's session secret with the browser shell. */
  session: string;
  /** The shell no longer knows this window's session (its event stream answered 401). */
  onSessionEnded?: () => void;
  /** For tests: the event stream's pauses and clock. */
  eventStream?: Pick<EventStreamOptions, 'retryDelaysMs' | 'wait'>;
}

/** Picks the transport the page was loaded under: Electron's bridge, or HTTP with the window's session. */
export function createTransport(env: {
  bridge?: EnclaveBridge;
  fetch?: FetchLike;
  session?: string;
  onSessionEnded?: () => void;
}): Transport {
  if (env.bridge) return createIpcTransport(env.bridge);
  if (!env.fetch)
    throw new EnclaveError('unavailable', 'This window cannot reach the workstation: it has neither the Electron bridge nor fetch.');
  if (!env.session)
    throw new EnclaveError('unauthenticated', 'This window has no session with the workstation. Open Enclave from its launcher.');
  return createHttpTransport({ fetch: env.fetch, session: env.session, onSessionEnded: env.onSessionEnded });
}

export function createIpcTransport(bridge: EnclaveBridge): Transport {
  return withCalls({
    async send(name, payload, call) {
      let outcome: unknown;
      try {
        outcome = await (call === undefined ? bridge.invoke(name, payload) : bridge.invoke(name, payload, call.id));
      } catch {
        throw new EnclaveError('unavailable', 'The workstation did not answer. Try again, or restart Enclave.');
      }
      return unwrapOutcome(outcome);
    },
    listen(name, callback) {
      return bridge.listen(name, callback);
    },
  });
}

export function createHttpTransport(options: HttpTransportOptions): Transport {
  const sessionHeaders = (): Record<string, string> => ({ [HTTP_SESSION_HEADER]: options.session });
  const events = createEventStream({
    fetch: options.fetch,
    headers: sessionHeaders,
    onSessionEnded: options.onSessionEnded,
    ...options.eventStream,
  });
  return withCalls({
    async send(name: MethodName, payload: unknown, call?: TransportCall) {
      let response: ResponseLike;
      const json = JSON.stringify(payload ?? {});
      const init: FetchInit = {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...sessionHeaders(), ...(call ? { [HTTP_CALL_HEADER]: call.id } : {}) },
        body: json,
        credentials: 'omit',
        // Hanging up frees the connection at once (a browser allows a handful per server) and tells the shell.
        ...(call?.signal ? { signal: call.signal } : {}),
      };
      const url = HTTP_INVOKE_PREFIX + encodeURIComponent(name);
      try {
        if (outlivesThePage(name, json)) {
          // Refused only when other keepalive bodies fill the browser's quota: then it goes the ordinary way.
          response = await options.fetch(url, { ...init, keepalive: true }).catch(() => options.fetch(url, init));
        } else {
          response = await options.fetch(url, init);
        }
      } catch {
        throw new EnclaveError('unavailable', 'The workstation is not reachable. Check that Enclave is still running, then try again.');
      }
      const contentType = (response.headers.get('content-type') ?? '').toLowerCase();
      if (response.ok && isBinaryMethod(name) && contentType.startsWith(ARROW_STREAM_CONTENT_TYPE)) {
        return new Uint8Array(await response.arrayBuffer());
      }
      const body = await readJsonBody(response);
      if (isOutcome(body)) return unwrapOutcome(body);
      throw errorForStatus(response.status);
    },
    listen(name, callback) {
      return events.listen(name, (data) => {
        let payload: unknown;
        try {
          payload = JSON.parse(data);
        } catch {
          return; // A malformed event is dropped; the client validates the rest against the contract.
        }
        callback(payload);
      });
    },
  });
}

/** The body as JSON, or undefined when it cannot be read or is not JSON (a proxy's page, an empty body). */
export async function readJsonBody(response: Pick<ResponseLike, 'text'>): Promise<unknown> {
  try {
    return JSON.parse(await response.text()) as unknown;
  } catch {
    return undefined;
  }
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
  if (status === 401)
    return new EnclaveError(
      'unauthenticated',
      'This window is no longer signed in to the workstation. Open Enclave again from its launcher.',
    );
  if (status === 403) return new EnclaveError('forbidden', 'The workstation refused this request.');
  if (status === 404) return new EnclaveError('not_found', 'The workstation does not know this request.');
  if (status >= 500) return new EnclaveError('unavailable', 'The workstation had a problem answering. Try again in a moment.');
  return new EnclaveError('internal', 'The workstation sent an answer this window could not read.');
}
