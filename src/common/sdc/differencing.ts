// Differencing: two released tables that describe almost the same population give away the small
// group between them (e.g. "all patients" then "all patients except those in one practice").
// Given a new table and the project's earlier releases, we compare them on the dimensions they
// share (summing the others away through their published totals, or their cells when all are
// published), and on every coarser margin of those dimensions (row totals, the grand total), and warn for every
// compared cell whose difference is non-zero and below the threshold.
import { TOTAL } from './table.ts';
import type { KeyValue } from './table.ts';

export interface ReleasedTable {
  id: string;
  dimensions: string[];
  /** Published values; keys may use "*" for totals; null for hidden cells. */
  cells: { key: Record<string, KeyValue>; value: number | null }[];
}

export interface DifferencingWarning {
  earlier: string;
  key: Record<string, KeyValue>;
  difference: number;
  message: string;
}

/** The table's published values over `dims` only, or null where a value cannot be known. */
function marginal(table: ReleasedTable, dims: readonly string[]): Map<string, number | null> {
  const others = table.dimensions.filter((d) => !dims.includes(d));
  const direct = new Map<string, number | null>();
  const summed = new Map<string, number | null>();
  for (const cell of table.cells) {
    const onDims = dims.every((d) => cell.key[d] !== undefined && cell.key[d] !== TOTAL);
    if (!onDims) continue;
    const id = JSON.stringify(dims.map((d) => String(cell.key[d])));
    if (others.every((d) => cell.key[d] === TOTAL)) direct.set(id, cell.value);
    if (others.every((d) => cell.key[d] !== undefined && cell.key[d] !== TOTAL)) {
      const before = summed.has(id) ? summed.get(id) : 0;
      summed.set(id, before === null || before === undefined || cell.value === null ? null : before + cell.value);
    }
  }
  const result = new Map(summed);
  for (const [id, value] of direct) if (value !== null) result.set(id, value);
  return result;
}

/** Every subset of the dimensions, the largest first (the full set, then each one left out, …, then none). */
function subsetsLargestFirst(dims: readonly string[]): string[][] {
  const subsets: string[][] = [];
  for (let mask = (1 << dims.length) - 1; mask >= 0; mask--) subsets.push(dims.filter((_, i) => (mask & (1 << i)) !== 0));
  return subsets.sort((a, b) => b.length - a.length);
}

/**
 * Compares on the shared dimensions and on every coarser margin of them (a row total, the grand total): two tables whose
 * cells are hidden can still differ in a published total. A coarser difference already explained by a finer one (the
 * group it finds sits in a cell already warned about) is not repeated.
 */
export function findDifferencing(
  table: ReleasedTable,
  earlier: readonly ReleasedTable[],
  rules: { threshold: number },
): DifferencingWarning[] {
  const warnings: DifferencingWarning[] = [];
  for (const old of earlier) {
    const shared = table.dimensions.filter((d) => old.dimensions.includes(d));
    const found: Array<Record<string, KeyValue>> = [];
    for (const dims of subsetsLargestFirst(shared)) {
      const now = marginal(table, dims);
      const before = marginal(old, dims);
      for (const [id, value] of now) {
        const previous = before.get(id);
        if (value === null || previous === null || previous === undefined) continue;
        const difference = value - previous;
        if (difference === 0 || Math.abs(difference) >= rules.threshold) continue;
        const labels = JSON.parse(id) as string[];
        const key = Object.fromEntries(dims.map((d, i) => [d, labels[i]]));
        if (found.some((finer) => dims.every((d) => String(finer[d]) === String(key[d])))) continue;
        found.push(key);
        warnings.push({
          earlier: old.id,
          key,
          difference,
          message: `differencing: differs from release ${old.id} by ${Math.abs(difference)}, a group below ${rules.threshold}`,
        });
      }
    }
  }
  return warnings;
}
