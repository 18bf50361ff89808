// Maps an Arrow column type to the few kinds the grid and charts format differently.
import { DataType, type Field, type Table } from 'apache-arrow';
import type { ColumnKind } from './result-values.ts';

export function columnKind(type: DataType): ColumnKind {
  if (DataType.isInt(type)) return { kind: 'integer' };
  if (DataType.isFloat(type) || DataType.isDecimal(type)) return { kind: 'float' };
  if (DataType.isDate(type)) return { kind: 'date' };
  if (DataType.isTimestamp(type)) return { kind: 'timestamp', zoned: Boolean(type.timezone) };
  if (DataType.isTime(type)) return { kind: 'time', unit: type.unit as 0 | 1 | 2 | 3 };
  if (DataType.isBool(type)) return { kind: 'boolean' };
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return { kind: 'string' };
  // apache-arrow types a dictionary's value type loosely (any); it is a DataType.
  if (DataType.isDictionary(type)) return columnKind(type.dictionary as DataType);
  return { kind: 'other' };
}

export interface ResultColumn {
  name: string;
  /** DuckDB-ish type text for headers and pickers. */
  typeLabel: string;
  kind: ColumnKind;
}

export function resultColumns(table: Table): ResultColumn[] {
  return table.schema.fields.map((field: Field<DataType>) => ({
    name: field.name,
    typeLabel: String(field.type),
    kind: columnKind(field.type),
  }));
}

/** Bytes the result's buffers hold in this window (for the "large result" notice). */
export function resultBytes(table: Table): number {
  return table.batches.reduce((sum, batch) => sum + batch.data.byteLength, 0);
}
