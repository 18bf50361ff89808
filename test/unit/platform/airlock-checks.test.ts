// The bounds on the platform's disclosure checks (src/platform/airlock/checks.ts): each check runs within a deadline
// read from the clock (the solver never yields, so a timer could not stop it) and answers a clear invalid_input when it
// passes; the checks run one at a time, in the order they were asked for; a caller with a check waiting or running is
// refused another (rate_limited). With a stand-in LP solver whose solves take as long as a test needs.
import { describe, expect, it } from 'vitest';
import { EnclaveError } from '../../../src/common/errors.ts';
import type { OutputDocument } from '../../../src/common/outputs.ts';
import type { LpSolver } from '../../../src/common/sdc/lp.ts';
import { CHECK_DEADLINE_SECONDS, createOutputChecker } from '../../../src/platform/airlock/checks.ts';
import type { AgreementsInForce } from '../../../src/platform/authz/access-policy.ts';
import type { MetadataStore } from '../../../src/platform/store/metadata-store.ts';

/** A one-way table with one small cell, suppressed: its audit asks the solver for the hidden cells' ranges. */
const TABLE: OutputDocument = {
  kind: 'frequency',
  title: 'Admissions by region',
  source: { sql: 'SELECT region, count(*) FROM admissions GROUP BY region', engine: 'native' },
  table: {
    dimensions: ['region'],
    cells: Object.entries({ North: 25, South: 3, East: 40, West: 18 }).map(([region, count]) => ({ key: { region }, count })),
  },
  mitigation: { kind: 'suppressed', roundingBase: null },
};

/** A project with nothing released, checked with the default profile. */
const store = { airlock: { released: () => Promise.resolve([]) } } as unknown as MetadataStore;
const agreements = { get: () => undefined } as unknown as AgreementsInForce;

/** Answers wide ranges for every asked column after `work` (which may block the event loop, or wait). */
function solverThat(work: () => Promise<void> | void): LpSolver {
  return {
    async columnRanges(lp, columns) {
      await work();
      return columns.map((column) => ({ lower: lp.colLower[column] ?? 0, upper: Number.POSITIVE_INFINITY }));
    },
  };
}

const checkerWith = (solver: LpSolver, deadlineMs?: number) =>
  createOutputChecker({ store, agreements, solver: () => Promise.resolve(solver), ...(deadlineMs === undefined ? {} : { deadlineMs }) });

async function refusalOf(work: Promise<unknown>): Promise<EnclaveError> {
  try {
    await work;
  } catch (err) {
    if (err instanceof EnclaveError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('the deadline of a check', () => {
  it('is 20 seconds on the platform', () => {
    expect(CHECK_DEADLINE_SECONDS).toBe(20);
  });

  it('stops a check whose solves never yield once the clock passes it, with a clear refusal', async () => {
    // Each solve blocks the event loop for 1.5 s: no timer could fire until it is over.
    const blocking = solverThat(() => {
      const until = Date.now() + 1500;
      while (Date.now() < until) {
        // busy
      }
    });
    const refusal = await refusalOf(checkerWith(blocking, 1000).check('proj', TABLE, { caller: 'ada' }));
    expect(refusal.code).toBe('invalid_input');
    expect(refusal.message).toBe(
      'This table is too large to check within 1 second: reduce its dimensions or categories. Nothing was changed.',
    );
  });

  it('lets a check that finishes in time answer its verdict', async () => {
    const check = await checkerWith(
      solverThat(() => undefined),
      1000,
    ).check('proj', TABLE, { caller: 'ada' });
    expect(check.verdict).toBeDefined();
  });
});

describe('the queue of checks', () => {
  it('runs one check at a time, in order, and refuses a caller who has one waiting or running', async () => {
    const started: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const first = new Promise<void>((resolve) => (entered = resolve));
    let calls = 0;
    const solver = solverThat(async () => {
      calls += 1;
      if (calls === 1) {
        entered();
        await gate;
      }
    });
    const checker = checkerWith(solver);
    const track = (caller: string) =>
      checker.check('proj', TABLE, { caller }).then((check) => {
        started.push(caller);
        return check;
      });
    const ada = track('ada');
    await first;
    const again = await refusalOf(checker.check('proj', TABLE, { caller: 'ada' }));
    expect(again.code).toBe('rate_limited');
    expect(again.message).toMatch(/check waiting or running already.*Nothing was changed/);
    const ben = track('ben');
    const benAgain = await refusalOf(checker.check('proj', TABLE, { caller: 'ben' }));
    expect(benAgain.code).toBe('rate_limited');
    // Ben's check waits behind Ada's, whose solve is held.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(1);
    release();
    await Promise.all([ada, ben]);
    expect(started).toEqual(['ada', 'ben']);
    // Once done, each may ask again.
    await expect(checker.check('proj', TABLE, { caller: 'ada' })).resolves.toBeDefined();
  });

  it('moves on after a check that failed', async () => {
    let calls = 0;
    const solver = solverThat(() => {
      calls += 1;
      if (calls === 1) throw new Error('the solver broke');
    });
    const checker = checkerWith(solver);
    await expect(checker.check('proj', TABLE, { caller: 'ada' })).rejects.toThrow('the solver broke');
    await expect(checker.check('proj', TABLE, { caller: 'ada' })).resolves.toBeDefined();
  });
});
