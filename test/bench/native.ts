// Native DuckDB (@duckdb/node-api) for the bench: one in-memory database per data size, the Parquet file read
// into a table (not queried in place, so both engines scan a table in memory), threads switched per run.
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { CHAPTERS_TABLE, CREATE_CHAPTERS_SQL, EPISODES_TABLE } from './queries.ts';

export interface NativeEngine {
  version: string;
  /** Loads the Parquet file into the episodes table (with `threads` threads) and builds the chapter table. */
  load(parquet: string, threads: number): Promise<{ ms: number; rows: number }>;
  setThreads(threads: number): Promise<void>;
  /** Runs SQL and reads the whole result. */
  run(sql: string): Promise<{ ms: number; rows: number }>;
  /** The first column of the first row, as a number (for checksums and counts). */
  scalar(sql: string): Promise<number>;
  close(): void;
}

const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;

export async function openNative(): Promise<NativeEngine> {
  const instance = await DuckDBInstance.create(':memory:', {
    autoload_known_extensions: 'false',
    autoinstall_known_extensions: 'false',
  });
  const connection: DuckDBConnection = await instance.connect();
  const scalar = async (sql: string): Promise<number> => {
    const reader = await connection.runAndReadAll(sql);
    return Number(reader.getRows()[0]?.[0] ?? Number.NaN);
  };
  const versionReader = await connection.runAndReadAll('SELECT version()');
  const version = String(versionReader.getRows()[0]?.[0] ?? 'unknown');
  const setThreads = async (threads: number): Promise<void> => {
    await connection.run(`SET threads = ${Math.trunc(threads)}`);
  };
  return {
    version,
    async load(parquet, threads) {
      await setThreads(threads);
      const start = performance.now();
      await connection.run(`CREATE OR REPLACE TABLE ${EPISODES_TABLE} AS SELECT * FROM read_parquet(${sqlString(parquet)})`);
      const ms = performance.now() - start;
      await connection.run(CREATE_CHAPTERS_SQL);
      const rows = await scalar(`SELECT count(*) FROM ${EPISODES_TABLE}`);
      if ((await scalar(`SELECT count(*) FROM ${CHAPTERS_TABLE}`)) === 0) throw new Error('The chapter table is empty.');
      return { ms, rows };
    },
    setThreads,
    async run(sql) {
      const start = performance.now();
      const reader = await connection.runAndReadAll(sql);
      const ms = performance.now() - start;
      return { ms, rows: reader.currentRowCount };
    },
    scalar,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
