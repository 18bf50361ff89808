// Data for the local-engine suite: Arrow IPC streams shaped like the platform's samples (the types it sends, text
// dictionary-encoded and plain, nulls), Parquet made by DuckDB, streams in chunks, and pages read back.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  Bool,
  DateDay,
  Dictionary,
  Float64,
  Int16,
  Int32,
  Int64,
  Table,
  tableFromIPC,
  tableToIPC,
  Utf8,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import { PAGE_TOTAL_ROWS_KEY } from '../../../src/common/local-engine.ts';

export const DAY_MS = 86_400_000;

/** `rows` admissions with the platform's column types; every seventh value of the nullable columns is null. */
export function admissions(rows: number, options: { seed?: number } = {}): Table {
  const seed = options.seed ?? 0;
  const index = Array.from({ length: rows }, (_, i) => i);
  const nullEvery = (i: number): boolean => i % 7 === 3;
  return new Table({
    emergency: vectorFromArray(
      index.map((i) => (nullEvery(i) ? null : i % 2 === 0)),
      new Bool(),
    ),
    age: vectorFromArray(
      index.map((i) => (i * 7 + seed) % 100),
      new Int16(),
    ),
    stay: vectorFromArray(
      index.map((i) => (nullEvery(i) ? null : i % 30)),
      new Int32(),
    ),
    episode: vectorFromArray(
      index.map((i) => 9_007_199_254_740_000n + BigInt(i)),
      new Int64(),
    ),
    cost: vectorFromArray(
      index.map((i) => i * 1.25),
      new Float64(),
    ),
    admitted: vectorFromArray(
      index.map((i) => new Date(Date.UTC(2020, 0, 1) + (i % 400) * DAY_MS)),
      new DateDay(),
    ),
    sex: vectorFromArray(
      index.map((i) => (nullEvery(i) ? null : ['F', 'M', 'U'][i % 3])),
      new Dictionary(new Utf8(), new Int32()),
    ),
    postcode: vectorFromArray(
      index.map((i) => `LS${i % 30} ${i}AB`),
      new Utf8(),
    ),
  });
}

/** DuckDB's names for admissions()'s columns, as both engines must describe them. */
export const ADMISSIONS_COLUMNS = [
  { name: 'emergency', type: 'BOOLEAN' },
  { name: 'age', type: 'SMALLINT' },
  { name: 'stay', type: 'INTEGER' },
  { name: 'episode', type: 'BIGINT' },
  { name: 'cost', type: 'DOUBLE' },
  { name: 'admitted', type: 'DATE' },
  { name: 'sex', type: 'VARCHAR' },
  { name: 'postcode', type: 'VARCHAR' },
];

export function ipc(table: Table): Uint8Array {
  return tableToIPC(table, 'stream');
}

/** The bytes in parts of `size` bytes (the last one shorter), as a stream arrives. */
export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.byteLength; at += size) yield bytes.slice(at, at + size);
}

/** Parquet bytes written by DuckDB from a query. */
export async function parquetOf(sql: string): Promise<Uint8Array> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'enclave-parquet-'));
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    const file = path.join(dir, 'data.parquet');
    await connection.run(`COPY (${sql}) TO '${file}' (FORMAT parquet)`);
    connection.closeSync();
    return new Uint8Array(await readFile(file));
  } finally {
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

export interface ReadPage {
  readonly table: Table;
  readonly total: number;
  /** Each column's Arrow type, as apache-arrow prints it. */
  readonly types: Record<string, string>;
  column(name: string): Vector;
  values(name: string): unknown[];
}

export function readPage(bytes: Uint8Array): ReadPage {
  const table = tableFromIPC(bytes);
  const total = table.schema.metadata.get(PAGE_TOTAL_ROWS_KEY);
  if (total === undefined) throw new Error(`The page has no ${PAGE_TOTAL_ROWS_KEY} in its schema metadata.`);
  const column = (name: string): Vector => {
    const vector = table.getChild(name);
    if (vector === null) throw new Error(`The page has no column ${name}.`);
    return vector;
  };
  return {
    table,
    total: Number(total),
    types: Object.fromEntries(table.schema.fields.map((field) => [field.name, String(field.type)])),
    column,
    values: (name) => Array.from(column(name)) as unknown[],
  };
}

/** A 64-bit value exactly as the page holds it (apache-arrow's get() turns timestamps into milliseconds). */
export function raw64(vector: Vector, index: number): bigint | null {
  if (!vector.isValid(index)) return null;
  const data = vector.data[0];
  const values = data.values as BigInt64Array | Int32Array;
  const at = data.offset + index;
  if (values instanceof BigInt64Array) return values[at];
  return (BigInt(values[2 * at + 1]) << 32n) | BigInt(values[2 * at] >>> 0);
}

/** Everything under a folder (relative paths), for "nothing else was written" checks. */
export async function listTree(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true })).map(String).sort();
}
