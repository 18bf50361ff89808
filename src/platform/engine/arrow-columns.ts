// Builds Arrow columns from DuckDB result vectors. @duckdb/node-api 1.5 has no Arrow output (that needs the
// arrow/nanoarrow extension, which is not shipped and cannot be downloaded here), so the engine copies values
// into Arrow buffers itself: typed arrays and validity bitmaps, no per-value objects kept.
import {
  Bool,
  DateDay,
  Dictionary,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  TimestampMicrosecond,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
  Utf8,
  makeVector,
  type Data,
  type DataType,
} from 'apache-arrow';
import { DuckDBTypeId, type DuckDBDateValue, type DuckDBTimestampValue, type DuckDBVector } from '@duckdb/node-api';
import { EnclaveError } from '../../common/errors.ts';

export interface ColumnBuilder {
  /** Appends the first `count` items of a result vector. */
  append(vector: DuckDBVector, count: number): void;
  finish(): Data;
  readonly type: DataType;
}

/** The DuckDB types carried as they are, by name, with the Arrow type each becomes (see columnBuilderFor). */
export const SUPPORTED_TYPES = [
  'BOOLEAN',
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'FLOAT',
  'DOUBLE',
  'DATE',
  'TIMESTAMP',
  'VARCHAR',
] as const;

/**
 * What a result column of another type becomes before it is written as Arrow: a wide or exact number as DOUBLE (sum()
 * of integers is a HUGEINT), any timestamp as TIMESTAMP, a time, interval, UUID or enum as its text. Nested and binary
 * values have no cast here (undefined): the caller refuses them with the column's name.
 */
export function arrowCastFor(typeId: DuckDBTypeId): 'DOUBLE' | 'TIMESTAMP' | 'VARCHAR' | 'keep' | undefined {
  switch (typeId) {
    case DuckDBTypeId.BOOLEAN:
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DATE:
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.VARCHAR:
      return 'keep';
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.DECIMAL:
      return 'DOUBLE';
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'TIMESTAMP';
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_TZ:
    case DuckDBTypeId.INTERVAL:
    case DuckDBTypeId.UUID:
    case DuckDBTypeId.ENUM:
    case DuckDBTypeId.BIT:
      return 'VARCHAR';
    default:
      return undefined;
  }
}

/** The same array when it already holds `needed` items, else a copy at least twice as long. */
function grownToHold(array: Int32Array<ArrayBuffer>, needed: number): Int32Array<ArrayBuffer> {
  if (needed <= array.length) return array;
  const grown = new Int32Array(Math.max(needed, array.length * 2));
  grown.set(array);
  return grown;
}

class Validity {
  bits = new Uint8Array(0);
  nullCount = 0;
  ensure(length: number): void {
    const bytes = (length + 7) >> 3;
    if (bytes <= this.bits.length) return;
    const grown = new Uint8Array(Math.max(bytes, this.bits.length * 2));
    grown.set(this.bits);
    this.bits = grown;
  }
  set(index: number, valid: boolean): void {
    if (valid) this.bits[index >> 3] |= 1 << (index & 7);
    else this.nullCount += 1;
  }
  /** Arrow allows omitting the bitmap when nothing is null. */
  bitmap(length: number): Uint8Array | undefined {
    return this.nullCount === 0 ? undefined : this.bits.subarray(0, (length + 7) >> 3);
  }
}

type NumericArray = Int8Array | Int16Array | Int32Array | Float32Array | Float64Array | BigInt64Array;

/** A fixed-width column: SMALLINT, INTEGER, DOUBLE, BIGINT and DATE (days since the epoch). */
class FixedWidthBuilder<T extends NumericArray, V> implements ColumnBuilder {
  readonly type: DataType;
  private readonly allocate: (length: number) => T;
  private readonly toNumber: (value: V) => number | bigint;
  private values: T;
  private length = 0;
  private readonly validity = new Validity();
  constructor(options: { type: DataType; allocate: (length: number) => T; toNumber: (value: V) => number | bigint }) {
    this.type = options.type;
    this.allocate = options.allocate;
    this.toNumber = options.toNumber;
    this.values = options.allocate(0);
  }
  append(vector: DuckDBVector, count: number): void {
    this.ensure(this.length + count);
    const values = this.values as unknown as Array<number | bigint>;
    for (let i = 0; i < count; i += 1) {
      const item = vector.getItem(i) as V | null;
      const index = this.length + i;
      this.validity.set(index, item !== null);
      if (item !== null) values[index] = this.toNumber(item);
    }
    this.length += count;
  }
  private ensure(length: number): void {
    this.validity.ensure(length);
    if (length <= this.values.length) return;
    const grown = this.allocate(Math.max(length, this.values.length * 2));
    (grown as unknown as { set(source: T): void }).set(this.values);
    this.values = grown;
  }
  finish(): Data {
    return makeData({
      type: this.type as Int32,
      length: this.length,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.bitmap(this.length),
      data: this.values.subarray(0, this.length) as Int32Array,
    });
  }
}

class BoolBuilder implements ColumnBuilder {
  readonly type = new Bool();
  private readonly values = new Validity(); // the same bit-packing as validity: a set bit is `true`
  private readonly validity = new Validity();
  private length = 0;
  append(vector: DuckDBVector, count: number): void {
    this.values.ensure(this.length + count);
    this.validity.ensure(this.length + count);
    for (let i = 0; i < count; i += 1) {
      const item = vector.getItem(i) as boolean | null;
      this.validity.set(this.length + i, item !== null);
      if (item === true) this.values.set(this.length + i, true);
    }
    this.length += count;
  }
  finish(): Data {
    return makeData({
      type: this.type,
      length: this.length,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.bitmap(this.length),
      data: this.values.bits.subarray(0, (this.length + 7) >> 3),
    });
  }
}

/**
 * A low-cardinality VARCHAR (codes: sex, region, diagnosis, …) becomes a dictionary-encoded Utf8 column with
 * Int32 indices: much smaller on the wire. Which columns are low-cardinality is decided once per dataset at
 * start-up (see the engine), so a column's Arrow type does not depend on the sample's size.
 */
class DictionaryUtf8Builder implements ColumnBuilder {
  readonly type: Dictionary<Utf8, Int32>;
  private readonly codes = new Map<string, number>();
  private readonly words: string[] = [];
  private indices = new Int32Array(0);
  private readonly validity = new Validity();
  private length = 0;
  /** Dictionary ids are explicit (the column's index) so the same sample always has the same bytes. */
  constructor(dictionaryId: number) {
    this.type = new Dictionary(new Utf8(), new Int32(), dictionaryId);
  }
  append(vector: DuckDBVector, count: number): void {
    const needed = this.length + count;
    this.validity.ensure(needed);
    this.indices = grownToHold(this.indices, needed);
    for (let i = 0; i < count; i += 1) {
      const item = vector.getItem(i) as string | null;
      const index = this.length + i;
      this.validity.set(index, item !== null);
      if (item === null) continue;
      let code = this.codes.get(item);
      if (code === undefined) {
        code = this.words.length;
        this.codes.set(item, code);
        this.words.push(item);
      }
      this.indices[index] = code;
    }
    this.length += count;
  }
  finish(): Data {
    return makeData({
      type: this.type,
      length: this.length,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.bitmap(this.length),
      data: this.indices.subarray(0, this.length),
      dictionary: makeVector(utf8Data(this.words)),
    });
  }
}

/** Appends strings to one growing UTF-8 byte array with Int32 offsets, as Arrow lays out Utf8. */
class Utf8Bytes {
  private readonly encoder = new TextEncoder();
  bytes = new Uint8Array(1024);
  end = 0;
  append(text: string): number {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    const worst = this.end + text.length * 3;
    if (worst > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, worst));
      grown.set(this.bytes.subarray(0, this.end));
      this.bytes = grown;
    }
    this.end += this.encoder.encodeInto(text, this.bytes.subarray(this.end)).written;
    return this.end;
  }
}

/**
 * A high-cardinality VARCHAR (postcodes: most values distinct) as plain Utf8: a dictionary would be as large
 * as the data, and building it costs a hash-map entry per row.
 */
class PlainUtf8Builder implements ColumnBuilder {
  readonly type = new Utf8();
  private offsets = new Int32Array(1024);
  private readonly text = new Utf8Bytes();
  private readonly validity = new Validity();
  private length = 0;
  append(vector: DuckDBVector, count: number): void {
    const needed = this.length + count + 1;
    this.validity.ensure(needed);
    this.offsets = grownToHold(this.offsets, needed);
    for (let i = 0; i < count; i += 1) {
      const item = vector.getItem(i) as string | null;
      const index = this.length + i;
      this.validity.set(index, item !== null);
      this.offsets[index + 1] = item === null ? this.text.end : this.text.append(item);
    }
    this.length += count;
  }
  finish(): Data {
    return makeData({
      type: this.type,
      length: this.length,
      nullCount: this.validity.nullCount,
      nullBitmap: this.validity.bitmap(this.length),
      valueOffsets: this.offsets.subarray(0, this.length + 1),
      data: this.text.bytes.subarray(0, this.text.end),
    });
  }
}

/** One Utf8 buffer for many strings: encoded into a single growing byte array, no per-string objects. */
function utf8Data(words: readonly string[]): Data<Utf8> {
  const text = new Utf8Bytes();
  const offsets = new Int32Array(words.length + 1);
  words.forEach((word, i) => {
    offsets[i + 1] = text.append(word);
  });
  return makeData({ type: new Utf8(), length: words.length, nullCount: 0, valueOffsets: offsets, data: text.bytes.subarray(0, text.end) });
}

export function columnBuilderFor(column: {
  typeId: DuckDBTypeId;
  typeName: string;
  /** The column's place in the sample; also its dictionary id, so the bytes are reproducible. */
  index: number;
  /** VARCHAR only: dictionary-encode (low cardinality) or not. */
  dictionary: boolean;
}): ColumnBuilder {
  switch (column.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return new BoolBuilder();
    case DuckDBTypeId.TINYINT:
      return new FixedWidthBuilder<Int8Array, number>({ type: new Int8(), allocate: (n) => new Int8Array(n), toNumber: (v) => v });
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.UTINYINT:
      return new FixedWidthBuilder<Int16Array, number>({ type: new Int16(), allocate: (n) => new Int16Array(n), toNumber: (v) => v });
    case DuckDBTypeId.USMALLINT:
      return new FixedWidthBuilder<Int32Array, number>({ type: new Int32(), allocate: (n) => new Int32Array(n), toNumber: (v) => v });
    case DuckDBTypeId.UINTEGER:
      return new FixedWidthBuilder<BigInt64Array, number>({
        type: new Int64(),
        allocate: (n) => new BigInt64Array(n),
        toNumber: (v) => BigInt(v),
      });
    case DuckDBTypeId.FLOAT:
      return new FixedWidthBuilder<Float32Array, number>({ type: new Float32(), allocate: (n) => new Float32Array(n), toNumber: (v) => v });
    case DuckDBTypeId.TIMESTAMP:
      return new FixedWidthBuilder<BigInt64Array, DuckDBTimestampValue>({
        type: new TimestampMicrosecond(),
        allocate: (n) => new BigInt64Array(n),
        toNumber: (v) => v.micros,
      });
    case DuckDBTypeId.INTEGER:
      return new FixedWidthBuilder<Int32Array, number>({ type: new Int32(), allocate: (n) => new Int32Array(n), toNumber: (v) => v });
    case DuckDBTypeId.BIGINT:
      return new FixedWidthBuilder<BigInt64Array, bigint>({ type: new Int64(), allocate: (n) => new BigInt64Array(n), toNumber: (v) => v });
    case DuckDBTypeId.DOUBLE:
      return new FixedWidthBuilder<Float64Array, number>({ type: new Float64(), allocate: (n) => new Float64Array(n), toNumber: (v) => v });
    case DuckDBTypeId.DATE:
      return new FixedWidthBuilder<Int32Array, DuckDBDateValue>({
        type: new DateDay(),
        allocate: (n) => new Int32Array(n),
        toNumber: (v) => v.days,
      });
    case DuckDBTypeId.VARCHAR:
      return column.dictionary ? new DictionaryUtf8Builder(column.index) : new PlainUtf8Builder();
    default:
      throw new EnclaveError('internal', `Answers do not carry columns of type ${column.typeName}.`);
  }
}

/** One record batch holding every column; nullable fields throughout (the data files say nothing stronger). */
export function toRecordBatch(columns: ReadonlyArray<{ name: string; builder: ColumnBuilder }>): RecordBatch {
  const data = columns.map((column) => column.builder.finish());
  const fields = columns.map((column, i) => new Field(column.name, data[i].type, true));
  const schema = new Schema(fields);
  const length = data[0]?.length ?? 0;
  return new RecordBatch(schema, makeData({ type: new Struct(fields), length, children: data, nullCount: 0 }));
}

/** The columns as one Arrow IPC stream of one record batch. */
export function toArrowIpcStream(columns: ReadonlyArray<{ name: string; builder: ColumnBuilder }>): Uint8Array {
  const batch = toRecordBatch(columns);
  return tableToIPC(new Table(batch.schema, [batch]), 'stream');
}
