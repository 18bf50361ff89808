// Regressions (residual degrees of freedom), histograms (every bin a count cell) and differencing
// against earlier releases.
import { describe, expect, it } from 'vitest';
import { findDifferencing } from '../../../src/common/sdc/differencing.ts';
import type { ReleasedTable } from '../../../src/common/sdc/differencing.ts';
import { checkHistogram } from '../../../src/common/sdc/histogram.ts';
import { checkRegression } from '../../../src/common/sdc/regression.ts';
import { resolveRules } from '../../../src/common/sdc/rules.ts';

const defaults = resolveRules({});
const opensafely = resolveRules({ profile: 'opensafely' });

describe('regression residual degrees of freedom (ACRO safe_dof_threshold = 10)', () => {
  it.each([
    [9, 'fail'],
    [10, 'pass'],
    [11, 'pass'],
  ])('%i residual degrees of freedom: %s', (dof, status) => {
    expect(checkRegression({ residualDof: dof }, defaults).status).toBe(status);
  });

  it('derives them from observations and parameters', () => {
    expect(checkRegression({ observations: 15, parameters: 6 }, defaults)).toMatchObject({ status: 'fail', residualDof: 9 });
    expect(checkRegression({ observations: 16, parameters: 6 }, defaults)).toMatchObject({ status: 'pass', residualDof: 10 });
  });

  it('follows an overridden threshold', () => {
    expect(checkRegression({ residualDof: 19 }, resolveRules({ dofThreshold: 20 })).status).toBe('fail');
  });

  it('fails when the degrees of freedom are unknown', () => {
    expect(checkRegression({ residualDof: Number.NaN }, defaults).status).toBe('fail');
  });
});

describe('histograms: every bin passes the threshold', () => {
  const bins = (counts: (number | null)[]) => counts.map((count, i) => ({ lower: i * 10, upper: (i + 1) * 10, count }));

  it.each([
    [[10, 25, 10], 'pass'],
    [[10, 9, 30], 'fail'],
    [[11, 12, 13], 'pass'],
  ])('default profile, bins %j: %s', (counts, status) => {
    expect(checkHistogram(bins(counts), defaults).status).toBe(status);
  });

  it('names the failing bins', () => {
    const verdict = checkHistogram(bins([10, 9, 30]), defaults);
    expect(verdict.bins).toHaveLength(1);
    expect(verdict.bins[0]).toMatchObject({ lower: 10, upper: 20 });
  });

  it('an empty bin fails when zeros are disclosive and passes under opensafely', () => {
    expect(checkHistogram(bins([20, 0, 20]), defaults).status).toBe('fail');
    expect(checkHistogram(bins([20, 0, 20]), opensafely).status).toBe('pass');
  });

  it('opensafely bins: 7 fails, 8 passes', () => {
    expect(checkHistogram(bins([7, 20]), opensafely).status).toBe('fail');
    expect(checkHistogram(bins([8, 20]), opensafely).status).toBe('pass');
  });

  it('a negative or missing bin sends the histogram to review', () => {
    expect(checkHistogram(bins([20, -1]), defaults).status).toBe('review');
    expect(checkHistogram(bins([20, null]), defaults).status).toBe('review');
  });
});

describe('differencing against earlier releases', () => {
  const byRegion = (id: string, values: Record<string, number | null>): ReleasedTable => ({
    id,
    dimensions: ['region'],
    cells: Object.entries(values).map(([region, value]) => ({ key: { region }, value })),
  });

  it('warns when a cell differs by a group smaller than the threshold', () => {
    const earlier = byRegion('release-1', { North: 120, South: 200 });
    const warnings = findDifferencing(byRegion('new', { North: 124, South: 200 }), [earlier], { threshold: 10 });
    expect(warnings).toEqual([expect.objectContaining({ earlier: 'release-1', key: { region: 'North' }, difference: 4 })]);
  });

  it.each([
    [9, 1],
    [10, 0],
    [0, 0],
    [-9, 1],
  ])('a difference of %i gives %i warnings (threshold 10)', (difference, expected) => {
    const warnings = findDifferencing(byRegion('new', { North: 120 + difference }), [byRegion('old', { North: 120 })], { threshold: 10 });
    expect(warnings).toHaveLength(expected);
  });

  it('finds a small group in a published row total when every cell under it is hidden, and says it once', () => {
    const table = (id: string, emergency: number): ReleasedTable => ({
      id,
      dimensions: ['method', 'stay'],
      cells: [
        { key: { method: 'emergency', stay: 'long' }, value: null },
        { key: { method: 'emergency', stay: 'short' }, value: null },
        { key: { method: 'emergency', stay: '*' }, value: emergency },
        { key: { method: 'elective', stay: 'long' }, value: 20 },
        { key: { method: 'elective', stay: 'short' }, value: 300 },
        { key: { method: 'elective', stay: '*' }, value: 320 },
        { key: { method: '*', stay: '*' }, value: emergency + 320 },
      ],
    });

    const warnings = findDifferencing(table('new', 240), [table('release-1', 243)], { threshold: 10 });

    // The grand total differs by the same 3 people: not a second warning.
    expect(warnings).toEqual([expect.objectContaining({ earlier: 'release-1', key: { method: 'emergency' }, difference: -3 })]);
  });

  it('compares a 2-way table with an earlier 1-way release through its published totals', () => {
    const table: ReleasedTable = {
      id: 'new',
      dimensions: ['region', 'sex'],
      cells: [
        { key: { region: 'North', sex: 'F' }, value: null },
        { key: { region: 'North', sex: 'M' }, value: 60 },
        { key: { region: 'North', sex: '*' }, value: 125 },
      ],
    };
    const warnings = findDifferencing(table, [byRegion('old', { North: 120 })], { threshold: 10 });
    expect(warnings.map((w) => w.difference)).toEqual([5]);
  });

  it('sums published cells when there is no total, and skips what is hidden', () => {
    const table: ReleasedTable = {
      id: 'new',
      dimensions: ['region', 'sex'],
      cells: [
        { key: { region: 'North', sex: 'F' }, value: 62 },
        { key: { region: 'North', sex: 'M' }, value: 60 },
        { key: { region: 'South', sex: 'F' }, value: null },
        { key: { region: 'South', sex: 'M' }, value: 90 },
      ],
    };
    const warnings = findDifferencing(table, [byRegion('old', { North: 120, South: 185 })], { threshold: 10 });
    expect(warnings.map((w) => w.key)).toEqual([{ region: 'North' }]);
  });

  it('compares grand totals of tables that share no dimension', () => {
    const a: ReleasedTable = { id: 'a', dimensions: ['sex'], cells: [{ key: { sex: '*' }, value: 500 }] };
    const b: ReleasedTable = { id: 'b', dimensions: ['age'], cells: [{ key: { age: '*' }, value: 503 }] };
    expect(findDifferencing(b, [a], { threshold: 10 })).toHaveLength(1);
  });
});
