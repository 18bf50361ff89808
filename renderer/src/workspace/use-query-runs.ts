// Running the analyst's SQL: one query at a time per project, cancellable (Cancel, or Escape in the editor), each
// tab with its own last result. A cancelled or failed run leaves the tab's earlier result on screen, labelled as
// the previous query's; a result that is replaced is released in the engine. An error's position is marked in the
// editor, at the place in the tab's text where the SQL that ran began.
import { useEffect, useRef, useState } from 'react';
import { bestEffort } from '../../../src/common/detached.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import type { LocalEngine, RunResult } from '../../../src/common/local-engine.ts';
import { messageOf } from '../shell/message-of.ts';
import { errorRange, type RunTarget } from '../analysis/statements.ts';
import type { RunOutcome } from './run-status.ts';

export interface ShownResult {
  result: RunResult;
  sql: string;
  /** Each result gets fresh grid and chart state. */
  seq: number;
}

export interface TabRun {
  outcome: RunOutcome;
  /** The result on screen: this run's, or the previous one's after a cancel or an error. */
  shown: ShownResult | null;
  /** Where the error is in the tab's text, for the editor's mark. */
  errorAt: { from: number; to: number; message: string } | null;
}

export interface QueryRuns {
  runOf: (tabId: string) => TabRun;
  running: { tabId: string; since: number } | null;
  run: (request: { tabId: string; target: RunTarget | null }) => Promise<TabRun>;
  cancel: () => boolean;
  forget: (tabId: string) => void;
}

const EMPTY: TabRun = { outcome: { kind: 'none' }, shown: null, errorAt: null };

/** Where an error points, from whichever engine threw it: the core's (over the wire) or the window's own. */
function positionOf(err: unknown): number | undefined {
  if (!(err instanceof EnclaveError)) return undefined;
  const position: unknown = err.position;
  return typeof position === 'number' ? position : undefined;
}

export function useQueryRuns(options: { engine: LocalEngine; onFinished: () => void }): QueryRuns {
  const { engine } = options;
  const [runs, setRuns] = useState<ReadonlyMap<string, TabRun>>(new Map());
  const [running, setRunning] = useState<{ tabId: string; since: number } | null>(null);
  const controller = useRef<AbortController | null>(null);
  const latest = useRef(runs);
  latest.current = runs;
  const seq = useRef(0);
  const onFinished = useRef(options.onFinished);
  onFinished.current = options.onFinished;

  const put = (tabId: string, next: TabRun): void => {
    latest.current = new Map(latest.current).set(tabId, next);
    setRuns(latest.current);
  };

  // Leaving the project stops its running query; its kept results go with the engine's own clean-up.
  useEffect(() => () => controller.current?.abort(), []);

  const run = async ({ tabId, target }: { tabId: string; target: RunTarget | null }): Promise<TabRun> => {
    const before = latest.current.get(tabId) ?? EMPTY;
    if (controller.current) return before; // one query at a time; Cancel stops the running one
    if (target === null) {
      const next: TabRun = {
        ...before,
        outcome: { kind: 'failed', message: 'There is nothing to run here. Write a statement, or put the cursor in one.' },
        errorAt: null,
      };
      put(tabId, next);
      return next;
    }
    const abort = new AbortController();
    controller.current = abort;
    setRunning({ tabId, since: performance.now() });
    put(tabId, { ...before, outcome: { kind: 'running' }, errorAt: null });
    let next: TabRun;
    try {
      const result = await engine.run({ sql: target.sql, signal: abort.signal });
      const old = before.shown?.result.resultId;
      if (old && old !== result.resultId) bestEffort(engine.release(old));
      seq.current += 1;
      next = { outcome: { kind: 'ok', result }, shown: { result, sql: target.sql, seq: seq.current }, errorAt: null };
    } catch (err) {
      if (err instanceof EnclaveError && err.code === 'cancelled') {
        next = { ...before, outcome: { kind: 'cancelled' }, errorAt: null };
      } else {
        const message = messageOf(err, 'Local DuckDB could not run that query.');
        const range = errorRange(target, positionOf(err));
        next = { ...before, outcome: { kind: 'failed', message }, errorAt: range ? { ...range, message } : null };
      }
    } finally {
      controller.current = null;
      setRunning(null);
    }
    put(tabId, next);
    // A statement may have created or dropped tables, and the history has one more run.
    onFinished.current();
    return next;
  };

  return {
    runOf: (tabId) => runs.get(tabId) ?? EMPTY,
    running,
    run,
    cancel: () => {
      if (!controller.current) return false;
      controller.current.abort();
      return true;
    },
    forget: (tabId) => {
      const old = latest.current.get(tabId)?.shown?.result.resultId;
      if (old) bestEffort(engine.release(old));
      const next = new Map(latest.current);
      next.delete(tabId);
      latest.current = next;
      setRuns(next);
    },
  };
}
