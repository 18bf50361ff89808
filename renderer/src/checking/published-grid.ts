// A published table laid out as a person reads it, pure: one dimension as a column of values, two as rows by columns,
// three as one block per category of the first; categories in the order the output lists them, totals ("*") last.
import type { PublishedCell, PublishedOutput } from '../../../src/common/output-check.ts';
import { cellKeyId, TOTAL_KEY, valueText } from './cell-keys.ts';

type KeyValue = string | number;

export interface GridColumn {
  value: KeyValue;
  label: string;
  total: boolean;
}

export interface GridRow {
  value: KeyValue;
  label: string;
  total: boolean;
  /** One per column; null where the output has no such cell. */
  cells: (PublishedCell | null)[];
}

export interface GridBlock {
  /** For a three-way table: the first dimension's category this block shows ("age_band = 40-49"); otherwise null. */
  heading: string | null;
  rowDimension: string;
  /** Null for a one-way table: its one column holds the values. */
  columnDimension: string | null;
  columns: GridColumn[];
  rows: GridRow[];
}

type Shape = Pick<PublishedOutput, 'dimensions' | 'cells' | 'totals'>;

/** A dimension's categories in the order the cells first name them, and its total last when the output has one. */
function categoriesOf(shape: Shape, dimension: string): KeyValue[] {
  const seen = new Map<string, KeyValue>();
  let total = false;
  for (const cell of [...shape.cells, ...shape.totals]) {
    const value = cell.key[dimension];
    if (value === undefined) continue;
    if (value === TOTAL_KEY) total = true;
    else if (!seen.has(String(value))) seen.set(String(value), value);
  }
  const values = [...seen.values()];
  return total ? [...values, TOTAL_KEY] : values;
}

function label(value: KeyValue): string {
  return value === TOTAL_KEY ? 'Total' : valueText(value);
}

export function gridOf(shape: Shape): GridBlock[] {
  const byKey = new Map<string, PublishedCell>();
  for (const cell of [...shape.cells, ...shape.totals]) byKey.set(cellKeyId(cell.key), cell);
  const find = (key: Record<string, KeyValue>): PublishedCell | null => byKey.get(cellKeyId(key)) ?? null;
  const [first, second, third] = shape.dimensions;
  if (first === undefined) return [];

  if (second === undefined) {
    return [
      {
        heading: null,
        rowDimension: first,
        columnDimension: null,
        columns: [{ value: '', label: 'Value', total: false }],
        rows: categoriesOf(shape, first).map((value) => ({
          value,
          label: label(value),
          total: value === TOTAL_KEY,
          cells: [find({ [first]: value })],
        })),
      },
    ];
  }

  const block = (args: {
    rowDimension: string;
    columnDimension: string;
    fixed: Record<string, KeyValue>;
    heading: string | null;
  }): GridBlock => {
    const { rowDimension, columnDimension, fixed, heading } = args;
    const columns = categoriesOf(shape, columnDimension).map((value) => ({ value, label: label(value), total: value === TOTAL_KEY }));
    return {
      heading,
      rowDimension,
      columnDimension,
      columns,
      rows: categoriesOf(shape, rowDimension).map((value) => ({
        value,
        label: label(value),
        total: value === TOTAL_KEY,
        cells: columns.map((column) => find({ ...fixed, [rowDimension]: value, [columnDimension]: column.value })),
      })),
    };
  };

  if (third === undefined) return [block({ rowDimension: first, columnDimension: second, fixed: {}, heading: null })];
  return categoriesOf(shape, first).map((value) =>
    block({
      rowDimension: second,
      columnDimension: third,
      fixed: { [first]: value },
      heading: value === TOTAL_KEY ? `${first}: all (totals)` : `${first} = ${valueText(value)}`,
    }),
  );
}
