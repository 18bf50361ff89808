// The seam to a linear-programming solver. src/common has no I/O, so the solver (HiGHS compiled to
// wasm) is loaded outside and passed in: src/workstation/sdc-solver.ts in Node, a Worker later in
// the renderer.

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
