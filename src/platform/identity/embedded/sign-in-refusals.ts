// Which refused sign-ins go into the audit log one by one. The login throttle refuses guesses cheaply, but every
// audit event is a database write plus a synced anchor line, so recording each refusal would let a guesser flood
// the log (and the disk) at the throttle's pace. The first refusal of a username from a client address in each
// window is recorded as it happens; the others are counted, and the count is recorded once the window has closed.
// Successful sign-ins and the wrong passwords the throttle lets through are recorded one by one, elsewhere.
// In memory (per instance): a restart starts new windows; the throttle's budgets themselves are in the store.

/** How long one window of refusals lasts: as long as the per-address budget's. */
export const REFUSAL_WINDOW_MS = 10 * 60_000;
/** Username and address pairs remembered at most; past it, new pairs share one window (so their events stay bounded too). */
const MAX_PAIRS = 10_000;
const MANY = '(many)';
/** The name refused enrolment attempts are counted under (a code names nobody until it is checked). */
export const ENROLMENT_ATTEMPTS = '(enrolment code)';

export interface RefusedPair {
  /**
   * The account's id, "(unknown username)", or "(enrolment code)" for enrolment attempts: never what was typed for
   * a name that is not an account, nor a code.
   */
  readonly username: string;
  /** The client address as the throttle counts it (IPv6 by its /64). */
  readonly address: string;
}

/** A window that closed with more refusals than the one recorded when it opened. */
export interface RefusalCount extends RefusedPair {
  /** Every refusal in the window, the recorded first one included. */
  readonly refused: number;
  /** When the window opened (epoch ms). */
  readonly since: number;
}

export interface SignInRefusals {
  /** Counts a refusal: true when it is the first of its pair in the window, the one to record now. */
  take(pair: RefusedPair): boolean;
  /** The windows that have closed since the last call, with more refusals than the first; each is answered once. */
  closed(): RefusalCount[];
  /** When the earliest open window closes (epoch ms), or null when none is open. */
  nextClose(): number | null;
}

interface Window {
  readonly pair: RefusedPair;
  readonly since: number;
  refused: number;
}

export function createSignInRefusals(options: { now: () => number; windowMs?: number }): SignInRefusals {
  const { now } = options;
  const windowMs = options.windowMs ?? REFUSAL_WINDOW_MS;
  const windows = new Map<string, Window>();
  const keyOf = (pair: RefusedPair): string => JSON.stringify([pair.username, pair.address]);
  const counts: RefusalCount[] = [];

  /** Moves every closed window's count (when it counted more than its first) to `counts`, and forgets the window. */
  function closeEnded(at: number): void {
    for (const [key, window] of windows) {
      if (at - window.since < windowMs) continue;
      windows.delete(key);
      if (window.refused > 1) counts.push({ ...window.pair, refused: window.refused, since: window.since });
    }
  }

  return {
    take(pair) {
      const at = now();
      closeEnded(at);
      let key = keyOf(pair);
      let window = windows.get(key);
      if (window === undefined && windows.size >= MAX_PAIRS) {
        const shared = { username: MANY, address: MANY };
        key = keyOf(shared);
        window = windows.get(key);
        pair = shared;
      }
      if (window === undefined) {
        windows.set(key, { pair, since: at, refused: 1 });
        return true;
      }
      window.refused += 1;
      return false;
    },
    closed() {
      closeEnded(now());
      return counts.splice(0);
    },
    nextClose() {
      let earliest: number | null = null;
      for (const window of windows.values()) if (earliest === null || window.since < earliest) earliest = window.since;
      return earliest === null ? null : earliest + windowMs;
    },
  };
}
