// What each viewer may see of a release request (src/platform/airlock/views.ts), from hand-made stored records: a
// checker sees their own votes and comments and the other checker's only once both reviews of the round are complete;
// the author and members never see a vote nor a private comment, and see the checkers' public comments once the round
// is revealed; votes on an earlier version of a file do not count, nor votes cast on a check the file no longer has
// (another published output or verdict: the file is then changed since its review); and what each may do now (nothing on an
// open request whose author is suspended: it is frozen). Also the release package's
// ACRO record, which marks every hidden cell alike and carries no count behind one.
import { describe, expect, it } from 'vitest';
import type { OutputCheck, PublishedOutput } from '../../../src/common/output-check.ts';
import { releasePackage } from '../../../src/platform/airlock/release-package.ts';
import {
  actionsFor,
  allApproved,
  detailOf,
  isFrozen,
  OPEN_STATES,
  publishedSha256Of,
  uncommented,
  unvotedBy,
  type Viewer,
} from '../../../src/platform/airlock/views.ts';
import type { OutputDocument } from '../../../src/common/outputs.ts';
import type { StoredComment, StoredFile, StoredRequestRecord, StoredReview, StoredVote } from '../../../src/platform/store/airlock.ts';

const AT = '2026-12-01T10:00:00.000Z';
const AUTHOR = 'ada';
const C1 = 'chloe';
const C2 = 'chidi';
const NAMES = new Map([
  [AUTHOR, 'Ada Analyst'],
  [C1, 'Chloe Checker'],
  [C2, 'Chidi Checker'],
]);
const CONTEXT = JSON.stringify({ description: 'd', population: 'p', relationship: 'r' });
const PASS_CHECK = JSON.stringify({
  verdict: 'pass',
  mitigation: 'none',
  rules: {
    profile: 'default',
    threshold: 10,
    nk: null,
    p: null,
    zerosDisclosive: true,
    rounding: null,
    dofThreshold: 10,
    defaultTotals: 'published',
  },
  check: null,
  regression: { status: 'pass', residualDof: 40, reasons: [] },
  flags: [],
  evidence: [],
  suggestion: null,
  notes: [],
});

/** Every file's document: a regression, whose published output is its coefficients. */
const MODEL: OutputDocument = {
  kind: 'regression',
  title: 'Model',
  source: { sql: 'SELECT age, stay FROM admissions', engine: 'native' },
  model: 'ols',
  coefficients: [{ term: 'age', estimate: 0.4, standardError: 0.1, pValue: 0.01 }],
  observations: 60,
  residualDof: 58,
};
/** What a vote on it is cast on: the SHA-256 of its published output under the passing check. */
const MODEL_SHA256 = publishedSha256Of(MODEL, JSON.parse(PASS_CHECK) as OutputCheck);

function file(id: string, version = 1, options: { reviewed?: number | null; withdrawn?: boolean } = {}): StoredFile {
  return {
    id,
    request_id: 'req-1',
    name: `${id}.json`,
    role: 'output',
    position: 1,
    current_version: version,
    withdrawn: options.withdrawn === true ? 1 : 0,
    added_at: AT,
    reviewed_version: options.reviewed ?? null,
    current: {
      file_id: id,
      version,
      kind: 'regression',
      title: `Model ${id}`,
      content: JSON.stringify(MODEL),
      sha256: 'a'.repeat(64),
      output_check: PASS_CHECK,
      exception: null,
      added_at: AT,
      added_by: AUTHOR,
    },
  };
}

/**
 * `fileId:checker:vote`, optionally in a round: vote('f1:chloe:approve', { round: 2 }). The vote is on version 1, cast on
 * the passing check unless `on` says what it was cast on.
 */
function vote(what: string, options: { round?: number; on?: { sha256: string; verdict: string } } = {}): StoredVote {
  const [fileId, checker, cast] = what.split(':') as [string, string, 'approve' | 'request_changes'];
  return {
    file_id: fileId,
    checker_id: checker,
    file_version: 1,
    vote: cast,
    disagreement: null,
    round: options.round ?? 1,
    at: AT,
    published_sha256: options.on?.sha256 ?? MODEL_SHA256,
    verdict: options.on?.verdict ?? 'pass',
  };
}

const review = (checker: string, completed: boolean, round = 1): StoredReview => ({
  request_id: 'req-1',
  round,
  checker_id: checker,
  started_at: AT,
  completed_at: completed ? AT : null,
});

function comment(id: string, by: string, options: { visibility: 'public' | 'private'; round?: number; fileId?: string }): StoredComment {
  const { visibility } = options;
  return {
    id,
    request_id: 'req-1',
    file_id: options.fileId ?? null,
    cell: null,
    visibility,
    text: `${visibility} by ${by}`,
    author_id: by,
    round: options.round ?? 1,
    at: AT,
  };
}

function record(parts: Partial<Omit<StoredRequestRecord, 'request'>> & { state: string; round?: number }): StoredRequestRecord {
  return {
    request: {
      id: 'req-1',
      project_id: 'proj',
      title: 'Models',
      context: CONTEXT,
      state: parts.state,
      author_id: AUTHOR,
      created_at: AT,
      submitted_at: AT,
      updated_at: AT,
      version: 7,
      round: parts.round ?? 1,
    },
    files: parts.files ?? [file('f1')],
    votes: parts.votes ?? [],
    reviews: parts.reviews ?? [],
    comments: parts.comments ?? [],
    history: parts.history ?? [],
  };
}

const as = (userId: string, role: Viewer['role'], admin = false): Viewer => ({ userId, role, admin });
const view = (stored: StoredRequestRecord, viewer: Viewer) =>
  detailOf(stored, { viewer, projectName: 'Project', names: NAMES, authorMayRequest: true, authorSuspended: false });

describe('blinding between the two checkers', () => {
  const halfway = record({
    state: 'PARTIALLY_REVIEWED',
    votes: [vote(`f1:${C1}:request_changes`), vote(`f1:${C2}:approve`)],
    reviews: [review(C1, true), review(C2, false)],
    comments: [
      comment('cmt-1', C1, { visibility: 'private' }),
      comment('cmt-2', C1, { visibility: 'public' }),
      comment('cmt-3', AUTHOR, { visibility: 'public' }),
    ],
  });

  it('shows a checker their own vote and comments, hides the other’s, and derives the decision only from what it shows', () => {
    const chidi = view(halfway, as(C2, 'checker'));
    expect(chidi.files[0].votes.visible.map((v) => v.checker.id)).toEqual([C2]);
    expect(chidi.files[0].votes.hidden).toBe(1);
    expect(chidi.files[0].decision).toBe('undecided');
    expect(chidi.comments.map((c) => c.id)).toEqual(['cmt-3']);
  });

  it('reveals everything to both once both reviews of the round are complete', () => {
    const done = { ...halfway, reviews: [review(C1, true), review(C2, true)] };
    const chidi = view(done, as(C2, 'checker'));
    expect(chidi.files[0].votes).toMatchObject({ hidden: 0 });
    expect(chidi.files[0].votes.visible).toHaveLength(2);
    expect(chidi.files[0].decision).toBe('conflicted');
    expect(chidi.comments.map((c) => c.id)).toEqual(['cmt-1', 'cmt-2', 'cmt-3']);
  });

  it('shows the author and members no vote and no private comment, ever, and public ones once revealed', () => {
    for (const viewer of [as(AUTHOR, 'author'), as('ben', 'member')]) {
      const before = view(halfway, viewer);
      expect(before.files[0].votes).toEqual({ visible: [], hidden: 0 });
      expect(before.comments.map((c) => c.id)).toEqual(['cmt-3']);
      const after = view({ ...halfway, reviews: [review(C1, true), review(C2, true)] }, viewer);
      expect(after.files[0].votes).toEqual({ visible: [], hidden: 0 });
      expect(after.files[0].decision).toBe('conflicted');
      expect(after.comments.map((c) => c.id)).toEqual(['cmt-2', 'cmt-3']);
    }
  });

  it('keeps what an earlier round revealed visible in the next one, and hides the new round’s votes again', () => {
    const second = record({
      state: 'SUBMITTED',
      round: 2,
      votes: [vote(`f1:${C1}:approve`, { round: 1 }), vote(`f1:${C2}:approve`, { round: 2 })],
      reviews: [review(C1, true, 1), review(C2, true, 1), review(C2, false, 2)],
    });
    const chloe = view(second, as(C1, 'checker'));
    expect(chloe.files[0].votes.visible.map((v) => v.checker.id)).toEqual([C1]);
    expect(chloe.files[0].votes.hidden).toBe(1);
    expect(chloe.reviews).toEqual([{ checkerId: C2, name: 'Chidi Checker', completedAt: null }]);
  });
});

describe('what counts', () => {
  it('counts only votes on the file’s current version: an update resets its votes', () => {
    const updated = record({
      state: 'SUBMITTED',
      round: 2,
      files: [file('f1', 2, { reviewed: 1 }), file('f2', 1, { reviewed: 1 })],
      votes: [vote(`f1:${C1}:approve`), vote(`f1:${C2}:approve`), vote(`f2:${C1}:approve`), vote(`f2:${C2}:approve`)],
      reviews: [review(C1, true, 1), review(C2, true, 1)],
      history: [
        { request_id: 'req-1', seq: 3, at: AT, actor: C2, event: 'return', from_state: 'REVIEWED', to_state: 'RETURNED', reason: null },
      ],
    });
    const author = view(updated, as(AUTHOR, 'author'));
    expect(author.files.map((f) => [f.id, f.decision, f.changedSinceReview])).toEqual([
      ['f1', 'undecided', true],
      ['f2', 'approved', false],
    ]);
    expect(unvotedBy(updated, C1).map((f) => f.id)).toEqual(['f1']);
    expect(allApproved(updated)).toBe(false);
  });

  it('counts no vote cast on a check the file no longer has, and shows the file changed since its review', () => {
    for (const on of [
      { sha256: 'c'.repeat(64), verdict: 'pass' }, // it published something else then
      { sha256: MODEL_SHA256, verdict: 'flag' }, // the same output, another verdict
    ]) {
      const rechecked = record({
        state: 'REVIEWED',
        files: [file('f1'), file('f2')],
        votes: [vote(`f1:${C1}:approve`, { on }), vote(`f1:${C2}:approve`), vote(`f2:${C1}:approve`), vote(`f2:${C2}:approve`)],
        reviews: [review(C1, true), review(C2, true)],
      });
      expect(allApproved(rechecked)).toBe(false);
      expect(unvotedBy(rechecked, C1).map((f) => f.id)).toEqual(['f1']);
      const chloe = view(rechecked, as(C1, 'checker'));
      expect(chloe.files.map((f) => [f.id, f.decision, f.changedSinceReview, f.votes.visible.length])).toEqual([
        ['f1', 'undecided', true, 1],
        ['f2', 'approved', false, 2],
      ]);
      expect(view(rechecked, as(AUTHOR, 'author')).files.map((f) => f.changedSinceReview)).toEqual([true, false]);
    }
    // A vote from before the check was recorded with it counts for nothing.
    const unrecorded = { ...vote(`f1:${C1}:approve`), published_sha256: null, verdict: null };
    expect(allApproved(record({ state: 'REVIEWED', votes: [unrecorded, vote(`f1:${C2}:approve`)] }))).toBe(false);
    expect(allApproved(record({ state: 'REVIEWED', votes: [vote(`f1:${C1}:approve`), vote(`f1:${C2}:approve`)] }))).toBe(true);
  });

  it('leaves withdrawn files out of approval, and needs at least one output approved', () => {
    const withdrawn = record({
      state: 'REVIEWED',
      files: [file('f1'), file('f2', 1, { withdrawn: true })],
      votes: [vote(`f1:${C1}:approve`), vote(`f1:${C2}:approve`)],
    });
    expect(allApproved(withdrawn)).toBe(true);
    expect(allApproved(record({ state: 'REVIEWED', files: [file('f1', 1, { withdrawn: true })] }))).toBe(false);
  });

  it('asks for a public checker comment this round on every file with changes requested or conflicted', () => {
    const base = {
      state: 'REVIEWED',
      files: [file('f1'), file('f2'), file('f3')],
      votes: [
        vote(`f1:${C1}:request_changes`),
        vote(`f1:${C2}:request_changes`),
        vote(`f2:${C1}:approve`),
        vote(`f2:${C2}:request_changes`),
        vote(`f3:${C1}:approve`),
        vote(`f3:${C2}:approve`),
      ],
    };
    expect(uncommented(record(base)).map((f) => f.id)).toEqual(['f1', 'f2']);
    const commented = record({
      ...base,
      comments: [
        comment('cmt-1', C1, { visibility: 'public', fileId: 'f1' }),
        // Private, the author's own, or from an earlier round: none of these tells the analyst what to change now.
        comment('cmt-2', C1, { visibility: 'private', fileId: 'f2' }),
        comment('cmt-3', AUTHOR, { visibility: 'public', fileId: 'f2' }),
        comment('cmt-4', C2, { visibility: 'public', fileId: 'f2', round: 0 }),
      ],
    });
    expect(uncommented(commented).map((f) => f.id)).toEqual(['f2']);
  });
});

describe('what each may do', () => {
  it('lets the author edit and submit only while pending or returned, and never review', () => {
    expect(actionsFor(record({ state: 'PENDING' }), as(AUTHOR, 'author'), { authorMayRequest: true, authorSuspended: false })).toEqual([
      'edit',
      'submit',
      'withdraw',
    ]);
    expect(actionsFor(record({ state: 'PENDING' }), as(AUTHOR, 'author'), { authorMayRequest: false, authorSuspended: false })).toEqual([
      'withdraw',
    ]);
    expect(
      actionsFor(record({ state: 'REVIEWED' }), as(AUTHOR, 'author', true), { authorMayRequest: true, authorSuspended: false }),
    ).toEqual(['withdraw', 'comment']);
    expect(
      actionsFor(record({ state: 'RELEASED' }), as(AUTHOR, 'author', true), { authorMayRequest: true, authorSuspended: false }),
    ).toEqual([]);
  });

  it('lets a checker return or release only after completing their review, and a third checker do nothing but comment', () => {
    const reviewed = record({ state: 'REVIEWED', reviews: [review(C1, true), review(C2, true)] });
    expect(actionsFor(reviewed, as(C1, 'checker'), { authorMayRequest: true, authorSuspended: false })).toEqual([
      'vote',
      'comment',
      'return',
      'reject',
    ]);
    expect(
      actionsFor({ ...reviewed, request: { ...reviewed.request, state: 'APPROVED' } }, as(C1, 'checker'), {
        authorMayRequest: true,
        authorSuspended: false,
      }),
    ).toEqual(['vote', 'comment', 'reject', 'release']);
    expect(actionsFor(reviewed, as('third', 'checker'), { authorMayRequest: true, authorSuspended: false })).toEqual(['comment']);
    expect(
      actionsFor(record({ state: 'RELEASED' }), as('dana', 'member', true), { authorMayRequest: true, authorSuspended: false }),
    ).toEqual(['revoke']);
  });

  it('offers nobody anything on an open request while its author is suspended (frozen), and still offers a revocation', () => {
    const suspended = { authorMayRequest: true, authorSuspended: true };
    const approved = record({ state: 'APPROVED', reviews: [review(C1, true), review(C2, true)] });
    for (const state of OPEN_STATES) {
      const open = { ...approved, request: { ...approved.request, state } };
      expect(actionsFor(open, as(C1, 'checker', true), suspended)).toEqual([]);
      expect(actionsFor(open, as(AUTHOR, 'author'), suspended)).toEqual([]);
      expect(isFrozen(open.request, true)).toBe(true);
      expect(isFrozen(open.request, false)).toBe(false);
      expect(detailOf(open, { viewer: as(C1, 'checker'), projectName: 'Project', names: NAMES, ...suspended })).toMatchObject({
        frozen: true,
        actions: [],
      });
    }
    // A released request is not open: revoking it is the incident response, never frozen.
    const released = record({ state: 'RELEASED' });
    expect(isFrozen(released.request, true)).toBe(false);
    expect(actionsFor(released, as(C1, 'checker'), suspended)).toEqual(['revoke']);
    for (const state of ['WITHDRAWN', 'REJECTED', 'REVOKED'] as const) {
      expect(isFrozen({ ...released.request, state }, true)).toBe(false);
    }
  });
});

describe('the release package’s ACRO record', () => {
  it('marks every hidden cell alike and carries only published values', () => {
    const published: PublishedOutput = {
      kind: 'frequency',
      title: 'Admissions by region',
      statistic: 'count',
      measure: null,
      chart: null,
      dimensions: ['region'],
      cells: [
        { key: { region: 'North' }, value: 25, status: 'published' },
        { key: { region: 'South' }, value: null, status: 'suppressed' },
        { key: { region: 'West' }, value: null, status: 'suppressed' },
      ],
      totals: [{ key: { region: '*' }, value: 46, status: 'published' }],
      derived: [],
      mitigation: 'suppressed',
      notes: ['2 cells suppressed (shown empty).'],
      regression: null,
    };
    const rules = {
      profile: 'default' as const,
      threshold: 10,
      nk: null,
      p: null,
      zerosDisclosive: true,
      rounding: null,
      dofThreshold: 10,
    };
    const check: OutputCheck = {
      ...(JSON.parse(PASS_CHECK) as OutputCheck),
      regression: null,
      check: {
        status: 'pass',
        rules,
        totalsMode: 'published',
        lowerBound: 0,
        cells: [
          { key: { region: 'North' }, count: 25, published: 25, status: 'safe', reasons: [] },
          { key: { region: 'South' }, count: 3, published: null, status: 'primary', reasons: ['threshold: count 3 is below 10'] },
          { key: { region: 'West' }, count: 18, published: null, status: 'secondary', reasons: ['secondary: protects South'] },
        ],
        totals: [{ key: { region: '*' }, count: 46, published: 46, status: 'safe', reasons: [] }],
        intervals: [{ key: { region: 'South' }, lower: 0, upper: 21 }],
        notes: ['South: count 3 hidden'],
      },
    };
    const pack = releasePackage({
      id: 'req-1',
      title: 'Models',
      projectId: 'proj',
      projectName: 'Project',
      context: { description: 'd', population: 'p', relationship: 'r' },
      releasedAt: AT,
      releasedBy: { id: C1, name: 'Chloe Checker' },
      reviewers: ['Chidi Checker', 'Chloe Checker'],
      rules: 'default',
      files: [{ fileId: 'file-1', name: 'admissions.json', sha256: 'b'.repeat(64), published, check }],
    });
    const record = pack.acro.results.output_0 as {
      outcome: Record<string, Record<string, string>>;
      comments: string[];
      files: Array<{ sdc: { summary: Record<string, number | boolean> } }>;
    };
    expect(record.outcome.count).toMatchObject({ North: 'ok', South: 'secondary; ', West: 'secondary; ' });
    expect(record.files[0].sdc.summary).toMatchObject({ threshold: 0, secondary: 2, suppressed: true });
    expect(record.comments).toEqual(['2 cells suppressed (shown empty).']);
    const text = JSON.stringify(pack);
    expect(text).not.toMatch(/count 3|protects South|"upper"|"count":3|"count":18/);
  });
});
