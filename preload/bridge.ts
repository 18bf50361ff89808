// What the preload exposes as window.enclave: invoke and listen for the contract's names, nothing else — never
// ipcRenderer itself, never the IPC event object (its `sender` would hand the page the raw IPC API).
import {
  isContractEventName,
  isContractMethodName,
  isMomentEvent,
  type EnclaveBridge,
  type EventName,
  type Outcome,
} from '../src/common/contract-names.ts';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../src/common/transport-protocol.ts';

/** The part of Electron's ipcRenderer the bridge uses. */
export interface IpcRendererPort {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

function refused(code: 'unknown_method' | 'invalid_input' | 'internal', message: string): Outcome {
  return { ok: false, error: { code, message } };
}

function isEventMessage(value: unknown): value is { name: EventName; payload: unknown } {
  return typeof value === 'object' && value !== null && isContractEventName((value as { name?: unknown }).name);
}

export function createEnclaveBridge(ipc: IpcRendererPort): EnclaveBridge {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  // Most events are states: a listener added after the page loaded still hears the current one.
  const latest = new Map<EventName, unknown>();

  ipc.on(IPC_EVENT_CHANNEL, (_event, message) => {
    if (!isEventMessage(message)) return;
    if (!isMomentEvent(message.name)) latest.set(message.name, message.payload);
    for (const callback of [...(listeners.get(message.name) ?? [])]) {
      try {
        callback(message.payload);
      } catch {
        // One broken listener must not silence the others.
      }
    }
  });

  const bridge = {
    async invoke(name, payload, callId) {
      if (!isContractMethodName(name)) return refused('unknown_method', 'That is not a method of the workstation API.');
      try {
        // The call id goes as a third argument only when there is one; main checks it is a UUID.
        const args = callId === undefined ? [name, payload] : [name, payload, callId];
        return (await ipc.invoke(IPC_INVOKE_CHANNEL, ...args)) as Outcome;
      } catch (err) {
        // Cloning failed (a function in the payload) or main is gone: say which without leaking internals.
        if (err instanceof Error && /clone/i.test(err.message)) return refused('invalid_input', `The input to ${name} cannot be sent.`);
        return refused('internal', 'This window lost its connection to the workstation.');
      }
    },
    listen(name, callback) {
      if (!isContractEventName(name)) throw new Error('That is not an event of the workstation API.');
      if (typeof callback !== 'function') throw new TypeError('listen needs a callback function.');
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      set.add(callback);
      if (latest.has(name)) callback(latest.get(name));
      return () => {
        set.delete(callback);
      };
    },
  } satisfies EnclaveBridge;
  return bridge;
}
