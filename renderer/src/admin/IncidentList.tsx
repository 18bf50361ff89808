// The incidents an administrator has opened (newest first as the platform lists them): severity, status, who opened it
// and when, whether personal data may be involved; opening one, and closing an open one with its resolution. Actions of
// the kill switch name an open incident (./ActionPanel.tsx).
import { useState, type FormEvent } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { Incident, IncidentSeverity } from '../../../src/common/incidents.ts';
import { useSubmission } from './use-submission.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { formatEventTime } from './audit-summary.ts';
import { localInputOf, readIncidentForm, SEVERITIES, SEVERITY_LABELS, severityBadge, type IncidentForm } from './kill-switch-text.ts';

const freshForm = (): IncidentForm => ({ summary: '', severity: 'high', detectedAt: localInputOf(new Date()), personalData: false });

function OpenIncidentForm(props: { client: Client; onOpened: (incident: Incident) => void }) {
  const { client, onOpened } = props;
  const [form, setForm] = useState<IncidentForm>(freshForm);
  const { busy, error, setError, send } = useSubmission();

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const reading = readIncidentForm(form);
    if (!reading.ok) {
      setError(reading.message);
      return;
    }
    send(
      () => client.invoke('admin.openIncident', reading.value),
      (incident) => {
        setForm(freshForm());
        onOpened(incident);
      },
      'The incident could not be opened.',
    );
  };

  return (
    <form className="incident-form" aria-labelledby="open-incident-heading" onSubmit={submit} data-testid="open-incident-form">
      <h3 id="open-incident-heading">Open an incident</h3>
      <div className="field">
        <label htmlFor="incident-summary">Summary</label>
        <input
          id="incident-summary"
          type="text"
          autoComplete="off"
          maxLength={500}
          value={form.summary}
          onChange={(event) => setForm({ ...form, summary: event.target.value })}
          data-testid="incident-summary"
        />
      </div>
      <div className="controls">
        <div className="field">
          <label htmlFor="incident-severity">Severity</label>
          <select
            id="incident-severity"
            value={form.severity}
            onChange={(event) => setForm({ ...form, severity: event.target.value as IncidentSeverity })}
            data-testid="incident-severity"
          >
            {SEVERITIES.map((severity) => (
              <option key={severity} value={severity}>
                {SEVERITY_LABELS[severity]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="incident-detected">Detected at</label>
          <input
            id="incident-detected"
            type="datetime-local"
            value={form.detectedAt}
            onChange={(event) => setForm({ ...form, detectedAt: event.target.value })}
            data-testid="incident-detected"
          />
        </div>
      </div>
      <div className="check">
        <input
          id="incident-personal-data"
          type="checkbox"
          checked={form.personalData}
          onChange={(event) => setForm({ ...form, personalData: event.target.checked })}
          data-testid="incident-personal-data"
        />
        <label htmlFor="incident-personal-data">Personal data may be involved (tell the data protection officer)</label>
      </div>
      <ErrorMessage testId="open-incident-error" title="The incident was not opened" text={error} />
      <button type="submit" className="button" disabled={busy} data-testid="open-incident">
        {busy ? 'Opening…' : 'Open incident'}
      </button>
    </form>
  );
}

function CloseIncidentForm(props: { client: Client; incident: Incident; onClosed: (incident: Incident) => void; onCancel: () => void }) {
  const { client, incident, onClosed, onCancel } = props;
  const [resolution, setResolution] = useState('');
  const { busy, error, send } = useSubmission();

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    send(
      () => client.invoke('admin.closeIncident', { incidentId: incident.id, resolution: resolution.trim() }),
      onClosed,
      'The incident could not be closed.',
    );
  };

  return (
    <form
      className="incident-form inline-form"
      aria-labelledby="close-incident-heading"
      onSubmit={submit}
      data-testid="close-incident-form"
    >
      <h3 id="close-incident-heading">Close “{incident.summary}”</h3>
      <div className="field">
        <label htmlFor="incident-resolution">Resolution: what was found and done</label>
        <textarea
          id="incident-resolution"
          rows={3}
          maxLength={2000}
          value={resolution}
          onChange={(event) => setResolution(event.target.value)}
          data-testid="incident-resolution"
        />
      </div>
      <ErrorMessage testId="close-incident-error" title="The incident was not closed" text={error} />
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy} data-testid="close-incident-confirm">
          {busy ? 'Closing…' : 'Close incident'}
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function IncidentList(props: { client: Client; incidents: readonly Incident[]; onChanged: () => void }) {
  const { client, incidents, onChanged } = props;
  const [closing, setClosing] = useState<string | null>(null);
  const [news, setNews] = useState<string | null>(null);
  const closingIncident = incidents.find((incident) => incident.id === closing && incident.status === 'open') ?? null;

  return (
    <section className="panel" aria-labelledby="incidents-heading" data-testid="incident-list">
      <h2 id="incidents-heading">Incidents</h2>
      <div role="status">{news ? <Notice kind="success" testId="incident-news" text={news} /> : null}</div>
      {incidents.length === 0 ? (
        <p className="hint">No incident has been opened.</p>
      ) : (
        <div className="table-wrap">
          <table className="fields incidents-table" data-testid="incidents-table">
            <caption className="visually-hidden">Incidents, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Incident</th>
                <th scope="col">Severity</th>
                <th scope="col">Status</th>
                <th scope="col">Opened</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {incidents.map((incident) => (
                <tr key={incident.id} data-testid="incident" data-incident-id={incident.id} data-status={incident.status}>
                  <td>
                    <span className="incident-summary" data-testid="incident-row-summary">
                      {incident.summary}
                    </span>
                    <span className="incident-meta">
                      Detected {formatEventTime(incident.detectedAt)}
                      {incident.personalData ? ' · personal data may be involved' : ''}
                    </span>
                    {incident.resolution ? <span className="incident-meta">Resolution: {incident.resolution}</span> : null}
                  </td>
                  <td>
                    <span className={`badge status ${severityBadge(incident.severity)}`} data-testid="incident-severity-badge">
                      {SEVERITY_LABELS[incident.severity]}
                    </span>
                  </td>
                  <td>
                    <span className={`badge status ${incident.status === 'open' ? 'pending' : 'over'}`} data-testid="incident-status">
                      {incident.status === 'open' ? 'Open' : 'Closed'}
                    </span>
                  </td>
                  <td className="incident-opened">
                    {incident.openedBy}
                    <span className="incident-meta">{formatEventTime(incident.openedAt)}</span>
                  </td>
                  <td>
                    {incident.status === 'open' ? (
                      <button
                        type="button"
                        className="link-button"
                        aria-label={`Close incident: ${incident.summary}`}
                        onClick={() => {
                          setNews(null);
                          setClosing(incident.id);
                        }}
                        data-testid="close-incident"
                      >
                        Close
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {closingIncident ? (
        <CloseIncidentForm
          key={closingIncident.id}
          client={client}
          incident={closingIncident}
          onCancel={() => setClosing(null)}
          onClosed={(closed) => {
            setClosing(null);
            setNews(`Closed: ${closed.summary}.`);
            onChanged();
          }}
        />
      ) : null}
      <OpenIncidentForm
        client={client}
        onOpened={(incident) => {
          setNews(`Opened: ${incident.summary}. Actions can now name it.`);
          onChanged();
        }}
      />
    </section>
  );
}
