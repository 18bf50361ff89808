// What a checker decides on a whole request (issue 16), offered as the platform says the caller may act now:
// complete my review (a vote on every output file first), and after both reviews return it to the analyst (a public
// comment on every file with changes requested first), reject it (a reason, confirmed), release it (confirmed: it is
// irreversible and says how many files leave), or revoke a release (a reason, confirmed). Every call carries the
// request's version, so a request that changed since the page read it is refused and nothing changes; the buttons are
// disabled while a call runs.
import { useEffect, useState, type FormEvent } from 'react';
import { REASON_MAX_CHARS, type RequestDetail } from '../../../src/common/airlock.ts';
import type { Client } from '../../../src/common/client.ts';
import { useSubmission } from '../admin/use-submission.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { filesWord, FROZEN_LABEL, namesText, STATE_LABELS } from './checking-words.ts';
import { filesMissingPublicComment, filesToRelease, unvotedOutputs } from './review-rules.ts';

type Confirming = 'reject' | 'release' | 'revoke' | null;

function ReasonConfirm(props: {
  id: string;
  title: string;
  warning: string;
  label: string;
  confirmLabel: string;
  busy: boolean;
  onConfirm: (reason: string) => void;
  onCancel: () => void;
  onProblem: (message: string) => void;
}) {
  const [reason, setReason] = useState('');
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (reason.trim().length < 3) {
      props.onProblem('Give the reason (at least 3 characters): the analyst and the audit log keep it.');
      return;
    }
    props.onConfirm(reason.trim());
  };
  return (
    <form
      className="inline-form decision-confirm"
      aria-labelledby={`${props.id}-heading`}
      onSubmit={submit}
      data-testid={`${props.id}-form`}
    >
      <h4 id={`${props.id}-heading`}>{props.title}</h4>
      <p className="decision-warning">{props.warning}</p>
      <div className="field">
        <label htmlFor={`${props.id}-reason`}>{props.label}</label>
        <textarea
          id={`${props.id}-reason`}
          rows={3}
          maxLength={REASON_MAX_CHARS}
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          data-testid={`${props.id}-reason`}
        />
      </div>
      <div className="form-actions">
        <button type="submit" className="button warning" disabled={props.busy} data-testid={`${props.id}-confirm`}>
          {props.busy ? 'Sending…' : props.confirmLabel}
        </button>
        <button type="button" className="button secondary" disabled={props.busy} onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function DecisionPanel(props: {
  client: Client;
  detail: RequestDetail;
  onChanged: (detail: RequestDetail) => void;
  onReadAgain: () => void;
}) {
  const { client, detail, onChanged } = props;
  const { busy, error, setError, send } = useSubmission();
  const [confirming, setConfirming] = useState<Confirming>(null);
  /** What the last action did, shown while the request is still as that action left it. */
  const [news, setNews] = useState<{ text: string; version: number } | null>(null);
  // A refusal belongs to the request as it was: once the page holds a newer version, it no longer applies.
  useEffect(() => setError(null), [detail.version, setError]);
  const may = (action: RequestDetail['actions'][number]): boolean => detail.actions.includes(action);
  const unvoted = unvotedOutputs(detail);
  const missing = filesMissingPublicComment(detail);
  const releasing = filesToRelease(detail);
  const base = { requestId: detail.id, expectedVersion: detail.version };

  const act = (work: () => Promise<RequestDetail>, done: (after: RequestDetail) => string, failure: string): void => {
    setNews(null);
    send(
      work,
      (after) => {
        setConfirming(null);
        setNews({ text: done(after), version: after.version });
        onChanged(after);
      },
      failure,
    );
  };

  const anything = (['completeReview', 'return', 'reject', 'release', 'revoke'] as const).some(may);
  /** Votes are what this checker can give now: before their review has started, or while it is under way. */
  const toVote = may('vote') && (detail.state === 'SUBMITTED' || detail.state === 'PARTIALLY_REVIEWED');

  return (
    <section className="panel decision-panel" aria-labelledby="decision-heading" data-testid="decision-panel">
      <h3 id="decision-heading">Decide</h3>
      <div role="status">
        {news !== null && news.version === detail.version ? <Notice kind="success" testId="decision-news" text={news.text} /> : null}
      </div>
      {!anything && toVote ? (
        <p className="hint" data-testid="decision-vote-first">
          Vote on every output file first (your review starts with your first vote); then complete your review here.
          {unvoted.length > 0 ? ` Still to vote on: ${namesText(unvoted.map((file) => file.name))}.` : ''}
        </p>
      ) : null}
      {detail.frozen === true ? (
        <p className="decision-blocked" data-testid="decision-frozen">
          {FROZEN_LABEL}: nothing can be decided on this request while its analyst’s access is suspended. The platform refuses every vote,
          comment and decision until an administrator lifts the suspension.
        </p>
      ) : null}
      {!anything && !toVote && detail.frozen !== true ? (
        <p className="hint" data-testid="decision-none">
          Nothing to decide on this request now ({STATE_LABELS[detail.state].toLowerCase()}).
        </p>
      ) : null}

      {may('completeReview') ? (
        <div className="decision" data-testid="decision-complete">
          <p>
            When you have voted on every output file, complete your review. The other checker’s votes and comments appear once both reviews
            are complete.
          </p>
          {unvoted.length > 0 ? (
            <p className="decision-blocked" data-testid="complete-missing">
              Still to vote on: {namesText(unvoted.map((file) => file.name))}.
            </p>
          ) : null}
          <button
            type="button"
            className="button"
            disabled={busy || unvoted.length > 0}
            onClick={() =>
              act(
                () => client.invoke('airlock.completeReview', base),
                (after) => `Your review is complete. The request is now ${STATE_LABELS[after.state].toLowerCase()}.`,
                'Your review could not be completed. Nothing was changed.',
              )
            }
            data-testid="complete-review"
          >
            {busy ? 'Sending…' : 'Complete my review'}
          </button>
        </div>
      ) : null}

      {may('return') ? (
        <div className="decision" data-testid="decision-return">
          <p>Return it to the analyst to change what the comments ask; it comes back for review when they submit it again.</p>
          {missing.length > 0 ? (
            <p className="decision-blocked" data-testid="return-missing">
              Each file with changes requested needs a public comment telling the analyst what to change. Missing on:{' '}
              {namesText(missing.map((file) => file.name))}.
            </p>
          ) : null}
          <button
            type="button"
            className="button secondary"
            disabled={busy || missing.length > 0}
            onClick={() =>
              act(
                () => client.invoke('airlock.return', base),
                () => 'Returned to the analyst with your public comments.',
                'The request could not be returned. Nothing was changed.',
              )
            }
            data-testid="return-request"
          >
            {busy ? 'Sending…' : 'Return to the analyst'}
          </button>
        </div>
      ) : null}

      {may('release') ? (
        <div className="decision" data-testid="decision-release">
          {confirming === 'release' ? (
            <div className="inline-form decision-confirm" role="group" aria-labelledby="release-heading" data-testid="release-form">
              <h4 id="release-heading">Release “{detail.title}”?</h4>
              <p className="decision-warning" data-testid="release-warning">
                This is irreversible: {filesWord(releasing.length)} {releasing.length === 1 ? 'leaves' : 'leave'} the environment (
                {namesText(releasing.map((file) => file.name))}). Supporting files, private comments and evidence stay.
              </p>
              <div className="form-actions">
                <button
                  type="button"
                  className="button warning"
                  disabled={busy}
                  onClick={() =>
                    act(
                      () => client.invoke('airlock.release', base),
                      () =>
                        `Released: ${filesWord(releasing.length)} ${releasing.length === 1 ? 'is' : 'are'} now in the project’s ledger of released outputs.`,
                      'The request was not released. Nothing was changed.',
                    )
                  }
                  data-testid="release-confirm"
                >
                  {busy ? 'Releasing…' : `Release ${filesWord(releasing.length)}`}
                </button>
                <button type="button" className="button secondary" disabled={busy} onClick={() => setConfirming(null)}>
                  Cancel
                </button>
              </div>
            </div>
          ) : (
            <button
              type="button"
              className="button"
              disabled={busy}
              onClick={() => {
                setError(null);
                setConfirming('release');
              }}
              data-testid="release-request"
            >
              Release…
            </button>
          )}
        </div>
      ) : null}

      {may('reject') ? (
        <div className="decision" data-testid="decision-reject">
          {confirming === 'reject' ? (
            <ReasonConfirm
              id="reject"
              title={`Reject “${detail.title}”?`}
              warning="Nothing in it will be released, and it cannot be submitted again: the analyst must start a new request."
              label="Reason (the analyst and the audit log keep it)"
              confirmLabel="Reject the request"
              busy={busy}
              onProblem={setError}
              onCancel={() => setConfirming(null)}
              onConfirm={(reason) =>
                act(
                  () => client.invoke('airlock.reject', { ...base, reason }),
                  () => 'Rejected. The analyst is told, with your reason.',
                  'The request was not rejected. Nothing was changed.',
                )
              }
            />
          ) : (
            <button
              type="button"
              className="button warning"
              disabled={busy}
              onClick={() => {
                setError(null);
                setConfirming('reject');
              }}
              data-testid="reject-request"
            >
              Reject…
            </button>
          )}
        </div>
      ) : null}

      {may('revoke') ? (
        <div className="decision" data-testid="decision-revoke">
          {confirming === 'revoke' ? (
            <ReasonConfirm
              id="revoke"
              title={`Revoke the release of “${detail.title}”?`}
              warning="Its outputs stay in the ledger, marked revoked, and can no longer be exported. Copies already exported are not recalled."
              label="Reason (the analyst and the audit log keep it)"
              confirmLabel="Revoke the release"
              busy={busy}
              onProblem={setError}
              onCancel={() => setConfirming(null)}
              onConfirm={(reason) =>
                act(
                  () => client.invoke('airlock.revoke', { ...base, reason }),
                  () => 'Revoked. Its outputs can no longer be exported.',
                  'The release was not revoked. Nothing was changed.',
                )
              }
            />
          ) : (
            <button
              type="button"
              className="button warning"
              disabled={busy}
              onClick={() => {
                setError(null);
                setConfirming('revoke');
              }}
              data-testid="revoke-request"
            >
              Revoke the release…
            </button>
          )}
        </div>
      ) : null}

      <ErrorMessage testId="decision-error" title="Nothing was changed" text={error}>
        <button type="button" className="button secondary" onClick={props.onReadAgain} data-testid="decision-read-again">
          Read the request again
        </button>
      </ErrorMessage>
    </section>
  );
}
