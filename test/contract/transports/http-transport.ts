// A Node Transport over the browser shell's HTTP wire format, doing what the page does: open the launch URL
// (one-time code → session cookie), then POST invokes with the page's Origin and read events from SSE.
import type { Transport } from '../../../src/common/client.ts';
import { fromErrorValue } from '../../../src/common/errors.ts';
import { ARROW_STREAM_CONTENT_TYPE, HTTP_EVENTS_PATH, HTTP_INVOKE_PREFIX } from '../../../src/common/transport-protocol.ts';

export interface HttpTestTransport extends Transport {
  /** "enclave_session=…", as the browser would send it. */
  cookie: string;
  close(): void;
}

export async function openSession(launchUrl: string): Promise<string> {
  const response = await fetch(launchUrl, { redirect: 'manual' });
  const setCookie = response.headers.get('set-cookie');
  await response.body?.cancel();
  if (response.status !== 303 || !setCookie) throw new Error(`Launch failed with HTTP ${response.status}.`);
  return setCookie.split(';', 1)[0] ?? '';
}

/** Splits an SSE byte stream into {event, data} records and calls back for each. */
async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (name: string, data: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const record = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data: string[] = [];
      for (const line of record.split('\n')) {
        if (line.startsWith('event: ')) name = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) onEvent(name, data.join('\n'));
    }
  }
}

export async function connectHttpTransport(shell: { url: string; launchUrl: string }): Promise<HttpTestTransport> {
  const cookie = await openSession(shell.launchUrl);
  const streams = new Set<AbortController>();
  return {
    cookie,
    async invoke(name, payload) {
      const response = await fetch(`${shell.url}${HTTP_INVOKE_PREFIX}${encodeURIComponent(name)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: shell.url, cookie },
        body: JSON.stringify(payload ?? null),
      });
      if (response.ok && response.headers.get('content-type') === ARROW_STREAM_CONTENT_TYPE) {
        return new Uint8Array(await response.arrayBuffer());
      }
      const outcome = (await response.json()) as { ok: boolean; value?: unknown; error?: unknown };
      if (outcome.ok) return outcome.value;
      throw fromErrorValue(outcome.error);
    },
    listen(name, callback) {
      const abort = new AbortController();
      streams.add(abort);
      void fetch(`${shell.url}${HTTP_EVENTS_PATH}`, { headers: { cookie }, signal: abort.signal })
        .then(async (response) => {
          if (!response.ok || !response.body) throw new Error(`The event stream answered HTTP ${response.status}.`);
          await readEvents(response.body, (event, data) => {
            if (event === name) callback(JSON.parse(data));
          });
        })
        .catch(() => {
          // Aborted by stop() or the shell closed: nothing more to deliver.
        });
      return () => {
        abort.abort();
        streams.delete(abort);
      };
    },
    close() {
      for (const abort of streams) abort.abort();
      streams.clear();
    },
  };
}
