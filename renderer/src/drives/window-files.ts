// The drive from a project kept in the window (issue 17: 'memory' projects, whose tables never touch this computer's
// disk): a local result read from the window's own engine (in pages, as the grid reads it) and written as CSV or Arrow
// bytes here, then uploaded straight to the platform in chunks (the upload commits whole or not at all); and a drive
// file's bytes read into the window's engine (Arrow as it is; CSV parsed here into Arrow). Parquet is neither written
// nor read here: DuckDB-wasm in this window is locked away from files.
import {
  Bool,
  DataType,
  Float64,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Table,
  tableFromIPC,
  tableToIPC,
  Utf8,
  type Vector,
} from 'apache-arrow';
import type { Client } from '../../../src/common/client.ts';
import { DRIVE_WINDOW_CHUNK_BYTES, type CallProgress, type LocalSource } from '../../../src/common/contract.ts';
import type { DriveEntry, WriteCondition } from '../../../src/common/drives.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { MAX_PAGE_ROWS, type LocalEngine } from '../../../src/common/local-engine.ts';
import { quoteIdentifier } from '../../../src/common/sql-identifiers.ts';

/** A kept result of the window's engine (or one of its tables) read whole, page by page, as one Arrow table. */
export async function readLocalResult(options: {
  engine: LocalEngine;
  source: LocalSource;
  signal?: AbortSignal;
  onRows?: (rows: number) => void;
}): Promise<Table> {
  const { engine, source, signal } = options;
  let resultId: string;
  let rowCount: number | null = null;
  let release = false;
  if ('table' in source) {
    const run = await engine.run({ sql: `SELECT * FROM main.${quoteIdentifier(source.table)}`, signal });
    if (run.resultId === null) throw new EnclaveError('not_found', `There is no local table named ${source.table}.`);
    resultId = run.resultId;
    rowCount = run.rowCount;
    release = true;
  } else {
    resultId = source.resultId;
  }
  try {
    const batches: RecordBatch[] = [];
    let schema: Schema | null = null;
    for (let offset = 0; ; offset += MAX_PAGE_ROWS) {
      if (signal?.aborted) throw new EnclaveError('cancelled', 'The save was cancelled. Nothing was saved.');
      const page = tableFromIPC(await engine.page({ resultId, offset, limit: MAX_PAGE_ROWS, signal }));
      schema ??= page.schema;
      batches.push(...page.batches.filter((batch) => batch.numRows > 0));
      const read = offset + page.numRows;
      options.onRows?.(read);
      if (page.numRows < MAX_PAGE_ROWS || (rowCount !== null && read >= rowCount)) break;
    }
    // The page's own metadata (its filtered total) is not the file's.
    const plain = new Schema(schema?.fields ?? []);
    return new Table(
      plain,
      batches.map((batch) => new RecordBatch(plain, batch.data)),
    );
  } finally {
    if (release) await engine.release(resultId);
  }
}

/** A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvValue(type: DataType, value: unknown): string {
  if (value === null || value === undefined) return '';
  if ((DataType.isTimestamp(type) || DataType.isDate(type)) && typeof value === 'number') {
    const iso = new Date(value).toISOString();
    return DataType.isDate(type) ? iso.slice(0, 10) : iso.replace('T', ' ').replace(/\.000Z$|Z$/, '');
  }
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/** The table as CSV text (a header line, then a line per row), UTF-8. */
export function tableToCsv(table: Table): Uint8Array {
  const fields: ReadonlyArray<{ name: string; type: DataType }> = table.schema.fields;
  const lines = [fields.map((field) => csvField(field.name)).join(',')];
  const columns: Array<Vector | null> = fields.map((_field, i) => table.getChildAt(i));
  for (let row = 0; row < table.numRows; row += 1) {
    lines.push(fields.map((field, i) => csvField(csvValue(field.type, columns[i]?.get(row) as unknown))).join(','));
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

/** The table as an Arrow IPC file (Arrow's file format, as `.arrow` files are). */
export function tableToArrowFile(table: Table): Uint8Array {
  return tableToIPC(table, 'file');
}

/** RFC 4180 records: quoted fields may hold commas, quotes ("") and line breaks; CRLF or LF ends a record. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  while (i < body.length) {
    const char = body[i];
    if (quoted) {
      if (char === '"' && body[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (char === '"') quoted = false;
      else field += char;
      i += 1;
      continue;
    }
    if (char === '"' && field === '') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      if (char === '\r' && body[i + 1] === '\n') i += 1;
    } else field += char;
    i += 1;
  }
  if (quoted)
    throw new EnclaveError('invalid_input', 'The CSV file ends inside a quoted field: it may have been cut short. Nothing was changed.');
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * A column's values as Arrow data, built by hand: apache-arrow's builders (vectorFromArray) compile their null check
 * with `new Function`, which this window's CSP refuses (no 'unsafe-eval').
 */
function columnOf(values: ReadonlyArray<string | null>, kind: 'number' | 'boolean' | 'text'): Vector {
  const length = values.length;
  const validity = new Uint8Array((length + 7) >> 3);
  let nulls = 0;
  values.forEach((value, i) => {
    if (value === null) nulls += 1;
    else validity[i >> 3] |= 1 << (i & 7);
  });
  const nullBitmap = nulls === 0 ? undefined : validity;
  if (kind === 'number') {
    const data = Float64Array.from(values, (value) => (value === null ? 0 : Number(value)));
    return makeVector(makeData({ type: new Float64(), length, nullCount: nulls, nullBitmap, data }));
  }
  if (kind === 'boolean') {
    const bits = new Uint8Array((length + 7) >> 3);
    values.forEach((value, i) => {
      if (value !== null && value.toLowerCase() === 'true') bits[i >> 3] |= 1 << (i & 7);
    });
    return makeVector(makeData({ type: new Bool(), length, nullCount: nulls, nullBitmap, data: bits }));
  }
  const encoder = new TextEncoder();
  const encoded = values.map((value) => encoder.encode(value ?? ''));
  const valueOffsets = new Int32Array(length + 1);
  encoded.forEach((bytes, i) => (valueOffsets[i + 1] = valueOffsets[i] + bytes.byteLength));
  const data = new Uint8Array(valueOffsets[length]);
  encoded.forEach((bytes, i) => data.set(bytes, valueOffsets[i]));
  return makeVector(makeData({ type: new Utf8(), length, nullCount: nulls, nullBitmap, valueOffsets, data }));
}

/** A CSV file as an Arrow IPC stream: its header names the columns; a column of numbers (or true/false) keeps that type. */
export function csvToArrowStream(bytes: Uint8Array): Uint8Array {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new EnclaveError('invalid_input', 'The CSV file is not UTF-8 text. Nothing was changed.');
  }
  const [header, ...rows] = parseCsv(text);
  if (header === undefined || header.length === 0)
    throw new EnclaveError('invalid_input', 'The CSV file has no header line. Nothing was changed.');
  const seen = new Map<string, number>();
  const names = header.map((raw, i) => {
    const base = raw.trim() === '' ? `column${i}` : raw.trim();
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}_${count}`;
  });
  const columns: Record<string, Vector> = {};
  names.forEach((name, c) => {
    const values = rows.map((row) => (row[c] === undefined || row[c] === '' ? null : row[c]));
    const present = values.filter((value): value is string => value !== null);
    const kind =
      present.length > 0 && present.every((value) => NUMBER.test(value))
        ? 'number'
        : present.length > 0 && present.every((value) => /^(true|false)$/i.test(value))
          ? 'boolean'
          : 'text';
    columns[name] = columnOf(values, kind);
  });
  return tableToIPC(new Table(columns), 'stream');
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.byteLength; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * Uploads the bytes to the drive at `path` as one new version: a session at the platform (the quota checked from the
 * size, the name by the drive's policy), the bytes in chunks, then the commit (written only if `condition` still holds
 * and the bytes hash to what was declared). Until the commit, the drive shows nothing of it.
 */
export async function uploadToDrive(options: {
  client: Client;
  projectId: string;
  path: string;
  bytes: Uint8Array;
  condition: WriteCondition;
  signal?: AbortSignal;
  onProgress?: (progress: CallProgress) => void;
}): Promise<DriveEntry> {
  const { client, projectId, path, signal } = options;
  const bytes = new Uint8Array(options.bytes);
  const sha256 = await sha256Hex(bytes);
  let session = await client.invoke(
    'drive.uploadStart',
    { projectId, path, size: bytes.byteLength, sha256, condition: options.condition },
    { signal },
  );
  while (session.offset < bytes.byteLength) {
    options.onProgress?.({ done: session.offset, total: bytes.byteLength, unit: 'bytes', stage: 'Uploading to the drive' });
    const chunk = bytes.subarray(session.offset, session.offset + DRIVE_WINDOW_CHUNK_BYTES);
    session = await client.invoke(
      'drive.uploadChunk',
      { projectId, uploadId: session.uploadId, offset: session.offset, total: bytes.byteLength, data: toBase64(chunk) },
      { signal },
    );
  }
  options.onProgress?.({ done: bytes.byteLength, total: bytes.byteLength, unit: 'bytes', stage: 'Uploading to the drive' });
  return client.invoke('drive.uploadCommit', { projectId, uploadId: session.uploadId }, { signal });
}

/** A drive file's bytes (as the core answers them: Arrow as a stream already) as the Arrow stream the window's engine loads. */
export function windowLoadable(name: string, bytes: Uint8Array): Uint8Array {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return csvToArrowStream(bytes);
  if (lower.endsWith('.parquet') || lower.endsWith('.pq')) {
    throw new EnclaveError(
      'invalid_input',
      "This project's tables live in this window, whose engine cannot read Parquet files. Open a CSV or Arrow copy of it instead. Nothing was changed.",
    );
  }
  // A stream the core already made of an Arrow file: checked here, so a damaged one is refused before the load.
  let columns: number;
  try {
    columns = tableFromIPC(bytes).schema.fields.length;
  } catch {
    columns = 0;
  }
  if (columns === 0) throw new EnclaveError('invalid_input', 'The file is not a complete Arrow file. Nothing was changed.');
  return bytes;
}
