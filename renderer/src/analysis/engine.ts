// DuckDB-wasm in this window: the worker and bundle plumbing, the start-up progress the screen shows, and the
// LocalEngine seam (src/common/local-engine.ts) whose logic lives in ./wasm-engine.ts, reached here through the
// worker's connections. The bench page also uses two whole-result helpers (loadArrow, query) on the same engine.
// One provider creates the database and terminates the worker (STYLE.md 9).
import * as duckdb from '@duckdb/duckdb-wasm';
import * as arrow from 'apache-arrow';
import { bestEffort, settled } from '../../../src/common/detached.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import type { LocalEngine as SeamEngine } from '../../../src/common/local-engine.ts';
import { queryCancelled } from '../../../src/common/local-sql.ts';
import { localBundles } from './bundles.ts';
import { describeEngineError } from './sql.ts';
import { withTimeout } from './timeout.ts';
import { WASM_OPEN_CONFIG, type WasmConnection, type WasmDatabase } from './wasm-connection.ts';
import { createWasmLocalEngine, type WasmLocalEngine } from './wasm-engine.ts';

export type EngineStatus =
  | { state: 'starting'; stage: 'downloading' | 'compiling' | 'opening'; bytesLoaded: number; bytesTotal: number }
  | { state: 'ready'; version: string }
  | { state: 'failed'; message: string };

/** DuckDB-wasm in this window: the LocalEngine seam, its start-up, and the bench page's helpers. */
export interface WindowEngine extends SeamEngine {
  readonly mode: 'memory';
  /** Resolves when DuckDB is open and configured; rejects (with a readable EnclaveError) if it cannot start. */
  readonly ready: Promise<void>;
  status(): EngineStatus;
  onStatus(listener: (status: EngineStatus) => void): () => void;
  /**
   * Loads Arrow IPC stream bytes into a table. An existing table of that name is kept unless `replace`; a
   * cancelled (signal) or failed load leaves it as it was. The bytes' buffer is handed to the worker (detached).
   */
  loadArrow(name: string, bytes: Uint8Array, options?: { replace?: boolean; signal?: AbortSignal }): Promise<{ rows: number }>;
  /** The whole result of one query. */
  query(sql: string, options?: { signal?: AbortSignal }): Promise<arrow.Table>;
}

/** A start-up longer than this means the worker was blocked or crashed: instantiate() itself never rejects then. */
export const DEFAULT_START_TIMEOUT_MS = 60_000;

/**
 * A worker connection behind the seam's connection interface. Queries drive DuckDB's pending-query protocol here
 * (start, poll, fetch), so a cancel can stop one between polls: the worker runs each poll for a short slice, and
 * a cancel sent in between interrupts the query inside DuckDB.
 */
function workerConnection(database: duckdb.AsyncDuckDB, connection: duckdb.AsyncDuckDBConnection): WasmConnection {
  const connId = connection.useUnsafe((_bindings, id) => id);
  return {
    async query(sql, signal) {
      if (signal?.aborted) throw queryCancelled();
      let header = await database.startPendingQuery(connId, sql, true);
      while (header === null) {
        if (signal?.aborted) {
          await database.cancelPendingQuery(connId);
          throw queryCancelled();
        }
        header = await database.pollPendingQuery(connId);
      }
      const reader = await arrow.RecordBatchReader.from(new duckdb.AsyncResultStreamIterator(database, connId, header));
      const batches: arrow.RecordBatch[] = [];
      for await (const batch of reader) {
        if (signal?.aborted) throw queryCancelled();
        batches.push(batch);
      }
      return new arrow.Table(reader.schema, batches);
    },
    async queryWith(sql, params) {
      const statement = await connection.prepare(sql);
      try {
        return await statement.query(...params);
      } finally {
        await bestEffort(statement.close());
      }
    },
    async insertArrow(stream, options) {
      // The worker takes the buffer (transferred, so detached here): the stream is the caller's own fresh copy.
      await connection.insertArrowFromIPCStream(stream, { name: options.table, create: options.create });
    },
    close: () => connection.close(),
  };
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

export function createLocalEngine(options: { startTimeoutMs?: number } = {}): WindowEngine {
  let status: EngineStatus = { state: 'starting', stage: 'downloading', bytesLoaded: 0, bytesTotal: 0 };
  const listeners = new Set<(status: EngineStatus) => void>();
  const setStatus = (next: EngineStatus): void => {
    status = next;
    for (const listener of listeners) listener(next);
  };

  let worker: Worker | null = null;
  let db: duckdb.AsyncDuckDB | null = null;
  let current: AbortController | null = null;
  // duckdb-wasm drops its pending requests without settling them when the worker dies; racing every piece of
  // work against this keeps the UI from waiting forever.
  let died: Promise<never> = new Promise<never>(() => {});

  const start = async (): Promise<WasmLocalEngine> => {
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
    // Its failure is for the work raced against it; with none running, it stays out of the console.
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
    await database.open(WASM_OPEN_CONFIG);
    const connections: WasmDatabase = { connect: async () => workerConnection(database, await database.connect()) };
    const engine = await createWasmLocalEngine({ database: connections });
    setStatus({ state: 'ready', version: await database.getVersion() });
    return engine;
  };

  const core = start().catch(async (err: unknown) => {
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
  const ready = core.then(() => undefined);
  // The UI reads failures from status(); this keeps an unobserved rejection out of the console.
  settled(ready);

  async function terminate(): Promise<void> {
    await bestEffort(db?.terminate());
    worker?.terminate();
    db = null;
    worker = null;
  }

  /** Engine work once DuckDB is up, raced against the worker dying. */
  async function withCore<T>(work: (engine: WasmLocalEngine) => Promise<T>): Promise<T> {
    const engine = await core;
    return Promise.race([work(engine), died]);
  }

  async function query(sql: string, opts: { signal?: AbortSignal } = {}): Promise<arrow.Table> {
    const controller = new AbortController();
    const forward = (): void => controller.abort();
    if (opts.signal?.aborted) controller.abort();
    opts.signal?.addEventListener('abort', forward, { once: true });
    current = controller;
    try {
      return await withCore((engine) => engine.queryTable(sql, controller.signal));
    } finally {
      if (current === controller) current = null;
      opts.signal?.removeEventListener('abort', forward);
    }
  }

  /**
   * Forgets everything the user made (every table, view, macro, sequence, type and schema, and the temporary
   * objects). For sign-out: the next user starts from nothing.
   */
  async function clear(): Promise<{ tables: number }> {
    current?.abort();
    // An engine that never started holds nothing; one still starting is cleared once it is up.
    const started = await ready.then(
      () => true,
      () => false,
    );
    return started ? withCore((engine) => engine.clear()) : { tables: 0 };
  }

  async function close(): Promise<void> {
    current?.abort();
    await bestEffort(core.then((engine) => engine.close()));
    await terminate();
    setStatus({ state: 'failed', message: 'Local DuckDB was stopped.' });
  }

  return {
    mode: 'memory',
    ready,
    status: () => status,
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    load: (request) => withCore((engine) => engine.load(request)),
    tables: () => withCore((engine) => engine.tables()),
    describe: (table) => withCore((engine) => engine.describe(table)),
    run: (request) => withCore((engine) => engine.run(request)),
    page: (request) => withCore((engine) => engine.page(request)),
    summarise: (request) => withCore((engine) => engine.summarise(request)),
    release: (resultId) => withCore((engine) => engine.release(resultId)),
    drop: (table) => withCore((engine) => engine.drop(table)),
    clear,
    close,
    async loadArrow(name, bytes, opts = {}) {
      const loaded = await withCore((engine) =>
        engine.load({ table: name, format: 'arrow', chunks: once(bytes), replace: opts.replace ?? false, signal: opts.signal }),
      );
      return { rows: loaded.rows };
    },
    query,
  };
}
