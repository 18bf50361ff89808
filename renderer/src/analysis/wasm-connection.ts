// The small interface the in-memory engine's logic (./wasm-engine.ts) is written against: a DuckDB-wasm connection
// that runs one statement to an Arrow table (cancellable through DuckDB's pending-query protocol), runs a prepared
// query with text parameters, and inserts a whole Arrow IPC stream. Two implementations: the app's, over the worker
// (./engine.ts), and the tests', over @duckdb/duckdb-wasm/blocking in Node (test/local-engine/).
import type { Table } from 'apache-arrow';

export interface WasmConnection {
  /** Runs one statement and reads its whole result. An abort cancels it inside DuckDB (EnclaveError 'cancelled'). */
  query(sql: string, signal?: AbortSignal): Promise<Table>;
  /** Runs one prepared statement with positional parameters ($1, $2, …), given as text. */
  queryWith(sql: string, params: readonly string[]): Promise<Table>;
  /**
   * Inserts a complete Arrow IPC stream into `table` in the main schema (created first when `create`), inside the
   * connection's open transaction. Whole streams only: DuckDB-wasm 1.32 crashes ("memory access out of bounds") on
   * a stream fed in arbitrary byte parts, so callers decode the parts themselves and insert record batches.
   */
  insertArrow(stream: Uint8Array, options: { table: string; create: boolean }): Promise<void>;
  close(): Promise<void>;
}

export interface WasmDatabase {
  connect(): Promise<WasmConnection>;
}

/** How the app opens DuckDB-wasm: BIGINT stays BigInt (exact); decimals become doubles for the charts. */
export const WASM_OPEN_CONFIG = { query: { castBigIntToDouble: false, castDecimalToDouble: true } } as const;
