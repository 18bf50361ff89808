// The security review on the oversight screen (issue 18): what happened since the last review (failed sign-ins, refusals,
// attempts by suspended or disabled accounts), whether the audit chain verifies, who reviewed last and what they found,
// and recording a review up to an event with a note (itself an audit event, so the next review starts after it).
import { useEffect, useState, type FormEvent } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { SecurityReview } from '../../../src/common/oversight.ts';
import { formatCount } from '../shell/format.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { adminHashOf } from './admin-screens.ts';
import { formatEventTime } from './audit-summary.ts';
import { auditChainText, newestFirst, readReviewForm, reviewHeadline, type ReviewForm } from './oversight-text.ts';

/** The most events of one kind listed; the audit log screen has every one. */
const LISTED = 20;

type ReviewEvent = SecurityReview['failedSignIns'][number];

function EventList(props: { id: string; title: string; events: readonly ReviewEvent[] }) {
  const { id, title, events } = props;
  const { shown, more } = newestFirst(events, LISTED);
  return (
    <section className="review-events" aria-labelledby={`${id}-heading`} data-testid={id} data-count={events.length}>
      <h3 id={`${id}-heading`}>
        {title}: <span data-testid={`${id}-count`}>{formatCount(events.length)}</span>
      </h3>
      {events.length === 0 ? (
        <p className="hint">None since the last review.</p>
      ) : (
        <div className="table-wrap">
          <table className="fields review-table">
            <caption className="visually-hidden">{title}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((event) => (
                <tr key={event.seq} data-testid={`${id}-event`}>
                  <td className="number">{event.seq}</td>
                  <td className="audit-time">{formatEventTime(event.occurredAt)}</td>
                  <td>{event.who ?? <span className="hint">Not named</span>}</td>
                  <td>
                    <code>{event.type}</code>
                  </td>
                  <td className="review-reason">{event.reason.replaceAll('_', ' ') || <span className="hint">Not recorded</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {more > 0 ? (
        <p className="hint">
          The {LISTED} newest are listed; {formatCount(more)} more are in the <a href={adminHashOf('audit')}>audit log</a>.
        </p>
      ) : null}
    </section>
  );
}

function RecordReview(props: { client: Client; review: SecurityReview; onRecorded: (review: SecurityReview) => void }) {
  const { client, review, onRecorded } = props;
  const [form, setForm] = useState<ReviewForm>({ upTo: String(review.headSeq), note: '' });
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // A newer read of the log moves the suggestion to its newest event.
  useEffect(() => setForm((current) => ({ ...current, upTo: String(review.headSeq) })), [review.headSeq]);

  const record = (event: FormEvent): void => {
    event.preventDefault();
    const reading = readReviewForm(form);
    if (!reading.ok) {
      setProblem(reading.message);
      return;
    }
    setProblem(null);
    setBusy(true);
    client
      .invoke('admin.recordReview', reading.value)
      .then(
        (answer) => {
          setForm({ upTo: String(answer.headSeq), note: '' });
          onRecorded(answer);
        },
        (err: unknown) => setProblem(messageOf(err, 'The review could not be recorded.')),
      )
      .finally(() => setBusy(false));
  };

  const upTo = /^[0-9]{1,15}$/.test(form.upTo.trim()) ? form.upTo.trim() : 'N';
  return (
    <form
      className="action-form record-review"
      aria-labelledby="record-review-heading"
      onSubmit={record}
      noValidate
      data-testid="record-review"
    >
      <h3 id="record-review-heading">Record a review</h3>
      <p className="hint" id="record-review-hint">
        Say that you have read the events above, up to an event, and what you found. It is recorded in the audit log with your name; the
        next review starts after it.
      </p>
      <div className="field record-review-upto">
        <label htmlFor="record-review-upto">Up to event</label>
        <input
          id="record-review-upto"
          type="text"
          inputMode="numeric"
          autoComplete="off"
          value={form.upTo}
          onChange={(event) => setForm({ ...form, upTo: event.target.value })}
          aria-describedby="record-review-hint"
          data-testid="record-review-upto"
        />
      </div>
      <div className="field">
        <label htmlFor="record-review-note">Note (what was reviewed and found)</label>
        <textarea
          id="record-review-note"
          rows={3}
          maxLength={4000}
          value={form.note}
          onChange={(event) => setForm({ ...form, note: event.target.value })}
          data-testid="record-review-note"
        />
      </div>
      <ErrorMessage testId="record-review-error" title="The review was not recorded" text={problem} />
      <button type="submit" className="button" disabled={busy} data-testid="record-review-submit">
        {busy ? 'Recording…' : `Record review up to event ${upTo}`}
      </button>
    </form>
  );
}

export function SecurityReviewPanel(props: {
  client: Client;
  review: SecurityReview;
  loading: boolean;
  onRefresh: () => void;
  onRecorded: (review: SecurityReview) => void;
  recorded: string | null;
}) {
  const { client, review, loading, onRefresh, onRecorded, recorded } = props;
  const { lastReview } = review;
  return (
    <section className="panel" aria-labelledby="review-heading" data-testid="security-review">
      <div className="panel-top">
        <h2 id="review-heading">Security review</h2>
        <button type="button" className="button secondary" disabled={loading} onClick={onRefresh} data-testid="review-refresh">
          {loading ? 'Reading…' : 'Read again'}
        </button>
      </div>
      <div role="status">{recorded ? <Notice kind="success" testId="review-recorded" text={recorded} /> : null}</div>
      <p className="review-headline" data-testid="review-headline">
        {reviewHeadline(review)}
      </p>
      <dl className="facts review-facts">
        <dt>Audit chain</dt>
        <dd data-testid="review-audit">
          <span className={`badge status ${review.audit.intact ? 'good' : 'bad'}`} data-testid="review-audit-state">
            {review.audit.intact ? 'Intact' : 'Broken'}
          </span>{' '}
          {auditChainText(review.audit.summary)}
        </dd>
        <dt>Last review</dt>
        <dd data-testid="review-last">
          {lastReview === null ? (
            'None recorded yet.'
          ) : (
            <>
              Up to event {lastReview.upTo}, by {lastReview.by ?? 'someone not named'} on {formatEventTime(lastReview.at)}:{' '}
              <q className="review-note">{lastReview.note}</q>
            </>
          )}
        </dd>
      </dl>
      <EventList id="review-failed-sign-ins" title="Failed sign-ins" events={review.failedSignIns} />
      <EventList id="review-refusals" title="Refusals" events={review.refusals} />
      <EventList id="review-suspended" title="Attempts by suspended or disabled accounts" events={review.suspendedAttempts} />
      <RecordReview client={client} review={review} onRecorded={onRecorded} />
    </section>
  );
}
