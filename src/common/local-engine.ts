// The analyst's local engine, declared once. Two engines implement it: native DuckDB in the workstation core
// (src/workstation/workspace/: persistent, one database per user and project, all cores, spills to disk) and
// DuckDB-wasm in the renderer (renderer/src/analysis/: memory only, for projects whose data must never touch this
// computer's disk). One test suite (test/local-engine/) runs over both. Results are read in pages: a result is
// kept by the engine under its id, and the grid asks for the rows it shows, sorted and filtered by the engine.
import { z } from 'zod';

/** 'disk': native DuckDB, kept between sessions. 'memory': DuckDB-wasm in the window, gone when it closes. */
export const LocalModeSchema = z.enum(['disk', 'memory']);
export type LocalMode = z.infer<typeof LocalModeSchema>;

/** A local table's name: what an analyst can type unquoted, and nothing else. */
export const LocalTableNameSchema = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z_][a-z0-9_]*$/, 'must be lower-case letters, digits and "_", starting with a letter or "_"');

export const LocalColumnSchema = z.object({
  name: z.string(),
  /** DuckDB's name for the type, as `DESCRIBE` prints it: 'BIGINT', 'DECIMAL(18,3)', 'STRUCT(a INTEGER)', … */
  type: z.string(),
});
export type LocalColumn = z.infer<typeof LocalColumnSchema>;

export const LocalTableSchema = z.object({
  name: z.string(),
  rows: z.number().int().nonnegative(),
  columns: z.array(LocalColumnSchema),
});
export type LocalTable = z.infer<typeof LocalTableSchema>;

/** What running SQL gave: a result to read in pages (a query), or a statement's effect (CREATE, DROP, …). */
export const RunResultSchema = z.object({
  /** The handle pages and summaries are read through; null when the statement returns no rows. */
  resultId: z.string().nullable(),
  columns: z.array(LocalColumnSchema),
  rowCount: z.number().int().nonnegative(),
  /** DuckDB's statement type of the last statement: 'SELECT', 'CREATE', 'INSERT', … */
  statement: z.string(),
  /** What to tell the analyst: "Created admissions (1,204 rows)", "1 row, 1 column", "Dropped admissions". */
  message: z.string(),
  durationMs: z.number().nonnegative(),
});
export type RunResult = z.infer<typeof RunResultSchema>;

export const SortKeySchema = z.object({ column: z.string(), descending: z.boolean() });
export const FilterSchema = z.object({
  column: z.string(),
  op: z.enum(['=', '<>', '<', '<=', '>', '>=', 'contains', 'is_null', 'is_not_null']),
  /** Compared as the column's type; absent for is_null / is_not_null. */
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
});
export type SortKey = z.infer<typeof SortKeySchema>;
export type Filter = z.infer<typeof FilterSchema>;

/** The most rows one page may hold: the grid asks for what is on screen, plus a margin. */
export const MAX_PAGE_ROWS = 5_000;

export const PageRequestSchema = z.object({
  resultId: z.string(),
  offset: z.number().int().nonnegative(),
  limit: z.number().int().min(1).max(MAX_PAGE_ROWS),
  sort: z.array(SortKeySchema).max(8).default([]),
  filters: z.array(FilterSchema).max(16).default([]),
});
export type PageRequest = z.input<typeof PageRequestSchema>;

/**
 * A page is an Arrow IPC stream. Values keep their type where Arrow and the grid can carry it exactly (booleans,
 * integers up to BIGINT, floating point, dates, timestamps, strings); every other type (HUGEINT, DECIMAL, TIME,
 * INTERVAL, UUID, LIST, STRUCT, MAP, ENUM, TIMESTAMPTZ, …) arrives as the engine's own text for it, and BLOB as its
 * size in bytes. The schema's metadata holds PAGE_TOTAL_ROWS_KEY: the rows that pass the filters.
 */
export const PAGE_TOTAL_ROWS_KEY = 'enclave:total_rows';

export const ColumnSummarySchema = z.object({
  column: z.string(),
  rows: z.number().int().nonnegative(),
  nulls: z.number().int().nonnegative(),
  distinct: z.number().int().nonnegative(),
  /** As text, in the column's own type's order; null when every value is null. */
  min: z.string().nullable(),
  max: z.string().nullable(),
});
export type ColumnSummary = z.infer<typeof ColumnSummarySchema>;

export interface LoadProgress {
  readonly bytes: number;
  readonly rows?: number;
}

export interface LocalEngine {
  readonly mode: LocalMode;
  /**
   * Loads a stream (Arrow IPC, or Parquet where the engine reads it) into a table. It becomes visible only when
   * complete: a cancelled or failed load leaves no half table and keeps any table it would have replaced.
   */
  load(request: {
    table: string;
    format: 'arrow' | 'parquet';
    chunks: AsyncIterable<Uint8Array>;
    replace: boolean;
    signal?: AbortSignal;
    onProgress?: (progress: LoadProgress) => void;
  }): Promise<{ table: string; rows: number }>;
  tables(): Promise<LocalTable[]>;
  describe(table: string): Promise<LocalTable>;
  /** Runs the analyst's SQL (one or more statements; the last one's result is kept). Cancel with the signal. */
  run(request: { sql: string; signal?: AbortSignal }): Promise<RunResult>;
  page(request: PageRequest & { signal?: AbortSignal }): Promise<Uint8Array>;
  summarise(request: { resultId: string; column: string; filters?: Filter[]; signal?: AbortSignal }): Promise<ColumnSummary>;
  /** Forgets a kept result (the grid moved on). */
  release(resultId: string): Promise<void>;
  drop(table: string): Promise<void>;
  /** Drops everything the analyst made (tables, views, macros, sequences, types, schemas) and every kept result. */
  clear(): Promise<{ tables: number }>;
  close(): Promise<void>;
}
