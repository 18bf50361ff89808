// The seam to a linear-programming solver. The engine never loads one itself: the solver is passed in, so the
// engine stays pure and testable with any solver. ./highs-solver.ts is the one Enclave uses (HiGHS compiled to
// wasm), beside the engine because the workstation, the platform (which re-checks submitted outputs) and the
// CLI all run it.

export interface LpRow {
  readonly indices: readonly number[];
  readonly values: readonly number[];
  readonly lower: number;
  readonly upper: number;
}

/** Variables x[0..numCols) with colLower ≤ x ≤ colUpper (±Infinity for none) and lower ≤ row·x ≤ upper. */
export interface LinearProgram {
  readonly numCols: number;
  readonly colLower: readonly number[];
  readonly colUpper: readonly number[];
  readonly rows: readonly LpRow[];
}

/** The smallest and largest value a column takes over the feasible set (±Infinity when unbounded). */
export interface ColumnRange {
  lower: number;
  upper: number;
}

export interface LpSolver {
  /** Minimises and maximises each listed column; 'infeasible' when no point satisfies the program. */
  columnRanges(lp: LinearProgram, columns: readonly number[]): Promise<ColumnRange[] | 'infeasible'>;
}
