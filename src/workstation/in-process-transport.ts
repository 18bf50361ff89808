// A Transport that calls the core in the same process, through the same serveCall() and dispatch() the shells use.
// Payloads are cloned as IPC would clone them, so code that works here does not rely on shared references.
import { withCalls } from '../common/call-routing.ts';
import type { Transport } from '../common/client.ts';
import { EnclaveError, fromErrorValue } from '../common/errors.ts';
import { serveCall } from './calls.ts';
import type { WorkstationCore } from './core.ts';

export function createInProcessTransport(core: Pick<WorkstationCore, 'handlers' | 'events' | 'calls'>): Transport {
  return withCalls({
    async send(name, payload, call) {
      let copy: unknown;
      try {
        copy = structuredClone(payload);
      } catch {
        throw new EnclaveError('invalid_input', `The input to ${name} cannot be sent (it holds functions or other uncopyable values).`);
      }
      const outcome = await serveCall(core, { name, payload: copy, callId: call?.id });
      if (!outcome.ok) throw fromErrorValue(outcome.error);
      return outcome.value;
    },
    listen(name, callback) {
      return core.events.on(name, (payload) => callback(structuredClone(payload)));
    },
  });
}
