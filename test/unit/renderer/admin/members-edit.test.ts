// A project's members as the agreements screen edits them: the rows of the version in force, what an edit changes in
// sentences, the update the platform reads (or what is wrong), a member added, and the platform's refusal with the row
// each `members[i]` belongs to. The platform judges dates and people; these only shape the request.
import { describe, expect, it } from 'vitest';
import type { AgreementView } from '../../../../src/common/agreement-views.ts';
import {
  draftsOf,
  keptDrafts,
  memberChanges,
  memberName,
  readAddMember,
  readMembersEdit,
  refusalLines,
  releaseChanged,
  type MemberDraft,
} from '../../../../renderer/src/admin/members-edit.ts';

type MemberView = AgreementView['members'][number];

const ADA: MemberView = {
  userId: 'demo-analyst',
  displayName: 'Ada Analyst',
  role: 'lead',
  start: '2026-01-01',
  end: '2028-06-30',
  trainingExpires: '2027-01-01',
  mayRequestRelease: true,
  standing: 'in_force',
  standingText: 'in force',
};
const DANA: MemberView = { ...ADA, userId: 'demo-admin', displayName: 'Dana Admin', role: 'data_manager', mayRequestRelease: false };
const BEFORE = [ADA, DANA];

const BEN: MemberDraft = {
  userId: 'demo-analyst-2',
  displayName: 'Ben Analyst',
  role: 'analyst',
  start: '2026-12-01',
  end: '2029-03-31',
  mayRequestRelease: false,
  added: true,
  removed: false,
};

const edit = (drafts: MemberDraft[], userId: string, patch: Partial<MemberDraft>): MemberDraft[] =>
  drafts.map((draft) => (draft.userId === userId ? { ...draft, ...patch } : draft));

describe("a project's members, edited", () => {
  it('start as the version in force, unchanged', () => {
    const drafts = draftsOf(BEFORE);
    expect(drafts.map((draft) => [draft.userId, draft.role, draft.added, draft.removed])).toEqual([
      ['demo-analyst', 'lead', false, false],
      ['demo-admin', 'data_manager', false, false],
    ]);
    expect(memberChanges(BEFORE, drafts)).toEqual([]);
    expect(releaseChanged(BEFORE, drafts)).toBe(false);
    expect(readMembersEdit({ before: BEFORE, drafts, reason: 'No change' })).toEqual({
      ok: false,
      message: 'Nothing has changed: change, add or remove a member before saving.',
    });
  });

  it('say what each edit changes, in the order of the list', () => {
    let drafts = [...draftsOf(BEFORE), BEN];
    drafts = edit(drafts, 'demo-analyst', { role: 'analyst', end: '2029-01-01', mayRequestRelease: false });
    drafts = edit(drafts, 'demo-admin', { removed: true });
    expect(memberChanges(BEFORE, drafts)).toEqual([
      'Change Ada Analyst (demo-analyst): role Lead → Analyst; until 2028-06-30 → 2029-01-01; may request release yes → no.',
      'Remove Dana Admin (demo-admin): their access to the project ends at once.',
      'Add Ben Analyst (demo-analyst-2) as Analyst, from 2026-12-01 to 2029-03-31.',
    ]);
    expect(releaseChanged(BEFORE, drafts)).toBe(true);
    // Removed again before saving: an added member leaves no trace.
    expect(memberChanges(BEFORE, edit(drafts, 'demo-analyst-2', { removed: true }))).toHaveLength(2);
  });

  it('see a grant of release to someone added, and removing someone who had it, as changes to release', () => {
    expect(releaseChanged(BEFORE, [...draftsOf(BEFORE), BEN])).toBe(false);
    expect(releaseChanged(BEFORE, [...draftsOf(BEFORE), { ...BEN, mayRequestRelease: true }])).toBe(true);
    expect(releaseChanged(BEFORE, edit(draftsOf(BEFORE), 'demo-analyst', { removed: true }))).toBe(true);
    expect(releaseChanged(BEFORE, edit(draftsOf(BEFORE), 'demo-admin', { removed: true }))).toBe(false);
  });

  it('become the update the platform reads, without the removed, with the reason trimmed', () => {
    const drafts = [...edit(draftsOf(BEFORE), 'demo-admin', { removed: true }), BEN];
    expect(readMembersEdit({ before: BEFORE, drafts, reason: '  Ben joins the team  ' })).toEqual({
      ok: true,
      value: {
        members: [
          { userId: 'demo-analyst', role: 'lead', start: '2026-01-01', end: '2028-06-30', mayRequestRelease: true },
          { userId: 'demo-analyst-2', role: 'analyst', start: '2026-12-01', end: '2029-03-31', mayRequestRelease: false },
        ],
        reason: 'Ben joins the team',
      },
    });
  });

  it('leave an end before a start to the platform, which judges it against the agreement file', () => {
    const drafts = edit([...draftsOf(BEFORE), BEN], 'demo-analyst-2', { end: '2020-01-01' });
    expect(readMembersEdit({ before: BEFORE, drafts, reason: 'Typo' }).ok).toBe(true);
  });

  it('need a reason, dates, and each person once', () => {
    const drafts = [...draftsOf(BEFORE), BEN];
    expect(readMembersEdit({ before: BEFORE, drafts, reason: ' x ' })).toEqual({
      ok: false,
      message: 'Reason: say why (at least 3 characters, at most 2,000); it is recorded in the audit log.',
    });
    expect(readMembersEdit({ before: BEFORE, drafts: edit(drafts, 'demo-analyst-2', { end: '' }), reason: 'Joins' })).toEqual({
      ok: false,
      message: 'Ben Analyst (demo-analyst-2), Until: enter a date.',
    });
    expect(readMembersEdit({ before: BEFORE, drafts: [...drafts, BEN], reason: 'Joins' })).toEqual({
      ok: false,
      message: 'Ben Analyst (demo-analyst-2) is listed twice: list each member once.',
    });
  });

  it('add a person the platform knows, once, with a role', () => {
    const drafts = draftsOf(BEFORE);
    const names = new Map([
      ['demo-analyst-2', 'Ben Analyst'],
      ['demo-analyst', 'Ada Analyst'],
    ]);
    const form = { userId: ' demo-analyst-2 ', role: 'analyst' as const, start: '2026-12-01', end: '2029-03-31' };
    expect(readAddMember({ form, drafts, names })).toEqual({ ok: true, value: BEN });
    expect(readAddMember({ form: { ...form, userId: 'demo-analyst' }, drafts, names })).toEqual({
      ok: false,
      message: 'Ada Analyst (demo-analyst) is already a member: change their row instead.',
    });
    expect(
      readAddMember({ form: { ...form, userId: 'demo-analyst' }, drafts: edit(drafts, 'demo-analyst', { removed: true }), names }),
    ).toMatchObject({ ok: false, message: expect.stringContaining('marked to be removed') as unknown });
    expect(readAddMember({ form: { ...form, userId: 'nobody' }, drafts, names })).toEqual({
      ok: false,
      message: 'Person: the platform does not know nobody.',
    });
    expect(readAddMember({ form: { ...form, userId: '' }, drafts, names })).toEqual({ ok: false, message: 'Person: choose who to add.' });
    expect(readAddMember({ form: { ...form, role: '' }, drafts, names })).toEqual({ ok: false, message: 'Project role: choose one.' });
  });

  it('take a typed id when the people cannot be listed (a data manager), checking only its form', () => {
    const form = { userId: 'someone-new', role: 'lead' as const, start: '2026-12-01', end: '2029-03-31' };
    expect(readAddMember({ form, drafts: [], names: null })).toMatchObject({
      ok: true,
      value: { userId: 'someone-new', displayName: null },
    });
    expect(readAddMember({ form: { ...form, userId: 'Not An Id' }, drafts: [], names: null })).toMatchObject({ ok: false });
    expect(memberName({ userId: 'someone-new', displayName: null })).toBe('someone-new');
  });

  it("name the member a refusal's field belongs to, keeping the platform's words", () => {
    const drafts = [...edit(draftsOf(BEFORE), 'demo-admin', { removed: true }), BEN];
    const message = [
      'covid-outcomes.json line 31, column 14, members[1].end: must not be before start',
      'covid-outcomes.json line 2, column 1: something about the file',
    ].join('\n');
    expect(refusalLines(message, keptDrafts(drafts))).toEqual([
      'covid-outcomes.json line 31, column 14, members[1].end: must not be before start — Ben Analyst (demo-analyst-2)',
      'covid-outcomes.json line 2, column 1: something about the file',
    ]);
    expect(refusalLines('Only a data manager grants or withdraws permission to request release.', [])).toEqual([
      'Only a data manager grants or withdraws permission to request release.',
    ]);
    expect(refusalLines('x.json line 1, column 1, members[7].role: bad', keptDrafts(drafts))).toEqual([
      'x.json line 1, column 1, members[7].role: bad',
    ]);
  });
});
