// Sample → ready local table. The app's path: a platform sample arrives as Parquet in 256 KiB parts (as the platform
// sends it, src/platform/engine/exports-folder.ts) and goes through the core's loadSample into a fresh workspace's
// native engine with the app's defaults; done when the load call returns and the table can be queried. Against it,
// in the same run and round by round: native DuckDB (all cores) reading the same Parquet into an in-memory table
// (the goal's baseline), and into a database file as the workspace keeps its tables, in DuckDB's default storage
// format and in its newest. The transfer from the platform is not timed on either side: the Parquet is on disk.
import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { bestEffort } from '../../src/common/detached.ts';
import { quoteString } from '../../src/common/sql-identifiers.ts';
import { openNativeEngine } from '../../src/workstation/workspace/native-engine.ts';
import { loadSample } from '../../src/workstation/workspaces/samples.ts';
import type { BenchData } from './data.ts';
import { median } from './measure.ts';
import { EPISODES_TABLE } from './queries.ts';

/** What one read of the platform's sample file hands on (CHUNK_BYTES in src/platform/engine/exports-folder.ts). */
export const SAMPLE_PART_BYTES = 256 * 1024;

/** The ratio app ÷ native (in memory) the issue asks for. */
export const SAMPLE_LOAD_GOAL = 1.5;

export type LoadTiming = { ok: true; medianMs: number; runsMs: number[] } | { ok: false; error: string };

export interface SampleLoadResult {
  rows: number;
  runs: number;
  parquetBytes: number;
  threads: number;
  loadAverageAtStart: number[];
  /** The app's path: loadSample into the workspace's native engine (table committed to its database file). */
  app: LoadTiming;
  /** Native DuckDB: CREATE TABLE AS read_parquet into an in-memory database (the goal's baseline). */
  nativeMemory: LoadTiming;
  /** The same into a database file, DuckDB's default storage format (the one the app's engine uses). */
  nativeFile: LoadTiming;
  /** The same into a database file in DuckDB's newest storage format (storage_compatibility_version 'latest'). */
  nativeFileLatest: LoadTiming;
}

type Loader = () => Promise<number>;

async function* parts(file: string): AsyncGenerator<Uint8Array> {
  for await (const part of createReadStream(file, { highWaterMark: SAMPLE_PART_BYTES })) yield part as Buffer;
}

/** One load through the app's path into a fresh workspace; the engine's opening and closing are not timed. */
function appLoader(options: { parquet: string; dir: string; rows: number }): Loader {
  return async () => {
    await rm(options.dir, { recursive: true, force: true });
    const engine = await openNativeEngine({ dir: options.dir });
    try {
      const start = performance.now();
      const loaded = await loadSample({
        engine,
        open: () => Promise.resolve({ format: 'parquet', total: null, chunks: parts(options.parquet) }),
        sample: { projectId: 'bench', datasetId: 'episodes', limit: options.rows, table: EPISODES_TABLE, replace: false },
        call: { progress: () => undefined },
        signal: new AbortController().signal,
      });
      const ms = performance.now() - start;
      if (loaded.rows !== options.rows) throw new Error(`loaded ${loaded.rows} rows, expected ${options.rows}`);
      return ms;
    } finally {
      await engine.close();
      await rm(options.dir, { recursive: true, force: true });
    }
  };
}

/** Native DuckDB run directly: a fresh database (in memory, or a new file), all cores, CREATE TABLE AS timed. */
function nativeLoader(options: { parquet: string; rows: number; threads: number; file: string | null; latest: boolean }): Loader {
  return async () => {
    const { file } = options;
    if (file !== null) {
      await mkdir(path.dirname(file), { recursive: true });
      await rm(file, { force: true });
      await rm(`${file}.wal`, { force: true });
    }
    const instance = await DuckDBInstance.create(file ?? ':memory:', {
      threads: String(options.threads),
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      ...(options.latest ? { storage_compatibility_version: 'latest' } : {}),
    });
    try {
      const connection = await instance.connect();
      try {
        const start = performance.now();
        await connection.run(`CREATE TABLE ${EPISODES_TABLE} AS SELECT * FROM read_parquet(${quoteString(options.parquet)})`);
        const ms = performance.now() - start;
        const counted = await connection.runAndReadAll(`SELECT count(*) FROM ${EPISODES_TABLE}`);
        const rows = Number(counted.getRows()[0]?.[0] ?? 0);
        if (rows !== options.rows) throw new Error(`loaded ${rows} rows, expected ${options.rows}`);
        return ms;
      } finally {
        connection.closeSync();
      }
    } finally {
      instance.closeSync();
      if (file !== null) {
        await rm(file, { force: true });
        await rm(`${file}.wal`, { force: true });
      }
    }
  };
}

const failed = (err: unknown): LoadTiming => ({ ok: false, error: err instanceof Error ? err.message : String(err) });

/**
 * One untimed load of each (the Parquet file in the page cache, every code path run once), then `runs` rounds of
 * one load each, back to back, so a change in the shared machine's load falls on all of them alike.
 */
export async function benchSampleLoad(options: {
  data: BenchData;
  runs: number;
  /** Scratch space for the workspaces and database files (emptied afterwards). */
  dir: string;
  loadAverage: number[];
  log: (line: string) => void;
}): Promise<SampleLoadResult> {
  const { data, runs, dir, log } = options;
  const threads = os.availableParallelism();
  const common = { parquet: data.parquet, rows: data.rows, threads };
  const loaders = {
    app: appLoader({ parquet: data.parquet, rows: data.rows, dir: path.join(dir, 'workspace') }),
    nativeMemory: nativeLoader({ ...common, file: null, latest: false }),
    nativeFile: nativeLoader({ ...common, file: path.join(dir, 'native', 'default.duckdb'), latest: false }),
    nativeFileLatest: nativeLoader({ ...common, file: path.join(dir, 'native', 'latest.duckdb'), latest: true }),
  };
  const names = Object.keys(loaders) as (keyof typeof loaders)[];
  const times = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<keyof typeof loaders, number[]>;
  const errors: Partial<Record<keyof typeof loaders, unknown>> = {};
  try {
    for (let round = 0; round <= runs; round += 1) {
      log(`  sample → table, ${data.rows.toLocaleString('en-GB')} rows: ${round === 0 ? 'warm-up' : `round ${round} of ${runs}`}`);
      for (const name of names) {
        if (errors[name] !== undefined) continue;
        try {
          const ms = await loaders[name]();
          if (round > 0) times[name].push(ms);
        } catch (err) {
          errors[name] = err;
        }
      }
    }
  } finally {
    await bestEffort(rm(dir, { recursive: true, force: true }));
  }
  const timing = (name: keyof typeof loaders): LoadTiming =>
    errors[name] !== undefined ? failed(errors[name]) : { ok: true, medianMs: median(times[name]), runsMs: times[name] };
  return {
    rows: data.rows,
    runs,
    parquetBytes: data.parquetBytes,
    threads,
    loadAverageAtStart: options.loadAverage,
    app: timing('app'),
    nativeMemory: timing('nativeMemory'),
    nativeFile: timing('nativeFile'),
    nativeFileLatest: timing('nativeFileLatest'),
  };
}
