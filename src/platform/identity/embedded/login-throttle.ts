// Slows down password guessing, per username: after FREE_FAILURES wrong passwords in a row, that username is
// refused for a pause that doubles with each further failure (30 s, 60 s, … up to 15 min). Unknown usernames
// are throttled the same way, so the pause does not tell whether an account exists. In memory: a restart
// clears it, which an attacker who can restart the platform does not need anyway.
//
// An attempt is counted when it starts, not when its (slow, scrypt) check ends: otherwise hundreds of guesses
// sent at once would all pass the "is this username paused?" test before the first failure is recorded.
// While attempts are in flight, only as many more may start as there are free failures left.

export const FREE_FAILURES = 5;
const FIRST_PAUSE_MS = 30_000;
const LONGEST_PAUSE_MS = 15 * 60_000;
/** Failures older than this are forgotten. */
const MEMORY_MS = 60 * 60_000;
const MAX_TRACKED = 10_000;
/** What a caller refused for attempts in flight is told to wait: those end within about this long. */
const BUSY_WAIT_MS = 2_000;

interface Record {
  failures: number;
  lastFailureAt: number;
  pausedUntil: number;
}

/** One password check in progress; settle it exactly once (later calls do nothing). */
export interface LoginAttempt {
  failed(): void;
  succeeded(): void;
  /** Ends the attempt without counting it either way (the check itself broke); a no-op once settled. */
  release(): void;
}

export type LoginAdmission =
  | { readonly allowed: true; readonly attempt: LoginAttempt }
  /** paused: too many failures; busy: too many attempts for this username are being checked right now. */
  | { readonly allowed: false; readonly reason: 'paused' | 'busy'; readonly waitMs: number };

export interface LoginThrottle {
  /** Milliseconds the username must still wait, or 0 when it may try now. */
  waitFor(username: string): number;
  /** Asks to check a password for the username; an allowed attempt counts until it is settled. */
  begin(username: string): LoginAdmission;
}

export function createLoginThrottle(now: () => number = Date.now): LoginThrottle {
  const records = new Map<string, Record>();
  // Separate from records: bounded by the number of open requests, and never evicted mid-attempt.
  const inFlight = new Map<string, number>();
  const keyOf = (username: string): string => username.trim().toLowerCase();

  function current(key: string): Record | undefined {
    const record = records.get(key);
    if (record !== undefined && now() - record.lastFailureAt > MEMORY_MS && now() >= record.pausedUntil) {
      records.delete(key);
      return undefined;
    }
    return record;
  }

  function recordFailure(key: string): void {
    const record = current(key) ?? { failures: 0, lastFailureAt: 0, pausedUntil: 0 };
    record.failures += 1;
    record.lastFailureAt = now();
    if (record.failures >= FREE_FAILURES) {
      const pause = Math.min(LONGEST_PAUSE_MS, FIRST_PAUSE_MS * 2 ** (record.failures - FREE_FAILURES));
      record.pausedUntil = now() + pause;
    }
    // Bounded, so a flood of made-up usernames cannot grow memory without limit.
    if (records.size >= MAX_TRACKED && !records.has(key)) records.delete(records.keys().next().value as string);
    records.set(key, record);
  }

  function endInFlight(key: string): void {
    const count = (inFlight.get(key) ?? 1) - 1;
    if (count <= 0) inFlight.delete(key);
    else inFlight.set(key, count);
  }

  return {
    waitFor(username) {
      const record = current(keyOf(username));
      return record === undefined ? 0 : Math.max(0, record.pausedUntil - now());
    },
    begin(username) {
      const key = keyOf(username);
      const record = current(key);
      const paused = record === undefined ? 0 : record.pausedUntil - now();
      if (paused > 0) return { allowed: false, reason: 'paused', waitMs: paused };
      const failures = record?.failures ?? 0;
      // Past the free failures, each pause ends with room for exactly one more try.
      const room = failures < FREE_FAILURES ? FREE_FAILURES - failures : 1;
      const running = inFlight.get(key) ?? 0;
      if (running >= room) return { allowed: false, reason: 'busy', waitMs: BUSY_WAIT_MS };
      inFlight.set(key, running + 1);
      let settled = false;
      const settle = (outcome: 'failed' | 'succeeded' | 'released'): void => {
        if (settled) return;
        settled = true;
        endInFlight(key);
        if (outcome === 'failed') recordFailure(key);
        if (outcome === 'succeeded') records.delete(key);
      };
      return {
        allowed: true,
        attempt: { failed: () => settle('failed'), succeeded: () => settle('succeeded'), release: () => settle('released') },
      };
    },
  };
}
