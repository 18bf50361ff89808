// Published worked examples, reproduced exactly. Each test names its source.
import { describe, expect, it } from 'vitest';
import { roundMidpoint, roundToBase } from '../../../src/common/sdc/rounding.ts';
import { cellAt, check, intervalAt } from './helpers.ts';

// sdcTable (sdcTools/sdcTable), tests/testthat/test-simpleheuristic.R, function prob(): a 4×4 table
// with margins and nine suppressed cells in which every row and column has at least two
// suppressions, yet w|b = 47 can be recomputed. After SIMPLEHEURISTIC adds one suppression,
// attack() finds w|b in [0, 78] (expect_equal(bnds$low, 0); expect_equal(bnds$up, 78)).
const sdcTableCounts: Record<string, number> = {
  'w|a': 30,
  'w|b': 47,
  'w|c': 64,
  'w|d': 89,
  'x|a': 90,
  'x|b': 124,
  'x|c': 5,
  'x|d': 31,
  'y|a': 92,
  'y|b': 100,
  'y|c': 59,
  'y|d': 85,
  'z|a': 800,
  'z|b': 991,
  'z|c': 651,
  'z|d': 685,
};
const sdcTableCells = Object.entries(sdcTableCounts).map(([k, count]) => {
  const [v1, v2] = k.split('|') as [string, string];
  return { key: { v1, v2 }, count };
});
const sdcTablePattern = [
  ['w', 'a'],
  ['w', 'b'],
  ['w', 'c'],
  ['x', 'a'],
  ['x', 'c'],
  ['y', 'b'],
  ['y', 'd'],
  ['z', 'b'],
  ['z', 'd'],
].map(([v1, v2]) => ({ v1: v1, v2: v2 }));

describe('sdcTable test-simpleheuristic.R: a pattern with two suppressions per line can still be broken', () => {
  it('the LP audit recomputes w|b = 47 exactly from the nine-cell pattern', async () => {
    const output = await check({
      rules: { threshold: 1 },
      table: { dimensions: ['v1', 'v2'], cells: sdcTableCells, totals: 'published', suppressed: sdcTablePattern },
      protect: false,
    });
    expect(intervalAt(output, { v1: 'w', v2: 'b' })).toEqual({ lower: 47, upper: 47 });
    // The table's own totals, as the test's comment adds them up.
    expect(cellAt(output.totals, { v1: 'w', v2: '*' }).published).toBe(230);
    expect(cellAt(output.totals, { v1: '*', v2: '*' }).published).toBe(3943);
  });

  it('with the cheapest extra suppression (x|d = 31) the audit finds w|b in [0, 78], as attack() does', async () => {
    const output = await check({
      rules: { threshold: 1 },
      table: {
        dimensions: ['v1', 'v2'],
        cells: sdcTableCells,
        totals: 'published',
        suppressed: [...sdcTablePattern, { v1: 'x', v2: 'd' }],
      },
      protect: false,
    });
    expect(intervalAt(output, { v1: 'w', v2: 'b' })).toEqual({ lower: 0, upper: 78 });
  });

  it('protecting from the nine-cell pattern leaves no hidden cell derivable', async () => {
    const output = await check({
      rules: { threshold: 1 },
      table: { dimensions: ['v1', 'v2'], cells: sdcTableCells, totals: 'published', suppressed: sdcTablePattern },
    });
    expect(output.status).toBe('pass');
    for (const iv of output.intervals) expect(iv.upper === null || iv.upper > iv.lower).toBe(true);
    const wb = intervalAt(output, { v1: 'w', v2: 'b' });
    expect(wb.upper === null || wb.upper > wb.lower).toBe(true);
  });
});

// sdcTable, tests/testthat/test-protectTable.r ("create dataset with singletons"): regions a, b, b, c
// (a = 1, b = 2, c = 1, d = 0), frequency rule maxN = 1. The two singletons a and c could each
// subtract themselves from the total, so one secondary suppression is needed
// (expect_equal(sum(p_simple2@results$sdcStatus == "x"), 1) with detectSingletons = TRUE).
describe('sdcTable test-protectTable.r: two singletons under one total need one more suppression', () => {
  it('hides a and c (primary) and exactly one more cell', async () => {
    const output = await check({
      rules: { threshold: 2, zerosDisclosive: false, nk: null, p: null },
      table: {
        dimensions: ['region'],
        cells: [
          { key: { region: 'a' }, count: 1 },
          { key: { region: 'b' }, count: 2 },
          { key: { region: 'c' }, count: 1 },
          { key: { region: 'd' }, count: 0 },
        ],
        totals: 'published',
      },
    });
    const all = [...output.cells, ...output.totals];
    expect(all.filter((c) => c.status === 'primary').map((c) => c.key['region'])).toEqual(['a', 'c']);
    expect(all.filter((c) => c.status === 'secondary')).toHaveLength(1);
    expect(cellAt(output.cells, { region: 'd' }).published).toBe(0);
    expect(output.status).toBe('pass');
  });
});

// OpenSAFELY documentation (opensafely/documentation, docs/releasing-files.md, "Rounding"): a table
// of heart disease and population by age band, "before (top) and after (bottom) rounding", where
// counts ≤ 7 are redacted, the rest rounded to the nearest 5, and "column and row totals are the
// sum of the rounded counts".
describe('OpenSAFELY releasing-files.md: redact counts ≤ 7, round to 5, totals are sums of rounded counts', () => {
  const bands = ['21-30', '31-40', '41-50', '51+'];
  const table = (counts: number[]) => ({
    rules: { profile: 'opensafely' },
    table: { dimensions: ['age band'], cells: bands.map((band, i) => ({ key: { 'age band': band }, count: counts[i] })) },
  });

  it('heart disease: 3, 8, 16, 23 → [REDACTED], 10, 15, 25 with total 50', async () => {
    const output = await check(table([3, 8, 16, 23]));
    expect(output.cells.map((c) => c.published)).toEqual([null, 10, 15, 25]);
    expect(output.cells.map((c) => c.status)).toEqual(['primary', 'rounded', 'rounded', 'rounded']);
    expect(output.totals).toHaveLength(1);
    expect(output.totals[0]?.published).toBe(50);
    expect(output.status).toBe('pass');
  });

  it('population: 18, 23, 31, 44 → 20, 25, 30, 45 with total 120', async () => {
    const output = await check(table([18, 23, 31, 44]));
    expect(output.cells.map((c) => c.published)).toEqual([20, 25, 30, 45]);
    expect(output.totals[0]?.published).toBe(120);
  });
});

// OpenSAFELY documentation, docs/releasing-files.md, "Midpoint 6 rounding": roundmid_any maps
// 0 → 0, 1–6 → 3, 7–12 → 9, 13–18 → 15.
describe('OpenSAFELY releasing-files.md: midpoint 6 rounding table', () => {
  it.each([
    [[0], 0],
    [[1, 2, 3, 4, 5, 6], 3],
    [[7, 8, 9, 10, 11, 12], 9],
    [[13, 14, 15, 16, 17, 18], 15],
  ])('%j → %i', (values, expected) => {
    for (const v of values) expect(roundMidpoint(v, 6)).toBe(expected);
  });

  it('is what the command publishes with rounding {"midpoint": 6}', async () => {
    const output = await check({
      rules: { threshold: 1, zerosDisclosive: false, rounding: { midpoint: 6 } },
      table: { dimensions: ['x'], cells: [0, 1, 6, 7, 12, 13].map((count, i) => ({ key: { x: `v${i}` }, count })), totals: 'recomputed' },
    });
    expect(output.cells.map((c) => c.published)).toEqual([0, 3, 3, 9, 9, 15]);
  });
});

describe('rounding to a base', () => {
  it.each([
    [0, 0],
    [2, 0],
    [3, 5],
    [7, 5],
    [8, 10],
    [12, 10],
    [13, 15],
    [122, 120],
    [123, 125],
  ])('%i rounds to %i with base 5', (value, expected) => {
    expect(roundToBase(value, 5)).toBe(expected);
  });

  it('halves round up with an even base', () => {
    expect(roundToBase(5, 10)).toBe(10);
    expect(roundToBase(4, 10)).toBe(0);
  });
});
