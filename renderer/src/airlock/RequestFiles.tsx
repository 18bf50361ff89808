// A release request's files as its author sees them (issue 16): each output with its three separate words — the
// engine's verdict, the mitigation applied, the checkers' decision — each under its own label; its exception text when
// the verdict is not pass; the checkers' public comments on it and its cells (answerable); and, while the request is
// pending or returned, withdrawing a file (after confirming). Supporting files are for the checkers and never released.
import { useState } from 'react';
import type { RequestDetail, RequestFile } from '../../../src/common/airlock.ts';
import type { Client } from '../../../src/common/client.ts';
import { formatEventTime } from '../admin/audit-summary.ts';
import { useSubmission } from '../admin/use-submission.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import {
  DECISION_HINTS,
  DECISION_LABELS,
  DECISION_WORD,
  decisionTone,
  MITIGATION_LABELS,
  MITIGATION_WORD,
  VERDICT_HINTS,
  VERDICT_LABELS,
  VERDICT_WORD,
  verdictTone,
} from './airlock-words.ts';
import { CommentList } from './Comments.tsx';
import { ExceptionEditor } from './ExceptionEditor.tsx';
import { needsException } from './exception-draft.ts';
import { commentsOn, currentFiles, fileLabel, fileRoleText, shortHash } from './request-text.ts';

/** The three words of an output file, each with its own label. */
function FileWords(props: { file: RequestFile }) {
  const { file } = props;
  return (
    <dl className="file-words" data-testid="file-words">
      <div className="file-word">
        <dt>{VERDICT_WORD}</dt>
        <dd>
          {file.verdict === null ? (
            <span className="hint">Not checked</span>
          ) : (
            <span className={`badge status ${verdictTone(file.verdict)}`} title={VERDICT_HINTS[file.verdict]} data-testid="file-verdict">
              {VERDICT_LABELS[file.verdict]}
            </span>
          )}
        </dd>
      </div>
      <div className="file-word">
        <dt>{MITIGATION_WORD}</dt>
        <dd data-testid="file-mitigation">
          {file.mitigation === null ? <span className="hint">None</span> : MITIGATION_LABELS[file.mitigation]}
        </dd>
      </div>
      <div className="file-word">
        <dt>{DECISION_WORD}</dt>
        <dd>
          <span className={`badge status ${decisionTone(file.decision)}`} data-testid="file-decision">
            {DECISION_LABELS[file.decision]}
          </span>
        </dd>
      </div>
    </dl>
  );
}

function WithdrawFile(props: { client: Client; detail: RequestDetail; file: RequestFile; onChanged: (detail: RequestDetail) => void }) {
  const { client, detail, file, onChanged } = props;
  const [asking, setAsking] = useState(false);
  const { busy, error, send } = useSubmission();
  const label = fileLabel(file);
  if (!asking)
    return (
      <button
        type="button"
        className="link-button"
        aria-label={`Withdraw this file: ${label}`}
        onClick={() => setAsking(true)}
        data-testid="withdraw-file"
      >
        Withdraw this file
      </button>
    );
  return (
    <div className="action-confirm" role="group" aria-label={`Withdraw ${label}?`} data-testid="withdraw-file-confirm">
      <p>
        Withdraw “{label}” from this request? It will not be reviewed or released
        {file.role === 'output' ? ', and its votes are dropped' : ''}.
      </p>
      <ErrorMessage testId="withdraw-file-error" title="The file was not withdrawn" text={error} />
      <div className="form-actions">
        <button
          type="button"
          className="button warning"
          disabled={busy}
          onClick={() =>
            send(
              () => client.invoke('airlock.withdrawFile', { requestId: detail.id, fileId: file.id, expectedVersion: detail.version }),
              onChanged,
              'The file was not withdrawn.',
            )
          }
          data-testid="withdraw-file-yes"
        >
          {busy ? 'Withdrawing…' : 'Withdraw file'}
        </button>
        <button type="button" className="button secondary" disabled={busy} onClick={() => setAsking(false)} data-testid="withdraw-file-no">
          Keep it
        </button>
      </div>
    </div>
  );
}

function FileCard(props: {
  client: Client;
  detail: RequestDetail;
  file: RequestFile;
  onChanged: (detail: RequestDetail) => void;
  onDirty: (fileId: string, dirty: boolean) => void;
}) {
  const { client, detail, file, onChanged, onDirty } = props;
  const editable = detail.actions.includes('edit');
  const comments = commentsOn(detail.comments, file.id);
  const headingId = `file-heading-${file.id}`;
  return (
    <article
      className={`request-file ${file.role}`}
      aria-labelledby={headingId}
      data-testid="request-file"
      data-file-id={file.id}
      data-name={file.name}
      data-role={file.role}
      data-verdict={file.verdict ?? ''}
      data-decision={file.decision}
    >
      <h4 id={headingId}>{fileLabel(file)}</h4>
      <p className="file-meta">
        {fileRoleText(file)} · <span className="mono">{file.name}</span> · version {file.fileVersion} · added{' '}
        {formatEventTime(file.addedAt)} ·{' '}
        <span className="mono" title={`SHA-256 ${file.sha256}`}>
          {shortHash(file.sha256)}
        </span>
      </p>
      {file.role === 'output' ? <FileWords file={file} /> : null}
      {file.role === 'output' && file.decision !== 'undecided' ? (
        <p className="hint" data-testid="decision-hint">
          {DECISION_HINTS[file.decision]}
        </p>
      ) : null}
      {file.changedSinceReview ? (
        <p className="hint" data-testid="changed-since-review">
          Changed since the output checkers reviewed it: its review starts again.
        </p>
      ) : null}
      {file.role === 'output' && needsException(file.verdict) ? (
        <ExceptionEditor
          key={`${file.id}:${file.fileVersion}:${file.exception ?? ''}`}
          client={client}
          detail={detail}
          file={file}
          editable={editable}
          onChanged={onChanged}
          onDirty={onDirty}
        />
      ) : null}
      {comments.length > 0 ? (
        <div className="file-comments">
          <h5>Comments on this file</h5>
          <CommentList client={client} detail={detail} comments={comments} onChanged={onChanged} />
        </div>
      ) : null}
      {editable ? <WithdrawFile client={client} detail={detail} file={file} onChanged={onChanged} /> : null}
    </article>
  );
}

export function RequestFiles(props: {
  client: Client;
  detail: RequestDetail;
  onChanged: (detail: RequestDetail) => void;
  onDirty: (fileId: string, dirty: boolean) => void;
}) {
  const { client, detail, onChanged, onDirty } = props;
  const { outputs, supporting, withdrawn } = currentFiles(detail);
  const card = (file: RequestFile) => (
    <FileCard key={file.id} client={client} detail={detail} file={file} onChanged={onChanged} onDirty={onDirty} />
  );
  return (
    <section className="panel" aria-labelledby="request-files-heading" data-testid="request-files">
      <h3 id="request-files-heading">Files</h3>
      {outputs.length === 0 ? (
        <p className="hint" data-testid="no-outputs">
          {detail.actions.includes('edit')
            ? 'No output file yet. Make one from a result on the Local analysis screen (“Make an output”), and add it to this request.'
            : 'No output files.'}
        </p>
      ) : (
        <div className="request-file-list">{outputs.map(card)}</div>
      )}
      {supporting.length > 0 ? (
        <>
          <h4 className="files-subheading">Supporting files</h4>
          <p className="hint">Visible to the output checkers; never released.</p>
          <div className="request-file-list">{supporting.map(card)}</div>
        </>
      ) : null}
      {withdrawn.length > 0 ? (
        <details className="withdrawn-files" data-testid="withdrawn-files">
          <summary>{withdrawn.length === 1 ? '1 withdrawn file' : `${withdrawn.length} withdrawn files`}</summary>
          <ul>
            {withdrawn.map((file) => (
              <li key={file.id} data-testid="withdrawn-file">
                {fileLabel(file)}
                {file.title !== null && file.title !== file.name ? <span className="mono"> ({file.name})</span> : null}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
