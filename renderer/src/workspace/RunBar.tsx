// Run, Run all and Cancel, with what the last run did: "4 rows, 3 columns in 23 ms.", or that it was cancelled or
// failed (and that the result shown is then the previous query's). The engine's message for an error is shown above
// the result, where there is room for it.
import { useEffect, useState } from 'react';
import { formatDuration } from '../shell/format.ts';
import { statusText, type RunOutcome } from './run-status.ts';

export function RunBar(props: {
  engineReady: boolean;
  running: boolean;
  runningSince: number | null;
  outcome: RunOutcome;
  showingPrevious: boolean;
  onRun: (scope: 'statement' | 'all') => void;
  onCancel: () => void;
}) {
  const { engineReady, running, outcome } = props;
  return (
    <div className="run-bar">
      <button
        type="button"
        className="button small"
        data-testid="run-query"
        aria-keyshortcuts="Control+Enter"
        title="Runs the statement at the cursor, or the selection (Ctrl+Enter)"
        disabled={running || !engineReady}
        onClick={() => props.onRun('statement')}
      >
        Run
      </button>
      <button
        type="button"
        className="button secondary small"
        data-testid="run-all"
        aria-keyshortcuts="Control+Shift+Enter"
        title="Runs everything in the tab (Ctrl+Shift+Enter)"
        disabled={running || !engineReady}
        onClick={() => props.onRun('all')}
      >
        Run all
      </button>
      <button
        type="button"
        className="button secondary small"
        data-testid="cancel-query"
        aria-keyshortcuts="Escape"
        title="Stops the running query (Esc in the editor)"
        disabled={!running}
        onClick={props.onCancel}
      >
        Cancel
      </button>
      <span role="status" className="result-summary" data-testid="query-status">
        {!engineReady ? (
          'Local DuckDB is starting…'
        ) : running ? (
          <RunningFor since={props.runningSince ?? performance.now()} />
        ) : (
          statusText(outcome, props.showingPrevious)
        )}
      </span>
      {/* Shown where there is room (the empty result says it too); always read with the editor. */}
      <span className="visually-hidden" id="run-hint">
        Control Enter runs the statement at the cursor or the selection; Control Shift Enter runs everything; Escape cancels a running
        query; Tab leaves the editor.
      </span>
    </div>
  );
}

function RunningFor(props: { since: number }) {
  const [now, setNow] = useState(() => performance.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(performance.now()), 500);
    return () => clearInterval(timer);
  }, []);
  // Announced once as "Running…"; the ticking seconds stay out of the live region's churn.
  return (
    <span>
      Running… <span aria-hidden="true">{formatDuration(now - props.since)}</span>
    </span>
  );
}
