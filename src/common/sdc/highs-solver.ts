// The LP solver for the disclosure-control audit: HiGHS (University of Edinburgh) compiled to wasm
// by the `highs` package. One native model per program; each column is maximised, then minimised,
// by changing only its cost, so the primal simplex restarts from the previous optimal basis.
// The raw C-style API is used because the checked wrapper costs about twice as much per solve.
// highs ships CommonJS types with an ES default export; the namespace form types and runs alike.
import * as highsModule from 'highs';
import type { Highs, RawModelApi } from 'highs';
import type { ColumnRange, LinearProgram, LpSolver } from './lp.ts';

const MODEL_STATUS = { optimal: 7, infeasible: 8, unboundedOrInfeasible: 9, unbounded: 10 } as const;
const PRIMAL_SIMPLEX = 4;
const DANTZIG = 0;

let loading: Promise<Highs> | null = null;

type Loader = () => Promise<Highs>;

/** The package's types describe a CommonJS default (`.default.default`), while Node loads its ES build (`.default`). */
function loader(): Loader {
  const outer = (highsModule as unknown as { default: unknown }).default;
  const inner = typeof outer === 'function' ? outer : (outer as { default: unknown }).default;
  if (typeof inner !== 'function') throw new Error('the highs package did not export its loader');
  return inner as Loader;
}

function highs(): Promise<Highs> {
  if (loading === null) loading = loader()();
  return loading;
}

function finite(x: number, infinity: number): number {
  if (x === Infinity) return infinity;
  if (x === -Infinity) return -infinity;
  return x;
}

function passProgram(raw: RawModelApi, lp: LinearProgram, infinity: number): void {
  const starts = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const row of lp.rows) {
    row.indices.forEach((index, i) => {
      indices.push(index);
      values.push(row.values[i]);
    });
    starts.push(indices.length);
  }
  const status = raw.passModel({
    numCols: lp.numCols,
    numRows: lp.rows.length,
    colCost: new Array<number>(lp.numCols).fill(0),
    colLower: lp.colLower.map((x) => finite(x, infinity)),
    colUpper: lp.colUpper.map((x) => finite(x, infinity)),
    rowLower: lp.rows.map((r) => finite(r.lower, infinity)),
    rowUpper: lp.rows.map((r) => finite(r.upper, infinity)),
    matrix: { format: 'csr', numRows: lp.rows.length, numCols: lp.numCols, starts, indices, values },
  });
  if (status.status === -1) throw new Error('HiGHS rejected the audit program');
}

interface Extreme {
  value: number;
  /** The optimal point, when asked for and there is one (not when unbounded). */
  point: ArrayLike<number> | null;
}

/** Minimum (sense 1) or maximum (sense −1) of one column; null when the program is infeasible. */
function extreme(raw: RawModelApi, args: { column: number; sense: 1 | -1; wantPoint: boolean }): Extreme | null {
  raw.changeColCost(args.column, args.sense);
  try {
    if (raw.run().status === -1) throw new Error('HiGHS failed while auditing the table');
    const status = raw.getModelStatus();
    if (status === MODEL_STATUS.infeasible) return null;
    if (status === MODEL_STATUS.unbounded) return { value: args.sense * -Infinity, point: null };
    // "Unbounded or infeasible" proves neither: crediting it as unbounded could pass an unsafe cell.
    if (status === MODEL_STATUS.unboundedOrInfeasible)
      throw new Error('HiGHS could not tell whether the audit program is unbounded or infeasible');
    if (status !== MODEL_STATUS.optimal) throw new Error(`HiGHS stopped with model status ${status} while auditing the table`);
    const solution = args.wantPoint ? raw.getSolution() : null;
    const point = solution && 'value' in solution && solution.value ? solution.value.colValue : null;
    return { value: args.sense * raw.getObjectiveValue(), point };
  } finally {
    // Read everything first: changing the model clears its status.
    raw.changeColCost(args.column, 0);
  }
}

export async function createHighsSolver(): Promise<LpSolver> {
  const solver = await highs();
  return {
    async columnRanges(lp: LinearProgram, columns: readonly number[]): Promise<ColumnRange[] | 'infeasible'> {
      const raw = solver.raw.createModel();
      try {
        raw.setOptionValue('output_flag', false);
        raw.setOptionValue('presolve', 'off');
        raw.setOptionValue('solver', 'simplex');
        raw.setOptionValue('simplex_strategy', PRIMAL_SIMPLEX);
        // Dantzig pricing: Devex weights are rebuilt on every run, which costs more than the few
        // iterations a warm-started column needs (measured on the 10,000-cell bench table).
        raw.setOptionValue('simplex_primal_edge_weight_strategy', DANTZIG);
        passProgram(raw, lp, solver.infinity);
        // Maxima first. Every optimal point HiGHS returns is feasible, so a column seen at its own
        // lower bound in any of them has that bound as its exact minimum: no solve needed for it.
        const atLowerBound = new Uint8Array(lp.numCols);
        let uncertain = lp.numCols;
        const upper: number[] = [];
        for (const column of columns) {
          const max = extreme(raw, { column, sense: -1, wantPoint: uncertain > 0 });
          if (max === null) return 'infeasible';
          upper.push(max.value);
          const point = max.point ?? [];
          for (let j = 0; j < point.length; j++) {
            const bound = lp.colLower[j];
            if (atLowerBound[j] || !Number.isFinite(bound)) continue;
            if (point[j] <= bound + 1e-9 * Math.max(1, Math.abs(bound))) {
              atLowerBound[j] = 1;
              uncertain--;
            }
          }
        }
        const ranges: ColumnRange[] = [];
        for (const [i, column] of columns.entries()) {
          let lower = lp.colLower[column];
          if (!atLowerBound[column]) {
            const min = extreme(raw, { column, sense: 1, wantPoint: false });
            if (min === null) return 'infeasible';
            lower = min.value;
          }
          ranges.push({ lower, upper: upper[i] });
        }
        return ranges;
      } finally {
        raw.dispose();
      }
    },
  };
}
