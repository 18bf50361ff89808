// Starting the window. In Electron the preload's bridge is the transport; in the browser shell the window first
// needs its session (../session/launch.ts), and without one it shows how to open Enclave instead of the app,
// calling nothing.
import { StrictMode } from 'react';
import type { Root } from 'react-dom/client';
import { createClient } from '../../../src/common/client.ts';
import type { Transport } from '../../../src/common/client.ts';
import type { EnclaveBridge } from '../../../src/common/contract-names.ts';
import { startWindowEngine } from '../analysis/window-engine.ts';
import { forgetBrowserSession, startBrowserSession, type NoSessionReason, type StorageLike } from '../session/launch.ts';
import { NoSessionScreen } from '../session/NoSessionScreen.tsx';
import { App } from './App.tsx';
import { installEgressGuard } from './egress-guard.ts';
import { readNonce } from './nonce.ts';
import { createHttpTransport, createIpcTransport, type FetchLike } from './transport.ts';

function sessionStorageOrNull(): StorageLike | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

function showApp(root: Root, transport: Transport): void {
  // DuckDB-wasm starts only for a project whose tables must stay in the window ('memory'): the others use the core's.
  root.render(
    <StrictMode>
      <App client={createClient(transport)} startWindowEngine={startWindowEngine} nonce={readNonce(document)} />
    </StrictMode>,
  );
}

function showNoSession(root: Root, reason: NoSessionReason): void {
  root.render(
    <StrictMode>
      <NoSessionScreen reason={reason} />
    </StrictMode>,
  );
}

/** Starts the window: the app with its transport, or the no-session screen in a browser shell without one. */
export async function boot(root: Root): Promise<void> {
  installEgressGuard(window);
  const bridge = (globalThis as { enclave?: EnclaveBridge }).enclave;
  if (bridge) {
    showApp(root, createIpcTransport(bridge));
    return;
  }
  const fetch = globalThis.fetch.bind(globalThis) as unknown as FetchLike;
  const storage = sessionStorageOrNull();
  const started = await startBrowserSession({ location: window.location, history: window.history, storage, fetch });
  if (started.kind === 'none') {
    showNoSession(root, started.reason);
    return;
  }
  const transport = createHttpTransport({
    fetch,
    session: started.secret,
    onSessionEnded: () => {
      forgetBrowserSession(storage);
      showNoSession(root, 'ended');
    },
  });
  showApp(root, transport);
}
