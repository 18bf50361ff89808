// One page of a kept result, decoded from the engine's Arrow IPC stream. Cells are read straight from the column
// vectors (no row objects); the filtered total travels in the schema's metadata (PAGE_TOTAL_ROWS_KEY).
import { tableFromIPC, type Vector } from 'apache-arrow';
import { EnclaveError } from '../../../src/common/errors.ts';
import { PAGE_TOTAL_ROWS_KEY } from '../../../src/common/local-engine.ts';

export interface ResultPage {
  /** The rows this page holds (fewer than asked at the end of the result). */
  readonly rows: number;
  /** The rows that pass the filters, as the engine counted them; null when the page did not say. */
  readonly total: number | null;
  readonly columns: number;
  /** A cell, by its row within this page. */
  value(row: number, column: number): unknown;
  /** The first values of a column (for a float column's decimal places). */
  sample(column: number, limit: number): unknown[];
}

export function decodePage(bytes: Uint8Array): ResultPage {
  let vectors: (Vector | null)[];
  let rows: number;
  let totalText: string | undefined;
  try {
    const table = tableFromIPC(bytes);
    rows = table.numRows;
    vectors = table.schema.fields.map((_, index) => table.getChildAt(index));
    totalText = table.schema.metadata.get(PAGE_TOTAL_ROWS_KEY);
  } catch {
    throw new EnclaveError('internal', 'A page of the result could not be read. Run the query again.');
  }
  const total = totalText !== undefined && /^\d+$/.test(totalText) ? Number(totalText) : null;
  return {
    rows,
    total,
    columns: vectors.length,
    value(row, column) {
      const cell: unknown = row >= 0 && row < rows ? vectors[column]?.get(row) : undefined;
      return cell;
    },
    sample(column, limit) {
      const values: unknown[] = [];
      const vector = vectors[column];
      for (let row = 0; row < Math.min(rows, limit); row += 1) values.push(vector?.get(row));
      return values;
    },
  };
}
