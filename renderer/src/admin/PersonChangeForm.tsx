// What an administrator changes about a person from their page, each with a reason the audit log keeps: grant or revoke
// a role, disable someone who left or enable them again, bind someone invited to their identity; and, for someone
// invited, a new enrolment code (shown once). The platform's answer is shown in its own words, refusals included.
import { useEffect, useState, type FormEvent } from 'react';
import type { Client } from '../../../src/common/client.ts';
import { ROLE_LABELS, type Person, type PersonChangeResult, type Role } from '../../../src/common/people.ts';
import { messageOf } from '../shell/message-of.ts';
import { useSubmission } from './use-submission.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { EnrolmentCode } from './EnrolmentCode.tsx';
import { ChangeAnswer } from './PendingChanges.tsx';
import {
  CHANGE_LABELS,
  changeButtonLabel,
  changesFor,
  readChangeForm,
  rolesFor,
  type ChangeForm,
  type PersonChange,
  type PersonChangeKind,
} from './people-text.ts';

const CHANGE_HINTS: Readonly<Record<PersonChangeKind, string>> = {
  grant: 'Granting Administrator needs a second administrator’s approval once there are two.',
  revoke: 'A person keeps at least one role; the last active administrator keeps theirs.',
  disable: 'Ends their sign-ins and stops their work at once; every route refuses them. Nothing of theirs is deleted.',
  enable: 'They can sign in again.',
  bind: 'Binds them to their subject at the identity provider, without a code: they become active.',
};

function send(client: Client, change: PersonChange): Promise<PersonChangeResult> {
  switch (change.method) {
    case 'admin.changeRole':
      return client.invoke('admin.changeRole', change.input);
    case 'admin.setStatus':
      return client.invoke('admin.setStatus', change.input);
    case 'admin.bindPerson':
      return client.invoke('admin.bindPerson', change.input);
  }
}

function emptyForm(kind: PersonChangeKind): ChangeForm {
  return { kind, role: '', subject: '', reason: '' };
}

export function PersonChangeForm(props: { client: Client; person: Person; onChanged: () => void }) {
  const { client, person, onChanged } = props;
  const kinds = changesFor(person);
  const [form, setForm] = useState<ChangeForm>(() => emptyForm(kinds[0] ?? 'grant'));
  const { busy, error, setError, send: submitting } = useSubmission();
  const [answer, setAnswer] = useState<PersonChangeResult | null>(null);
  const [code, setCode] = useState<{ code: string; expiresAt: string } | null>(null);
  const [codeError, setCodeError] = useState<string | null>(null);

  // After a change the person's standing moves (disabled → enable is offered): keep the choice one that is offered.
  const offered = kinds.join(' ');
  useEffect(() => {
    setForm((current) =>
      offered.split(' ').includes(current.kind) ? current : emptyForm((offered.split(' ')[0] as PersonChangeKind) || 'grant'),
    );
  }, [offered]);

  const roles = rolesFor(form.kind, person.roles);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setAnswer(null);
    const reading = readChangeForm(person.id, form);
    if (!reading.ok) {
      setError(reading.message);
      return;
    }
    submitting(
      () => send(client, reading.value),
      (result) => {
        setAnswer(result);
        setForm((current) => ({ ...current, role: '', subject: '', reason: '' }));
        onChanged();
      },
      'The change could not be made.',
    );
  };

  const issueCode = (): void => {
    setCodeError(null);
    setCode(null);
    client.invoke('admin.enrolmentCode', { userId: person.id }).then(
      (issued) => {
        setCode(issued);
        onChanged();
      },
      (err: unknown) => setCodeError(messageOf(err, 'No enrolment code could be issued.')),
    );
  };

  return (
    <section className="panel" aria-labelledby="person-change-heading" data-testid="person-change">
      <h3 id="person-change-heading">Change</h3>
      <div role="status">{answer ? <ChangeAnswer result={answer} testId="person-change-answer" /> : null}</div>
      {kinds.length === 0 ? (
        <p className="hint">Nothing can be changed for {person.displayName} from here.</p>
      ) : (
        <form className="action-form" aria-labelledby="person-change-heading" onSubmit={submit} data-testid="person-change-form">
          <fieldset className="choices">
            <legend>What to change</legend>
            {kinds.map((kind) => (
              <div className="choice-radio" key={kind}>
                <input
                  type="radio"
                  id={`person-change-${kind}`}
                  name="person-change"
                  value={kind}
                  checked={form.kind === kind}
                  onChange={() => {
                    setForm({ ...emptyForm(kind), reason: form.reason });
                    setError(null);
                  }}
                  aria-describedby={`person-change-${kind}-hint`}
                  data-testid={`person-change-${kind}`}
                />
                <label htmlFor={`person-change-${kind}`}>{CHANGE_LABELS[kind]}</label>
                <span className="hint" id={`person-change-${kind}-hint`}>
                  {CHANGE_HINTS[kind]}
                </span>
              </div>
            ))}
          </fieldset>
          {form.kind === 'grant' || form.kind === 'revoke' ? (
            <div className="field">
              <label htmlFor="person-change-role">Role</label>
              <select
                id="person-change-role"
                value={form.role}
                onChange={(event) => setForm({ ...form, role: event.target.value as Role | '' })}
                data-testid="person-change-role"
              >
                <option value="">Choose…</option>
                {roles.map((role) => (
                  <option key={role} value={role}>
                    {ROLE_LABELS[role]}
                  </option>
                ))}
              </select>
            </div>
          ) : null}
          {form.kind === 'bind' ? (
            <div className="field">
              <label htmlFor="person-change-subject">Subject at the identity provider</label>
              <input
                id="person-change-subject"
                type="text"
                autoComplete="off"
                spellCheck={false}
                maxLength={255}
                value={form.subject}
                onChange={(event) => setForm({ ...form, subject: event.target.value })}
                data-testid="person-change-subject"
              />
            </div>
          ) : null}
          <div className="field">
            <label htmlFor="person-change-reason">Reason (recorded in the audit log)</label>
            <textarea
              id="person-change-reason"
              rows={2}
              maxLength={2000}
              value={form.reason}
              onChange={(event) => setForm({ ...form, reason: event.target.value })}
              data-testid="person-change-reason"
            />
          </div>
          <ErrorMessage testId="person-change-error" title="The platform did not make the change" text={error} />
          <button
            type="submit"
            className={form.kind === 'disable' ? 'button warning' : 'button'}
            disabled={busy}
            data-testid="person-change-submit"
          >
            {busy ? 'Asking the platform…' : changeButtonLabel(form.kind, form.role)}
          </button>
        </form>
      )}
      {person.status === 'invited' ? (
        <div className="enrolment-again" data-testid="enrolment-again">
          <h4>Enrolment code</h4>
          <p className="hint">
            {person.displayName} has not enrolled yet. If their code was lost or has run out, issue a new one: the old one stops working.
          </p>
          <ErrorMessage testId="enrolment-code-error" title="No code was issued" text={codeError} />
          {code ? (
            <EnrolmentCode name={person.displayName} code={code.code} expiresAt={code.expiresAt} onDone={() => setCode(null)} />
          ) : (
            <button type="button" className="button secondary" onClick={issueCode} data-testid="issue-enrolment-code">
              Issue a new enrolment code
            </button>
          )}
        </div>
      ) : null}
    </section>
  );
}
