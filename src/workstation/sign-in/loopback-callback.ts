// The one-time loopback listener of a browser sign-in (RFC 8252 §7.3): http://127.0.0.1:<random port>/callback.
// It takes exactly one callback that belongs to its sign-in (the caller decides: the state matches), hands it to the
// core, answers the browser with a small page (no script), and closes. A request that does not belong (any page in
// the browser can send one to 127.0.0.1) is refused without ending the wait; anything after the one callback is
// refused; a timeout or a cancel closes it. Before any of that, a connection from another OS user's program is
// refused (../serving/peer-guard.ts): another user who knows the state (the authorization URL is theirs to read where it is
// not pushed) cannot hand this sign-in a code of their own, and the wait goes on for the real callback.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { guardPeers } from '../serving/peer-guard.ts';
import { createPeerCheck, type PeerCheck } from '../serving/peer-owner.ts';

export const CALLBACK_PATH = '/callback';

/** What the browser is told once the core has dealt with the callback. */
export interface CallbackPage {
  ok: boolean;
  title: string;
  text: string;
}

export interface LoopbackCallback {
  /** http://127.0.0.1:<port>/callback */
  redirectUri: string;
  /** Resolves when the listener has closed (after the callback, a timeout or a cancel). */
  closed: Promise<void>;
  /** Closes the listener now; a callback already being handled still gets its page. */
  close(): void;
}

export interface LoopbackCallbackOptions {
  /**
   * Whether a request to the callback path is this sign-in's answer. If not, it is refused with NOT_OURS_PAGE and
   * the listener keeps waiting. Default: every request is.
   */
  belongs?(url: URL): boolean;
  /** Called once, with the full callback URL of the request that belongs; its answer becomes the browser's page. */
  onCallback(url: URL): Promise<CallbackPage>;
  /** Called if nothing valid arrived within timeoutMs. */
  onTimeout(): void;
  timeoutMs: number;
  /** Who may connect (default: this user's programs, where the OS can say; see ../serving/peer-owner.ts). */
  peers?: PeerCheck;
  log?: (message: string) => void;
}

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => escapes[c] ?? c);

// The page's only style, allowed by its hash: no file to serve, and nothing else may style or run.
const PAGE_STYLE =
  'body{margin:0;min-height:100vh;display:grid;place-items:center;background:#f0f4f5;color:#1d2125;' +
  'font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}' +
  'main{max-width:32rem;margin:1rem;padding:1.5rem 2rem;background:#fff;border:1px solid #cfd6da;border-radius:6px}' +
  'main>p:first-child{margin:0;color:#005eb8;font-weight:700}h1{margin:.25rem 0 .5rem;font-size:1.5rem}' +
  '.failed{border-left:4px solid #b10e1e}';
const PAGE_STYLE_HASH = `'sha256-${createHash('sha256').update(PAGE_STYLE).digest('base64')}'`;

export function renderCallbackPage(page: CallbackPage): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(page.title)} — Enclave</title><style>${PAGE_STYLE}</style></head>
<body>
<main${page.ok ? '' : ' class="failed"'}>
<p>Enclave</p>
<h1>${escapeHtml(page.title)}</h1>
<p${page.ok ? '' : ' role="alert"'}>${escapeHtml(page.text)}</p>
</main>
</body>
</html>
`;
}

function send(res: ServerResponse, status: number, page: CallbackPage): void {
  const body = renderCallbackPage(page);
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    // The page is static text: no script, frame or form may run or load, and only its own style applies.
    'Content-Security-Policy': `default-src 'none'; style-src ${PAGE_STYLE_HASH}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    Connection: 'close',
  });
  res.end(body);
}

export const ALREADY_USED_PAGE: CallbackPage = {
  ok: false,
  title: 'This sign-in has already been used',
  text: 'Enclave accepts one answer per sign-in. If you are not signed in, start again from Enclave.',
};

export const NOT_OURS_PAGE: CallbackPage = {
  ok: false,
  title: 'Not an answer Enclave is waiting for',
  text: 'This did not come from the sign-in Enclave started, so it was ignored. Finish signing in from the page Enclave opened.',
};

export async function startLoopbackCallback(options: LoopbackCallbackOptions): Promise<LoopbackCallback> {
  let port = 0;
  let taken = false;
  let closing = false;
  // Started before listening: the deadline covers the whole sign-in. It fires on a later turn, after setup.
  const timer = setTimeout(() => {
    if (taken) return;
    close();
    options.onTimeout();
  }, options.timeoutMs);
  timer.unref();
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const host = (req.headers.host ?? '').toLowerCase();
    if (host !== `127.0.0.1:${port}`) {
      send(res, 403, { ok: false, title: 'Refused', text: 'This listener answers only to 127.0.0.1.' });
      return;
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) {
      send(res, 404, { ok: false, title: 'Not found', text: 'This address only receives the answer of an Enclave sign-in.' });
      return;
    }
    if (taken || closing) {
      send(res, 409, ALREADY_USED_PAGE);
      return;
    }
    if (options.belongs && !options.belongs(url)) {
      send(res, 400, NOT_OURS_PAGE);
      return;
    }
    taken = true;
    clearTimeout(timer);
    options
      .onCallback(url)
      .then(
        (page) => send(res, page.ok ? 200 : 400, page),
        () => send(res, 500, { ok: false, title: 'Sign-in failed', text: 'Something went wrong inside Enclave. Start the sign-in again.' }),
      )
      .finally(close);
  };
  const server = createServer(guardPeers(handle, { peers: options.peers ?? createPeerCheck(), log: options.log }));

  function close(): void {
    if (closing) return;
    closing = true;
    clearTimeout(timer);
    // Answers already written are flushed; idle keep-alive sockets are dropped so close() does not wait on them.
    server.close(() => resolveClosed());
    server.closeIdleConnections();
  }

  // Loopback only, a port the OS picks: nothing else on the network can deliver a callback.
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    clearTimeout(timer);
    throw err;
  }
  port = (server.address() as AddressInfo).port;

  return { redirectUri: `http://127.0.0.1:${port}${CALLBACK_PATH}`, closed, close };
}
