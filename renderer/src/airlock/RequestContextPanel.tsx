// A release request's title and structured context (issue 16): what the outputs show, the population and denominator,
// and how they relate to earlier outputs. The author edits them while the request is pending or returned (sent with the
// version the page shows, so a change made meanwhile is refused, not overwritten); everyone else reads them.
import { Fragment, useState, type FormEvent } from 'react';
import type { RequestContext, RequestDetail } from '../../../src/common/airlock.ts';
import type { Client } from '../../../src/common/client.ts';
import { useSubmission } from '../admin/use-submission.ts';
import { ErrorMessage } from '../shell/Messages.tsx';

const FIELDS: readonly { key: keyof RequestContext; label: string; hint: string }[] = [
  { key: 'description', label: 'Description', hint: 'What the outputs show, and why they are needed.' },
  {
    key: 'population',
    label: 'Population and denominator',
    hint: 'Whom the outputs count, and the denominator of every rate or percentage.',
  },
  {
    key: 'relationship',
    label: 'Relationship to earlier outputs',
    hint: 'Outputs of this project released before that overlap these (the same people cut differently), or “none”.',
  },
];

function ContextFacts(props: { detail: RequestDetail }) {
  const { context } = props.detail;
  return (
    <dl className="facts request-context-facts" data-testid="request-context">
      {FIELDS.map((field) => (
        <Fragment key={field.key}>
          <dt>{field.label}</dt>
          <dd className="context-text" data-testid={`context-${field.key}`}>
            {context[field.key].trim() ? context[field.key] : <span className="hint">Not given</span>}
          </dd>
        </Fragment>
      ))}
    </dl>
  );
}

function ContextForm(props: { client: Client; detail: RequestDetail; onChanged: (detail: RequestDetail) => void }) {
  const { client, detail, onChanged } = props;
  const [title, setTitle] = useState(detail.title);
  const [context, setContext] = useState<RequestContext>(detail.context);
  const [news, setNews] = useState<string | null>(null);
  const { busy, error, send } = useSubmission();
  const changed = title !== detail.title || FIELDS.some((field) => context[field.key] !== detail.context[field.key]);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setNews(null);
    send(
      () => client.invoke('airlock.context', { requestId: detail.id, expectedVersion: detail.version, title: title.trim(), context }),
      (answer) => {
        setNews('Saved.');
        onChanged(answer);
      },
      'The request’s context was not saved.',
    );
  };

  return (
    <form className="request-context-form" onSubmit={submit} aria-labelledby="request-context-heading" data-testid="request-context-form">
      <div className="field">
        <label htmlFor="request-title">Title</label>
        <input
          id="request-title"
          type="text"
          autoComplete="off"
          maxLength={200}
          value={title}
          onChange={(event) => setTitle(event.target.value)}
          data-testid="request-title-input"
        />
      </div>
      {FIELDS.map((field) => (
        <div key={field.key} className="field">
          <label htmlFor={`request-${field.key}`}>{field.label}</label>
          <span className="hint" id={`request-${field.key}-hint`}>
            {field.hint}
          </span>
          <textarea
            id={`request-${field.key}`}
            rows={3}
            maxLength={5000}
            aria-describedby={`request-${field.key}-hint`}
            value={context[field.key]}
            onChange={(event) => setContext({ ...context, [field.key]: event.target.value })}
            data-testid={`context-${field.key}-input`}
          />
        </div>
      ))}
      <ErrorMessage testId="request-context-error" title="The context was not saved" text={error} />
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy || !changed} data-testid="save-context">
          {busy ? 'Saving…' : 'Save title and context'}
        </button>
        <div role="status">{news && !changed ? <span className="saved-note">{news}</span> : null}</div>
      </div>
    </form>
  );
}

export function RequestContextPanel(props: { client: Client; detail: RequestDetail; onChanged: (detail: RequestDetail) => void }) {
  const { detail } = props;
  const editable = detail.actions.includes('edit');
  return (
    <section className="panel" aria-labelledby="request-context-heading" data-testid="request-context-panel">
      <h3 id="request-context-heading">Context</h3>
      {editable ? (
        <>
          <p className="hint">The output checkers read this with every file. All three parts are needed before you submit.</p>
          <ContextForm key={detail.id} client={props.client} detail={detail} onChanged={props.onChanged} />
        </>
      ) : (
        <ContextFacts detail={detail} />
      )}
    </section>
  );
}
