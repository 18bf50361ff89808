// The analyst's local engine on disk: native DuckDB (@duckdb/node-api) in the workstation core, one database file
// per user and project in the folder the caller gives, all of the machine's cores, a memory limit with spilling to
// the workspace's own tmp/, and locked down for the analyst's SQL exactly like the platform's engine (FACTS.md,
// "Native DuckDB as the analyst's local engine"). It implements the LocalEngine seam (src/common/local-engine.ts).
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { DuckDBInstance, type DuckDBConnection, type DuckDBMaterializedResult } from '@duckdb/node-api';
import { bestEffort, handledElsewhere } from '../../common/detached.ts';
import { describeIssues, EnclaveError } from '../../common/errors.ts';
import {
  PageRequestSchema,
  type ColumnSummary,
  type Filter,
  type LocalColumn,
  type LocalEngine,
  type LocalTable,
  type PageRequest,
  type RunResult,
} from '../../common/local-engine.ts';
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
} from '../../common/local-pages.ts';
import { engineMessage, isInterruption, loadCancelled, queryCancelled } from '../../common/local-sql.ts';
import { quoteIdentifier, quoteString } from '../../common/sql-identifiers.ts';
import { exportToFile, type ExportedFile, type ExportFormat } from './native-export.ts';
import { loadTable, type NativeLoadRequest } from './native-load.ts';
import { runAnalystSql } from './native-run.ts';
import { pageToArrow } from './page-arrow.ts';
import { Serial } from '../../common/serial.ts';
import { stickyCancel } from './sticky-cancel.ts';
import { DATABASE_FILE, prepareWorkspaceFolder, tidyWorkspaceFolder, type WorkspaceFolder } from './workspace-folder.ts';

export interface NativeEngineOptions {
  /** The project's workspace folder for this user (created 0700 if missing). */
  readonly dir: string;
  /** Default: the machine's cores. */
  readonly threads?: number;
  /** Default: half the memory this process may use. DuckDB spills to the workspace's tmp/ beyond it. */
  readonly memoryLimitBytes?: number;
  /** How long close() waits for work that does not stop when interrupted; default CLOSE_WAIT_MS. */
  readonly closeWaitMs?: number;
}

/**
 * A few of DuckDB's functions do not look at the interrupt while they compute one value (levenshtein of two long
 * texts ran 35 s after its cancel). close() waits this long for them, then answers, and the engine closes once the
 * work ends: a sign-out, a lock or the app's exit is never held up by it.
 */
export const CLOSE_WAIT_MS = 3_000;

export interface NativeEngine extends LocalEngine {
  readonly dir: string;
  readonly threads: number;
  readonly memoryLimitBytes: number;
  /** As LocalEngine's, and CSV too (a drive file, read by DuckDB from a private copy in incoming/). */
  load(request: NativeLoadRequest): Promise<{ table: string; rows: number }>;
  /**
   * Writes a kept result or a local table as a CSV, Parquet or Arrow file in the engine's own incoming/ folder (the
   * only one it may write), for the project's drive. The caller moves the file on and removes it in any case.
   */
  exportFile(request: {
    source: { resultId: string } | { table: string };
    format: ExportFormat;
    signal?: AbortSignal;
    onRows?: (rows: number) => void;
  }): Promise<ExportedFile>;
}

/** Whether a project's engine is the native one (which writes and reads drive files itself). */
export function isNativeEngine(engine: LocalEngine): engine is NativeEngine {
  return engine instanceof DuckDbWorkspace;
}

/** Half the machine's memory, or of the process's cgroup limit when that is lower. */
export function defaultMemoryLimitBytes(): number {
  const constrained = process.constrainedMemory();
  const available = constrained > 0 ? Math.min(constrained, os.totalmem()) : os.totalmem();
  return Math.floor(available / 2);
}

interface KeptResult {
  readonly table: string;
  readonly columns: LocalColumn[];
  readonly rowCount: number;
}

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/**
 * Locks the configuration once, before any analyst SQL: no extension is installed or loaded, no file outside the
 * engine's own incoming/ folder is read or written, and nothing can be set back. Checked afterwards, so an engine
 * that is not locked down never opens.
 */
async function lockDown(instance: DuckDBInstance, folder: WorkspaceFolder): Promise<void> {
  const setup = await instance.connect();
  try {
    // TIMESTAMPTZ shows as UTC, as DuckDB-wasm shows it, whatever this machine's zone.
    await setup.run("SET GLOBAL TimeZone = 'UTC'");
    await setup.run(`SET allowed_directories = [${quoteString(`${folder.incoming}/`)}]`);
    await setup.run('SET autoinstall_known_extensions = false');
    await setup.run('SET autoload_known_extensions = false');
    await setup.run('SET enable_external_access = false');
    await setup.run('SET lock_configuration = true');
    const [row] = (
      await setup.runAndReadAll(
        "SELECT current_setting('enable_external_access'), current_setting('lock_configuration'), current_setting('autoload_known_extensions')",
      )
    ).getRows();
    if (row?.[0] !== false || row[1] !== true || row[2] !== false) {
      throw new EnclaveError('internal', 'Local DuckDB could not be locked down, so it was not opened.');
    }
  } finally {
    setup.closeSync();
  }
}

async function createInstance(folder: WorkspaceFolder, settings: { threads: number; memoryLimitBytes: number }): Promise<DuckDBInstance> {
  try {
    return await DuckDBInstance.create(folder.database, {
      threads: String(settings.threads),
      memory_limit: `${Math.max(64, Math.floor(settings.memoryLimitBytes / 2 ** 20))}MiB`,
      temp_directory: folder.tmp,
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
  } catch (err) {
    const message = engineMessage(err);
    if (/lock/iu.test(message)) throw alreadyOpen();
    throw new EnclaveError(
      'unavailable',
      `This project's local workspace could not be opened: ${message.replace(/"\/[^"]*"/gu, 'its database file')}`,
    );
  }
}

/**
 * Databases open in this process. Another process is kept out by DuckDB's file lock, but POSIX locks do not stop
 * the process that holds them: a second instance here would write the same file beside the first and corrupt it.
 */
const openDatabases = new Set<string>();

const alreadyOpen = (): EnclaveError =>
  new EnclaveError('unavailable', "This project's local workspace is already open in another Enclave window or process.");

/** Databases whose engine was closed while a statement that does not stop was still running: closed when it ends. */
const stillClosing = new Set<string>();

const stillFinishing = (): EnclaveError =>
  new EnclaveError(
    'unavailable',
    "This project's local workspace is still finishing a query that could not be stopped at once. Try again in a moment.",
  );

export async function openNativeEngine(options: NativeEngineOptions): Promise<NativeEngine> {
  const database = path.join(path.resolve(options.dir), DATABASE_FILE);
  if (stillClosing.has(database)) throw stillFinishing();
  if (openDatabases.has(database)) throw alreadyOpen();
  openDatabases.add(database);
  try {
    return await openWorkspace(options);
  } catch (err) {
    openDatabases.delete(database);
    throw err;
  }
}

async function openWorkspace(options: NativeEngineOptions): Promise<NativeEngine> {
  const folder = await prepareWorkspaceFolder(options.dir);
  const threads = options.threads ?? os.availableParallelism();
  const memoryLimitBytes = options.memoryLimitBytes ?? defaultMemoryLimitBytes();
  const instance = await createInstance(folder, { threads, memoryLimitBytes });
  try {
    await lockDown(instance, folder);
    const engine = new DuckDbWorkspace({
      instance,
      folder,
      threads,
      memoryLimitBytes,
      closeWaitMs: options.closeWaitMs ?? CLOSE_WAIT_MS,
      connections: { analyst: await instance.connect(), loader: await instance.connect(), catalog: await instance.connect() },
    });
    await tidyWorkspaceFolder(folder);
    return engine;
  } catch (err) {
    instance.closeSync();
    throw err;
  }
}

class DuckDbWorkspace implements NativeEngine {
  readonly mode = 'disk' as const;
  readonly dir: string;
  readonly threads: number;
  readonly memoryLimitBytes: number;
  private readonly instance: DuckDBInstance;
  private readonly folder: WorkspaceFolder;
  private analyst: DuckDBConnection;
  private readonly loader: DuckDBConnection;
  private readonly catalog: DuckDBConnection;
  /** Runs, pages, summaries and releases: they share the analyst's connection, where results live. */
  private readonly analystQueue = new Serial();
  private readonly loaderQueue = new Serial();
  private readonly catalogQueue = new Serial();
  private readonly results = new Map<string, KeptResult>();
  private nextResult = 1;
  private closed = false;
  /** Aborts every run, read and load, queued or under way, when the engine closes. */
  private readonly closing = new AbortController();
  private readonly closeWaitMs: number;

  constructor(options: {
    instance: DuckDBInstance;
    folder: WorkspaceFolder;
    threads: number;
    memoryLimitBytes: number;
    closeWaitMs: number;
    connections: { analyst: DuckDBConnection; loader: DuckDBConnection; catalog: DuckDBConnection };
  }) {
    this.closeWaitMs = options.closeWaitMs;
    this.instance = options.instance;
    this.folder = options.folder;
    this.dir = options.folder.dir;
    this.threads = options.threads;
    this.memoryLimitBytes = options.memoryLimitBytes;
    this.analyst = options.connections.analyst;
    this.loader = options.connections.loader;
    this.catalog = options.connections.catalog;
  }

  private open(): void {
    if (this.closed) throw new EnclaveError('unavailable', "This project's local workspace is closed.");
  }

  /** The caller's signal, joined with the engine's closing: a closing engine stops what runs in it. */
  private signalFor(signal: AbortSignal | undefined): AbortSignal {
    return signal === undefined ? this.closing.signal : AbortSignal.any([signal, this.closing.signal]);
  }

  /**
   * Work on the analyst's connection, in turn, refused once the engine is closing. A cancel while it waits for its
   * turn answers at once; once it runs, the work answers the cancel.
   */
  private onAnalyst<T>(work: (signal: AbortSignal) => Promise<T>, request: { signal?: AbortSignal } = {}): Promise<T> {
    this.open();
    const signal = this.signalFor(request.signal);
    return this.analystQueue.run(
      async () => {
        this.open();
        return work(signal);
      },
      { signal, cancelled: queryCancelled },
    );
  }

  private readonly outOfMemoryAdvice = (message: string): string | null =>
    /out of memory/iu.test(message)
      ? `Local DuckDB reached its memory limit (${gib(this.memoryLimitBytes)}) even after spilling to disk. Aggregate in SQL (GROUP BY), or select fewer columns.`
      : null;

  async load(request: NativeLoadRequest): Promise<{ table: string; rows: number }> {
    this.open();
    const signal = this.signalFor(request.signal);
    return this.loaderQueue.run(
      () => {
        this.open();
        return loadTable({ connection: this.loader, folder: this.folder, request: { ...request, signal } });
      },
      { signal, cancelled: loadCancelled },
    );
  }

  async exportFile(request: Parameters<NativeEngine['exportFile']>[0]): Promise<ExportedFile> {
    // A table is checked first (a clear refusal for one that is not there); a kept result on the analyst's turn.
    if ('table' in request.source) await this.describe(request.source.table);
    const { source } = request;
    return this.onAnalyst(
      (signal) =>
        exportToFile({
          connection: this.analyst,
          folder: this.folder,
          source: 'table' in source ? { kind: 'table', name: source.table } : { kind: 'result', ...this.kept(source.resultId) },
          format: request.format,
          signal,
          onRows: request.onRows,
        }),
      request,
    );
  }

  async tables(): Promise<LocalTable[]> {
    this.open();
    return this.catalogQueue.run(async () => {
      const rows = (await this.catalog.runAndReadAll(TABLE_COLUMNS_SQL)).getRowObjectsJS() as Array<{
        table: string;
        name: string;
        type: string;
      }>;
      const tables: LocalTable[] = [];
      for (const [name, columns] of groupColumns(rows)) {
        const counted = await this.catalog.runAndReadAll(`SELECT count(*) FROM main.${quoteIdentifier(name)}`);
        tables.push({ name, rows: Number(counted.getRows()[0]?.[0] ?? 0), columns });
      }
      return tables;
    });
  }

  async describe(table: string): Promise<LocalTable> {
    const found = (await this.tables()).find((each) => each.name === table);
    if (found === undefined) throw new EnclaveError('not_found', `There is no local table named ${table} in this project.`);
    return found;
  }

  async run(request: { sql: string; signal?: AbortSignal }): Promise<RunResult> {
    return this.onAnalyst(async (signal) => {
      const started = performance.now();
      const table = `${RESULT_TABLE_PREFIX}${this.nextResult++}`;
      const outcome = await runAnalystSql({
        connection: this.analyst,
        sql: request.sql,
        signal,
        resultTable: table,
        outOfMemoryAdvice: this.outOfMemoryAdvice,
      });
      const resultId = outcome.kept === null ? null : `result-${table.slice(RESULT_TABLE_PREFIX.length)}`;
      if (resultId !== null && outcome.kept !== null) this.results.set(resultId, { table, ...outcome.kept });
      return {
        resultId,
        columns: outcome.kept?.columns ?? [],
        rowCount: outcome.kept?.rowCount ?? 0,
        statement: outcome.statement,
        message: outcome.message,
        durationMs: performance.now() - started,
      };
    }, request);
  }

  private kept(resultId: string): KeptResult {
    const result = this.results.get(resultId);
    if (result === undefined) throw new EnclaveError('not_found', 'That result is no longer available. Run the query again.');
    return result;
  }

  /** A read of a kept result on the analyst's connection, interruptible; DuckDB's complaints are the analyst's. */
  private async read(query: PageQuery, signal: AbortSignal): Promise<DuckDBMaterializedResult> {
    const cancel = stickyCancel({ connection: this.analyst, signal, cancelled: queryCancelled });
    try {
      cancel.check();
      const result = await this.analyst.run(query.sql, query.params);
      cancel.check();
      return result;
    } catch (err) {
      if (cancel.requested || isInterruption(err)) throw queryCancelled();
      const message = engineMessage(err);
      if (/does not exist/iu.test(message)) throw new EnclaveError('not_found', 'That result is no longer available. Run the query again.');
      throw new EnclaveError('invalid_input', message.split(/\n+LINE \d+: /u)[0]);
    } finally {
      cancel.stop();
    }
  }

  async page(request: PageRequest & { signal?: AbortSignal }): Promise<Uint8Array> {
    this.open();
    const parsed = PageRequestSchema.safeParse(request);
    if (!parsed.success) throw new EnclaveError('invalid_input', `That page request is not valid: ${describeIssues(parsed.error)}`);
    const page = parsed.data;
    return this.onAnalyst(async (signal) => {
      const result = this.kept(page.resultId);
      const query = pageQuery({ table: result.table, columns: result.columns, ...page });
      const total =
        page.filters.length === 0
          ? result.rowCount
          : Number(
              (await this.read(countQuery({ table: result.table, columns: result.columns, filters: page.filters }), signal))
                .getChunk(0)
                .getColumnVector(0)
                .getItem(0),
            );
      return pageToArrow(await this.read(query, signal), total);
    }, request);
  }

  async summarise(request: { resultId: string; column: string; filters?: Filter[]; signal?: AbortSignal }): Promise<ColumnSummary> {
    return this.onAnalyst(async (signal) => {
      const result = this.kept(request.resultId);
      const ask = { table: result.table, columns: result.columns, column: request.column, filters: request.filters ?? [] };
      const answer = await this.read(summaryQuery({ ...ask, extremes: true }), signal).catch((err: unknown) => {
        // A type DuckDB cannot order (min/max) still gets its counts; any other complaint comes back the same.
        if (err instanceof EnclaveError && err.code === 'invalid_input')
          return this.read(summaryQuery({ ...ask, extremes: false }), signal);
        throw err;
      });
      const [rows, present, distinct, min, max] = (await answer.getRows())[0] ?? [];
      return {
        column: request.column,
        rows: Number(rows ?? 0),
        nulls: Number(rows ?? 0) - Number(present ?? 0),
        distinct: Number(distinct ?? 0),
        min: typeof min === 'string' ? min : null,
        max: typeof max === 'string' ? max : null,
      };
    }, request);
  }

  async release(resultId: string): Promise<void> {
    if (this.closed) return;
    await this.analystQueue.run(async () => {
      const result = this.results.get(resultId);
      if (result === undefined) return;
      this.results.delete(resultId);
      await bestEffort(this.analyst.run(`DROP TABLE IF EXISTS ${resultTable(result.table)}`));
    });
  }

  async drop(table: string): Promise<void> {
    await this.describe(table);
    await this.loaderQueue.run(async () => {
      await this.loader.run(`DROP TABLE IF EXISTS main.${quoteIdentifier(table)}`);
    });
  }

  async clear(): Promise<{ tables: number }> {
    return this.onAnalyst(() =>
      this.loaderQueue.run(async () => {
        // Temporary objects (kept results, the analyst's own) belong to the connection: a fresh one has none.
        this.results.clear();
        this.analyst.closeSync();
        this.analyst = await this.instance.connect();
        const objects = (await this.loader.runAndReadAll(USER_OBJECTS_SQL)).getRowObjectsJS() as Array<{ kind: string; name: string }>;
        for (const object of objects) await bestEffort(this.loader.run(dropStatement(object)));
        const left = (await this.loader.runAndReadAll(LEFT_AFTER_CLEAR_SQL)).getRowObjectsJS() as Array<{ name: string }>;
        if (left.length > 0) {
          throw new EnclaveError('internal', `Local DuckDB could not drop ${left.map((row) => row.name).join(', ')}.`);
        }
        await this.loader.run('CHECKPOINT');
        return { tables: objects.filter((object) => object.kind === 'table').length };
      }),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Runs, reads and loads stop at once, however far they have got (./sticky-cancel.ts); the catalogue's short
    // reads and a clear() run to their end.
    this.closing.abort();
    const idle = Promise.all([this.analystQueue.idle(), this.loaderQueue.idle(), this.catalogQueue.idle()]);
    const finish = async (): Promise<void> => {
      await idle;
      try {
        for (const connection of [this.analyst, this.loader, this.catalog]) connection.closeSync();
        this.instance.closeSync();
      } finally {
        openDatabases.delete(this.folder.database);
        stillClosing.delete(this.folder.database);
      }
      await tidyWorkspaceFolder(this.folder);
    };
    const finished = finish();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), this.closeWaitMs)));
    try {
      if ((await Promise.race([finished.then(() => 'done' as const), waited])) === 'late') {
        // Reopening it before then is refused with its reason; the files stay consistent (DuckDB's WAL).
        stillClosing.add(this.folder.database);
        // Nobody waits for it any more: a failure there (the files stay as DuckDB's WAL left them) is dropped.
        handledElsewhere(bestEffort(finished));
      }
    } finally {
      clearTimeout(timer);
    }
  }
}
