// Signing in: the platform the workstation will sign in to, "Sign in" (the identity provider's page opens in the
// system browser, or a new tab in the browser shell), and the wait until the browser sends the user back.
import { useEffect, useRef, type ReactNode } from 'react';
import type { Session } from '../../../src/common/contract.ts';
import { SessionMessage } from './SessionMessage.tsx';

export interface SignInActions {
  signIn: () => void;
  cancel: () => void;
}

export function SignInScreen(props: {
  session: Session;
  /** The identity provider's page, once a sign-in has started here (to open it again if no window appeared). */
  authorizationUrl: string | null;
  /** A sign-in request is on its way to the core. */
  starting: boolean;
  actions: SignInActions;
  children?: ReactNode;
}) {
  const { session, authorizationUrl, starting, actions } = props;
  const waiting = session.state === 'signing_in';
  const heading = useRef<HTMLHeadingElement>(null);
  // When the wait starts or ends, take the reader to the new heading (not on first load: the page starts there).
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    heading.current?.focus();
  }, [waiting]);
  const platformName = session.platform.name ?? 'your platform';
  return (
    <main id="main" className="sign-in" data-testid="sign-in-screen" data-state={session.state}>
      <section className="panel sign-in-panel" aria-labelledby="sign-in-heading">
        {waiting ? (
          <>
            <h2 id="sign-in-heading" tabIndex={-1} ref={heading}>
              Finish signing in in your browser
            </h2>
            <p>
              The sign-in page of {platformName} opened in your web browser. Sign in there; Enclave continues here on its own when you have.
            </p>
            {authorizationUrl ? <ReopenSignInLink url={authorizationUrl} testId="open-sign-in-page" /> : null}
            <div className="progress-line" role="status">
              <progress aria-label="Waiting for the sign-in to finish" />
              <span>Waiting for your browser…</span>
            </div>
            <button type="button" className="button secondary" data-testid="cancel-sign-in" onClick={actions.cancel}>
              Cancel
            </button>
          </>
        ) : (
          <>
            <h2 id="sign-in-heading" tabIndex={-1} ref={heading}>
              Sign in to Enclave
            </h2>
            <dl className="facts" data-testid="sign-in-platform">
              <dt>Platform</dt>
              <dd data-testid="sign-in-platform-name">{session.platform.name ?? 'Not reached yet'}</dd>
              <dt>Address</dt>
              <dd>
                <code data-testid="sign-in-platform-url">{session.platform.url}</code>
              </dd>
            </dl>
            <p>You sign in with your platform account, on its own sign-in page in your web browser.</p>
            <button type="button" className="button" data-testid="sign-in" disabled={starting} onClick={actions.signIn}>
              Sign in
            </button>
          </>
        )}
        <SessionMessage message={session.message} />
        {props.children}
      </section>
    </main>
  );
}

/** For when the browser did not open (or the tab was closed): the same authorization URL, once more. */
export function ReopenSignInLink(props: { url: string; testId: string }) {
  return (
    <p className="hint">
      No sign-in page?{' '}
      <a href={props.url} target="_blank" rel="noopener noreferrer" data-testid={props.testId}>
        Open the sign-in page again
      </a>
      .
    </p>
  );
}
