// GET /api/events: the core's events as Server-Sent Events ("event: <name>\ndata: <json>\n\n").
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EVENT_NAMES } from '../common/contract-names.ts';
import type { CoreEvents } from '../workstation/event-hub.ts';

const KEEPALIVE_MS = 25_000;

export function formatServerSentEvent(name: string, payload: unknown): string {
  // JSON.stringify never emits a raw newline, so one data line always holds the whole payload.
  return `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
}

/** Streams events until the client goes away or the shell closes; returns a function that ends the stream. */
export function serveEventStream(options: {
  req: IncomingMessage;
  res: ServerResponse;
  events: CoreEvents;
  headers: Record<string, string>;
}): () => void {
  const { req, res, events, headers } = options;
  res.writeHead(200, {
    ...headers,
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
  });
  res.write(': connected\n\n');

  const stops = EVENT_NAMES.map((name) => events.on(name, (payload) => res.write(formatServerSentEvent(name, payload))));
  // A comment line now and then lets both ends notice a dead connection.
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  keepalive.unref();

  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(keepalive);
    for (const stop of stops) stop();
    res.end();
  };
  req.on('close', end);
  res.on('close', end);
  return end;
}
