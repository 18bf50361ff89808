// The author's irreversible steps on a release request (issue 16): Submit (after saying what it means and asking), and
// Withdraw the request (with a reason, after asking). Each sends the version the page shows, so a second click, a second
// window or a change made meanwhile is refused as a conflict rather than done twice; the buttons are disabled while a
// call runs. What stands in the way of submitting is said before the author tries (the platform checks it again).
import { useState, type FormEvent } from 'react';
import type { RequestDetail } from '../../../src/common/airlock.ts';
import type { Client } from '../../../src/common/client.ts';
import { useSubmission } from '../admin/use-submission.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { currentFiles, submitProblems } from './request-text.ts';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function SubmitStep(props: {
  client: Client;
  detail: RequestDetail;
  unsaved: readonly string[];
  onChanged: (detail: RequestDetail) => void;
}) {
  const { client, detail, unsaved, onChanged } = props;
  const [asking, setAsking] = useState(false);
  const { busy, error, send } = useSubmission();
  const problems = submitProblems(detail, unsaved);
  const { outputs, supporting } = currentFiles(detail);
  const again = detail.state === 'RETURNED';

  return (
    <div className="request-step" data-testid="submit-step">
      <h4>{again ? 'Submit again' : 'Submit for review'}</h4>
      {problems.length > 0 ? (
        <div data-testid="submit-problems">
          <p>Before you submit:</p>
          <ul className="problems">
            {problems.map((problem) => (
              <li key={problem}>{problem}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {asking ? (
        <div className="action-confirm" role="group" aria-labelledby="submit-confirm-text" data-testid="submit-confirm">
          <p id="submit-confirm-text">
            Submit “{detail.title}” with {plural(outputs.length, 'output file')}
            {supporting.length > 0 ? ` and ${plural(supporting.length, 'supporting file')}` : ''}? Two output checkers will review it. You
            cannot change its files or context unless they return it to you.
          </p>
          <ErrorMessage testId="submit-error" title="The request was not submitted" text={error} />
          <div className="form-actions">
            <button
              type="button"
              className="button"
              disabled={busy}
              onClick={() =>
                send(
                  () => client.invoke('airlock.submit', { requestId: detail.id, expectedVersion: detail.version }),
                  (answer) => {
                    setAsking(false);
                    onChanged(answer);
                  },
                  'The request was not submitted.',
                )
              }
              data-testid="submit-yes"
            >
              {busy ? 'Submitting…' : 'Submit now'}
            </button>
            <button type="button" className="button secondary" disabled={busy} onClick={() => setAsking(false)} data-testid="submit-no">
              Not yet
            </button>
          </div>
        </div>
      ) : (
        <button
          type="button"
          className="button"
          disabled={problems.length > 0}
          onClick={() => setAsking(true)}
          data-testid="submit-request"
        >
          {again ? 'Submit again…' : 'Submit…'}
        </button>
      )}
    </div>
  );
}

function WithdrawStep(props: { client: Client; detail: RequestDetail; onChanged: (detail: RequestDetail) => void }) {
  const { client, detail, onChanged } = props;
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const { busy, error, send } = useSubmission();

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    send(
      () => client.invoke('airlock.withdraw', { requestId: detail.id, expectedVersion: detail.version, reason: reason.trim() }),
      (answer) => {
        setAsking(false);
        onChanged(answer);
      },
      'The request was not withdrawn.',
    );
  };

  if (!asking)
    return (
      <div className="request-step">
        <h4>Withdraw the request</h4>
        <p className="hint">Nothing in it will be reviewed or released. This cannot be undone.</p>
        <button type="button" className="button warning" onClick={() => setAsking(true)} data-testid="withdraw-request">
          Withdraw request…
        </button>
      </div>
    );
  return (
    <form className="request-step action-confirm" onSubmit={submit} aria-labelledby="withdraw-heading" data-testid="withdraw-confirm">
      <h4 id="withdraw-heading">Withdraw “{detail.title}”?</h4>
      <p>Nothing in it will be reviewed or released, and it cannot be submitted again. This cannot be undone.</p>
      <div className="field">
        <label htmlFor="withdraw-reason">Reason (the output checkers and the project’s members read it)</label>
        <textarea
          id="withdraw-reason"
          rows={2}
          maxLength={2000}
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          data-testid="withdraw-reason"
        />
      </div>
      <ErrorMessage testId="withdraw-error" title="The request was not withdrawn" text={error} />
      <div className="form-actions">
        <button type="submit" className="button warning" disabled={busy || reason.trim().length < 3} data-testid="withdraw-yes">
          {busy ? 'Withdrawing…' : 'Withdraw request'}
        </button>
        <button type="button" className="button secondary" disabled={busy} onClick={() => setAsking(false)} data-testid="withdraw-no">
          Keep it
        </button>
      </div>
    </form>
  );
}

export function RequestActions(props: {
  client: Client;
  detail: RequestDetail;
  unsaved: readonly string[];
  onChanged: (detail: RequestDetail) => void;
}) {
  const { client, detail, unsaved, onChanged } = props;
  const maySubmit = detail.actions.includes('submit');
  const mayWithdraw = detail.actions.includes('withdraw');
  if (!maySubmit && !mayWithdraw) return null;
  return (
    <section className="panel request-actions" aria-labelledby="request-actions-heading" data-testid="request-actions">
      <h3 id="request-actions-heading">What next</h3>
      {maySubmit ? <SubmitStep key={detail.id} client={client} detail={detail} unsaved={unsaved} onChanged={onChanged} /> : null}
      {mayWithdraw ? <WithdrawStep key={detail.id} client={client} detail={detail} onChanged={onChanged} /> : null}
    </section>
  );
}
