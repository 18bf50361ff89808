// Changes that wait for a second administrator (granting admin once there are two): who asked, for whom, why. Another
// administrator approves or refuses each, with a reason; the one who asked is told it is not theirs to decide (the
// platform refuses it too).
import { useState, type FormEvent } from 'react';
import type { Client } from '../../../src/common/client.ts';
import { ROLE_LABELS, type PendingChange, type PersonChangeResult } from '../../../src/common/people.ts';
import { useSubmission } from './use-submission.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { formatEventTime } from './audit-summary.ts';
import { readReason } from './people-text.ts';

/** The platform's answer to a change or a decision: its summary, and whether it waits for a second administrator. */
export function ChangeAnswer(props: { result: PersonChangeResult; testId: string }) {
  const { result } = props;
  const waits = result.pending !== null && result.pending.status === 'pending';
  return (
    <div className={`message ${waits ? 'notice' : 'success'}`} data-testid={props.testId}>
      <span className="message-title">{waits ? 'Waiting for a second administrator' : 'Done'}</span>
      <span className="message-text" data-testid="change-summary">
        {result.summary}
      </span>
    </div>
  );
}

function DecideForm(props: {
  client: Client;
  change: PendingChange;
  approve: boolean;
  name: string;
  onDecided: (result: PersonChangeResult) => void;
  onCancel: () => void;
}) {
  const { client, change, approve, name, onDecided, onCancel } = props;
  const [reason, setReason] = useState('');
  const { busy, error, setError, send } = useSubmission();
  const role = ROLE_LABELS[change.role];

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const reading = readReason(reason);
    if (!reading.ok) {
      setError(reading.message);
      return;
    }
    send(
      () => client.invoke('admin.decideChange', { changeId: change.id, approve, reason: reading.value }),
      onDecided,
      'The decision could not be recorded.',
    );
  };

  const headingId = `decide-${change.id}-heading`;
  return (
    <form className="decide-form" aria-labelledby={headingId} onSubmit={submit} data-testid="decide-form">
      <p className="decide-form-title" id={headingId}>
        {approve ? `Approve granting ${role} to ${name}` : `Refuse granting ${role} to ${name}`}
      </p>
      <div className="field">
        <label htmlFor={`decide-${change.id}-reason`}>Reason (recorded in the audit log)</label>
        <textarea
          id={`decide-${change.id}-reason`}
          rows={2}
          maxLength={2000}
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          data-testid="decide-reason"
        />
      </div>
      <ErrorMessage testId="decide-error" title={approve ? 'It was not approved' : 'It was not refused'} text={error} />
      <div className="form-actions">
        <button type="submit" className={approve ? 'button' : 'button warning'} disabled={busy} data-testid="decide-confirm">
          {busy ? 'Recording…' : approve ? `Approve: grant ${role}` : 'Refuse it'}
        </button>
        <button type="button" className="button secondary" disabled={busy} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function PendingChanges(props: {
  client: Client;
  pending: readonly PendingChange[];
  /** Names by id, for the person each change is for and who asked. */
  names: ReadonlyMap<string, string>;
  /** The signed-in administrator. */
  me: string;
  onDecided: (result: PersonChangeResult) => void;
}) {
  const { client, pending, names, me, onDecided } = props;
  const [deciding, setDeciding] = useState<{ id: string; approve: boolean } | null>(null);
  const nameOf = (id: string): string => names.get(id) ?? id;
  if (pending.length === 0) return null;
  return (
    <ul className="pending-changes" data-testid="pending-changes">
      {pending.map((change) => (
        <li key={change.id} className="pending-change" data-testid="pending-change" data-change-id={change.id}>
          <p className="pending-what" data-testid="pending-change-text">
            <span className="badge status pending">Waits for a second administrator</span> Grant <strong>{ROLE_LABELS[change.role]}</strong>{' '}
            to {nameOf(change.userId)} ({change.userId}), asked by {change.requestedBy === me ? 'you' : nameOf(change.requestedBy)} on{' '}
            {formatEventTime(change.requestedAt)}.
          </p>
          <p className="pending-reason">Reason: {change.reason}</p>
          {change.requestedBy === me ? (
            <p className="hint" data-testid="pending-change-yours">
              You asked for this: another administrator approves or refuses it.
            </p>
          ) : deciding?.id === change.id ? (
            <DecideForm
              key={`${change.id}-${deciding.approve}`}
              client={client}
              change={change}
              approve={deciding.approve}
              name={nameOf(change.userId)}
              onCancel={() => setDeciding(null)}
              onDecided={(result) => {
                setDeciding(null);
                onDecided(result);
              }}
            />
          ) : (
            <div className="form-actions">
              <button
                type="button"
                className="button"
                aria-label={`Approve granting ${ROLE_LABELS[change.role]} to ${nameOf(change.userId)}`}
                onClick={() => setDeciding({ id: change.id, approve: true })}
                data-testid="pending-approve"
              >
                Approve…
              </button>
              <button
                type="button"
                className="button warning"
                aria-label={`Refuse granting ${ROLE_LABELS[change.role]} to ${nameOf(change.userId)}`}
                onClick={() => setDeciding({ id: change.id, approve: false })}
                data-testid="pending-refuse"
              >
                Refuse…
              </button>
            </div>
          )}
        </li>
      ))}
    </ul>
  );
}
