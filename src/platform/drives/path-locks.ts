// In-process locks by key, for the drives: a drive's changes run one at a time (the compare-and-swap of a version
// pointer, a move of a folder and everything in it, a delete), and one upload session takes one chunk at a time. The
// key is the drive, not each path: a move or a delete spans a whole subtree, and the change itself is a short
// metadata transaction (the bytes are written before the lock is taken), so a per-path scheme would buy no speed.
// Across processes the database's write lock (BEGIN IMMEDIATE) keeps the same order.

export interface KeyedLocks {
  /** Runs `work` once every earlier holder of `key` is done; the next waits for this one, failed or not. */
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
  /** Whether anyone holds or waits for `key` now. */
  busy(key: string): boolean;
}

export function createKeyedLocks(): KeyedLocks {
  const tails = new Map<string, Promise<void>>();
  return {
    async run(key, work) {
      const before = tails.get(key) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => {
        release = resolve;
      });
      const tail = before.then(() => mine);
      tails.set(key, tail);
      await before;
      try {
        return await work();
      } finally {
        release();
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
    busy(key) {
      return tails.has(key);
    },
  };
}
