// DuckDB-wasm's blocking build in Node behind the in-memory engine's connection interface, so the local-engine
// suite runs the app's own wasm engine logic (renderer/src/analysis/wasm-engine.ts) outside a browser. Only the
// worker plumbing (renderer/src/analysis/engine.ts) is left to the e2e journeys.
import { createRequire } from 'node:module';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type * as DuckDBWasm from '@duckdb/duckdb-wasm/blocking';
import { RecordBatchReader, Table, tableFromIPC, type RecordBatch } from 'apache-arrow';
import { queryCancelled } from '../../../src/common/local-sql.ts';
import { WASM_OPEN_CONFIG, type WasmConnection, type WasmDatabase } from '../../../renderer/src/analysis/wasm-connection.ts';

type Wasm = typeof DuckDBWasm;
type Blocking = Awaited<ReturnType<Wasm['createDuckDB']>>;
const require = createRequire(import.meta.url);

let module: Promise<{ wasm: Wasm; db: Blocking }> | null = null;

/** Compiles the wasm module once per test file (about a second); each database after that is a reset (milliseconds). */
function instantiated(): Promise<{ wasm: Wasm; db: Blocking }> {
  module ??= (async () => {
    const wasm = require('@duckdb/duckdb-wasm/blocking') as Wasm;
    const dist = path.dirname(require.resolve('@duckdb/duckdb-wasm/blocking'));
    const bundles = {
      mvp: { mainModule: path.join(dist, 'duckdb-mvp.wasm'), mainWorker: '' },
      eh: { mainModule: path.join(dist, 'duckdb-eh.wasm'), mainWorker: '' },
    };
    const db = await wasm.createDuckDB(bundles, new wasm.VoidLogger(), wasm.NODE_RUNTIME);
    await db.instantiate();
    return { wasm, db };
  })();
  return module;
}

function blockingConnection(wasm: Wasm, connection: DuckDBWasm.DuckDBConnection): WasmConnection {
  return {
    async query(sql, signal) {
      return connection.useUnsafe(async (bindings, id) => {
        if (signal?.aborted) throw queryCancelled();
        let header = bindings.startPendingQuery(id, sql, true);
        while (header === null) {
          // Each poll runs the query for a slice; between slices the event loop delivers a cancel.
          await nextTurn();
          if (signal?.aborted) {
            bindings.cancelPendingQuery(id);
            throw queryCancelled();
          }
          header = bindings.pollPendingQuery(id);
        }
        const reader = RecordBatchReader.from(new wasm.ResultStreamIterator(bindings, id, header));
        const batches: RecordBatch[] = [...reader];
        return new Table(reader.schema, batches);
      });
    },
    async queryWith(sql, params) {
      // Read as IPC bytes and decoded here: the blocking build (CommonJS) has its own copy of apache-arrow, whose
      // objects this module's apache-arrow (ESM) does not recognise. In the window there is one copy.
      return connection.useUnsafe((bindings, id) => {
        const statement = bindings.createPrepared(id, sql);
        try {
          return tableFromIPC(bindings.runPrepared(id, statement, [...params]));
        } finally {
          bindings.closePrepared(id, statement);
        }
      });
    },
    async insertArrow(stream, options) {
      connection.insertArrowFromIPCStream(stream, { name: options.table, create: options.create });
    },
    async close() {
      connection.close();
    },
  };
}

/**
 * A fresh, empty DuckDB-wasm database, opened as the app opens it. The previous one in this file is reset away, so
 * a test file uses one in-memory engine at a time (as one window does).
 */
export async function freshWasmDatabase(): Promise<WasmDatabase & { tokenize(sql: string): DuckDBWasm.ScriptTokens }> {
  const { wasm, db } = await instantiated();
  db.reset();
  db.open(WASM_OPEN_CONFIG);
  return {
    connect: async () => blockingConnection(wasm, db.connect()),
    tokenize: (sql) => db.tokenize(sql),
  };
}
