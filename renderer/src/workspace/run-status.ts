// What the run line and the result's heading say, in the issue's words: "4 rows, 3 columns in 23 ms.", "Created
// admissions (1,204 rows) in 40 ms.", "Created tests_admissions (12,345 rows) from the platform in 3.2 s.", and after a
// cancel or an error, that the result still shown is the previous query's. Pure, so the wording is tested once.
import type { RunResult } from '../../../src/common/local-engine.ts';
import { shapeMessage } from '../../../src/common/local-sql.ts';
import { loadedMessage } from '../analysis/platform-query.ts';
import { formatDuration } from '../shell/format.ts';

/** The last run's outcome as the screen tells it. */
export type RunOutcome =
  | { kind: 'none' }
  | { kind: 'running' }
  | { kind: 'ok'; result: RunResult }
  /** A platform query's result, now a local table. */
  | { kind: 'loaded'; table: string; rows: number; replaced: boolean; ms: number }
  | { kind: 'cancelled' }
  | { kind: 'failed'; message: string };

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
    case 'loaded':
      return `${loadedMessage(outcome)} in ${formatDuration(outcome.ms)}.`;
    case 'cancelled':
      return `The query was cancelled.${previous}`;
    case 'failed':
      return `The query did not run.${previous}`;
  }
}

/** The result pane's heading; `title` names what is shown when it is not a query's result ("Table result_1"). */
export function resultHeading(result: RunResult, showingPrevious: boolean, title?: string): string {
  const counts = result.resultId === null ? resultPhrase(result) : shapeMessage(result.rowCount, result.columns.length);
  if (showingPrevious) return `${PREVIOUS_RESULT}${title ? ` (${title.charAt(0).toLowerCase()}${title.slice(1)})` : ''}: ${counts}`;
  return `${title ?? 'Result'}: ${counts}`;
}
