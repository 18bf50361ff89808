// The three ways a renderer reaches the workstation core, each built the way the product builds it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnclaveBridge } from '../../../preload/bridge.ts';
import { wireIpc } from '../../../main/ipc.ts';
import { APP_INDEX_URL } from '../../../main/security.ts';
import type { Transport } from '../../../src/common/client.ts';
import { startBrowserShell } from '../../../src/web/browser-shell.ts';
import type { WorkstationCore } from '../../../src/workstation/core.ts';
import { createInProcessTransport } from '../../../src/workstation/in-process-transport.ts';
import { createIpcTransport } from '../../../renderer/src/shell/transport.ts';
import { exposeInMainWorld, FakeIpcMain, fakeIpcRenderer, FakeWebContents } from './fake-electron.ts';
import { connectHttpTransport } from './http-transport.ts';

export interface ConnectedTransport {
  transport: Transport;
  /**
   * Fetches an export's one-time download as the page does (the browser shell serves it); absent where the shell saves
   * exports itself and no page ever fetches one.
   */
  fetchDownload?: (url: string) => Promise<Response>;
  close(): Promise<void>;
}

export type TransportFactory = (core: WorkstationCore) => Promise<ConnectedTransport>;

export const inProcessTransport: TransportFactory = async (core) => ({
  transport: createInProcessTransport(core),
  close: async () => {},
});

export const MINIMAL_INDEX_HTML =
  '<!doctype html><html><head><meta name="csp-nonce" content="__CSP_NONCE__"><title>Enclave</title></head><body></body></html>';

export const httpTransport: TransportFactory = async (core) => {
  const rendererDir = await mkdtemp(join(tmpdir(), 'enclave-contract-http-'));
  await writeFile(join(rendererDir, 'index.html'), MINIMAL_INDEX_HTML);
  const shell = await startBrowserShell({ core, rendererDir, port: 0 });
  const transport = await connectHttpTransport(shell);
  return {
    transport,
    // A navigation from the page: same origin, no session header (a download cannot carry one).
    fetchDownload: (url) =>
      fetch(new URL(url, shell.url), {
        headers: { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' },
      }),
    async close() {
      transport.close();
      await shell.close();
      await rm(rendererDir, { recursive: true, force: true });
    },
  };
};

export const ipcTransport: TransportFactory = async (core) => {
  const ipcMain = new FakeIpcMain();
  const contents = new FakeWebContents(APP_INDEX_URL);
  const unwire = wireIpc({ ipcMain, core, contents });
  // The preload runs before the page, then the page loads (dom-ready) and uses window.enclave.
  const enclave = exposeInMainWorld(createEnclaveBridge(fakeIpcRenderer({ ipcMain, contents })));
  contents.load();
  return {
    transport: createIpcTransport(enclave),
    close: async () => unwire(),
  };
};
