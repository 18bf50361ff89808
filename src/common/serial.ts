// One piece of work at a time on a DuckDB connection: a connection runs one statement at a time, and a result's
// temporary table must not change under a page that reads it.
import { settled } from './detached.ts';

export interface Turn {
  /** A cancel while the work waits for its turn rejects it at once with `cancelled()`, and it never runs. */
  readonly signal?: AbortSignal;
  readonly cancelled: () => Error;
}

export class Serial {
  private tail: Promise<void> = Promise.resolve();

  /**
   * Runs `work` once everything queued before it is over. A cancelled wait does not wait for the work ahead of it
   * (a query that runs for minutes); once the work has started, the work itself answers the cancel.
   */
  run<T>(work: () => Promise<T>, turn?: Turn): Promise<T> {
    if (turn?.signal?.aborted) return Promise.reject(turn.cancelled());
    let started = false;
    const next = this.tail.then(() => {
      if (turn?.signal?.aborted) throw turn.cancelled();
      started = true;
      return work();
    });
    this.tail = settled(next);
    const signal = turn?.signal;
    if (turn === undefined || signal === undefined) return next;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => {
        if (!started) reject(turn.cancelled());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      next.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Resolves once everything queued so far is over. */
  idle(): Promise<void> {
    return this.tail;
  }
}
