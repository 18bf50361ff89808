// The session's two deadlines: the idle lock (signed in, no input for idleLockSeconds) and the session's end (its
// absolute bound, whatever the user does). One timer is armed for whichever comes first; the wall clock decides.
import type { Session } from '../common/contract.ts';

const MAX_TIMER_MS = 2 ** 31 - 1;

export interface SessionDeadlinesOptions {
  now: () => number;
  idleLockSeconds: number;
  /** The session as it is now: its state, and when it ends (epoch ms, null without a session). */
  current(): { state: Session['state']; sessionEndsAt: number | null };
  /** The session's end is due. */
  endSession(): Promise<void>;
  /** The idle lock is due. */
  lockIdle(): Promise<void>;
  log: (message: string, detail?: unknown) => void;
}

export interface SessionDeadlines {
  /** Arms the timer for the next deadline; call after every change of state. */
  schedule(): void;
  /**
   * Ends the session or locks it if either is due by the wall clock. Timers alone are not enough: after a suspend
   * they fire late (or not before the next input), so every input and every call asks this first.
   * Returns whether it did.
   */
  enforce(): boolean;
  /** The user did something (or has just signed in): the idle lock counts from now. */
  touch(): void;
  /** Disarms the timer for good (the session manager is closing). */
  stop(): void;
}

export function createSessionDeadlines(options: SessionDeadlinesOptions): SessionDeadlines {
  const { now, log } = options;
  let lastActivity = now();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  function schedule(): void {
    clearTimeout(timer);
    timer = undefined;
    const { state, sessionEndsAt } = options.current();
    if (stopped || sessionEndsAt === null || state === 'signed_out') return;
    let due = sessionEndsAt;
    if (state === 'signed_in') due = Math.min(due, lastActivity + options.idleLockSeconds * 1000);
    // setTimeout takes at most 2^31-1 ms (about 24.8 days); a longer bound is re-armed when that fires.
    timer = setTimeout(tick, Math.min(MAX_TIMER_MS, Math.max(0, due - now())));
    timer.unref();
  }

  function enforce(): boolean {
    const { state, sessionEndsAt } = options.current();
    if (sessionEndsAt !== null && state !== 'signed_out' && now() >= sessionEndsAt) {
      void options.endSession().catch((err: unknown) => log('Ending the session failed.', err));
      return true;
    }
    if (state === 'signed_in' && now() - lastActivity >= options.idleLockSeconds * 1000) {
      void options.lockIdle().catch((err: unknown) => log('Locking failed.', err));
      return true;
    }
    return false;
  }

  function tick(): void {
    timer = undefined;
    if (!enforce()) schedule();
  }

  return {
    schedule,
    enforce,
    touch() {
      lastActivity = now();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
