// The airlock's state machine (src/common/airlock.ts), as a table: every state × every event, with facts that allow the
// event, is either the next state or a refusal (conflict, saying why and that nothing changed). Then the facts each
// event reads (what a submission, a completed review, a return, a rejection, a release, a revocation need), and the
// per-file decision rule: two approvals approve, an approve and a request for changes conflict, two requests for
// changes ask for changes.
import { describe, expect, it } from 'vitest';
import {
  disagreesWithEngine,
  fileDecision,
  nextState,
  REQUEST_EVENTS,
  REQUEST_STATES,
  type RequestEvent,
  type RequestState,
  type TransitionFacts,
  type Vote,
} from '../../../src/common/airlock.ts';
import { EnclaveError } from '../../../src/common/errors.ts';

/** Facts under which each event is allowed wherever its state allows it. */
const ALLOWING: { readonly [E in RequestEvent]: TransitionFacts[E] } = {
  submit: { outputFiles: 2, missingExceptions: [], missingContext: [] },
  withdraw: {},
  review_completed: { unvoted: [], allApproved: false },
  votes_changed: { allApproved: false },
  return: { uncommented: [] },
  reject: { reason: 'The outputs describe a population of three practices.' },
  release: { allApproved: true },
  revoke: { reason: 'A cell was found to be disclosive after release.' },
};

/** Every state × event under ALLOWING: the next state, or null for a refusal. */
const TABLE: Readonly<Record<RequestState, Readonly<Record<RequestEvent, RequestState | null>>>> = {
  PENDING: {
    submit: 'SUBMITTED',
    withdraw: 'WITHDRAWN',
    review_completed: null,
    votes_changed: null,
    return: null,
    reject: null,
    release: null,
    revoke: null,
  },
  SUBMITTED: {
    submit: null,
    withdraw: 'WITHDRAWN',
    review_completed: 'PARTIALLY_REVIEWED',
    votes_changed: 'SUBMITTED',
    return: null,
    reject: 'REJECTED',
    release: null,
    revoke: null,
  },
  PARTIALLY_REVIEWED: {
    submit: null,
    withdraw: 'WITHDRAWN',
    review_completed: 'REVIEWED',
    votes_changed: 'PARTIALLY_REVIEWED',
    return: null,
    reject: 'REJECTED',
    release: null,
    revoke: null,
  },
  REVIEWED: {
    submit: null,
    withdraw: 'WITHDRAWN',
    review_completed: null,
    votes_changed: 'REVIEWED',
    return: 'RETURNED',
    reject: 'REJECTED',
    release: null,
    revoke: null,
  },
  APPROVED: {
    submit: null,
    withdraw: 'WITHDRAWN',
    review_completed: null,
    // A vote changed so that some file is no longer approved: back to REVIEWED.
    votes_changed: 'REVIEWED',
    return: null,
    reject: 'REJECTED',
    release: 'RELEASED',
    revoke: null,
  },
  RELEASED: {
    submit: null,
    withdraw: null,
    review_completed: null,
    votes_changed: null,
    return: null,
    reject: null,
    release: null,
    revoke: 'REVOKED',
  },
  RETURNED: {
    submit: 'SUBMITTED',
    withdraw: 'WITHDRAWN',
    review_completed: null,
    votes_changed: null,
    return: null,
    reject: null,
    release: null,
    revoke: null,
  },
  WITHDRAWN: {
    submit: null,
    withdraw: null,
    review_completed: null,
    votes_changed: null,
    return: null,
    reject: null,
    release: null,
    revoke: null,
  },
  REJECTED: {
    submit: null,
    withdraw: null,
    review_completed: null,
    votes_changed: null,
    return: null,
    reject: null,
    release: null,
    revoke: null,
  },
  REVOKED: {
    submit: null,
    withdraw: null,
    review_completed: null,
    votes_changed: null,
    return: null,
    reject: null,
    release: null,
    revoke: null,
  },
};

/** The refusal nextState throws, as a value (fails the test when it does not throw one). */
function refusalOf(run: () => unknown): EnclaveError {
  try {
    run();
  } catch (err) {
    if (err instanceof EnclaveError) return err;
    throw err;
  }
  throw new Error('expected a refusal, got a state');
}

const CASES = REQUEST_STATES.flatMap((state) => REQUEST_EVENTS.map((event) => [state, event, TABLE[state][event]] as const));

describe('the airlock state machine, every state × every event', () => {
  it('covers all ten states and all eight events', () => {
    expect(REQUEST_STATES).toHaveLength(10);
    expect(REQUEST_EVENTS).toHaveLength(8);
    expect(CASES).toHaveLength(80);
    expect(Object.keys(TABLE).sort()).toEqual([...REQUEST_STATES].sort());
  });

  it.each(CASES)('%s on %s → %s', (state, event, expected) => {
    const run = () => nextState(state, event, ALLOWING[event]);
    if (expected !== null) {
      expect(run()).toBe(expected);
      return;
    }
    const refusal = refusalOf(run);
    expect(refusal.code).toBe('conflict');
    // It says what state the request is in, and that nothing changed.
    expect(refusal.message).toMatch(/^This request is [a-z ]+: /);
    expect(refusal.message).toMatch(/Nothing was changed\.$/);
  });

  it('keeps the terminal states terminal, and only a release can be revoked', () => {
    for (const state of ['WITHDRAWN', 'REJECTED', 'REVOKED'] as const) {
      for (const event of REQUEST_EVENTS) expect(TABLE[state][event]).toBeNull();
    }
    expect(REQUEST_STATES.filter((state) => TABLE[state].revoke !== null)).toEqual(['RELEASED']);
    expect(REQUEST_STATES.filter((state) => TABLE[state].release !== null)).toEqual(['APPROVED']);
  });

  it('refuses an event it does not know', () => {
    const refusal = refusalOf(() => nextState('PENDING', 'publish' as RequestEvent, {}));
    expect(refusal.code).toBe('conflict');
    expect(refusal.message).toMatch(/no such event/);
  });
});

describe('what each event needs', () => {
  it('submits only with an output file, the context filled and an exception for every output that does not pass', () => {
    expect(refusalOf(() => nextState('PENDING', 'submit', { outputFiles: 0, missingExceptions: [], missingContext: [] })).message).toMatch(
      /at least one output file/,
    );
    expect(
      refusalOf(() =>
        nextState('PENDING', 'submit', { outputFiles: 1, missingExceptions: [], missingContext: ['the population and denominator'] }),
      ).message,
    ).toMatch(/Fill in the request's context first: the population and denominator/);
    const missing = refusalOf(() =>
      nextState('RETURNED', 'submit', { outputFiles: 3, missingExceptions: ['admissions.json', 'deaths.json'], missingContext: [] }),
    );
    expect(missing.code).toBe('conflict');
    expect(missing.message).toMatch(/exception text.*"admissions.json", "deaths.json"/);
  });

  it('completes a review only when the checker voted on every output file; the second review approves when every file is', () => {
    expect(refusalOf(() => nextState('SUBMITTED', 'review_completed', { unvoted: ['table.json'], allApproved: false })).message).toMatch(
      /"table.json" still need your vote/,
    );
    expect(nextState('SUBMITTED', 'review_completed', { unvoted: [], allApproved: true })).toBe('PARTIALLY_REVIEWED');
    expect(nextState('PARTIALLY_REVIEWED', 'review_completed', { unvoted: [], allApproved: true })).toBe('APPROVED');
    expect(nextState('PARTIALLY_REVIEWED', 'review_completed', { unvoted: [], allApproved: false })).toBe('REVIEWED');
  });

  it('moves between REVIEWED and APPROVED as votes change, and leaves the earlier review states as they are', () => {
    expect(nextState('REVIEWED', 'votes_changed', { allApproved: true })).toBe('APPROVED');
    expect(nextState('APPROVED', 'votes_changed', { allApproved: true })).toBe('APPROVED');
    expect(nextState('APPROVED', 'votes_changed', { allApproved: false })).toBe('REVIEWED');
    expect(nextState('SUBMITTED', 'votes_changed', { allApproved: true })).toBe('SUBMITTED');
    expect(nextState('PARTIALLY_REVIEWED', 'votes_changed', { allApproved: true })).toBe('PARTIALLY_REVIEWED');
  });

  it('returns only with a public comment on every file with changes requested', () => {
    const refusal = refusalOf(() => nextState('REVIEWED', 'return', { uncommented: ['rates.json'] }));
    expect(refusal.code).toBe('conflict');
    expect(refusal.message).toMatch(/public comment.*"rates.json"/);
  });

  it('rejects and revokes only with a reason', () => {
    expect(refusalOf(() => nextState('SUBMITTED', 'reject', { reason: '  ' })).message).toMatch(/needs a reason/);
    expect(refusalOf(() => nextState('RELEASED', 'revoke', { reason: '' })).message).toMatch(/needs a reason/);
  });

  it('releases only when every output file is approved or withdrawn', () => {
    expect(refusalOf(() => nextState('APPROVED', 'release', { allApproved: false })).message).toMatch(/approved \(or withdrawn\)/);
  });

  it('names many files without listing them all', () => {
    const names = Array.from({ length: 8 }, (_, i) => `t${i}.json`);
    const message = refusalOf(() => nextState('SUBMITTED', 'review_completed', { unvoted: names, allApproved: false })).message;
    expect(message).toContain('"t4.json" and 3 more');
    expect(message).not.toContain('t5.json');
  });
});

describe('the decision on one output file', () => {
  const cases: Array<[Vote[], ReturnType<typeof fileDecision>]> = [
    [[], 'undecided'],
    [['approve'], 'undecided'],
    [['request_changes'], 'undecided'],
    [['approve', 'approve'], 'approved'],
    [['request_changes', 'request_changes'], 'changes_requested'],
    [['approve', 'request_changes'], 'conflicted'],
    [['request_changes', 'approve'], 'conflicted'],
    // A third opinion (a checker's vote kept from an earlier round) never hides a disagreement.
    [['approve', 'approve', 'request_changes'], 'conflicted'],
    [['approve', 'approve', 'approve'], 'approved'],
  ];
  it.each(cases)('%j → %s', (votes, decision) => {
    expect(fileDecision(votes)).toBe(decision);
  });

  it('needs a disagreement when a vote goes against the engine: approving a flag or a review, asking for changes on a pass', () => {
    expect(disagreesWithEngine('pass', 'approve')).toBe(false);
    expect(disagreesWithEngine('pass', 'request_changes')).toBe(true);
    expect(disagreesWithEngine('flag', 'approve')).toBe(true);
    expect(disagreesWithEngine('review', 'approve')).toBe(true);
    expect(disagreesWithEngine('flag', 'request_changes')).toBe(false);
    expect(disagreesWithEngine('review', 'request_changes')).toBe(false);
  });
});
