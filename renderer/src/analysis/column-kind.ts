// What kind of values a result column holds, from DuckDB's own name for its type (RunResult.columns[].type, as
// DESCRIBE prints it). The kind decides how the grid shows a value, which filters a column offers, and what a chart
// may put on an axis. Pages carry exact values for booleans, integers up to BIGINT, floats, dates, timestamps and
// strings, and the engine's text for every other type (src/common/local-engine.ts): the kind reads both.
import type { LocalColumn } from '../../../src/common/local-engine.ts';

export type ColumnKind =
  /** TINYINT … BIGINT, the unsigned ones, HUGEINT; the widest arrive as the engine's text. */
  | { kind: 'integer' }
  /** DECIMAL(p,s): the engine's exact text, shown with exactly `scale` places. */
  | { kind: 'decimal'; scale: number }
  /** FLOAT, DOUBLE. */
  | { kind: 'float' }
  | { kind: 'date' }
  /** TIMESTAMP (exact values); TIMESTAMP WITH TIME ZONE arrives as the engine's text, zone and all. */
  | { kind: 'timestamp'; zoned: boolean }
  | { kind: 'time' }
  | { kind: 'interval' }
  | { kind: 'boolean' }
  /** VARCHAR, ENUM, JSON. */
  | { kind: 'string' }
  | { kind: 'uuid' }
  /** BLOB: a page carries its size in bytes, never its content. */
  | { kind: 'blob' }
  /** LIST, ARRAY, STRUCT, MAP, UNION: the engine's text. */
  | { kind: 'nested' }
  | { kind: 'other' };

export interface ResultColumn {
  name: string;
  /** DuckDB's type, for headers and pickers: 'BIGINT', 'DECIMAL(18,3)', 'STRUCT(a INTEGER)', … */
  type: string;
  kind: ColumnKind;
}

const INTEGER_TYPES = new Set([
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'HUGEINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
  'UHUGEINT',
  'INT1',
  'INT2',
  'INT4',
  'INT8',
  'INT',
  'SHORT',
  'LONG',
  'SIGNED',
  'INT128',
  'UINT128',
]);
const FLOAT_TYPES = new Set(['FLOAT', 'DOUBLE', 'REAL', 'FLOAT4', 'FLOAT8']);
const STRING_TYPES = new Set(['VARCHAR', 'TEXT', 'STRING', 'CHAR', 'BPCHAR', 'JSON', 'NVARCHAR']);
const TIMESTAMP_TYPES = new Set(['TIMESTAMP', 'DATETIME', 'TIMESTAMP_S', 'TIMESTAMP_MS', 'TIMESTAMP_NS', 'TIMESTAMP_US']);
const ZONED_TIMESTAMP_TYPES = new Set(['TIMESTAMPTZ', 'TIMESTAMP WITH TIME ZONE']);
const BLOB_TYPES = new Set(['BLOB', 'BYTEA', 'BINARY', 'VARBINARY']);
/** DuckDB's DECIMAL without arguments is DECIMAL(18,3). */
const DEFAULT_DECIMAL_SCALE = 3;

export function columnKindOf(type: string): ColumnKind {
  const upper = type.trim().toUpperCase();
  // Nested types first: 'INTEGER[]' and 'STRUCT(a DECIMAL(9,2))' must not be read as their element's type.
  if (upper.endsWith(']') || /^(STRUCT|MAP|UNION|LIST)\s*\(/.test(upper)) return { kind: 'nested' };
  if (upper.startsWith('ENUM')) return { kind: 'string' };
  const decimal = /^(DECIMAL|NUMERIC)\s*(?:\(\s*\d+\s*(?:,\s*(\d+)\s*)?\))?$/.exec(upper);
  if (decimal)
    return {
      kind: 'decimal',
      scale: decimal[2] === undefined ? (decimal[0].includes('(') ? 0 : DEFAULT_DECIMAL_SCALE) : Number(decimal[2]),
    };
  if (INTEGER_TYPES.has(upper)) return { kind: 'integer' };
  if (FLOAT_TYPES.has(upper)) return { kind: 'float' };
  if (upper === 'DATE') return { kind: 'date' };
  if (ZONED_TIMESTAMP_TYPES.has(upper)) return { kind: 'timestamp', zoned: true };
  if (TIMESTAMP_TYPES.has(upper)) return { kind: 'timestamp', zoned: false };
  if (upper.startsWith('TIME')) return { kind: 'time' };
  if (upper === 'INTERVAL') return { kind: 'interval' };
  if (upper === 'BOOLEAN' || upper === 'BOOL' || upper === 'LOGICAL') return { kind: 'boolean' };
  if (STRING_TYPES.has(upper) || upper.startsWith('VARCHAR(')) return { kind: 'string' };
  if (upper === 'UUID') return { kind: 'uuid' };
  if (BLOB_TYPES.has(upper)) return { kind: 'blob' };
  return { kind: 'other' };
}

export function resultColumnsOf(columns: readonly LocalColumn[]): ResultColumn[] {
  return columns.map((column) => ({ name: column.name, type: column.type, kind: columnKindOf(column.type) }));
}

/** Numbers a person adds up or averages (right-aligned in the grid, a measure in a chart). */
export function isNumericKind(kind: ColumnKind): boolean {
  return kind.kind === 'integer' || kind.kind === 'decimal' || kind.kind === 'float';
}

export function isTemporalKind(kind: ColumnKind): boolean {
  return kind.kind === 'date' || kind.kind === 'timestamp';
}

/** Values the grid right-aligns: numbers, and a BLOB's size. */
export function isRightAligned(kind: ColumnKind): boolean {
  return isNumericKind(kind) || kind.kind === 'blob';
}
