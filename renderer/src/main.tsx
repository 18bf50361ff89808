// The renderer's entry. zod-jitless first (before any schema is built), then CSS, then the app. In Electron the
// preload's bridge is the transport; in the browser shell the window first needs its session (./launch.ts), and
// without one it shows how to open Enclave instead of the app, calling nothing.
import './zod-jitless.ts';
import '@glideapps/glide-data-grid/dist/index.css';
import './styles/app.css';
import { StrictMode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { createClient } from '../../src/common/client.ts';
import type { Transport } from '../../src/common/client.ts';
import type { EnclaveBridge } from '../../src/common/contract-names.ts';
import { createLocalEngine } from './analysis/engine.ts';
import { App } from './components/App.tsx';
import { NoSessionScreen } from './components/NoSessionScreen.tsx';
import { forgetBrowserSession, startBrowserSession, type NoSessionReason, type StorageLike } from './launch.ts';
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
  // DuckDB-wasm takes seconds to start: begin before the first render so it overlaps with the catalogue.
  const engine = createLocalEngine();
  root.render(
    <StrictMode>
      <App client={createClient(transport)} engine={engine} nonce={readNonce(document)} />
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

async function boot(root: Root): Promise<void> {
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

const element = document.getElementById('root');
if (!element) throw new Error('index.html has no #root element');
const root = createRoot(element);
void boot(root);
