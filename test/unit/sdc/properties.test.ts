// Properties that must hold for every table (STYLE.md §16): after protection of a random 1-, 2- or
// 3-way table with published totals, (a) no hidden cell can be pinned down (its LP interval holds
// at least two whole counts), (b) no published total reveals a hidden group below the threshold,
// and (c) the published totals are consistent with the published cells. Magnitude tables also
// keep every dominated cell's protection level.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CheckOutput, CellReport } from '../../../src/common/sdc/check.ts';
import { protectionLevel, resolveRules } from '../../../src/common/sdc/rules.ts';
import { check } from './helpers.ts';

const count = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 10, max: 150 }));

function tableArbitrary(sizes: fc.Arbitrary<number[]>) {
  return sizes.chain((dims) => {
    const n = dims.reduce((a, b) => a * b, 1);
    return fc.array(count, { minLength: n, maxLength: n }).map((counts) => ({ dims, counts }));
  });
}

function cellsOf(dims: number[], values: number[]): { key: Record<string, string> }[] {
  const keys: Record<string, string>[] = [];
  const visit = (d: number, key: Record<string, string>): void => {
    if (d === dims.length) return void keys.push({ ...key });
    for (let i = 0; i < dims[d]; i++) visit(d + 1, { ...key, [`d${d}`]: `c${i}` });
  };
  visit(0, {});
  return keys.map((key, i) => ({ key, count: values[i] }));
}

const id = (key: Record<string, unknown>, dims: number): string => Array.from({ length: dims }, (_, d) => String(key[`d${d}`])).join('|');

/** Each published-or-hidden total with the cells it adds up along each of its starred dimensions. */
function relations(output: CheckOutput, dims: number[]): { total: CellReport; members: CellReport[] }[] {
  const all = new Map<string, CellReport>();
  for (const c of [...output.cells, ...output.totals]) all.set(id(c.key, dims.length), c);
  const out: { total: CellReport; members: CellReport[] }[] = [];
  for (const total of output.totals) {
    dims.forEach((size, d) => {
      if (total.key[`d${d}`] !== '*') return;
      const members = Array.from({ length: size }, (_, i) => all.get(id({ ...total.key, [`d${d}`]: `c${i}` }, dims.length)) as CellReport);
      out.push({ total, members });
    });
  }
  return out;
}

async function assertProtected(dims: number[], counts: number[], rules: Record<string, unknown> = {}): Promise<void> {
  const output = await check({
    rules,
    table: { dimensions: dims.map((_, d) => `d${d}`), cells: cellsOf(dims, counts), totals: 'published' },
  });
  expect(output.status).toBe('pass');
  const hidden = [...output.cells, ...output.totals].filter((c) => c.published === null);
  expect(output.intervals).toHaveLength(hidden.length);
  for (const cell of hidden) {
    const iv = output.intervals.find((i) => id(i.key, dims.length) === id(cell.key, dims.length));
    expect(iv).toBeDefined();
    const upper = iv?.upper ?? Infinity;
    const lower = iv?.lower ?? 0;
    // Width > 0, for counts: at least two whole numbers fit, so the count is not derivable.
    expect(Math.floor(upper + 1e-7) - Math.ceil(lower - 1e-7)).toBeGreaterThanOrEqual(1);
    expect(lower).toBeLessThanOrEqual((cell.count as number) + 1e-7);
    expect(upper).toBeGreaterThanOrEqual((cell.count as number) - 1e-7);
  }
  for (const { total, members } of relations(output, dims)) {
    const hiddenMembers = members.filter((m) => m.published === null);
    const publishedSum = members.reduce((s, m) => s + (m.published ?? 0), 0);
    if (total.published === null) continue;
    // (c) consistency: the total less the published cells is exactly what is hidden.
    expect(total.published - publishedSum).toBe(hiddenMembers.reduce((s, m) => s + (m.count as number), 0));
    // (b) a hidden group under a published total is never below the threshold (nor all zeros).
    if (hiddenMembers.length > 0) expect(total.published - publishedSum).toBeGreaterThanOrEqual(10);
    if (output.lowerBound === 1) for (const m of hiddenMembers) expect(m.count).toBeGreaterThanOrEqual(1);
  }
}

describe('protection properties (fast-check)', () => {
  it('1-way tables with a total', async () => {
    await fc.assert(
      fc.asyncProperty(tableArbitrary(fc.tuple(fc.integer({ min: 2, max: 8 })).map((t) => [...t])), ({ dims, counts }) =>
        assertProtected(dims, counts),
      ),
      { numRuns: 60, seed: 11 },
    );
  });

  it('2-way tables with margins', async () => {
    await fc.assert(
      fc.asyncProperty(
        tableArbitrary(fc.tuple(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 2, max: 6 })).map((t) => [...t])),
        ({ dims, counts }) => assertProtected(dims, counts),
      ),
      { numRuns: 60, seed: 12 },
    );
  });

  it('2-way tables with margins when zeros are published (lower bound 1)', async () => {
    const sizes = fc.tuple(fc.integer({ min: 2, max: 6 }), fc.integer({ min: 2, max: 6 })).map((t) => [...t]);
    await fc.assert(
      fc.asyncProperty(tableArbitrary(sizes), ({ dims, counts }) => assertProtected(dims, counts, { zerosDisclosive: false })),
      { numRuns: 60, seed: 15 },
    );
  });

  it('3-way tables with margins', async () => {
    const sizes = fc
      .tuple(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 2, max: 3 }))
      .map((t) => [...t]);
    await fc.assert(
      fc.asyncProperty(tableArbitrary(sizes), ({ dims, counts }) => assertProtected(dims, counts)),
      { numRuns: 40, seed: 13 },
    );
  });

  it('magnitude tables keep every dominated cell outside its protection level', async () => {
    const rules = resolveRules({});
    const contributions = fc.oneof(
      fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 10, maxLength: 14 }),
      fc
        .tuple(fc.integer({ min: 200, max: 2000 }), fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 10, maxLength: 12 }))
        .map(([big, rest]) => [big, ...rest]),
    );
    const arbitrary = fc
      .tuple(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 2, max: 4 }))
      .chain(([r, c]) => fc.array(contributions, { minLength: r * c, maxLength: r * c }).map((values) => ({ dims: [r, c], values })));
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ dims, values }) => {
        const cells = cellsOf(
          dims,
          values.map((v) => v.length),
        ).map((c, i) => ({ ...c, contributions: values[i] }));
        const output = await check({ table: { dimensions: ['d0', 'd1'], cells, totals: 'published' } });
        expect(output.status).toBe('pass');
        const byId = new Map(cells.map((c) => [id(c.key, 2), c.contributions]));
        for (const cell of output.cells) {
          if (cell.status !== 'primary') continue;
          const own = [...(byId.get(id(cell.key, 2)) ?? [])].sort((a, b) => b - a);
          const value = own.reduce((a, b) => a + b, 0);
          const level = protectionLevel(own, rules);
          const iv = output.intervals.find((i) => id(i.key, 2) === id(cell.key, 2));
          expect(iv).toBeDefined();
          if (level > 0) {
            expect(iv?.upper ?? Infinity).toBeGreaterThanOrEqual(value + level - 1e-6);
            expect(iv?.lower ?? 0).toBeLessThanOrEqual(value - Math.min(level, value) + 1e-6);
          }
        }
      }),
      { numRuns: 40, seed: 14 },
    );
  });
});
