// Saving as the analyst types: each key (an editor tab, the layout) is saved a short pause after its last change,
// at once when asked (blur, tab switch, project switch), and in one burst when the window goes away. One save per key
// is in flight at a time, so an older text never lands after a newer one; a failed save keeps the text and is tried
// again on the next change or flush, so nothing typed is lost while the window is open.
import { bestEffort, inBackground } from '../../../src/common/detached.ts';

export type SaveState = { kind: 'saved' } | { kind: 'pending' } | { kind: 'saving' } | { kind: 'failed'; message: string };

export interface Timers {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface DebouncedSaverOptions<V> {
  delayMs: number;
  save: (key: string, value: V) => Promise<unknown>;
  /** Each change of a key's state, for the "Saved" / "Not saved" mark. */
  onState?: (key: string, state: SaveState) => void;
  /** What a failure says to the analyst. */
  describe?: (err: unknown) => string;
  /** For tests: the clock. */
  timers?: Timers;
}

export interface DebouncedSaver<V> {
  /** The value changed: save it once the pause is over. */
  change(key: string, value: V): void;
  /** Saves now what is not saved yet (one key, or all); resolves when done, failed or not (see onState). */
  flush(key?: string): Promise<void>;
  /**
   * The window is going away: sends every unsaved value now, without waiting for saves in flight (there is no later).
   * Synchronous, so that the sends leave before the page unloads.
   */
  flushNow(): void;
  /** The unsaved value of a key, if any (to show it again, or to save it elsewhere). */
  unsaved(key: string): V | undefined;
  /** Whether any key has a value not saved yet. */
  dirty(): boolean;
  /** Stops tracking a key (its tab was closed for good): a pending save is dropped. */
  forget(key: string): void;
}

interface Entry<V> {
  latest: V;
  dirty: boolean;
  timer: unknown;
  inFlight: Promise<void> | null;
}

const defaultTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export function createDebouncedSaver<V>(options: DebouncedSaverOptions<V>): DebouncedSaver<V> {
  const timers = options.timers ?? defaultTimers;
  const entries = new Map<string, Entry<V>>();
  const describe = options.describe ?? ((err: unknown) => (err instanceof Error ? err.message : 'It could not be saved.'));
  const report = (key: string, state: SaveState): void => options.onState?.(key, state);

  function stopTimer(entry: Entry<V>): void {
    if (entry.timer !== null) timers.clear(entry.timer);
    entry.timer = null;
  }

  /** Sends the entry's latest value; the caller has made sure no save of this key is in flight (or does not care). */
  function send(key: string, entry: Entry<V>): Promise<void> {
    const value = entry.latest;
    entry.dirty = false;
    report(key, { kind: 'saving' });
    const sending = options.save(key, value).then(
      () => {
        if (entries.get(key) === entry && !entry.dirty) report(key, { kind: 'saved' });
      },
      (err: unknown) => {
        if (entries.get(key) !== entry) return;
        // Keep it for the next try unless a newer value is already waiting.
        entry.dirty = true;
        report(key, { kind: 'failed', message: describe(err) });
      },
    );
    const done = sending.finally(() => {
      if (entry.inFlight === done) entry.inFlight = null;
    });
    entry.inFlight = done;
    return done;
  }

  async function saveKey(key: string): Promise<void> {
    const entry = entries.get(key);
    if (!entry) return;
    stopTimer(entry);
    while (entry.inFlight) await entry.inFlight;
    if (!entry.dirty || entries.get(key) !== entry) return;
    await send(key, entry);
  }

  /** A timer's save: its outcome is reported through onState, never thrown. */
  function saveLater(key: string): void {
    const entry = entries.get(key);
    if (!entry) return;
    entry.timer = null;
    // send turns a failed save into a state; anything else that went wrong is shown the same way.
    inBackground(saveKey(key), (err) => report(key, { kind: 'failed', message: describe(err) }));
  }

  return {
    change(key, value) {
      let entry = entries.get(key);
      if (!entry) {
        entry = { latest: value, dirty: true, timer: null, inFlight: null };
        entries.set(key, entry);
      }
      entry.latest = value;
      entry.dirty = true;
      stopTimer(entry);
      entry.timer = timers.set(() => saveLater(key), options.delayMs);
      report(key, { kind: 'pending' });
    },
    async flush(key) {
      const keys = key === undefined ? [...entries.keys()] : [key];
      await Promise.all(keys.map((k) => saveKey(k)));
    },
    flushNow() {
      for (const [key, entry] of entries) {
        if (!entry.dirty) continue;
        stopTimer(entry);
        // Its outcome no longer matters to anyone: the page is going.
        bestEffort(send(key, entry));
      }
    },
    unsaved(key) {
      const entry = entries.get(key);
      return entry?.dirty ? entry.latest : undefined;
    },
    dirty() {
      return [...entries.values()].some((entry) => entry.dirty);
    },
    forget(key) {
      const entry = entries.get(key);
      if (entry) stopTimer(entry);
      entries.delete(key);
    },
  };
}
