// A fixed-window limit per key (a user id): at most `limit` uses in each window. Kept in memory, per process:
// enough to stop one client flooding what it may report, which is all it is for.
export interface RateVerdict {
  readonly allowed: boolean;
  /** The first refusal of this key in this window: the one moment worth recording. */
  readonly firstRefusal: boolean;
}

export interface RateLimiter {
  take(key: string): RateVerdict;
}

interface Window {
  start: number;
  used: number;
  refused: boolean;
}

export function createRateLimiter(options: { limit: number; windowMs: number; now?: () => number }): RateLimiter {
  const now = options.now ?? Date.now;
  const windows = new Map<string, Window>();
  return {
    take(key) {
      const at = now();
      let window = windows.get(key);
      if (window === undefined || at - window.start >= options.windowMs) {
        // Forget every finished window while here, so the map holds only keys active in the last window.
        for (const [other, old] of windows) if (at - old.start >= options.windowMs) windows.delete(other);
        window = { start: at, used: 0, refused: false };
        windows.set(key, window);
      }
      window.used += 1;
      if (window.used <= options.limit) return { allowed: true, firstRefusal: false };
      const firstRefusal = !window.refused;
      window.refused = true;
      return { allowed: false, firstRefusal };
    },
  };
}
