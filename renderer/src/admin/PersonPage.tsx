// One person's page (#/admin/people/<id>): their record as the platform holds it, the changes waiting for a second
// administrator, what can be changed (each with a reason), and their history from the audit log, newest first: what
// they did and what was done about them, in words where the event is known. The heading takes the focus when the page
// opens, so keyboard and screen-reader users land on it.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { Person, PersonChangeResult, PersonDetail } from '../../../src/common/people.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { adminHashOf } from './admin-screens.ts';
import { formatEventTime } from './audit-summary.ts';
import { ChangeAnswer, PendingChanges } from './PendingChanges.tsx';
import { PersonChangeForm } from './PersonChangeForm.tsx';
import {
  historyInWords,
  lastSignInInWords,
  rolesInWords,
  STATUS_BADGES,
  STATUS_LABELS,
  STATUS_MEANINGS,
  TERMS_BADGES,
  TERMS_LABELS,
  TRAINING_BADGES,
  TRAINING_LABELS,
} from './people-text.ts';
import { useAdminRead } from './use-admin-read.ts';

function RecordFacts(props: { person: Person }) {
  const { person } = props;
  const checked = person.verification;
  return (
    <dl className="facts person-facts" data-testid="person-record">
      <dt>Username</dt>
      <dd>
        <code>{person.id}</code>
      </dd>
      <dt>Status</dt>
      <dd data-testid="person-status">
        <span className={`badge status ${STATUS_BADGES[person.status]}`}>{STATUS_LABELS[person.status]}</span>{' '}
        <span className="hint">{STATUS_MEANINGS[person.status]}</span>
      </dd>
      <dt>Roles</dt>
      <dd data-testid="person-roles">{rolesInWords(person.roles)}</dd>
      <dt>Email</dt>
      <dd>{person.email ?? <span className="hint">Not given</span>}</dd>
      <dt>Organisation</dt>
      <dd>{person.organisation ?? <span className="hint">Not given</span>}</dd>
      <dt>Identity</dt>
      <dd data-testid="person-identity">
        {person.bound
          ? `Bound at ${person.issuer === 'embedded' ? 'the platform’s own identity provider' : (person.issuer ?? 'the identity provider')}`
          : 'Not bound yet: they enrol with their code'}
      </dd>
      <dt>Identity checked</dt>
      <dd>
        {checked === null ? (
          <span className="hint">Not recorded</span>
        ) : (
          <>
            {checked.method}
            {checked.by !== null ? `, by ${checked.by}` : ''}
            {checked.at !== null ? `, ${formatEventTime(checked.at)}` : ''}
          </>
        )}
      </dd>
      <dt>Accreditation</dt>
      <dd>{person.accreditation.length === 0 ? <span className="hint">None recorded</span> : person.accreditation.join('; ')}</dd>
      <dt>Registered</dt>
      <dd>
        {person.createdAt !== null
          ? `${formatEventTime(person.createdAt)}${person.createdBy === null ? '' : ` by ${person.createdBy}`}`
          : person.createdBy !== null
            ? `By ${person.createdBy}`
            : 'Not recorded'}
      </dd>
      <dt>Last sign-in</dt>
      <dd>{lastSignInInWords(person.lastSignInAt)}</dd>
      <dt>Terms of use</dt>
      <dd>
        <span className={`badge status ${TERMS_BADGES[person.terms]}`}>{TERMS_LABELS[person.terms]}</span>
      </dd>
      <dt>Training</dt>
      <dd>
        <span className={`badge status ${TRAINING_BADGES[person.training]}`}>{TRAINING_LABELS[person.training]}</span>{' '}
        <a href={adminHashOf('training')}>See their courses under Training</a>
      </dd>
    </dl>
  );
}

/** The platform answers at most this many events of a person's history. */
const HISTORY_LIMIT = 200;

function History(props: { history: PersonDetail['history'] }) {
  const { history } = props;
  return (
    <section className="panel" aria-labelledby="person-history-heading" data-testid="person-history">
      <h3 id="person-history-heading">History</h3>
      <p className="hint">
        From the audit log, newest first: what they did, and what was done about them.
        {history.length >= HISTORY_LIMIT ? ` Only the latest ${HISTORY_LIMIT} events are shown; the full log is under Audit log.` : ''}
      </p>
      {history.length === 0 ? (
        <p className="hint">The audit log records nothing by or about them yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="fields history-table" data-testid="person-history-table">
            <caption className="visually-hidden">Their history, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                <th scope="col">By</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {history.map((event) => {
                const line = historyInWords(event);
                return (
                  <tr key={event.seq} data-testid="history-event" data-type={event.type}>
                    <td className="audit-time">
                      <time dateTime={event.occurredAt}>{formatEventTime(event.occurredAt)}</time>
                    </td>
                    <td>
                      <span data-testid="history-what">{line.what}</span>
                      {event.outcome === 'failure' ? (
                        <>
                          {' '}
                          <span className="badge status bad">Failed</span>
                        </>
                      ) : null}
                    </td>
                    <td data-testid="history-actor">{event.actor ?? <span className="hint">nobody signed in</span>}</td>
                    <td className="history-details" data-testid="history-details">
                      {line.details || <span className="hint">No details</span>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function PersonPage(props: {
  client: Client;
  userId: string;
  me: string;
  /** Names by id (from the people list), for pending changes. */
  names: ReadonlyMap<string, string>;
  /** A change was made: the people list is read again too. */
  onChanged: () => void;
}) {
  const { client, userId, me, names, onChanged } = props;
  const read = useCallback(() => client.invoke('admin.person', { userId }), [client, userId]);
  const detail = useAdminRead(read, 'This person could not be read.');
  const heading = useRef<HTMLHeadingElement>(null);
  const person = detail.value?.person ?? null;

  // Land on the heading when the page opens (not on every reading after a change).
  const opened = person !== null;
  useEffect(() => {
    if (opened) heading.current?.focus();
  }, [opened]);

  const { refresh } = detail;
  const changed = useCallback((): void => {
    refresh();
    onChanged();
  }, [refresh, onChanged]);
  const [decided, setDecided] = useState<PersonChangeResult | null>(null);

  return (
    <div className="person-page" aria-busy={detail.loading} data-testid="person-page" data-answered={detail.answered}>
      <p className="back-link">
        <a href={adminHashOf('people')} data-testid="back-to-people">
          ← All people
        </a>
      </p>
      <ErrorMessage testId="person-error" title="This person could not be read" text={detail.error}>
        <button type="button" className="button secondary" onClick={detail.refresh}>
          Try again
        </button>
      </ErrorMessage>
      {person === null ? (
        detail.error === null ? (
          <p className="hint">Reading {userId}…</p>
        ) : null
      ) : (
        <>
          <h2 id="person-heading" tabIndex={-1} ref={heading} data-testid="person-name">
            {person.displayName}
          </h2>
          <div className="person-grid">
            <section className="panel" aria-labelledby="person-record-heading">
              <h3 id="person-record-heading">Record</h3>
              <RecordFacts person={person} />
              <div role="status">{decided ? <ChangeAnswer result={decided} testId="person-decision" /> : null}</div>
              {detail.value !== null && detail.value.pending.length > 0 ? (
                <>
                  <h4>Waiting for a second administrator</h4>
                  <PendingChanges
                    client={client}
                    pending={detail.value.pending}
                    names={names}
                    me={me}
                    onDecided={(result) => {
                      setDecided(result);
                      changed();
                    }}
                  />
                </>
              ) : null}
            </section>
            {person.id === me ? (
              <section className="panel" aria-labelledby="person-change-heading">
                <h3 id="person-change-heading">Change</h3>
                <p className="hint" data-testid="person-is-me">
                  This is you. Nobody changes their own roles or status: another administrator does.
                </p>
              </section>
            ) : (
              <PersonChangeForm key={person.id} client={client} person={person} onChanged={changed} />
            )}
          </div>
          {detail.value !== null ? <History history={detail.value.history} /> : null}
        </>
      )}
    </div>
  );
}
