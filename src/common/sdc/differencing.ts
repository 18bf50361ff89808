// Differencing: two released tables that describe almost the same population give away the small
// group between them (e.g. "all patients" then "all patients except those in one practice").
// Given a new table and the project's earlier releases, we compare them on the dimensions they
// share (summing the others away through their published totals, or their cells when all are
// published) and warn for every compared cell whose difference is non-zero and below the threshold.
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

export function findDifferencing(
  table: ReleasedTable,
  earlier: readonly ReleasedTable[],
  rules: { threshold: number },
): DifferencingWarning[] {
  const warnings: DifferencingWarning[] = [];
  for (const old of earlier) {
    const shared = table.dimensions.filter((d) => old.dimensions.includes(d));
    const now = marginal(table, shared);
    const before = marginal(old, shared);
    for (const [id, value] of now) {
      const previous = before.get(id);
      if (value === null || previous === null || previous === undefined) continue;
      const difference = value - previous;
      if (difference !== 0 && Math.abs(difference) < rules.threshold) {
        const labels = JSON.parse(id) as string[];
        const key = Object.fromEntries(shared.map((d, i) => [d, labels[i]]));
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
