// The suppression pattern under construction and what each suppressed cell needs.
import type { ExtendedTable, TableCell } from './table.ts';

/** How far the attacker's interval must reach beyond the true value (0: only "not exactly derivable"). */
export interface Requirement {
  up: number;
  down: number;
}

export interface PatternState {
  table: ExtendedTable;
  /** Lower bound every suppressed value is known to respect (0, or 1 when zeros are published). */
  lowerBound: number;
  suppressed: Uint8Array;
  requirement: (Requirement | null)[];
  /** Best room found so far by hypercubes whose corners are all suppressed (a lower bound on the LP interval). */
  roomUp: Float64Array;
  roomDown: Float64Array;
  /** Whether a cell may be chosen as a secondary suppression. */
  eligible: Uint8Array;
  /** Why each secondary suppression was made. */
  secondaryReason: (string | null)[];
}

/** Smallest movement that makes a value not exactly derivable: one unit of count, or a tiny share of a magnitude. */
export function minStep(table: ExtendedTable, cell: TableCell): number {
  return table.magnitude ? 1e-6 * Math.max(1, Math.abs(cell.value)) : 1;
}

export function createState(table: ExtendedTable, lowerBound: number, zerosPublished: boolean): PatternState {
  const n = table.cells.length;
  const eligible = new Uint8Array(n);
  for (const cell of table.cells) {
    // sdcTable's default (allowZeros = FALSE): empty cells are never secondary suppressions; their
    // value cannot move down, and hiding a published zero would break the lower bound of 1.
    const empty = cell.count === 0 || (zerosPublished && cell.value <= 0);
    eligible[cell.id] = cell.count !== null && !empty ? 1 : 0;
  }
  return {
    table,
    lowerBound,
    suppressed: new Uint8Array(n),
    requirement: new Array<Requirement | null>(n).fill(null),
    roomUp: new Float64Array(n),
    roomDown: new Float64Array(n),
    eligible,
    secondaryReason: new Array<string | null>(n).fill(null),
  };
}

export function suppress(state: PatternState, id: number, requirement: Requirement): void {
  state.suppressed[id] = 1;
  const current = state.requirement[id];
  state.requirement[id] = current
    ? { up: Math.max(current.up, requirement.up), down: Math.max(current.down, requirement.down) }
    : requirement;
}

/** Whether a range [value − down, value + up] meets the requirement of the cell. */
export function rangeMeets(args: { state: PatternState; id: number; up: number; down: number }): boolean {
  const { state, id, up, down } = args;
  const req = state.requirement[id];
  if (!req) return true;
  const cell = state.table.cells[id];
  const tol = 1e-7 * Math.max(1, Math.abs(cell.value));
  const step = minStep(state.table, cell);
  if (Math.max(up, down) < step - tol) return false;
  if (req.up > 0 && up < req.up - tol) return false;
  if (req.down > 0 && down < req.down - tol) return false;
  return true;
}

/**
 * Whether an audited interval meets the requirement of a hidden cell. "Not derivable" means the
 * interval holds two whole counts (an interval like [2.5, 3.4] pins a count to 3), or for a
 * magnitude a width of at least its minimum step.
 */
export function intervalMeets(args: { state: PatternState; id: number; lower: number; upper: number }): boolean {
  const { state, id, lower, upper } = args;
  const cell = state.table.cells[id];
  const tol = 1e-7 * Math.max(1, Math.abs(cell.value));
  const wide = state.table.magnitude
    ? upper - lower >= minStep(state.table, cell) - tol
    : Math.floor(upper + tol) - Math.ceil(lower - tol) >= 1;
  if (!wide) return false;
  const req = state.requirement[id];
  if (!req) return true;
  if (req.up > 0 && upper < cell.value + req.up - tol) return false;
  if (req.down > 0 && lower > cell.value - req.down + tol) return false;
  return true;
}

export function isCoveredByHypercubes(state: PatternState, id: number): boolean {
  return rangeMeets({ state, id, up: state.roomUp[id], down: state.roomDown[id] });
}
