// An in-memory stand-in for Electron's IPC, faithful where the wiring depends on it: ipcMain.handle (one handler
// per channel), ipcRenderer.invoke/on, event.sender / event.senderFrame (main frame or subframe, its URL), and
// structured clone on every hop (IPC and contextBridge both copy; functions cannot cross). Real IPC is covered
// by the Electron e2e suite where the binary exists.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { IpcRendererPort } from '../../../preload/bridge.ts';
import type { EnclaveBridge } from '../../../src/common/contract-names.ts';

// Registered handlers declare what event they expect (never, here: any); the fake calls them with its own event.
type Handler = (event: never, ...args: never[]) => unknown;
type Callable = (event: unknown, ...args: unknown[]) => unknown;

export class FakeIpcMain {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, handler: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}

export interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
  frameToken: string;
  processId: number;
  routingId: number;
}

let nextId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  readonly mainFrame: FakeFrame;
  destroyed = false;
  /** Renderer-side listeners (ipcRenderer.on) of this page. */
  readonly rendererListeners = new EventEmitter();

  constructor(url: string) {
    super();
    this.mainFrame = { url, parent: null, frameToken: randomUUID(), processId: 1, routingId: nextId++ };
  }

  send(channel: string, ...args: unknown[]): void {
    const copies = args.map((arg) => structuredClone(arg));
    this.rendererListeners.emit(channel, { sender: 'ipcRenderer' }, ...copies);
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  /** A child frame (an iframe) inside this page. */
  subframe(url: string): FakeFrame {
    return { url, parent: this.mainFrame, frameToken: randomUUID(), processId: 1, routingId: nextId++ };
  }

  /** The page finished parsing: Electron emits dom-ready. */
  load(): void {
    this.emit('dom-ready');
  }
}

/** ipcRenderer as seen from one frame of one webContents. */
export function fakeIpcRenderer(options: { ipcMain: FakeIpcMain; contents: FakeWebContents; frame?: FakeFrame | null }): IpcRendererPort {
  const { ipcMain, contents } = options;
  const frame = options.frame === undefined ? contents.mainFrame : options.frame;
  return {
    async invoke(channel, ...args) {
      const copies = args.map((arg) => structuredClone(arg));
      const handler = ipcMain.handlers.get(channel);
      if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
      const event = {
        sender: contents,
        senderFrame: frame,
        processId: frame?.processId ?? 0,
        frameId: frame?.routingId ?? 0,
        type: 'frame',
      };
      let result: unknown;
      try {
        result = await (handler as Callable)(event, ...copies);
      } catch (err) {
        throw new Error(`Error invoking remote method '${channel}': ${String(err)}`, { cause: err });
      }
      return structuredClone(result);
    },
    on(channel, listener) {
      contents.rendererListeners.on(channel, listener);
      return this;
    },
  };
}

/** What the page sees of window.enclave after contextBridge: values copied in both directions. */
export function exposeInMainWorld(bridge: EnclaveBridge): EnclaveBridge {
  return {
    invoke: (name, payload, callId) =>
      bridge
        .invoke(structuredClone(name), structuredClone(payload), callId === undefined ? undefined : structuredClone(callId))
        .then((outcome) => structuredClone(outcome)),
    listen: (name, callback) => bridge.listen(structuredClone(name), (payload) => callback(structuredClone(payload))),
  };
}
