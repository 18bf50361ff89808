// Primary and secondary suppression, the group rule, the LP audit and the command's statuses.
// SATRE 3.3.06: a statistical basis for the output checker's decisions (the audited intervals).
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../../src/common/sdc/check.ts';
import type { LpSolver } from '../../../src/common/sdc/lp.ts';
import { CheckInputSchema } from '../../../src/common/sdc/schema.ts';
import { cellAt, check, grid, highs, intervalAt } from './helpers.ts';

const oneWay = (counts: number[]) => counts.map((count, i) => ({ key: { x: `v${i}` }, count }));

describe('secondary suppression in a 1-way table with a published total', () => {
  it('hides the cheapest cell that leaves the primary cell and the hidden group safe', async () => {
    // v0 = 4 is unsafe. Hiding v1 = 30 with it gives a group of 34 ≥ 10, and v0 can move by up to 30.
    const output = await check({ table: { dimensions: ['x'], cells: oneWay([4, 30, 50, 70]), totals: 'published' } });
    expect(output.cells.map((c) => c.status)).toEqual(['primary', 'secondary', 'safe', 'safe']);
    expect(output.cells.map((c) => c.published)).toEqual([null, null, 50, 70]);
    expect(cellAt(output.totals, { x: '*' }).published).toBe(154);
    expect(intervalAt(output, { x: 'v0' })).toEqual({ lower: 0, upper: 34 });
    expect(output.status).toBe('pass');
  });

  it('completes a hidden group that would disclose fewer than the threshold', async () => {
    // v0 = 3 and v1 = 4 would be a group of 7 under the total; one more cell must join them.
    const output = await check({ table: { dimensions: ['x'], cells: oneWay([3, 4, 20, 60]), totals: 'published' } });
    expect(output.cells.map((c) => c.status)).toEqual(['primary', 'primary', 'secondary', 'safe']);
    expect(output.cells[2]?.reasons.join(' ')).toMatch(/disclosive group/);
    expect(output.status).toBe('pass');
  });

  it('hides nothing more when totals are not published', async () => {
    const output = await check({ table: { dimensions: ['x'], cells: oneWay([4, 30, 50]), totals: 'none' } });
    expect(output.cells.map((c) => c.status)).toEqual(['primary', 'safe', 'safe']);
    expect(output.totals).toEqual([]);
    expect(intervalAt(output, { x: 'v0' })).toEqual({ lower: 0, upper: null });
    expect(output.status).toBe('pass');
  });

  it('recomputed totals add up the published cells only', async () => {
    const output = await check({ table: { dimensions: ['x'], cells: oneWay([4, 30, 50]), totals: 'recomputed' } });
    expect(cellAt(output.totals, { x: '*' }).published).toBe(80);
    expect(output.cells.map((c) => c.status)).toEqual(['primary', 'safe', 'safe']);
  });

  it('a total below the threshold is itself unsafe and hidden', async () => {
    const output = await check({ table: { dimensions: ['x'], cells: oneWay([2, 3]), totals: 'published' } });
    expect(cellAt(output.totals, { x: '*' }).status).toBe('primary');
    expect(output.cells.every((c) => c.published === null)).toBe(true);
    expect(output.status).toBe('pass');
  });
});

describe('secondary suppression in 2- and 3-way tables with margins', () => {
  it('hides the cheapest rectangle around an unsafe cell of a 2-way table', async () => {
    const output = await check({
      table: {
        dimensions: ['row', 'col'],
        cells: grid([
          [5, 40, 60],
          [30, 45, 70],
          [80, 90, 100],
        ]),
        totals: 'published',
      },
    });
    const hidden = output.cells.filter((c) => c.published === null).map((c) => `${c.key['row']}|${c.key['col']}`);
    expect(hidden).toEqual(['r0|c0', 'r0|c1', 'r1|c0', 'r1|c1']);
    expect(intervalAt(output, { row: 'r0', col: 'c0' })).toEqual({ lower: 0, upper: 35 });
    expect(output.totals.every((t) => t.published !== null)).toBe(true);
    expect(output.status).toBe('pass');
  });

  it('protects an unsafe cell of a 3-way table so that it cannot be derived', async () => {
    const cells = [];
    for (const a of ['a0', 'a1', 'a2'])
      for (const b of ['b0', 'b1'])
        for (const c of ['c0', 'c1', 'c2']) {
          cells.push({ key: { a, b, c }, count: a === 'a0' && b === 'b0' && c === 'c0' ? 3 : 20 + a.charCodeAt(1) + c.charCodeAt(1) });
        }
    const output = await check({ table: { dimensions: ['a', 'b', 'c'], cells, totals: 'published' } });
    expect(cellAt(output.cells, { a: 'a0', b: 'b0', c: 'c0' }).status).toBe('primary');
    const iv = intervalAt(output, { a: 'a0', b: 'b0', c: 'c0' });
    expect(iv.upper === null || iv.upper - iv.lower >= 1).toBe(true);
    expect(output.cells.filter((c) => c.status === 'secondary').length).toBeGreaterThanOrEqual(7);
    expect(output.status).toBe('pass');
  });
});

describe('magnitude tables: dominance and p-ratio cells get their protection level', () => {
  it('widens the interval of a dominated cell to at least its τ-ARGUS protection level', async () => {
    // Cell A: one business holds 900 of 1000 (x1 = 900, x2 = 10); p-ratio level 0.1·900 − 90 = 0,
    // (2, 0.9) level (910/0.9) − 1000 = 11.1.
    const dominated = [900, 10, ...Array<number>(10).fill(9)];
    const even = (n: number, v: number) => Array<number>(n).fill(v);
    const cells = [
      { key: { x: 'A' }, count: 12, contributions: dominated },
      { key: { x: 'B' }, count: 12, contributions: even(12, 1) },
      { key: { x: 'C' }, count: 12, contributions: even(12, 5) },
      { key: { x: 'D' }, count: 12, contributions: even(12, 50) },
    ];
    const output = await check({ table: { dimensions: ['x'], cells, totals: 'published' } });
    const a = cellAt(output.cells, { x: 'A' });
    expect(a.status).toBe('primary');
    expect(a.reasons.join(' ')).toMatch(/dominance/);
    const iv = intervalAt(output, { x: 'A' });
    const level = 910 / 0.9 - 1000;
    expect(iv.upper === null || iv.upper >= 1000 + level - 1e-6).toBe(true);
    expect(iv.lower).toBeLessThanOrEqual(1000 - level + 1e-6);
    // B (value 12) gives 12 ≥ 11.1 of room and is the cheapest partner.
    expect(cellAt(output.cells, { x: 'B' }).status).toBe('secondary');
    expect(output.status).toBe('pass');
  });

  it('fails an audited pattern that hides a dominated cell without enough room', async () => {
    const cells = [
      { key: { x: 'A' }, count: 12, contributions: [900, 10, ...Array<number>(10).fill(9)] },
      { key: { x: 'B' }, count: 12, contributions: Array<number>(12).fill(0.5) },
      { key: { x: 'C' }, count: 12, contributions: Array<number>(12).fill(50) },
    ];
    const output = await check({
      table: { dimensions: ['x'], cells, totals: 'published', suppressed: [{ x: 'A' }, { x: 'B' }] },
      protect: false,
    });
    // A + B = 1006 is published, so A lies in [0, 1006]: only 6 of room upwards, short of 11.1.
    expect(intervalAt(output, { x: 'A' })).toEqual({ lower: 0, upper: 1006 });
    expect(output.status).toBe('fail');
  });
});

describe('report-only and audit of a given pattern', () => {
  it('protect: false publishes the table unchanged and fails it when a cell is unsafe', async () => {
    const output = await check({ table: { dimensions: ['x'], cells: oneWay([4, 30, 50]), totals: 'published' }, protect: false });
    expect(output.cells.map((c) => c.published)).toEqual([4, 30, 50]);
    expect(output.cells[0]?.status).toBe('primary');
    expect(output.status).toBe('fail');
  });

  it('a given pattern that leaves an unsafe cell derivable fails', async () => {
    const output = await check({
      table: { dimensions: ['x'], cells: oneWay([4, 30, 50]), totals: 'published', suppressed: [{ x: 'v0' }] },
      protect: false,
    });
    expect(intervalAt(output, { x: 'v0' })).toEqual({ lower: 4, upper: 4 });
    expect(output.status).toBe('fail');
  });

  it('a given pattern that protects every unsafe cell passes', async () => {
    const output = await check({
      table: { dimensions: ['x'], cells: oneWay([4, 30, 50]), totals: 'published', suppressed: [{ x: 'v0' }, { x: 'v1' }] },
      protect: false,
    });
    expect(output.cells.map((c) => c.status)).toEqual(['primary', 'secondary', 'safe']);
    expect(output.status).toBe('pass');
  });

  it('a given pattern is the starting point when protecting', async () => {
    // v3 is already hidden, so hiding it with v0 costs nothing more.
    const output = await check({
      table: { dimensions: ['x'], cells: oneWay([4, 30, 50, 70]), totals: 'published', suppressed: [{ x: 'v3' }] },
    });
    expect(output.cells.map((c) => c.status)).toEqual(['primary', 'safe', 'safe', 'secondary']);
    expect(output.status).toBe('pass');
  });
});

describe('zeros, negatives and missing values', () => {
  it('when zeros are published the audit uses a lower bound of 1', async () => {
    const output = await check({
      rules: { zerosDisclosive: false },
      table: { dimensions: ['x'], cells: oneWay([0, 4, 30, 50]), totals: 'published' },
    });
    expect(output.lowerBound).toBe(1);
    expect(cellAt(output.cells, { x: 'v0' })).toMatchObject({ status: 'safe', published: 0 });
    expect(intervalAt(output, { x: 'v1' }).lower).toBe(1);
    expect(output.notes.join(' ')).toMatch(/at least 1/);
  });

  it('zero cells are never chosen as secondary suppressions', async () => {
    const output = await check({
      rules: { zerosDisclosive: false },
      table: { dimensions: ['x'], cells: oneWay([4, 0, 30, 50]), totals: 'published' },
    });
    expect(cellAt(output.cells, { x: 'v1' }).published).toBe(0);
    expect(cellAt(output.cells, { x: 'v2' }).status).toBe('secondary');
  });

  it('a zero under the default profile is a primary suppression', async () => {
    const output = await check({ table: { dimensions: ['x'], cells: oneWay([0, 30, 50]), totals: 'published' } });
    expect(output.cells[0]).toMatchObject({ status: 'primary', published: null });
    expect(output.status).toBe('pass');
  });

  it.each([
    ['a negative count', -2, 'negative'],
    ['a missing count', null, 'missing'],
  ])('%s sends the output to review and skips the audit', async (_name, count, reason) => {
    const output = await check({
      table: {
        dimensions: ['x'],
        cells: [
          { key: { x: 'a' }, count },
          { key: { x: 'b' }, count: 40 },
        ],
        totals: 'published',
      },
    });
    expect(output.status).toBe('review');
    expect(output.cells[0]?.reasons.join(' ')).toMatch(reason);
    expect(output.intervals).toEqual([]);
  });

  it('a missing contribution sends a magnitude table to review', async () => {
    const output = await check({ table: { dimensions: ['x'], cells: [{ key: { x: 'a' }, count: 2, contributions: [1, null] }] } });
    expect(output.status).toBe('review');
  });

  it('combinations the input does not list are empty cells', async () => {
    const output = await check({
      rules: { zerosDisclosive: false },
      table: {
        dimensions: ['row', 'col'],
        cells: [
          { key: { row: 'a', col: 'x' }, count: 40 },
          { key: { row: 'b', col: 'y' }, count: 50 },
        ],
        totals: 'published',
      },
    });
    expect(cellAt(output.cells, { row: 'a', col: 'y' })).toMatchObject({ count: 0, published: 0 });
    expect(output.notes.join(' ')).toMatch(/2 combinations/);
  });
});

describe('cancellation', () => {
  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled by the analyst'));
    const input = CheckInputSchema.parse({ table: { dimensions: ['x'], cells: oneWay([4, 30, 50, 70]), totals: 'published' } });
    await expect(runCheck(input, await highs(), { signal: controller.signal })).rejects.toThrow('cancelled by the analyst');
  });
});

describe('the engine never passes what its audit did not confirm', () => {
  it('withholds everything and fails when the audit keeps finding derivable cells', async () => {
    // A solver that claims every hidden cell is exactly known, whatever the pattern.
    const pessimist: LpSolver = {
      async columnRanges(lp, columns) {
        return columns.map(() => ({ lower: lp.colLower[0] ?? 0, upper: lp.colLower[0] ?? 0 }));
      },
    };
    const input = CheckInputSchema.parse({ table: { dimensions: ['x'], cells: oneWay([4, 30, 50, 70]), totals: 'published' } });
    const output = await runCheck(input, pessimist);
    expect(output.status).toBe('fail');
    expect(output.notes.join(' ')).toMatch(/every cell and total/);
    expect([...output.cells, ...output.totals].every((c) => c.published === null)).toBe(true);
  });
});
