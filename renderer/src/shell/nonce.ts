// The page's CSP nonce, written by the serving shell into <meta name="csp-nonce">; CodeMirror's one <style> needs it.
import { CSP_NONCE_PLACEHOLDER } from '../../../src/common/transport-protocol.ts';

export function readNonce(doc: Document): string | undefined {
  const value = doc.querySelector('meta[name="csp-nonce"]')?.getAttribute('content') ?? '';
  // An unreplaced placeholder means the page was served without a nonce: better no nonce than a wrong one.
  return value && value !== CSP_NONCE_PLACEHOLDER ? value : undefined;
}
