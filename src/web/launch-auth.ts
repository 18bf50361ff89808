// The browser shell's per-launch secrets. The launcher opens http://127.0.0.1:PORT/#launch=<one-time code>; the
// page trades the code, once, for a session secret it sends as a header on every call (never a cookie: cookies
// ignore ports). Both values are 32 random bytes and are compared in constant time; only their SHA-256 digests
// are kept.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface LaunchAuth {
  /**
   * Mints a one-time launch code, valid for the configured time. onSpent runs once, when the code is redeemed or
   * refused as expired, or when its time is up unused (the launch file holding it can go then).
   */
  newLaunchCode(onSpent?: () => void): string;
  /** Trades a launch code for a new session secret; null if the code is unknown, used or expired. */
  redeem(code: string): string | null;
  /** Whether a session header carries a secret this shell issued. */
  isSession(secret: string | undefined): boolean;
  /** Forgets every code (and runs their onSpent): the shell is closing. */
  close(): void;
}

export interface LaunchAuthOptions {
  /** How long a launch code stays usable. */
  codeTtlMs?: number;
  now?: () => number;
}

const DEFAULT_CODE_TTL_MS = 5 * 60_000;
/** Longer values are refused unread: a real code or secret is 43 characters. */
const MAX_SECRET_LENGTH = 128;

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

interface PendingCode {
  expiresAt: number;
  timer: NodeJS.Timeout;
  onSpent?: () => void;
}

export function createLaunchAuth(options: LaunchAuthOptions = {}): LaunchAuth {
  const ttl = options.codeTtlMs ?? DEFAULT_CODE_TTL_MS;
  const now = options.now ?? Date.now;
  const codes = new Map<Buffer, PendingCode>();
  const sessions = new Set<Buffer>();

  function spend(key: Buffer): PendingCode | undefined {
    const pending = codes.get(key);
    if (pending === undefined) return undefined;
    codes.delete(key);
    clearTimeout(pending.timer);
    pending.onSpent?.();
    return pending;
  }

  return {
    newLaunchCode(onSpent) {
      const code = newSecret();
      const key = digest(code);
      const timer = setTimeout(() => spend(key), ttl);
      timer.unref();
      codes.set(key, { expiresAt: now() + ttl, timer, onSpent });
      return code;
    },
    redeem(code) {
      if (code.length === 0 || code.length > MAX_SECRET_LENGTH) return null;
      const match = findMatch(code, codes.keys());
      if (!match) return null;
      // Spent either way: a code works once, and an expired one never again.
      const pending = spend(match);
      if (pending === undefined || now() > pending.expiresAt) return null;
      const secret = newSecret();
      sessions.add(digest(secret));
      return secret;
    },
    isSession(secret) {
      if (!secret || secret.length > MAX_SECRET_LENGTH) return false;
      return findMatch(secret, sessions) !== null;
    },
    close() {
      for (const key of [...codes.keys()]) spend(key);
      sessions.clear();
    },
  };
}
