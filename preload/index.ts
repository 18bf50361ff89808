// The Electron preload (sandboxed, bundled to CommonJS): exposes window.enclave = { invoke, listen } and nothing else.
import { contextBridge, ipcRenderer } from 'electron';
import { createEnclaveBridge } from './bridge.ts';

contextBridge.exposeInMainWorld('enclave', createEnclaveBridge(ipcRenderer));
