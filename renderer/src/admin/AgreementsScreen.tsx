// The administrators' and data managers' agreements: every agreement the platform knows, with where it stands today (in
// force, not yet in force, expired, no DPIA, or its file refused), and the chosen one in full: purpose, legal basis,
// dates, members and who may see what. Agreements are files edited in the platform's agreements folder; their members
// are edited here too (./MembersEditor.tsx), saved by the platform as the next version of the file.
import { useEffect, useRef, useState } from 'react';
import type { AgreementEntry, AgreementRefusal, AgreementsOverview, AgreementView } from '../../../src/common/agreement-views.ts';
import type { Client } from '../../../src/common/client.ts';
import type { User } from '../../../src/common/contract.ts';
import { AgreementDetails, STATUS_LABELS, statusBadge } from '../catalogue/AgreementDetails.tsx';
import { formatCount } from '../shell/format.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage, Notice } from '../shell/Messages.tsx';
import { formatEventTime } from './audit-summary.ts';
import { MembersEditor } from './MembersEditor.tsx';
import './admin.css';
import './members.css';

function RefusedFile(props: { refusal: AgreementRefusal; inForceVersion: number | null }) {
  const { refusal, inForceVersion } = props;
  return (
    <div className="message error" data-testid="agreement-refusal">
      <span className="message-title">The file {refusal.file} was refused</span>
      <span className="message-text">
        {inForceVersion === null
          ? 'No version of this agreement is in force: the project cannot be used until the file is corrected.'
          : `Version ${inForceVersion} stays in force until the file is corrected.`}
      </span>
      <ul className="problems" aria-label={`Problems in ${refusal.file}`}>
        {refusal.problems.map((problem) => (
          <li key={`${problem.line}:${problem.column}:${problem.field}:${problem.message}`} data-testid="agreement-problem">
            <span className="problem-where">
              {problem.file}, line {problem.line}, column {problem.column}
              {problem.field ? (
                <>
                  , <code>{problem.field}</code>
                </>
              ) : null}
              :
            </span>{' '}
            {problem.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

function entryName(entry: AgreementEntry): string {
  return entry.inForce?.projectName ?? entry.projectId;
}

function Counts(props: { agreements: readonly AgreementEntry[] }) {
  const { agreements } = props;
  const inForce = agreements.filter((entry) => entry.status === 'in_force').length;
  const refused = agreements.filter((entry) => entry.refusal !== null).length;
  const parts = [`${formatCount(inForce)} in force`];
  if (agreements.length > inForce) parts.push(`${formatCount(agreements.length - inForce)} not in force`);
  if (refused > 0) parts.push(`${formatCount(refused)} with a refused file`);
  return (
    <p className="hint" data-testid="agreements-counts">
      {formatCount(agreements.length)} {agreements.length === 1 ? 'agreement' : 'agreements'}: {parts.join(', ')}.
    </p>
  );
}

export function AgreementsScreen(props: { client: Client; me: User }) {
  const { client, me } = props;
  const held = me.roles ?? [me.role];
  const [overview, setOverview] = useState<AgreementsOverview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [loading, setLoading] = useState(false);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  /** How many answers (or failures) have been shown: lets a test wait for the one it asked for. */
  const [answered, setAnswered] = useState(0);
  /** The chosen agreement's members are being edited. */
  const [editing, setEditing] = useState(false);
  /** The version the last save of members put in force (shown until the overview has it too). */
  const [saved, setSaved] = useState<AgreementView | null>(null);
  const editButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    let live = true;
    setError(null);
    setLoading(true);
    client
      .invoke('admin.agreements', {})
      .then(
        (answer) => {
          if (!live) return;
          setOverview(answer);
          // The one chosen stays chosen after a refresh; otherwise the first that needs attention, else the first.
          setSelectedId((current) =>
            answer.agreements.some((entry) => entry.projectId === current)
              ? current
              : ((answer.agreements.find((entry) => entry.status !== 'in_force' || entry.refusal !== null) ?? answer.agreements[0])
                  ?.projectId ?? null),
          );
        },
        (err: unknown) => live && setError(messageOf(err, 'The agreements could not be loaded.')),
      )
      .finally(() => {
        if (!live) return;
        setLoading(false);
        setAnswered((n) => n + 1);
      });
    return () => {
      live = false;
    };
  }, [client, attempt]);

  const selected = overview?.agreements.find((entry) => entry.projectId === selectedId) ?? null;
  const inForce =
    saved !== null && selected !== null && saved.projectId === selected.projectId && saved.version > (selected.inForce?.version ?? 0)
      ? saved
      : (selected?.inForce ?? null);

  const choose = (projectId: string): void => {
    setSelectedId(projectId);
    setEditing(false);
    if (projectId !== saved?.projectId) setSaved(null);
  };
  /** The editor was closed by its own buttons: the focus (which was in it) goes back to the button that opened it. */
  const refocus = useRef(false);
  const stopEditing = (): void => {
    refocus.current = true;
    setEditing(false);
  };
  useEffect(() => {
    if (editing || !refocus.current) return;
    refocus.current = false;
    editButton.current?.focus();
  }, [editing]);

  return (
    <div className="admin-agreements" aria-busy={loading} data-testid="agreements-screen" data-answered={answered}>
      <section className="panel" aria-labelledby="agreements-heading" data-testid="agreements-list">
        <h2 id="agreements-heading">Agreements</h2>
        <p className="hint" data-testid="agreements-read-only">
          Read-only. Each agreement is a file, <code>&lt;project id&gt;.json</code>, in{' '}
          {overview?.folder ? <code data-testid="agreements-folder">{overview.folder}</code> : 'the agreements folder'} on the platform’s
          computer. Edit the file there: a good edit takes effect at once as the next version; a file with a mistake is refused and shown
          here, and the version before stays in force. A project’s members are the exception: edit them here.
        </p>
        <ErrorMessage testId="agreements-error" title="The agreements could not be loaded" text={error} />
        {overview === null && error === null ? <p className="hint">Loading the agreements…</p> : null}
        {overview !== null && overview.agreements.length === 0 ? (
          <p className="hint">The platform has no agreement: no project can be used.</p>
        ) : null}
        {overview !== null && overview.agreements.length > 0 ? (
          <>
            <Counts agreements={overview.agreements} />
            <ul className="choice-list">
              {overview.agreements.map((entry) => (
                <li key={entry.projectId}>
                  <button
                    type="button"
                    className="choice"
                    aria-pressed={entry.projectId === selectedId}
                    data-testid={`agreement-${entry.projectId}`}
                    onClick={() => choose(entry.projectId)}
                  >
                    <span className="choice-title">{entryName(entry)}</span>
                    <span className="choice-meta">
                      <code>{entry.projectId}</code>
                      {entry.inForce ? ` · version ${entry.inForce.version}` : ''}
                    </span>
                    <span className="choice-badges">
                      <span className={`badge status ${statusBadge(entry.status)}`} data-testid="agreement-entry-status">
                        {STATUS_LABELS[entry.status]}
                      </span>
                      {entry.refusal !== null && entry.status !== 'refused' ? (
                        <span className="badge status bad">Newer file refused</span>
                      ) : null}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          </>
        ) : null}
        <p className="agreements-refresh">
          <button
            type="button"
            className="button secondary"
            disabled={loading}
            data-testid="agreements-refresh"
            onClick={() => setAttempt((n) => n + 1)}
          >
            {loading ? 'Reading…' : 'Read again'}
          </button>
        </p>
        {overview ? (
          <p className="hint" data-testid="agreements-judged-at">
            Standings as of {formatEventTime(overview.judgedAt)}.
          </p>
        ) : null}
      </section>
      {selected ? (
        <section className="panel" aria-labelledby="agreement-selected-heading" data-testid="agreement-selected">
          <h2 id="agreement-selected-heading">{entryName(selected)}</h2>
          {selected.refusal ? <RefusedFile refusal={selected.refusal} inForceVersion={selected.inForce?.version ?? null} /> : null}
          {inForce ? (
            <>
              <div role="status">
                {saved !== null && saved.projectId === inForce.projectId && !editing ? (
                  <Notice
                    kind="success"
                    testId="members-saved"
                    text={`Saved: version ${saved.version} is in force, with ${saved.members.length} ${saved.members.length === 1 ? 'member' : 'members'}. The platform applies it at once.`}
                  />
                ) : null}
              </div>
              {editing ? (
                <MembersEditor
                  key={`${inForce.projectId}:${inForce.version}`}
                  client={client}
                  agreement={inForce}
                  me={{ id: me.id, roles: held }}
                  onSaved={(view) => {
                    setSaved(view);
                    stopEditing();
                    setAttempt((n) => n + 1);
                  }}
                  onCancel={stopEditing}
                />
              ) : (
                <div className="members-bar">
                  <button
                    type="button"
                    className="button secondary"
                    ref={editButton}
                    onClick={() => setEditing(true)}
                    data-testid="edit-members"
                  >
                    Edit members
                  </button>
                  <span className="hint">Add or remove members, or change their roles, dates and permission to request release.</span>
                </div>
              )}
              <AgreementDetails agreement={inForce} />
            </>
          ) : (
            <p data-testid="agreement-status-text">{selected.statusText}</p>
          )}
        </section>
      ) : null}
    </div>
  );
}
