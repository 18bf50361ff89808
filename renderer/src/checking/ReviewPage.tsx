// A checker's review of one release request (issue 16): what it is (project, author, state, round), the analyst's
// context, the reviews of the round, its files (each with the engine's verdict, the mitigation applied and the
// checkers' decision, and my vote) with the chosen file reviewed beside them, comments on the whole request, what the
// checker may decide now, and the request's history. Every answer of an action replaces the page's request, so the
// next action sends the newest version.
import { useEffect, useRef, useState } from 'react';
import type { RequestDetail } from '../../../src/common/airlock.ts';
import type { Client } from '../../../src/common/client.ts';
import { formatEventTime } from '../admin/audit-summary.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import {
  DECISION_LABELS,
  DECISION_WORD,
  decisionTone,
  FROZEN_HINT,
  FROZEN_LABEL,
  MITIGATION_LABELS,
  MITIGATION_WORD,
  STATE_HINTS,
  STATE_LABELS,
  stateTone,
  VERDICT_LABELS,
  VERDICT_WORD,
  verdictTone,
  VOTE_LABELS,
} from './checking-words.ts';
import { CommentForm, CommentList } from './Comments.tsx';
import { DecisionPanel } from './DecisionPanel.tsx';
import { FileReview } from './FileReview.tsx';
import { commentsOn, isBlinded, myVote } from './review-rules.ts';
import { useRequest } from '../airlock/use-request.ts';

const EVENT_WORDS: Readonly<Record<RequestDetail['history'][number]['event'], string>> = {
  create: 'created it',
  submit: 'submitted it',
  withdraw: 'withdrew it',
  review_completed: 'completed a review',
  votes_changed: 'changed a vote',
  return: 'returned it to the analyst',
  reject: 'rejected it',
  release: 'released it',
  revoke: 'revoked the release',
};

function Files(props: { detail: RequestDetail; chosen: string | null; onChoose: (fileId: string) => void }) {
  const { detail, chosen, onChoose } = props;
  const files = [...detail.files].sort(
    (a, b) => Number(a.withdrawn) - Number(b.withdrawn) || (a.role === b.role ? 0 : a.role === 'output' ? -1 : 1),
  );
  return (
    <nav className="review-files" aria-label="Files of this request">
      <ul className="choice-list" data-testid="review-files">
        {files.map((file) => {
          const mine = myVote(file);
          return (
            <li key={file.id}>
              <button
                type="button"
                className="choice"
                aria-current={file.id === chosen}
                onClick={() => onChoose(file.id)}
                data-testid="review-file"
                data-file-id={file.id}
                data-file-name={file.name}
              >
                <span className="choice-title">{file.name}</span>
                <span className="choice-meta">
                  {file.role === 'supporting' ? 'Supporting file (never released)' : (file.title ?? 'Output')}
                  {file.withdrawn ? ' · withdrawn' : ''}
                  {file.changedSinceReview ? ' · changed since your review' : ''}
                </span>
                {file.role === 'output' && !file.withdrawn ? (
                  <span className="file-words">
                    {file.verdict !== null ? (
                      <span className={`badge status ${verdictTone(file.verdict)}`} title={VERDICT_WORD}>
                        <span className="visually-hidden">{VERDICT_WORD}: </span>
                        {VERDICT_LABELS[file.verdict]}
                      </span>
                    ) : null}
                    {file.mitigation !== null ? (
                      <span className="badge status over" title={MITIGATION_WORD}>
                        <span className="visually-hidden">{MITIGATION_WORD}: </span>
                        {MITIGATION_LABELS[file.mitigation]}
                      </span>
                    ) : null}
                    <span
                      className={`badge status ${decisionTone(file.decision)}`}
                      title={DECISION_WORD}
                      data-testid="review-file-decision"
                    >
                      <span className="visually-hidden">{DECISION_WORD}: </span>
                      {DECISION_LABELS[file.decision]}
                    </span>
                    <span className="choice-meta" data-testid="review-file-my-vote">
                      {mine ? `Your vote: ${VOTE_LABELS[mine.vote]}` : 'You have not voted'}
                    </span>
                  </span>
                ) : null}
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

export function ReviewPage(props: { client: Client; requestId: string; onBack: () => void }) {
  const { client, requestId, onBack } = props;
  const request = useRequest(client, requestId);
  const { detail } = request;
  const [chosen, setChosen] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
  }, []);

  // The first output file not withdrawn is open when the page is read; the checker's choice holds after that.
  const firstFile = detail?.files.find((file) => file.role === 'output' && !file.withdrawn) ?? detail?.files[0] ?? null;
  const file = detail?.files.find((f) => f.id === chosen) ?? firstFile;

  return (
    <div
      className="review-page"
      aria-busy={request.loading}
      data-testid="review-page"
      data-answered={request.answered}
      data-request-id={requestId}
    >
      <div className="review-top">
        <button type="button" className="link-button" onClick={onBack} data-testid="review-back">
          ← Back to the queue
        </button>
        <button
          type="button"
          className="button secondary"
          disabled={request.loading}
          onClick={request.refresh}
          data-testid="review-refresh"
        >
          {request.loading ? 'Reading…' : 'Read again'}
        </button>
      </div>
      <ErrorMessage testId="review-error" title="The request could not be read" text={request.error} />
      <section className="panel" aria-labelledby="review-heading">
        <h2 id="review-heading" tabIndex={-1} ref={heading} data-testid="review-title">
          {detail?.title ?? 'Release request'}
        </h2>
        {detail === null ? (
          request.error === null ? (
            <p className="hint">Reading the request…</p>
          ) : null
        ) : (
          <>
            <div className="review-standing">
              <span className={`badge status ${stateTone(detail.state)}`} data-testid="review-state" data-state={detail.state}>
                {STATE_LABELS[detail.state]}
              </span>
              {detail.frozen === true ? (
                <span className="badge status bad" data-testid="review-frozen-badge">
                  {FROZEN_LABEL}
                </span>
              ) : null}
              <span className="hint">{STATE_HINTS[detail.state]}</span>
            </div>
            {detail.frozen === true ? (
              <p className="frozen" data-testid="review-frozen">
                {FROZEN_HINT}
              </p>
            ) : null}
            <dl className="facts review-facts">
              <dt>Project</dt>
              <dd>{detail.projectName}</dd>
              <dt>Analyst</dt>
              <dd>{detail.author.name}</dd>
              <dt>Submitted</dt>
              <dd>{detail.submittedAt ? formatEventTime(detail.submittedAt) : 'Not yet'}</dd>
              <dt>Round of review</dt>
              <dd data-testid="review-round">{detail.round > 1 ? `${detail.round} (resubmitted after a return)` : detail.round}</dd>
              <dt>Request id</dt>
              <dd>
                <code>{detail.id}</code>
              </dd>
            </dl>
            <h3>The analyst’s context</h3>
            <dl className="facts context-facts" data-testid="review-context">
              <dt>What the outputs show, and why</dt>
              <dd>{detail.context.description || '—'}</dd>
              <dt>Population and denominator</dt>
              <dd>{detail.context.population || '—'}</dd>
              <dt>Relationship to earlier outputs</dt>
              <dd>{detail.context.relationship || '—'}</dd>
            </dl>
            <h3>Reviews of this round</h3>
            {detail.reviews.length === 0 ? <p className="hint">No review has started.</p> : null}
            <ul className="review-list" data-testid="review-reviews">
              {detail.reviews.map((review) => (
                <li key={review.checkerId}>
                  {review.name}: {review.completedAt ? `complete (${formatEventTime(review.completedAt)})` : 'under way'}
                </li>
              ))}
            </ul>
            {isBlinded(detail) ? (
              <p className="blinded" data-testid="review-blinded">
                Blinded: the other checker’s votes and comments are hidden until both reviews are complete.
              </p>
            ) : null}
          </>
        )}
      </section>
      {detail !== null ? (
        <>
          <div className="review-grid">
            <Files detail={detail} chosen={file?.id ?? null} onChoose={setChosen} />
            {file ? (
              <FileReview key={file.id} client={client} detail={detail} file={file} onChanged={request.replace} />
            ) : (
              <section className="panel">
                <p className="hint">This request has no files.</p>
              </section>
            )}
          </div>
          <DecisionPanel client={client} detail={detail} onChanged={request.replace} onReadAgain={request.refresh} />
          <section className="panel" aria-labelledby="request-comments-heading">
            <h3 id="request-comments-heading">Comments on the whole request</h3>
            <CommentList
              comments={commentsOn(detail.comments, null)}
              dimensions={[]}
              empty="No comments on the whole request yet."
              testId="request-comments"
            />
            {detail.actions.includes('comment') ? (
              <CommentForm client={client} requestId={detail.id} fileId={null} cells={[]} dimensions={[]} onAdded={request.replace} />
            ) : null}
          </section>
          <section className="panel" aria-labelledby="history-heading">
            <h3 id="history-heading">History</h3>
            <ol className="history-list" data-testid="review-history">
              {detail.history.map((entry, i) => (
                <li key={`${entry.at}-${i}`}>
                  <span className="history-time">{formatEventTime(entry.at)}</span> {entry.by.name} {EVENT_WORDS[entry.event]}
                  {entry.fromState !== entry.toState ? ` (${STATE_LABELS[entry.toState].toLowerCase()})` : ''}
                  {entry.reason ? `: “${entry.reason}”` : ''}
                </li>
              ))}
            </ol>
          </section>
        </>
      ) : null}
    </div>
  );
}
