// Arrow columns into native DuckDB, for loads that arrive as Arrow IPC: each Arrow type becomes the DuckDB type
// DuckDB's own Arrow reader gives it (so a table loads with the same types in both local engines), and values are
// read from Arrow's buffers exactly (64-bit integers as BigInt, timestamps in their own unit, decimals unscaled).
// Speed matters less than exactness here: the platform can send Parquet, which DuckDB reads itself.
import {
  BIGINT,
  BLOB,
  BOOLEAN,
  DATE,
  DECIMAL,
  DOUBLE,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeValue,
  FLOAT,
  INTEGER,
  SMALLINT,
  TIME,
  TIMESTAMP,
  TIMESTAMP_MS,
  TIMESTAMP_NS,
  TIMESTAMP_S,
  TIMESTAMPTZ,
  TINYINT,
  UBIGINT,
  UINTEGER,
  USMALLINT,
  UTINYINT,
  VARCHAR,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { DataType, DateUnit, Precision, TimeUnit, type Data, type Field, type Vector } from 'apache-arrow';
import { EnclaveError } from '../../common/errors.ts';

/** How one Arrow column is appended: its DuckDB type and a reader of its values. */
export interface ColumnLoader {
  readonly name: string;
  readonly type: DuckDBType;
  /** The value at `index` of a batch's column, or null. */
  value(column: { vector: Vector; data: Data }, index: number): DuckDBValue;
}

const MICROS_PER: Readonly<Record<TimeUnit, bigint>> = {
  [TimeUnit.SECOND]: 1_000_000n,
  [TimeUnit.MILLISECOND]: 1_000n,
  [TimeUnit.MICROSECOND]: 1n,
  [TimeUnit.NANOSECOND]: 1n,
};

/** A 64-bit value from Arrow's buffer: BigInt64Array in apache-arrow 17, or (older writers' view) Int32 pairs. */
function int64At(data: Data, index: number): bigint {
  const values = data.values as BigInt64Array | Int32Array;
  const at = data.offset + index;
  if (values instanceof BigInt64Array) return values[at];
  return (BigInt(values[2 * at + 1]) << 32n) | BigInt(values[2 * at] >>> 0);
}

function numberAt(data: Data, index: number): number {
  return (data.values as Int32Array)[data.offset + index];
}

/** A decimal's unscaled value: little-endian two's complement in 32-bit words. */
function decimalAt(data: Data, index: number, words: number): bigint {
  const values = data.values as Uint32Array;
  const start = (data.offset + index) * words;
  let value = 0n;
  for (let word = words - 1; word >= 0; word -= 1) value = (value << 32n) | BigInt(values[start + word]);
  return BigInt.asIntN(words * 32, value);
}

const plain = (column: { vector: Vector }, index: number): DuckDBValue => (column.vector.get(index) as DuckDBValue) ?? null;

function integerLoader(type: DataType): Pick<ColumnLoader, 'type' | 'value'> | null {
  if (!DataType.isInt(type)) return null;
  const signed = [TINYINT, SMALLINT, INTEGER, BIGINT];
  const unsigned = [UTINYINT, USMALLINT, UINTEGER, UBIGINT];
  const width = [8, 16, 32, 64].indexOf(type.bitWidth);
  return { type: (type.isSigned ? signed : unsigned)[width], value: plain };
}

function timestampLoader(type: DataType): Pick<ColumnLoader, 'type' | 'value'> | null {
  if (!DataType.isTimestamp(type)) return null;
  const unit = type.unit;
  if (type.timezone) {
    // TIMESTAMPTZ is microseconds since the epoch; nanoseconds are cut to microseconds as DuckDB's reader does.
    return {
      type: TIMESTAMPTZ,
      value: (column, index) => {
        if (!column.data.getValid(index)) return null;
        const raw = int64At(column.data, index);
        return new DuckDBTimestampTZValue(unit === TimeUnit.NANOSECOND ? raw / 1000n : raw * MICROS_PER[unit]);
      },
    };
  }
  const make = {
    [TimeUnit.SECOND]: { type: TIMESTAMP_S, of: (raw: bigint) => new DuckDBTimestampSecondsValue(raw) },
    [TimeUnit.MILLISECOND]: { type: TIMESTAMP_MS, of: (raw: bigint) => new DuckDBTimestampMillisecondsValue(raw) },
    [TimeUnit.MICROSECOND]: { type: TIMESTAMP, of: (raw: bigint) => new DuckDBTimestampValue(raw) },
    [TimeUnit.NANOSECOND]: { type: TIMESTAMP_NS, of: (raw: bigint) => new DuckDBTimestampNanosecondsValue(raw) },
  }[unit];
  return { type: make.type, value: (column, index) => (column.data.getValid(index) ? make.of(int64At(column.data, index)) : null) };
}

function temporalLoader(type: DataType): Pick<ColumnLoader, 'type' | 'value'> | null {
  if (DataType.isDate(type) && type.unit === DateUnit.DAY) {
    return {
      type: DATE,
      value: (column, index) => (column.data.getValid(index) ? new DuckDBDateValue(numberAt(column.data, index)) : null),
    };
  }
  if (DataType.isDate(type)) {
    const day = 86_400_000n;
    return {
      type: DATE,
      value: (column, index) => {
        if (!column.data.getValid(index)) return null;
        const ms = int64At(column.data, index);
        // Floor division, so a millisecond before the epoch is the day before it.
        return new DuckDBDateValue(Number((ms - (((ms % day) + day) % day)) / day));
      },
    };
  }
  if (DataType.isTime(type)) {
    const unit = type.unit;
    return {
      type: TIME,
      value: (column, index) => {
        if (!column.data.getValid(index)) return null;
        const raw = type.bitWidth === 64 ? int64At(column.data, index) : BigInt(numberAt(column.data, index));
        return new DuckDBTimeValue(unit === TimeUnit.NANOSECOND ? raw / 1000n : raw * MICROS_PER[unit]);
      },
    };
  }
  return timestampLoader(type);
}

function loaderFor(field: Field): Pick<ColumnLoader, 'type' | 'value'> {
  const type = field.type as DataType;
  const integer = integerLoader(type);
  if (integer) return integer;
  const temporal = temporalLoader(type);
  if (temporal) return temporal;
  if (DataType.isBool(type)) return { type: BOOLEAN, value: plain };
  if (DataType.isFloat(type)) return { type: type.precision === Precision.DOUBLE ? DOUBLE : FLOAT, value: plain };
  // Text, plain or dictionary-encoded (the platform encodes low-cardinality codes), is VARCHAR either way.
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return { type: VARCHAR, value: plain };
  if (DataType.isDictionary(type) && (DataType.isUtf8(type.dictionary) || DataType.isLargeUtf8(type.dictionary))) {
    return { type: VARCHAR, value: plain };
  }
  if (DataType.isBinary(type) || DataType.isLargeBinary(type)) {
    return {
      type: BLOB,
      value: (column, index) => {
        const bytes = column.vector.get(index) as Uint8Array | null;
        return bytes === null ? null : new DuckDBBlobValue(bytes);
      },
    };
  }
  if (DataType.isDecimal(type) && type.precision <= 38) {
    const words = type.bitWidth / 32;
    return {
      type: DECIMAL(type.precision, type.scale),
      value: (column, index) =>
        column.data.getValid(index) ? new DuckDBDecimalValue(decimalAt(column.data, index, words), type.precision, type.scale) : null,
    };
  }
  throw new EnclaveError(
    'invalid_input',
    `Column ${field.name} has the Arrow type ${String(type)}, which the local workspace cannot load yet. Nothing was changed.`,
  );
}

/** A loader per column of an Arrow schema; refuses (clearly, before anything is written) a type it cannot load. */
export function columnLoaders(fields: readonly Field[]): ColumnLoader[] {
  if (fields.length === 0) throw new EnclaveError('invalid_input', 'The Arrow stream has no columns. Nothing was changed.');
  const seen = new Set<string>();
  return fields.map((field) => {
    if (seen.has(field.name)) {
      throw new EnclaveError('invalid_input', `The Arrow stream has two columns named ${field.name}. Nothing was changed.`);
    }
    seen.add(field.name);
    return { name: field.name, ...loaderFor(field) };
  });
}
