// Registering a person: who they are, their roles, how their identity was checked and their accreditation. Without a
// subject at the identity provider they are invited, and the platform issues a one-time enrolment code, shown here once;
// with one they are bound at once and can sign in.
import { useState, type FormEvent } from 'react';
import type { Client } from '../../../src/common/client.ts';
import { ROLE_LABELS, ROLES, type RegisteredPerson, type Role } from '../../../src/common/people.ts';
import { useSubmission } from './use-submission.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { personHashOf } from './admin-screens.ts';
import { EnrolmentCode } from './EnrolmentCode.tsx';
import { EMPTY_REGISTER_FORM, readRegisterForm, type RegisterForm } from './people-text.ts';

/** How identity is usually checked; anything else can be typed. */
const VERIFICATION_SUGGESTIONS = ['Passport seen in person', 'Photo ID seen on a video call', "Employer's HR record", 'NHS smartcard'];

export function RegisterPersonForm(props: { client: Client; onRegistered: () => void }) {
  const { client, onRegistered } = props;
  const [form, setForm] = useState<RegisterForm>(EMPTY_REGISTER_FORM);
  const { busy, error, setError, send } = useSubmission();
  const [registered, setRegistered] = useState<RegisteredPerson | null>(null);

  const set = (key: Exclude<keyof RegisterForm, 'roles'>) => ({
    value: form[key],
    onChange: (event: { target: { value: string } }) => setForm((current) => ({ ...current, [key]: event.target.value })),
  });

  const toggleRole = (role: Role, on: boolean): void =>
    setForm((current) => ({ ...current, roles: on ? [...current.roles, role] : current.roles.filter((held) => held !== role) }));

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const reading = readRegisterForm(form);
    if (!reading.ok) {
      setError(reading.message);
      return;
    }
    setRegistered(null);
    send(
      () => client.invoke('admin.registerPerson', { person: reading.value }),
      (answer) => {
        setRegistered(answer);
        setForm(EMPTY_REGISTER_FORM);
        onRegistered();
      },
      'The person could not be registered.',
    );
  };

  return (
    <section className="panel" aria-labelledby="register-heading" data-testid="register-person">
      <h2 id="register-heading">Register a person</h2>
      <div role="status">
        {registered !== null && registered.enrolment === null ? (
          <Notice
            kind="success"
            testId="registered-bound"
            text={
              <>
                Registered {registered.person.displayName}, bound to their identity: they can sign in now.{' '}
                <a href={personHashOf(registered.person.id)}>Open their page</a>
              </>
            }
          />
        ) : null}
      </div>
      {registered?.enrolment ? (
        <>
          <p className="hint" data-testid="registered-invited">
            Registered {registered.person.displayName} ({registered.person.id}) as invited: they become active when they enrol with this
            code. <a href={personHashOf(registered.person.id)}>Open their page</a>
          </p>
          <EnrolmentCode
            name={registered.person.displayName}
            code={registered.enrolment.code}
            expiresAt={registered.enrolment.expiresAt}
            onDone={() => setRegistered(null)}
          />
        </>
      ) : null}
      <form className="register-form" aria-labelledby="register-heading" onSubmit={submit} noValidate data-testid="register-form">
        <div className="form-grid">
          <div className="field">
            <label htmlFor="register-id">Username</label>
            <input
              id="register-id"
              type="text"
              autoComplete="off"
              spellCheck={false}
              maxLength={64}
              aria-describedby="register-id-hint"
              data-testid="register-id"
              {...set('id')}
            />
            <span className="hint" id="register-id-hint">
              Lower-case letters, digits, “-” and “_”. It never changes.
            </span>
          </div>
          <div className="field">
            <label htmlFor="register-name">Name</label>
            <input id="register-name" type="text" autoComplete="off" maxLength={200} data-testid="register-name" {...set('displayName')} />
          </div>
          <div className="field">
            <label htmlFor="register-email">Email (optional)</label>
            <input id="register-email" type="email" autoComplete="off" maxLength={320} data-testid="register-email" {...set('email')} />
          </div>
          <div className="field">
            <label htmlFor="register-organisation">Organisation (optional)</label>
            <input
              id="register-organisation"
              type="text"
              autoComplete="off"
              maxLength={200}
              data-testid="register-organisation"
              {...set('organisation')}
            />
          </div>
        </div>
        <fieldset className="choices inline role-choices" data-testid="register-roles">
          <legend>Roles</legend>
          {ROLES.map((role) => (
            <div className="check" key={role}>
              <input
                id={`register-role-${role}`}
                type="checkbox"
                checked={form.roles.includes(role)}
                onChange={(event) => toggleRole(role, event.target.checked)}
                data-testid={`register-role-${role}`}
              />
              <label htmlFor={`register-role-${role}`}>{ROLE_LABELS[role]}</label>
            </div>
          ))}
        </fieldset>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="register-verification">How their identity was checked</label>
            <input
              id="register-verification"
              type="text"
              autoComplete="off"
              maxLength={200}
              list="register-verification-suggestions"
              data-testid="register-verification"
              {...set('verification')}
            />
            <datalist id="register-verification-suggestions">
              {VERIFICATION_SUGGESTIONS.map((method) => (
                <option key={method} value={method} />
              ))}
            </datalist>
          </div>
          <div className="field">
            <label htmlFor="register-accreditation">Accreditation references (optional, one a line)</label>
            <textarea
              id="register-accreditation"
              rows={2}
              maxLength={4000}
              placeholder="ONS Accredited Researcher 2024-1234"
              data-testid="register-accreditation"
              {...set('accreditation')}
            />
          </div>
          <div className="field">
            <label htmlFor="register-subject">Subject at the identity provider (optional)</label>
            <input
              id="register-subject"
              type="text"
              autoComplete="off"
              spellCheck={false}
              maxLength={255}
              aria-describedby="register-subject-hint"
              data-testid="register-subject"
              {...set('subject')}
            />
            <span className="hint" id="register-subject-hint">
              Only when you know it for certain: they are bound at once. Leave it empty to send them a one-time enrolment code.
            </span>
          </div>
        </div>
        <ErrorMessage testId="register-error" title="The person was not registered" text={error} />
        <button type="submit" className="button" disabled={busy} data-testid="register-submit">
          {busy ? 'Registering…' : 'Register'}
        </button>
      </form>
    </section>
  );
}
