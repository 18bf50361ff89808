// Comments on a request, a file or a cell (issue 16): the thread as the platform shows it to this checker (the other
// checker's comments only once both reviews are complete; private ones never reach the analyst), each labelled public
// or private in words; and the form to add one, public or private by an explicit choice, anchored to the file or to one
// of the cells chosen in the table.
import { useState, type FormEvent } from 'react';
import { COMMENT_MAX_CHARS, type Comment, type CommentVisibility, type RequestDetail } from '../../../src/common/airlock.ts';
import type { Client } from '../../../src/common/client.ts';
import type { CellKey } from '../../../src/common/output-check.ts';
import { formatEventTime } from '../admin/audit-summary.ts';
import { useSubmission } from '../admin/use-submission.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { cellKeyId, describeCell } from './cell-keys.ts';
import { VISIBILITY_LABELS } from './checking-words.ts';

export function CommentList(props: { comments: readonly Comment[]; dimensions: readonly string[]; empty: string; testId: string }) {
  const { comments, dimensions } = props;
  if (comments.length === 0) return <p className="hint">{props.empty}</p>;
  return (
    <ol className="comment-list" data-testid={props.testId}>
      {comments.map((comment) => (
        <li key={comment.id} className={`comment comment-${comment.visibility}`} data-testid="comment" data-visibility={comment.visibility}>
          <div className="comment-head">
            <span className="comment-author">{comment.author.name}</span>
            <span className={`badge status ${comment.visibility === 'private' ? 'over' : 'good'}`} data-testid="comment-visibility">
              {comment.visibility === 'private' ? 'Private: checkers only' : 'Public'}
            </span>
            <span className="comment-time">{formatEventTime(comment.at)}</span>
          </div>
          {comment.cell !== null ? (
            <span className="comment-anchor" data-testid="comment-cell">
              On the cell {describeCell(comment.cell, dimensions)}
            </span>
          ) : null}
          <p className="comment-text">{comment.text}</p>
        </li>
      ))}
    </ol>
  );
}

export function CommentForm(props: {
  client: Client;
  requestId: string;
  /** The file the comment is on; null: the whole request. */
  fileId: string | null;
  /** The cells chosen in the file's table: a comment may be anchored to one of them. */
  cells: readonly CellKey[];
  dimensions: readonly string[];
  onAdded: (detail: RequestDetail) => void;
}) {
  const { client, requestId, fileId, cells, dimensions } = props;
  const [text, setText] = useState('');
  const [visibility, setVisibility] = useState<CommentVisibility | null>(null);
  const [anchor, setAnchor] = useState('');
  const { busy, error, setError, send } = useSubmission();
  const prefix = `comment-${fileId ?? 'request'}`;
  const anchorCell = cells.find((cell) => cellKeyId(cell) === anchor) ?? null;

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (visibility === null) {
      setError('Choose who may read it: public (the analyst sees it) or private (checkers only).');
      return;
    }
    if (text.trim().length < 3) {
      setError('Write the comment (at least 3 characters).');
      return;
    }
    send(
      () =>
        client.invoke('airlock.comment', { requestId, fileId, cell: fileId === null ? null : anchorCell, visibility, text: text.trim() }),
      (detail) => {
        setText('');
        setAnchor('');
        props.onAdded(detail);
      },
      'The comment could not be added. Nothing was changed.',
    );
  };

  return (
    <form
      className="comment-form"
      aria-label={fileId === null ? 'Comment on the request' : 'Comment on this file'}
      onSubmit={submit}
      data-testid="comment-form"
    >
      <div className="field">
        <label htmlFor={`${prefix}-text`}>{fileId === null ? 'Comment on the request' : 'Comment on this file'}</label>
        <textarea
          id={`${prefix}-text`}
          rows={3}
          maxLength={COMMENT_MAX_CHARS}
          value={text}
          onChange={(event) => setText(event.target.value)}
          data-testid="comment-text"
        />
      </div>
      <fieldset className="choices">
        <legend>Who may read it</legend>
        {(['public', 'private'] as const).map((option) => (
          <div className="choice-radio" key={option}>
            <input
              type="radio"
              id={`${prefix}-${option}`}
              name={`${prefix}-visibility`}
              value={option}
              checked={visibility === option}
              onChange={() => setVisibility(option)}
              data-testid={`comment-${option}`}
            />
            <label htmlFor={`${prefix}-${option}`}>{VISIBILITY_LABELS[option]}</label>
          </div>
        ))}
      </fieldset>
      {fileId !== null ? (
        <div className="field">
          <label htmlFor={`${prefix}-anchor`}>What it is about</label>
          <select id={`${prefix}-anchor`} value={anchor} onChange={(event) => setAnchor(event.target.value)} data-testid="comment-anchor">
            <option value="">The whole file</option>
            {cells.map((cell) => (
              <option key={cellKeyId(cell)} value={cellKeyId(cell)}>
                The cell {describeCell(cell, dimensions)}
              </option>
            ))}
          </select>
          {cells.length === 0 ? <span className="hint">To comment on a cell, choose it in the table first.</span> : null}
        </div>
      ) : null}
      <ErrorMessage testId="comment-error" title="The comment was not added" text={error} />
      <button type="submit" className="button secondary" disabled={busy} data-testid="comment-send">
        {busy ? 'Adding…' : 'Add comment'}
      </button>
    </form>
  );
}
