// The renderer's built files (out/renderer), served by both shells: the Electron app:// protocol and the HTTP
// browser shell. One path guard, one content-type table, one nonce injection, one set of security headers.
import { randomBytes } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { contentSecurityPolicy, injectNonce } from '../../common/csp.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  // DuckDB-wasm streams-compiles only when the type is exactly application/wasm (../shared/FACTS.md).
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

export const INDEX_FILE = 'index.html';

export function contentTypeFor(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** A fresh nonce for one page load (128 bits, base64). */
export function freshNonce(): string {
  return randomBytes(16).toString('base64');
}

/**
 * Headers on every response of either shell. The CSP goes on every response, not only the page: a worker
 * script's own CSP comes from its response (../shared/FACTS.md).
 */
export function securityHeaders(nonce: string = freshNonce()): Record<string, string> {
  return {
    'Content-Security-Policy': contentSecurityPolicy(nonce),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
  };
}

/**
 * Turns a URL path (still percent-encoded, as it arrived) into a path relative to the renderer folder, or null.
 * Refuses rather than repairs: "..", ".", empty and dot-file segments, backslashes, NUL and control characters,
 * malformed escapes, and any "%" left after one decoding (double encoding: %252e%252e).
 */
export function safeRelativePath(rawPath: string): string | null {
  if (!rawPath.startsWith('/')) return null;
  const withoutQuery = rawPath.split(/[?#]/, 1)[0] ?? '';
  let decoded: string;
  try {
    decoded = decodeURIComponent(withoutQuery);
  } catch {
    return null;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\%]/.test(decoded)) return null;
  if (decoded === '/') return INDEX_FILE;
  const segments = decoded.slice(1).split('/');
  if (segments.some((s) => s === '' || s.startsWith('.') || s.includes(':'))) return null;
  return segments.join('/');
}

export type RendererFile =
  | { status: 200; kind: 'page'; body: Buffer; contentType: string; nonce: string }
  | { status: 200; kind: 'asset'; path: string; size: number; mtimeMs: number; contentType: string; open(): ReadStream }
  | { status: 400 | 404; reason: string };

export interface RendererFiles {
  readonly root: string;
  /** Looks a request path up; never returns a file outside the renderer folder (symlinks included). */
  read(rawPath: string): Promise<RendererFile>;
}

export function createRendererFiles(rendererDir: string): RendererFiles {
  const root = resolve(rendererDir);

  async function locate(relative: string): Promise<{ real: string; size: number; mtimeMs: number } | null> {
    const full = resolve(root, relative);
    if (!full.startsWith(root + sep)) return null;
    let real: string;
    try {
      real = await realpath(full);
    } catch {
      return null;
    }
    // A symlink inside the folder must not lead outside it.
    const base = await realpath(root);
    if (!real.startsWith(base + sep)) return null;
    const info = await stat(real);
    if (!info.isFile()) return null;
    return { real, size: info.size, mtimeMs: info.mtimeMs };
  }

  return {
    root,
    async read(rawPath) {
      const relative = safeRelativePath(rawPath);
      if (relative === null) return { status: 400, reason: 'That path is not allowed.' };
      const found = await locate(relative).catch(() => null);
      if (!found) return { status: 404, reason: 'Not found.' };
      const contentType = contentTypeFor(found.real);
      if (relative === INDEX_FILE) {
        const nonce = freshNonce();
        const html = injectNonce(await readFile(found.real, 'utf8'), nonce);
        return { status: 200, kind: 'page', body: Buffer.from(html, 'utf8'), contentType, nonce };
      }
      return {
        status: 200,
        kind: 'asset',
        path: found.real,
        size: found.size,
        mtimeMs: found.mtimeMs,
        contentType,
        open: () => createReadStream(found.real),
      };
    },
  };
}
