// The sending side: one typed client over any two-method transport (invoke + listen).
import {
  events,
  methods,
  type CallProgress,
  type EventName,
  type EventPayload,
  type MethodInput,
  type MethodName,
  type MethodOutput,
} from './contract.ts';
import { EnclaveError } from './errors.ts';

/** A call the caller may cancel or follow: its id (made by the client), its abort signal, its progress callback. */
export interface TransportCall {
  readonly id: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: CallProgress) => void;
}

export interface Transport {
  /**
   * Resolves with the method's value or rejects with an EnclaveError. With a call: progress events for its id
   * go to its onProgress only, and when its signal aborts the transport sends 'call.cancel' and rejects at once
   * with EnclaveError('cancelled').
   */
  invoke(name: MethodName, payload: unknown, call?: TransportCall): Promise<unknown>;
  /** Returns a function that stops listening. */
  listen(name: EventName, callback: (payload: unknown) => void): () => void;
}

export interface InvokeOptions {
  /** Aborting it cancels the call at every hop; the promise rejects at once with EnclaveError('cancelled'). */
  signal?: AbortSignal;
  /** Hears how far the call has got (at most ~10 times a second), until it settles. */
  onProgress?: (progress: CallProgress) => void;
}

export interface Client {
  invoke<M extends MethodName>(name: M, input: MethodInput<M>, options?: InvokeOptions): Promise<MethodOutput<M>>;
  listen<E extends EventName>(name: E, callback: (payload: EventPayload<E>) => void): () => void;
}

export function cancelledCall(name: string): EnclaveError {
  return new EnclaveError('cancelled', `The call to ${name} was cancelled.`);
}

export function createClient(transport: Transport): Client {
  return {
    async invoke(name, input, options = {}) {
      const { signal, onProgress } = options;
      if (signal?.aborted) throw cancelledCall(name);
      // An id only when someone can cancel or follow the call: a plain call travels exactly as before.
      const call: TransportCall | undefined =
        signal || onProgress
          ? { id: crypto.randomUUID(), ...(signal ? { signal } : {}), ...(onProgress ? { onProgress } : {}) }
          : undefined;
      const value = await (call ? transport.invoke(name, input, call) : transport.invoke(name, input));
      const parsed = methods[name].output.safeParse(value);
      if (!parsed.success) throw new EnclaveError('internal', `The answer to ${name} did not match the contract.`);
      return parsed.data as MethodOutput<typeof name>;
    },
    listen(name, callback) {
      return transport.listen(name, (payload) => {
        const parsed = events[name].safeParse(payload);
        if (parsed.success) callback(parsed.data as EventPayload<typeof name>);
      });
    },
  };
}
