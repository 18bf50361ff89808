// A local result written as a file by the native engine itself, for the project's drive (issue 17): CSV and Parquet by
// DuckDB's COPY into the engine's own incoming/ folder (the only folder it may write: allowed_directories), Arrow IPC
// (the file format) built here from the result's pages. The caller moves the finished file into the drive's local
// folder and removes it; a failed or cancelled export leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { RecordBatch, RecordBatchFileWriter, RecordBatchReader, Schema } from 'apache-arrow';
import { bestEffort } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { LocalColumn } from '../../common/local-engine.ts';
import { pageQuery, resultColumnsQuery, resultTable } from '../../common/local-pages.ts';
import { engineMessage, isInterruption, queryCancelled } from '../../common/local-sql.ts';
import { quoteIdentifier, quoteString } from '../../common/sql-identifiers.ts';
import { pageToArrow } from './page-arrow.ts';
import { stickyCancel } from './sticky-cancel.ts';
import type { WorkspaceFolder } from './workspace-folder.ts';

export type ExportFormat = 'csv' | 'parquet' | 'arrow';

/** What is written: a kept result (its temporary table) or one of the project's tables. */
export type ExportSource =
  | { readonly kind: 'result'; readonly table: string; readonly columns: readonly LocalColumn[]; readonly rowCount: number }
  | { readonly kind: 'table'; readonly name: string };

export interface ExportedFile {
  /** In the engine's incoming/ folder, 0600: the caller moves it on, and removes it in any case. */
  readonly file: string;
  readonly rows: number;
  readonly bytes: number;
}

/** Rows per Arrow record batch: a page's size, so each batch is built like a page the grid reads. */
const ARROW_BATCH_ROWS = 5_000;

const COPY_OPTIONS: Readonly<Record<'csv' | 'parquet', string>> = {
  csv: '(FORMAT csv, HEADER true)',
  parquet: '(FORMAT parquet)',
};

function exportFailure(err: unknown): EnclaveError {
  if (err instanceof EnclaveError) return err;
  // DuckDB's words about the analyst's own data; the engine's folder is left out.
  return new EnclaveError('invalid_input', `The result could not be written: ${engineMessage(err).replace(/"\/[^"]*"/gu, 'the file')}.`);
}

/** The source as a relation to read from, on the connection that holds it (a kept result is that connection's). */
function relationOf(source: ExportSource): string {
  return source.kind === 'result' ? resultTable(source.table) : `main.${quoteIdentifier(source.name)}`;
}

async function countRows(connection: DuckDBConnection, source: ExportSource): Promise<number> {
  if (source.kind === 'result') return source.rowCount;
  const counted = await connection.runAndReadAll(`SELECT count(*) FROM ${relationOf(source)}`);
  return Number(counted.getRows()[0]?.[0] ?? 0);
}

/** The result's pages, each one record batch (without the page's own metadata), into an Arrow IPC file. */
async function writeArrow(options: {
  connection: DuckDBConnection;
  table: string;
  file: string;
  rows: number;
  check: () => void;
  onRows: (rows: number) => void;
}): Promise<void> {
  const { connection, table, file, rows, check } = options;
  const columns = (await connection.runAndReadAll(resultColumnsQuery(table))).getRowObjectsJS() as unknown as LocalColumn[];
  const writer = new RecordBatchFileWriter();
  const written = pipeline(writer.toNodeStream(), createWriteStream(file, { flags: 'wx', mode: 0o600 }));
  try {
    let schema: Schema | null = null;
    for (let offset = 0; offset < rows || (offset === 0 && schema === null); offset += ARROW_BATCH_ROWS) {
      check();
      const query = pageQuery({ table, columns, offset, limit: ARROW_BATCH_ROWS, sort: [], filters: [] });
      const page = await connection.run(query.sql, query.params);
      check();
      const reader = RecordBatchReader.from(pageToArrow(page, rows));
      for (const batch of reader) {
        schema ??= new Schema(batch.schema.fields);
        writer.write(new RecordBatch(schema, batch.data));
      }
      options.onRows(Math.min(rows, offset + ARROW_BATCH_ROWS));
      if (rows === 0) break;
    }
  } finally {
    writer.finish();
    await written;
  }
}

/**
 * Writes `source` as `format` into the engine's incoming/ folder. The connection must hold the source (a kept result
 * is a temporary table of the analyst's connection) and be used by nothing else meanwhile (the engine queues it).
 */
export async function exportToFile(options: {
  connection: DuckDBConnection;
  folder: WorkspaceFolder;
  source: ExportSource;
  format: ExportFormat;
  signal?: AbortSignal;
  onRows?: (rows: number) => void;
}): Promise<ExportedFile> {
  const { connection, folder, source, format } = options;
  const file = path.join(folder.incoming, `save-${randomBytes(12).toString('hex')}.${format}`);
  const cancel = stickyCancel({ connection, signal: options.signal, cancelled: queryCancelled });
  let exportTable: string | null = null;
  try {
    cancel.check();
    const rows = await countRows(connection, source);
    cancel.check();
    if (format === 'arrow') {
      // Pages are read from a kept result: a table is copied into one first (dropped below).
      let table = source.kind === 'result' ? source.table : null;
      if (table === null) {
        exportTable = `enclave_export_${randomBytes(8).toString('hex')}`;
        await connection.run(`CREATE TEMP TABLE ${resultTable(exportTable)} AS SELECT * FROM ${relationOf(source)}`);
        table = exportTable;
      }
      cancel.check();
      await writeArrow({ connection, table, file, rows, check: () => cancel.check(), onRows: (done) => options.onRows?.(done) });
    } else {
      await connection.run(`COPY (SELECT * FROM ${relationOf(source)}) TO ${quoteString(file)} ${COPY_OPTIONS[format]}`);
      options.onRows?.(rows);
    }
    cancel.check();
    const { size } = await stat(file);
    return { file, rows, bytes: size };
  } catch (err) {
    const cancelled = cancel.requested || isInterruption(err);
    cancel.stop();
    await rm(file, { force: true });
    throw cancelled ? queryCancelled() : exportFailure(err);
  } finally {
    cancel.stop();
    if (exportTable !== null) await bestEffort(connection.run(`DROP TABLE IF EXISTS ${resultTable(exportTable)}`));
  }
}
