// The renderer's view of IPC: a Transport over window.enclave (Outcome envelopes → values or EnclaveErrors).
import type { Transport } from '../../../src/common/client.ts';
import type { EnclaveBridge } from '../../../src/common/contract-names.ts';
import { fromErrorValue } from '../../../src/common/errors.ts';

export function createBridgeTransport(enclave: EnclaveBridge): Transport {
  return {
    async invoke(name, payload) {
      const outcome = await enclave.invoke(name, payload);
      if (outcome.ok) return outcome.value;
      throw fromErrorValue(outcome.error);
    },
    listen: (name, callback) => enclave.listen(name, callback),
  };
}
