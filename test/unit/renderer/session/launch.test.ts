// How a browser-shell window gets its session (renderer/src/session/launch.ts): the launch code comes out of the
// address before anything else happens, is traded once for the secret, which stays in this tab's sessionStorage;
// without either the window calls nothing.
import { describe, expect, it } from 'vitest';
import {
  forgetBrowserSession,
  launchCodeFromHash,
  redeemLaunchCode,
  SESSION_STORAGE_KEY,
  startBrowserSession,
  type LaunchEnv,
  type StorageLike,
} from '../../../../renderer/src/session/launch.ts';
import type { FetchInit, FetchLike } from '../../../../renderer/src/shell/transport.ts';

const CODE = 'Q2xhdW5jaC1jb2RlLWZvci10aGUtdGVzdHMtb25seS0x';
const SECRET = 'c2Vzc2lvbi1zZWNyZXQtZm9yLXRoZS10ZXN0cy1vbmx5';

function memoryStorage(initial: Record<string, string> = {}): StorageLike & { items: Map<string, string> } {
  const items = new Map(Object.entries(initial));
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

interface Step {
  what: string;
  url?: string;
  init?: FetchInit;
}

function page(options: { hash: string; storage?: StorageLike | null; respond?: () => Response | Promise<Response> }): {
  env: LaunchEnv;
  steps: Step[];
  location: { hash: string };
} {
  const steps: Step[] = [];
  const location = { hash: options.hash, pathname: '/', search: '' };
  const fetch: FetchLike = async (url, init) => {
    steps.push({ what: 'fetch', url, init });
    return (options.respond ?? (() => Response.json({ ok: true, value: { session: SECRET } })))();
  };
  const history = {
    replaceState: (_data: unknown, _unused: string, url?: string) => {
      steps.push({ what: 'replaceState', url });
      location.hash = '';
    },
  };
  return { env: { location, history, storage: options.storage === undefined ? memoryStorage() : options.storage, fetch }, steps, location };
}

describe('the launch code in the address', () => {
  it('is read from "#launch=<code>" only', () => {
    expect(launchCodeFromHash(`#launch=${CODE}`)).toBe(CODE);
    expect(launchCodeFromHash('#/catalogue')).toBeNull();
    expect(launchCodeFromHash('#launch=short')).toBeNull();
    expect(launchCodeFromHash(`#launch=${CODE}&x=<script>`)).toBeNull();
  });
});

describe("starting a window's session", () => {
  it('takes the code out of the address first, then trades it by POST in a header, with no cookie', async () => {
    const storage = memoryStorage();
    const { env, steps, location } = page({ hash: `#launch=${CODE}`, storage });

    const started = await startBrowserSession(env);

    expect(steps.map((s) => s.what)).toEqual(['replaceState', 'fetch']);
    expect(steps[0]?.url).toBe('/');
    expect(location.hash).toBe('');
    expect(steps[1]).toMatchObject({
      url: '/api/session',
      init: { method: 'POST', headers: { 'x-enclave-launch': CODE }, credentials: 'omit' },
    });
    expect(started).toEqual({ kind: 'session', secret: SECRET });
    expect(storage.items.get(SESSION_STORAGE_KEY)).toBe(SECRET);
  });

  it('keeps the session over a reload of the same tab (sessionStorage), without any call', async () => {
    const { env, steps } = page({ hash: '', storage: memoryStorage({ [SESSION_STORAGE_KEY]: SECRET }) });

    expect(await startBrowserSession(env)).toEqual({ kind: 'session', secret: SECRET });
    expect(steps).toEqual([]);
  });

  it('has no session and makes no call without a code or a stored secret', async () => {
    const { env, steps } = page({ hash: '#/catalogue' });

    expect(await startBrowserSession(env)).toEqual({ kind: 'none', reason: 'no-launch' });
    expect(steps).toEqual([]);
  });

  it('says the link was used when the shell refuses the code', async () => {
    const { env } = page({
      hash: `#launch=${CODE}`,
      respond: () => Response.json({ ok: false, error: { code: 'forbidden', message: 'Used.' } }, { status: 403 }),
    });

    expect(await startBrowserSession(env)).toEqual({ kind: 'none', reason: 'launch-refused' });
  });

  it('says the workstation did not answer when the call fails', async () => {
    const { env } = page({ hash: `#launch=${CODE}`, respond: () => Promise.reject(new TypeError('Failed to fetch')) });

    expect(await startBrowserSession(env)).toEqual({ kind: 'none', reason: 'unreachable' });
  });

  it("works for the page's lifetime where sessionStorage is refused", async () => {
    const refusing: StorageLike = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('SecurityError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    const { env } = page({ hash: `#launch=${CODE}`, storage: refusing });

    expect(await startBrowserSession(env)).toEqual({ kind: 'session', secret: SECRET });
    expect(() => forgetBrowserSession(refusing)).not.toThrow();
  });

  it('forgets the secret when the shell no longer knows it', () => {
    const storage = memoryStorage({ [SESSION_STORAGE_KEY]: SECRET });

    forgetBrowserSession(storage);

    expect(storage.items.has(SESSION_STORAGE_KEY)).toBe(false);
  });

  it('does not take a secret from an answer that is not a success', async () => {
    const fetch: FetchLike = async () => Response.json({ ok: false, value: { session: SECRET } }, { status: 403 });

    expect(await redeemLaunchCode(fetch, CODE)).toEqual({ ok: false, reason: 'launch-refused' });
  });
});
