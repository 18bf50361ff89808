// Raw HTTP for attack tests: node:http sends the path and headers exactly as given (fetch would normalise
// "/../", refuse to set Host, and add an Origin of its own).
import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export function rawRequest(options: {
  port: number;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  /** Header lines sent as they are, after `headers`: for a header repeated on purpose. */
  rawHeaders?: string[];
  body?: string | Buffer;
}): Promise<RawResponse> {
  const headers: Record<string, string> | string[] =
    options.rawHeaders === undefined ? (options.headers ?? {}) : [...Object.entries(options.headers ?? {}).flat(), ...options.rawHeaders];
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: options.port, path: options.path, method: options.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** The first response chunk of a streaming endpoint (SSE), then the connection is dropped. */
export function firstChunk(options: {
  port: number;
  path: string;
  headers: Record<string, string>;
}): Promise<{ status: number; headers: RawResponse['headers']; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: options.port, path: options.path, headers: options.headers }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        // The stream opens with a comment, then the current state of each event.
        if (text.includes('\n\nevent: ') && text.endsWith('\n\n')) {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
          req.destroy();
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end();
  });
}
