// A long drive call under way (a save, an open, an upload): its stage, a bar (with the amount when it is known) and a
// Cancel button that stops it at every hop.
import type { CallProgress } from '../../../src/common/contract.ts';
import { receivedText } from '../catalogue/sample-progress.ts';

export function CallProgressLine(props: { label: string; progress: CallProgress | null; onCancel: () => void; testId: string }) {
  const { progress } = props;
  const amount = receivedText(progress);
  return (
    <div className="progress-line" role="status" data-testid={props.testId}>
      {progress?.total ? (
        <progress aria-label={props.label} value={Math.min(progress.done, progress.total)} max={progress.total} />
      ) : (
        <progress aria-label={props.label} />
      )}
      <span>
        {progress?.stage ?? props.label}…{amount === null ? null : ` ${amount}`}
      </span>
      <button type="button" className="button secondary small" onClick={props.onCancel} data-testid={`${props.testId}-cancel`}>
        Cancel
      </button>
    </div>
  );
}
