/// <reference types="vite/client" />
// Vite's module types (?url imports, CSS imports, import.meta.env) and the one global the Electron preload adds.
import type { EnclaveBridge } from '../../src/common/contract-names.ts';

declare global {
  interface Window {
    /** Present only in the Electron shell (preload); the browser shell talks HTTP instead. */
    enclave?: EnclaveBridge;
  }
}
