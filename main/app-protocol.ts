// The app:// protocol: serves out/renderer with the shared path guard, a fresh nonce in index.html on every load,
// and the CSP and security headers on every response. Pure Node (Request/Response are globals), so it is tested
// without Electron.
import { Readable } from 'node:stream';
import type { RendererFiles } from '../src/workstation/serving/renderer-files.ts';
import { securityHeaders } from '../src/workstation/serving/renderer-files.ts';
import { appRequestPath } from './security.ts';

function plain(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' },
  });
}

export async function appProtocolResponse(files: RendererFiles, request: { url: string; method: string }): Promise<Response> {
  const path = appRequestPath(request.url);
  if (path === null) return plain(404, 'Not found.');
  if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'Only GET and HEAD.');
  const file = await files.read(path);
  if (file.status !== 200) return plain(file.status, file.reason);
  const head = request.method === 'HEAD';
  if (file.kind === 'page') {
    return new Response(head ? null : new Uint8Array(file.body), {
      status: 200,
      headers: { ...securityHeaders(file.nonce), 'Content-Type': file.contentType, 'Cache-Control': 'no-store' },
    });
  }
  const body = head ? null : (Readable.toWeb(file.open()) as ReadableStream<Uint8Array>);
  return new Response(body, {
    status: 200,
    headers: { ...securityHeaders(), 'Content-Type': file.contentType, 'Content-Length': String(file.size), 'Cache-Control': 'no-cache' },
  });
}
