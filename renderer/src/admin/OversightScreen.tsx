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

/** One project per row, soonest first: an agreement's expiry, or its DPIA review's due date. */
function ProjectExpiries(props: {
  kind: 'agreements' | 'dpia';
  title: string;
  dateTitle: string;
  rowTestId: string;
  lines: ReadonlyArray<{ projectId: string; projectName: string; day: string; daysLeft: number }>;
}) {
  const { kind, title, dateTitle, rowTestId, lines } = props;
  const heading = `expiries-${kind}-heading`;
  return (
    <>
      <h3 id={heading}>{title}</h3>
      {lines.length === 0 ? (
        <p className="hint" data-testid={`expiries-${kind}-none`}>
          {kind === 'agreements' ? 'None' : 'None due'} within {EXPIRY_WARNING_DAYS} days.
        </p>
      ) : (
        <table className="fields expiries-table" aria-labelledby={heading} data-testid={`expiries-${kind}`}>
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">{dateTitle}</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {[...lines]
              .sort((a, b) => a.daysLeft - b.daysLeft)
              .map((line) => (
                <tr key={line.projectId} data-testid={rowTestId} data-project={line.projectId}>
                  <th scope="row">
                    {line.projectName}
                    <code className="member-id">{line.projectId}</code>
                  </th>
                  <td className="audit-time">{line.day}</td>
                  <td>
                    <DaysLeft days={line.daysLeft} />
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function ExpiriesPanel(props: { expiries: Expiries }) {
  const { agreements, dpiaReviews, training } = props.expiries;
  return (
    <section className="panel" aria-labelledby="expiries-heading" data-testid="expiries">
      <h2 id="expiries-heading">Expiries</h2>
      <p className="hint">What ends within {EXPIRY_WARNING_DAYS} days, or has already ended, soonest first.</p>

      <ProjectExpiries
        kind="agreements"
        title="Agreements"
        dateTitle="Expires"
        rowTestId="expiry-agreement"
        lines={agreements.map((line) => ({
          projectId: line.projectId,
          projectName: line.projectName,
          day: line.expires,
          daysLeft: line.daysLeft,
        }))}
      />
      <ProjectExpiries
        kind="dpia"
        title="DPIA reviews"
        dateTitle="Review due"
        rowTestId="expiry-dpia"
        lines={dpiaReviews.map((line) => ({
          projectId: line.projectId,
          projectName: line.projectName,
          day: line.reviewDue,
          daysLeft: line.daysLeft,
        }))}
      />

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
