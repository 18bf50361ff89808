// The kill switch: choose the action (suspend a person, suspend a project, freeze egress, end a person's sign-ins), whom
// or what it is for, the open incident and the reason; read what will happen before confirming; then read what the
// platform did. The platform decides and records everything; this panel only asks.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Client } from '../../../src/common/client.ts';
import { EVERY_PROJECT, type ActionEffect, type KillSwitchAction, type KillSwitchOverview } from '../../../src/common/incidents.ts';
import { RoleSchema } from '../../../src/common/contract.ts';
import { ROLE_LABELS } from '../session/roles.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { EffectSummary } from './EffectSummary.tsx';
import {
  ACTION_HINTS,
  ACTION_KINDS,
  ACTION_LABELS,
  confirmLabel,
  EMPTY_ACTION_FORM,
  foreseenEffect,
  readActionForm,
  TARGET_OF,
  type ActionForm,
  type ActionKind,
} from './kill-switch-text.ts';

const TARGET_LABELS = { person: 'Person', project: 'Project', project_or_all: 'Project, or every project' } as const;

function roleOf(role: string): string {
  const parsed = RoleSchema.safeParse(role);
  return parsed.success ? ROLE_LABELS[parsed.data] : role;
}

export function ActionPanel(props: { client: Client; overview: KillSwitchOverview; onActed: () => void }) {
  const { client, overview, onActed } = props;
  const [form, setForm] = useState<ActionForm>(EMPTY_ACTION_FORM);
  const [pending, setPending] = useState<KillSwitchAction | null>(null);
  const [effect, setEffect] = useState<ActionEffect | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const confirmHeading = useRef<HTMLHeadingElement>(null);
  const openIncidents = overview.incidents.filter((incident) => incident.status === 'open');

  // The newest open incident is the one an action is most likely for; a closed one cannot be named.
  const newestOpen = openIncidents[0]?.id ?? '';
  const openIds = openIncidents.map((incident) => incident.id).join(' ');
  useEffect(() => {
    setForm((current) =>
      current.incidentId !== '' && openIds.split(' ').includes(current.incidentId) ? current : { ...current, incidentId: newestOpen },
    );
  }, [openIds, newestOpen]);

  useEffect(() => {
    if (pending !== null) confirmHeading.current?.focus();
  }, [pending]);

  const choose = (action: ActionKind): void => setForm((current) => ({ ...current, action, target: '' }));

  const review = (event: FormEvent): void => {
    event.preventDefault();
    setEffect(null);
    const reading = readActionForm(form);
    if (!reading.ok) {
      setError(reading.message);
      return;
    }
    setError(null);
    setPending(reading.value);
  };

  const confirm = (): void => {
    if (pending === null) return;
    setBusy(true);
    setError(null);
    client
      .invoke('admin.act', { action: pending })
      .then(
        (done) => {
          setEffect(done);
          setPending(null);
          setForm((current) => ({ ...current, target: '', reason: '' }));
          onActed();
        },
        (err: unknown) => setError(messageOf(err, 'The action could not be taken.')),
      )
      .finally(() => setBusy(false));
  };

  // What was done stays in view until what it put in place is lifted (then it is no longer true).
  const made = effect?.restriction ?? null;
  const shownEffect = made !== null && overview.lifted.some((restriction) => restriction.id === made.id) ? null : effect;
  const targetKind = TARGET_OF[form.action];
  const targets =
    targetKind === 'person'
      ? overview.people.map((person) => ({ id: person.id, label: `${person.name} (${roleOf(person.role)}, ${person.id})` }))
      : overview.projects.map((project) => ({ id: project.id, label: `${project.name} (${project.id})` }));

  return (
    <section className="panel" aria-labelledby="act-heading" data-testid="action-panel">
      <h2 id="act-heading">Act</h2>
      <div role="status">{shownEffect ? <EffectSummary effect={shownEffect} testId="action-effect" title="Done" /> : null}</div>
      {pending === null ? (
        <form className="action-form" onSubmit={review} aria-labelledby="act-heading" data-testid="action-form">
          <fieldset className="choices">
            <legend>Action</legend>
            {ACTION_KINDS.map((kind) => (
              <div className="choice-radio" key={kind}>
                <input
                  type="radio"
                  id={`action-${kind}`}
                  name="kill-switch-action"
                  value={kind}
                  checked={form.action === kind}
                  onChange={() => choose(kind)}
                  aria-describedby={`action-${kind}-hint`}
                  data-testid={`action-${kind}`}
                />
                <label htmlFor={`action-${kind}`}>{ACTION_LABELS[kind]}</label>
                <span className="hint" id={`action-${kind}-hint`}>
                  {ACTION_HINTS[kind]}
                </span>
              </div>
            ))}
          </fieldset>
          <div className="field">
            <label htmlFor="action-target">{TARGET_LABELS[targetKind]}</label>
            <select
              id="action-target"
              value={form.target}
              onChange={(event) => setForm({ ...form, target: event.target.value })}
              data-testid="action-target"
            >
              <option value="">Choose…</option>
              {targetKind === 'project_or_all' ? <option value={EVERY_PROJECT}>Every project</option> : null}
              {targets.map((target) => (
                <option key={target.id} value={target.id}>
                  {target.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="action-incident">Incident</label>
            <select
              id="action-incident"
              value={form.incidentId}
              onChange={(event) => setForm({ ...form, incidentId: event.target.value })}
              aria-describedby={openIncidents.length === 0 ? 'action-incident-hint' : undefined}
              data-testid="action-incident"
            >
              {openIncidents.length === 0 ? <option value="">No open incident</option> : null}
              {openIncidents.map((incident) => (
                <option key={incident.id} value={incident.id}>
                  {incident.summary}
                </option>
              ))}
            </select>
            {openIncidents.length === 0 ? (
              <span className="hint" id="action-incident-hint">
                Every action names an open incident: open one first, under Incidents.
              </span>
            ) : null}
          </div>
          <div className="field">
            <label htmlFor="action-reason">Reason (recorded, and shown with the restriction)</label>
            <textarea
              id="action-reason"
              rows={3}
              maxLength={2000}
              value={form.reason}
              onChange={(event) => setForm({ ...form, reason: event.target.value })}
              data-testid="action-reason"
            />
          </div>
          <ErrorMessage testId="act-error" title="Check the action" text={error} />
          <button type="submit" className="button" data-testid="action-review">
            Review the action
          </button>
        </form>
      ) : (
        <div className="action-confirm" data-testid="action-confirm">
          <h3 id="action-confirm-heading" tabIndex={-1} ref={confirmHeading}>
            {ACTION_LABELS[pending.action]}: what will happen
          </h3>
          <ul className="effect-lines" data-testid="action-foreseen">
            {foreseenEffect(pending, overview).map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          <p>
            <strong>Reason:</strong> {pending.reason}
          </p>
          <ErrorMessage testId="act-error" title="The action was not taken" text={error} />
          <div className="form-actions">
            <button type="button" className="button warning" disabled={busy} onClick={confirm} data-testid="action-confirm-button">
              {busy ? 'Acting…' : confirmLabel(pending, overview)}
            </button>
            <button
              type="button"
              className="button secondary"
              disabled={busy}
              onClick={() => {
                setPending(null);
                setError(null);
              }}
              data-testid="action-back"
            >
              Change it
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
