// Reporting user input to the workstation core, which owns the idle-lock timer. Reports are throttled: one at
// once, then at most one per interval, with a trailing one so input late in an interval is not lost.

/** At most one report per min(30 s, a quarter of the idle time): the lock can come at most that much early. */
export function activityIntervalMs(idleLockSeconds: number): number {
  return Math.max(250, Math.min(30_000, (idleLockSeconds * 1000) / 4));
}

export interface ActivityThrottle {
  /** The user did something. */
  notify(): void;
  /** Forgets a pending trailing report. */
  stop(): void;
}

export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

export function createActivityThrottle(options: { intervalMs: number; report: () => void; timers?: Timers }): ActivityThrottle {
  const timers = options.timers ?? realTimers;
  let lastSent = Number.NEGATIVE_INFINITY;
  let trailing: unknown = null;
  const send = (): void => {
    lastSent = timers.now();
    options.report();
  };
  return {
    notify() {
      const since = timers.now() - lastSent;
      if (since >= options.intervalMs) {
        send();
        return;
      }
      if (trailing !== null) return;
      trailing = timers.setTimeout(() => {
        trailing = null;
        send();
      }, options.intervalMs - since);
    },
    stop() {
      if (trailing !== null) timers.clearTimeout(trailing);
      trailing = null;
    },
  };
}

/** The DOM events that count as the user being there (deliberate input, not a pointer drifting). */
export const ACTIVITY_EVENTS = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;
