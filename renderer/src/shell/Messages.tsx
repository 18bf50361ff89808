// Readable messages: errors in an alert region (announced at once), other news in a polite status region.
import type { ReactNode } from 'react';

export function ErrorMessage(props: { title?: string; text: string | null; testId: string; preformatted?: boolean; children?: ReactNode }) {
  // The alert region stays in the page so screen readers announce text that appears in it.
  return (
    <div role="alert" data-testid={props.testId}>
      {props.text ? (
        <div className="message error">
          <span className="message-title">{props.title ?? 'There is a problem'}</span>
          {/* Engine errors point at a column of the SQL ("LINE 1: …  ^"), which only lines up in monospace. */}
          {props.preformatted ? <pre>{props.text}</pre> : <span className="message-text">{props.text}</span>}
          {props.children ? <div className="message-actions">{props.children}</div> : null}
        </div>
      ) : null}
    </div>
  );
}

export function Notice(props: { kind?: 'success' | 'notice' | 'info'; text: ReactNode; testId: string; children?: ReactNode }) {
  const kind = props.kind ?? 'info';
  return (
    <div className={`message ${kind === 'info' ? '' : kind}`} data-testid={props.testId}>
      <span className="message-text">{props.text}</span>
      {props.children ? <div className="message-actions">{props.children}</div> : null}
    </div>
  );
}
