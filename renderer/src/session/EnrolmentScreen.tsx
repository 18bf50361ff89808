// Someone signed in at their organisation's identity provider whom the platform does not know yet: one field for the
// enrolment code their administrator sent them (grouped or not, any case), a clear error for a code that is mistyped
// or that the platform refuses, and a way to sign out. On success the session continues signed in ('session.changed').
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { Session } from '../../../src/common/contract.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { messageOf } from '../shell/message-of.ts';
import { readEnrolmentCode } from './enrolment.ts';
import './standing.css';

export function EnrolmentScreen(props: {
  session: Session;
  /** Sends the code; rejects with the platform's refusal. */
  enrol: (code: string) => Promise<void>;
  signOut: () => void;
  children?: ReactNode;
}) {
  const { session, enrol, signOut } = props;
  const heading = useRef<HTMLHeadingElement>(null);
  const field = useRef<HTMLInputElement>(null);
  const [typed, setTyped] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  // The sign-in came back to this screen rather than to the workspace: take the reader to what it asks.
  useEffect(() => heading.current?.focus(), []);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setRefusal(null);
    const read = readEnrolmentCode(typed);
    if (!read.ok) {
      setProblem(read.message);
      field.current?.focus();
      return;
    }
    setProblem(null);
    setSending(true);
    enrol(read.code).then(
      () => setSending(false),
      (err: unknown) => {
        setSending(false);
        setRefusal(messageOf(err, 'The enrolment could not be completed. Try again.'));
        field.current?.focus();
      },
    );
  };

  const platformName = session.platform.name ?? 'the platform';
  const describedBy = ['enrolment-code-hint', problem ? 'enrolment-code-problem' : null].filter(Boolean).join(' ');
  return (
    <main id="main" className="sign-in" data-testid="enrolment-screen">
      <section className="panel sign-in-panel" aria-labelledby="enrolment-heading">
        <h2 id="enrolment-heading" tabIndex={-1} ref={heading}>
          Enter your enrolment code
        </h2>
        <p data-testid="enrolment-message">{session.message?.text ?? `You are signed in, but ${platformName} does not know you yet.`}</p>
        <form className="enrolment-form" onSubmit={submit} noValidate aria-labelledby="enrolment-heading" data-testid="enrolment-form">
          <div className="field">
            <label htmlFor="enrolment-code">Enrolment code</label>
            <span id="enrolment-code-hint" className="hint">
              20 letters and digits, for example ABCDE-FGHJK-23456-LMNPQ. Capitals, spaces and dashes do not matter.
            </span>
            {problem ? (
              <span id="enrolment-code-problem" className="field-problem" data-testid="enrolment-code-problem">
                {problem}
              </span>
            ) : null}
            <input
              ref={field}
              id="enrolment-code"
              name="enrolment-code"
              data-testid="enrolment-code"
              autoComplete="one-time-code"
              autoCapitalize="characters"
              spellCheck={false}
              maxLength={40}
              value={typed}
              aria-invalid={problem !== null || refusal !== null}
              aria-describedby={describedBy}
              onChange={(event) => setTyped(event.target.value)}
            />
          </div>
          <div className="message-actions">
            <button type="submit" className="button" data-testid="enrol" disabled={sending}>
              Enrol
            </button>
            <button type="button" className="button secondary" data-testid="enrolment-sign-out" onClick={signOut}>
              Sign out
            </button>
          </div>
        </form>
        <ErrorMessage testId="enrolment-error" title="The platform did not accept the code" text={refusal} />
        <p className="hint">No code, or it has expired? Ask your administrator for a new one. Each code works once.</p>
        {props.children}
      </section>
    </main>
  );
}
