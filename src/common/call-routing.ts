// Per-call progress and cancel on the sending side, the same over every transport (in-process, Electron IPC,
// HTTP): progress events reach only the call that asked for them, and an abort sends 'call.cancel' and rejects
// the call at once, whatever the other side is still doing.
import { cancelledCall, type Transport, type TransportCall } from './client.ts';
import { events, type CallProgress, type MethodName } from './contract.ts';
import { bestEffort } from './detached.ts';

/** A transport's own wire: one call out (its id travelling with it when there is one), and its events. */
export interface CallWire {
  send(name: MethodName, payload: unknown, call?: TransportCall): Promise<unknown>;
  listen: Transport['listen'];
}

export function withCalls(wire: CallWire): Transport {
  const routes = new Map<string, (progress: CallProgress) => void>();
  let stopListening: (() => void) | null = null;

  function deliver(payload: unknown): void {
    const parsed = events['call.progress'].safeParse(payload);
    if (!parsed.success) return;
    const route = routes.get(parsed.data.callId);
    try {
      route?.(parsed.data.progress);
    } catch {
      // A broken progress display must not break the call, nor the event stream that carried the event.
    }
  }

  /** Routes the call's progress to it until the returned function is called. */
  function follow(call: TransportCall): () => void {
    const { onProgress } = call;
    if (onProgress === undefined) return () => {};
    routes.set(call.id, onProgress);
    stopListening ??= wire.listen('call.progress', deliver);
    return () => {
      routes.delete(call.id);
      if (routes.size === 0) {
        stopListening?.();
        stopListening = null;
      }
    };
  }

  function cancellable(name: MethodName, payload: unknown, call: TransportCall & { signal: AbortSignal }): Promise<unknown> {
    const { signal } = call;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        // The answer to the cancel changes nothing here: the call is over for this caller either way.
        bestEffort(wire.send('call.cancel', { callId: call.id }));
        reject(cancelledCall(name));
      };
      const done = (): void => signal.removeEventListener('abort', onAbort);
      signal.addEventListener('abort', onAbort, { once: true });
      wire.send(name, payload, call).then(
        (value) => {
          done();
          resolve(value);
        },
        (err: unknown) => {
          done();
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  return {
    async invoke(name, payload, call) {
      if (call === undefined) return wire.send(name, payload);
      if (call.signal?.aborted) throw cancelledCall(name);
      const unfollow = follow(call);
      try {
        const { signal } = call;
        return await (signal ? cancellable(name, payload, { ...call, signal }) : wire.send(name, payload, call));
      } finally {
        unfollow();
      }
    },
    listen: (name, callback) => wire.listen(name, callback),
  };
}
