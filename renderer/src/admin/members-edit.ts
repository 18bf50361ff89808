// A project's members as the agreements screen edits them (issue 18), pure: the version in force as editable rows, a
// member added, what the edit changes in sentences (said before saving), and the rows and reason → the update the
// platform reads, or what is wrong in words. Dates and rules between fields (an end before a start, a person the platform
// does not know) are the platform's to judge: it saves the members through the same validation as an edited agreement
// file, and its refusal names the file, line and field; refusalLines says which row a field belongs to.
import {
  MemberEditSchema,
  MembersUpdateSchema,
  type AgreementView,
  type MemberEdit,
  type MembersUpdate,
} from '../../../src/common/agreement-views.ts';
import type { Reading } from './kill-switch-text.ts';

export type ProjectRole = MemberEdit['role'];

export const PROJECT_ROLES: readonly ProjectRole[] = ['lead', 'analyst', 'data_manager'];

export const PROJECT_ROLE_LABELS: Readonly<Record<ProjectRole, string>> = {
  lead: 'Lead',
  analyst: 'Analyst',
  data_manager: 'Data manager',
};

/** One row of the editor: a member of the version in force, or one added in this edit. */
export interface MemberDraft {
  readonly userId: string;
  /** The person's name on the platform; null when it is not known here (an id typed by a data manager). */
  readonly displayName: string | null;
  readonly role: ProjectRole;
  /** A date input's value ("2026-03-31"), or "". */
  readonly start: string;
  readonly end: string;
  readonly mayRequestRelease: boolean;
  /** Not a member in the version in force: added in this edit. */
  readonly added: boolean;
  /** To be removed when the edit is saved (kept in the list until then, so it can be kept after all). */
  readonly removed: boolean;
}

type MemberView = AgreementView['members'][number];

export function draftsOf(members: readonly MemberView[]): MemberDraft[] {
  return members.map((member) => ({
    userId: member.userId,
    displayName: member.displayName,
    role: member.role,
    start: member.start,
    end: member.end,
    mayRequestRelease: member.mayRequestRelease,
    added: false,
    removed: false,
  }));
}

/** "Ben Analyst (demo-analyst-2)", or the id alone when the name is not known. */
export function memberName(member: { userId: string; displayName: string | null }): string {
  return member.displayName === null ? member.userId : `${member.displayName} (${member.userId})`;
}

const yesNo = (value: boolean): string => (value ? 'yes' : 'no');
const when = (day: string): string => (day === '' ? 'no date' : day);

/**
 * What saving the rows would change, one sentence a member, in the order of the list: who is added (with their role and
 * dates), removed, or changed (each field from → to). Empty when nothing would change.
 */
export function memberChanges(before: readonly MemberView[], drafts: readonly MemberDraft[]): string[] {
  const earlier = new Map(before.map((member) => [member.userId, member]));
  const lines: string[] = [];
  for (const draft of drafts) {
    const was = earlier.get(draft.userId);
    if (draft.added || was === undefined) {
      if (draft.removed) continue;
      const release = draft.mayRequestRelease ? '; may request release' : '';
      lines.push(
        `Add ${memberName(draft)} as ${PROJECT_ROLE_LABELS[draft.role]}, from ${when(draft.start)} to ${when(draft.end)}${release}.`,
      );
      continue;
    }
    if (draft.removed) {
      lines.push(`Remove ${memberName(draft)}: their access to the project ends at once.`);
      continue;
    }
    const parts: string[] = [];
    if (was.role !== draft.role) parts.push(`role ${PROJECT_ROLE_LABELS[was.role]} → ${PROJECT_ROLE_LABELS[draft.role]}`);
    if (was.start !== draft.start) parts.push(`from ${was.start} → ${when(draft.start)}`);
    if (was.end !== draft.end) parts.push(`until ${was.end} → ${when(draft.end)}`);
    if (was.mayRequestRelease !== draft.mayRequestRelease) {
      parts.push(`may request release ${yesNo(was.mayRequestRelease)} → ${yesNo(draft.mayRequestRelease)}`);
    }
    if (parts.length > 0) lines.push(`Change ${memberName(draft)}: ${parts.join('; ')}.`);
  }
  return lines;
}

/** Whether the rows grant or withdraw permission to request release (only a data manager may). */
export function releaseChanged(before: readonly MemberView[], drafts: readonly MemberDraft[]): boolean {
  const was = new Map(before.map((member) => [member.userId, member.mayRequestRelease]));
  const now = new Map(drafts.filter((draft) => !draft.removed).map((draft) => [draft.userId, draft.mayRequestRelease]));
  return [...new Set([...was.keys(), ...now.keys()])].some((userId) => (was.get(userId) ?? false) !== (now.get(userId) ?? false));
}

/** The members the rows would save, in the list's order (what `members[i]` in a refusal counts). */
export function keptDrafts(drafts: readonly MemberDraft[]): MemberDraft[] {
  return drafts.filter((draft) => !draft.removed);
}

const FIELD_LABELS: Readonly<Record<string, string>> = {
  userId: 'Person',
  role: 'Project role',
  start: 'From',
  end: 'Until',
  mayRequestRelease: 'May request release',
};

/** The rows and the reason → the update the platform reads, or the first thing wrong, in words. */
export function readMembersEdit(options: {
  before: readonly MemberView[];
  drafts: readonly MemberDraft[];
  reason: string;
}): Reading<MembersUpdate> {
  const kept = keptDrafts(options.drafts);
  const seen = new Set<string>();
  const members: MemberEdit[] = [];
  for (const draft of kept) {
    if (seen.has(draft.userId)) return { ok: false, message: `${memberName(draft)} is listed twice: list each member once.` };
    seen.add(draft.userId);
    const candidate: MemberEdit = {
      userId: draft.userId,
      role: draft.role,
      start: draft.start,
      end: draft.end,
      mayRequestRelease: draft.mayRequestRelease,
    };
    const parsed = MemberEditSchema.safeParse(candidate);
    if (!parsed.success) {
      const key = parsed.error.issues[0]?.path[0];
      const label = typeof key === 'string' ? (FIELD_LABELS[key] ?? key) : 'The member';
      const what = key === 'start' || key === 'end' ? 'enter a date' : (parsed.error.issues[0]?.message ?? 'is not valid');
      return { ok: false, message: `${memberName(draft)}, ${label}: ${what}.` };
    }
    members.push(parsed.data);
  }
  if (memberChanges(options.before, options.drafts).length === 0) {
    return { ok: false, message: 'Nothing has changed: change, add or remove a member before saving.' };
  }
  const reason = options.reason.trim();
  const parsed = MembersUpdateSchema.safeParse({ members, reason });
  if (!parsed.success) {
    const onReason = parsed.error.issues.some((issue) => issue.path[0] === 'reason');
    return onReason
      ? { ok: false, message: 'Reason: say why (at least 3 characters, at most 2,000); it is recorded in the audit log.' }
      : { ok: false, message: `The members: ${parsed.error.issues[0]?.message ?? 'are not valid'}.` };
  }
  return { ok: true, value: parsed.data };
}

/** A member being added, as typed or chosen. */
export interface AddMemberForm {
  readonly userId: string;
  readonly role: ProjectRole | '';
  readonly start: string;
  readonly end: string;
}

const PERSON_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** The member to add as a new row, or what is wrong; `names` gives the people the platform listed (when it did). */
export function readAddMember(options: {
  form: AddMemberForm;
  drafts: readonly MemberDraft[];
  names: ReadonlyMap<string, string> | null;
}): Reading<MemberDraft> {
  const { form, drafts, names } = options;
  const userId = form.userId.trim();
  if (userId === '') return { ok: false, message: 'Person: choose who to add.' };
  if (!PERSON_ID.test(userId)) {
    return { ok: false, message: 'Person: a person id is 1–64 lower-case letters, digits, "-" or "_", starting with a letter or digit.' };
  }
  const listed = drafts.find((draft) => draft.userId === userId);
  if (listed !== undefined) {
    return {
      ok: false,
      message: listed.removed
        ? `${memberName(listed)} is marked to be removed: choose Keep on their row instead.`
        : `${memberName(listed)} is already a member: change their row instead.`,
    };
  }
  if (names !== null && !names.has(userId)) return { ok: false, message: `Person: the platform does not know ${userId}.` };
  if (form.role === '') return { ok: false, message: 'Project role: choose one.' };
  return {
    ok: true,
    value: {
      userId,
      displayName: names?.get(userId) ?? null,
      role: form.role,
      start: form.start,
      end: form.end,
      mayRequestRelease: false,
      added: true,
      removed: false,
    },
  };
}

/**
 * The platform's refusal, a line per problem ("covid-outcomes.json line 31, column 14, members[1].end: must not be
 * before start"), each in its own words, with the member a `members[i]` field belongs to named after a dash.
 */
export function refusalLines(message: string, sent: ReadonlyArray<{ userId: string; displayName: string | null }>): string[] {
  return message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const index = /\bmembers\[(\d+)\]/.exec(line)?.[1];
      const member = index === undefined ? undefined : sent[Number(index)];
      return member === undefined ? line : `${line} — ${memberName(member)}`;
    });
}
