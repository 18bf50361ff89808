// The first thing a workstation listener does with a request: ask who owns the connection (./peer-owner.ts), and
// refuse another user's before any route, file or secret is looked at. Wraps a node:http request listener, so
// the browser shell (Fastify's serverFactory) and the sign-in loopback listener (plain node:http) share it.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { PeerCheck } from './peer-owner.ts';

/** The refusal's text: the reason (another user, or an owner that could not be found), and what is served. */
export function foreignPeerMessage(reason: string): string {
  return `Refused: ${reason}. Enclave answers only programs of the user who started it.`;
}

function refuse(res: ServerResponse, reason: string): void {
  const body = `${foreignPeerMessage(reason)}\n`;
  res.writeHead(403, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
    Connection: 'close',
  });
  // Nothing more is read from this connection: it is closed once the refusal is out.
  res.end(body, () => res.socket?.destroy());
}

export function guardPeers(handler: RequestListener, options: { peers: PeerCheck; log?: (message: string) => void }): RequestListener {
  const { peers, log } = options;
  return (req: IncomingMessage, res: ServerResponse) => {
    peers.verdict(req.socket).then(
      (verdict) => {
        if (verdict.allowed) {
          handler(req, res);
          return;
        }
        log?.(`Refused a connection: ${verdict.reason}.`);
        refuse(res, verdict.reason);
      },
      () => refuse(res, 'the owner of the connection could not be checked'),
    );
  };
}
