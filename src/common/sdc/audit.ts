// The LP audit: for every hidden cell, the smallest and largest value it can take given everything
// published (cells and totals), each hidden value at least the lower bound. This is the attacker's
// problem that τ-ARGUS's audit and sdcTable's attack() solve. Published values enter as their true
// values even when rounding is applied: that credits the attacker with more than they know, so the
// intervals we report are never wider than the real ones.
import type { LinearProgram, LpRow, LpSolver } from './lp.ts';
import type { PatternState } from './state.ts';

export interface Interval {
  lower: number;
  /** Infinity when nothing published bounds the cell from above. */
  upper: number;
}

export class AuditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditError';
  }
}

function find(parent: Int32Array, x: number): number {
  let root = x;
  while (parent[root] !== root) root = parent[root];
  let node = x;
  while (parent[node] !== root) {
    const next = parent[node];
    parent[node] = root;
    node = next;
  }
  return root;
}

/** Hidden cells fall into independent groups (linked by shared relations); each is one small LP. */
function components(state: PatternState): { cells: number[]; relations: number[] }[] {
  const { table, suppressed } = state;
  const parent = new Int32Array(table.cells.length).map((_, i) => i);
  const touched: number[] = [];
  table.relations.forEach((relation, index) => {
    const hidden = [relation.total, ...relation.members].filter((id) => suppressed[id]);
    if (hidden.length === 0) return;
    touched.push(index);
    const first = hidden[0];
    for (const id of hidden) parent[find(parent, id)] = find(parent, first);
  });
  const groups = new Map<number, { cells: number[]; relations: number[] }>();
  table.cells.forEach((cell) => {
    if (!suppressed[cell.id]) return;
    const root = find(parent, cell.id);
    let group = groups.get(root);
    if (!group) groups.set(root, (group = { cells: [], relations: [] }));
    group.cells.push(cell.id);
  });
  for (const index of touched) {
    const relation = table.relations[index];
    if (!relation) continue;
    const anyHidden = suppressed[relation.total] ? relation.total : relation.members.find((m) => suppressed[m]);
    groups.get(find(parent, anyHidden as number))?.relations.push(index);
  }
  return [...groups.values()];
}

function buildProgram(state: PatternState, group: { cells: number[]; relations: number[] }): LinearProgram {
  const { table, suppressed, lowerBound } = state;
  const column = new Map<number, number>();
  group.cells.forEach((id, i) => column.set(id, i));
  const value = (id: number): number => table.cells[id].value;
  const rows: LpRow[] = group.relations.map((index) => {
    const relation = table.relations[index];
    if (!relation) throw new AuditError('internal: unknown relation');
    const indices: number[] = [];
    const values: number[] = [];
    let rhs = 0;
    if (suppressed[relation.total]) {
      indices.push(column.get(relation.total) as number);
      values.push(-1);
    } else rhs += value(relation.total);
    for (const m of relation.members) {
      if (suppressed[m]) {
        indices.push(column.get(m) as number);
        values.push(1);
      } else rhs -= value(m);
    }
    return { indices, values, lower: rhs, upper: rhs };
  });
  return {
    numCols: group.cells.length,
    colLower: group.cells.map(() => lowerBound),
    colUpper: group.cells.map(() => Infinity),
    rows,
  };
}

/** Feasible interval of every hidden cell, by cell id. */
export async function auditPattern(state: PatternState, solver: LpSolver, signal?: AbortSignal): Promise<Map<number, Interval>> {
  const intervals = new Map<number, Interval>();
  for (const group of components(state)) {
    signal?.throwIfAborted();
    if (group.relations.length === 0) {
      for (const id of group.cells) intervals.set(id, { lower: state.lowerBound, upper: Infinity });
      continue;
    }
    const lp = buildProgram(state, group);
    const ranges = await solver.columnRanges(
      lp,
      group.cells.map((_, i) => i),
    );
    if (ranges === 'infeasible') {
      throw new AuditError('the published cells and totals are inconsistent with the hidden ones, so the audit could not run');
    }
    group.cells.forEach((id, i) => {
      const range = ranges[i];
      if (range) intervals.set(id, { lower: Math.max(state.lowerBound, range.lower), upper: range.upper });
    });
  }
  return intervals;
}
