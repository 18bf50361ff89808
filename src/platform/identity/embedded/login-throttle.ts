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
// In memory: a restart clears it, which an attacker who can restart the platform does not need anyway.
//
// An attempt is counted when it starts, not when its (slow, scrypt) check ends: otherwise hundreds of guesses
// sent at once would all pass the budget checks before the first failure is recorded. While attempts are in
// flight, only as many more may start as each budget has failures left.
//
// Memory is bounded, and never by forgetting a pause: past the limit, the oldest username that is not paused
// is forgotten, and when every tracked username is paused, new usernames are refused until a pause ends
// (flooding the table with made-up usernames must not unpause a real one).

export const FREE_FAILURES = 5;
const FIRST_PAUSE_MS = 30_000;
const LONGEST_PAUSE_MS = 15 * 60_000;
/** Failures older than this are forgotten. */
const MEMORY_MS = 60 * 60_000;
/** What a caller refused for attempts in flight is told to wait: those end within about this long. */
const BUSY_WAIT_MS = 2_000;

export interface LoginThrottleLimits {
  /** Usernames remembered at most. */
  readonly maxUsernames: number;
  /** Failures one client address may cause within addressWindowMs. */
  readonly addressFailures: number;
  readonly addressWindowMs: number;
  /** Client addresses remembered at most. */
  readonly maxAddresses: number;
  /** Failures everybody together may cause within overallWindowMs. */
  readonly overallFailures: number;
  readonly overallWindowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginThrottleLimits = {
  maxUsernames: 10_000,
  addressFailures: 20,
  addressWindowMs: 10 * 60_000,
  maxAddresses: 10_000,
  overallFailures: 300,
  overallWindowMs: 60_000,
};

interface UsernameRecord {
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

/** Which budget refused: this username's, this client address's, or everybody's. */
export type LoginLimit = 'username' | 'address' | 'overall';

export type LoginAdmission =
  | { readonly allowed: true; readonly attempt: LoginAttempt }
  /** paused: too many failures; busy: too many attempts are being checked right now (or too many to remember). */
  | { readonly allowed: false; readonly reason: 'paused' | 'busy'; readonly limit: LoginLimit; readonly waitMs: number };

export interface LoginThrottle {
  /** Milliseconds the username must still wait, or 0 when it may try now. */
  waitFor(username: string): number;
  /** Asks to check a password for the username from a client address; an allowed attempt counts until it is settled. */
  begin(request: { readonly username: string; readonly address: string }): LoginAdmission;
  /**
   * Asks to check an enrolment code from a client address. The address's own record stands in for the username's
   * (a refusal by it says limit 'username'); the address and overall budgets are the ones passwords use.
   */
  beginEnrolment(request: { readonly address: string }): LoginAdmission;
}

/** Failures within a sliding window, plus attempts still being checked. */
interface FailureWindow {
  readonly times: number[];
  inFlight: number;
}

function prune(window: FailureWindow, options: { at: number; windowMs: number }): void {
  while (window.times.length > 0 && window.times[0] <= options.at - options.windowMs) window.times.shift();
}

/** Refused, or undefined when the window has room for one more attempt. */
function windowRefusal(
  window: FailureWindow,
  options: { at: number; windowMs: number; limit: number; name: LoginLimit },
): LoginAdmission | undefined {
  prune(window, options);
  if (window.times.length + window.inFlight < options.limit) return undefined;
  const oldest = window.times[0];
  // Full of failures: wait until the oldest leaves the window. Full of attempts in flight: they end soon.
  if (window.times.length >= options.limit && oldest !== undefined) {
    return {
      allowed: false,
      reason: options.name === 'overall' ? 'busy' : 'paused',
      limit: options.name,
      waitMs: oldest + options.windowMs - options.at,
    };
  }
  return { allowed: false, reason: 'busy', limit: options.name, waitMs: BUSY_WAIT_MS };
}

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

export function createLoginThrottle(now: () => number = Date.now, limits: LoginThrottleLimits = DEFAULT_LOGIN_LIMITS): LoginThrottle {
  const records = new Map<string, UsernameRecord>();
  // Separate from records: bounded by the number of open requests, and never evicted mid-attempt.
  const inFlight = new Map<string, number>();
  const addresses = new Map<string, FailureWindow>();
  const overall: FailureWindow = { times: [], inFlight: 0 };
  // Prefixed, so that no typed username can be (and pause) an address's enrolment record.
  const keyOf = (username: string): string => `user ${username.trim().toLowerCase()}`;
  const enrolmentKeyOf = (address: string): string => `enrolment ${addressKey(address)}`;

  function current(key: string): UsernameRecord | undefined {
    const record = records.get(key);
    if (record !== undefined && now() - record.lastFailureAt > MEMORY_MS && now() >= record.pausedUntil) {
      records.delete(key);
      return undefined;
    }
    return record;
  }

  /** Whether one more username can be remembered: there is space, or a username that is not paused to forget. */
  function roomForUsername(key: string): boolean {
    if (records.has(key) || records.size < limits.maxUsernames) return true;
    for (const record of records.values()) if (record.pausedUntil <= now()) return true;
    return false;
  }

  /** Forgets the oldest username that is not paused, if the table is full; false when every one is paused. */
  function makeRoomForUsername(key: string): boolean {
    if (records.has(key) || records.size < limits.maxUsernames) return true;
    for (const [candidate, record] of records) {
      if (record.pausedUntil <= now()) {
        records.delete(candidate);
        return true;
      }
    }
    return false;
  }

  /** The address's window, making room for it by forgetting an address with nothing left in its window; undefined when none can be. */
  function addressWindow(key: string): FailureWindow | undefined {
    const known = addresses.get(key);
    if (known !== undefined) return known;
    if (addresses.size >= limits.maxAddresses) {
      const idle = [...addresses].find(([, window]) => {
        prune(window, { at: now(), windowMs: limits.addressWindowMs });
        return window.times.length === 0 && window.inFlight === 0;
      });
      if (idle === undefined) return undefined;
      addresses.delete(idle[0]);
    }
    const window: FailureWindow = { times: [], inFlight: 0 };
    addresses.set(key, window);
    return window;
  }

  function recordFailure(key: string): void {
    const record = current(key) ?? { failures: 0, lastFailureAt: 0, pausedUntil: 0 };
    record.failures += 1;
    record.lastFailureAt = now();
    if (record.failures >= FREE_FAILURES) {
      const pause = Math.min(LONGEST_PAUSE_MS, FIRST_PAUSE_MS * 2 ** (record.failures - FREE_FAILURES));
      record.pausedUntil = now() + pause;
    }
    // Checked at begin; only attempts racing for the last free places can find the table full of pauses here,
    // and then this username's own count is what is dropped (the address and overall budgets still count it).
    if (makeRoomForUsername(key)) records.set(key, record);
  }

  function endInFlight(key: string): void {
    const count = (inFlight.get(key) ?? 1) - 1;
    if (count <= 0) inFlight.delete(key);
    else inFlight.set(key, count);
  }

  function usernameRefusal(key: string): LoginAdmission | undefined {
    const record = current(key);
    const paused = record === undefined ? 0 : record.pausedUntil - now();
    if (paused > 0) return { allowed: false, reason: 'paused', limit: 'username', waitMs: paused };
    const failures = record?.failures ?? 0;
    // Past the free failures, each pause ends with room for exactly one more try.
    const room = failures < FREE_FAILURES ? FREE_FAILURES - failures : 1;
    if ((inFlight.get(key) ?? 0) >= room) return { allowed: false, reason: 'busy', limit: 'username', waitMs: BUSY_WAIT_MS };
    if (!roomForUsername(key)) return { allowed: false, reason: 'busy', limit: 'overall', waitMs: BUSY_WAIT_MS };
    return undefined;
  }

  /** Admits one attempt for the record `key` from the client address, or says which budget refuses it. */
  function admit(key: string, address: string): LoginAdmission {
    const at = now();
    const refusedForUsername = usernameRefusal(key);
    if (refusedForUsername !== undefined) return refusedForUsername;
    const byAddress = addressWindow(addressKey(address));
    if (byAddress === undefined) return { allowed: false, reason: 'busy', limit: 'overall', waitMs: BUSY_WAIT_MS };
    const refused =
      windowRefusal(byAddress, { at, windowMs: limits.addressWindowMs, limit: limits.addressFailures, name: 'address' }) ??
      windowRefusal(overall, { at, windowMs: limits.overallWindowMs, limit: limits.overallFailures, name: 'overall' });
    if (refused !== undefined) return refused;

    inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
    byAddress.inFlight += 1;
    overall.inFlight += 1;
    let settled = false;
    const settle = (outcome: 'failed' | 'succeeded' | 'released'): void => {
      if (settled) return;
      settled = true;
      endInFlight(key);
      byAddress.inFlight -= 1;
      overall.inFlight -= 1;
      if (outcome === 'failed') {
        recordFailure(key);
        byAddress.times.push(now());
        overall.times.push(now());
      }
      if (outcome === 'succeeded') records.delete(key);
    };
    return {
      allowed: true,
      attempt: { failed: () => settle('failed'), succeeded: () => settle('succeeded'), release: () => settle('released') },
    };
  }

  return {
    waitFor(username) {
      const record = current(keyOf(username));
      return record === undefined ? 0 : Math.max(0, record.pausedUntil - now());
    },
    begin: ({ username, address }) => admit(keyOf(username), address),
    beginEnrolment: ({ address }) => admit(enrolmentKeyOf(address), address),
  };
}
