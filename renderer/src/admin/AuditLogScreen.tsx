// The administrators' audit log: every event the platform recorded, newest first, a page at a time, filtered by user,
// project, event type (or its start, such as "query.") and time. Read-only: the platform seals each event into a chain
// that `enclave audit verify` checks.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { AUDIT_PAGE_SIZE, type AuditEventView, type AuditFilter } from '../../../src/common/agreement-views.ts';
import type { Client } from '../../../src/common/client.ts';
import { formatCount } from '../shell/format.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { EMPTY_AUDIT_FILTER, isFiltered, readAuditFilter, type AuditFilterForm } from './audit-filter.ts';
import { formatEventTime, summariseAudit } from './audit-summary.ts';
import './admin.css';

/** Starts of event types people look for; any other type can be typed. */
const TYPE_SUGGESTIONS = ['query.', 'session.', 'auth.', 'agreement.', 'audit.'];

function EventRow(props: { event: AuditEventView }) {
  const { event } = props;
  const summary = summariseAudit(event);
  return (
    <tr data-testid="audit-event" data-seq={event.seq}>
      <td className="audit-time">
        <time dateTime={event.occurredAt}>{formatEventTime(event.occurredAt)}</time>
      </td>
      <td data-testid="audit-actor">{event.actor ?? <span className="hint">none</span>}</td>
      <td>
        <code data-testid="audit-type">{event.type}</code>
      </td>
      <td>
        <span className={`badge status ${event.outcome === 'success' ? 'good' : 'bad'}`} data-testid="audit-outcome">
          {event.outcome === 'success' ? 'Success' : 'Failure'}
        </span>
      </td>
      <td className="audit-details" data-testid="audit-details">
        {summary.text ? <span>{summary.text}</span> : null}
        {summary.sql !== null ? <code className="audit-sql">{summary.sql}</code> : null}
        {summary.rest.length > 0 ? <span className="audit-rest">{summary.rest.join(' · ')}</span> : null}
        {!summary.text && summary.sql === null && summary.rest.length === 0 ? <span className="hint">No details</span> : null}
      </td>
    </tr>
  );
}

export function AuditLogScreen(props: { client: Client }) {
  const { client } = props;
  const [form, setForm] = useState<AuditFilterForm>(EMPTY_AUDIT_FILTER);
  const [filter, setFilter] = useState<AuditFilter>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [events, setEvents] = useState<AuditEventView[]>([]);
  const [older, setOlder] = useState<number | null>(null);
  const [loading, setLoading] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  /** How many answers (or failures) have been shown: lets a test wait for the one it asked for. */
  const [answered, setAnswered] = useState(0);
  /** Only the newest request's answer is shown: a filter changed meanwhile makes older answers stale. */
  const request = useRef(0);

  const load = useCallback(
    (options: { filter: AuditFilter; before: number | null }) => {
      const id = ++request.current;
      setLoading(true);
      setError(null);
      const asked = options.before === null ? options.filter : { ...options.filter, before: options.before };
      client.invoke('admin.audit', { filter: { ...asked, limit: AUDIT_PAGE_SIZE } }).then(
        (page) => {
          if (id !== request.current) return;
          setEvents((current) => (options.before === null ? page.events : [...current, ...page.events]));
          setOlder(page.older);
          setLoaded(true);
          setLoading(false);
          setAnswered((n) => n + 1);
        },
        (err: unknown) => {
          if (id !== request.current) return;
          setError(messageOf(err, 'The audit log could not be read.'));
          setLoading(false);
          setAnswered((n) => n + 1);
        },
      );
    },
    [client],
  );

  useEffect(() => load({ filter, before: null }), [load, filter, attempt]);

  const apply = (event: FormEvent): void => {
    event.preventDefault();
    const reading = readAuditFilter(form);
    if (!reading.ok) {
      setFormError(reading.message);
      return;
    }
    setFormError(null);
    setFilter(reading.filter);
    setAttempt((n) => n + 1);
  };

  const clear = (): void => {
    setForm(EMPTY_AUDIT_FILTER);
    setFormError(null);
    setFilter({});
    setAttempt((n) => n + 1);
  };

  const field = (key: keyof AuditFilterForm) => ({
    value: form[key],
    onChange: (event: { target: { value: string } }) => setForm((current) => ({ ...current, [key]: event.target.value })),
  });

  const filtered = isFiltered(filter);
  return (
    <section className="panel" aria-labelledby="audit-heading" aria-busy={loading} data-testid="audit-log" data-answered={answered}>
      <h2 id="audit-heading">Audit log</h2>
      <p>
        Everything the platform recorded: sign-ins, sessions, agreement changes and the queries run on project data, newest first. The log
        is read-only here; <code>enclave audit verify</code> checks that no event was changed or removed.
      </p>
      <form className="controls audit-filter" aria-label="Filter the audit log" onSubmit={apply} data-testid="audit-filter">
        <div className="field">
          <label htmlFor="audit-actor">User</label>
          <input
            id="audit-actor"
            type="text"
            autoComplete="off"
            spellCheck={false}
            placeholder="demo-analyst"
            data-testid="audit-filter-actor"
            {...field('actor')}
          />
        </div>
        <div className="field">
          <label htmlFor="audit-project">Project</label>
          <input
            id="audit-project"
            type="text"
            autoComplete="off"
            spellCheck={false}
            placeholder="covid-outcomes"
            data-testid="audit-filter-project"
            {...field('projectId')}
          />
        </div>
        <div className="field">
          <label htmlFor="audit-type">Event type, or its start</label>
          <input
            id="audit-type"
            type="text"
            autoComplete="off"
            spellCheck={false}
            list="audit-type-suggestions"
            placeholder="query."
            data-testid="audit-filter-type"
            {...field('typePrefix')}
          />
          <datalist id="audit-type-suggestions">
            {TYPE_SUGGESTIONS.map((prefix) => (
              <option key={prefix} value={prefix} />
            ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor="audit-from">From</label>
          <input id="audit-from" type="datetime-local" data-testid="audit-filter-from" {...field('from')} />
        </div>
        <div className="field">
          <label htmlFor="audit-to">To (not including)</label>
          <input id="audit-to" type="datetime-local" data-testid="audit-filter-to" {...field('to')} />
        </div>
        <div className="audit-filter-actions">
          <button type="submit" className="button" data-testid="audit-apply">
            Apply filter
          </button>
          <button type="button" className="button secondary" data-testid="audit-clear" onClick={clear}>
            Clear
          </button>
        </div>
      </form>
      <p className="hint">
        User finds what that person did, and the failed sign-ins made with their username. Project finds the events that name it. Times are
        this computer’s.
      </p>
      <ErrorMessage testId="audit-filter-error" title="Check the filter" text={formError} />
      <ErrorMessage testId="audit-error" title="The audit log could not be read" text={error}>
        <button type="button" className="button secondary" onClick={() => setAttempt((n) => n + 1)}>
          Try again
        </button>
      </ErrorMessage>
      <p role="status" className="audit-count" data-testid="audit-count">
        {!loaded
          ? 'Reading the audit log…'
          : events.length === 0
            ? filtered
              ? 'No event matches the filter.'
              : 'The audit log is empty.'
            : `${formatCount(events.length)} ${events.length === 1 ? 'event' : 'events'}${filtered ? ' matching the filter' : ''}, newest first${older === null ? '' : '; older ones follow'}.`}
      </p>
      {events.length > 0 ? (
        <div className="table-wrap">
          <table className="fields audit-table" data-testid="audit-table">
            <caption className="visually-hidden">Audit events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">User</th>
                <th scope="col">Event</th>
                <th scope="col">Outcome</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <EventRow key={event.seq} event={event} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {older !== null ? (
        <p className="audit-more">
          <button
            type="button"
            className="button secondary"
            disabled={loading}
            data-testid="audit-older"
            onClick={() => load({ filter, before: older })}
          >
            {loading ? 'Reading…' : 'Show older events'}
          </button>
        </p>
      ) : null}
    </section>
  );
}
