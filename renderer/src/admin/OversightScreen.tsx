// The administrators' oversight screen (issue 18, #/admin/oversight): the security review (what happened since the last
// review, the audit chain, recording a review) with a notice while one is overdue, what expires soon (agreements, DPIA
// reviews, training: days left, or how long ago), and the usage report for a range of days. The platform counts and
// decides; this lays out what it answered.
import { useCallback, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import { EXPIRY_WARNING_DAYS, type Expiries } from '../../../src/common/oversight.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { personHashOf } from './admin-screens.ts';
import { daysBadge, daysLeftText, overdueText } from './oversight-text.ts';
import { SecurityReviewPanel } from './SecurityReviewPanel.tsx';
import { UsagePanel } from './UsagePanel.tsx';
import { useAdminRead } from './use-admin-read.ts';
import './admin.css';
import './incidents.css';
import './people.css';
import './oversight.css';

function DaysLeft(props: { days: number | null }) {
  return (
    <span className={`badge status ${daysBadge(props.days)}`} data-testid="expiry-days">
      {daysLeftText(props.days)}
    </span>
  );
}

function ExpiriesPanel(props: { expiries: Expiries }) {
  const { agreements, dpiaReviews, training } = props.expiries;
  return (
    <section className="panel" aria-labelledby="expiries-heading" data-testid="expiries">
      <h2 id="expiries-heading">Expiries</h2>
      <p className="hint">What ends within {EXPIRY_WARNING_DAYS} days, or has already ended, soonest first.</p>

      <h3 id="expiries-agreements-heading">Agreements</h3>
      {agreements.length === 0 ? (
        <p className="hint" data-testid="expiries-agreements-none">
          None within {EXPIRY_WARNING_DAYS} days.
        </p>
      ) : (
        <table className="fields expiries-table" aria-labelledby="expiries-agreements-heading" data-testid="expiries-agreements">
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Expires</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {[...agreements]
              .sort((a, b) => a.daysLeft - b.daysLeft)
              .map((line) => (
                <tr key={line.projectId} data-testid="expiry-agreement" data-project={line.projectId}>
                  <th scope="row">
                    {line.projectName}
                    <code className="member-id">{line.projectId}</code>
                  </th>
                  <td className="audit-time">{line.expires}</td>
                  <td>
                    <DaysLeft days={line.daysLeft} />
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      )}

      <h3 id="expiries-dpia-heading">DPIA reviews</h3>
      {dpiaReviews.length === 0 ? (
        <p className="hint" data-testid="expiries-dpia-none">
          None due within {EXPIRY_WARNING_DAYS} days.
        </p>
      ) : (
        <table className="fields expiries-table" aria-labelledby="expiries-dpia-heading" data-testid="expiries-dpia">
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Review due</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {[...dpiaReviews]
              .sort((a, b) => a.daysLeft - b.daysLeft)
              .map((line) => (
                <tr key={line.projectId} data-testid="expiry-dpia" data-project={line.projectId}>
                  <th scope="row">
                    {line.projectName}
                    <code className="member-id">{line.projectId}</code>
                  </th>
                  <td className="audit-time">{line.reviewDue}</td>
                  <td>
                    <DaysLeft days={line.daysLeft} />
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      )}

      <h3 id="expiries-training-heading">Training</h3>
      {training.length === 0 ? (
        <p className="hint" data-testid="expiries-training-none">
          Everybody’s required courses are valid for more than {EXPIRY_WARNING_DAYS} days.
        </p>
      ) : (
        <table className="fields expiries-table" aria-labelledby="expiries-training-heading" data-testid="expiries-training">
          <thead>
            <tr>
              <th scope="col">Person</th>
              <th scope="col">Course</th>
              <th scope="col">Expires</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {[...training]
              .sort((a, b) => (a.daysLeft ?? Number.NEGATIVE_INFINITY) - (b.daysLeft ?? Number.NEGATIVE_INFINITY))
              .map((line) => (
                <tr
                  key={`${line.userId}:${line.course}`}
                  data-testid="expiry-training"
                  data-user-id={line.userId}
                  data-course={line.course}
                >
                  <th scope="row">
                    <a href={personHashOf(line.userId)}>{line.displayName}</a>
                  </th>
                  <td>{line.course}</td>
                  <td className="audit-time">{line.expires ?? <span className="hint">No record</span>}</td>
                  <td>
                    <DaysLeft days={line.daysLeft} />
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function OversightScreen(props: { client: Client; shown: boolean }) {
  const { client, shown } = props;
  const read = useCallback(() => client.invoke('admin.securityReview', {}), [client]);
  const review = useAdminRead(read, 'The security review could not be read.', shown);
  const [recorded, setRecorded] = useState<string | null>(null);
  const overdue = review.value === null ? null : overdueText(review.value);

  return (
    <div className="oversight-screen" aria-busy={review.loading} data-testid="oversight-screen" data-answered={review.answered}>
      <ErrorMessage testId="review-error" title="The security review could not be read" text={review.error}>
        <button type="button" className="button secondary" onClick={review.refresh}>
          Try again
        </button>
      </ErrorMessage>
      {overdue !== null ? <Notice kind="notice" testId="review-overdue" text={overdue} /> : null}
      {review.value === null ? (
        review.error === null ? (
          <p className="hint">Reading the security review…</p>
        ) : null
      ) : (
        <div className="oversight-grid">
          <SecurityReviewPanel
            client={client}
            review={review.value}
            loading={review.loading}
            onRefresh={review.refresh}
            recorded={recorded}
            onRecorded={(answer) => {
              setRecorded(`Recorded: the events up to ${answer.lastReview?.upTo ?? answer.since} have been reviewed.`);
              review.refresh();
            }}
          />
          <ExpiriesPanel expiries={review.value.expiries} />
        </div>
      )}
      <UsagePanel client={client} shown={shown} />
    </div>
  );
}
