// One file of a request under review (issue 16). An output: the three words (the engine's verdict, the mitigation
// applied, the checkers' decision), the output as it would be published with the cells the engine marked (a chart
// drawn from its published cells above its table), the evidence behind the chosen cells (checkers only: it never
// leaves), the automatic report (notes, flags, the suggested mitigation), the analyst's exception text, on a
// resubmission the cells that changed since this checker's review, the votes (the other checker's hidden until both
// reviews are complete), this checker's vote, and the comments on the file and its cells. A supporting file (never
// released): its text. Reading a file is an audited view on the platform.
import { useCallback, useMemo, useState } from 'react';
import type { RequestDetail, RequestFile } from '../../../src/common/airlock.ts';
import type { Client } from '../../../src/common/client.ts';
import type { CellKey } from '../../../src/common/output-check.ts';
import { useAdminRead } from '../admin/use-admin-read.ts';
import { formatEventTime } from '../admin/audit-summary.ts';
import { OutputChartView } from '../outputs/OutputChartView.tsx';
import { ErrorMessage } from '../shell/Messages.tsx';
import { cellKeyId, describeCell, toggleCell } from './cell-keys.ts';
import type { OutputVersion } from './cell-diff.ts';
import {
  DECISION_LABELS,
  DECISION_WORD,
  decisionTone,
  DISAGREEMENT_LABELS,
  FLAG_LABELS,
  MITIGATION_LABELS,
  MITIGATION_WORD,
  VERDICT_HINTS,
  VERDICT_LABELS,
  VERDICT_WORD,
  verdictTone,
  VOTE_LABELS,
} from './checking-words.ts';
import { CommentForm, CommentList } from './Comments.tsx';
import { DifferencingSideBySide } from './DifferencingSideBySide.tsx';
import { DiffView } from './DiffView.tsx';
import { PublishedTableView } from './PublishedTableView.tsx';
import { cellMarks, commentsOn, evidenceFor, evidenceLines, isBlinded, wholeOutputEvidence } from './review-rules.ts';
import { VoteForm } from './VoteForm.tsx';

function ThreeWords(props: { file: RequestFile }) {
  const { file } = props;
  return (
    <dl className="three-words" data-testid="three-words">
      <div>
        <dt>{VERDICT_WORD}</dt>
        <dd>
          {file.verdict === null ? (
            '—'
          ) : (
            <span className={`badge status ${verdictTone(file.verdict)}`} data-testid="file-verdict">
              {VERDICT_LABELS[file.verdict]}
            </span>
          )}
        </dd>
      </div>
      <div>
        <dt>{MITIGATION_WORD}</dt>
        <dd data-testid="file-mitigation">{file.mitigation === null ? '—' : MITIGATION_LABELS[file.mitigation]}</dd>
      </div>
      <div>
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

function Votes(props: { detail: RequestDetail; file: RequestFile; dimensions: readonly string[] }) {
  const { detail, file, dimensions } = props;
  const others = file.votes.visible.filter((vote) => !vote.mine);
  const hidden = file.votes.hidden > 0 || (isBlinded(detail) && others.length === 0);
  return (
    <section className="file-section" aria-labelledby={`votes-${file.id}`} data-testid="file-votes">
      <h4 id={`votes-${file.id}`}>Votes</h4>
      {file.votes.visible.length === 0 ? <p className="hint">You have not voted on this file yet.</p> : null}
      <ul className="vote-list">
        {file.votes.visible.map((vote) => (
          <li key={vote.checker.id} data-testid={vote.mine ? 'my-vote' : 'other-vote'}>
            <span className="vote-who">{vote.mine ? 'You' : vote.checker.name}</span>:{' '}
            <span className="vote-what">{VOTE_LABELS[vote.vote]}</span>
            <span className="hint"> ({formatEventTime(vote.at)})</span>
            {vote.disagreement ? (
              <span className="vote-disagreement">
                Against the engine: {DISAGREEMENT_LABELS[vote.disagreement.code]}. “{vote.disagreement.text}”
                {vote.disagreement.cells.length > 0
                  ? ` Cells: ${vote.disagreement.cells.map((cell) => describeCell(cell, dimensions)).join('; ')}.`
                  : ''}
              </span>
            ) : null}
          </li>
        ))}
      </ul>
      {hidden ? (
        <p className="blinded" data-testid="votes-hidden">
          The other checker’s vote is hidden until both reviews are complete.
        </p>
      ) : null}
    </section>
  );
}

function OutputReview(props: {
  client: Client;
  detail: RequestDetail;
  file: RequestFile;
  current: OutputVersion;
  previous: OutputVersion | null;
  onChanged: (detail: RequestDetail) => void;
}) {
  const { client, detail, file, current, previous, onChanged } = props;
  const [selection, setSelection] = useState<CellKey[]>([]);
  const { published, check } = current;
  const dimensions = published.dimensions;
  const cellKeys = useMemo(() => [...published.cells, ...published.totals].map((cell) => cell.key), [published]);
  const marks = useMemo(() => cellMarks(check, cellKeys), [check, cellKeys]);
  const toggle = useCallback((key: CellKey) => setSelection((current) => toggleCell(current, key)), []);
  const notes = [...check.notes, ...(check.check?.notes ?? []), ...(check.regression?.reasons ?? [])].filter(
    (note, i, all) => all.indexOf(note) === i,
  );
  const whole = wholeOutputEvidence(check);
  const comments = commentsOn(detail.comments, file.id);
  const blinded = isBlinded(detail);

  return (
    <>
      <ThreeWords file={file} />
      <p className="hint">
        {file.verdict !== null ? VERDICT_HINTS[file.verdict] : null} Checked with the rule profile <code>{check.rules.profile}</code>.
      </p>
      <section className="file-section" aria-labelledby={`published-${file.id}`}>
        <h4 id={`published-${file.id}`}>As it would be published</h4>
        {published.chart ? <OutputChartView published={published} /> : null}
        <PublishedTableView published={published} marks={marks} selection={selection} onToggle={toggle} />
      </section>
      {previous !== null ? <DiffView previous={previous} current={current} /> : null}
      <section className="file-section evidence" aria-labelledby={`evidence-${file.id}`} data-testid="evidence">
        <h4 id={`evidence-${file.id}`}>Evidence (checkers only: never released)</h4>
        {selection.length === 0 && whole.length === 0 ? (
          <p className="hint">Choose a cell in the table to see what lies behind it: its count, its contributors and their shares.</p>
        ) : null}
        {whole.map((evidence, i) => (
          <ul className="evidence-lines" key={`whole-${i}`} data-testid="evidence-whole">
            {[...evidence.reasons, ...evidenceLines(evidence)].map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
        ))}
        {selection.map((key) => {
          const evidence = evidenceFor(check, key);
          const mark = marks.get(cellKeyId(key));
          const lines = [...(evidence?.reasons ?? mark?.reasons ?? []), ...(evidence ? evidenceLines(evidence) : [])].filter(
            (line, i, all) => all.indexOf(line) === i,
          );
          return (
            <div className="evidence-cell" key={describeCell(key)} data-testid="evidence-cell">
              <span className="evidence-where">{describeCell(key, dimensions)}</span>
              {lines.length === 0 ? (
                <span className="hint"> Nothing flagged: the engine found no problem with this cell.</span>
              ) : (
                <ul className="evidence-lines">
                  {lines.map((line) => (
                    <li key={line}>{line}</li>
                  ))}
                </ul>
              )}
            </div>
          );
        })}
        {selection.length > 0 ? (
          <button type="button" className="link-button" onClick={() => setSelection([])} data-testid="clear-selection">
            Clear the chosen cells
          </button>
        ) : null}
      </section>
      <section className="file-section" aria-labelledby={`report-${file.id}`} data-testid="engine-report">
        <h4 id={`report-${file.id}`}>The automatic report</h4>
        <p>
          {VERDICT_WORD}: <strong>{VERDICT_LABELS[check.verdict]}</strong>. {MITIGATION_WORD}:{' '}
          <strong>{MITIGATION_LABELS[check.mitigation]}</strong>.
        </p>
        {check.flags.length > 0 ? (
          <ul className="flag-list" data-testid="engine-flags">
            {check.flags.map((flag) => (
              <li key={flag.message}>
                <span className={`badge status ${flag.verdict === 'flag' ? 'bad' : 'pending'}`}>
                  {FLAG_LABELS[flag.code]}: {VERDICT_LABELS[flag.verdict]}
                </span>{' '}
                {flag.message}
                {flag.earlier ? ` (compared with the released “${flag.earlier.title ?? flag.earlier.id}”)` : ''}
                <DifferencingSideBySide check={check} flag={flag} title={published.title} />
              </li>
            ))}
          </ul>
        ) : null}
        {notes.length > 0 ? (
          <ul className="note-list" data-testid="engine-notes">
            {notes.map((note) => (
              <li key={note}>{note}</li>
            ))}
          </ul>
        ) : (
          <p className="hint">The engine has no notes on this output.</p>
        )}
        {check.suggestion ? <p data-testid="engine-suggestion">Suggested mitigation: {check.suggestion.text}</p> : null}
      </section>
      <section className="file-section" aria-labelledby={`exception-${file.id}`} data-testid="exception">
        <h4 id={`exception-${file.id}`}>The analyst’s exception</h4>
        {file.exception ? (
          <p className="exception-text">{file.exception}</p>
        ) : (
          <p className="hint">No exception text (the output passes).</p>
        )}
      </section>
      <Votes detail={detail} file={file} dimensions={dimensions} />
      {detail.actions.includes('vote') ? (
        <VoteForm
          key={`${file.id}-${file.fileVersion}`}
          client={client}
          detail={detail}
          file={file}
          cells={selection}
          dimensions={dimensions}
          onVoted={onChanged}
        />
      ) : null}
      <section className="file-section" aria-labelledby={`comments-${file.id}`}>
        <h4 id={`comments-${file.id}`}>Comments on this file</h4>
        <CommentList comments={comments} dimensions={dimensions} empty="No comments on this file yet." testId="file-comments" />
        {blinded ? (
          <p className="blinded" data-testid="comments-hidden">
            The other checker’s comments are hidden until both reviews are complete.
          </p>
        ) : null}
        {detail.actions.includes('comment') ? (
          <CommentForm
            client={client}
            requestId={detail.id}
            fileId={file.id}
            cells={selection}
            dimensions={dimensions}
            onAdded={onChanged}
          />
        ) : null}
      </section>
    </>
  );
}

export function FileReview(props: {
  client: Client;
  detail: RequestDetail;
  file: RequestFile;
  onChanged: (detail: RequestDetail) => void;
}) {
  const { client, detail, file, onChanged } = props;
  const { id: requestId } = detail;
  const fileId = file.id;
  const version = `${file.fileVersion}-${file.sha256}`;
  const read = useCallback(() => {
    void version;
    return client.invoke('airlock.file', { requestId, fileId });
  }, [client, requestId, fileId, version]);
  const content = useAdminRead(read, 'The file could not be read.');
  // Only the version the vote would be cast on: while a newer version is read (or its read failed), nothing is shown.
  const value =
    content.value !== null &&
    content.value.file.id === fileId &&
    content.value.file.fileVersion === file.fileVersion &&
    content.value.file.sha256 === file.sha256
      ? content.value
      : null;

  return (
    <section
      className="panel file-review"
      aria-labelledby={`file-heading-${fileId}`}
      aria-busy={content.loading}
      data-testid="file-review"
      data-file-id={fileId}
      data-answered={content.answered}
    >
      <h3 id={`file-heading-${fileId}`}>
        {file.name}
        {file.title ? <span className="file-title"> — {file.title}</span> : null}
      </h3>
      <p className="hint">
        {file.role === 'supporting' ? 'Supporting file: for the checkers, never released.' : `Output file, version ${file.fileVersion}.`}{' '}
        Added {formatEventTime(file.addedAt)}. SHA-256 <code className="sha">{file.sha256}</code>
      </p>
      <ErrorMessage testId="file-error" title="The file could not be read" text={content.error}>
        <button type="button" className="button secondary" onClick={content.refresh}>
          Try again
        </button>
      </ErrorMessage>
      {value === null ? (
        content.error === null ? (
          <p className="hint">Reading the file…</p>
        ) : null
      ) : value.current.role === 'supporting' ? (
        <>
          <p className="hint">
            {value.current.supporting.name} ({value.current.supporting.mediaType})
          </p>
          <pre className="supporting-text" data-testid="supporting-text">
            {value.current.supporting.text}
          </pre>
          <section className="file-section">
            <h4>Comments on this file</h4>
            <CommentList
              comments={commentsOn(detail.comments, file.id)}
              dimensions={[]}
              empty="No comments on this file yet."
              testId="file-comments"
            />
            {detail.actions.includes('comment') ? (
              <CommentForm client={client} requestId={detail.id} fileId={file.id} cells={[]} dimensions={[]} onAdded={onChanged} />
            ) : null}
          </section>
        </>
      ) : (
        <OutputReview
          key={version}
          client={client}
          detail={detail}
          file={file}
          current={value.current}
          previous={value.previous?.role === 'output' ? value.previous : null}
          onChanged={onChanged}
        />
      )}
    </section>
  );
}
