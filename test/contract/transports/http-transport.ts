// The browser shell reached by the renderer's own code: renderer/src/session/launch.ts trades the launch URL's code
// for the session secret, renderer/src/shell/transport.ts makes every call and reads the event stream, all over
// Node's fetch.
// The only test-side part is the browser's own role (browserFetch): resolving the page's relative URLs against
// its origin, and the Origin header a browser puts on a POST.
import type { Transport } from '../../../src/common/client.ts';
import { startBrowserSession } from '../../../renderer/src/session/launch.ts';
import { createHttpTransport, type FetchLike } from '../../../renderer/src/shell/transport.ts';

export interface HttpTestTransport extends Transport {
  /** The window's session secret, as the page holds it. */
  session: string;
  /** Stops every listener still open (their event streams). */
  close(): void;
}

/** Node's fetch, doing what the browser does for a page at `origin`. */
export function browserFetch(origin: string): FetchLike {
  return (url, init) =>
    fetch(new URL(url, origin), { ...init, headers: { ...init.headers, ...(init.method === 'GET' ? {} : { origin }) } });
}

/** Opens the launch URL as the page does: code out of the fragment, traded once for the secret. */
export async function openSession(launchUrl: string): Promise<string> {
  const location = new URL(launchUrl);
  const started = await startBrowserSession({
    location,
    history: { replaceState: () => {} },
    storage: null,
    fetch: browserFetch(location.origin),
  });
  if (started.kind !== 'session') throw new Error(`The launch was refused (${started.reason}).`);
  return started.secret;
}

export async function connectHttpTransport(shell: { url: string; launchUrl: string }): Promise<HttpTestTransport> {
  const session = await openSession(shell.launchUrl);
  const transport = createHttpTransport({ fetch: browserFetch(shell.url), session });
  const stops = new Set<() => void>();
  return {
    session,
    invoke: (name, payload, call) => transport.invoke(name, payload, call),
    listen(name, callback) {
      const stop = transport.listen(name, callback);
      stops.add(stop);
      return () => {
        stops.delete(stop);
        stop();
      };
    },
    close() {
      for (const stop of [...stops]) stop();
      stops.clear();
    },
  };
}
