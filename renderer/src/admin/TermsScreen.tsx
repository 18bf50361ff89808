// The administrators' terms of use (issue 18, #/admin/terms): every version of every audience's terms, newest first,
// each readable as published with its sha256 (what a person's acceptance records), and where it stands today; and
// publishing a new version. Versions are never edited or removed: a change is a new version.
import { useCallback, useState, type FormEvent } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { TermsVersion } from '../../../src/common/terms.ts';
import { useSubmission } from './use-submission.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { formatEventTime } from './audit-summary.ts';
import {
  AUDIENCE_LABELS,
  AUDIENCES,
  EMPTY_PUBLISH_FORM,
  lengthInWords,
  readPublishForm,
  STANDING_BADGES,
  STANDING_LABELS,
  termsByAudience,
  type AudienceTerms,
  type PublishForm,
} from './terms-text.ts';
import { useAdminRead } from './use-admin-read.ts';
import './admin.css';
import './incidents.css';
import './people.css';

function PublishTermsForm(props: { client: Client; onPublished: (published: TermsVersion) => void }) {
  const { client, onPublished } = props;
  const [form, setForm] = useState<PublishForm>(EMPTY_PUBLISH_FORM);
  const { busy, error, setError, send } = useSubmission();

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const reading = readPublishForm(form);
    if (!reading.ok) {
      setError(reading.message);
      return;
    }
    send(
      () => client.invoke('admin.publishTerms', { terms: reading.value }),
      (published) => {
        setForm(EMPTY_PUBLISH_FORM);
        onPublished(published);
      },
      'The terms could not be published.',
    );
  };

  const everyone = form.audience === 'everyone';
  return (
    <section className="panel" aria-labelledby="publish-terms-heading" data-testid="publish-terms">
      <h2 id="publish-terms-heading">Publish new terms</h2>
      <form className="action-form" aria-labelledby="publish-terms-heading" onSubmit={submit} noValidate data-testid="publish-terms-form">
        <div className="field">
          <label htmlFor="terms-audience">For</label>
          <select
            id="terms-audience"
            value={form.audience}
            onChange={(event) => setForm({ ...form, audience: event.target.value as PublishForm['audience'] })}
            data-testid="terms-audience"
          >
            {AUDIENCES.map((audience) => (
              <option key={audience} value={audience}>
                {audience === 'everyone' ? 'Everyone who uses the platform' : `${AUDIENCE_LABELS[audience]} role`}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="terms-text">The terms (Markdown)</label>
          <textarea
            id="terms-text"
            className="terms-text-input"
            rows={10}
            value={form.text}
            onChange={(event) => setForm({ ...form, text: event.target.value })}
            aria-describedby="terms-text-hint"
            data-testid="terms-text"
          />
          <span className="hint" id="terms-text-hint">
            Published exactly as typed: people are shown this text, and their acceptance records its sha256. {lengthInWords(form.text)}.
          </span>
        </div>
        <div className="field">
          <label htmlFor="terms-summary">What changed (shown to people with the new version)</label>
          <input
            id="terms-summary"
            type="text"
            autoComplete="off"
            maxLength={500}
            value={form.summary}
            onChange={(event) => setForm({ ...form, summary: event.target.value })}
            data-testid="terms-summary"
          />
        </div>
        <div className="field">
          <label htmlFor="terms-effective">In force from (optional; empty for now)</label>
          <input
            id="terms-effective"
            type="datetime-local"
            value={form.effectiveAt}
            onChange={(event) => setForm({ ...form, effectiveAt: event.target.value })}
            data-testid="terms-effective"
          />
        </div>
        <div className="check">
          <input
            id="terms-requires-acceptance"
            type="checkbox"
            checked={form.requiresAcceptance}
            onChange={(event) => setForm({ ...form, requiresAcceptance: event.target.checked })}
            data-testid="terms-requires-acceptance"
          />
          <label htmlFor="terms-requires-acceptance">People who accepted an earlier version must accept this one</label>
        </div>
        {everyone && form.requiresAcceptance ? (
          <Notice
            kind="notice"
            testId="terms-everyone-warning"
            text="Everyone’s terms apply to every person, you included: from when they are in force, the platform refuses everybody, administrators too, until they accept them."
          />
        ) : null}
        <ErrorMessage testId="publish-terms-error" title="The terms were not published" text={error} />
        <button type="submit" className="button" disabled={busy} data-testid="publish-terms-submit">
          {busy ? 'Publishing…' : 'Publish'}
        </button>
      </form>
    </section>
  );
}

function VersionEntry(props: { entry: AudienceTerms['versions'][number] }) {
  const { version, standing } = props.entry;
  const label = `${AUDIENCE_LABELS[version.audience]} terms, version ${version.version}`;
  return (
    <li className="terms-version" data-testid="terms-version" data-audience={version.audience} data-version={version.version}>
      <div className="terms-version-top">
        <h4 className="terms-version-title">Version {version.version}</h4>
        <span className={`badge status ${STANDING_BADGES[standing]}`} data-testid="terms-version-standing">
          {STANDING_LABELS[standing]}
        </span>
        {version.requiresAcceptance ? (
          <span className="badge status over">Must be accepted</span>
        ) : (
          <span className="badge status over">Earlier acceptances stand</span>
        )}
      </div>
      <p className="terms-summary" data-testid="terms-version-summary">
        {version.summary}
      </p>
      <dl className="facts terms-facts">
        <dt>In force from</dt>
        <dd>
          <time dateTime={version.effectiveAt}>{formatEventTime(version.effectiveAt)}</time>
        </dd>
        <dt>Published</dt>
        <dd>
          {formatEventTime(version.publishedAt)} by {version.author}
        </dd>
        <dt>sha256</dt>
        <dd>
          <code className="terms-sha" data-testid="terms-version-sha">
            {version.sha256}
          </code>
        </dd>
      </dl>
      <details className="terms-read" data-testid="terms-version-read">
        <summary aria-label={`Read the text of the ${label}`}>Read the text</summary>
        <pre className="terms-text" tabIndex={0} data-testid="terms-version-text">
          {version.text}
        </pre>
      </details>
    </li>
  );
}

export function TermsScreen(props: { client: Client; shown: boolean }) {
  const { client, shown } = props;
  const read = useCallback(() => client.invoke('admin.terms', {}), [client]);
  const history = useAdminRead(read, 'The terms of use could not be read.', shown);
  const [published, setPublished] = useState<TermsVersion | null>(null);
  const groups = history.value === null ? [] : termsByAudience(history.value, new Date());

  return (
    <div className="terms-screen" aria-busy={history.loading} data-testid="terms-screen" data-answered={history.answered}>
      <div className="terms-grid">
        <section className="panel" aria-labelledby="terms-heading" data-testid="terms-history">
          <div className="panel-top">
            <h2 id="terms-heading">Terms of use</h2>
            <button type="button" className="button secondary" disabled={history.loading} onClick={history.refresh}>
              {history.loading ? 'Reading…' : 'Read again'}
            </button>
          </div>
          <p className="hint">
            Everyone’s terms apply to every person; a role’s terms to those who hold it. Every version stays readable, newest first. A
            person’s acceptance records the version and the sha256 of the text they were shown.
          </p>
          <div role="status">
            {published ? (
              <Notice
                kind="success"
                testId="terms-published"
                text={`Published: ${AUDIENCE_LABELS[published.audience]} terms, version ${published.version}${
                  published.requiresAcceptance ? '. People it applies to must accept it before using the platform again' : ''
                }.`}
              />
            ) : null}
          </div>
          <ErrorMessage testId="terms-error" title="The terms of use could not be read" text={history.error} />
          {history.value === null ? (
            history.error === null ? (
              <p className="hint">Reading the terms of use…</p>
            ) : null
          ) : groups.length === 0 ? (
            <p className="hint" data-testid="terms-none">
              No terms of use have been published: nobody is asked to accept any.
            </p>
          ) : (
            groups.map((group) => (
              <section
                key={group.audience}
                className="terms-audience"
                aria-labelledby={`terms-${group.audience}-heading`}
                data-testid={`terms-audience-${group.audience}`}
              >
                <h3 id={`terms-${group.audience}-heading`}>
                  {group.audience === 'everyone' ? 'Everyone' : `${AUDIENCE_LABELS[group.audience]} role`}
                </h3>
                <ol className="terms-versions" reversed>
                  {group.versions.map((entry) => (
                    <VersionEntry key={entry.version.version} entry={entry} />
                  ))}
                </ol>
              </section>
            ))
          )}
        </section>
        <PublishTermsForm
          client={client}
          onPublished={(version) => {
            setPublished(version);
            history.refresh();
          }}
        />
      </div>
    </div>
  );
}
