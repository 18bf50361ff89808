// The restrictions the kill switch holds in force (newest first), each with its incident, reason and who put it in place,
// and a "Lift" that asks why it can be lifted; then what the platform did. Lately lifted ones are kept below for the
// record.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { ActionEffect, Incident, Restriction } from '../../../src/common/incidents.ts';
import { useSubmission } from './use-submission.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { EffectSummary } from './EffectSummary.tsx';
import { formatEventTime } from './audit-summary.ts';
import { RESTRICTION_LABELS, restrictionTarget } from './kill-switch-text.ts';

function LiftForm(props: { client: Client; restriction: Restriction; onLifted: (effect: ActionEffect) => void; onCancel: () => void }) {
  const { client, restriction, onLifted, onCancel } = props;
  const [reason, setReason] = useState('');
  const { busy, error, send } = useSubmission();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    send(
      () => client.invoke('admin.lift', { actionId: restriction.id, reason: reason.trim() }),
      onLifted,
      'The restriction could not be lifted.',
    );
  };

  return (
    <form className="inline-form" aria-labelledby="lift-heading" onSubmit={submit} data-testid="lift-form">
      <h3 id="lift-heading" tabIndex={-1} ref={heading}>
        Lift: {RESTRICTION_LABELS[restriction.kind].toLowerCase()}, {restrictionTarget(restriction)}
      </h3>
      <div className="field">
        <label htmlFor="lift-reason">Why it can be lifted (recorded)</label>
        <textarea
          id="lift-reason"
          rows={3}
          maxLength={2000}
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          data-testid="lift-reason"
        />
      </div>
      <ErrorMessage testId="lift-error" title="It was not lifted" text={error} />
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy} data-testid="lift-confirm">
          {busy ? 'Lifting…' : 'Lift it'}
        </button>
        <button type="button" className="button secondary" disabled={busy} onClick={onCancel} data-testid="lift-cancel">
          Cancel
        </button>
      </div>
    </form>
  );
}

function RestrictionRows(props: {
  restrictions: readonly Restriction[];
  incidents: readonly Incident[];
  onLift?: (restriction: Restriction) => void;
}) {
  const { restrictions, incidents, onLift } = props;
  const incidentName = (id: string): string => incidents.find((incident) => incident.id === id)?.summary ?? id;
  return (
    <tbody>
      {restrictions.map((restriction) => (
        <tr key={restriction.id} data-testid="restriction" data-kind={restriction.kind} data-target={restriction.target}>
          <td>
            <span className="badge status bad">{RESTRICTION_LABELS[restriction.kind]}</span>
          </td>
          <td data-testid="restriction-target">{restrictionTarget(restriction)}</td>
          <td>{incidentName(restriction.incidentId)}</td>
          <td className="restriction-reason">
            {restriction.reason}
            {restriction.liftReason !== null ? <span className="incident-meta">Lifted because: {restriction.liftReason}</span> : null}
          </td>
          <td className="incident-opened">
            {restriction.appliedBy}
            <span className="incident-meta">{formatEventTime(restriction.appliedAt)}</span>
            {restriction.liftedAt !== null ? (
              <span className="incident-meta">
                lifted by {restriction.liftedBy ?? 'someone'}, {formatEventTime(restriction.liftedAt)}
              </span>
            ) : null}
          </td>
          {onLift ? (
            <td>
              <button
                type="button"
                className="button secondary"
                aria-label={`Lift: ${RESTRICTION_LABELS[restriction.kind]}, ${restrictionTarget(restriction)}`}
                onClick={() => onLift(restriction)}
                data-testid="lift"
              >
                Lift
              </button>
            </td>
          ) : null}
        </tr>
      ))}
    </tbody>
  );
}

function Head(props: { withLift: boolean }) {
  return (
    <thead>
      <tr>
        <th scope="col">What</th>
        <th scope="col">Who or what</th>
        <th scope="col">Incident</th>
        <th scope="col">Reason</th>
        <th scope="col">Put in place</th>
        {props.withLift ? (
          <th scope="col">
            <span className="visually-hidden">Lift</span>
          </th>
        ) : null}
      </tr>
    </thead>
  );
}

export function RestrictionList(props: {
  client: Client;
  active: readonly Restriction[];
  lifted: readonly Restriction[];
  incidents: readonly Incident[];
  onChanged: () => void;
}) {
  const { client, active, lifted, incidents, onChanged } = props;
  const [lifting, setLifting] = useState<string | null>(null);
  const [effect, setEffect] = useState<ActionEffect | null>(null);
  const liftingRestriction = active.find((restriction) => restriction.id === lifting) ?? null;

  return (
    <section className="panel" aria-labelledby="restrictions-heading" data-testid="restrictions">
      <h2 id="restrictions-heading">Restrictions in force</h2>
      {active.length === 0 ? (
        <p className="hint" data-testid="no-restrictions">
          Nothing is suspended or frozen.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="fields restrictions-table" data-testid="restrictions-table">
            <caption className="visually-hidden">Restrictions in force, newest first</caption>
            <Head withLift />
            <RestrictionRows
              restrictions={active}
              incidents={incidents}
              onLift={(restriction) => {
                setEffect(null);
                setLifting(restriction.id);
              }}
            />
          </table>
        </div>
      )}
      {liftingRestriction ? (
        <LiftForm
          key={liftingRestriction.id}
          client={client}
          restriction={liftingRestriction}
          onCancel={() => setLifting(null)}
          onLifted={(done) => {
            setLifting(null);
            setEffect(done);
            onChanged();
          }}
        />
      ) : null}
      <div role="status">{effect ? <EffectSummary effect={effect} testId="lift-effect" title="Lifted" /> : null}</div>
      {lifted.length > 0 ? (
        <details className="lifted" data-testid="lifted-restrictions">
          <summary>Lately lifted ({lifted.length})</summary>
          <div className="table-wrap">
            <table className="fields restrictions-table">
              <caption className="visually-hidden">Restrictions lately lifted, newest first</caption>
              <Head withLift={false} />
              <RestrictionRows restrictions={lifted} incidents={incidents} />
            </table>
          </div>
        </details>
      ) : null}
    </section>
  );
}
