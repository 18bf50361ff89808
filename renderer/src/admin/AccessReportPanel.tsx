// The access report: what a person or a project touched between two times, from the audit log (sign-ins, catalogue
// reads, queries and samples with the datasets they read and the rows they answered, drive reads and writes with their
// paths and bytes, outputs submitted, released and exported, refusals), oldest first, with totals. What an investigator
// reads first during an incident.
import { useState, type FormEvent } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { AccessReport, KillSwitchOverview } from '../../../src/common/incidents.ts';
import { formatBytes, formatCount } from '../shell/format.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { formatEventTime } from './audit-summary.ts';
import { ACTIVITY_LABELS, localInputOf, readReportForm, reportTotalsInWords, type ReportForm } from './kill-switch-text.ts';

const DAY_MS = 86_400_000;

function freshForm(): ReportForm {
  const now = Date.now();
  // The last week, to the moment the report is asked for (an empty To), so what happened a moment ago is in.
  return { subject: 'person', id: '', from: localInputOf(new Date(now - 7 * DAY_MS)), to: '' };
}

function ReportTable(props: { report: AccessReport }) {
  const { report } = props;
  return (
    <div className="table-wrap">
      <table className="fields report-table" data-testid="report-table">
        <caption className="visually-hidden">
          Activity of {report.subject.kind} {report.subject.id}, oldest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Activity</th>
            <th scope="col">{report.subject.kind === 'person' ? 'Project' : 'Who'}</th>
            <th scope="col">Datasets</th>
            <th scope="col">Rows</th>
            <th scope="col">Bytes</th>
            <th scope="col">Outcome</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {report.entries.map((entry) => (
            <tr key={entry.seq} data-testid="report-entry" data-activity={entry.activity}>
              <td className="audit-time">
                <time dateTime={entry.occurredAt}>{formatEventTime(entry.occurredAt)}</time>
              </td>
              <td>
                {ACTIVITY_LABELS[entry.activity]}
                <span className="incident-meta">
                  <code>{entry.type}</code>
                </span>
              </td>
              <td>{(report.subject.kind === 'person' ? entry.projectId : entry.actor) ?? <span className="hint">none</span>}</td>
              <td>{entry.datasets.length > 0 ? entry.datasets.join(', ') : <span className="hint">none</span>}</td>
              <td className="number">{entry.rows === null ? '' : formatCount(entry.rows)}</td>
              <td className="number">{entry.bytes === null ? '' : formatBytes(entry.bytes)}</td>
              <td>
                <span className={`badge status ${entry.outcome === 'success' ? 'good' : 'bad'}`}>
                  {entry.outcome === 'success' ? 'Success' : 'Failure'}
                </span>
              </td>
              <td className="audit-details">{entry.detail === '' ? null : <code className="audit-sql">{entry.detail}</code>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AccessReportPanel(props: { client: Client; overview: KillSwitchOverview }) {
  const { client, overview } = props;
  const [form, setForm] = useState<ReportForm>(freshForm);
  const [report, setReport] = useState<AccessReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [answered, setAnswered] = useState(0);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const reading = readReportForm(form);
    if (!reading.ok) {
      setError(reading.message);
      return;
    }
    setError(null);
    setBusy(true);
    client
      .invoke('admin.accessReport', reading.value)
      .then(setReport, (err: unknown) => {
        setReport(null);
        setError(messageOf(err, 'The access report could not be made.'));
      })
      .finally(() => {
        setBusy(false);
        setAnswered((n) => n + 1);
      });
  };

  const choices =
    form.subject === 'person'
      ? overview.people.map((person) => ({ id: person.id, label: `${person.name} (${person.id})` }))
      : overview.projects.map((project) => ({ id: project.id, label: `${project.name} (${project.id})` }));

  return (
    <section className="panel" aria-labelledby="report-heading" aria-busy={busy} data-testid="access-report" data-answered={answered}>
      <h2 id="report-heading">Access report</h2>
      <p className="hint">
        What a person or a project touched, from the audit log: sign-ins, reads, queries and samples, drive reads and writes, outputs
        submitted, released and exported, and refusals. A person’s report includes the releases and exports of their own requests.
      </p>
      <form className="controls" aria-labelledby="report-heading" onSubmit={submit} data-testid="report-form">
        <fieldset className="choices inline">
          <legend>Of</legend>
          {(['person', 'project'] as const).map((subject) => (
            <div className="choice-radio" key={subject}>
              <input
                type="radio"
                id={`report-${subject}`}
                name="report-subject"
                checked={form.subject === subject}
                onChange={() => setForm({ ...form, subject, id: '' })}
                data-testid={`report-${subject}`}
              />
              <label htmlFor={`report-${subject}`}>{subject === 'person' ? 'A person' : 'A project'}</label>
            </div>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="report-id">{form.subject === 'person' ? 'Person' : 'Project'}</label>
          <select id="report-id" value={form.id} onChange={(event) => setForm({ ...form, id: event.target.value })} data-testid="report-id">
            <option value="">Choose…</option>
            {choices.map((choice) => (
              <option key={choice.id} value={choice.id}>
                {choice.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="report-from">From</label>
          <input
            id="report-from"
            type="datetime-local"
            value={form.from}
            onChange={(event) => setForm({ ...form, from: event.target.value })}
            data-testid="report-from"
          />
        </div>
        <div className="field">
          <label htmlFor="report-to">To (not including; empty: now)</label>
          <input
            id="report-to"
            type="datetime-local"
            value={form.to}
            onChange={(event) => setForm({ ...form, to: event.target.value })}
            data-testid="report-to"
          />
        </div>
        <button type="submit" className="button" disabled={busy} data-testid="report-show">
          {busy ? 'Reading…' : 'Show report'}
        </button>
      </form>
      <ErrorMessage testId="report-error" title="No report" text={error} />
      <div role="status">
        {report ? (
          <p className="audit-count" data-testid="report-totals">
            {reportTotalsInWords(report)}
          </p>
        ) : null}
      </div>
      {report ? (
        <>
          <p className="hint">
            {report.subject.kind === 'person' ? 'Person' : 'Project'} <code>{report.subject.id}</code>, {formatEventTime(report.from)} to{' '}
            {formatEventTime(report.to)}; made {formatEventTime(report.generatedAt)}. Times are this computer’s.
          </p>
          {report.entries.length > 0 ? <ReportTable report={report} /> : null}
        </>
      ) : null}
    </section>
  );
}
