// What a browser-shell window shows when it has no session with the workstation (opened without the launcher's
// link, a link already used, a restarted workstation). Plain text and no calls: there is nothing it may ask.
import { useEffect, useRef } from 'react';
import type { NoSessionReason } from './launch.ts';

const EXPLANATIONS: Record<NoSessionReason, string> = {
  'no-launch': 'This window is not connected to your Enclave workstation.',
  'launch-refused': 'The link that opened this window has already been used or has expired: each one works once.',
  unreachable: 'The Enclave workstation did not answer. It may have stopped.',
  ended: 'This window is no longer connected to your Enclave workstation: it was restarted or stopped.',
};

export function NoSessionScreen(props: { reason: NoSessionReason }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <main id="main" className="sign-in" data-testid="no-session" data-reason={props.reason}>
      <section className="panel sign-in-panel" aria-labelledby="no-session-heading">
        <p className="brand lock-brand">Enclave</p>
        <h1 id="no-session-heading" tabIndex={-1} ref={heading}>
          Open Enclave from its launcher
        </h1>
        <p data-testid="no-session-reason">{EXPLANATIONS[props.reason]}</p>
        <p>
          Start Enclave the way you usually do (for example <code>npm start</code>, or Enclave in your applications menu). It opens a window
          connected to your workstation. You can close this one.
        </p>
      </section>
    </main>
  );
}
