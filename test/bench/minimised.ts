// Minimised copies (issue 15, "Measured"). Two figures, each against native DuckDB in the same run, round by round:
//
// 1. Building a project's minimised copy. The app's path: the platform's engine.copy(spec) for a bench project under
//    the cardio-admissions demo agreement (patients and hospital_episodes, the policy's default treatments with the
//    agreement's own, its admission-date condition and the national data opt-out), from the call until the copy is
//    served; a fresh engine each round (opened and closed untimed), so every round builds the file anew. Against it:
//    native DuckDB creating a new database file and running, for each relation, CREATE TABLE AS SELECT * FROM
//    read_parquet(raw file) (the same raw rows, untreated and unfiltered), then CHECKPOINT, until the file is closed;
//    and the same into memory, for context.
// 2. A query's answer into a ready local table (./minimised-query.ts).
import { mkdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { bestEffort } from '../../src/common/detached.ts';
import { quoteIdentifier, quoteString } from '../../src/common/sql-identifiers.ts';
import type { CopySpec, ProjectCopy } from '../../src/platform/engine/data-engine.ts';
import { MINIMISED_FOLDER, openDuckDbEngine } from '../../src/platform/engine/duckdb-engine.ts';
import { median } from './measure.ts';
import { BENCH_ROW_CAP, benchCopySpec, clearEngineFolders, preparePlatformData } from './minimised-data.ts';
import type { PlatformData } from './minimised-data.ts';
import { benchQueryLoads } from './minimised-query.ts';
import type { QueryLoadResult } from './minimised-query.ts';
import type { LoadTiming } from './sample-load.ts';

/** The ratio app ÷ native (a new database file) the issue asks of building a copy. */
export const COPY_BUILD_GOAL = 1.3;

export interface CopyBuildResult {
  runs: number;
  threads: number;
  /** Raw rows read, per relation (what the native baseline copies). */
  rawRows: Record<string, number>;
  /** Rows in the minimised copy, per relation (after the row conditions and the opt-out). */
  copyRows: Record<string, number>;
  copyBytes: number;
  nativeFileBytes: number;
  /**
   * Rows of the copy with no pseudonym, per pseudonymised column, against the raw column's NULLs (an upper bound: the
   * copy's rows are some of the raw ones). More than that means the build left values out, and the timing is void.
   */
  pseudonymCheck: PseudonymCheck[];
  /** engine.copy(spec) until the copy is served. */
  app: LoadTiming;
  /** Medians of the app's stages, from its progress reports, in the order they ran. */
  appStagesMs: Array<{ stage: string; medianMs: number }>;
  /** A new database file: CREATE TABLE AS per relation, CHECKPOINT, close. */
  nativeFile: LoadTiming;
  /** The same into memory (no checkpoint). */
  nativeMemory: LoadTiming;
}

export interface PseudonymCheck {
  relation: string;
  column: string;
  rows: number;
  copyNulls: number;
  rawNulls: number;
}

/** True when some pseudonyms are missing from the copy (more NULLs than the raw column has). */
export const pseudonymsMissing = (checks: readonly PseudonymCheck[]): boolean => checks.some((c) => c.copyNulls > c.rawNulls);

export interface MinimisedResult {
  scale: number;
  seed: number;
  data: { dir: string; cached: boolean; prepareMs: number; rows: Record<string, number> };
  agreement: string;
  loadAverageAtStart: number[];
  build: CopyBuildResult;
  queries: QueryLoadResult[];
}

/** The stages engine.copy reports (its progress), named for the report; the last relation's includes the CHECKPOINT. */
function stageTimes(options: {
  start: number;
  end: number;
  marks: Array<{ stage: string; at: number }>;
}): Array<{ stage: string; ms: number }> {
  const { start, end, marks } = options;
  const stages: Array<{ stage: string; ms: number }> = [];
  let previous = { label: 'set-up (instance, raw views, lock-down)', at: start };
  for (const mark of marks) {
    stages.push({ stage: previous.label, ms: mark.at - previous.at });
    const label =
      mark.stage === 'Pseudonyms'
        ? 'pseudonym map'
        : mark.stage === 'Done'
          ? 'serve (close, rename, open read-only, describe)'
          : `${mark.stage} (CREATE TABLE AS${mark === marks.at(-2) ? ', then CHECKPOINT' : ''})`;
    previous = { label, at: mark.at };
  }
  stages.push({ stage: previous.label, ms: end - previous.at });
  return stages;
}

/** Counts each pseudonymised column's NULLs in the copy (opened read-only beside the engine) and in the raw file. */
async function checkPseudonyms(options: { copyFile: string; spec: CopySpec; files: Record<string, string> }): Promise<PseudonymCheck[]> {
  const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
  try {
    const connection = await instance.connect();
    try {
      await connection.run(`ATTACH ${quoteString(options.copyFile)} AS bench_copy (READ_ONLY)`);
      const checks: PseudonymCheck[] = [];
      for (const relation of options.spec.relations) {
        for (const column of relation.columns) {
          if (!('pseudonymOf' in column)) continue;
          const scalar = async (sql: string): Promise<number> => Number((await connection.runAndReadAll(sql)).getRows()[0]?.[0] ?? -1);
          const table = `bench_copy.main.${quoteIdentifier(relation.name)}`;
          checks.push({
            relation: relation.name,
            column: column.name,
            rows: await scalar(`SELECT count(*) FROM ${table}`),
            copyNulls: await scalar(`SELECT count(*) FROM ${table} WHERE ${quoteIdentifier(column.name)} IS NULL`),
            rawNulls: await scalar(
              `SELECT count(*) FROM read_parquet(${quoteString(options.files[relation.datasetId])}) WHERE ${quoteIdentifier(column.pseudonymOf)} IS NULL`,
            ),
          });
        }
      }
      return checks;
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

interface AppBuild {
  ms: number;
  /** Only when asked for (the warm-up): it reads the copy after the timing. */
  pseudonymCheck: PseudonymCheck[];
  stages: Array<{ stage: string; ms: number }>;
  rows: Record<string, number>;
  bytes: number;
}

/** One build through the app's path, in an engine opened (and its hashes checked) for it alone. */
async function appBuild(options: { data: PlatformData; spec: CopySpec; check: boolean }): Promise<AppBuild> {
  const dataDir = options.data.dir;
  const engine = await openDuckDbEngine({ dataDir });
  try {
    const marks: Array<{ stage: string; at: number }> = [];
    const start = performance.now();
    const copy = await engine.copy(options.spec, { onProgress: ({ stage }) => marks.push({ stage, at: performance.now() }) });
    const end = performance.now();
    const file = path.join(dataDir, MINIMISED_FOLDER, `${copy.projectId}--${copy.version}.duckdb`);
    return {
      ms: end - start,
      pseudonymCheck: options.check ? await checkPseudonyms({ copyFile: file, spec: options.spec, files: options.data.files }) : [],
      stages: stageTimes({ start, end, marks }),
      rows: Object.fromEntries(copy.relations.map((relation) => [relation.id, relation.rowCount])),
      bytes: (await stat(file)).size,
    };
  } finally {
    await engine.close();
    await rm(path.join(dataDir, MINIMISED_FOLDER), { recursive: true, force: true });
  }
}

/** Native DuckDB run directly: every relation's raw rows copied plainly into a new database (a file, or memory). */
async function nativeBuild(options: {
  files: ReadonlyMap<string, string>;
  file: string | null;
  threads: number;
}): Promise<{ ms: number; rows: Record<string, number>; bytes: number }> {
  const { file } = options;
  if (file !== null) {
    await mkdir(path.dirname(file), { recursive: true });
    await rm(file, { force: true });
    await rm(`${file}.wal`, { force: true });
  }
  const start = performance.now();
  const instance = await DuckDBInstance.create(file ?? ':memory:', {
    threads: String(options.threads),
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  let ms: number | undefined;
  const rows: Record<string, number> = {};
  try {
    const connection = await instance.connect();
    try {
      for (const [name, parquet] of options.files) {
        await connection.run(`CREATE TABLE ${quoteIdentifier(name)} AS SELECT * FROM read_parquet(${quoteString(parquet)})`);
      }
      if (file !== null) await connection.run('CHECKPOINT');
      if (file === null) ms = performance.now() - start;
      for (const name of options.files.keys()) {
        rows[name] = Number((await connection.runAndReadAll(`SELECT count(*) FROM ${quoteIdentifier(name)}`)).getRows()[0]?.[0] ?? -1);
      }
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
  // A file counts once it is closed (the copy the app serves is a closed file); memory once the tables exist.
  ms ??= performance.now() - start;
  const bytes = file === null ? 0 : (await stat(file)).size;
  if (file !== null) {
    await rm(file, { force: true });
    await rm(`${file}.wal`, { force: true });
  }
  return { ms, rows, bytes };
}

const failed = (err: unknown): LoadTiming => ({ ok: false, error: err instanceof Error ? err.message : String(err) });

/** One untimed build of each, then `runs` rounds of one build each, back to back. */
async function benchCopyBuild(options: {
  data: PlatformData;
  spec: CopySpec;
  runs: number;
  scratch: string;
  log: (line: string) => void;
}): Promise<CopyBuildResult> {
  const { data, spec, runs, log } = options;
  const threads = os.availableParallelism();
  const relations = spec.relations.map((relation) => relation.name);
  const files = new Map(spec.relations.map((relation) => [relation.name, data.files[relation.datasetId]]));
  const rawRows = Object.fromEntries(spec.relations.map((relation) => [relation.name, data.rows[relation.datasetId]]));
  const nonce = `${process.pid}-${Date.now()}`;
  const times = { app: [] as number[], nativeFile: [] as number[], nativeMemory: [] as number[] };
  const stages = new Map<string, number[]>();
  const errors: Partial<Record<keyof typeof times, unknown>> = {};
  let copyRows: Record<string, number> = {};
  let pseudonymCheck: PseudonymCheck[] = [];
  let copyBytes = 0;
  let nativeFileBytes = 0;
  const checkRows = (name: string, rows: Record<string, number>, expected: Record<string, number>): void => {
    for (const relation of relations) {
      if (rows[relation] !== expected[relation])
        throw new Error(`${name}: ${relation} has ${rows[relation]} rows, expected ${expected[relation]}`);
    }
  };
  const builders: Record<keyof typeof times, (round: number) => Promise<number>> = {
    app: async (round) => {
      // A version of its own each round: the engine names the file by it, so nothing is reused.
      const built = await appBuild({ data, spec: { ...spec, version: `${spec.version}:bench-${nonce}-${round}` }, check: round === 0 });
      if (round === 0) {
        copyRows = built.rows;
        copyBytes = built.bytes;
        pseudonymCheck = built.pseudonymCheck;
      } else {
        checkRows('the copy', built.rows, copyRows);
        for (const { stage, ms } of built.stages) stages.set(stage, [...(stages.get(stage) ?? []), ms]);
      }
      return built.ms;
    },
    nativeFile: async () => {
      const built = await nativeBuild({ files, file: path.join(options.scratch, 'native-copy.duckdb'), threads });
      checkRows('native file', built.rows, rawRows);
      nativeFileBytes = built.bytes;
      return built.ms;
    },
    nativeMemory: async () => {
      const built = await nativeBuild({ files, file: null, threads });
      checkRows('native memory', built.rows, rawRows);
      return built.ms;
    },
  };
  const names = Object.keys(builders) as (keyof typeof times)[];
  for (let round = 0; round <= runs; round += 1) {
    log(`  minimised copy, ${data.scale.toLocaleString('en-GB')} patients: ${round === 0 ? 'warm-up' : `round ${round} of ${runs}`}`);
    for (const name of names) {
      if (errors[name] !== undefined) continue;
      try {
        const ms = await builders[name](round);
        if (round > 0) times[name].push(ms);
      } catch (err) {
        errors[name] = err;
      }
    }
  }
  const timing = (name: keyof typeof times): LoadTiming =>
    errors[name] !== undefined ? failed(errors[name]) : { ok: true, medianMs: median(times[name]), runsMs: times[name] };
  return {
    runs,
    threads,
    rawRows,
    copyRows,
    copyBytes,
    nativeFileBytes,
    pseudonymCheck,
    app: timing('app'),
    appStagesMs: [...stages].map(([stage, ms]) => ({ stage, medianMs: median(ms) })),
    nativeFile: timing('nativeFile'),
    nativeMemory: timing('nativeMemory'),
  };
}

/** The whole minimised bench: the data (cached), the copy build, then each query size on one served copy. */
export async function benchMinimised(options: {
  /** bench-results/data: where the platform's datasets are cached. */
  dataRoot: string;
  /** Scratch space for database files and workspaces (emptied afterwards). */
  scratch: string;
  scale: number;
  seed: number;
  regenerate: boolean;
  runs: number;
  queryRows: readonly number[];
  loadAverage: number[];
  log: (line: string) => void;
}): Promise<MinimisedResult> {
  const { log } = options;
  const data = await preparePlatformData({
    root: options.dataRoot,
    scale: options.scale,
    seed: options.seed,
    regenerate: options.regenerate,
    log,
  });
  const { spec, agreementFile } = await benchCopySpec();
  try {
    await mkdir(options.scratch, { recursive: true });
    const build = await benchCopyBuild({ data, spec, runs: options.runs, scratch: options.scratch, log });
    let queries: QueryLoadResult[] = [];
    if (options.queryRows.length > 0) {
      const engine = await openDuckDbEngine({ dataDir: data.dir });
      try {
        log('  minimised copy for the queries…');
        const copy: ProjectCopy = await engine.copy(spec);
        const copyFile = path.join(data.dir, MINIMISED_FOLDER, `${copy.projectId}--${copy.version}.duckdb`);
        queries = await benchQueryLoads({
          copy,
          copyFile,
          rowCap: BENCH_ROW_CAP,
          sizes: options.queryRows,
          runs: options.runs,
          scratch: options.scratch,
          log,
        });
      } finally {
        await engine.close();
      }
    }
    return {
      scale: data.scale,
      seed: data.seed,
      data: { dir: data.dir, cached: data.cached, prepareMs: data.prepareMs, rows: data.rows },
      agreement: agreementFile,
      loadAverageAtStart: options.loadAverage,
      build,
      queries,
    };
  } finally {
    await bestEffort(clearEngineFolders(data.dir));
    await bestEffort(rm(options.scratch, { recursive: true, force: true }));
  }
}
