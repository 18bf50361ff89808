// Saving as the analyst types: a pause saves, typing on postpones, a flush saves at once, saves of one key never
// overtake each other, and a failure keeps the text for the next try. The clock is a fake one the test moves.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDebouncedSaver, type SaveState } from '../../../../renderer/src/workspace/debounced-saver.ts';

interface Pending {
  key: string;
  value: string;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** A save function whose calls the test settles by hand, in any order. */
function manualSave() {
  const calls: Pending[] = [];
  const save = (key: string, value: string): Promise<void> =>
    new Promise((resolve, reject) => {
      calls.push({ key, value, resolve, reject });
    });
  return { calls, save };
}

describe('the debounced saver', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('saves once, with the latest text, a pause after the last change', async () => {
    const { calls, save } = manualSave();
    const saver = createDebouncedSaver<string>({ delayMs: 400, save });

    saver.change('tab-1', 'S');
    await vi.advanceTimersByTimeAsync(300);
    saver.change('tab-1', 'SE');
    await vi.advanceTimersByTimeAsync(300);
    saver.change('tab-1', 'SEL');
    await vi.advanceTimersByTimeAsync(399);
    expect(calls).toEqual([]);

    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((c) => c.value)).toEqual(['SEL']);
  });

  it('saves each key on its own', async () => {
    const { calls, save } = manualSave();
    const saver = createDebouncedSaver<string>({ delayMs: 400, save });

    saver.change('a', 'one');
    saver.change('b', 'two');
    await vi.advanceTimersByTimeAsync(400);

    expect(calls.map((c) => [c.key, c.value])).toEqual([
      ['a', 'one'],
      ['b', 'two'],
    ]);
  });

  it('saves at once on flush, and resolves when the save is done', async () => {
    const { calls, save } = manualSave();
    const saver = createDebouncedSaver<string>({ delayMs: 400, save });
    saver.change('a', 'text');

    let flushed = false;
    const flushing = saver.flush().then(() => (flushed = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.value)).toEqual(['text']);
    expect(flushed).toBe(false);

    calls[0].resolve();
    await flushing;
    expect(saver.dirty()).toBe(false);
    // The timer that was pending does not save the same text again.
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toHaveLength(1);
  });

  it('never has two saves of one key in flight: a change during a save is saved after it, so order holds', async () => {
    const { calls, save } = manualSave();
    const saver = createDebouncedSaver<string>({ delayMs: 400, save });
    saver.change('a', 'first');
    await vi.advanceTimersByTimeAsync(400);
    saver.change('a', 'second');
    await vi.advanceTimersByTimeAsync(400);
    expect(calls.map((c) => c.value)).toEqual(['first']);

    calls[0].resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.value)).toEqual(['first', 'second']);
  });

  it('keeps the text after a failed save, says why, and saves it on the next flush', async () => {
    const { calls, save } = manualSave();
    const states: SaveState[] = [];
    const saver = createDebouncedSaver<string>({ delayMs: 400, save, onState: (_key, state) => states.push(state) });
    saver.change('a', 'precious');
    await vi.advanceTimersByTimeAsync(400);

    calls[0].reject(new Error('The disk is full.'));
    await vi.advanceTimersByTimeAsync(0);
    expect(states.at(-1)).toEqual({ kind: 'failed', message: 'The disk is full.' });
    expect(saver.unsaved('a')).toBe('precious');

    const flushing = saver.flush('a');
    await vi.advanceTimersByTimeAsync(0);
    calls[1].resolve();
    await flushing;
    expect(calls.map((c) => c.value)).toEqual(['precious', 'precious']);
    expect(states.at(-1)).toEqual({ kind: 'saved' });
    expect(saver.unsaved('a')).toBeUndefined();
  });

  it('a failure of an older save does not mark a newer text as saved or lose it', async () => {
    const { calls, save } = manualSave();
    const saver = createDebouncedSaver<string>({ delayMs: 400, save });
    saver.change('a', 'old');
    await vi.advanceTimersByTimeAsync(400);
    saver.change('a', 'new');
    calls[0].reject(new Error('busy'));
    await vi.advanceTimersByTimeAsync(400);

    expect(calls.map((c) => c.value)).toEqual(['old', 'new']);
    calls[1].resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(saver.dirty()).toBe(false);
  });

  it('sends everything unsaved at once when the window goes, without waiting for a save in flight', async () => {
    const { calls, save } = manualSave();
    const saver = createDebouncedSaver<string>({ delayMs: 400, save });
    saver.change('a', 'a1');
    await vi.advanceTimersByTimeAsync(400);
    saver.change('a', 'a2');
    saver.change('b', 'b1');

    saver.flushNow();

    // Synchronously: the page may be gone by the next tick.
    expect(calls.map((c) => [c.key, c.value])).toEqual([
      ['a', 'a1'],
      ['a', 'a2'],
      ['b', 'b1'],
    ]);
  });

  it('drops the pending save of a key it was told to forget', async () => {
    const { calls, save } = manualSave();
    const saver = createDebouncedSaver<string>({ delayMs: 400, save });
    saver.change('closed-tab', 'text');

    saver.forget('closed-tab');
    await vi.advanceTimersByTimeAsync(1000);
    await saver.flush();

    expect(calls).toEqual([]);
    expect(saver.dirty()).toBe(false);
  });
});
