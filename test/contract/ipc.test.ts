// main/ipc.ts and preload/bridge.ts wired together over an in-memory fake of Electron's IPC (structured clone on
// every hop). Real Electron IPC is exercised by the Electron e2e suite when the binary is installed.
import { beforeAll } from 'vitest';
import { findElectronBinary } from '../../scripts/electron-binary.ts';
import { runContractSuite } from './contract-suite.ts';
import { runWorkspaceContractSuite } from './workspace-suite.ts';
import { ipcTransport } from './transports/index.ts';

beforeAll(() => {
  const binary = findElectronBinary();
  const where =
    binary.path === null
      ? `Electron binary absent (${binary.reason}): real IPC is not exercised here`
      : `Electron binary present at ${binary.path}: the Electron e2e suite exercises real IPC`;
  console.log(
    `[contract/ipc] ${where}; this suite runs main/ipc.ts + preload/bridge.ts over an in-memory ipcMain/ipcRenderer fake with structuredClone.`,
  );
});

runContractSuite('Electron IPC (main/ipc.ts + preload bridge, in-memory IPC)', ipcTransport);
runWorkspaceContractSuite('Electron IPC (main/ipc.ts + preload bridge, in-memory IPC)', ipcTransport);
