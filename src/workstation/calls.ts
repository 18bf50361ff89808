// The calls running in the workstation core, by the id their caller gave them: what 'call.cancel' stops, and
// where a handler's progress goes out as 'call.progress' (throttled). Every shell serves calls through
// serveCall(), so IPC, HTTP and in-process calls are cancelled, followed and refused by the same rules.
import { CallIdSchema, CallProgressSchema, type CallProgress } from '../common/contract.ts';
import { dispatch, type CallContext, type Handlers, type Outcome } from '../common/dispatch.ts';
import { EnclaveError, toErrorValue } from '../common/errors.ts';

/** At most this often per call does progress go out (about 10 a second): enough for a bar, cheap for the wire. */
export const PROGRESS_INTERVAL_MS = 100;

export interface CallRegistry {
  /**
   * Starts a call: with an id, it can be cancelled and followed until end() (an id already running is refused
   * with invalid_input); without one, only `gone` (the caller went away) or the core closing aborts it.
   */
  start(request: { id?: string; gone?: AbortSignal }): { context: CallContext; end(): void };
  /** Aborts the running call with this id; an unknown or finished id is ignored. */
  cancel(id: string): void;
  /** Aborts every running call (the core is closing). */
  cancelAll(): void;
  /** Whether a call with this id is running now. */
  isRunning(id: string): boolean;
}

export interface CallRegistryOptions {
  emitProgress(callId: string, progress: CallProgress): void;
  intervalMs?: number;
  now?: () => number;
}

/** Sends a call's progress at most once per interval; the newest waiting report goes out when the interval ends. */
function throttled(options: { intervalMs: number; now: () => number; send: (progress: CallProgress) => void }) {
  let last = -Infinity;
  let waiting: CallProgress | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = (): void => {
    timer = null;
    if (waiting === null) return;
    const progress = waiting;
    waiting = null;
    last = options.now();
    options.send(progress);
  };
  return {
    report(progress: CallProgress): void {
      waiting = progress;
      const wait = last + options.intervalMs - options.now();
      if (wait <= 0) flush();
      else timer ??= setTimeout(flush, wait);
    },
    /** The call is over: whatever was waiting is dropped (the answer says more than a late progress would). */
    stop(): void {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      waiting = null;
    },
  };
}

export function createCallRegistry(options: CallRegistryOptions): CallRegistry {
  const intervalMs = options.intervalMs ?? PROGRESS_INTERVAL_MS;
  const now = options.now ?? (() => performance.now());
  const running = new Map<string, AbortController>();
  const all = new Set<AbortController>();

  return {
    start({ id, gone }) {
      if (id !== undefined && running.has(id)) throw new EnclaveError('invalid_input', 'A call with this id is already running.');
      const controller = new AbortController();
      const hangUp = (): void => controller.abort();
      gone?.addEventListener('abort', hangUp, { once: true });
      if (gone?.aborted) controller.abort();
      all.add(controller);
      if (id !== undefined) running.set(id, controller);
      const progress = id === undefined ? null : throttled({ intervalMs, now, send: (value) => options.emitProgress(id, value) });
      let ended = false;
      return {
        context: {
          signal: controller.signal,
          progress(value) {
            // Checked here, where a handler's mistake can fail its own call, not later inside a timer.
            const checked = CallProgressSchema.parse(value);
            if (!ended && !controller.signal.aborted) progress?.report(checked);
          },
        },
        end() {
          if (ended) return;
          ended = true;
          progress?.stop();
          gone?.removeEventListener('abort', hangUp);
          all.delete(controller);
          if (id !== undefined && running.get(id) === controller) running.delete(id);
        },
      };
    },
    cancel(id) {
      running.get(id)?.abort();
    },
    cancelAll() {
      for (const controller of [...all]) controller.abort();
    },
    isRunning: (id) => running.has(id),
  };
}

/** What a shell needs of the core to serve one call. */
export interface CallServer {
  readonly handlers: Handlers;
  readonly calls: CallRegistry;
}

/**
 * Serves one call from any shell: checks the call id the wire carried (a uuid, or none), registers the call,
 * dispatches it, and unregisters it when it settles. Never rejects: every refusal is an Outcome.
 */
export async function serveCall(
  core: CallServer,
  request: { name: unknown; payload: unknown; callId?: unknown; gone?: AbortSignal },
): Promise<Outcome> {
  let id: string | undefined;
  if (request.callId !== undefined) {
    const parsed = CallIdSchema.safeParse(request.callId);
    if (!parsed.success) return { ok: false, error: { code: 'invalid_input', message: 'The call id must be a UUID.' } };
    id = parsed.data;
  }
  let call: ReturnType<CallRegistry['start']>;
  try {
    call = core.calls.start({ id, gone: request.gone });
  } catch (err) {
    return { ok: false, error: toErrorValue(err) };
  }
  try {
    return await dispatch(core.handlers, request.name, request.payload, call.context);
  } finally {
    call.end();
  }
}
