// Times every query at one data size in the app's native local engine (run plus first page), in native DuckDB run
// directly with all cores and with one, and in DuckDB-wasm (run plus first page, as the app drives it), and checks
// that the engines agree (row count and checksum). Each query runs in every engine back to back, so a change in
// the shared machine's load falls on all of them alike.
import type { AppEngine } from './app-engine.ts';
import type { BenchData } from './data.ts';
import type { NativeEngine } from './native.ts';
import {
  assertionAsRowsSql,
  CHAPTERS_TABLE,
  CREATE_CHAPTERS_SQL,
  checksumAsRowsSql,
  checksumSql,
  EPISODES_TABLE,
  QUERIES,
} from './queries.ts';
import type { BenchQuery } from './queries.ts';
import type { WasmSession } from './wasm.ts';
import { pageErrorMessage } from './wasm.ts';

export type EngineResult =
  { ok: true; medianMs: number; runsMs: number[]; warmUpMs: number; rows: number; checksum: number | null } | { ok: false; error: string };

export interface QueryResult {
  name: string;
  kind: BenchQuery['kind'];
  sql: string;
  /** The app's native local engine: LocalEngine.run plus the first page. */
  app: EngineResult;
  wasm: EngineResult;
  native1: EngineResult;
  /** Native DuckDB run directly with all of the machine's cores. */
  nativeAll: EngineResult;
  /** Problems found comparing the engines' results (empty when they agree). */
  mismatches: string[];
}

export interface SizeResult {
  rows: number;
  seed: number;
  runs: number;
  data: { parquetBytes: number; arrowBytes: number; parquetSha256: string; cached: boolean; prepareMs: number };
  loadAverageAtStart: number[];
  native: { loadMs: number; loadThreads: number };
  app: { loadMs: number; threads: number; memoryLimitBytes: number };
  wasm: {
    startMs: number | null;
    loadMs: number | null;
    fetchMs: number | null;
    error: string | null;
    /** Not run at this size: beyond DuckDB-wasm's ceiling (not a failure). */
    beyondCeiling: boolean;
    pageProblems: string[];
  };
  queries: QueryResult[];
}

type Runner = (sql: string) => Promise<{ ms: number; rows: number }>;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One warm-up run, then `runs` timed runs; every run must return the same number of rows. */
async function time(run: Runner, sql: string, runs: number): Promise<EngineResult> {
  try {
    const warmUp = await run(sql);
    const runsMs: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const timed = await run(sql);
      if (timed.rows !== warmUp.rows) throw new Error(`returned ${timed.rows} rows, then ${warmUp.rows}`);
      runsMs.push(timed.ms);
    }
    return { ok: true, medianMs: median(runsMs), runsMs, warmUpMs: warmUp.ms, rows: warmUp.rows, checksum: null };
  } catch (err) {
    return { ok: false, error: pageErrorMessage(err) };
  }
}

async function withChecksum(result: EngineResult, checksum: () => Promise<number>): Promise<EngineResult> {
  if (!result.ok) return result;
  try {
    return { ...result, checksum: await checksum() };
  } catch (err) {
    return { ok: false, error: `checksum failed: ${pageErrorMessage(err)}` };
  }
}

function compare(results: Record<'app' | 'wasm' | 'native1' | 'nativeAll', EngineResult>): string[] {
  const ok = Object.entries(results).filter((entry): entry is [string, Extract<EngineResult, { ok: true }>] => entry[1].ok);
  const mismatches: string[] = [];
  const [first, ...rest] = ok;
  if (first === undefined) return mismatches;
  for (const [name, result] of rest) {
    if (result.rows !== first[1].rows) mismatches.push(`${name} returned ${result.rows} rows, ${first[0]} ${first[1].rows}`);
    else if (result.checksum !== first[1].checksum)
      mismatches.push(`${name}'s checksum ${result.checksum} differs from ${first[0]}'s ${first[1].checksum}`);
  }
  return mismatches;
}

/** Asks the wasm engine a yes/no question (it can only report row counts). */
async function wasmAssert(session: WasmSession, condition: string): Promise<boolean> {
  return (await session.run(assertionAsRowsSql(condition))).rows === 1;
}

export async function benchSize(options: {
  data: BenchData;
  runs: number;
  native: NativeEngine;
  /** All of the machine's cores, as the app's engine uses. */
  allThreads: number;
  app: AppEngine;
  /** null when DuckDB-wasm could not start at all. */
  wasm: WasmSession | null;
  wasmStartError: string | null;
  /** The size is beyond DuckDB-wasm's ceiling: it was not started. */
  wasmBeyondCeiling: boolean;
  dataPath: string;
  loadAverage: number[];
  log: (line: string) => void;
}): Promise<SizeResult> {
  const { data, runs, native, app, log } = options;
  const loadThreads = options.allThreads;
  log(`Native DuckDB: loading ${data.rows.toLocaleString('en-GB')} rows from Parquet…`);
  const nativeLoad = await native.load(data.parquet, loadThreads);
  if (nativeLoad.rows !== data.rows) throw new Error(`Native DuckDB loaded ${nativeLoad.rows} rows, expected ${data.rows}.`);
  const chapterRows = await native.scalar(`SELECT count(*) FROM ${CHAPTERS_TABLE}`);
  log('The app’s native engine: loading the same Parquet through LocalEngine.load…');
  const appLoad = await app.load(data.parquet, EPISODES_TABLE);
  if (appLoad.rows !== data.rows) throw new Error(`The app’s engine loaded ${appLoad.rows} rows, expected ${data.rows}.`);
  await app.run(CREATE_CHAPTERS_SQL);
  if ((await app.scalar(`SELECT count(*) FROM ${CHAPTERS_TABLE}`)) !== chapterRows) throw new Error('The app’s chapter table differs.');

  const wasm: SizeResult['wasm'] = {
    startMs: options.wasm?.startMs ?? null,
    loadMs: null,
    fetchMs: null,
    error: options.wasmStartError,
    beyondCeiling: options.wasmBeyondCeiling,
    pageProblems: [],
  };
  let session = options.wasm;
  if (session !== null) {
    log('DuckDB-wasm: loading the same rows from Arrow IPC…');
    try {
      const loaded = await session.load(EPISODES_TABLE, options.dataPath);
      if (loaded.rows !== data.rows) throw new Error(`loaded ${loaded.rows} rows, expected ${data.rows}`);
      wasm.loadMs = loaded.ms;
      wasm.fetchMs = loaded.fetchMs;
      await session.run(CREATE_CHAPTERS_SQL);
      if (!(await wasmAssert(session, `(SELECT count(*) FROM ${CHAPTERS_TABLE}) = ${chapterRows}`))) {
        throw new Error('the chapter table differs from native DuckDB’s');
      }
    } catch (err) {
      wasm.error = `load failed: ${pageErrorMessage(err)}`;
      session = null;
    }
  }

  const queries: QueryResult[] = [];
  for (const query of QUERIES) {
    log(`  ${query.name}`);
    const wasmSession = session;
    const wasmResult: EngineResult =
      wasmSession === null
        ? { ok: false, error: wasm.error ?? 'DuckDB-wasm is not running' }
        : await withChecksum(
            await time((sql) => wasmSession.runPaged(sql), query.sql, runs),
            async () => (await wasmSession.run(checksumAsRowsSql(query.sql))).rows,
          );
    const appResult = await withChecksum(await time((sql) => app.run(sql), query.sql, runs), () => app.scalar(checksumSql(query.sql)));
    await native.setThreads(options.allThreads);
    const nativeAll = await withChecksum(await time((sql) => native.run(sql), query.sql, runs), () =>
      native.scalar(checksumSql(query.sql)),
    );
    await native.setThreads(1);
    const native1 = await withChecksum(await time((sql) => native.run(sql), query.sql, runs), () => native.scalar(checksumSql(query.sql)));
    const results = { app: appResult, wasm: wasmResult, native1, nativeAll };
    queries.push({ name: query.name, kind: query.kind, sql: query.sql, ...results, mismatches: compare(results) });
  }
  wasm.pageProblems = options.wasm?.problems() ?? [];
  return {
    rows: data.rows,
    seed: data.seed,
    runs,
    data: {
      parquetBytes: data.parquetBytes,
      arrowBytes: data.arrowBytes,
      parquetSha256: data.parquetSha256,
      cached: data.cached,
      prepareMs: data.prepareMs,
    },
    loadAverageAtStart: options.loadAverage,
    native: { loadMs: nativeLoad.ms, loadThreads },
    app: { loadMs: appLoad.ms, threads: app.threads, memoryLimitBytes: app.memoryLimitBytes },
    wasm,
    queries,
  };
}

/** DuckDB's version and thread count inside the page, read through row counts. */
export async function wasmFacts(session: WasmSession): Promise<{ duckdbVersion: string; threads: number }> {
  const part = (i: number): string => `CAST(split_part(ltrim(version(), 'v'), '.', ${i}) AS INTEGER)`;
  const encoded = (await session.run(`SELECT r FROM range(1000000) AS t(r) WHERE r < ${part(1)} * 10000 + ${part(2)} * 100 + ${part(3)}`))
    .rows;
  const threads = (await session.run(`SELECT r FROM range(1024) AS t(r) WHERE r < CAST(current_setting('threads') AS INTEGER)`)).rows;
  return { duckdbVersion: `v${Math.floor(encoded / 10000)}.${Math.floor(encoded / 100) % 100}.${encoded % 100}`, threads };
}
