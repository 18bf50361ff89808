// Slows down password guessing, per username: after FREE_FAILURES wrong passwords in a row, that username is
// refused for a pause that doubles with each further failure (30 s, 60 s, … up to 15 min). Unknown usernames
// are throttled the same way, so the pause does not tell whether an account exists. In memory: a restart
// clears it, which an attacker who can restart the platform does not need anyway.

export const FREE_FAILURES = 5;
const FIRST_PAUSE_MS = 30_000;
const LONGEST_PAUSE_MS = 15 * 60_000;
/** Failures older than this are forgotten. */
const MEMORY_MS = 60 * 60_000;
const MAX_TRACKED = 10_000;

interface Record {
  failures: number;
  lastFailureAt: number;
  pausedUntil: number;
}

export interface LoginThrottle {
  /** Milliseconds the username must still wait, or 0 when it may try now. */
  waitFor(username: string): number;
  recordFailure(username: string): void;
  recordSuccess(username: string): void;
}

export function createLoginThrottle(now: () => number = Date.now): LoginThrottle {
  const records = new Map<string, Record>();
  const keyOf = (username: string): string => username.trim().toLowerCase();

  function current(username: string): Record | undefined {
    const key = keyOf(username);
    const record = records.get(key);
    if (record !== undefined && now() - record.lastFailureAt > MEMORY_MS && now() >= record.pausedUntil) {
      records.delete(key);
      return undefined;
    }
    return record;
  }

  return {
    waitFor(username) {
      const record = current(username);
      return record === undefined ? 0 : Math.max(0, record.pausedUntil - now());
    },
    recordFailure(username) {
      const record = current(username) ?? { failures: 0, lastFailureAt: 0, pausedUntil: 0 };
      record.failures += 1;
      record.lastFailureAt = now();
      if (record.failures >= FREE_FAILURES) {
        const pause = Math.min(LONGEST_PAUSE_MS, FIRST_PAUSE_MS * 2 ** (record.failures - FREE_FAILURES));
        record.pausedUntil = now() + pause;
      }
      // Bounded, so a flood of made-up usernames cannot grow memory without limit.
      if (records.size >= MAX_TRACKED && !records.has(keyOf(username))) records.delete(records.keys().next().value as string);
      records.set(keyOf(username), record);
    },
    recordSuccess(username) {
      records.delete(keyOf(username));
    },
  };
}
