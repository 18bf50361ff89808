// What the core says about the sign-in (why the user was signed out, why sign-in failed): errors as alerts.
import type { Session } from '../../../src/common/contract.ts';

export function SessionMessage(props: { message: Session['message'] }) {
  const { message } = props;
  return (
    <>
      <div role="alert" data-testid="session-error">
        {message?.kind === 'error' ? (
          <div className="message error">
            <span className="message-title">Sign-in did not complete</span>
            <span className="message-text">{message.text}</span>
          </div>
        ) : null}
      </div>
      <div role="status" data-testid="session-info">
        {message?.kind === 'info' ? (
          <div className="message">
            <span className="message-text">{message.text}</span>
          </div>
        ) : null}
      </div>
    </>
  );
}
