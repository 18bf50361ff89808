// One-time downloads of exports, for a shell with no save dialog (the browser shell). The export gate hands over a file
// it has checked; this keeps it for DOWNLOAD_TTL_MS under a random token and gives it out once. The URL carries the
// token in its path (a download is a navigation: it cannot carry the session header, and the shell never sets a cookie
// on 127.0.0.1), so the token is the whole capability: 32 random bytes, bound to that one export, spent on first use.
import { createHash, randomBytes } from 'node:crypto';
import type { ExportFile, ExportOutcome } from './export-file.ts';

import { EXPORT_DOWNLOAD_PATH } from '../../common/transport-protocol.ts';

export { EXPORT_DOWNLOAD_PATH };

/** How long an offered download may wait for the page to fetch it. */
export const DOWNLOAD_TTL_MS = 15_000;

/** At most this many offers wait at once; the oldest goes first (an export is small, but the page may repeat it). */
const MAX_PENDING = 16;

/** A real token is 43 characters of base64url; anything else is refused unread. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface DownloadOffers {
  /** Keeps the file under a fresh token and answers where the page fetches it. */
  offer(file: ExportFile): ExportOutcome & { kind: 'download' };
  /** The file offered under this token, once: null when the token is unknown, spent or past its time. */
  take(token: string): ExportFile | null;
  /** Forgets every offer (the workstation is closing, or the session ended). */
  clear(): void;
}

interface Pending {
  readonly file: ExportFile;
  readonly expiresAt: number;
  readonly timer: NodeJS.Timeout;
}

function digest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function createDownloadOffers(options: { ttlMs?: number; now?: () => number } = {}): DownloadOffers {
  const ttl = options.ttlMs ?? DOWNLOAD_TTL_MS;
  const now = options.now ?? Date.now;
  // Keyed by the token's digest: the token itself is never kept.
  const pending = new Map<string, Pending>();

  function drop(key: string): Pending | undefined {
    const entry = pending.get(key);
    if (entry === undefined) return undefined;
    pending.delete(key);
    clearTimeout(entry.timer);
    return entry;
  }

  return {
    offer(file) {
      while (pending.size >= MAX_PENDING) {
        const oldest = pending.keys().next().value;
        if (oldest === undefined) break;
        drop(oldest);
      }
      const token = randomBytes(32).toString('base64url');
      const key = digest(token);
      const timer = setTimeout(() => drop(key), ttl);
      timer.unref();
      pending.set(key, { file, expiresAt: now() + ttl, timer });
      return { kind: 'download', url: `${EXPORT_DOWNLOAD_PATH}${token}`, fileName: file.fileName };
    },
    take(token) {
      if (!TOKEN_PATTERN.test(token)) return null;
      // Spent either way: a token works once, and an expired one never.
      const entry = drop(digest(token));
      if (entry === undefined || now() > entry.expiresAt) return null;
      return entry.file;
    },
    clear() {
      for (const key of [...pending.keys()]) drop(key);
    },
  };
}
