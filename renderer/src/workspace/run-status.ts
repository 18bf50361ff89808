// What the run line and the result's heading say, in the issue's words: "4 rows, 3 columns in 23 ms.", "Created
// admissions (1,204 rows) in 40 ms.", and after a cancel or an error, that the result still shown is the previous
// query's. Pure, so the wording is tested once.
import type { RunResult } from '../../../src/common/local-engine.ts';
import { shapeMessage } from '../../../src/common/local-sql.ts';
import { formatDuration } from '../shell/format.ts';

/** The last run's outcome as the screen tells it. */
export type RunOutcome =
  { kind: 'none' } | { kind: 'running' } | { kind: 'ok'; result: RunResult } | { kind: 'cancelled' } | { kind: 'failed'; message: string };

/** What a finished run did, in words: the engine's message, or the counts when it gave none. */
export function resultPhrase(result: RunResult): string {
  const message = result.message.trim().replace(/\.$/, '');
  if (message.length > 0) return message;
  return result.resultId === null ? `${result.statement} done` : shapeMessage(result.rowCount, result.columns.length);
}

export const PREVIOUS_RESULT = 'Result of the previous query';

/** The run line beside Run and Cancel. `showingPrevious`: a result from an earlier run is still on screen. */
export function statusText(outcome: RunOutcome, showingPrevious: boolean): string {
  const previous = showingPrevious ? ' The result shown is the previous query’s.' : '';
  switch (outcome.kind) {
    case 'none':
    case 'running':
      return '';
    case 'ok':
      return `${resultPhrase(outcome.result)} in ${formatDuration(outcome.result.durationMs)}.`;
    case 'cancelled':
      return `The query was cancelled.${previous}`;
    case 'failed':
      return `The query did not run.${previous}`;
  }
}

/** The result pane's heading. */
export function resultHeading(result: RunResult, showingPrevious: boolean): string {
  const counts = result.resultId === null ? resultPhrase(result) : shapeMessage(result.rowCount, result.columns.length);
  return showingPrevious ? `${PREVIOUS_RESULT}: ${counts}` : `Result: ${counts}`;
}
