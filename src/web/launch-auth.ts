// The browser shell's per-launch secret. The launcher opens /launch?code=<one-time code>; the shell trades the
// code, once, for a session cookie the page cannot read (HttpOnly). Both values are 32 random bytes and are
// compared in constant time; only their SHA-256 digests are kept.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { HTTP_SESSION_COOKIE } from '../common/transport-protocol.ts';

export interface LaunchAuth {
  /** Mints a one-time launch code, valid for the configured time. */
  newLaunchCode(): string;
  /** Trades a launch code for a new session secret; null if the code is unknown, used or expired. */
  redeem(code: string): string | null;
  /** Whether a Cookie header carries a session secret this shell issued. */
  isSessionCookie(cookieHeader: string | undefined): boolean;
}

export interface LaunchAuthOptions {
  /** How long a launch code stays usable (it appears on a command line, so not for long). */
  codeTtlMs?: number;
  now?: () => number;
}

const DEFAULT_CODE_TTL_MS = 5 * 60_000;

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant time in the candidate: every stored digest is compared, whatever matches first. */
function findMatch(candidate: string, digests: Iterable<Buffer>): Buffer | null {
  const wanted = digest(candidate);
  let match: Buffer | null = null;
  for (const stored of digests) {
    if (timingSafeEqual(stored, wanted)) match = stored;
  }
  return match;
}

export function sessionCookieValue(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === HTTP_SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookieHeader(secret: string): string {
  return `${HTTP_SESSION_COOKIE}=${secret}; HttpOnly; SameSite=Strict; Path=/`;
}

export function createLaunchAuth(options: LaunchAuthOptions = {}): LaunchAuth {
  const ttl = options.codeTtlMs ?? DEFAULT_CODE_TTL_MS;
  const now = options.now ?? Date.now;
  const codes = new Map<Buffer, number>(); // digest → expiry time
  const sessions = new Set<Buffer>();

  return {
    newLaunchCode() {
      const code = newSecret();
      codes.set(digest(code), now() + ttl);
      return code;
    },
    redeem(code) {
      if (code.length === 0 || code.length > 128) return null;
      const match = findMatch(code, codes.keys());
      if (!match) return null;
      const expiry = codes.get(match) ?? 0;
      // Spent either way: a code works once, and an expired one never again.
      codes.delete(match);
      if (now() > expiry) return null;
      const secret = newSecret();
      sessions.add(digest(secret));
      return secret;
    },
    isSessionCookie(cookieHeader) {
      const value = sessionCookieValue(cookieHeader);
      if (!value || value.length > 128) return false;
      return findMatch(value, sessions) !== null;
    },
  };
}
