// The core's events. Most of the contract's events are states (the platform's status), so a new listener first
// hears the current state and then every change: a window that opens late, or an SSE stream that reconnects, is
// never left without one. Moments (a call's progress) are only heard by those listening when they happen.
import { isMomentEvent } from '../common/contract-names.ts';
import { events as eventSchemas, type EventName, type EventPayload } from '../common/contract.ts';

export type EventListener<E extends EventName> = (payload: EventPayload<E>) => void;

export interface CoreEvents {
  /** Calls back with the current state (if any) at once, then on every change; returns a function that stops. */
  on<E extends EventName>(name: E, callback: EventListener<E>): () => void;
}

export interface EventHub extends CoreEvents {
  emit<E extends EventName>(name: E, payload: EventPayload<E>): void;
  current<E extends EventName>(name: E): EventPayload<E> | undefined;
  clear(): void;
}

export function createEventHub(options: { onListenerError?: (err: unknown) => void } = {}): EventHub {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const latest = new Map<EventName, unknown>();

  function deliver(callback: (payload: unknown) => void, payload: unknown): void {
    // One listener's failure (a closed window, a broken stream) must not stop the others hearing the event.
    try {
      callback(payload);
    } catch (err) {
      options.onListenerError?.(err);
    }
  }

  return {
    on(name, callback) {
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      const listener = callback as (payload: unknown) => void;
      set.add(listener);
      if (latest.has(name)) deliver(listener, latest.get(name));
      return () => {
        set.delete(listener);
      };
    },
    emit(name, payload) {
      // The emitting side is ours, but a payload the contract would refuse is a bug worth failing loudly on.
      const checked = eventSchemas[name].parse(payload);
      if (!isMomentEvent(name)) latest.set(name, checked);
      for (const listener of [...(listeners.get(name) ?? [])]) deliver(listener, checked);
    },
    current(name) {
      return latest.get(name) as EventPayload<typeof name> | undefined;
    },
    clear() {
      listeners.clear();
    },
  };
}
