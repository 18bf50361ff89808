// A minimised query's answer into a ready local table, at a few result sizes, on one served copy. The query gives every
// episode column with its patient's (a LEFT JOIN through the project pseudonym: the linkage the agreement exists for;
// every episode's patient is in the copy, so it is the inner join's rows), cut to the size by LIMIT. The app's path, timed as one: the platform parses the SQL with the engine's parser, checks it
// (sql-check.ts), runs it on the copy and writes the whole answer as Parquet (copy.query, as the query service does);
// then the core's loadSample streams the answer's chunks into a fresh workspace's native engine (as the workstation
// loads a platform answer) until the table is committed and can be queried. The HTTP hop is not timed. Against it:
// native DuckDB opening the same copy file read-only (untimed), running the same SELECT and building Arrow record
// batches in-process from its chunks with the platform's own column builders; and, for context only, the engine's own
// floor: the same SELECT into a table of an in-memory database (nothing leaves DuckDB, nothing is converted).
import os from 'node:os';
import path from 'node:path';
import { rm } from 'node:fs/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import type { RecordBatch } from 'apache-arrow';
import { quoteIdentifier, quoteString } from '../../src/common/sql-identifiers.ts';
import { columnBuilderFor, toRecordBatch } from '../../src/platform/engine/arrow-columns.ts';
import type { ColumnBuilder } from '../../src/platform/engine/arrow-columns.ts';
import type { ProjectCopy } from '../../src/platform/engine/data-engine.ts';
import { checkSerializedQuery } from '../../src/platform/query/sql-check.ts';
import { openNativeEngine } from '../../src/workstation/workspace/native-engine.ts';
import { loadSample } from '../../src/workstation/workspaces/samples.ts';
import { median } from './measure.ts';
import type { LoadTiming } from './sample-load.ts';

/** The ratio app ÷ native (to Arrow in-process) the issue asks of a query's answer into a local table. */
export const QUERY_LOAD_GOAL = 1.5;
/** Rows per record batch on the native side: the platform's own batch size for Arrow answers (copy-serve.ts). */
const NATIVE_BATCH_ROWS = 64 * 1024;
const RESULT_TABLE = 'episodes_with_patients';

export interface QueryLoadResult {
  rows: number;
  sql: string;
  runs: number;
  threads: number;
  /** The Parquet answer's size. */
  answerBytes: number;
  /** Parse, check, run and write the answer, then load it into the workspace's table. */
  app: LoadTiming;
  /** The app's time split (medians): the platform's answer written, then the load into the local table. */
  appAnswerMs: number | null;
  appLoadMs: number | null;
  /** Native DuckDB on the copy file: the same SELECT to Arrow record batches in-process (the goal's baseline). */
  native: LoadTiming;
  /** For context, the engine's own floor: the same SELECT into an in-memory table (CREATE TABLE AS), nothing leaving DuckDB. */
  nativeTable: LoadTiming;
}

/** Episodes with their patient's columns (all but the pseudonym they are joined on), LIMIT rows. */
export function joinSql(copy: ProjectCopy, rows: number): string {
  const columnsOf = (id: string): string[] => {
    const relation = copy.relations.find((candidate) => candidate.id === id);
    if (relation === undefined) throw new Error(`The bench project's copy has no ${id}.`);
    return relation.columns.map((column) => column.name);
  };
  const episodes = columnsOf('hospital_episodes').map((name) => `e.${quoteIdentifier(name)}`);
  const patients = columnsOf('patients')
    .filter((name) => name !== 'nhs_number' && !columnsOf('hospital_episodes').includes(name))
    .map((name) => `p.${quoteIdentifier(name)}`);
  return `SELECT ${[...episodes, ...patients].join(', ')} FROM hospital_episodes AS e LEFT JOIN patients AS p ON p.nhs_number = e.nhs_number LIMIT ${rows}`;
}

async function* answerChunks(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

/** One run of the app's path into a fresh workspace (its engine opened and closed untimed). */
async function appQueryLoad(options: {
  copy: ProjectCopy;
  sql: string;
  rows: number;
  rowCap: number;
  dir: string;
}): Promise<{ ms: number; answerMs: number; loadMs: number; bytes: number }> {
  const { copy, sql } = options;
  await rm(options.dir, { recursive: true, force: true });
  const engine = await openNativeEngine({ dir: options.dir });
  try {
    const start = performance.now();
    const parsed = await copy.parse(sql);
    checkSerializedQuery(parsed, { sqlText: sql, relations: new Set(copy.relations.map((relation) => relation.id)) });
    const answer = await copy.query({ sql, parsed, format: 'parquet', rowCap: options.rowCap });
    const answered = performance.now();
    try {
      const loaded = await loadSample({
        engine,
        open: () => Promise.resolve({ format: answer.format, total: answer.bytes, chunks: answerChunks(answer.chunks) }),
        sample: { projectId: copy.projectId, datasetId: 'query', limit: options.rows, table: RESULT_TABLE, replace: false },
        call: { progress: () => undefined },
        signal: new AbortController().signal,
      });
      const end = performance.now();
      if (answer.rows !== options.rows || loaded.rows !== options.rows) {
        throw new Error(`the platform answered ${answer.rows} rows and ${loaded.rows} were loaded, expected ${options.rows}`);
      }
      const described = await engine.describe(RESULT_TABLE);
      if (described.rows !== options.rows) throw new Error(`the local table holds ${described.rows} rows, expected ${options.rows}`);
      return { ms: end - start, answerMs: answered - start, loadMs: end - answered, bytes: answer.bytes };
    } finally {
      await answer.dispose();
    }
  } finally {
    await engine.close();
    await rm(options.dir, { recursive: true, force: true });
  }
}

/** Native DuckDB: the SELECT on the copy file (opened read-only, untimed) to Arrow record batches in memory. */
async function nativeToArrow(options: { copyFile: string; sql: string; rows: number; threads: number }): Promise<number> {
  const instance = await DuckDBInstance.create(options.copyFile, {
    access_mode: 'READ_ONLY',
    threads: String(options.threads),
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  try {
    const connection = await instance.connect();
    try {
      const start = performance.now();
      const result = await connection.stream(options.sql);
      const builders = (): Array<{ name: string; builder: ColumnBuilder }> =>
        result.columnNames().map((name, i) => ({
          name,
          builder: columnBuilderFor({
            typeId: result.columnTypeId(i),
            typeName: result.columnType(i).toString(),
            index: i,
            dictionary: false,
          }),
        }));
      const batches: RecordBatch[] = [];
      let batch = builders();
      let inBatch = 0;
      let rows = 0;
      for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        const count = chunk.rowCount;
        batch.forEach((column, i) => column.builder.append(chunk.getColumnVector(i), count));
        inBatch += count;
        rows += count;
        if (inBatch >= NATIVE_BATCH_ROWS) {
          batches.push(toRecordBatch(batch));
          batch = builders();
          inBatch = 0;
        }
      }
      if (inBatch > 0) batches.push(toRecordBatch(batch));
      const ms = performance.now() - start;
      const inBatches = batches.reduce((sum, recordBatch) => sum + recordBatch.numRows, 0);
      if (rows !== options.rows || inBatches !== rows) throw new Error(`built ${inBatches} of ${rows} rows, expected ${options.rows}`);
      return ms;
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** Native DuckDB: the SELECT on the copy file (attached read-only, untimed) into a table of an in-memory database. */
async function nativeToTable(options: { copyFile: string; sql: string; rows: number; threads: number }): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', {
    threads: String(options.threads),
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  try {
    const connection = await instance.connect();
    try {
      await connection.run(`ATTACH ${quoteString(options.copyFile)} AS bench_copy (READ_ONLY)`);
      // The SELECT's own names then resolve in the copy; the table goes into the in-memory database.
      await connection.run('USE bench_copy');
      const start = performance.now();
      await connection.run(`CREATE TABLE memory.main.${quoteIdentifier(RESULT_TABLE)} AS ${options.sql}`);
      const ms = performance.now() - start;
      const [row] = (await connection.runAndReadAll(`SELECT count(*) FROM memory.main.${quoteIdentifier(RESULT_TABLE)}`)).getRows();
      if (Number(row?.[0] ?? -1) !== options.rows) throw new Error(`made ${String(row?.[0])} rows, expected ${options.rows}`);
      return ms;
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

const failed = (err: unknown): LoadTiming => ({ ok: false, error: err instanceof Error ? err.message : String(err) });

/** Per size: one untimed run of each, then `runs` rounds of one run each, back to back. */
export async function benchQueryLoads(options: {
  copy: ProjectCopy;
  copyFile: string;
  rowCap: number;
  sizes: readonly number[];
  runs: number;
  scratch: string;
  log: (line: string) => void;
}): Promise<QueryLoadResult[]> {
  const { copy, runs, log } = options;
  const threads = os.availableParallelism();
  const episodes = copy.relations.find((relation) => relation.id === 'hospital_episodes')?.rowCount ?? 0;
  const results: QueryLoadResult[] = [];
  for (const rows of options.sizes) {
    const sql = joinSql(copy, rows);
    if (rows > episodes) {
      const error = `the copy has ${episodes.toLocaleString('en-GB')} episodes, fewer than ${rows.toLocaleString('en-GB')}: raise --minimised-scale`;
      results.push({
        rows,
        sql,
        runs,
        threads,
        answerBytes: 0,
        app: failed(error),
        appAnswerMs: null,
        appLoadMs: null,
        native: failed(error),
        nativeTable: failed(error),
      });
      continue;
    }
    let answerBytes = 0;
    const split = { answerMs: [] as number[], loadMs: [] as number[] };
    const runners: Record<'app' | 'native' | 'nativeTable', () => Promise<number>> = {
      app: async () => {
        const timed = await appQueryLoad({ copy, sql, rows, rowCap: options.rowCap, dir: path.join(options.scratch, 'workspace') });
        answerBytes = timed.bytes;
        split.answerMs.push(timed.answerMs);
        split.loadMs.push(timed.loadMs);
        return timed.ms;
      },
      native: () => nativeToArrow({ copyFile: options.copyFile, sql, rows, threads }),
      nativeTable: () => nativeToTable({ copyFile: options.copyFile, sql, rows, threads }),
    };
    const names = Object.keys(runners) as (keyof typeof runners)[];
    const times = { app: [] as number[], native: [] as number[], nativeTable: [] as number[] };
    const errors: Partial<Record<keyof typeof runners, unknown>> = {};
    for (let round = 0; round <= runs; round += 1) {
      log(
        `  minimised query → local table, ${rows.toLocaleString('en-GB')} rows: ${round === 0 ? 'warm-up' : `round ${round} of ${runs}`}`,
      );
      for (const name of names) {
        if (errors[name] !== undefined) continue;
        try {
          const ms = await runners[name]();
          if (round > 0) times[name].push(ms);
        } catch (err) {
          errors[name] = err;
        }
      }
    }
    const timing = (name: keyof typeof runners): LoadTiming =>
      errors[name] !== undefined ? failed(errors[name]) : { ok: true, medianMs: median(times[name]), runsMs: times[name] };
    // The warm-up's split is left out, as its total is.
    const timedSplit = (values: number[]): number | null => (errors.app === undefined ? median(values.slice(1)) : null);
    results.push({
      rows,
      sql,
      runs,
      threads,
      answerBytes,
      app: timing('app'),
      appAnswerMs: timedSplit(split.answerMs),
      appLoadMs: timedSplit(split.loadMs),
      native: timing('native'),
      nativeTable: timing('nativeTable'),
    });
  }
  return results;
}
