// The renderer's Content-Security-Policy (tested with DuckDB-wasm, CodeMirror, Plotly and Glide: ../shared/FACTS.md).
import { CSP_NONCE_PLACEHOLDER } from './transport-protocol.ts';

export function contentSecurityPolicy(nonce: string): string {
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(nonce)) throw new Error('A CSP nonce must be at least 16 base64 characters.');
  return [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Writes the page's nonce into index.html (a meta tag the renderer reads for CodeMirror's style element). */
export function injectNonce(html: string, nonce: string): string {
  return html.split(CSP_NONCE_PLACEHOLDER).join(nonce);
}
