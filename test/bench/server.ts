// A small static server for the bench page: out/bench-renderer through the workstation's own file serving (path guard,
// content types, security headers with the CSP), each HTML page with a fresh nonce written in, plus the bench's
// Arrow files under /bench-data/ on the same origin (the CSP allows connect-src 'self' only).
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { injectNonce } from '../../src/common/csp.ts';
import { ARROW_STREAM_CONTENT_TYPE } from '../../src/common/transport-protocol.ts';
import { createRendererFiles, freshNonce, securityHeaders } from '../../src/workstation/serving/renderer-files.ts';

export const DATA_PREFIX = '/bench-data/';

export interface BenchServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Makes a file downloadable at the returned same-origin path. */
  publish(name: string, file: string): string;
  close(): Promise<void>;
}

export async function startBenchServer(rendererDir: string): Promise<BenchServer> {
  const files = createRendererFiles(rendererDir);
  const published = new Map<string, string>();

  const server = createServer((request, response) => {
    const fail = (status: number, reason: string): void => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...securityHeaders() });
      response.end(reason);
    };
    const serve = async (): Promise<void> => {
      if (request.method !== 'GET') return fail(405, 'Only GET.');
      const rawPath = request.url ?? '/';
      if (rawPath.startsWith(DATA_PREFIX)) {
        const file = published.get(rawPath.slice(DATA_PREFIX.length));
        if (file === undefined) return fail(404, 'Not found.');
        const info = await stat(file);
        response.writeHead(200, { 'Content-Type': ARROW_STREAM_CONTENT_TYPE, 'Content-Length': String(info.size), ...securityHeaders() });
        createReadStream(file)
          .on('error', () => response.destroy())
          .pipe(response);
        return;
      }
      const found = await files.read(rawPath);
      if (found.status !== 200) return fail(found.status, found.reason);
      if (found.kind === 'page') {
        response.writeHead(200, { 'Content-Type': found.contentType, ...securityHeaders(found.nonce) });
        response.end(found.body);
        return;
      }
      if (found.path.endsWith('.html')) {
        // The workstation writes the nonce into index.html only; the bench page gets the same treatment here.
        const nonce = freshNonce();
        const body = Buffer.from(injectNonce(await readFile(found.path, 'utf8'), nonce), 'utf8');
        response.writeHead(200, { 'Content-Type': found.contentType, ...securityHeaders(nonce) });
        response.end(body);
        return;
      }
      response.writeHead(200, { 'Content-Type': found.contentType, 'Content-Length': String(found.size), ...securityHeaders() });
      found
        .open()
        .on('error', () => response.destroy())
        .pipe(response);
    };
    serve().catch(() => fail(500, 'The bench server failed.'));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    publish(name, file) {
      const key = encodeURIComponent(name);
      published.set(key, file);
      return `${DATA_PREFIX}${key}`;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
