// Password guessing is slowed per username: five tries are free, then pauses that double, on a fake clock.
// Attempts count from the moment they start, so guesses sent all at once cannot outrun the count.
import { describe, expect, it } from 'vitest';
import { createLoginThrottle, FREE_FAILURES, type LoginAttempt, type LoginThrottle } from '../../../src/platform/identity/embedded/login-throttle.ts';

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

function start(throttle: LoginThrottle, username: string): LoginAttempt {
  const admission = throttle.begin(username);
  if (!admission.allowed) throw new Error(`expected ${username} to be allowed, but it is ${admission.reason}`);
  return admission.attempt;
}

const fail = (throttle: LoginThrottle, username: string) => start(throttle, username).failed();

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
    expect(throttle.begin('demo-analyst')).toEqual({ allowed: false, reason: 'paused', waitMs: 30_000 });
    time.advance(30_000);
    expect(throttle.waitFor('demo-analyst')).toBe(0);
    expect(throttle.begin('demo-analyst').allowed).toBe(true);
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
    expect(throttle.begin('demo-analyst')).toEqual({ allowed: false, reason: 'busy', waitMs: expect.any(Number) });
    expect(throttle.begin('demo-analyst2').allowed).toBe(true);
    // One ends in success: the others may still fail, but there is room again and the count starts over.
    running[0]!.succeeded();
    expect(throttle.begin('demo-analyst').allowed).toBe(true);
  });

  it('allows one attempt at a time once the free failures are used up and a pause has ended', () => {
    const time = clock();
    const throttle = createLoginThrottle(time.now);
    for (let i = 0; i < FREE_FAILURES; i++) fail(throttle, 'u');
    time.advance(30_000);
    const attempt = start(throttle, 'u');
    expect(throttle.begin('u')).toMatchObject({ allowed: false, reason: 'busy' });
    attempt.failed();
    expect(throttle.begin('u')).toMatchObject({ allowed: false, reason: 'paused', waitMs: 60_000 });
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
    expect(throttle.begin('u')).toMatchObject({ allowed: false, reason: 'busy' });
    last.release();
    expect(throttle.waitFor('u')).toBe(0);
    fail(throttle, 'u');
    expect(throttle.waitFor('u')).toBe(30_000);
  });
});
