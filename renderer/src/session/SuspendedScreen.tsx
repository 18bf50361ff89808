// What a person sees when an administrator has suspended their access during an incident: the workstation has ended
// their session (their work on this computer is closed), and this says so in plain words, with the platform's message,
// and what to do: ask their administrator. Signing in again is offered for when the suspension has been lifted.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { Session } from '../../../src/common/contract.ts';
import './suspended.css';

export function SuspendedScreen(props: {
  session: Session;
  /** The platform's message (why). */
  message: string;
  starting: boolean;
  onSignIn: () => void;
  children?: ReactNode;
}) {
  const { session, message, starting, onSignIn } = props;
  const heading = useRef<HTMLHeadingElement>(null);
  const [at] = useState(() => new Date().toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }));
  // The screen replaced the person's work at once: take them (and their screen reader) to what happened.
  useEffect(() => heading.current?.focus(), []);
  const platformName = session.platform.name ?? 'the platform';
  return (
    <main id="main" className="sign-in" data-testid="suspended-screen">
      <section className="panel sign-in-panel suspended-panel" aria-labelledby="suspended-heading">
        <h2 id="suspended-heading" tabIndex={-1} ref={heading}>
          Your access is suspended
        </h2>
        <div className="message error" role="alert" data-testid="suspended-message">
          <span className="message-title">{platformName} refused your account</span>
          <span className="message-text">{message}</span>
        </div>
        <p>Enclave has signed you out and closed your work on this computer. Nothing you saved is lost.</p>
        <h3>What you can do</h3>
        <ul className="suspended-help">
          <li>
            Contact your <strong>TRE administrator</strong> (or your organisation’s service desk): they can tell you why and when your
            access will be restored. Say when this happened: {at}.
          </li>
          <li>Once your administrator tells you the suspension has been lifted, sign in again.</li>
        </ul>
        <button type="button" className="button secondary" data-testid="sign-in" disabled={starting} onClick={onSignIn}>
          Sign in again
        </button>
        {props.children}
      </section>
    </main>
  );
}
