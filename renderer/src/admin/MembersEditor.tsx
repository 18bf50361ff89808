// A project's members, edited on the agreements screen by an administrator or a data manager (issue 18): each member's
// project role, dates and permission to request release, removed or added, with a reason. Saved as the next version of
// the project's agreement through the platform's own validation: a mistake comes back with its file, line and field,
// and nothing changes. Nobody changes their own membership, and only a data manager grants or withdraws permission to
// request release; the platform decides both, and this says so before anyone tries.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { AgreementView } from '../../../src/common/agreement-views.ts';
import type { Client } from '../../../src/common/client.ts';
import type { Person } from '../../../src/common/people.ts';
import { messageOf } from '../shell/message-of.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { AddMember } from './AddMember.tsx';
import {
  draftsOf,
  keptDrafts,
  memberChanges,
  PROJECT_ROLE_LABELS,
  PROJECT_ROLES,
  readMembersEdit,
  refusalLines,
  releaseChanged,
  type MemberDraft,
  type ProjectRole,
} from './members-edit.ts';
import './members.css';

function MemberRow(props: { draft: MemberDraft; isMe: boolean; onChange: (change: Partial<MemberDraft>) => void; onRemove: () => void }) {
  const { draft, isMe, onChange, onRemove } = props;
  const name = draft.displayName ?? draft.userId;
  const locked = isMe || draft.removed;
  const rowClass = draft.removed ? 'member-removed' : draft.added ? 'member-added' : undefined;
  return (
    <tr className={rowClass} data-testid={`member-edit-${draft.userId}`}>
      <th scope="row">
        {draft.displayName ?? <span className="hint">Not listed here</span>}
        <code className="member-id">{draft.userId}</code>
        {draft.added ? <span className="badge status pending">New</span> : null}
        {draft.removed ? <span className="badge status bad">To be removed</span> : null}
        {isMe ? (
          <span className="hint member-me" data-testid="member-is-me">
            You: nobody changes their own membership.
          </span>
        ) : null}
      </th>
      <td>
        <select
          aria-label={`Project role of ${name}`}
          value={draft.role}
          disabled={locked}
          onChange={(event) => onChange({ role: event.target.value as ProjectRole })}
          data-testid="member-role"
        >
          {PROJECT_ROLES.map((role) => (
            <option key={role} value={role}>
              {PROJECT_ROLE_LABELS[role]}
            </option>
          ))}
        </select>
      </td>
      <td>
        <input
          type="date"
          aria-label={`${name} is a member from`}
          value={draft.start}
          disabled={locked}
          onChange={(event) => onChange({ start: event.target.value })}
          data-testid="member-start"
        />
      </td>
      <td>
        <input
          type="date"
          aria-label={`${name} is a member until`}
          value={draft.end}
          disabled={locked}
          onChange={(event) => onChange({ end: event.target.value })}
          data-testid="member-end"
        />
      </td>
      <td className="member-release">
        <input
          type="checkbox"
          aria-label={`${name} may request release`}
          aria-describedby="members-release-hint"
          checked={draft.mayRequestRelease}
          disabled={locked}
          onChange={(event) => onChange({ mayRequestRelease: event.target.checked })}
          data-testid="member-release"
        />
      </td>
      <td>
        {isMe ? null : (
          <button
            type="button"
            className="link-button"
            aria-label={`${draft.removed ? 'Keep' : 'Remove'} ${name}`}
            onClick={onRemove}
            data-testid={draft.removed ? 'member-keep' : 'member-remove'}
          >
            {draft.removed ? 'Keep' : 'Remove'}
          </button>
        )}
      </td>
    </tr>
  );
}

export function MembersEditor(props: {
  client: Client;
  agreement: AgreementView;
  me: { id: string; roles: readonly string[] };
  onSaved: (view: AgreementView) => void;
  onCancel: () => void;
}) {
  const { client, agreement, me, onSaved, onCancel } = props;
  const mayListPeople = me.roles.includes('admin');
  const mayGrantRelease = me.roles.includes('data_manager');
  const [drafts, setDrafts] = useState<MemberDraft[]>(() => draftsOf(agreement.members));
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [people, setPeople] = useState<readonly Person[] | null>(null);
  const [peopleNote, setPeopleNote] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const personRef = useRef<HTMLInputElement | HTMLSelectElement | null>(null);

  useEffect(() => heading.current?.focus(), []);

  // Administrators choose from the platform's people; a data manager (who may not list them) types the id.
  useEffect(() => {
    if (!mayListPeople) return;
    let live = true;
    client.invoke('admin.people', {}).then(
      (overview) => live && setPeople(overview.people),
      (err: unknown) =>
        live && setPeopleNote(`${messageOf(err, 'The people could not be listed.')} Type the person’s id as the platform knows them.`),
    );
    return () => {
      live = false;
    };
  }, [client, mayListPeople]);

  const changes = memberChanges(agreement.members, drafts);
  const touchesRelease = releaseChanged(agreement.members, drafts);

  const change = (userId: string, patch: Partial<MemberDraft>): void =>
    setDrafts((current) => current.map((draft) => (draft.userId === userId ? { ...draft, ...patch } : draft)));

  const remove = (draft: MemberDraft): void => {
    if (draft.added) {
      setDrafts((current) => current.filter((other) => other.userId !== draft.userId));
      // The row and its button are gone: the next place to work is adding someone.
      personRef.current?.focus();
      return;
    }
    change(draft.userId, { removed: !draft.removed });
  };

  const save = (event: FormEvent): void => {
    event.preventDefault();
    setRefusal(null);
    const reading = readMembersEdit({ before: agreement.members, drafts, reason });
    if (!reading.ok) {
      setProblem(reading.message);
      return;
    }
    setProblem(null);
    setBusy(true);
    const sent = keptDrafts(drafts);
    client
      .invoke('project.updateMembers', { projectId: agreement.projectId, update: reading.value })
      .then(
        (view) => onSaved(view),
        (err: unknown) => setRefusal(refusalLines(messageOf(err, 'The members could not be saved.'), sent)),
      )
      .finally(() => setBusy(false));
  };

  return (
    <form className="members-editor" aria-labelledby="members-editor-heading" onSubmit={save} noValidate data-testid="members-editor">
      <h3 id="members-editor-heading" tabIndex={-1} ref={heading}>
        Edit the members
      </h3>
      <p className="hint">
        Saved as version {agreement.version + 1} of the agreement, through the same checks as an edited agreement file: a mistake is refused
        with its file, line and field, and nothing changes. Removing someone ends their access at once. Nobody changes their own membership.
      </p>
      <p className={mayGrantRelease ? 'hint' : 'hint members-release-note'} id="members-release-hint" data-testid="members-release-hint">
        {mayGrantRelease
          ? 'May request release: as a data manager, you grant or withdraw it on the data owner’s behalf.'
          : 'May request release: only a data manager grants or withdraws it, on the data owner’s behalf. You are not one, so the platform refuses a change to it from you.'}
      </p>
      <div className="table-wrap">
        <table className="fields members-edit-table" data-testid="members-edit-table">
          <caption className="visually-hidden">Members of {agreement.projectName}, as they will be saved</caption>
          <thead>
            <tr>
              <th scope="col">Person</th>
              <th scope="col">Project role</th>
              <th scope="col">From</th>
              <th scope="col">Until</th>
              <th scope="col">May request release</th>
              <th scope="col">
                <span className="visually-hidden">Remove or keep</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {drafts.map((draft) => (
              <MemberRow
                key={draft.userId}
                draft={draft}
                isMe={draft.userId === me.id}
                onChange={(patch) => change(draft.userId, patch)}
                onRemove={() => remove(draft)}
              />
            ))}
          </tbody>
        </table>
      </div>
      {drafts.length === 0 ? <p className="hint">Nobody is listed: saving leaves the project without members.</p> : null}
      <AddMember
        drafts={drafts}
        people={people}
        peopleNote={mayListPeople ? peopleNote : 'Type the person’s id as the platform knows them: listing people is for administrators.'}
        expires={agreement.expires}
        personRef={personRef}
        onAdd={(draft) => setDrafts((current) => [...current, draft])}
      />
      <section className="members-changes" aria-labelledby="members-changes-heading" data-testid="members-changes">
        <h4 id="members-changes-heading">What will change</h4>
        {changes.length === 0 ? (
          <p className="hint">Nothing yet.</p>
        ) : (
          <ul>
            {changes.map((line) => (
              <li key={line} data-testid="members-change">
                {line}
              </li>
            ))}
          </ul>
        )}
        {touchesRelease && !mayGrantRelease ? (
          <p className="members-release-note" data-testid="members-release-warning">
            This changes who may request release: only a data manager may, so the platform will refuse it from you.
          </p>
        ) : null}
      </section>
      <div className="field members-reason">
        <label htmlFor="members-reason">Reason (recorded in the audit log with the old and new members)</label>
        <textarea
          id="members-reason"
          rows={2}
          maxLength={2000}
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          data-testid="members-reason"
        />
      </div>
      <ErrorMessage testId="members-problem" title="Not saved" text={problem} />
      <div role="alert" data-testid="members-refusal">
        {refusal ? (
          <div className="message error">
            <span className="message-title">The platform refused the change: nothing was changed</span>
            <ul className="problems" aria-label="What the platform found">
              {refusal.map((line) => (
                <li key={line} data-testid="members-refusal-line">
                  {line}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </div>
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy} data-testid="members-save">
          {busy ? 'Saving…' : `Save as version ${agreement.version + 1}`}
        </button>
        <button type="button" className="button secondary" disabled={busy} onClick={onCancel} data-testid="members-cancel">
          Stop editing
        </button>
      </div>
    </form>
  );
}
