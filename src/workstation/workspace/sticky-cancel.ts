// A cancel that cannot be lost. DuckDB clears a connection's interrupt flag whenever a statement takes the connection
// (ClientContext::InitialCleanup), so an interrupt that lands while statements are being extracted or prepared, or
// while a statement is on its way to DuckDB's worker thread, is forgotten and the statement runs to its end (a
// 1-trillion-row join aborted 0–2 ms after run() hung within a few tries). So once the signal aborts, the connection
// is interrupted again every few milliseconds until the work settles, and the work checks the signal after every
// await, so that it starts nothing new.
import type { DuckDBConnection } from '@duckdb/node-api';

/** Often enough that a statement is stopped within moments of starting; an interrupt costs next to nothing. */
export const INTERRUPT_EVERY_MS = 5;

export interface StickyCancel {
  /** The signal has aborted and the work has not passed its point of no return. */
  readonly requested: boolean;
  /** Throws the cancel's error when it is requested: call it after every await that precedes more work. */
  check(): void;
  /**
   * The work's effect is committed (an autocommitted statement has run): DuckDB is no longer interrupted and the
   * cancel no longer applies, so a cancel that comes now is not reported for a change that was made.
   */
  passPointOfNoReturn(): void;
  /** Stops interrupting: before cleanup (ROLLBACK, DROP), which must run to its end, and once the work settles. */
  stop(): void;
}

export function stickyCancel(options: {
  connection: DuckDBConnection;
  signal: AbortSignal | undefined;
  cancelled: () => Error;
}): StickyCancel {
  const { connection, signal } = options;
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;
  let passed = false;
  const interrupt = (): void => connection.interrupt();
  const onAbort = (): void => {
    if (stopped || timer !== undefined) return;
    interrupt();
    timer = setInterval(interrupt, INTERRUPT_EVERY_MS);
  };
  const cancel: StickyCancel = {
    get requested() {
      return !passed && signal?.aborted === true;
    },
    check() {
      if (cancel.requested) throw options.cancelled();
    },
    passPointOfNoReturn() {
      passed = true;
      cancel.stop();
    },
    stop() {
      stopped = true;
      clearInterval(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return cancel;
}
