// The sending side: one typed client over any two-method transport (invoke + listen).
import { events, methods, type EventName, type EventPayload, type MethodInput, type MethodName, type MethodOutput } from './contract.ts';
import { EnclaveError } from './errors.ts';

export interface Transport {
  /** Resolves with the method's value or rejects with an EnclaveError. */
  invoke(name: MethodName, payload: unknown): Promise<unknown>;
  /** Returns a function that stops listening. */
  listen(name: EventName, callback: (payload: unknown) => void): () => void;
}

export interface Client {
  invoke<M extends MethodName>(name: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  listen<E extends EventName>(name: E, callback: (payload: EventPayload<E>) => void): () => void;
}

export function createClient(transport: Transport): Client {
  return {
    async invoke(name, input) {
      const value = await transport.invoke(name, input);
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
