// The project's release requests, newest first as the platform lists them (issue 16): each with its state, its age, its
// files and who asked; the title opens the request's page. A new request can be started here (its title and context;
// its outputs come from results, through "Make an output").
import { useState, type FormEvent } from 'react';
import type { RequestContext, RequestDetail, RequestSummary } from '../../../src/common/airlock.ts';
import type { Client } from '../../../src/common/client.ts';
import { formatEventTime } from '../admin/audit-summary.ts';
import { useSubmission } from '../admin/use-submission.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { STATE_LABELS, stateTone } from './airlock-words.ts';
import { outputsHashOf } from './outputs-address.ts';
import { ageOf, filesText } from './request-age.ts';

const EMPTY_CONTEXT: RequestContext = { description: '', population: '', relationship: '' };

function NewRequestForm(props: { client: Client; projectId: string; onCreated: (detail: RequestDetail) => void; onCancel: () => void }) {
  const { client, projectId, onCreated, onCancel } = props;
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const { busy, error, send } = useSubmission();

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    send(
      () => client.invoke('airlock.create', { projectId, title: title.trim(), context: { ...EMPTY_CONTEXT, description } }),
      onCreated,
      'The release request was not created.',
    );
  };

  return (
    <form className="inline-form new-request-form" onSubmit={submit} aria-labelledby="new-request-heading" data-testid="new-request-form">
      <h3 id="new-request-heading">New release request</h3>
      <div className="field">
        <label htmlFor="new-request-title">Title</label>
        <input
          id="new-request-title"
          type="text"
          autoComplete="off"
          maxLength={200}
          value={title}
          onChange={(event) => setTitle(event.target.value)}
          data-testid="new-request-title"
        />
      </div>
      <div className="field">
        <label htmlFor="new-request-description">Description: what the outputs will show, and why they are needed</label>
        <textarea
          id="new-request-description"
          rows={3}
          maxLength={5000}
          value={description}
          onChange={(event) => setDescription(event.target.value)}
          data-testid="new-request-description"
        />
      </div>
      <p className="hint">
        The rest of the context (population and denominator, relationship to earlier outputs) goes on the request’s page.
      </p>
      <ErrorMessage testId="new-request-error" title="The request was not created" text={error} />
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy || title.trim().length === 0} data-testid="create-request">
          {busy ? 'Creating…' : 'Create request'}
        </button>
        <button type="button" className="button secondary" disabled={busy} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function RequestList(props: {
  client: Client;
  projectId: string;
  requests: readonly RequestSummary[] | null;
  now: Date;
  onCreated: (detail: RequestDetail) => void;
}) {
  const { client, projectId, requests, now, onCreated } = props;
  const [creating, setCreating] = useState(false);
  return (
    <section className="panel" aria-labelledby="requests-heading" data-testid="request-list">
      <div className="panel-head">
        <h2 id="requests-heading">Release requests</h2>
        {creating ? null : (
          <button type="button" className="button secondary" onClick={() => setCreating(true)} data-testid="new-request">
            New release request…
          </button>
        )}
      </div>
      {creating ? (
        <NewRequestForm
          client={client}
          projectId={projectId}
          onCancel={() => setCreating(false)}
          onCreated={(detail) => {
            setCreating(false);
            onCreated(detail);
          }}
        />
      ) : null}
      {requests === null ? (
        <p className="hint">Reading the project’s release requests…</p>
      ) : requests.length === 0 ? (
        <p className="hint" data-testid="no-requests">
          No release request yet. Make an output from a result (“Make an output” on the Local analysis screen) and add it to a request.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="fields requests-table" data-testid="requests-table">
            <caption className="visually-hidden">The project’s release requests, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Request</th>
                <th scope="col">State</th>
                <th scope="col">Age</th>
                <th scope="col">Files</th>
                <th scope="col">Asked by</th>
              </tr>
            </thead>
            <tbody>
              {requests.map((request) => (
                <tr key={request.id} data-testid="request-row" data-request-id={request.id} data-state={request.state}>
                  <td>
                    <a href={outputsHashOf(request.id)} className="request-link" data-testid="open-request">
                      {request.title}
                    </a>
                    <span className="request-meta">Last changed {formatEventTime(request.updatedAt)}</span>
                  </td>
                  <td>
                    <span className={`badge status ${stateTone(request.state)}`} data-testid="request-row-state">
                      {STATE_LABELS[request.state]}
                    </span>
                  </td>
                  <td className="request-age">
                    <time dateTime={request.createdAt} title={formatEventTime(request.createdAt)} data-testid="request-age">
                      {ageOf(request.createdAt, now)}
                    </time>
                  </td>
                  <td data-testid="request-files-count">{filesText(request.files, request.outputs)}</td>
                  <td>{request.author.name}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
