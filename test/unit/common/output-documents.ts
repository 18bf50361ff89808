// Output documents for the check's tests (src/common/output-check.ts), and the check itself with the real HiGHS solver,
// its answer held to the shape the platform sends.
import { expect } from 'vitest';
import { checkOutput, OutputCheckSchema } from '../../../src/common/output-check.ts';
import type { CellKey, LedgerTable, OutputCheck } from '../../../src/common/output-check.ts';
import type { AppliedMitigation, OutputDocument, RateBase } from '../../../src/common/outputs.ts';
import { createHighsSolver } from '../../../src/common/sdc/highs-solver.ts';
import type { LpSolver } from '../../../src/common/sdc/lp.ts';
import { PROFILES } from '../../../src/common/sdc/rules.ts';
import type { Rules } from '../../../src/common/sdc/rules.ts';
import type { CheckInput } from '../../../src/common/sdc/schema.ts';

let solver: Promise<LpSolver> | null = null;
export const highs = (): Promise<LpSolver> => (solver ??= createHighsSolver());

export const NONE: AppliedMitigation = { kind: 'none', roundingBase: null };
export const SUPPRESSED: AppliedMitigation = { kind: 'suppressed', roundingBase: null };
export const source = { sql: 'SELECT region, sex, count(*) FROM admissions GROUP BY ALL', engine: 'native' as const };

export type Cells = { key: CellKey; count: number | null; contributions?: (number | null)[] }[];

/** A frequency table of admissions by region and sex (or the dimensions given). */
export function frequency(
  cells: Cells,
  options: {
    mitigation?: AppliedMitigation;
    dimensions?: string[];
    suppressed?: CellKey[];
    totals?: CheckInput['table']['totals'];
    ratePer?: RateBase;
  } = {},
): OutputDocument {
  return {
    kind: 'frequency',
    title: 'Admissions by region and sex',
    source,
    table: {
      dimensions: options.dimensions ?? ['region', 'sex'],
      cells,
      ...(options.totals ? { totals: options.totals } : {}),
      ...(options.suppressed ? { suppressed: options.suppressed } : {}),
    },
    mitigation: options.mitigation ?? NONE,
    ...(options.ratePer === undefined ? {} : { ratePer: options.ratePer }),
  };
}

export async function check(document: OutputDocument, options: { rules?: Rules; released?: LedgerTable[] } = {}): Promise<OutputCheck> {
  const result = await checkOutput(document, {
    rules: options.rules ?? PROFILES.default,
    solver: await highs(),
    released: options.released ?? [],
  });
  // Whatever it says, it says it in the shape the platform sends.
  expect(OutputCheckSchema.parse(result)).toEqual(result);
  return result;
}
