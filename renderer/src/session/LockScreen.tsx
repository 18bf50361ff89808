// The lock: covers the whole window while the workspace stays in memory underneath (hidden and inert). Only a
// fresh sign-in as the same user opens it again; signing out instead clears the local data.
import { useEffect, useRef } from 'react';
import type { Session, User } from '../../../src/common/contract.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { ROLE_LABELS } from './roles.ts';
import { SessionMessage } from './SessionMessage.tsx';
import { ReopenSignInLink } from './SignInScreen.tsx';

export function LockScreen(props: {
  session: Session;
  user: User;
  authorizationUrl: string | null;
  starting: boolean;
  /** An action of this screen that failed (the workspace's own messages are hidden under the lock). */
  error: string | null;
  actions: { unlock: () => void; cancel: () => void; signOut: () => void };
}) {
  const { session, user, authorizationUrl, starting, error, actions } = props;
  const unlocking = session.state === 'signing_in';
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <div
      className="lock-screen"
      role="dialog"
      aria-modal="true"
      aria-labelledby="lock-heading"
      data-testid="lock-screen"
      data-state={session.state}
    >
      <main className="lock-panel">
        <p className="brand lock-brand" aria-hidden="true">
          Enclave
        </p>
        <h1 id="lock-heading" tabIndex={-1} ref={heading}>
          Enclave is locked
        </h1>
        <p data-testid="lock-user">
          Signed in as <strong>{user.displayName}</strong> ({ROLE_LABELS[user.role]}).
        </p>
        <p className="hint">Your work is kept on this computer but not shown. Sign in again to carry on.</p>
        {unlocking ? (
          <>
            <div className="progress-line" role="status">
              <progress aria-label="Waiting for the sign-in to finish" />
              <span>Finish signing in in your browser…</span>
            </div>
            {authorizationUrl ? <ReopenSignInLink url={authorizationUrl} testId="open-unlock-page" /> : null}
          </>
        ) : null}
        <div className="message-actions">
          {unlocking ? (
            <button type="button" className="button secondary" data-testid="cancel-unlock" onClick={actions.cancel}>
              Cancel
            </button>
          ) : (
            <button type="button" className="button" data-testid="unlock" disabled={starting} onClick={actions.unlock}>
              Sign in to unlock
            </button>
          )}
          <button type="button" className="button warning" data-testid="lock-sign-out" onClick={actions.signOut}>
            Sign out
          </button>
        </div>
        <p className="hint">
          Signing out instead closes your work: its tables, tabs and history stay on this computer for your next sign-in (in a project that
          keeps nothing on this computer, its tables go).
        </p>
        <SessionMessage message={session.message} />
        <ErrorMessage testId="lock-error" title="That did not work" text={error} />
      </main>
    </div>
  );
}
