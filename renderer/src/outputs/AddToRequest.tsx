// The output builder's last step (issue 16): add the output to one of my release requests in this project that may
// still change (pending, or returned to me), or to a new one. An output whose verdict is not pass needs an exception
// text, drafted from the check for the analyst to finish. The platform checks the output again when it stores it
// and records its SHA-256; the version the request was read at goes with the call, so nothing is overwritten unseen.
import { useEffect, useId, useState } from 'react';
import type { RequestDetail, RequestSummary } from '../../../src/common/airlock.ts';
import type { Client } from '../../../src/common/client.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import type { OutputCheck } from '../../../src/common/output-check.ts';
import type { OutputDocument } from '../../../src/common/outputs.ts';
import { exceptionAnswered, exceptionDraft, needsException } from '../airlock/exception-draft.ts';
import { outputsHashOf } from '../airlock/outputs-address.ts';
import { STATE_LABELS } from '../airlock/airlock-words.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { fileNameOf, requestsToAddTo } from './builder-model.ts';

const NEW_REQUEST = 'new';

type Requests = { status: 'reading' } | { status: 'read'; mine: RequestSummary[] } | { status: 'failed'; message: string };

export function AddToRequest(props: {
  client: Client;
  projectId: string;
  document: OutputDocument;
  check: OutputCheck;
  onClose: () => void;
}) {
  const { client, projectId, document, check } = props;
  const id = useId();
  const [requests, setRequests] = useState<Requests>({ status: 'reading' });
  const [attempt, setAttempt] = useState(0);
  const [target, setTarget] = useState<string>(NEW_REQUEST);
  const [title, setTitle] = useState('');
  const [context, setContext] = useState({ description: '', population: '', relationship: '' });
  const [name, setName] = useState(() => fileNameOf(document.title));
  const [exception, setException] = useState(() => exceptionDraft(check) ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [added, setAdded] = useState<RequestDetail | null>(null);

  useEffect(() => {
    let current = true;
    setRequests({ status: 'reading' });
    Promise.all([client.invoke('session.get', {}), client.invoke('airlock.requests', { projectId })]).then(
      ([session, all]) => {
        if (!current) return;
        const mine = requestsToAddTo(all, session.user?.id ?? '');
        setRequests({ status: 'read', mine });
        setTarget(mine[0]?.id ?? NEW_REQUEST);
      },
      (err: unknown) => {
        if (current) setRequests({ status: 'failed', message: messageOf(err, 'Your release requests could not be read.') });
      },
    );
    return () => {
      current = false;
    };
  }, [client, projectId, attempt]);

  // A new check (the output changed) drafts the exception again, unless the analyst has written their own words.
  const draft = exceptionDraft(check);
  useEffect(() => {
    setException((text) => (exceptionAnswered(text) ? text : (draft ?? '')));
  }, [draft]);

  const exceptionNeeded = needsException(check.verdict);
  const problem = ((): string | null => {
    if (name.trim() === '') return 'Give the file a name.';
    if (target === NEW_REQUEST && title.trim().length < 3) return 'Give the new request a title (at least 3 characters).';
    if (exceptionNeeded && !exceptionAnswered(exception))
      return 'Say why it is safe to release this output as it is, after the drafted text.';
    return null;
  })();

  const add = (): void => {
    if (problem !== null) {
      setError(problem);
      return;
    }
    setError(null);
    setBusy(true);
    const send = async (): Promise<RequestDetail> => {
      const request =
        target === NEW_REQUEST
          ? await client.invoke('airlock.create', { projectId, title: title.trim(), context })
          : requests.status === 'read'
            ? (requests.mine.find((r) => r.id === target) ?? null)
            : null;
      if (request === null) throw new EnclaveError('not_found', 'The chosen request is no longer open to new files. Nothing was changed.');
      return client.invoke('airlock.putFile', {
        requestId: request.id,
        expectedVersion: request.version,
        name: name.trim(),
        output: document,
        exception: exceptionNeeded ? exception : null,
      });
    };
    send()
      .then(setAdded, (err: unknown) => {
        setError(messageOf(err, 'The output could not be added to the request. Nothing was changed.'));
        // The request may have changed meanwhile (a stale version): read the requests again.
        setAttempt((n) => n + 1);
      })
      .finally(() => setBusy(false));
  };

  if (added) {
    return (
      <section className="add-to-request" aria-labelledby={`${id}-heading`} data-testid="add-to-request">
        <h3 id={`${id}-heading`}>Add to a release request</h3>
        <div role="status">
          <Notice
            kind="success"
            testId="output-added"
            text={`“${name.trim()}” is in the request “${added.title}” (${STATE_LABELS[added.state]}).`}
          >
            <a href={outputsHashOf(added.id)} data-testid="open-request" onClick={props.onClose}>
              Open the request
            </a>
          </Notice>
        </div>
      </section>
    );
  }

  return (
    <section className="add-to-request" aria-labelledby={`${id}-heading`} data-testid="add-to-request">
      <h3 id={`${id}-heading`}>Add to a release request</h3>
      {requests.status === 'reading' ? <p className="hint">Reading your release requests…</p> : null}
      <ErrorMessage
        testId="requests-error"
        title="Your requests could not be read"
        text={requests.status === 'failed' ? requests.message : null}
      >
        <button type="button" className="link-button" onClick={() => setAttempt((n) => n + 1)}>
          Try again
        </button>
      </ErrorMessage>
      {requests.status === 'read' ? (
        <form onSubmit={(event) => event.preventDefault()}>
          <fieldset className="request-choice">
            <legend>Which request</legend>
            {requests.mine.map((request) => (
              <div className="builder-check" key={request.id}>
                <input
                  type="radio"
                  id={`${id}-${request.id}`}
                  name={`${id}-target`}
                  value={request.id}
                  checked={target === request.id}
                  data-testid="request-option"
                  onChange={() => setTarget(request.id)}
                />
                <label htmlFor={`${id}-${request.id}`}>
                  {request.title}{' '}
                  <span className="hint">
                    ({STATE_LABELS[request.state]}, {request.outputs} {request.outputs === 1 ? 'output' : 'outputs'})
                  </span>
                </label>
              </div>
            ))}
            <div className="builder-check">
              <input
                type="radio"
                id={`${id}-new`}
                name={`${id}-target`}
                value={NEW_REQUEST}
                checked={target === NEW_REQUEST}
                data-testid="request-option-new"
                onChange={() => setTarget(NEW_REQUEST)}
              />
              <label htmlFor={`${id}-new`}>A new request</label>
            </div>
          </fieldset>
          {target === NEW_REQUEST ? (
            <div className="new-request">
              <div className="field">
                <label htmlFor={`${id}-title`}>Request title</label>
                <input
                  id={`${id}-title`}
                  data-testid="new-request-title"
                  value={title}
                  onChange={(event) => setTitle(event.target.value)}
                />
              </div>
              <p className="hint">
                The context can be filled in now or later on the Outputs screen; the request cannot be submitted without it.
              </p>
              <div className="field">
                <label htmlFor={`${id}-description`}>What the outputs show and why they are needed</label>
                <textarea
                  id={`${id}-description`}
                  rows={2}
                  value={context.description}
                  onChange={(event) => setContext({ ...context, description: event.target.value })}
                />
              </div>
              <div className="field">
                <label htmlFor={`${id}-population`}>Population and denominator</label>
                <textarea
                  id={`${id}-population`}
                  rows={2}
                  value={context.population}
                  onChange={(event) => setContext({ ...context, population: event.target.value })}
                />
              </div>
              <div className="field">
                <label htmlFor={`${id}-relationship`}>Relationship to earlier outputs</label>
                <textarea
                  id={`${id}-relationship`}
                  rows={2}
                  value={context.relationship}
                  onChange={(event) => setContext({ ...context, relationship: event.target.value })}
                />
              </div>
            </div>
          ) : null}
          <div className="field">
            <label htmlFor={`${id}-name`}>File name in the request</label>
            <input id={`${id}-name`} data-testid="output-file-name" value={name} onChange={(event) => setName(event.target.value)} />
          </div>
          {exceptionNeeded ? (
            <div className="field">
              <label htmlFor={`${id}-exception`}>Exception: why it may be released although the verdict is not pass</label>
              <textarea
                id={`${id}-exception`}
                data-testid="output-exception"
                rows={6}
                value={exception}
                onChange={(event) => setException(event.target.value)}
              />
            </div>
          ) : null}
          <ErrorMessage testId="add-error" title="The output was not added" text={error} />
          <div className="builder-actions">
            <button type="button" className="button" data-testid="add-output" disabled={busy} onClick={add}>
              {busy ? 'Adding…' : 'Add to request'}
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}
