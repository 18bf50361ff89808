// Cells of a table output by their keys ({ sex: "F", age_band: "40-49" }, "*" for a total), pure: one id per cell
// whatever the order of its key's entries, whether a flag's key (which may name only some dimensions) covers a cell,
// and a cell in words for labels and lists.
import type { CellKey } from '../../../src/common/output-check.ts';

/** The dimension value that stands for a total. */
export const TOTAL_KEY = '*';

/** One id per cell, the same whatever order its key's entries come in (values compared as text, as the engine does). */
export function cellKeyId(key: CellKey): string {
  return JSON.stringify(
    Object.keys(key)
      .sort()
      .map((dimension) => [dimension, String(key[dimension])]),
  );
}

export function sameCell(a: CellKey, b: CellKey): boolean {
  return cellKeyId(a) === cellKeyId(b);
}

/** Whether `pattern` covers `cell`: every dimension the pattern names has the cell's value (a flag may name fewer). */
export function covers(pattern: CellKey, cell: CellKey): boolean {
  const dimensions = Object.keys(pattern);
  return (
    dimensions.length > 0 && dimensions.every((dimension) => dimension in cell && String(pattern[dimension]) === String(cell[dimension]))
  );
}

/** A dimension's value in words: "*" is "all". */
export function valueText(value: string | number): string {
  return value === TOTAL_KEY ? 'all' : String(value);
}

/** "sex = F, age_band = 40-49"; in the order of `dimensions` when given (then any other entries). */
export function describeCell(key: CellKey, dimensions: readonly string[] = []): string {
  const order = [...dimensions.filter((dimension) => dimension in key), ...Object.keys(key).filter((d) => !dimensions.includes(d))];
  return order.map((dimension) => `${dimension} = ${valueText(key[dimension] ?? '')}`).join(', ');
}

/** Whether a key names a total (any dimension summed over). */
export function isTotalKey(key: CellKey): boolean {
  return Object.values(key).some((value) => value === TOTAL_KEY);
}

/** Adds the cell to the selection, or takes it out when it is there. */
export function toggleCell(selection: readonly CellKey[], key: CellKey): CellKey[] {
  const id = cellKeyId(key);
  return selection.some((cell) => cellKeyId(cell) === id) ? selection.filter((cell) => cellKeyId(cell) !== id) : [...selection, key];
}
