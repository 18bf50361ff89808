// A platform tab's run line: "Run on platform → table result_1" (the table named on the line above, checked as the
// contract checks it, and why not when it cannot be used), Cancel, and while it runs a progress bar with what is
// happening (the platform running the query, the download, the load) and how far it has got. Replacing an existing
// local table is asked first (ReplaceTableQuestion, shown above the result), never done unasked.
import { useEffect, useState } from 'react';
import type { CallProgress } from '../../../src/common/contract.ts';
import { receivedText } from '../catalogue/sample-progress.ts';
import { formatDuration, formatRows } from '../shell/format.ts';
import { Notice } from '../shell/Messages.tsx';
import { statusText, type RunOutcome } from './run-status.ts';
import type { Running } from './use-query-runs.ts';

export interface ReplaceQuestion {
  table: string;
  rows: number;
}

export function PlatformRunBar(props: {
  engineReady: boolean;
  running: Running | null;
  outcome: RunOutcome;
  showingPrevious: boolean;
  table: string;
  /** Why the table name cannot be used (said here, under `problemId`), or null. */
  tableProblem: string | null;
  problemId: string;
  onRun: () => void;
  onCancel: () => void;
}) {
  const { running, table, tableProblem } = props;
  const busy = running !== null;
  const usable = tableProblem === null;
  return (
    <div className="run-bar" data-engine="platform" data-testid="platform-run-bar">
      <button
        type="button"
        className="button small on-platform"
        data-testid="run-platform"
        aria-keyshortcuts="Control+Enter"
        title="Runs the statement at the cursor, or the selection, on the platform (Ctrl+Enter); its result becomes a local table"
        disabled={busy || !props.engineReady || !usable}
        onClick={props.onRun}
      >
        Run on platform → table {usable ? table : '…'}
      </button>
      <button
        type="button"
        className="button secondary small"
        data-testid="cancel-query"
        aria-keyshortcuts="Escape"
        title="Stops the running query, wherever it has got (Esc in the editor)"
        disabled={!busy}
        onClick={props.onCancel}
      >
        Cancel
      </button>
      {usable ? (
        <span role="status" className="result-summary" data-testid="query-status">
          {!props.engineReady ? (
            'Local DuckDB is starting…'
          ) : running?.platform ? (
            <PlatformProgress since={running.since} table={running.platform.table} progress={running.platform.progress} />
          ) : running ? (
            'Running…'
          ) : (
            statusText(props.outcome, props.showingPrevious)
          )}
        </span>
      ) : (
        <span className="result-summary destination-problem" id={props.problemId} data-testid="platform-table-problem">
          {tableProblem}
        </span>
      )}
    </div>
  );
}

/** Replacing a local table with a platform query's result: asked first, where there is room to read it. */
export function ReplaceTableQuestion(props: { question: ReplaceQuestion; onReplace: () => void; onKeep: () => void }) {
  const { question } = props;
  return (
    <Notice
      kind="notice"
      testId="replace-table-confirm"
      text={`A local table ${question.table} already exists (${formatRows(question.rows)}). Replace it with this query’s result? What is in it now will be lost.`}
    >
      <button type="button" className="button warning small" data-testid="replace-table" onClick={props.onReplace}>
        Replace {question.table}
      </button>
      <button type="button" className="button secondary small" data-testid="keep-table" onClick={props.onKeep}>
        Keep it
      </button>
    </Notice>
  );
}

/** The bar and the words: on the platform (no total yet), then bytes of the whole, then rows into the table. */
function PlatformProgress(props: { since: number; table: string; progress: CallProgress | null }) {
  const { progress } = props;
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(performance.now()), 500);
    return () => clearInterval(timer);
  }, []);
  const counted = progress !== null && progress.total !== null && progress.total > 0;
  const received = receivedText(progress);
  return (
    <span className="platform-progress">
      <progress
        aria-label={`Running on the platform into ${props.table}`}
        data-testid="platform-progress"
        {...(counted ? { value: Math.min(progress.done, progress.total ?? 0), max: progress.total ?? 0 } : {})}
      />
      <span>
        {progress?.stage ?? 'Sending the query to the platform'}…{' '}
        {/* Counts change ten times a second: shown, and in the bar, but not read out each time. */}
        {received !== null ? (
          <span aria-hidden="true" data-testid="platform-received">
            {received},{' '}
          </span>
        ) : null}
        <span aria-hidden="true">{formatDuration(now - props.since)}</span>
      </span>
    </span>
  );
}
