// The one timer behind the session's deadlines (the idle lock, the session's end). It only says when to look: what
// is due is decided by the session's rules against the wall clock (./transition.ts, 'timer_fired'), because after a
// suspend a timer fires late, or not before the next input.

const MAX_TIMER_MS = 2 ** 31 - 1;

export interface DeadlineTimer {
  /** Arms the timer for `at` (epoch ms), replacing any earlier one. */
  arm(at: number): void;
  disarm(): void;
  /** Disarms it for good (the session manager is closing). */
  stop(): void;
}

export function createDeadlineTimer(options: { now: () => number; fired: (at: number) => void }): DeadlineTimer {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  function disarm(): void {
    clearTimeout(timer);
    timer = undefined;
  }

  return {
    arm(at) {
      disarm();
      if (stopped) return;
      // setTimeout takes at most 2^31-1 ms (about 24.8 days); a longer bound is re-armed when that fires.
      timer = setTimeout(
        () => {
          timer = undefined;
          options.fired(options.now());
        },
        Math.min(MAX_TIMER_MS, Math.max(0, at - options.now())),
      );
      // The deadline alone must not keep a process alive.
      timer.unref();
    },
    disarm,
    stop() {
      stopped = true;
      disarm();
    },
  };
}
