// The IPC side of the one contract: ipcMain wrapped once. A call is served only if it comes from the main frame of
// our window showing app://enclave (STYLE.md 6; checklist 17), and its payload goes through dispatch(), which
// parses it with the contract's schema before a handler sees it. A call may carry an id (a third argument) so that
// 'call.cancel' can stop it; the window's calls are cancelled when it is unwired. Events (a call's progress
// included) go to the window on IPC_EVENT_CHANNEL.
import { setMaxListeners } from 'node:events';
import { EVENT_NAMES } from '../src/common/contract-names.ts';
import type { Outcome } from '../src/common/dispatch.ts';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../src/common/transport-protocol.ts';
import { serveCall } from '../src/workstation/calls.ts';
import type { WorkstationCore } from '../src/workstation/core.ts';
import { isAppUrl } from './security.ts';

// The parts of Electron's objects this module reads, so that Electron's own objects and the tests' fakes both fit.
export interface FrameInfo {
  readonly url: string;
  readonly parent: unknown;
  readonly frameToken: string;
}
export interface SenderEvent {
  readonly sender: { readonly id: number };
  readonly senderFrame: FrameInfo | null;
}
export interface WindowContents {
  readonly id: number;
  readonly mainFrame: FrameInfo;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  on(event: 'dom-ready', listener: () => void): unknown;
  off(event: 'dom-ready', listener: () => void): unknown;
}

/** Whether an invoke comes from the top frame of our window, on the app's own origin. */
export function isTrustedSender(event: SenderEvent, contents: Pick<WindowContents, 'id' | 'mainFrame'>): boolean {
  if (event.sender.id !== contents.id) return false;
  const frame = event.senderFrame;
  // null: the frame navigated away or was destroyed while the message was in flight.
  if (frame === null || frame.parent !== null) return false;
  if (frame.frameToken !== contents.mainFrame.frameToken) return false;
  return isAppUrl(frame.url);
}

const REFUSED: Outcome = {
  ok: false,
  error: { code: 'forbidden', message: 'This window may not call the workstation.' },
};

export interface IpcWiring {
  ipcMain: {
    handle(channel: string, listener: (event: SenderEvent, ...args: unknown[]) => Promise<Outcome>): void;
    removeHandler(channel: string): void;
  };
  core: Pick<WorkstationCore, 'handlers' | 'events' | 'calls'>;
  /** The main window's webContents: the only sender served and the only receiver of events. */
  contents: WindowContents;
  log?: (message: string) => void;
}

/** Wires the contract to one window; returns a function that unwires it. */
export function wireIpc({ ipcMain, core, contents, log }: IpcWiring): () => void {
  // Aborted when the window is unwired (closed): its calls stop working for nobody. Every running call listens.
  const unwired = new AbortController();
  setMaxListeners(0, unwired.signal);
  ipcMain.handle(IPC_INVOKE_CHANNEL, async (event: SenderEvent, ...args: unknown[]): Promise<Outcome> => {
    if (!isTrustedSender(event, contents)) {
      log?.(`Refused an IPC call from a frame that is not the app's main frame (${event.senderFrame?.url.slice(0, 200) ?? 'gone'}).`);
      return REFUSED;
    }
    const [name, payload, callId] = args;
    return serveCall(core, { name, payload, callId, gone: unwired.signal });
  });

  let stops: Array<() => void> = [];
  function subscribe(): void {
    for (const stop of stops) stop();
    // Subscribing replays the current state, so a freshly loaded page hears it (the preload keeps it for late listeners).
    stops = EVENT_NAMES.map((name) =>
      core.events.on(name, (payload) => {
        if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, { name, payload });
      }),
    );
  }
  subscribe();
  contents.on('dom-ready', subscribe);

  return () => {
    ipcMain.removeHandler(IPC_INVOKE_CHANNEL);
    unwired.abort();
    contents.off('dom-ready', subscribe);
    for (const stop of stops) stop();
    stops = [];
  };
}
