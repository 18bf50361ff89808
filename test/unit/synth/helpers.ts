// Shared by the synth tests: generate a small platform data folder in a fresh temp folder and query it.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DATASET_IDS, generatePlatformData } from '../../../src/platform/synth/index.ts';
import type { Manifest } from '../../../src/platform/synth/index.ts';

export interface GeneratedData {
  root: string;
  dataDir: string;
  manifest: Manifest;
  /** Rows as plain JSON values (dates as 'YYYY-MM-DD', BIGINT as strings). */
  query: (sql: string) => Promise<Record<string, unknown>[]>;
  /** The single value of a one-row, one-column query, as a number. */
  scalar: (sql: string) => Promise<number>;
  cleanup: () => Promise<void>;
}

export async function tempRoot(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `enclave-synth-${prefix}-`));
}

export async function openParquetViews(dataDir: string): Promise<{ connection: DuckDBConnection; close: () => void }> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  for (const id of DATASET_IDS) {
    const file = path.join(dataDir, 'datasets', `${id}.parquet`).replaceAll("'", "''");
    await connection.run(`CREATE VIEW ${id} AS SELECT * FROM read_parquet('${file}')`);
  }
  return {
    connection,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

export async function generateData(options: { prefix: string; scale: number; seed: number }): Promise<GeneratedData> {
  const root = await tempRoot(options.prefix);
  const dataDir = path.join(root, 'data');
  const manifest = await generatePlatformData({ dataDir, scale: options.scale, seed: options.seed });
  const { connection, close } = await openParquetViews(dataDir);
  const query = async (sql: string): Promise<Record<string, unknown>[]> => (await connection.runAndReadAll(sql)).getRowObjectsJson();
  return {
    root,
    dataDir,
    manifest,
    query,
    scalar: async (sql) => Number(Object.values((await query(sql))[0] ?? {})[0]),
    cleanup: async () => {
      close();
      await rm(root, { recursive: true, force: true });
    },
  };
}
