// Password guessing is slowed per username (five tries are free, then pauses that double), per client address
// and overall, on a fake clock. Attempts count from the moment they start, so guesses sent all at once cannot
// outrun the count; and no flood of made-up usernames makes the throttle forget a pause.
import { describe, expect, it } from 'vitest';
import {
  addressKey,
  createLoginThrottle,
  DEFAULT_LOGIN_LIMITS,
  FREE_FAILURES,
  type LoginAttempt,
  type LoginThrottle,
} from '../../../src/platform/identity/embedded/login-throttle.ts';

const HOME = '192.0.2.1';

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** Each test's requests come from its own address unless it says otherwise, so only the budget under test fills. */
const begin = (throttle: LoginThrottle, username: string, address = HOME) => throttle.begin({ username, address });

function start(throttle: LoginThrottle, username: string, address = HOME): LoginAttempt {
  const admission = begin(throttle, username, address);
  if (!admission.allowed) throw new Error(`expected ${username} to be allowed, but it is ${admission.reason}`);
  return admission.attempt;
}

const fail = (throttle: LoginThrottle, username: string, address = HOME) => start(throttle, username, address).failed();

describe('createLoginThrottle', () => {
  it('lets a username try freely until the fifth failure, then pauses it for 30 s', () => {
    const time = clock();
    const throttle = createLoginThrottle(time.now);
    for (let i = 1; i < FREE_FAILURES; i++) {
      fail(throttle, 'demo-analyst');
      expect(throttle.waitFor('demo-analyst')).toBe(0);
    }
    fail(throttle, 'demo-analyst');
    expect(throttle.waitFor('demo-analyst')).toBe(30_000);
    expect(begin(throttle, 'demo-analyst')).toEqual({ allowed: false, reason: 'paused', limit: 'username', waitMs: 30_000 });
    time.advance(30_000);
    expect(throttle.waitFor('demo-analyst')).toBe(0);
    expect(begin(throttle, 'demo-analyst').allowed).toBe(true);
  });

  it('doubles the pause with each further failure, up to 15 minutes', () => {
    const time = clock();
    const throttle = createLoginThrottle(time.now);
    for (let i = 0; i < FREE_FAILURES; i++) fail(throttle, 'u');
    time.advance(30_000);
    fail(throttle, 'u');
    expect(throttle.waitFor('u')).toBe(60_000);
    for (let i = 0; i < 20; i++) {
      time.advance(throttle.waitFor('u'));
      fail(throttle, 'u');
    }
    expect(throttle.waitFor('u')).toBe(15 * 60_000);
  });

  it('keeps usernames apart, ignores case and spaces, and forgets a username after a success', () => {
    const throttle = createLoginThrottle(clock().now);
    for (let i = 0; i < FREE_FAILURES - 1; i++) fail(throttle, ' Demo-Admin ');
    start(throttle, 'demo-admin').succeeded();
    for (let i = 0; i < FREE_FAILURES - 1; i++) fail(throttle, 'demo-admin');
    expect(throttle.waitFor('demo-admin')).toBe(0);
    fail(throttle, 'DEMO-ADMIN');
    expect(throttle.waitFor('demo-admin')).toBeGreaterThan(0);
    expect(throttle.waitFor('demo-analyst')).toBe(0);
  });

  it('throttles unknown usernames the same way, so the pause does not tell who exists', () => {
    const throttle = createLoginThrottle(clock().now);
    for (let i = 0; i < FREE_FAILURES; i++) fail(throttle, 'no-such-user');
    expect(throttle.waitFor('no-such-user')).toBe(30_000);
  });

  it('counts attempts still being checked: no more may start at once than failures are left', () => {
    const throttle = createLoginThrottle(clock().now);
    fail(throttle, 'demo-analyst');
    const running = Array.from({ length: FREE_FAILURES - 1 }, () => start(throttle, 'demo-analyst'));
    expect(begin(throttle, 'demo-analyst')).toEqual({ allowed: false, reason: 'busy', limit: 'username', waitMs: expect.any(Number) });
    expect(begin(throttle, 'demo-analyst2').allowed).toBe(true);
    // One ends in success: the others may still fail, but there is room again and the count starts over.
    running[0].succeeded();
    expect(begin(throttle, 'demo-analyst').allowed).toBe(true);
  });

  it('allows one attempt at a time once the free failures are used up and a pause has ended', () => {
    const time = clock();
    const throttle = createLoginThrottle(time.now);
    for (let i = 0; i < FREE_FAILURES; i++) fail(throttle, 'u');
    time.advance(30_000);
    const attempt = start(throttle, 'u');
    expect(begin(throttle, 'u')).toMatchObject({ allowed: false, reason: 'busy' });
    attempt.failed();
    expect(begin(throttle, 'u')).toMatchObject({ allowed: false, reason: 'paused', waitMs: 60_000 });
  });

  it('settles an attempt once: release after failed or succeeded changes nothing, release alone frees the slot', () => {
    const throttle = createLoginThrottle(clock().now);
    for (let i = 0; i < FREE_FAILURES - 1; i++) {
      const attempt = start(throttle, 'u');
      attempt.failed();
      attempt.failed();
      attempt.release();
    }
    expect(throttle.waitFor('u')).toBe(0);
    const last = start(throttle, 'u');
    expect(begin(throttle, 'u')).toMatchObject({ allowed: false, reason: 'busy' });
    last.release();
    expect(throttle.waitFor('u')).toBe(0);
    fail(throttle, 'u');
    expect(throttle.waitFor('u')).toBe(30_000);
  });
});

describe('what a flood of guesses cannot do', () => {
  const unbudgeted = { ...DEFAULT_LOGIN_LIMITS, addressFailures: Number.POSITIVE_INFINITY, overallFailures: Number.POSITIVE_INFINITY };

  it('forgets no pause, however many made-up usernames are tried (20,000, past the 10,000 it remembers)', () => {
    const time = clock();
    // Budgets lifted so that only the username table is under test: the flood gets through to it.
    const throttle = createLoginThrottle(time.now, unbudgeted);
    for (let i = 0; i < FREE_FAILURES; i++) fail(throttle, 'demo-analyst');
    for (let i = 0; i < 20_000; i++) fail(throttle, `made-up-${i}`, `198.51.100.${i % 250}`);
    expect(throttle.waitFor('demo-analyst')).toBe(30_000);
    expect(begin(throttle, 'demo-analyst')).toMatchObject({ allowed: false, reason: 'paused', limit: 'username' });
  });

  it('refuses new usernames while every remembered one is paused, and takes them again once a pause ends', () => {
    const time = clock();
    const throttle = createLoginThrottle(time.now, { ...unbudgeted, maxUsernames: 3 });
    for (const username of ['a', 'b', 'c']) for (let i = 0; i < FREE_FAILURES; i++) fail(throttle, username);
    expect(begin(throttle, 'd')).toMatchObject({ allowed: false, reason: 'busy', limit: 'overall' });
    expect(throttle.waitFor('a')).toBe(30_000);
    time.advance(30_000);
    fail(throttle, 'd');
    // 'a' (the oldest, no longer paused) made room; the others keep their count.
    expect(throttle.waitFor('a')).toBe(0);
    fail(throttle, 'b');
    expect(throttle.waitFor('b')).toBe(60_000);
  });

  it('holds the default budgets against a flood of made-up usernames from one address: the 21st failure is refused', () => {
    const throttle = createLoginThrottle(clock().now);
    for (let i = 0; i < DEFAULT_LOGIN_LIMITS.addressFailures; i++) fail(throttle, `made-up-${i}`);
    expect(begin(throttle, 'made-up-next')).toMatchObject({ allowed: false, reason: 'paused', limit: 'address' });
  });
});

describe('the budget per client address', () => {
  it('refuses an address past 20 failures in 10 minutes, whatever the usernames, while another address still gets in', () => {
    const time = clock();
    const throttle = createLoginThrottle(time.now);
    // Four usernames, five failures each: no username is paused before the address budget is spent.
    for (let i = 0; i < 20; i++) {
      fail(throttle, `user-${i % 4}-${Math.floor(i / 16)}`, '203.0.113.7');
      time.advance(1_000);
    }
    const refused = begin(throttle, 'demo-admin', '203.0.113.7');
    expect(refused).toEqual({ allowed: false, reason: 'paused', limit: 'address', waitMs: 10 * 60_000 - 20_000 });
    expect(begin(throttle, 'demo-admin', '203.0.113.8').allowed).toBe(true);
  });

  it('recovers as failures leave the 10-minute window', () => {
    const time = clock();
    const throttle = createLoginThrottle(time.now);
    for (let i = 0; i < 20; i++) fail(throttle, `u${i}`, '203.0.113.7');
    time.advance(10 * 60_000 - 1);
    expect(begin(throttle, 'someone', '203.0.113.7')).toMatchObject({ allowed: false, limit: 'address', waitMs: 1 });
    time.advance(1);
    expect(begin(throttle, 'someone', '203.0.113.7').allowed).toBe(true);
  });

  it('counts attempts still being checked, so 30 guesses sent at once from one address start at most 20 checks', () => {
    const throttle = createLoginThrottle(clock().now);
    const admissions = Array.from({ length: 30 }, (_, i) => begin(throttle, `parallel-${i}`, '203.0.113.9'));
    expect(admissions.filter((admission) => admission.allowed)).toHaveLength(20);
    expect(admissions.at(-1)).toMatchObject({ allowed: false, reason: 'busy', limit: 'address' });
  });

  it('does not count successful sign-ins against the address', () => {
    const throttle = createLoginThrottle(clock().now);
    for (let i = 0; i < 50; i++) start(throttle, `user-${i}`, '203.0.113.10').succeeded();
    expect(begin(throttle, 'one-more', '203.0.113.10').allowed).toBe(true);
  });

  it('counts an IPv6 client by its /64, and an IPv4-mapped address as the IPv4 one', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    const throttle = createLoginThrottle(clock().now);
    for (let i = 0; i < 20; i++) fail(throttle, `v6-${i}`, `2001:db8:1:2::${(i + 1).toString(16)}`);
    expect(begin(throttle, 'v6-next', '2001:db8:1:2:ffff::99')).toMatchObject({ allowed: false, limit: 'address' });
    expect(begin(throttle, 'v6-next', '2001:db8:1:3::1').allowed).toBe(true);
  });
});

describe('the overall budget', () => {
  it('refuses everybody past 300 failed checks in a minute, from however many addresses, and recovers after the minute', () => {
    const time = clock();
    const throttle = createLoginThrottle(time.now);
    for (let i = 0; i < DEFAULT_LOGIN_LIMITS.overallFailures; i++) fail(throttle, `spread-${i}`, `198.51.100.${i % 200}`);
    const refused = begin(throttle, 'demo-analyst', '192.0.2.200');
    expect(refused).toEqual({ allowed: false, reason: 'busy', limit: 'overall', waitMs: 60_000 });
    time.advance(60_000);
    expect(begin(throttle, 'demo-analyst', '192.0.2.200').allowed).toBe(true);
  });

  it('counts checks in flight against it too', () => {
    const throttle = createLoginThrottle(clock().now, { ...DEFAULT_LOGIN_LIMITS, overallFailures: 10 });
    const running = Array.from({ length: 10 }, (_, i) => start(throttle, `n${i}`, `198.51.100.${i}`));
    expect(begin(throttle, 'n10', '198.51.100.10')).toMatchObject({ allowed: false, reason: 'busy', limit: 'overall', waitMs: 2_000 });
    running[0].release();
    expect(begin(throttle, 'n10', '198.51.100.10').allowed).toBe(true);
  });
});
