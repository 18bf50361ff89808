// An output's exception text (issue 16): why an output whose engine verdict is not pass should still be released. When
// none is saved yet, it is drafted from the platform's check of the file (what the engine found and the mitigation it
// suggests) for the author to finish; saving sends the same output again with the text (its bytes are unchanged, so its
// reviews are kept), with the version the page shows.
import { useEffect, useState } from 'react';
import type { FileVersionContent, RequestDetail, RequestFile } from '../../../src/common/airlock.ts';
import type { Client } from '../../../src/common/client.ts';
import { useSubmission } from '../admin/use-submission.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { exceptionAnswered, exceptionDraft } from './exception-draft.ts';

type OutputContent = Extract<FileVersionContent, { role: 'output' }>;

async function outputContent(client: Client, requestId: string, fileId: string): Promise<OutputContent> {
  const content = await client.invoke('airlock.file', { requestId, fileId });
  if (content.current.role !== 'output') throw new Error('not an output');
  return content.current;
}

export function ExceptionEditor(props: {
  client: Client;
  detail: RequestDetail;
  file: RequestFile;
  editable: boolean;
  onChanged: (detail: RequestDetail) => void;
  /** Whether the text shown differs from the saved one (the page counts unsaved texts before submitting). */
  onDirty: (fileId: string, dirty: boolean) => void;
}) {
  const { client, detail, file, editable, onChanged, onDirty } = props;
  const saved = file.exception ?? '';
  const [text, setText] = useState(saved);
  const [content, setContent] = useState<OutputContent | null>(null);
  const [draftError, setDraftError] = useState<string | null>(null);
  const { busy, error, send } = useSubmission();
  const id = `exception-${file.id}`;
  const dirty = text !== saved;

  // Nothing saved yet: the draft from the platform's own check of this version.
  useEffect(() => {
    if (!editable || saved.trim() !== '') return;
    let live = true;
    outputContent(client, detail.id, file.id).then(
      (current) => {
        if (!live) return;
        setContent(current);
        const draft = exceptionDraft(current.check);
        if (draft !== null) setText((typed) => (typed.trim() === '' ? draft : typed));
      },
      (err: unknown) => live && setDraftError(messageOf(err, 'The check of this output could not be read to draft the text.')),
    );
    return () => {
      live = false;
    };
  }, [client, detail.id, file.id, editable, saved]);

  useEffect(() => onDirty(file.id, dirty), [onDirty, file.id, dirty]);
  useEffect(() => () => onDirty(file.id, false), [onDirty, file.id]);

  if (!editable) {
    return (
      <div className="exception" data-testid="exception">
        <h5>Exception text</h5>
        {saved.trim() ? (
          <p className="exception-text" data-testid="exception-text">
            {saved}
          </p>
        ) : (
          <p className="hint">None was given.</p>
        )}
      </div>
    );
  }

  const save = (): void => {
    send(
      async () => {
        const current = content ?? (await outputContent(client, detail.id, file.id));
        setContent(current);
        return client.invoke('airlock.putFile', {
          requestId: detail.id,
          expectedVersion: detail.version,
          name: file.name,
          output: current.document,
          exception: text.trim() === '' ? null : text.trim(),
        });
      },
      onChanged,
      'The exception text was not saved.',
    );
  };

  return (
    <div className="exception field" data-testid="exception">
      <label htmlFor={id}>Exception text: why it should be released although its verdict is {file.verdict}</label>
      <span className="hint" id={`${id}-hint`}>
        Drafted from the engine’s check: say in your own words why it is safe. The output checkers read it with the output.
      </span>
      <textarea
        id={id}
        rows={6}
        maxLength={4000}
        aria-describedby={`${id}-hint`}
        value={text}
        onChange={(event) => setText(event.target.value)}
        data-testid="exception-input"
      />
      <ErrorMessage testId="exception-draft-error" title="No draft" text={draftError} />
      <ErrorMessage testId="exception-error" title="The exception text was not saved" text={error} />
      <div className="form-actions">
        <button type="button" className="button" disabled={busy || !dirty} onClick={save} data-testid="save-exception">
          {busy ? 'Saving…' : 'Save exception text'}
        </button>
        {dirty ? (
          <span className="hint" data-testid="exception-unsaved">
            Not saved yet.
          </span>
        ) : null}
        {!dirty && saved.trim() !== '' && !exceptionAnswered(saved) ? (
          <span className="hint" data-testid="exception-unanswered">
            Say why it is safe after “Why it is safe to release as it is”.
          </span>
        ) : null}
      </div>
    </div>
  );
}
