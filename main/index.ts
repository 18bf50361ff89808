// The Electron shell: one hardened window showing app://enclave, the workstation core behind IPC.
// Environment: see ./config.ts and src/workstation/env-config.ts (ENCLAVE_PLATFORM_URL required), and ENCLAVE_CA_FILE
// (src/workstation/ca-trust.ts). The core's calls (the platform, the identity provider) go through Node's fetch in this
// process, not Electron's net module, so the CA bundle is added to Node's default roots before the core is created.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, powerMonitor, protocol, screen, session, shell } from 'electron';
import { handledElsewhere, inBackground } from '../src/common/detached.ts';
import { describeCaBundle, trustConfiguredCaFile } from '../src/workstation/ca-trust.ts';
import { createWorkstationCore, type WorkstationCore } from '../src/workstation/core.ts';
import { createRendererFiles } from '../src/workstation/serving/renderer-files.ts';
import { appProtocolResponse } from './app-protocol.ts';
import { readShellConfig, type ShellConfigResult } from './config.ts';
import { createDialogSaveExport } from './export-dialog.ts';
import { wireIpc } from './ipc.ts';
import {
  APP_INDEX_URL,
  APP_SCHEME,
  APP_SCHEME_REGISTRATION,
  hardenSession,
  hardenWebContents,
  secureWebPreferences,
  type ExternalOpener,
} from './security.ts';
import { placeWindow, readWindowState, rememberWindowState, WINDOW_STATE_FILE, workAreasOf } from './window-state.ts';

const here = dirname(fileURLToPath(import.meta.url));
// electron-vite's layout: out/main/index.js, out/preload/index.cjs, out/renderer/.
const RENDERER_DIR = join(here, '../renderer');
const PRELOAD_PATH = join(here, '../preload/index.cjs');

function log(message: string, detail?: unknown): void {
  process.stderr.write(`[enclave] ${message}${detail instanceof Error ? ` ${detail.message}` : ''}\n`);
}

/** The configuration, and the CA bundle applied: a bundle that cannot be used stops the start like a bad setting. */
function startupConfig(): ShellConfigResult {
  const shellConfig = readShellConfig(process.env);
  if (!shellConfig.ok) return shellConfig;
  const trust = trustConfiguredCaFile({ env: process.env });
  if (!trust.ok) return trust;
  if (trust.bundle !== null) log(describeCaBundle(trust.bundle));
  return shellConfig;
}

const configured = startupConfig();

// Both must happen before the app is ready.
protocol.registerSchemesAsPrivileged([APP_SCHEME_REGISTRATION]);
app.enableSandbox();

let core: WorkstationCore | undefined;
let mainWindow: BrowserWindow | undefined;

if (!configured.ok) {
  log(configured.message);
  app.whenReady().then(
    () => {
      dialog.showErrorBox('Enclave cannot start', configured.message);
      app.exit(1);
    },
    () => app.exit(1),
  );
} else if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  const { allowedExternalOrigins, core: coreSettings } = configured.config;
  const opener: ExternalOpener = {
    // The sign-in page opens in the system browser: the configured origins and the identity provider's own,
    // as discovered. Everything else stays refused.
    allowedExternalOrigins: () => [...allowedExternalOrigins, ...(core?.identityOrigins() ?? [])],
    openExternal: (url) => shell.openExternal(url),
    log,
  };

  // Every webContents, not only our window's: whatever is created gets the same rules.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, opener));

  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });

  app.on('window-all-closed', () => {
    core?.close();
    // The workspaces' engines checkpoint and their stores close before the app quits.
    handledElsewhere((core?.closed() ?? Promise.resolve()).finally(() => app.quit()));
  });

  app
    .whenReady()
    .then(async () => {
      hardenSession(session.defaultSession, log);
      const files = createRendererFiles(RENDERER_DIR);
      protocol.handle(APP_SCHEME, (request) => appProtocolResponse(files, request));

      // Exports (the airlock's export gate, the only way out) are saved where the person chooses, 0600.
      const saveExport = createDialogSaveExport({
        showSaveDialog: (dialogOptions) =>
          mainWindow ? dialog.showSaveDialog(mainWindow, dialogOptions) : dialog.showSaveDialog(dialogOptions),
        defaultFolder: () => app.getPath('downloads'),
      });
      core = createWorkstationCore({ ...coreSettings, log, saveExport });
      // Going to sleep or locking the screen locks Enclave too: nobody should wake the machine into an open session.
      const lockCore = (why: string) => () => {
        if (core) inBackground(core.lock(), (err) => log(`Locking on ${why} failed.`, err));
      };
      powerMonitor.on('suspend', lockCore('suspend'));
      powerMonitor.on('lock-screen', lockCore('screen lock'));
      // The size and place it had when it last closed, brought onto a screen that is there now.
      const windowStateFile = join(app.getPath('userData'), WINDOW_STATE_FILE);
      const placement = placeWindow({ saved: readWindowState(windowStateFile, log), workAreas: workAreasOf(screen) });
      const window = new BrowserWindow({
        ...placement.bounds,
        show: false,
        title: 'Enclave',
        backgroundColor: '#ffffff',
        // DevTools would copy anything out of the window: only in a development build.
        webPreferences: { ...secureWebPreferences(PRELOAD_PATH), devTools: !app.isPackaged },
      });
      mainWindow = window;
      const unwire = wireIpc({ ipcMain, core, contents: window.webContents, log });
      rememberWindowState({ window, file: windowStateFile, log });
      window.once('ready-to-show', () => {
        if (placement.maximised) window.maximize();
        window.show();
      });
      window.on('closed', () => {
        unwire();
        mainWindow = undefined;
      });
      await window.loadURL(APP_INDEX_URL);
    })
    .catch((err: unknown) => {
      log('Enclave failed to start.', err);
      app.exit(1);
    });
}
