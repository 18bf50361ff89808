// The checkers' review page's rules, pure: which output files still need my vote, which files a return still needs a
// public comment on (private comments and comments of an earlier round do not count), when the other checker is
// blinded, what a release lets out, when a vote needs a coded reason; the queue's words (age, progress, order);
// cells by key; and a published table laid out by its dimensions.
import { describe, expect, it } from 'vitest';
import type { Comment, RequestDetail, RequestFile, VoteView } from '../../../../src/common/airlock.ts';
import type { PublishedCell } from '../../../../src/common/output-check.ts';
import { cellKeyId, covers, describeCell, toggleCell } from '../../../../renderer/src/checking/cell-keys.ts';
import {
  ageText,
  disagreementCodesFor,
  namesText,
  oldestFirst,
  progressText,
  reviewsText,
} from '../../../../renderer/src/checking/checking-words.ts';
import { gridOf } from '../../../../renderer/src/checking/published-grid.ts';
import {
  filesMissingPublicComment,
  filesToRelease,
  isBlinded,
  liveOutputs,
  myVote,
  needsDisagreement,
  readDisagreement,
  unvotedOutputs,
} from '../../../../renderer/src/checking/review-rules.ts';
import { newerRequest } from '../../../../renderer/src/airlock/use-request.ts';

const SUBMITTED_AT = '2026-12-01T10:00:00.000Z';
const me = { id: 'demo-checker-1', name: 'Chloe Checker' };
const other = { id: 'demo-checker-2', name: 'Chidi Checker' };
let n = 0;
const hex = (i: number): string => i.toString(16).padStart(20, '0');

function vote(v: VoteView['vote'], mine: boolean): VoteView {
  return { checker: mine ? me : other, vote: v, disagreement: null, fileVersion: 1, at: SUBMITTED_AT, mine };
}

function file(name: string, overrides: Partial<RequestFile> = {}): RequestFile {
  n += 1;
  return {
    id: `file-${hex(n)}`,
    name,
    role: 'output',
    kind: 'frequency',
    title: name,
    fileVersion: 1,
    sha256: 'a'.repeat(64),
    addedAt: '2026-11-30T10:00:00.000Z',
    withdrawn: false,
    verdict: 'pass',
    mitigation: 'none',
    exception: null,
    decision: 'undecided',
    votes: { visible: [], hidden: 0 },
    changedSinceReview: false,
    ...overrides,
  };
}

function comment(fileId: string | null, visibility: Comment['visibility'], at = '2026-12-01T11:00:00.000Z'): Comment {
  n += 1;
  return { id: `cmt-${hex(n)}`, fileId, cell: null, visibility, text: 'Please suppress the small cell.', author: me, at };
}

function detail(files: RequestFile[], overrides: Partial<Omit<RequestDetail, 'files'>> = {}): RequestDetail {
  return {
    id: `req-${hex(1)}`,
    projectId: 'covid-outcomes',
    projectName: 'COVID outcomes',
    title: 'Admissions by region',
    state: 'REVIEWED',
    author: { id: 'demo-analyst', name: 'Ada Analyst' },
    createdAt: '2026-11-30T09:00:00.000Z',
    submittedAt: SUBMITTED_AT,
    updatedAt: SUBMITTED_AT,
    version: 7,
    files,
    outputs: files.filter((f) => f.role === 'output').length,
    context: { description: 'd', population: 'p', relationship: 'r' },
    comments: [],
    reviews: [],
    history: [],
    round: 1,
    myRole: 'checker',
    actions: [],
    ...overrides,
  };
}

describe('what my review still needs', () => {
  it('asks for a vote on every output file not withdrawn, and never on a supporting file', () => {
    const voted = file('by-region.json', { votes: { visible: [vote('approve', true)], hidden: 1 } });
    const unvoted = file('by-age.json', { votes: { visible: [vote('approve', false)], hidden: 0 } });
    const withdrawn = file('old.json', { withdrawn: true });
    const supporting = file('code.sql', { role: 'supporting', kind: null, verdict: null, mitigation: null });
    const request = detail([voted, unvoted, withdrawn, supporting]);

    expect(liveOutputs(request).map((f) => f.name)).toEqual(['by-region.json', 'by-age.json']);
    expect(unvotedOutputs(request).map((f) => f.name)).toEqual(['by-age.json']);
    expect(myVote(voted)?.vote).toBe('approve');
    expect(myVote(unvoted)).toBeNull();
  });

  it('needs a coded reason only for a vote against the engine', () => {
    expect(needsDisagreement('flag', 'approve')).toBe(true);
    expect(needsDisagreement('review', 'approve')).toBe(true);
    expect(needsDisagreement('pass', 'request_changes')).toBe(true);
    expect(needsDisagreement('pass', 'approve')).toBe(false);
    expect(needsDisagreement('flag', 'request_changes')).toBe(false);
    expect(needsDisagreement(null, 'approve')).toBe(false);
    expect(disagreementCodesFor('approve')).toContain('structural_zero');
    expect(disagreementCodesFor('request_changes')).toContain('missed_small_group');
    expect(disagreementCodesFor('request_changes')).not.toContain('structural_zero');
    expect(readDisagreement({ code: '', text: 'a long reason' })).toEqual({
      ok: false,
      message: 'Your vote goes against the engine’s verdict: choose the reason.',
    });
    expect(readDisagreement({ code: 'structural_zero', text: '  x ' }).ok).toBe(false);
    expect(readDisagreement({ code: 'structural_zero', text: 'No men are pregnant.' })).toEqual({ ok: true });
  });
});

describe('returning to the analyst', () => {
  it('names every file with changes requested or conflicted that has no public comment from a checker in this round', () => {
    const changes = file('changes.json', { decision: 'changes_requested' });
    const conflicted = file('conflicted.json', { decision: 'conflicted' });
    const privateOnly = file('private.json', { decision: 'changes_requested' });
    const oldRound = file('old-round.json', { decision: 'changes_requested' });
    const analystOnly = file('analyst.json', { decision: 'changes_requested' });
    const approved = file('approved.json', { decision: 'approved' });
    const request = detail([changes, conflicted, privateOnly, oldRound, analystOnly, approved], {
      comments: [
        comment(changes.id, 'public'),
        comment(privateOnly.id, 'private'),
        comment(oldRound.id, 'public', '2026-11-30T12:00:00.000Z'),
        { ...comment(analystOnly.id, 'public'), author: { id: 'demo-analyst', name: 'Ada Analyst' } },
        comment(null, 'public'),
      ],
    });

    expect(filesMissingPublicComment(request).map((f) => f.name)).toEqual([
      'conflicted.json',
      'private.json',
      'old-round.json',
      'analyst.json',
    ]);
  });

  it('needs nothing when every file with changes requested has a public comment', () => {
    const changes = file('changes.json', { decision: 'changes_requested' });
    const request = detail([changes], { comments: [{ ...comment(changes.id, 'public'), cell: { region: 'North' } }] });
    expect(filesMissingPublicComment(request)).toEqual([]);
  });
});

describe('blinding and release', () => {
  it('blinds the other checker until both reviews of the round are complete', () => {
    const started = { checkerId: me.id, name: me.name, completedAt: null };
    const done = (who: typeof me) => ({ checkerId: who.id, name: who.name, completedAt: SUBMITTED_AT });
    expect(isBlinded({ round: 1, reviews: [] })).toBe(true);
    expect(isBlinded({ round: 1, reviews: [started] })).toBe(true);
    expect(isBlinded({ round: 1, reviews: [done(me), { ...started, checkerId: other.id }] })).toBe(true);
    expect(isBlinded({ round: 1, reviews: [done(me), done(other)] })).toBe(false);
    // A resubmission starts a new round, whose reviews start afresh.
    expect(isBlinded({ round: 2, reviews: [] })).toBe(true);
    expect(isBlinded({ round: 0, reviews: [] })).toBe(false);
  });

  it('lets out only the approved output files', () => {
    const request = detail([
      file('a.json', { decision: 'approved' }),
      file('b.json', { decision: 'approved', withdrawn: true }),
      file('notes.txt', { role: 'supporting', kind: null, verdict: null, mitigation: null }),
      file('c.json', { decision: 'approved' }),
    ]);
    expect(filesToRelease(request).map((f) => f.name)).toEqual(['a.json', 'c.json']);
  });

  it('keeps the newest view of the request, an action’s answer winning a tie', () => {
    const read = detail([], { version: 3 });
    const acted = detail([], { version: 4 });
    expect(newerRequest(read, acted, read.id)).toBe(acted);
    expect(newerRequest(acted, read, read.id)).toBe(acted);
    expect(newerRequest(read, { ...read }, read.id)).not.toBe(read);
    expect(newerRequest(read, null, 'req-ffffffffffffffffffff')).toBeNull();
  });
});

describe('the queue in words', () => {
  it('says the age in whole units, rounded down', () => {
    expect(ageText(0)).toBe('under a minute');
    expect(ageText(59)).toBe('under a minute');
    expect(ageText(60)).toBe('1 minute');
    expect(ageText(3599)).toBe('59 minutes');
    expect(ageText(7200)).toBe('2 hours');
    expect(ageText(86_400 * 3 + 5)).toBe('3 days');
  });

  it('says my progress and the reviews of the round', () => {
    expect(progressText({ outputs: 3, mine: { voted: 1, completed: false } })).toBe('1 of 3 output files voted');
    expect(progressText({ outputs: 1, mine: { voted: 1, completed: true } })).toBe('Your review is complete (1 of 1 output file voted)');
    expect(progressText({ outputs: 0, mine: { voted: 0, completed: false } })).toBe('No output files to vote on');
    expect(reviewsText(0)).toBe('No review complete');
    expect(reviewsText(1)).toBe('1 of 2 reviews complete');
    expect(reviewsText(2)).toBe('Both reviews complete');
  });

  it('puts the longest waiting first', () => {
    const entries = [
      { title: 'b', ageSeconds: 10 },
      { title: 'c', ageSeconds: 500 },
      { title: 'a', ageSeconds: 10 },
    ];
    expect(oldestFirst(entries).map((e) => e.title)).toEqual(['c', 'a', 'b']);
    expect(entries.map((e) => e.title)).toEqual(['b', 'c', 'a']);
  });

  it('lists names in words', () => {
    expect(namesText([])).toBe('');
    expect(namesText(['a'])).toBe('“a”');
    expect(namesText(['a', 'b', 'c'])).toBe('“a”, “b” and “c”');
  });
});

describe('cells by key', () => {
  it('gives one id whatever the order of the key, comparing values as text', () => {
    expect(cellKeyId({ sex: 'F', age: 40 })).toBe(cellKeyId({ age: '40', sex: 'F' }));
    expect(cellKeyId({ sex: 'F', age: 40 })).not.toBe(cellKeyId({ sex: 'M', age: 40 }));
  });

  it('lets a key naming fewer dimensions cover the cells under it', () => {
    expect(covers({ region: 'North' }, { region: 'North', sex: 'F' })).toBe(true);
    expect(covers({ region: 'North' }, { region: 'South', sex: 'F' })).toBe(false);
    expect(covers({}, { region: 'North' })).toBe(false);
  });

  it('says a cell in words, totals as “all”, and toggles it in a selection', () => {
    expect(describeCell({ sex: '*', region: 'North' }, ['region', 'sex'])).toBe('region = North, sex = all');
    const one = toggleCell([], { region: 'North' });
    expect(one).toEqual([{ region: 'North' }]);
    expect(toggleCell(one, { region: 'North' })).toEqual([]);
  });
});

describe('a published table laid out', () => {
  const cell = (key: Record<string, string>, value: number | null): PublishedCell =>
    value === null ? { key, value, status: 'suppressed' } : { key, value, status: 'published' };

  it('puts a one-way table in one column, with its total last', () => {
    const [block] = gridOf({
      dimensions: ['sex'],
      cells: [cell({ sex: 'F' }, 12), cell({ sex: 'M' }, null)],
      totals: [cell({ sex: '*' }, 20)],
    });
    expect(block?.columnDimension).toBeNull();
    expect(block?.rows.map((r) => [r.label, r.total, r.cells[0]?.value])).toEqual([
      ['F', false, 12],
      ['M', false, null],
      ['Total', true, 20],
    ]);
  });

  it('puts a two-way table in rows by columns, leaving a gap where the output has no cell', () => {
    const [block, ...rest] = gridOf({
      dimensions: ['region', 'sex'],
      cells: [cell({ region: 'North', sex: 'F' }, 1), cell({ region: 'South', sex: 'M' }, 2), cell({ region: 'North', sex: 'M' }, 3)],
      totals: [cell({ region: '*', sex: 'F' }, 4)],
    });
    expect(rest).toEqual([]);
    expect(block?.columns.map((c) => c.label)).toEqual(['F', 'M']);
    expect(block?.rows.map((r) => r.label)).toEqual(['North', 'South', 'Total']);
    expect(block?.rows.map((r) => r.cells.map((c) => c?.value ?? '-'))).toEqual([
      [1, 3],
      ['-', 2],
      [4, '-'],
    ]);
  });

  it('puts a three-way table in one block per category of the first dimension', () => {
    const blocks = gridOf({
      dimensions: ['year', 'region', 'sex'],
      cells: [cell({ year: '2023', region: 'North', sex: 'F' }, 1), cell({ year: '2024', region: 'North', sex: 'F' }, 2)],
      totals: [cell({ year: '*', region: 'North', sex: 'F' }, 3)],
    });
    expect(blocks.map((b) => b.heading)).toEqual(['year = 2023', 'year = 2024', 'year: all (totals)']);
    expect(blocks.map((b) => b.rows[0]?.cells[0]?.value)).toEqual([1, 2, 3]);
  });
});
