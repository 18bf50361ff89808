// Adding a supporting file to a release request (issue 16): a text file picked from this computer (code, a log, a data
// dictionary, a CSV), read as text in the window and sent to the platform, for the output checkers only (never
// released). A file of the same name is a new version of it. Only text the platform accepts is sent.
import { useRef, useState, type FormEvent } from 'react';
import type { RequestDetail } from '../../../src/common/airlock.ts';
import type { Client } from '../../../src/common/client.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import type { SupportingFile } from '../../../src/common/outputs.ts';
import { useSubmission } from '../admin/use-submission.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { SUPPORTING_ACCEPT, supportingMediaType } from './request-text.ts';

/** The platform's limit on a supporting file's text. */
const MAX_CHARS = 1_000_000;

export function SupportingFileForm(props: { client: Client; detail: RequestDetail; onChanged: (detail: RequestDetail) => void }) {
  const { client, detail, onChanged } = props;
  const input = useRef<HTMLInputElement>(null);
  const [picked, setPicked] = useState<File | null>(null);
  const [news, setNews] = useState<string | null>(null);
  const { busy, error, setError, send } = useSubmission();

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setNews(null);
    if (picked === null) {
      setError('Choose a file first.');
      return;
    }
    const mediaType = supportingMediaType(picked.name);
    if (mediaType === null) {
      setError(`“${picked.name}” is not a text file the request takes: choose a .txt, .log, .csv, .md or .sql file. Nothing was added.`);
      return;
    }
    // Said before a byte is read: a multi-gigabyte log must not freeze the window. (A character takes at least a byte.)
    if (picked.size > MAX_CHARS * 4) {
      setError(`“${picked.name}” is too large: a supporting file may hold 1,000,000 characters. Nothing was added.`);
      return;
    }
    const file = picked;
    send(
      async () => {
        const text = await file.text();
        if (text.length > MAX_CHARS)
          throw new EnclaveError(
            'invalid_input',
            `“${file.name}” holds ${text.length.toLocaleString('en-GB')} characters; a supporting file may hold 1,000,000. Nothing was added.`,
          );
        const supporting: SupportingFile = { name: file.name, mediaType, text };
        return client.invoke('airlock.putFile', { requestId: detail.id, expectedVersion: detail.version, name: file.name, supporting });
      },
      (answer) => {
        setNews(`Added “${file.name}”.`);
        setPicked(null);
        if (input.current) input.current.value = '';
        onChanged(answer);
      },
      'The file could not be read as text. Nothing was added.',
    );
  };

  return (
    <form className="supporting-form" onSubmit={submit} aria-labelledby="supporting-heading" data-testid="supporting-form">
      <h4 id="supporting-heading">Add a supporting file</h4>
      <p className="hint">Code, a log or a data dictionary that helps the output checkers judge the outputs. It is never released.</p>
      <div className="controls">
        <div className="field">
          <label htmlFor="supporting-file">Text or CSV file</label>
          <input
            ref={input}
            id="supporting-file"
            type="file"
            accept={SUPPORTING_ACCEPT}
            onChange={(event) => {
              setError(null);
              setNews(null);
              setPicked(event.target.files?.[0] ?? null);
            }}
            data-testid="supporting-file-input"
          />
        </div>
        <button type="submit" className="button secondary" disabled={busy || picked === null} data-testid="add-supporting">
          {busy ? 'Adding…' : 'Add file'}
        </button>
      </div>
      <ErrorMessage testId="supporting-error" title="The file was not added" text={error} />
      <div role="status">{news ? <Notice kind="success" testId="supporting-news" text={news} /> : null}</div>
    </form>
  );
}
