// A Transport that calls the core in the same process, through the same dispatch() the shells use.
// Payloads are cloned as IPC would clone them, so code that works here does not rely on shared references.
import type { Transport } from '../common/client.ts';
import { dispatch } from '../common/dispatch.ts';
import { EnclaveError, fromErrorValue } from '../common/errors.ts';
import type { WorkstationCore } from './core.ts';

export function createInProcessTransport(core: Pick<WorkstationCore, 'handlers' | 'events'>): Transport {
  return {
    async invoke(name, payload) {
      let copy: unknown;
      try {
        copy = structuredClone(payload);
      } catch {
        throw new EnclaveError('invalid_input', `The input to ${name} cannot be sent (it holds functions or other uncopyable values).`);
      }
      const outcome = await dispatch(core.handlers, name, copy);
      if (!outcome.ok) throw fromErrorValue(outcome.error);
      return outcome.value;
    },
    listen(name, callback) {
      return core.events.on(name, (payload) => callback(structuredClone(payload)));
    },
  };
}
