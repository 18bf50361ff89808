// Loading a stream into a native workspace table, all or nothing: the table is built under a staging name inside
// one transaction on the engine's loader connection and renamed into place only when complete, so other
// connections never see a half table, and a failure or a cancel rolls everything back (the replaced table stays).
// Parquet and CSV (a drive file, issue 17) are read by DuckDB itself from a private file in incoming/; Arrow IPC is
// decoded here and appended.
import { randomBytes } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { DuckDBDataChunk, type DuckDBConnection } from '@duckdb/node-api';
import { RecordBatchReader, type RecordBatch } from 'apache-arrow';
import { bestEffort } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { LoadProgress } from '../../common/local-engine.ts';
import { checkedTableName, CUT_SHORT, LoadStream, NOT_ARROW, SourceFailure, tableExistsError } from '../../common/local-load.ts';
import { engineMessage, isInterruption, loadCancelled } from '../../common/local-sql.ts';
import { quoteIdentifier, quoteString } from '../../common/sql-identifiers.ts';
import { columnLoaders, type ColumnLoader } from './arrow-to-duckdb.ts';
import { stickyCancel } from './sticky-cancel.ts';
import { incomingFile, type WorkspaceFolder } from './workspace-folder.ts';

/** An async source gives a promise of a reader; apache-arrow's typings pick a synchronous overload for it. */
const readerOf = (source: AsyncIterable<Uint8Array>): Promise<RecordBatchReader> =>
  RecordBatchReader.from(source) as unknown as Promise<RecordBatchReader>;

export interface NativeLoadRequest {
  table: string;
  /** 'csv' only from a drive file: DuckDB detects its dialect and column types. */
  format: 'arrow' | 'parquet' | 'csv';
  chunks: AsyncIterable<Uint8Array>;
  replace: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: LoadProgress) => void;
}

/** DuckDB's vectors hold this many rows; an appended chunk holds at most this many. */
const CHUNK_ROWS = 2048;

async function tableExists(connection: DuckDBConnection, table: string): Promise<boolean> {
  const found = await connection.runAndReadAll(
    `SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = $1`,
    [table],
  );
  return Number(found.getRows()[0]?.[0] ?? 0) > 0;
}

/** Writes the Parquet (or CSV) bytes to a private file in incoming/ (0600, never an existing file). */
async function writeIncoming(options: { file: string; chunks: LoadStream }): Promise<void> {
  const handle = await open(options.file, 'wx', 0o600);
  try {
    for await (const chunk of options.chunks) await handle.write(chunk);
  } finally {
    await handle.close();
  }
}

function appendBatch(options: {
  appender: Awaited<ReturnType<DuckDBConnection['createAppender']>>;
  loaders: ColumnLoader[];
  batch: RecordBatch;
}): void {
  const { appender, loaders, batch } = options;
  const columns = loaders.map((_loader, i) => {
    const vector = batch.getChildAt(i);
    if (vector === null) throw new EnclaveError('invalid_input', 'An Arrow record batch is missing a column. Nothing was changed.');
    return { vector, data: batch.data.children[i] };
  });
  for (let start = 0; start < batch.numRows; start += CHUNK_ROWS) {
    const rows = Math.min(CHUNK_ROWS, batch.numRows - start);
    const chunk = DuckDBDataChunk.create(
      loaders.map((loader) => loader.type),
      rows,
    );
    loaders.forEach((loader, i) => {
      const values = new Array<ReturnType<ColumnLoader['value']>>(rows);
      for (let row = 0; row < rows; row += 1) values[row] = loader.value(columns[i], start + row);
      chunk.setColumnValues(i, values);
    });
    appender.appendDataChunk(chunk);
  }
}

/** Decodes the Arrow IPC stream and appends it, batch by batch, to the staging table (created from its schema). */
async function appendArrow(options: {
  connection: DuckDBConnection;
  staging: string;
  chunks: LoadStream;
  request: NativeLoadRequest;
}): Promise<void> {
  const { connection, staging, chunks, request } = options;
  let reader: RecordBatchReader;
  try {
    reader = await readerOf(chunks);
    await reader.open();
  } catch (err) {
    if (err instanceof SourceFailure || err instanceof EnclaveError) throw err;
    throw NOT_ARROW();
  }
  const loaders = columnLoaders(reader.schema.fields);
  const columns = loaders.map((loader) => `${quoteIdentifier(loader.name)} ${loader.type.toString()}`).join(', ');
  await connection.run(`CREATE TABLE ${quoteIdentifier(staging)} (${columns})`);
  const appender = await connection.createAppender(staging);
  try {
    let rows = 0;
    for await (const batch of reader) {
      appendBatch({ appender, loaders, batch });
      rows += batch.numRows;
      request.onProgress?.({ bytes: chunks.bytes, rows });
      if (request.signal?.aborted) throw loadCancelled();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  if (!chunks.endsWithEos) throw CUT_SHORT();
}

function loadFailure(err: unknown, request: NativeLoadRequest): EnclaveError {
  if (request.signal?.aborted || isInterruption(err)) return loadCancelled();
  if (err instanceof EnclaveError) return err;
  if (err instanceof SourceFailure) return err.toEnclaveError();
  const message = engineMessage(err);
  if (request.format === 'parquet' && /parquet|magic|file/iu.test(message)) {
    return new EnclaveError('invalid_input', 'The data is not a complete Parquet file (it may have been cut short). Nothing was changed.');
  }
  if (request.format === 'csv') {
    return new EnclaveError(
      'invalid_input',
      `The file could not be read as CSV: ${message.split('\n')[0].replace(/"\/[^"]*"/gu, 'the file')}. Nothing was changed.`,
    );
  }
  // DuckDB's words about the analyst's own data; paths inside the workspace are left out.
  return new EnclaveError(
    'invalid_input',
    `The table could not be loaded: ${message.replace(/"\/[^"]*"/gu, 'the data')}. Nothing was changed.`,
  );
}

/**
 * Loads the request's stream into `table` on the loader connection. The connection must be used by nothing else
 * while this runs (the engine queues loads); a cancel interrupts DuckDB through it.
 */
export async function loadTable(options: {
  connection: DuckDBConnection;
  folder: WorkspaceFolder;
  request: NativeLoadRequest;
}): Promise<{ table: string; rows: number }> {
  const { connection, folder, request } = options;
  const table = checkedTableName(request.table);
  if (request.signal?.aborted) throw loadCancelled();
  const exists = await tableExists(connection, table);
  if (exists && !request.replace) throw tableExistsError(table);
  const staging = `enclave_loading_${randomBytes(8).toString('hex')}`;
  const chunks = new LoadStream({ chunks: request.chunks, signal: request.signal, onBytes: (bytes) => request.onProgress?.({ bytes }) });
  // Interrupted again and again once cancelled: DuckDB forgets an interrupt that comes between statements.
  const cancel = stickyCancel({ connection, signal: request.signal, cancelled: loadCancelled });
  const file = request.format === 'arrow' ? null : incomingFile(folder, request.format);
  let began = false;
  try {
    if (file !== null) await writeIncoming({ file, chunks });
    cancel.check();
    await connection.run('BEGIN TRANSACTION');
    began = true;
    cancel.check();
    if (file !== null) {
      const reader = request.format === 'csv' ? 'read_csv' : 'read_parquet';
      await connection.run(`CREATE TABLE ${quoteIdentifier(staging)} AS SELECT * FROM ${reader}(${quoteString(file)})`);
    } else {
      await appendArrow({ connection, staging, chunks, request });
    }
    cancel.check();
    const counted = await connection.runAndReadAll(`SELECT count(*) FROM ${quoteIdentifier(staging)}`);
    const rows = Number(counted.getRows()[0]?.[0] ?? 0);
    cancel.check();
    if (exists) await connection.run(`DROP TABLE ${quoteIdentifier(table)}`);
    await connection.run(`ALTER TABLE ${quoteIdentifier(staging)} RENAME TO ${quoteIdentifier(table)}`);
    cancel.check();
    await connection.run('COMMIT');
    began = false;
    cancel.passPointOfNoReturn();
    request.onProgress?.({ bytes: chunks.bytes, rows });
    return { table, rows };
  } catch (err) {
    const cancelled = cancel.requested;
    // ROLLBACK must run to its end.
    cancel.stop();
    if (began) await bestEffort(connection.run('ROLLBACK'));
    throw cancelled ? loadCancelled() : loadFailure(err, request);
  } finally {
    cancel.stop();
    if (file !== null) await rm(file, { force: true });
  }
}
