// The local analysis engine: DuckDB-wasm in a Web Worker, behind a small typed API that the UI and the bench
// page share. One provider creates the database and terminates the worker (STYLE.md 9).
import * as duckdb from '@duckdb/duckdb-wasm';
import * as arrow from 'apache-arrow';
import { bestEffort, settled } from '../../../src/common/detached.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { quoteIdentifier, quoteString } from '../../../src/common/sql-identifiers.ts';
import { localBundles } from './bundles.ts';
import { describeEngineError, isInterruption } from './sql.ts';
import { withTimeout } from './timeout.ts';

export type EngineStatus =
  | { state: 'starting'; stage: 'downloading' | 'compiling' | 'opening'; bytesLoaded: number; bytesTotal: number }
  | { state: 'ready'; version: string }
  | { state: 'failed'; message: string };

export interface LocalTable {
  name: string;
  rows: number;
  columns: number;
}

export interface LocalEngine {
  /** Resolves when DuckDB is open and configured; rejects (with a readable EnclaveError) if it cannot start. */
  readonly ready: Promise<void>;
  status(): EngineStatus;
  onStatus(listener: (status: EngineStatus) => void): () => void;
  /**
   * Loads Arrow IPC stream bytes into a table. An existing table of that name is kept unless `replace`; a
   * cancelled (signal) or failed load leaves it as it was. The bytes' buffer is handed to the worker (detached).
   */
  loadArrow(name: string, bytes: Uint8Array, options?: { replace?: boolean; signal?: AbortSignal }): Promise<{ rows: number }>;
  listTables(): Promise<LocalTable[]>;
  query(sql: string, options?: { signal?: AbortSignal }): Promise<arrow.Table>;
  /** Cancels the query that is running now, if any. */
  cancel(): void;
  /**
   * Forgets everything the user made: every table, view, macro, sequence, type, schema and attached database,
   * and the user connection's temporary objects. For sign-out: the next user starts from nothing.
   */
  clearAll(): Promise<{ tables: number }>;
  dispose(): Promise<void>;
}

/** A start-up longer than this means the worker was blocked or crashed: instantiate() itself never rejects then. */
export const DEFAULT_START_TIMEOUT_MS = 60_000;

const cancelled = (): EnclaveError => new EnclaveError('cancelled', 'The query was cancelled.');
const cancelledLoad = (): EnclaveError => new EnclaveError('cancelled', 'The load was cancelled; nothing was changed.');

export function createLocalEngine(options: { startTimeoutMs?: number } = {}): LocalEngine {
  let status: EngineStatus = { state: 'starting', stage: 'downloading', bytesLoaded: 0, bytesTotal: 0 };
  const listeners = new Set<(status: EngineStatus) => void>();
  const setStatus = (next: EngineStatus): void => {
    status = next;
    for (const listener of listeners) listener(next);
  };

  let worker: Worker | null = null;
  let db: duckdb.AsyncDuckDB | null = null;
  let userConn: duckdb.AsyncDuckDBConnection | null = null;
  let adminConn: duckdb.AsyncDuckDBConnection | null = null;
  let current: AbortController | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  // duckdb-wasm drops its pending requests without settling them when the worker dies; racing every piece of
  // work against this keeps the UI from waiting forever.
  let died: Promise<never> = new Promise<never>(() => {});

  const start = async (): Promise<void> => {
    const bundle = await duckdb.selectBundle(localBundles);
    const started = new Worker(bundle.mainWorker ?? localBundles.mvp.mainWorker);
    worker = started;
    const crashed = new Promise<never>((_, reject) => {
      started.addEventListener('error', () => reject(new Error('worker failed')), { once: true });
    });
    died = crashed.catch(() => {
      const message = 'Local DuckDB stopped unexpectedly (it may have run out of memory). Reload the window to start it again.';
      if (status.state === 'ready') setStatus({ state: 'failed', message });
      throw new EnclaveError('unavailable', message);
    });
    // Its failure is for the work raced against it (serial); with none running, it stays out of the console.
    settled(died);
    const database = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), started);
    db = database;
    const instantiate = database.instantiate(bundle.mainModule, bundle.pthreadWorker, (progress) => {
      const done = progress.bytesTotal > 0 && progress.bytesLoaded >= progress.bytesTotal;
      setStatus({
        state: 'starting',
        stage: done ? 'compiling' : 'downloading',
        bytesLoaded: progress.bytesLoaded,
        bytesTotal: progress.bytesTotal,
      });
    });
    await withTimeout(Promise.race([instantiate, crashed]), options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
    setStatus({ state: 'starting', stage: 'opening', bytesLoaded: 0, bytesTotal: 0 });
    // BIGINT stays BigInt (exact); decimals become doubles, which the grid and charts can show directly.
    await database.open({ query: { castBigIntToDouble: false, castDecimalToDouble: true } });
    adminConn = await database.connect();
    // Nothing may be downloaded at run time, and local SQL must not reach files or URLs (egress stays with the
    // platform's airlock). lock_configuration stops a query from turning these back on.
    for (const statement of [
      'SET autoload_known_extensions=false',
      'SET autoinstall_known_extensions=false',
      'SET enable_external_access=false',
      'SET lock_configuration=true',
    ]) {
      await adminConn.query(statement);
    }
    userConn = await database.connect();
    setStatus({ state: 'ready', version: await database.getVersion() });
  };

  const ready = start().catch(async (err: unknown) => {
    const message =
      err instanceof Error && err.message === 'timeout'
        ? 'Local DuckDB did not start within a minute. Reload the window to try again; if it keeps happening, tell your TRE support team.'
        : err instanceof Error && err.message === 'worker failed'
          ? 'Local DuckDB could not start its worker in this window. Reload the window to try again.'
          : `Local DuckDB could not start: ${describeEngineError(err)}`;
    setStatus({ state: 'failed', message });
    await terminate();
    throw new EnclaveError('unavailable', message);
  });
  // The UI reads failures from status(); this keeps an unobserved rejection out of the console.
  settled(ready);

  async function terminate(): Promise<void> {
    await bestEffort(db?.terminate());
    worker?.terminate();
    db = null;
    worker = null;
  }

  /** Runs engine work one piece at a time, so a load never interleaves with a query's polling. */
  function serial<T>(work: () => Promise<T>): Promise<T> {
    const guarded = (): Promise<T> => Promise.race([work(), died]);
    const run = queue.then(guarded, guarded);
    queue = settled(run);
    return run;
  }

  function connections(): { database: duckdb.AsyncDuckDB; user: duckdb.AsyncDuckDBConnection; admin: duckdb.AsyncDuckDBConnection } {
    if (!db || !userConn || !adminConn)
      throw new EnclaveError('unavailable', 'Local DuckDB is not running. Reload the window to start it again.');
    return { database: db, user: userConn, admin: adminConn };
  }

  async function loadArrow(
    name: string,
    bytes: Uint8Array,
    opts: { replace?: boolean; signal?: AbortSignal } = {},
  ): Promise<{ rows: number }> {
    await ready;
    return serial(async () => {
      const { admin } = connections();
      if (opts.signal?.aborted) throw cancelledLoad();
      const exists = await tableExists(admin, name);
      if (exists && !opts.replace) {
        throw new EnclaveError('invalid_input', `A local table named ${name} already exists. Choose to replace it, or keep it.`);
      }
      // Load under a temporary name and swap only when complete, so a failed load never loses the old table.
      const loading = `${name}__loading`;
      try {
        await admin.query(`DROP TABLE IF EXISTS ${quoteIdentifier(loading)}`);
        await admin.insertArrowFromIPCStream(bytes, { name: loading, create: true });
        if (opts.signal?.aborted) throw cancelledLoad();
        await admin.query('BEGIN TRANSACTION');
        await admin.query(`DROP TABLE IF EXISTS ${quoteIdentifier(name)}`);
        await admin.query(`ALTER TABLE ${quoteIdentifier(loading)} RENAME TO ${quoteIdentifier(name)}`);
        await admin.query('COMMIT');
      } catch (err) {
        await bestEffort(admin.query('ROLLBACK'));
        await bestEffort(admin.query(`DROP TABLE IF EXISTS ${quoteIdentifier(loading)}`));
        if (err instanceof EnclaveError) throw err;
        throw new EnclaveError('invalid_input', `The sample could not be loaded into local DuckDB: ${describeEngineError(err)}`);
      }
      const counted = await admin.query(`SELECT count(*)::DOUBLE AS n FROM ${quoteIdentifier(name)}`);
      return { rows: Number(counted.getChildAt(0)?.get(0) ?? 0) };
    });
  }

  async function tableExists(conn: duckdb.AsyncDuckDBConnection, name: string): Promise<boolean> {
    const found = await conn.query(
      `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ${quoteString(name)}`,
    );
    return Number(found.getChildAt(0)?.get(0) ?? 0) > 0;
  }

  async function listTables(): Promise<LocalTable[]> {
    await ready;
    return serial(async () => {
      const { admin } = connections();
      const found = await admin.query(
        `SELECT table_name, column_count::INTEGER AS columns FROM duckdb_tables()
         WHERE schema_name = 'main' AND NOT internal AND NOT temporary AND table_name NOT LIKE '%\\_\\_loading' ESCAPE '\\'
         ORDER BY table_name`,
      );
      const tables: LocalTable[] = [];
      for (const row of found.toArray() as { table_name: string; columns: number }[]) {
        const counted = await admin.query(`SELECT count(*)::DOUBLE FROM ${quoteIdentifier(row.table_name)}`);
        tables.push({ name: row.table_name, columns: row.columns, rows: Number(counted.getChildAt(0)?.get(0) ?? 0) });
      }
      return tables;
    });
  }

  async function query(sql: string, opts: { signal?: AbortSignal } = {}): Promise<arrow.Table> {
    await ready;
    const controller = new AbortController();
    const forward = (): void => controller.abort();
    if (opts.signal?.aborted) controller.abort();
    opts.signal?.addEventListener('abort', forward, { once: true });
    try {
      return await serial(() => {
        current = controller;
        return runStreaming(sql, controller.signal);
      });
    } finally {
      if (current === controller) current = null;
      opts.signal?.removeEventListener('abort', forward);
    }
  }

  /**
   * Drives DuckDB's pending-query protocol itself (start, poll, fetch), so it can stop between polls: the worker
   * runs each poll for a short slice, and a cancel sent in between interrupts the query inside DuckDB.
   */
  async function runStreaming(sql: string, signal: AbortSignal): Promise<arrow.Table> {
    const { database, user } = connections();
    if (signal.aborted) throw cancelled();
    const connId = user.useUnsafe((_bindings, id) => id);
    try {
      let header = await database.startPendingQuery(connId, sql, true);
      while (header === null) {
        if (signal.aborted) {
          await database.cancelPendingQuery(connId);
          throw cancelled();
        }
        header = await database.pollPendingQuery(connId);
      }
      const reader = await arrow.RecordBatchReader.from(new duckdb.AsyncResultStreamIterator(database, connId, header));
      const batches: arrow.RecordBatch[] = [];
      for await (const batch of reader) {
        if (signal.aborted) throw cancelled();
        batches.push(batch);
      }
      if (signal.aborted) throw cancelled();
      return new arrow.Table(reader.schema, batches);
    } catch (err) {
      if (err instanceof EnclaveError) throw err;
      if (signal.aborted || isInterruption(err)) throw cancelled();
      throw new EnclaveError('invalid_input', describeEngineError(err));
    }
  }

  async function clearAll(): Promise<{ tables: number }> {
    current?.abort();
    // An engine that never started holds nothing; one still starting is cleared once it is up.
    if (
      !(await ready.then(
        () => true,
        () => false,
      ))
    )
      return { tables: 0 };
    return serial(async () => {
      const { database, user, admin } = connections();
      // Temporary objects belong to the connection that made them: a fresh connection leaves none behind.
      userConn = null;
      await bestEffort(user.close());
      userConn = await database.connect();
      const names = async (sql: string): Promise<string[]> =>
        ((await admin.query(sql)).toArray() as { name: string }[]).map((row) => row.name);
      const here = `database_name = current_database()`;
      const statements: string[] = [];
      for (const name of await names(`SELECT database_name AS name FROM duckdb_databases() WHERE NOT internal AND NOT ${here}`)) {
        statements.push(`DETACH DATABASE IF EXISTS ${quoteIdentifier(name)}`);
      }
      for (const name of await names(
        `SELECT schema_name AS name FROM duckdb_schemas() WHERE ${here} AND NOT internal AND schema_name <> 'main'`,
      )) {
        statements.push(`DROP SCHEMA IF EXISTS ${quoteIdentifier(name)} CASCADE`);
      }
      for (const name of await names(
        `SELECT view_name AS name FROM duckdb_views() WHERE ${here} AND schema_name = 'main' AND NOT internal`,
      )) {
        statements.push(`DROP VIEW IF EXISTS ${quoteIdentifier(name)} CASCADE`);
      }
      const tables = await names(`SELECT table_name AS name FROM duckdb_tables() WHERE ${here} AND schema_name = 'main'`);
      for (const name of tables) statements.push(`DROP TABLE IF EXISTS ${quoteIdentifier(name)} CASCADE`);
      for (const row of (
        await admin.query(
          `SELECT DISTINCT function_name AS name, function_type AS type FROM duckdb_functions()
         WHERE ${here} AND schema_name = 'main' AND NOT internal AND function_type IN ('macro', 'table_macro')`,
        )
      ).toArray() as { name: string; type: string }[]) {
        statements.push(`DROP ${row.type === 'table_macro' ? 'MACRO TABLE' : 'MACRO'} IF EXISTS ${quoteIdentifier(row.name)}`);
      }
      for (const name of await names(
        `SELECT sequence_name AS name FROM duckdb_sequences() WHERE ${here} AND schema_name = 'main' AND NOT temporary`,
      )) {
        statements.push(`DROP SEQUENCE IF EXISTS ${quoteIdentifier(name)} CASCADE`);
      }
      for (const name of await names(
        `SELECT type_name AS name FROM duckdb_types() WHERE ${here} AND schema_name = 'main' AND NOT internal`,
      )) {
        statements.push(`DROP TYPE IF EXISTS ${quoteIdentifier(name)} CASCADE`);
      }
      for (const statement of statements) await bestEffort(admin.query(statement));
      const left = await names(
        `SELECT table_name AS name FROM duckdb_tables() WHERE ${here} UNION ALL SELECT view_name FROM duckdb_views() WHERE ${here} AND NOT internal`,
      );
      if (left.length > 0) {
        throw new EnclaveError('internal', `Local DuckDB could not drop ${left.join(', ')}. Close Enclave to be sure they are gone.`);
      }
      return { tables: tables.filter((name) => !name.endsWith('__loading')).length };
    });
  }

  return {
    ready,
    status: () => status,
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    loadArrow,
    listTables,
    query,
    cancel() {
      current?.abort();
    },
    clearAll,
    async dispose() {
      current?.abort();
      await terminate();
      setStatus({ state: 'failed', message: 'Local DuckDB was stopped.' });
    },
  };
}
