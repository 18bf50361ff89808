// Running the analyst's SQL: one query at a time per project, cancellable (Cancel, or Escape in the editor), each
// tab with its own last result. A local run runs in the project's engine; a platform run sends the SQL to the
// platform and loads its result into a local table, then shows that table's rows as the tab's result (to chart it, as
// the analyst would next). A cancelled or failed run leaves the tab's earlier result on screen, labelled as the
// previous query's; a result that is replaced is released in the engine. An error's position is marked in the
// editor, at the place in the tab's text where the SQL that ran began, whichever engine found it.
import { useEffect, useRef, useState } from 'react';
import { bestEffort } from '../../../src/common/detached.ts';
import type { CallProgress } from '../../../src/common/contract.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import type { LocalEngine, RunResult } from '../../../src/common/local-engine.ts';
import { quoteIdentifier } from '../../../src/common/sql-identifiers.ts';
import type { PlatformQueryLoad } from '../analysis/core-engine.ts';
import { platformSql } from '../analysis/platform-query.ts';
import { messageOf } from '../shell/message-of.ts';
import { errorRange, type RunTarget } from '../analysis/statements.ts';
import type { RunOutcome } from './run-status.ts';

export interface ShownResult {
  result: RunResult;
  sql: string;
  /** What the result is when it is not the query's own ("Table result_1", a platform query's table). */
  title?: string;
  /** Each result gets fresh grid and chart state. */
  seq: number;
}

export interface TabRun {
  outcome: RunOutcome;
  /** The result on screen: this run's, or the previous one's after a cancel or an error. */
  shown: ShownResult | null;
  /** Where the error is in the tab's text, for the editor's mark, and who found it. */
  errorAt: { from: number; to: number; message: string; source: string } | null;
}

/** The query running now: which tab's, since when, and for a platform query its table and how far it has got. */
export interface Running {
  tabId: string;
  since: number;
  platform: { table: string; progress: CallProgress | null } | null;
}

/** Where a platform run's result goes: the local table, and whether an existing one may be replaced. */
export interface PlatformDestination {
  table: string;
  replace: boolean;
}

export interface QueryRuns {
  runOf: (tabId: string) => TabRun;
  running: Running | null;
  /** Runs the target locally, or on the platform into `platform`'s table. */
  run: (request: { tabId: string; target: RunTarget | null; platform?: PlatformDestination }) => Promise<TabRun>;
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

export function useQueryRuns(options: {
  /** The analyst's runs: each recorded in the history. */
  engine: LocalEngine;
  /** The window's own reads (a platform query's table shown): not the analyst's runs, so not in the history. */
  viewEngine: LocalEngine;
  /** Loads a platform query's result into a local table (and records the run as the platform's). */
  loadQuery: (request: PlatformQueryLoad) => Promise<{ table: string; rows: number }>;
  onFinished: () => void;
}): QueryRuns {
  const { engine, viewEngine } = options;
  const [runs, setRuns] = useState<ReadonlyMap<string, TabRun>>(new Map());
  const [running, setRunning] = useState<Running | null>(null);
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

  /** Runs on the platform into the table, then reads the table back as the tab's result. */
  const runOnPlatform = async (request: {
    tabId: string;
    target: RunTarget;
    destination: PlatformDestination;
    signal: AbortSignal;
    before: TabRun;
  }): Promise<TabRun> => {
    const { tabId, target, destination, signal, before } = request;
    const started = performance.now();
    const onProgress = (progress: CallProgress): void =>
      setRunning((current) =>
        current?.tabId === tabId && current.platform ? { ...current, platform: { ...current.platform, progress } } : current,
      );
    const loaded = await options.loadQuery({
      sql: platformSql(target.sql),
      table: destination.table,
      replace: destination.replace,
      signal,
      onProgress,
    });
    const outcome: RunOutcome = { kind: 'loaded', ...loaded, replaced: destination.replace, ms: performance.now() - started };
    const sql = `SELECT * FROM ${quoteIdentifier(loaded.table)}`;
    let result: RunResult;
    try {
      result = await viewEngine.run({ sql, signal });
    } catch {
      // The table is there (the tree shows it); only its rows could not be shown here.
      return { ...before, outcome, errorAt: null };
    }
    const old = before.shown?.result.resultId;
    if (old && old !== result.resultId) bestEffort(engine.release(old));
    seq.current += 1;
    return { outcome, shown: { result, sql, title: `Table ${loaded.table}`, seq: seq.current }, errorAt: null };
  };

  const run = async ({
    tabId,
    target,
    platform,
  }: {
    tabId: string;
    target: RunTarget | null;
    platform?: PlatformDestination;
  }): Promise<TabRun> => {
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
    setRunning({ tabId, since: performance.now(), platform: platform ? { table: platform.table, progress: null } : null });
    put(tabId, { ...before, outcome: { kind: 'running' }, errorAt: null });
    let next: TabRun;
    try {
      if (platform) {
        next = await runOnPlatform({ tabId, target, destination: platform, signal: abort.signal, before });
      } else {
        const result = await engine.run({ sql: target.sql, signal: abort.signal });
        const old = before.shown?.result.resultId;
        if (old && old !== result.resultId) bestEffort(engine.release(old));
        seq.current += 1;
        next = { outcome: { kind: 'ok', result }, shown: { result, sql: target.sql, seq: seq.current }, errorAt: null };
      }
    } catch (err) {
      if (err instanceof EnclaveError && err.code === 'cancelled') {
        next = { ...before, outcome: { kind: 'cancelled' }, errorAt: null };
      } else {
        const message = messageOf(err, platform ? 'The platform could not run that query.' : 'Local DuckDB could not run that query.');
        const range = errorRange(target, positionOf(err));
        const source = platform ? 'Platform' : 'DuckDB';
        next = { ...before, outcome: { kind: 'failed', message }, errorAt: range ? { ...range, message, source } : null };
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
