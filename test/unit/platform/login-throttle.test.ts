// Password guessing is slowed per username: five tries are free, then pauses that double, on a fake clock.
import { describe, expect, it } from 'vitest';
import { createLoginThrottle, FREE_FAILURES } from '../../../src/platform/identity/embedded/login-throttle.ts';

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('createLoginThrottle', () => {
  it('lets a username try freely until the fifth failure, then pauses it for 30 s', () => {
    const time = clock();
    const throttle = createLoginThrottle(time.now);
    for (let i = 1; i < FREE_FAILURES; i++) {
      throttle.recordFailure('demo-analyst');
      expect(throttle.waitFor('demo-analyst')).toBe(0);
    }
    throttle.recordFailure('demo-analyst');
    expect(throttle.waitFor('demo-analyst')).toBe(30_000);
    time.advance(30_000);
    expect(throttle.waitFor('demo-analyst')).toBe(0);
  });

  it('doubles the pause with each further failure, up to 15 minutes', () => {
    const time = clock();
    const throttle = createLoginThrottle(time.now);
    for (let i = 0; i < FREE_FAILURES + 1; i++) throttle.recordFailure('u');
    expect(throttle.waitFor('u')).toBe(60_000);
    for (let i = 0; i < 20; i++) throttle.recordFailure('u');
    expect(throttle.waitFor('u')).toBe(15 * 60_000);
  });

  it('keeps usernames apart, ignores case and spaces, and forgets a username after a success', () => {
    const throttle = createLoginThrottle(clock().now);
    for (let i = 0; i < FREE_FAILURES; i++) throttle.recordFailure(' Demo-Admin ');
    expect(throttle.waitFor('demo-admin')).toBeGreaterThan(0);
    expect(throttle.waitFor('demo-analyst')).toBe(0);
    throttle.recordSuccess('demo-admin');
    expect(throttle.waitFor('demo-admin')).toBe(0);
  });

  it('throttles unknown usernames the same way, so the pause does not tell who exists', () => {
    const throttle = createLoginThrottle(clock().now);
    for (let i = 0; i < FREE_FAILURES; i++) throttle.recordFailure('no-such-user');
    expect(throttle.waitFor('no-such-user')).toBe(30_000);
  });
});
