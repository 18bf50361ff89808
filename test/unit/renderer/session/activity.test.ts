// Reporting input to the core's idle-lock timer: at once, then at most once per interval, never losing the last.
import { describe, expect, it } from 'vitest';
import { activityIntervalMs, createActivityThrottle, type Timers } from '../../../../renderer/src/session/activity.ts';

function fakeTimers(): Timers & { advance(ms: number): void; pending(): number } {
  let now = 1_000_000;
  let nextId = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => now,
    setTimeout(callback, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, callback });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].callback();
      }
      now = until;
    },
    pending: () => timers.size,
  };
}

describe('activity interval', () => {
  it('is a quarter of the idle time, capped at 30 seconds', () => {
    expect(activityIntervalMs(900)).toBe(30_000);
    expect(activityIntervalMs(120)).toBe(30_000);
    expect(activityIntervalMs(60)).toBe(15_000);
    expect(activityIntervalMs(4)).toBe(1_000);
  });

  it('never drops below a quarter of a second, whatever the setting', () => {
    expect(activityIntervalMs(0.1)).toBe(250);
  });
});

describe('activity throttle', () => {
  it('reports the first input at once', () => {
    const timers = fakeTimers();
    let reports = 0;
    const throttle = createActivityThrottle({ intervalMs: 10_000, report: () => reports++, timers });

    throttle.notify();

    expect(reports).toBe(1);
  });

  it('reports a burst of input once, then once more at the end of the interval', () => {
    const timers = fakeTimers();
    const at: number[] = [];
    const throttle = createActivityThrottle({ intervalMs: 10_000, report: () => at.push(timers.now()), timers });
    const start = timers.now();

    for (let i = 0; i < 50; i++) {
      throttle.notify();
      timers.advance(100);
    }
    timers.advance(20_000);

    expect(at.map((t) => t - start)).toEqual([0, 10_000]);
  });

  it('sends at most one report per interval under constant input', () => {
    const timers = fakeTimers();
    let reports = 0;
    const throttle = createActivityThrottle({ intervalMs: 1_000, report: () => reports++, timers });

    for (let i = 0; i < 100; i++) {
      throttle.notify();
      timers.advance(100); // 10 s of input in all
    }

    expect(reports).toBeGreaterThanOrEqual(10);
    expect(reports).toBeLessThanOrEqual(11);
  });

  it('sends nothing after stop, even input seen just before', () => {
    const timers = fakeTimers();
    let reports = 0;
    const throttle = createActivityThrottle({ intervalMs: 1_000, report: () => reports++, timers });
    throttle.notify();
    throttle.notify();

    throttle.stop();
    timers.advance(5_000);

    expect(reports).toBe(1);
    expect(timers.pending()).toBe(0);
  });
});
