// Shared fixtures for the disclosure-control tests: one HiGHS solver per test file, table builders.
import { runCheck } from '../../../src/common/sdc/check.ts';
import type { CheckOutput, CellReport } from '../../../src/common/sdc/check.ts';
import type { LpSolver } from '../../../src/common/sdc/lp.ts';
import { CheckInputSchema } from '../../../src/common/sdc/schema.ts';
import type { KeyValue } from '../../../src/common/sdc/table.ts';
import { createHighsSolver } from '../../../src/common/sdc/highs-solver.ts';

/** A 2×2 region × sex table with published margins and one unsafe cell (North, M = 3): the commands' fixture. */
export const REGION_BY_SEX_INPUT = {
  table: {
    dimensions: ['region', 'sex'],
    cells: [
      { key: { region: 'North', sex: 'F' }, count: 12 },
      { key: { region: 'North', sex: 'M' }, count: 3 },
      { key: { region: 'South', sex: 'F' }, count: 40 },
      { key: { region: 'South', sex: 'M' }, count: 35 },
    ],
    totals: 'published',
  },
};

let solver: Promise<LpSolver> | null = null;

export function highs(): Promise<LpSolver> {
  solver ??= createHighsSolver();
  return solver;
}

/** Parses like the command does, then checks. */
export async function check(input: unknown): Promise<CheckOutput> {
  return runCheck(CheckInputSchema.parse(input), await highs());
}

/** A 2-way frequency table from rows of counts: dimensions "row" and "col", categories r0.., c0... */
export function grid(counts: number[][]): { key: Record<string, string>; count: number }[] {
  return counts.flatMap((row, i) => row.map((count, j) => ({ key: { row: `r${i}`, col: `c${j}` }, count })));
}

export function cellAt(reports: CellReport[], key: Record<string, KeyValue>): CellReport {
  const found = reports.find((r) => Object.entries(key).every(([k, v]) => String(r.key[k]) === String(v)));
  if (!found) throw new Error(`no cell ${JSON.stringify(key)}`);
  return found;
}

export function intervalAt(output: CheckOutput, key: Record<string, KeyValue>): { lower: number; upper: number | null } {
  const found = output.intervals.find((r) => Object.entries(key).every(([k, v]) => String(r.key[k]) === String(v)));
  if (!found) throw new Error(`no interval for ${JSON.stringify(key)}`);
  return { lower: found.lower, upper: found.upper };
}
