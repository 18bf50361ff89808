// Slows down password guessing, with three budgets:
// - per username: after FREE_FAILURES wrong passwords in a row, that username is refused for a pause that
//   doubles with each further failure (30 s, 60 s, … up to 15 min). Unknown usernames are throttled the same
//   way, so the pause does not tell whether an account exists;
// - per client address: 20 failures per 10 minutes, so one client cannot spread guesses over many usernames;
// - overall: 300 failed checks per minute across everybody, which bounds what many addresses can do together
//   (and the scrypt work they cause).
// Enrolment codes typed on the sign-in page are throttled the same way, with the client address in the place of
// the username (a code names nobody before it is checked): 5 wrong codes from an address, then pauses; wrong codes
// and wrong passwords share the address's and everybody's budgets. Codes and usernames never share a record.
//
// The budgets live in the metadata store (store/login-throttle.ts), so several platform instances behind a load
// balancer spend the same ones: an attacker gets no more guesses by spreading them over instances. Each budget is
// one row, changed only by single statements: no transaction is held, least of all across the (slow, scrypt) check.
// The rows are keyed by a keyed hash of the username or address, since people type passwords into the username field.
//
// An attempt is counted when it starts, not when its check ends: otherwise hundreds of guesses sent at once would
// all pass the budget checks before the first failure is recorded. Admission to a budget is one conditional upsert
// that takes an in-flight lease only while the budget has room (failures so far plus checks under way); a lease
// counts as ended by 30 s after it was taken (never before 15 s, far longer than a check), however many other
// attempts come meanwhile, so an instance that crashed mid-check cannot leave a username blocked. A lease is given
// back when its check ends, also when writing the check's outcome fails.
// The budgets are asked in turn (address, overall, then username, so that a refused address spends nothing of a
// username's); a later one refusing gives back the leases taken.
//
// The address and overall budgets are counted in windows that start at their first failure (20 failures, then
// nothing until 10 minutes after the first): at most twice the budget can fall within one window's length across a
// window's end, never more. Rows with nothing left in them (no window, no pause, no lease) are swept about once a
// minute; a paused username is never swept, so no flood of made-up usernames unpauses a real one. The table stays
// small without a cap: every row holding failures was made by a failed check, of which the overall budget allows 300
// a minute, kept for an hour at most.
import { createHash } from 'node:crypto';
import { bestEffort } from '../../../common/detached.ts';
import type { LoginThrottleRecords, PauseRule, WindowRule } from '../../store/login-throttle.ts';

export const FREE_FAILURES = 5;
const FIRST_PAUSE_MS = 30_000;
const LONGEST_PAUSE_MS = 15 * 60_000;
/** Failures older than this are forgotten. */
const MEMORY_MS = 60 * 60_000;
/** What a caller refused for attempts in flight is told to wait: those end within about this long. */
const BUSY_WAIT_MS = 2_000;
/** How often an instance sweeps rows with nothing left in them. */
const SWEEP_EVERY_MS = 60_000;

const USERNAME_RULE: PauseRule = {
  freeFailures: FREE_FAILURES,
  firstPauseMs: FIRST_PAUSE_MS,
  longestPauseMs: LONGEST_PAUSE_MS,
  memoryMs: MEMORY_MS,
};

export interface LoginThrottleLimits {
  /** Failures one client address may cause within addressWindowMs. */
  readonly addressFailures: number;
  readonly addressWindowMs: number;
  /** Failures everybody together may cause within overallWindowMs. */
  readonly overallFailures: number;
  readonly overallWindowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginThrottleLimits = {
  addressFailures: 20,
  addressWindowMs: 10 * 60_000,
  overallFailures: 300,
  overallWindowMs: 60_000,
};

/** One password check in progress; settle it exactly once (later calls do nothing). */
export interface LoginAttempt {
  failed(): Promise<void>;
  succeeded(): Promise<void>;
  /** Ends the attempt without counting it either way (the check itself broke); a no-op once settled. */
  release(): Promise<void>;
}

/** Which budget refused: this username's, this client address's, or everybody's. */
export type LoginLimit = 'username' | 'address' | 'overall';

export type LoginAdmission =
  | { readonly allowed: true; readonly attempt: LoginAttempt }
  /** paused: too many failures; busy: too many attempts are being checked right now. */
  | { readonly allowed: false; readonly reason: 'paused' | 'busy'; readonly limit: LoginLimit; readonly waitMs: number };

type Refusal = Extract<LoginAdmission, { allowed: false }>;

export interface LoginThrottle {
  /** Milliseconds the username must still wait, or 0 when it may try now. */
  waitFor(username: string): Promise<number>;
  /** Asks to check a password for the username from a client address; an allowed attempt counts until it is settled. */
  begin(request: { readonly username: string; readonly address: string }): Promise<LoginAdmission>;
  /**
   * Asks to check an enrolment code from a client address. The address's own record stands in for the username's
   * (a refusal by it says limit 'username'); the address and overall budgets are the ones passwords use.
   */
  beginEnrolment(request: { readonly address: string }): Promise<LoginAdmission>;
}

export interface LoginThrottleOptions {
  /** Where the budgets are kept: the metadata store's database (shared by every instance). */
  readonly records: LoginThrottleRecords;
  readonly now?: () => number;
  readonly limits?: LoginThrottleLimits;
  /**
   * Turns a budget's name (which holds a typed username or an address) into the key stored: the embedded provider
   * passes a keyed hash under its shared identity keys. Default: SHA-256, for tests.
   */
  readonly keyOf?: (name: string) => string;
}

const sha256 = (name: string): string => createHash('sha256').update(name, 'utf8').digest('hex');

/**
 * The budget key of a client address: IPv4 (and IPv4-mapped IPv6) as is; IPv6 by its /64, since one client
 * commonly holds a whole /64 and could otherwise take a fresh address for every guess.
 */
export function addressKey(address: string): string {
  const plain = address.replace(/%.*$/, '').toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(plain);
  if (mapped !== null) return mapped[1];
  if (!plain.includes(':')) return plain;
  const [head = '', tail] = plain.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array.from({ length: Math.max(0, 8 - left.length - right.length) }, () => '0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export function createLoginThrottle(options: LoginThrottleOptions): LoginThrottle {
  const { records } = options;
  const now = options.now ?? Date.now;
  const limits = options.limits ?? DEFAULT_LOGIN_LIMITS;
  const keyOf = options.keyOf ?? sha256;
  const addressRule: WindowRule = { limit: limits.addressFailures, windowMs: limits.addressWindowMs };
  const overallRule: WindowRule = { limit: limits.overallFailures, windowMs: limits.overallWindowMs };
  // Prefixed before hashing, so that no typed username can be (and pause) an address's enrolment record.
  const usernameKey = (username: string): string => keyOf(`user ${username.trim().toLowerCase()}`);
  const enrolmentKey = (address: string): string => keyOf(`enrolment ${addressKey(address)}`);
  const overallKey = keyOf('overall');
  let lastSweep = Number.NEGATIVE_INFINITY;

  async function sweepNow(at: number): Promise<void> {
    if (at - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = at;
    await records.sweep(at);
  }

  /** Why the username's own budget refused: its pause, or (no pause left) checks under way. */
  async function usernameRefusal(key: string, at: number): Promise<Refusal> {
    const state = await records.read({ key, at });
    if (state !== undefined && state.pausedUntil > at) {
      return { allowed: false, reason: 'paused', limit: 'username', waitMs: state.pausedUntil - at };
    }
    return { allowed: false, reason: 'busy', limit: 'username', waitMs: BUSY_WAIT_MS };
  }

  /** Why a windowed budget refused: full of failures (wait for the window's end), or of checks under way (they end soon). */
  async function windowRefusal(options: { key: string; rule: WindowRule; name: 'address' | 'overall'; at: number }): Promise<Refusal> {
    const state = await records.read({ key: options.key, at: options.at });
    if (state !== undefined && state.failures >= options.rule.limit) {
      return {
        allowed: false,
        reason: options.name === 'overall' ? 'busy' : 'paused',
        limit: options.name,
        waitMs: state.windowEndsAt - options.at,
      };
    }
    return { allowed: false, reason: 'busy', limit: options.name, waitMs: BUSY_WAIT_MS };
  }

  /** Gives back leases taken at `taken`, each tried even when another fails (a lease not given back ends by itself). */
  async function releaseAll(keys: readonly string[], taken: number): Promise<void> {
    const at = now();
    await Promise.all(keys.map((key) => bestEffort(records.release({ key, taken, at }))));
  }

  /**
   * Admits one attempt for the record `key` from the client address, or says which budget refuses it. The address's
   * and everybody's budgets are asked first: a flood from a refused address then neither makes username rows nor takes
   * a paused username's one place after its pause.
   */
  async function admit(key: string, address: string): Promise<LoginAdmission> {
    const at = now();
    await sweepNow(at);
    const byAddress = keyOf(`address ${addressKey(address)}`);
    if (!(await records.admitWindow({ key: byAddress, rule: addressRule, at }))) {
      return windowRefusal({ key: byAddress, rule: addressRule, name: 'address', at });
    }
    if (!(await records.admitWindow({ key: overallKey, rule: overallRule, at }))) {
      await releaseAll([byAddress], at);
      return windowRefusal({ key: overallKey, rule: overallRule, name: 'overall', at });
    }
    if (!(await records.admitUsername({ key, rule: USERNAME_RULE, at }))) {
      await releaseAll([byAddress, overallKey], at);
      return usernameRefusal(key, at);
    }

    let settled = false;
    const settle = async (outcome: 'failed' | 'succeeded' | 'released'): Promise<void> => {
      if (settled) return;
      settled = true;
      const ended = now();
      const taken = at;
      if (outcome === 'released') {
        await releaseAll([key, byAddress, overallKey], taken);
        return;
      }
      const outcomes: [string, Promise<void>][] =
        outcome === 'failed'
          ? [
              [key, records.failUsername({ key, rule: USERNAME_RULE, taken, at: ended })],
              [byAddress, records.failWindow({ key: byAddress, rule: addressRule, taken, at: ended })],
              [overallKey, records.failWindow({ key: overallKey, rule: overallRule, taken, at: ended })],
            ]
          : [
              [key, records.succeedUsername({ key, taken, at: ended })],
              [byAddress, records.release({ key: byAddress, taken, at: ended })],
              [overallKey, records.release({ key: overallKey, taken, at: ended })],
            ];
      const results = await Promise.allSettled(outcomes.map(([, work]) => work));
      // A budget whose outcome was not written still holds this attempt's lease: give it back (settled, the route's
      // release does nothing), so that it does not count as a check under way until it ends by itself.
      const unwritten = outcomes.filter((_, i) => results[i].status === 'rejected').map(([budget]) => budget);
      if (unwritten.length === 0) return;
      await releaseAll(unwritten, taken);
      const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      throw failure?.reason;
    };
    return {
      allowed: true,
      attempt: { failed: () => settle('failed'), succeeded: () => settle('succeeded'), release: () => settle('released') },
    };
  }

  return {
    async waitFor(username) {
      const at = now();
      const state = await records.read({ key: usernameKey(username), at });
      return state === undefined ? 0 : Math.max(0, state.pausedUntil - at);
    },
    begin: ({ username, address }) => admit(usernameKey(username), address),
    beginEnrolment: ({ address }) => admit(enrolmentKey(address), address),
  };
}
