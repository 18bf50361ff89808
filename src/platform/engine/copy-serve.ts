// Serves one project's minimised copy: its own DuckDB instance on the copy's file, opened read-only, with nothing
// else attached, no file access but the answers folder, no extensions and its configuration locked. A query runs on a
// connection of its own, wrapped only to cap its rows; the wrapper is parsed again and must hold exactly the checked
// statement (so no text of the analyst's can change what the wrapper means). The whole answer is written to a file
// (Parquet by DuckDB, or Arrow IPC record batches built here) before a byte leaves, so an answer is whole or absent.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { DuckDBInstance, DuckDBTypeId, type DuckDBConnection, type DuckDBResult } from '@duckdb/node-api';
import { RecordBatchStreamWriter } from 'apache-arrow';
import { EnclaveError } from '../../common/errors.ts';
import type { RowsFormat } from '../../common/platform-api.ts';
import { quoteIdentifier, quoteString } from '../../common/sql-identifiers.ts';
import { arrowCastFor, columnBuilderFor, toRecordBatch } from './arrow-columns.ts';
import type { CopyAnswer, CopyQuery, EngineColumn, EngineDataset, ProjectCopy } from './data-engine.ts';
import { writeThenStream } from './exports-folder.ts';

/** Rows per Arrow record batch: large enough to load fast, small enough that a batch is a few megabytes. */
const ARROW_BATCH_ROWS = 64 * 1024;
/** What the wrapper puts before the analyst's text: positions in the wrapper less this are positions in their text. */
const WRAPPER_PREFIX = 'SELECT * FROM (\n';

/** An engine error in the analyst's query: the engine's message, for the caller to sanitise; never sent as it is. */
export class EngineQueryError extends Error {
  readonly engineMessage: string;
  /** The wrapper's text, which DuckDB's LINE/caret and positions refer to. */
  readonly wrappedSql: string;
  constructor(engineMessage: string, wrappedSql: string) {
    super('The engine refused the query.');
    this.name = 'EngineQueryError';
    this.engineMessage = engineMessage;
    this.wrappedSql = wrappedSql;
  }
}

export const QUERY_WRAPPER_PREFIX_CHARS = WRAPPER_PREFIX.length;

export interface ServedCopy extends ProjectCopy {
  /** Waits for the queries under way, then releases the instance. */
  close(): Promise<void>;
  /** Interrupts the queries under way, then releases the instance. */
  stop(): Promise<void>;
}

function parquetCastFor(typeId: DuckDBTypeId): 'DECIMAL(38,0)' | 'keep' {
  return typeId === DuckDBTypeId.HUGEINT || typeId === DuckDBTypeId.UHUGEINT ? 'DECIMAL(38,0)' : 'keep';
}

/** A parse without its character offsets, so the same statement at another place in a text compares equal. */
function withoutLocations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLocations);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'query_location')
        .map(([key, item]) => [key, withoutLocations(item)]),
    );
  }
  return value;
}

function sameStatement(checked: string, wrapped: string): boolean {
  try {
    const inner = (JSON.parse(wrapped) as { statements?: Array<{ node?: { from_table?: { subquery?: { node?: unknown } } } }> })
      .statements?.[0]?.node?.from_table?.subquery?.node;
    const outer = (JSON.parse(checked) as { statements?: Array<{ node?: unknown }> }).statements?.[0]?.node;
    return (
      inner !== undefined && outer !== undefined && JSON.stringify(withoutLocations(inner)) === JSON.stringify(withoutLocations(outer))
    );
  } catch {
    return false;
  }
}

async function describeRelations(connection: DuckDBConnection): Promise<EngineDataset[]> {
  const tables = await connection.runAndReadAll(
    `SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' ORDER BY table_name`,
  );
  const relations: EngineDataset[] = [];
  for (const [name] of tables.getRows()) {
    const table = String(name);
    const shape = await connection.runAndReadAll(`SELECT * FROM main.${quoteIdentifier(table)} LIMIT 0`);
    const columns: EngineColumn[] = shape
      .columnNames()
      .map((column, i) => ({ name: column, type: shape.columnType(i).toString().toUpperCase() }));
    const [count] = (await connection.runAndReadAll(`SELECT count(*) FROM main.${quoteIdentifier(table)}`)).getRows();
    relations.push({ id: table, rowCount: Number(count?.[0] ?? 0), columns });
  }
  return relations;
}

/** Writes a streaming result as Arrow IPC record batches; stops past `rowCap` rows. Returns the rows written. */
async function writeArrow(options: {
  result: DuckDBResult;
  names: readonly string[];
  target: string;
  rowCap: number;
  signal?: AbortSignal;
}): Promise<number> {
  const { result, names, rowCap } = options;
  const writer = new RecordBatchStreamWriter();
  const file = createWriteStream(options.target, { flags: 'r+' });
  const drained = (async () => {
    for await (const chunk of writer) {
      if (!file.write(chunk)) await once(file, 'drain');
    }
  })();
  let rows = 0;
  const builders = () =>
    names.map((name, i) => ({
      name,
      builder: columnBuilderFor({ typeId: result.columnTypeId(i), typeName: result.columnType(i).toString(), index: i, dictionary: false }),
    }));
  let batch = builders();
  let inBatch = 0;
  let wroteOne = false;
  try {
    for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      if (options.signal?.aborted) throw new EnclaveError('cancelled', 'The query was cancelled.');
      rows += chunk.rowCount;
      if (rows > rowCap) break;
      batch.forEach((column, i) => column.builder.append(chunk.getColumnVector(i), chunk.rowCount));
      inBatch += chunk.rowCount;
      if (inBatch >= ARROW_BATCH_ROWS) {
        writer.write(toRecordBatch(batch));
        wroteOne = true;
        batch = builders();
        inBatch = 0;
      }
    }
    // An empty answer still says its columns: one empty batch carries the schema.
    if (inBatch > 0 || !wroteOne) writer.write(toRecordBatch(batch));
  } finally {
    writer.finish();
    writer.close();
    await drained;
    file.end();
    await once(file, 'close');
  }
  return rows;
}

export async function openServedCopy(options: {
  path: string;
  projectId: string;
  version: string;
  /** Where answers are written (the only folder the instance may touch). */
  exportsFolder: string;
  /** Where a large query may spill. */
  tempDir: string;
  /** DuckDB's memory_limit for this copy's queries, e.g. '4GB'; DuckDB's default when absent. */
  memoryLimit?: string;
  /** The longest a query may run. */
  timeoutMs: number;
  /** Per relation, the columns that order its samples first. */
  sampleOrders: ReadonlyMap<string, readonly string[]>;
}): Promise<ServedCopy> {
  const instance = await DuckDBInstance.create(options.path, { access_mode: 'READ_ONLY' });
  let relations: EngineDataset[];
  try {
    const setup = await instance.connect();
    try {
      await setup.run(`SET temp_directory=${quoteString(options.tempDir)}`);
      if (options.memoryLimit !== undefined) await setup.run(`SET memory_limit=${quoteString(options.memoryLimit)}`);
      await setup.run('SET autoinstall_known_extensions=false');
      await setup.run('SET autoload_known_extensions=false');
      await setup.run(`SET allowed_directories=[${quoteString(`${options.exportsFolder}/`)}]`);
      await setup.run('SET enable_external_access=false');
      await setup.run('SET lock_configuration=true');
      relations = await describeRelations(setup);
    } finally {
      setup.closeSync();
    }
  } catch (err) {
    instance.closeSync();
    throw err;
  }

  const running = new Map<DuckDBConnection, Promise<void>>();
  let closed = false;

  /** Runs `work` on a connection of its own, interrupted by the signal, the time limit, or stop(). */
  async function onConnection<T>(signal: AbortSignal | undefined, work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    if (closed) throw new EnclaveError('unavailable', "The project's minimised copy is being replaced. Try again.");
    if (signal?.aborted) throw new EnclaveError('cancelled', 'The query was cancelled.');
    const connection = await instance.connect();
    let timedOut = false;
    const onAbort = (): void => connection.interrupt();
    const timer = setTimeout(() => {
      timedOut = true;
      connection.interrupt();
    }, options.timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    let finished!: () => void;
    running.set(connection, new Promise<void>((resolve) => (finished = resolve)));
    try {
      return await work(connection);
    } catch (err) {
      if (signal?.aborted) throw new EnclaveError('cancelled', 'The query was cancelled.');
      if (timedOut) {
        throw new EnclaveError(
          'invalid_input',
          `The query ran longer than the platform allows (${Math.round(options.timeoutMs / 1000)} seconds) and was stopped. Filter or aggregate more on the platform.`,
        );
      }
      throw err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      connection.closeSync();
      running.delete(connection);
      finished();
    }
  }

  async function parse(connection: DuckDBConnection, sql: string): Promise<string> {
    const [row] = (await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [sql])).getRows();
    return String(row?.[0] ?? '');
  }

  /** Prepares `select` to learn its columns, then writes its rows; errors in the analyst's SQL keep the engine's words. */
  async function answer(request: {
    connection: DuckDBConnection;
    select: string;
    format: RowsFormat;
    rowCap: number;
    /** 'refuse': more than rowCap rows is an error (a query); 'cut': the first rowCap rows are the answer (a sample). */
    overCap: 'refuse' | 'cut';
    signal?: AbortSignal;
    engineErrors: boolean;
  }): Promise<CopyAnswer> {
    const { connection, select, format, rowCap } = request;
    const limit = request.overCap === 'refuse' ? rowCap + 1 : rowCap;
    let prepared;
    try {
      prepared = await connection.prepare(select);
    } catch (err) {
      if (request.engineErrors) throw new EngineQueryError(err instanceof Error ? err.message : String(err), select);
      throw err;
    }
    const names = Array.from({ length: prepared.columnCount }, (_unused, i) => prepared.columnName(i));
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name.toLowerCase())) {
        throw new EnclaveError('invalid_input', `Two columns of the result are named ${name}: give each its own name (… AS another_name).`);
      }
      seen.add(name.toLowerCase());
    }
    // Arrow carries plain values only: wide numbers become DOUBLE, timestamps TIMESTAMP, times and intervals text.
    // Parquet has no 128-bit integer (DuckDB would write a DOUBLE): a sum() of integers goes as DECIMAL(38,0), exact,
    // and a value past 38 digits fails the query rather than arrive rounded.
    const casts = names.map((name, i) => {
      const cast = format === 'arrow' ? arrowCastFor(prepared.columnTypeId(i)) : parquetCastFor(prepared.columnTypeId(i));
      if (cast === undefined) {
        throw new EnclaveError(
          'invalid_input',
          `The result's column ${name} is a ${prepared.columnType(i).toString()}, which the in-memory engine does not take: turn it into plain values (e.g. CAST(… AS VARCHAR), or unnest it).`,
        );
      }
      return cast === 'keep' ? quoteIdentifier(name) : `CAST(${quoteIdentifier(name)} AS ${cast}) AS ${quoteIdentifier(name)}`;
    });
    const outer = `SELECT ${casts.join(', ')} FROM (${select}) AS enclave_answer`;
    const tooMany = (): EnclaveError =>
      new EnclaveError(
        'invalid_input',
        `The result has more than ${rowCap.toLocaleString('en-GB')} rows, the most this project's agreement allows in one answer. Filter or aggregate on the platform.`,
      );
    const { file, written: rows } = await writeThenStream({
      folder: options.exportsFolder,
      fileName: format === 'parquet' ? 'answer.parquet' : 'answer.arrows',
      write: async (target) => {
        try {
          if (format === 'parquet') {
            // USE_TMP_FILE false: DuckDB writes into the private file made for it rather than a new one.
            const copied = await connection.runAndReadAll(
              `COPY (${outer} LIMIT ${limit}) TO ${quoteString(target)} (FORMAT parquet, USE_TMP_FILE false)`,
            );
            const count = Number(copied.getRows()[0]?.[0] ?? 0);
            if (count > rowCap) throw tooMany();
            return count;
          }
          const result = await connection.stream(`${outer} LIMIT ${limit}`);
          const count = await writeArrow({ result, names, target, rowCap, signal: request.signal });
          if (count > rowCap) throw tooMany();
          return count;
        } catch (err) {
          if (err instanceof EnclaveError || !request.engineErrors || request.signal?.aborted) throw err;
          throw new EngineQueryError(err instanceof Error ? err.message : String(err), select);
        }
      },
    });
    return { ...file, format, rows };
  }

  return {
    projectId: options.projectId,
    version: options.version,
    relations,

    parse: (sql) => onConnection(undefined, (connection) => parse(connection, sql)),

    query: (request: CopyQuery) =>
      onConnection(request.signal, async (connection) => {
        // Trailing semicolons end a statement; inside the wrapper they would not parse.
        const sql = request.sql.replace(/[\s;]+$/, '');
        const wrapped = `${WRAPPER_PREFIX}${sql}\n) AS enclave_result`;
        if (!sameStatement(request.parsed, await parse(connection, wrapped))) {
          throw new EnclaveError(
            'invalid_input',
            'The query could not be run as it was checked. Write it as one SELECT, without a comment or semicolon at its end.',
          );
        }
        return answer({
          connection,
          select: wrapped,
          format: request.format,
          rowCap: request.rowCap,
          overCap: 'refuse',
          signal: request.signal,
          engineErrors: true,
        });
      }),

    sample: (request) =>
      onConnection(request.signal, async (connection) => {
        const relation = relations.find((candidate) => candidate.id === request.relation);
        if (relation === undefined) throw new EnclaveError('not_found', 'This project has no such dataset.');
        // Ordered by treated values only (the copy holds nothing else): the spec's order, then every other column.
        const first = (options.sampleOrders.get(relation.id) ?? []).filter((name) =>
          relation.columns.some((column) => column.name === name),
        );
        const rest = relation.columns.map((column) => column.name).filter((name) => !first.includes(name));
        const order = [...first, ...rest].map((name) => quoteIdentifier(name));
        const select = `SELECT * FROM main.${quoteIdentifier(relation.id)} ORDER BY ${order.join(', ')}`;
        return answer({
          connection,
          select,
          format: request.format,
          rowCap: request.limit,
          overCap: 'cut',
          signal: request.signal,
          engineErrors: false,
        });
      }),

    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...running.values()]);
      instance.closeSync();
    },

    async stop() {
      if (closed && running.size === 0) return;
      closed = true;
      for (const connection of running.keys()) connection.interrupt();
      await Promise.allSettled([...running.values()]);
      instance.closeSync();
    },
  };
}
