// Every cell rule exactly at and on either side of its boundary, for each profile.
// The comparisons are ACRO's (AI-SDC/ACRO v0.4.12, acro/acro_tables.py agg_threshold, agg_nk,
// agg_p_percent): count < threshold, top-n share > k, (total − x1 − x2)/x1 < p.
// SATRE 3.3.04: a documented disclosure-control process for outputs (these rules and profiles).
import { describe, expect, it } from 'vitest';
import { checkCell, protectionLevel, resolveRules } from '../../../src/common/sdc/rules.ts';
import type { CellFacts, Rules } from '../../../src/common/sdc/rules.ts';

const defaults = resolveRules({ profile: 'default' });
const opensafely = resolveRules({ profile: 'opensafely' });
const codes = (facts: CellFacts, rules: Rules): string[] => checkCell(facts, rules).map((f) => f.code);
const count = (n: number | null): CellFacts => ({ count: n, contributions: null });
const magnitude = (values: (number | null)[]): CellFacts => ({ count: values.length, contributions: values });

describe('profiles', () => {
  it('default profile is threshold 10, (2, 0.9) dominance, p-ratio 0.1, zeros disclosive, no rounding', () => {
    expect(defaults).toMatchObject({
      threshold: 10,
      nk: { n: 2, k: 0.9 },
      p: 0.1,
      zerosDisclosive: true,
      rounding: null,
      defaultTotals: 'published',
    });
  });

  it('opensafely profile redacts 1–7, keeps zeros, rounds to 5 and recomputes totals', () => {
    expect(opensafely).toMatchObject({
      threshold: 8,
      nk: null,
      p: null,
      zerosDisclosive: false,
      rounding: { base: 5 },
      defaultTotals: 'recomputed',
    });
  });

  it('every parameter can be overridden on top of a profile', () => {
    const rules = resolveRules({
      profile: 'opensafely',
      threshold: 11,
      nk: { n: 3, k: 0.8 },
      p: 0.2,
      zerosDisclosive: true,
      rounding: { midpoint: 6 },
      dofThreshold: 20,
    });
    expect(rules).toMatchObject({
      profile: 'opensafely',
      threshold: 11,
      nk: { n: 3, k: 0.8 },
      p: 0.2,
      zerosDisclosive: true,
      rounding: { midpoint: 6 },
      dofThreshold: 20,
    });
  });
});

describe('threshold rule', () => {
  it.each([
    [9, ['threshold']],
    [10, []],
    [11, []],
    [1, ['threshold']],
  ])('default profile: count %i gives %j', (n, expected) => {
    expect(codes(count(n), defaults)).toEqual(expected);
  });

  it.each([
    [7, ['threshold']],
    [8, []],
    [9, []],
    [1, ['threshold']],
  ])('opensafely profile: count %i gives %j (counts 1–7 are redacted)', (n, expected) => {
    expect(codes(count(n), opensafely)).toEqual(expected);
  });

  it('an overridden threshold moves the boundary', () => {
    const rules = resolveRules({ threshold: 5 });
    expect(codes(count(4), rules)).toEqual(['threshold']);
    expect(codes(count(5), rules)).toEqual([]);
  });
});

describe('zeros', () => {
  it('a zero is disclosive under the default profile', () => {
    expect(codes(count(0), defaults)).toEqual(['zero']);
  });

  it('a zero is kept under the opensafely profile', () => {
    expect(codes(count(0), opensafely)).toEqual([]);
  });

  it('zerosDisclosive can be switched either way', () => {
    expect(codes(count(0), resolveRules({ zerosDisclosive: false }))).toEqual([]);
    expect(codes(count(0), resolveRules({ profile: 'opensafely', zerosDisclosive: true }))).toEqual(['zero']);
  });
});

describe('negative and missing values go to review', () => {
  it.each([
    ['a negative count', count(-1), ['negative']],
    ['a missing count', count(null), ['missing']],
    ['a negative contribution', { count: 12, contributions: [...Array<number>(11).fill(10), -1] }, ['negative']],
    ['a missing contribution', { count: 12, contributions: [...Array<number>(11).fill(10), null] }, ['missing']],
  ])('%s', (_name, facts, expected) => {
    expect(codes(facts, defaults)).toEqual(expected);
    expect(codes(facts, opensafely)).toEqual(expected);
  });
});

describe('(n,k) dominance, n = 2, k = 0.9', () => {
  const filler = (rest: number): number[] => Array<number>(10).fill(rest / 10);
  it('two largest at exactly 90% of the total is safe', () => {
    expect(codes(magnitude([45, 45, ...filler(10)]), defaults)).not.toContain('dominance');
  });

  it('two largest just over 90% is unsafe', () => {
    expect(codes(magnitude([45, 45.01, ...filler(9.99)]), defaults)).toContain('dominance');
  });

  it('two largest just under 90% is safe', () => {
    expect(codes(magnitude([45, 44.99, ...filler(10.01)]), defaults)).not.toContain('dominance');
  });

  it('is not applied under the opensafely profile or when switched off', () => {
    expect(codes(magnitude([99, 1, ...filler(0.1)]), opensafely)).not.toContain('dominance');
    expect(codes(magnitude([99, 1, ...filler(0.1)]), resolveRules({ nk: null }))).not.toContain('dominance');
  });

  it('is not applied to a cell whose total is zero (as ACRO)', () => {
    expect(codes(magnitude(Array<number>(12).fill(0)), resolveRules({ p: null }))).toEqual([]);
  });
});

describe('p-ratio, p = 0.1', () => {
  // x1 = 50, x2 = 10: the rest must be at least 5 (10% of 50); spread it over ten small contributors.
  const rest = (total: number): number[] => Array<number>(10).fill(total / 10);
  const facts = (others: number): CellFacts => magnitude([50, 10, ...rest(others)]);
  const noNk = resolveRules({ nk: null });

  it('a ratio of exactly p is safe', () => {
    expect(codes(facts(5), noNk)).not.toContain('p-ratio');
  });

  it('a ratio just below p is unsafe', () => {
    expect(codes(facts(4.99), noNk)).toContain('p-ratio');
  });

  it('a ratio just above p is safe', () => {
    expect(codes(facts(5.01), noNk)).not.toContain('p-ratio');
  });

  it('a single contributor (x2 = 0, ratio 0) is unsafe', () => {
    expect(codes({ count: 1, contributions: [7] }, resolveRules({ nk: null, threshold: 1 }))).toEqual(['p-ratio']);
  });

  it('all-zero contributions are unsafe exactly when zeros are disclosive (as ACRO)', () => {
    const zeros = magnitude(Array<number>(12).fill(0));
    expect(codes(zeros, noNk)).toEqual(['p-ratio']);
    expect(codes(zeros, resolveRules({ nk: null, zerosDisclosive: false }))).toEqual([]);
  });

  it('is not applied under the opensafely profile', () => {
    expect(codes(facts(0), opensafely)).not.toContain('p-ratio');
  });
});

describe('protection levels (τ-ARGUS / sdcTable definitions)', () => {
  it('(n,k): (x1 + x2)/k − X', () => {
    expect(protectionLevel([80, 15, 5], resolveRules({ p: null }))).toBeCloseTo(95 / 0.9 - 100, 10);
  });

  it('p-ratio: p·x1 − (X − x1 − x2)', () => {
    expect(protectionLevel([80, 15, 5], resolveRules({ nk: null }))).toBeCloseTo(0.1 * 80 - 5, 10);
  });

  it('takes the larger when both rules apply, and is 0 or less for a safe cell', () => {
    expect(protectionLevel([80, 15, 5], defaults)).toBeCloseTo(95 / 0.9 - 100, 10);
    expect(protectionLevel(Array<number>(12).fill(10), defaults)).toBeLessThanOrEqual(0);
  });
});
