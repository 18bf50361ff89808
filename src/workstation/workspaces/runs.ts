// Running the analyst's SQL in a project's native engine, with every run in the project's history: its SQL, when it
// started, how long it took, the rows it gave, and how it ended (ok, error, cancelled) with what the analyst was told.
// Platform queries (./platform-queries.ts) are recorded the same way, as the platform's.
import { EnclaveError } from '../../common/errors.ts';
import type { LocalEngine, RunResult } from '../../common/local-engine.ts';
import type { QueryEngine, RunOutcome } from '../../common/workspace.ts';
import type { WorkspaceStore } from '../workspace-state/state-store.ts';

/** The longest message the history keeps (RunRecordSchema): a longer one is cut, with a mark that it was. */
const MAX_MESSAGE_CHARS = 10_000;

export interface RunRequest {
  engine: LocalEngine;
  store: WorkspaceStore;
  sql: string;
  signal: AbortSignal;
  now?: () => Date;
  /** Where a run that could not be written to the history is noted (the run's own answer still goes back). */
  log: (message: string, detail?: unknown) => void;
}

/** How a run ended, as the history keeps it. */
export interface RunEnd {
  outcome: RunOutcome;
  rows: number | null;
  message: string;
}

function clip(message: string): string {
  return message.length <= MAX_MESSAGE_CHARS ? message : `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…`;
}

/**
 * Starts the clock on one run and answers how to record its end. A history that cannot be written is logged, never
 * the run's own failure.
 */
export function startRun(options: {
  store: WorkspaceStore;
  sql: string;
  engine: QueryEngine;
  now?: () => Date;
  log: (message: string, detail?: unknown) => void;
}): (end: RunEnd) => Promise<void> {
  const startedAt = (options.now ?? (() => new Date()))();
  const started = performance.now();
  return async (end) => {
    try {
      await options.store.recordRun({
        sql: options.sql,
        startedAt: startedAt.toISOString(),
        durationMs: performance.now() - started,
        engine: options.engine,
        ...end,
        message: clip(end.message),
      });
    } catch (err) {
      options.log('A run could not be added to the history.', err);
    }
  };
}

/** What went wrong, as the analyst sees it; anything that is not an EnclaveError is the engine's own fault. */
function failureOf(err: unknown, signal: AbortSignal): EnclaveError {
  if (signal.aborted || (err instanceof EnclaveError && err.code === 'cancelled'))
    return new EnclaveError('cancelled', 'The query was cancelled.');
  if (err instanceof EnclaveError) return err;
  return new EnclaveError('internal', 'The local engine failed unexpectedly. The details are in the workstation log.');
}

/** Runs the SQL and records the run, whatever its outcome; a cancelled or failed run rejects after it is recorded. */
export async function runAndRecord(request: RunRequest): Promise<RunResult> {
  const record = startRun({ store: request.store, sql: request.sql, engine: 'local', now: request.now, log: request.log });
  let result: RunResult;
  try {
    result = await request.engine.run({ sql: request.sql, signal: request.signal });
  } catch (err) {
    const failure = failureOf(err, request.signal);
    if (!(err instanceof EnclaveError)) request.log('The local engine failed running a query.', err);
    await record({ outcome: failure.code === 'cancelled' ? 'cancelled' : 'error', rows: null, message: failure.message });
    throw failure;
  }
  // A statement that gives no rows (a DROP) has none to count; a CREATE … AS counts what it made.
  const rows = result.resultId === null && result.rowCount === 0 ? null : result.rowCount;
  await record({ outcome: 'ok', rows, message: result.message });
  return result;
}
