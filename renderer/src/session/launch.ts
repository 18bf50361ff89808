// How a page of the browser shell gets its session. The launcher opens http://127.0.0.1:PORT/#launch=<code>: the
// code is in the fragment, which the browser never sends anywhere. The page takes it out of the address at once
// (history.replaceState), and trades it, once, for the session secret (POST /api/session, code in a header). The
// secret lives in sessionStorage: this origin only (the port is part of it), this tab only, never sent by the
// browser on its own, and still there after a reload. Without a code or a stored secret there is no session, and
// the page makes no call at all: it says to open Enclave from its launcher.
import { HTTP_LAUNCH_FRAGMENT_KEY, HTTP_LAUNCH_HEADER, HTTP_SESSION_PATH } from '../../../src/common/transport-protocol.ts';
import { readJsonBody, type FetchLike } from '../shell/transport.ts';

export const SESSION_STORAGE_KEY = 'enclave.browser-shell.session';

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface LaunchEnv {
  location: { readonly hash: string; readonly pathname: string; readonly search: string };
  history: { replaceState(data: unknown, unused: string, url?: string): void };
  /** null where the browser refuses sessionStorage: the secret then lasts as long as the page. */
  storage: StorageLike | null;
  fetch: FetchLike;
}

/** Why a window has no session, each with its own words on the no-session screen. */
export type NoSessionReason = 'no-launch' | 'launch-refused' | 'unreachable' | 'ended';

export type SessionStart = { kind: 'session'; secret: string } | { kind: 'none'; reason: NoSessionReason };

const CODE_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

/** The launch code in a location's fragment ("#launch=<code>"), or null. Anything else there is left alone. */
export function launchCodeFromHash(hash: string): string | null {
  const prefix = `#${HTTP_LAUNCH_FRAGMENT_KEY}=`;
  if (!hash.startsWith(prefix)) return null;
  const code = hash.slice(prefix.length);
  return CODE_PATTERN.test(code) ? code : null;
}

/** Trades a launch code for a session secret; the code is spent either way. */
export async function redeemLaunchCode(
  fetch: FetchLike,
  code: string,
): Promise<{ ok: true; secret: string } | { ok: false; reason: NoSessionReason }> {
  let response;
  try {
    response = await fetch(HTTP_SESSION_PATH, { method: 'POST', headers: { [HTTP_LAUNCH_HEADER]: code }, credentials: 'omit' });
  } catch {
    return { ok: false, reason: 'unreachable' };
  }
  const body = await readJsonBody(response);
  const secret = (body as { ok?: unknown; value?: { session?: unknown } } | null | undefined)?.value?.session;
  if (response.ok && typeof secret === 'string' && secret.length > 0) return { ok: true, secret };
  return { ok: false, reason: response.status >= 500 ? 'unreachable' : 'launch-refused' };
}

function stored(storage: StorageLike | null): string | null {
  try {
    return storage?.getItem(SESSION_STORAGE_KEY) || null;
  } catch {
    return null;
  }
}

/** The window's session: a fresh launch code first, else the one this tab already holds, else none. */
export async function startBrowserSession(env: LaunchEnv): Promise<SessionStart> {
  const code = launchCodeFromHash(env.location.hash);
  if (code !== null) {
    // Out of the address bar and the history before anything else happens: nothing may read or reuse it later.
    env.history.replaceState(null, '', `${env.location.pathname}${env.location.search}`);
    const redeemed = await redeemLaunchCode(env.fetch, code);
    if (redeemed.ok) {
      try {
        env.storage?.setItem(SESSION_STORAGE_KEY, redeemed.secret);
      } catch {
        // Storage refused: the session lasts as long as this page.
      }
      return { kind: 'session', secret: redeemed.secret };
    }
    const kept = stored(env.storage);
    return kept !== null ? { kind: 'session', secret: kept } : { kind: 'none', reason: redeemed.reason };
  }
  const kept = stored(env.storage);
  return kept !== null ? { kind: 'session', secret: kept } : { kind: 'none', reason: 'no-launch' };
}

/** The shell no longer knows this secret: forget it, so a reload shows the no-session screen at once. */
export function forgetBrowserSession(storage: StorageLike | null): void {
  try {
    storage?.removeItem(SESSION_STORAGE_KEY);
  } catch {
    // Nothing stored, or storage refused: nothing to forget.
  }
}
