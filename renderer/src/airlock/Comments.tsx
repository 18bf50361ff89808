// Comments on a release request as its author and members read them (issue 16): only public ones ever reach them (the
// platform keeps the checkers' private comments back). Each comment says who wrote it, when, and where it is anchored
// (the request, a file, a cell of a file), and can be answered: the answer is public and anchored to the same place.
import { useState, type FormEvent } from 'react';
import type { CellKey, Comment, RequestDetail } from '../../../src/common/airlock.ts';
import type { Client } from '../../../src/common/client.ts';
import { formatEventTime } from '../admin/audit-summary.ts';
import { useSubmission } from '../admin/use-submission.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { anchorText } from './request-text.ts';

/** Writes a public comment anchored to a file (or the request) and cell; the answer is the request as it now is. */
export function CommentForm(props: {
  client: Client;
  detail: RequestDetail;
  fileId: string | null;
  cell: CellKey | null;
  /** The form's own id, unique on the page (labels point at it). */
  formId: string;
  label: string;
  submitLabel: string;
  onPosted: (detail: RequestDetail) => void;
  onCancel?: () => void;
}) {
  const { client, detail, fileId, cell, formId, onPosted } = props;
  const [text, setText] = useState('');
  const { busy, error, send } = useSubmission();

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    send(
      () => client.invoke('airlock.comment', { requestId: detail.id, fileId, cell, visibility: 'public', text: text.trim() }),
      (answer) => {
        setText('');
        onPosted(answer);
      },
      'The comment was not posted.',
    );
  };

  return (
    <form className="comment-form" onSubmit={submit} data-testid="comment-form">
      <div className="field">
        <label htmlFor={formId}>{props.label}</label>
        <textarea
          id={formId}
          rows={3}
          maxLength={4000}
          value={text}
          onChange={(event) => setText(event.target.value)}
          data-testid="comment-text"
        />
      </div>
      <p className="hint">Public: the output checkers and the project’s members read it.</p>
      <ErrorMessage testId="comment-error" title="The comment was not posted" text={error} />
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy || text.trim().length === 0} data-testid="post-comment">
          {busy ? 'Posting…' : props.submitLabel}
        </button>
        {props.onCancel ? (
          <button type="button" className="button secondary" onClick={props.onCancel} data-testid="cancel-comment">
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}

/** A list of comments, each answerable when the viewer may comment. */
export function CommentList(props: {
  client: Client;
  detail: RequestDetail;
  comments: readonly Comment[];
  onChanged: (detail: RequestDetail) => void;
}) {
  const { client, detail, comments, onChanged } = props;
  const [answering, setAnswering] = useState<string | null>(null);
  const mayComment = detail.actions.includes('comment');
  if (comments.length === 0) return null;
  return (
    <ol className="comments" data-testid="comments">
      {comments.map((comment) => (
        <li key={comment.id} className="comment" data-testid="comment" data-comment-id={comment.id} data-visibility={comment.visibility}>
          <div className="comment-meta">
            <span className="comment-author">{comment.author.name}</span>
            <time dateTime={comment.at}>{formatEventTime(comment.at)}</time>
            <span className="comment-anchor" data-testid="comment-anchor">
              {anchorText(comment, detail.files)}
            </span>
            <span className={`badge status ${comment.visibility === 'public' ? 'over' : 'pending'}`}>
              {comment.visibility === 'public' ? 'Public' : 'Private'}
            </span>
          </div>
          <p className="comment-text" data-testid="comment-body">
            {comment.text}
          </p>
          {mayComment && answering !== comment.id ? (
            <button
              type="button"
              className="link-button"
              aria-label={`Answer ${comment.author.name}’s comment`}
              onClick={() => setAnswering(comment.id)}
              data-testid="answer-comment"
            >
              Answer
            </button>
          ) : null}
          {answering === comment.id ? (
            <CommentForm
              client={client}
              detail={detail}
              fileId={comment.fileId}
              cell={comment.cell}
              formId={`answer-${comment.id}`}
              label={`Your answer to ${comment.author.name}`}
              submitLabel="Post answer"
              onCancel={() => setAnswering(null)}
              onPosted={(answer) => {
                setAnswering(null);
                onChanged(answer);
              }}
            />
          ) : null}
        </li>
      ))}
    </ol>
  );
}
