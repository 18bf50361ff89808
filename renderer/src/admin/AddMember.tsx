// "Add a member" in a project's members editor (./MembersEditor.tsx): the person (chosen from the platform's people when
// the screen may list them, as administrators may; typed as an id otherwise, as a data manager does), their project role
// and dates. The member joins the list being edited; nothing is saved until the editor is.
import { useState, type KeyboardEvent, type RefObject } from 'react';
import type { Person } from '../../../src/common/people.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import {
  PROJECT_ROLE_LABELS,
  PROJECT_ROLES,
  readAddMember,
  type AddMemberForm,
  type MemberDraft,
  type ProjectRole,
} from './members-edit.ts';

/** Today in this computer's calendar, as a date input writes it. */
function today(): string {
  const now = new Date();
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export function AddMember(props: {
  drafts: readonly MemberDraft[];
  people: readonly Person[] | null;
  peopleNote: string | null;
  expires: string;
  personRef: RefObject<HTMLInputElement | HTMLSelectElement | null>;
  onAdd: (draft: MemberDraft) => void;
}) {
  const { drafts, people, peopleNote, expires, personRef, onAdd } = props;
  const empty = (): AddMemberForm => ({ userId: '', role: 'analyst', start: today(), end: expires });
  const [form, setForm] = useState<AddMemberForm>(empty);
  const [problem, setProblem] = useState<string | null>(null);
  const names = people === null ? null : new Map(people.map((person) => [person.id, person.displayName]));
  const listed = new Set(drafts.map((draft) => draft.userId));
  const choices = (people ?? []).filter((person) => person.status !== 'disabled' && !listed.has(person.id));

  const add = (): void => {
    const reading = readAddMember({ form, drafts, names });
    if (!reading.ok) {
      setProblem(reading.message);
      return;
    }
    setProblem(null);
    onAdd(reading.value);
    setForm(empty());
  };
  const addOnEnter = (event: KeyboardEvent): void => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    add();
  };

  return (
    <fieldset className="members-add" data-testid="members-add">
      <legend>Add a member</legend>
      <div className="members-add-fields">
        <div className="field">
          <label htmlFor="members-add-person">Person</label>
          {people === null ? (
            <input
              id="members-add-person"
              ref={personRef as RefObject<HTMLInputElement | null>}
              type="text"
              autoComplete="off"
              spellCheck={false}
              maxLength={64}
              aria-describedby="members-add-person-hint"
              value={form.userId}
              onChange={(event) => setForm({ ...form, userId: event.target.value })}
              onKeyDown={addOnEnter}
              data-testid="members-add-id"
            />
          ) : (
            <select
              id="members-add-person"
              ref={personRef as RefObject<HTMLSelectElement | null>}
              value={form.userId}
              onChange={(event) => setForm({ ...form, userId: event.target.value })}
              data-testid="members-add-person"
            >
              <option value="">Choose…</option>
              {choices.map((person) => (
                <option key={person.id} value={person.id}>
                  {person.displayName} ({person.id})
                </option>
              ))}
            </select>
          )}
        </div>
        <div className="field">
          <label htmlFor="members-add-role">Project role</label>
          <select
            id="members-add-role"
            value={form.role}
            onChange={(event) => setForm({ ...form, role: event.target.value as ProjectRole })}
            data-testid="members-add-role"
          >
            {PROJECT_ROLES.map((role) => (
              <option key={role} value={role}>
                {PROJECT_ROLE_LABELS[role]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="members-add-start">From</label>
          <input
            id="members-add-start"
            type="date"
            value={form.start}
            onChange={(event) => setForm({ ...form, start: event.target.value })}
            data-testid="members-add-start"
          />
        </div>
        <div className="field">
          <label htmlFor="members-add-end">Until</label>
          <input
            id="members-add-end"
            type="date"
            value={form.end}
            onChange={(event) => setForm({ ...form, end: event.target.value })}
            data-testid="members-add-end"
          />
        </div>
        <button type="button" className="button secondary" onClick={add} data-testid="members-add-submit">
          Add to the list
        </button>
      </div>
      {people === null ? (
        <p className="hint" id="members-add-person-hint">
          {peopleNote ?? 'Type the person’s id as the platform knows them (for example demo-analyst-2).'}
        </p>
      ) : null}
      <ErrorMessage testId="members-add-error" title="Not added" text={problem} />
    </fieldset>
  );
}
