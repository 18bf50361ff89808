// A page of a kept result as an Arrow IPC stream, built from native DuckDB's result (node-api has no Arrow
// output without an extension that is not shipped). The page query (src/common/local-pages.ts) has already turned
// every column into one of the types a page carries exactly, so this builder knows only those; a page holds at
// most MAX_PAGE_ROWS rows, so plain arrays are fine.
import {
  type DuckDBDateValue,
  type DuckDBMaterializedResult,
  type DuckDBTimestampValue,
  DuckDBTypeId,
  type DuckDBValue,
} from '@duckdb/node-api';
import {
  Bool,
  DateDay,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
  TimestampMicrosecond,
  Utf8,
  vectorFromArray,
  type Data,
  type DataType,
} from 'apache-arrow';
import { EnclaveError } from '../../common/errors.ts';
import { PAGE_TOTAL_ROWS_KEY } from '../../common/local-engine.ts';

type Typed = Int8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array;

/** Fixed-width values in a typed array with Arrow's validity bitmap (omitted when nothing is null). */
function fixedWidth<T extends Typed>(options: {
  type: DataType;
  values: readonly DuckDBValue[];
  allocate: (length: number) => T;
  toRaw: (value: DuckDBValue) => number | bigint;
}): Data {
  const { values } = options;
  const raw = options.allocate(values.length);
  const validity = new Uint8Array((values.length + 7) >> 3);
  let nulls = 0;
  values.forEach((value, i) => {
    if (value === null) {
      nulls += 1;
      return;
    }
    validity[i >> 3] |= 1 << (i & 7);
    (raw as unknown as Array<number | bigint>)[i] = options.toRaw(value);
  });
  return makeData({
    type: options.type as Int32,
    length: values.length,
    nullCount: nulls,
    nullBitmap: nulls === 0 ? undefined : validity,
    data: raw as unknown as Int32Array,
  });
}

function columnData(typeId: DuckDBTypeId, values: readonly DuckDBValue[]): Data {
  const number = (value: DuckDBValue): number => value as number;
  switch (typeId) {
    case DuckDBTypeId.BOOLEAN:
      return vectorFromArray(values as (boolean | null)[], new Bool()).data[0];
    case DuckDBTypeId.TINYINT:
      return fixedWidth({ type: new Int8(), values, allocate: (n) => new Int8Array(n), toRaw: number });
    case DuckDBTypeId.SMALLINT:
      return fixedWidth({ type: new Int16(), values, allocate: (n) => new Int16Array(n), toRaw: number });
    case DuckDBTypeId.INTEGER:
      return fixedWidth({ type: new Int32(), values, allocate: (n) => new Int32Array(n), toRaw: number });
    case DuckDBTypeId.BIGINT:
      return fixedWidth({ type: new Int64(), values, allocate: (n) => new BigInt64Array(n), toRaw: (value) => value as bigint });
    case DuckDBTypeId.FLOAT:
      return fixedWidth({ type: new Float32(), values, allocate: (n) => new Float32Array(n), toRaw: number });
    case DuckDBTypeId.DOUBLE:
      return fixedWidth({ type: new Float64(), values, allocate: (n) => new Float64Array(n), toRaw: number });
    case DuckDBTypeId.DATE:
      return fixedWidth({
        type: new DateDay(),
        values,
        allocate: (n) => new Int32Array(n),
        toRaw: (value) => (value as DuckDBDateValue).days,
      });
    case DuckDBTypeId.TIMESTAMP:
      return fixedWidth({
        type: new TimestampMicrosecond(),
        values,
        allocate: (n) => new BigInt64Array(n),
        toRaw: (value) => (value as DuckDBTimestampValue).micros,
      });
    case DuckDBTypeId.VARCHAR:
      return vectorFromArray(values as (string | null)[], new Utf8()).data[0];
    default:
      throw new EnclaveError('internal', `A page column arrived as DuckDB type ${DuckDBTypeId[typeId]}, which pages do not carry.`);
  }
}

/** The page as an Arrow IPC stream, with the filtered total in its schema's metadata. */
export function pageToArrow(result: DuckDBMaterializedResult, total: number): Uint8Array {
  const names = result.columnNames();
  const columns: DuckDBValue[][] = names.map(() => []);
  for (let c = 0; c < result.chunkCount; c += 1) {
    const chunk = result.getChunk(c);
    names.forEach((_name, i) => {
      const vector = chunk.getColumnVector(i);
      for (let row = 0; row < chunk.rowCount; row += 1) columns[i].push(vector.getItem(row));
    });
  }
  const data = names.map((_name, i) => columnData(result.columnTypeId(i), columns[i]));
  const fields = names.map((name, i) => new Field(name, data[i].type, true));
  const schema = new Schema(fields, new Map([[PAGE_TOTAL_ROWS_KEY, String(total)]]));
  const length = data[0]?.length ?? 0;
  const batch = new RecordBatch(schema, makeData({ type: new Struct(fields), length, nullCount: 0, children: data }));
  return tableToIPC(new Table(schema, [batch]), 'stream');
}
