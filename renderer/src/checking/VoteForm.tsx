// A checker's vote on one output file (issue 16): approve or request changes. A vote against the engine's verdict
// (approving a flag or a review, asking for changes to a pass) needs a coded reason, words, and the cells it concerns,
// chosen by clicking them in the table. The vote carries the request's version, so a vote on a request that changed
// since the page read it is refused and nothing changes.
import { useEffect, useState, type FormEvent } from 'react';
import { REASON_MAX_CHARS, type DisagreementCode, type RequestDetail, type RequestFile, type Vote } from '../../../src/common/airlock.ts';
import type { Client } from '../../../src/common/client.ts';
import type { CellKey } from '../../../src/common/output-check.ts';
import { useSubmission } from '../admin/use-submission.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { describeCell } from './cell-keys.ts';
import { DISAGREEMENT_LABELS, disagreementCodesFor, VERDICT_LABELS, VOTE_LABELS } from './checking-words.ts';
import { myVote, needsDisagreement, readDisagreement } from './review-rules.ts';

export function VoteForm(props: {
  client: Client;
  detail: RequestDetail;
  file: RequestFile;
  /** The cells chosen in the table: what a disagreement concerns. */
  cells: readonly CellKey[];
  dimensions: readonly string[];
  onVoted: (detail: RequestDetail) => void;
}) {
  const { client, detail, file, cells, dimensions } = props;
  const mine = myVote(file);
  const [vote, setVote] = useState<Vote | null>(mine?.vote ?? null);
  const [code, setCode] = useState<string>(mine?.disagreement?.code ?? '');
  const [text, setText] = useState(mine?.disagreement?.text ?? '');
  const { busy, error, setError, send } = useSubmission();
  const prefix = `vote-${file.id}`;

  // A refusal belongs to the request as it was: once the page holds a newer version, it no longer applies.
  useEffect(() => setError(null), [detail.version, setError]);
  const disagrees = vote !== null && needsDisagreement(file.verdict, vote);
  const codes = vote === null ? [] : disagreementCodesFor(vote);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (vote === null) {
      setError('Choose Approve or Request changes.');
      return;
    }
    if (disagrees) {
      const reading = readDisagreement({ code: codes.includes(code as DisagreementCode) ? code : '', text });
      if (!reading.ok) {
        setError(reading.message);
        return;
      }
    }
    const disagreement = disagrees ? { code: code as DisagreementCode, text: text.trim(), cells: [...cells] } : null;
    send(
      () => client.invoke('airlock.vote', { requestId: detail.id, fileId: file.id, expectedVersion: detail.version, vote, disagreement }),
      props.onVoted,
      'Your vote could not be recorded. Nothing was changed.',
    );
  };

  return (
    <form className="vote-form" aria-labelledby={`${prefix}-heading`} onSubmit={submit} data-testid="vote-form">
      <h4 id={`${prefix}-heading`}>
        {mine ? 'Change your vote' : 'Your vote'} on “{file.name}”
      </h4>
      <fieldset className="choices">
        <legend className="visually-hidden">Your vote</legend>
        {(['approve', 'request_changes'] as const).map((option) => (
          <div className="choice-radio" key={option}>
            <input
              type="radio"
              id={`${prefix}-${option}`}
              name={`${prefix}-vote`}
              value={option}
              checked={vote === option}
              onChange={() => {
                setVote(option);
                setError(null);
              }}
              data-testid={`vote-${option}`}
            />
            <label htmlFor={`${prefix}-${option}`}>{VOTE_LABELS[option]}</label>
          </div>
        ))}
      </fieldset>
      {disagrees && file.verdict !== null ? (
        <div className="disagreement" data-testid="disagreement">
          <p className="disagreement-title">
            The engine’s verdict is {VERDICT_LABELS[file.verdict]}: your vote goes against it, so say why.
          </p>
          <div className="field">
            <label htmlFor={`${prefix}-code`}>Reason</label>
            <select
              id={`${prefix}-code`}
              value={codes.includes(code as DisagreementCode) ? code : ''}
              onChange={(event) => setCode(event.target.value)}
              data-testid="disagreement-code"
            >
              <option value="">Choose the reason…</option>
              {codes.map((option) => (
                <option key={option} value={option}>
                  {DISAGREEMENT_LABELS[option]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${prefix}-text`}>Why, in words</label>
            <textarea
              id={`${prefix}-text`}
              rows={3}
              maxLength={REASON_MAX_CHARS}
              value={text}
              onChange={(event) => setText(event.target.value)}
              data-testid="disagreement-text"
            />
          </div>
          <div className="disagreement-cells" data-testid="disagreement-cells">
            <span className="field-label">Cells it concerns</span>
            {cells.length === 0 ? (
              <span className="hint">The whole output. To name cells, choose them in the table above.</span>
            ) : (
              <ul>
                {cells.map((cell) => (
                  <li key={describeCell(cell)}>{describeCell(cell, dimensions)}</li>
                ))}
              </ul>
            )}
          </div>
        </div>
      ) : null}
      <ErrorMessage testId="vote-error" title="Your vote was not recorded" text={error} />
      <button type="submit" className="button" disabled={busy} data-testid="vote-send">
        {busy ? 'Recording…' : mine ? 'Record my new vote' : 'Record my vote'}
      </button>
    </form>
  );
}
