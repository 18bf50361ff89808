// Training that needs the person's attention (expiring within 30 days, expired, missing), one dismissible notice a
// course, and the platform's own words when a call was refused for lapsed training (they name the course).
import { Notice } from '../shell/Messages.tsx';
import { trainingWarningText } from './standing.ts';
import type { TrainingNotices as Notices } from './use-standing.ts';

export function TrainingNotices(props: { notices: Notices }) {
  const { warnings, refusal, dismiss, dismissRefusal } = props.notices;
  return (
    <>
      {refusal !== null ? (
        <Notice
          kind="notice"
          testId="training-refusal"
          text={
            <>
              <strong>Training needed. </strong>
              {refusal}
            </>
          }
        >
          <button type="button" className="button secondary" data-testid="dismiss-training-refusal" onClick={dismissRefusal}>
            Dismiss
          </button>
        </Notice>
      ) : null}
      {warnings.map((warning) => (
        <Notice key={`${warning.course}-${warning.state}`} kind="notice" testId="training-warning" text={trainingWarningText(warning)}>
          <button
            type="button"
            className="button secondary"
            data-testid="dismiss-training-warning"
            aria-label={`Dismiss the notice about “${warning.course}”`}
            onClick={() => dismiss(warning)}
          >
            Dismiss
          </button>
        </Notice>
      ))}
    </>
  );
}
