// Start-up of local DuckDB must give up: a blocked or crashed worker never settles instantiate().
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withTimeout } from '../../../../renderer/src/analysis/timeout.ts';

describe('withTimeout', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('rejects with "timeout" when the work never settles', async () => {
    vi.useFakeTimers();
    const never = new Promise<never>(() => {});
    const guarded = withTimeout(never, 60_000);
    vi.advanceTimersByTime(60_000);
    await expect(guarded).rejects.toThrow('timeout');
  });

  it('settles like the work when it is in time, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    await expect(withTimeout(Promise.resolve('ready'), 1000)).resolves.toBe('ready');
    await expect(withTimeout(Promise.reject(new Error('worker failed')), 1000)).rejects.toThrow('worker failed');
    expect(vi.getTimerCount()).toBe(0);
  });
});
