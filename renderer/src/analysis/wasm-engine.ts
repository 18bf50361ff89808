// The in-memory local engine: the LocalEngine seam (src/common/local-engine.ts) over DuckDB-wasm, written once
// against a small connection interface (./wasm-connection.ts) so the same code runs in the window's worker and,
// for the local-engine test suite, in Node. Nothing persists and nothing can spill: for projects whose data must
// never touch this computer's disk. The SQL it shares with the native engine lives in src/common.
import { RecordBatch, RecordBatchReader, Schema, Table, tableToIPC } from 'apache-arrow';
import { bestEffort } from '../../../src/common/detached.ts';
import { Serial, type Turn } from '../../../src/common/serial.ts';
import { describeIssues, EnclaveError } from '../../../src/common/errors.ts';
import {
  PAGE_TOTAL_ROWS_KEY,
  PageRequestSchema,
  type ColumnSummary,
  type Filter,
  type LocalEngine,
  type LocalTable,
  type PageRequest,
  type RunResult,
} from '../../../src/common/local-engine.ts';
import {
  countQuery,
  dropStatement,
  groupColumns,
  LEFT_AFTER_CLEAR_SQL,
  pageQuery,
  RESULT_TABLE_PREFIX,
  resultTable,
  summaryQuery,
  TABLE_COLUMNS_SQL,
  USER_OBJECTS_SQL,
  type PageQuery,
} from '../../../src/common/local-pages.ts';
import { checkedTableName, CUT_SHORT, LoadStream, NOT_ARROW, SourceFailure, tableExistsError } from '../../../src/common/local-load.ts';
import { engineMessage, isInterruption, loadCancelled, queryCancelled } from '../../../src/common/local-sql.ts';
import { quoteIdentifier } from '../../../src/common/sql-identifiers.ts';
import { describeEngineError } from './sql.ts';
import type { WasmConnection, WasmDatabase } from './wasm-connection.ts';
import { runInWasm, type KeptShape } from './wasm-run.ts';

/** An async source gives a promise of a reader; apache-arrow's typings pick a synchronous overload for it. */
const readerOf = (source: AsyncIterable<Uint8Array>): Promise<RecordBatchReader> =>
  RecordBatchReader.from(source) as unknown as Promise<RecordBatchReader>;

export interface WasmLocalEngine extends LocalEngine {
  readonly mode: 'memory';
  /** The whole result of one query as an Arrow table (the current analysis view and charts read results so). */
  queryTable(sql: string, signal?: AbortSignal): Promise<Table>;
}

/**
 * Nothing may be downloaded at run time, and local SQL must not reach files or URLs (egress stays with the
 * platform's airlock). lock_configuration stops a query from turning these back on.
 */
export const WASM_LOCKDOWN = [
  'SET autoload_known_extensions=false',
  'SET autoinstall_known_extensions=false',
  'SET enable_external_access=false',
  'SET lock_configuration=true',
] as const;

const OUT_OF_MEMORY =
  'Local DuckDB ran out of memory (this window can use about 3 GB and cannot spill to disk). ' +
  'Aggregate in SQL (GROUP BY), select fewer columns, or load a smaller sample.';

const outOfMemoryAdvice = (message: string): string | null => (/out of memory/iu.test(message) ? OUT_OF_MEMORY : null);

/** The page's Arrow table with the filtered total in its schema's metadata, as an IPC stream. */
function withTotal(table: Table, total: number): Uint8Array {
  const metadata = new Map(table.schema.metadata);
  metadata.set(PAGE_TOTAL_ROWS_KEY, String(total));
  const schema = new Schema(table.schema.fields, metadata);
  return tableToIPC(
    new Table(
      schema,
      table.batches.map((batch) => new RecordBatch(schema, batch.data)),
    ),
    'stream',
  );
}

function firstNumber(table: Table): number {
  return Number(table.getChildAt(0)?.get(0) ?? 0);
}

function rowsOf<T>(table: Table): T[] {
  return table.toArray().map((row: { toJSON(): T }) => row.toJSON());
}

export async function createWasmLocalEngine(options: { database: WasmDatabase }): Promise<WasmLocalEngine> {
  const { database } = options;
  const admin = await database.connect();
  for (const statement of WASM_LOCKDOWN) await admin.query(statement);
  let user = await database.connect();
  const results = new Map<string, KeptShape & { table: string }>();
  let nextResult = 1;
  let closed = false;
  const queue = new Serial();

  /**
   * One piece of work at a time: DuckDB-wasm has one thread, and a load must not interleave with a query's polls. A
   * cancel while the work waits its turn answers at once, and the work never runs.
   */
  function serial<T>(work: () => Promise<T>, turn?: Turn): Promise<T> {
    return queue.run(() => {
      if (closed) throw new EnclaveError('unavailable', 'Local DuckDB in this window was stopped.');
      return work();
    }, turn);
  }

  async function exists(table: string): Promise<boolean> {
    const found = await admin.queryWith(
      `SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = $1`,
      [table],
    );
    return firstNumber(found) > 0;
  }

  /**
   * Decodes the stream here and inserts it record batch by record batch (see WasmConnection.insertArrow): progress
   * in bytes and rows, and a cancel between batches. An empty stream still makes its (empty) table.
   */
  async function loadBatches(options: {
    connection: WasmConnection;
    staging: string;
    request: Parameters<LocalEngine['load']>[0];
  }): Promise<number> {
    const { connection, staging, request } = options;
    const stream = new LoadStream({ chunks: request.chunks, signal: request.signal, onBytes: (bytes) => request.onProgress?.({ bytes }) });
    let reader: RecordBatchReader;
    try {
      reader = await readerOf(stream);
      await reader.open();
    } catch (err) {
      if (err instanceof SourceFailure || err instanceof EnclaveError) throw err;
      throw NOT_ARROW();
    }
    let rows = 0;
    let create = true;
    for await (const batch of reader) {
      if (request.signal?.aborted) throw loadCancelled();
      await connection.insertArrow(tableToIPC(new Table([batch]), 'stream'), { table: staging, create });
      create = false;
      rows += batch.numRows;
      request.onProgress?.({ bytes: stream.bytes, rows });
    }
    if (!stream.endsWithEos) throw CUT_SHORT();
    if (create) await connection.insertArrow(tableToIPC(new Table(reader.schema, []), 'stream'), { table: staging, create });
    return stream.bytes;
  }

  const engine: WasmLocalEngine = {
    mode: 'memory',

    load(request) {
      return serial(
        async () => {
          const table = checkedTableName(request.table);
          if (request.format === 'parquet') {
            throw new EnclaveError(
              'invalid_input',
              "This project's local tables live in this window (DuckDB-wasm), which cannot read Parquet here. Load the data as Arrow instead.",
            );
          }
          if (request.signal?.aborted) throw loadCancelled();
          const replacing = await exists(table);
          if (replacing && !request.replace) throw tableExistsError(table);
          // A connection of its own: a cancelled stream's half-read state goes when it closes, and its transaction
          // keeps the table out of sight until it is complete.
          const connection = await database.connect();
          const staging = `enclave_loading_${nextResult++}`;
          try {
            await connection.query('BEGIN TRANSACTION');
            const bytes = await loadBatches({ connection, staging, request });
            const rows = firstNumber(await connection.query(`SELECT count(*) FROM ${quoteIdentifier(staging)}`));
            if (replacing) await connection.query(`DROP TABLE IF EXISTS ${quoteIdentifier(table)}`);
            await connection.query(`ALTER TABLE ${quoteIdentifier(staging)} RENAME TO ${quoteIdentifier(table)}`);
            await connection.query('COMMIT');
            request.onProgress?.({ bytes, rows });
            return { table, rows };
          } catch (err) {
            await bestEffort(connection.query('ROLLBACK'));
            if (request.signal?.aborted) throw loadCancelled();
            if (err instanceof SourceFailure) throw err.toEnclaveError();
            if (err instanceof EnclaveError) throw err;
            throw new EnclaveError(
              'invalid_input',
              `The table could not be loaded: ${engineMessage(err).split('\n')[0]}. Nothing was changed.`,
            );
          } finally {
            await bestEffort(connection.close());
          }
        },
        { signal: request.signal, cancelled: loadCancelled },
      );
    },

    tables() {
      return serial(async () => {
        const rows = rowsOf<{ table: string; name: string; type: string }>(await admin.query(TABLE_COLUMNS_SQL));
        const tables: LocalTable[] = [];
        for (const [name, columns] of groupColumns(rows)) {
          tables.push({ name, rows: firstNumber(await admin.query(`SELECT count(*) FROM main.${quoteIdentifier(name)}`)), columns });
        }
        return tables;
      });
    },

    async describe(table) {
      const found = (await engine.tables()).find((each) => each.name === table);
      if (found === undefined) throw new EnclaveError('not_found', `There is no local table named ${table} in this window.`);
      return found;
    },

    run(request) {
      return serial(
        async (): Promise<RunResult> => {
          const started = performance.now();
          const table = `${RESULT_TABLE_PREFIX}${nextResult++}`;
          const outcome = await runInWasm({
            connection: user,
            sql: request.sql,
            signal: request.signal,
            resultTable: table,
            outOfMemoryAdvice,
          });
          const resultId = outcome.kept === null ? null : `result-${table.slice(RESULT_TABLE_PREFIX.length)}`;
          if (resultId !== null && outcome.kept !== null) results.set(resultId, { table, ...outcome.kept });
          return {
            resultId,
            columns: outcome.kept?.columns ?? [],
            rowCount: outcome.kept?.rowCount ?? 0,
            statement: outcome.statement,
            message: outcome.message,
            durationMs: performance.now() - started,
          };
        },
        { signal: request.signal, cancelled: queryCancelled },
      );
    },

    page(request: PageRequest & { signal?: AbortSignal }) {
      const parsed = PageRequestSchema.safeParse(request);
      if (!parsed.success)
        return Promise.reject(new EnclaveError('invalid_input', `That page request is not valid: ${describeIssues(parsed.error)}`));
      const page = parsed.data;
      return serial(
        async () => {
          const result = kept(page.resultId);
          const total =
            page.filters.length === 0
              ? result.rowCount
              : firstNumber(
                  await read(countQuery({ table: result.table, columns: result.columns, filters: page.filters }), request.signal),
                );
          return withTotal(await read(pageQuery({ table: result.table, columns: result.columns, ...page }), request.signal), total);
        },
        { signal: request.signal, cancelled: queryCancelled },
      );
    },

    summarise(request: { resultId: string; column: string; filters?: Filter[]; signal?: AbortSignal }) {
      return serial(
        async (): Promise<ColumnSummary> => {
          const result = kept(request.resultId);
          const ask = { table: result.table, columns: result.columns, column: request.column, filters: request.filters ?? [] };
          const answer = await read(summaryQuery({ ...ask, extremes: true }), request.signal).catch((err: unknown) => {
            // A type DuckDB cannot order (min/max) still gets its counts; any other complaint comes back the same.
            if (err instanceof EnclaveError && err.code === 'invalid_input')
              return read(summaryQuery({ ...ask, extremes: false }), request.signal);
            throw err;
          });
          const [row] = rowsOf<{ rows: bigint; present: bigint; distinct: bigint; min: string | null; max: string | null }>(answer);
          return {
            column: request.column,
            rows: Number(row?.rows ?? 0),
            nulls: Number(row?.rows ?? 0) - Number(row?.present ?? 0),
            distinct: Number(row?.distinct ?? 0),
            min: row?.min ?? null,
            max: row?.max ?? null,
          };
        },
        { signal: request.signal, cancelled: queryCancelled },
      );
    },

    release(resultId) {
      if (closed) return Promise.resolve();
      return serial(async () => {
        const result = results.get(resultId);
        if (result === undefined) return;
        results.delete(resultId);
        await bestEffort(user.query(`DROP TABLE IF EXISTS ${resultTable(result.table)}`));
      });
    },

    async drop(table) {
      await engine.describe(table);
      await serial(() => admin.query(`DROP TABLE IF EXISTS main.${quoteIdentifier(table)}`));
    },

    clear() {
      return serial(async () => {
        // Temporary objects (kept results, the analyst's own) belong to the connection: a fresh one has none.
        results.clear();
        const old = user;
        await bestEffort(old.close());
        user = await database.connect();
        const objects = rowsOf<{ kind: string; name: string }>(await admin.query(USER_OBJECTS_SQL));
        for (const object of objects) await bestEffort(admin.query(dropStatement(object)));
        const left = rowsOf<{ name: string }>(await admin.query(LEFT_AFTER_CLEAR_SQL));
        if (left.length > 0) {
          throw new EnclaveError(
            'internal',
            `Local DuckDB could not drop ${left.map((row) => row.name).join(', ')}. Close Enclave to be sure they are gone.`,
          );
        }
        return { tables: objects.filter((object) => object.kind === 'table').length };
      });
    },

    async close() {
      if (closed) return;
      await serial(async () => {
        closed = true;
        results.clear();
        await bestEffort(user.close());
        await bestEffort(admin.close());
      });
    },

    queryTable(sql, signal) {
      return serial(async () => {
        try {
          return await user.query(sql, signal);
        } catch (err) {
          if (err instanceof EnclaveError) throw err;
          if (signal?.aborted || isInterruption(err)) throw queryCancelled();
          throw new EnclaveError('invalid_input', describeEngineError(err));
        }
      });
    },
  };

  function kept(resultId: string): KeptShape & { table: string } {
    const result = results.get(resultId);
    if (result === undefined) throw new EnclaveError('not_found', 'That result is no longer available. Run the query again.');
    return result;
  }

  /** A read of a kept result; DuckDB's complaints (a filter value not of the column's type) are the analyst's. */
  async function read(query: PageQuery, signal: AbortSignal | undefined): Promise<Table> {
    if (signal?.aborted) throw queryCancelled();
    try {
      return await user.queryWith(query.sql, query.params);
    } catch (err) {
      const message = engineMessage(err);
      if (/does not exist/iu.test(message)) throw new EnclaveError('not_found', 'That result is no longer available. Run the query again.');
      throw new EnclaveError('invalid_input', message.split(/\n+LINE \d+: /u)[0]);
    }
  }

  return engine;
}
