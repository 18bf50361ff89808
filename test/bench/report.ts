// The bench's report: a plain-text table per data size on stdout and one JSON file with the machine's facts.
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { COPY_BUILD_GOAL, pseudonymsMissing } from './minimised.ts';
import type { MinimisedResult } from './minimised.ts';
import { BENCH_ROW_CAP } from './minimised-data.ts';
import { QUERY_LOAD_GOAL } from './minimised-query.ts';
import { FIRST_PAGE_ROWS } from './options.ts';
import { median } from './measure.ts';
import type { EngineResult, SizeResult } from './measure.ts';
import { SAMPLE_LOAD_GOAL, SAMPLE_PART_BYTES } from './sample-load.ts';
import type { LoadTiming, SampleLoadResult } from './sample-load.ts';
import { START_GOAL_MS } from './start.ts';
import type { StartResult, StartRun } from './start.ts';

export interface MachineFacts {
  os: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  chromium: string | null;
  duckdbNative: string;
  duckdbNodeApiPackage: string;
  duckdbWasm: string | null;
  duckdbWasmPackage: string;
  wasmThreads: number | null;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
}

const require = createRequire(import.meta.url);

/** The ratio app ÷ native (all cores) the issue asks of the query suite's median. */
export const SUITE_GOAL = 1.3;

/** A package's installed version, read from its package.json (not exported through "exports" by every package). */
function packageVersion(name: string): string {
  try {
    const entry = require.resolve(name);
    let dir = path.dirname(entry);
    for (let i = 0; i < 6; i += 1) {
      try {
        const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      } catch {
        // not this folder; look one up
      }
      dir = path.dirname(dir);
    }
  } catch {
    // fall through
  }
  return 'unknown';
}

function osName(): string {
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1] ?? `${os.type()} ${os.release()}`;
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

export function loadAverage(): number[] {
  return os.loadavg().map((n) => Math.round(n * 100) / 100);
}

export function machineFacts(engines: {
  chromium: string | null;
  duckdbNative: string;
  duckdbWasm: string | null;
  wasmThreads: number | null;
}): MachineFacts {
  const cpus = os.cpus();
  return {
    os: osName(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    chromium: engines.chromium,
    duckdbNative: engines.duckdbNative,
    duckdbNodeApiPackage: packageVersion('@duckdb/node-api'),
    duckdbWasm: engines.duckdbWasm,
    duckdbWasmPackage: packageVersion('@duckdb/duckdb-wasm'),
    wasmThreads: engines.wasmThreads,
    loadAverageAtStart: loadAverage(),
  };
}

const ms = (value: number | null | undefined): string =>
  value === null || value === undefined ? '—' : value >= 100 ? value.toFixed(0) : value.toFixed(1);

function ratio(wasm: EngineResult, native: EngineResult): number | null {
  return wasm.ok && native.ok && native.medianMs > 0 ? wasm.medianMs / native.medianMs : null;
}

/** Aligns columns: the first left, the rest right. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatSize(result: SizeResult): string {
  const cell = (r: EngineResult): string => (r.ok ? ms(r.medianMs) : 'FAILED');
  const wasmCell = (r: EngineResult): string => (result.wasm.beyondCeiling ? 'beyond' : cell(r));
  const fmtRatio = (value: number | null): string => (value === null ? '—' : `${value.toFixed(2)}×`);
  const all = `native ${result.native.loadThreads}t`;
  const rows: string[][] = [
    [
      'query',
      'result rows',
      'app ms',
      `${all} ms`,
      `app/${result.native.loadThreads}t`,
      'wasm ms',
      `wasm/${result.native.loadThreads}t`,
      'native 1t ms',
      'wasm/1t',
      'check',
    ],
  ];
  const ratios = { app: [] as number[], wasmAll: [] as number[], wasm1: [] as number[] };
  for (const q of result.queries) {
    const app = ratio(q.app, q.nativeAll);
    const wasmAll = ratio(q.wasm, q.nativeAll);
    const wasm1 = ratio(q.wasm, q.native1);
    if (app !== null) ratios.app.push(app);
    if (wasmAll !== null) ratios.wasmAll.push(wasmAll);
    if (wasm1 !== null) ratios.wasm1.push(wasm1);
    const resultRows = [q.app, q.nativeAll, q.native1, q.wasm].find((r) => r.ok);
    const complete = q.app.ok && q.nativeAll.ok && q.native1.ok && (q.wasm.ok || result.wasm.beyondCeiling);
    const check = q.mismatches.length > 0 ? 'MISMATCH' : complete ? 'same' : 'partial';
    rows.push([
      q.name,
      resultRows?.ok ? String(resultRows.rows) : '—',
      cell(q.app),
      cell(q.nativeAll),
      fmtRatio(app),
      wasmCell(q.wasm),
      fmtRatio(wasmAll),
      cell(q.native1),
      fmtRatio(wasm1),
      check,
    ]);
  }
  const medianOf = (values: number[]): string => fmtRatio(values.length ? median(values) : null);
  rows.push(['median ratio', '', '', '', medianOf(ratios.app), '', medianOf(ratios.wasmAll), '', medianOf(ratios.wasm1), '']);
  const appLoadRatio = result.native.loadMs > 0 ? result.app.loadMs / result.native.loadMs : null;
  const lines = [
    `## ${result.rows.toLocaleString('en-GB')} episode rows (seed ${result.seed}; median of ${result.runs} timed run${result.runs === 1 ? '' : 's'} after one warm-up; load average at start ${result.loadAverageAtStart.join(', ')})`,
    `data: Parquet ${(result.data.parquetBytes / 2 ** 20).toFixed(1)} MiB, ${result.wasm.beyondCeiling ? 'no Arrow IPC (DuckDB-wasm not run)' : `Arrow IPC ${(result.data.arrowBytes / 2 ** 20).toFixed(1)} MiB`}, ${result.data.cached ? 'cached' : `generated in ${(result.data.prepareMs / 1000).toFixed(1)} s`}`,
    `load: native Parquet → table ${ms(result.native.loadMs)} ms (${result.native.loadThreads} threads); app engine Parquet → table through LocalEngine.load ${ms(result.app.loadMs)} ms (${fmtRatio(appLoadRatio)} native in memory; see the sample section for the goal); wasm Arrow IPC → table ${ms(result.wasm.loadMs)} ms (+ fetch ${ms(result.wasm.fetchMs)} ms); wasm start-up ${ms(result.wasm.startMs)} ms`,
    `app engine: ${result.app.threads} threads, memory limit ${(result.app.memoryLimitBytes / 2 ** 30).toFixed(1)} GiB; each query is LocalEngine.run plus its first page of ${FIRST_PAGE_ROWS} rows (wasm: the same, in the bench page).`,
    '',
    table(rows),
    '',
    `Goal: app ÷ native ${result.native.loadThreads}t, median over the queries, ≤ ${SUITE_GOAL}×: ${
      ratios.app.length === 0 ? 'not measured' : median(ratios.app) <= SUITE_GOAL ? 'met' : 'not met'
    } (${medianOf(ratios.app)}).`,
  ];
  if (result.wasm.beyondCeiling) {
    lines.push(
      '',
      `DuckDB-wasm: not run at ${result.rows.toLocaleString('en-GB')} rows: beyond its ceiling (its heap stops near 3.1 GiB and it cannot spill to disk). Not a failure.`,
    );
  } else if (result.wasm.error) lines.push('', `DuckDB-wasm: ${result.wasm.error}`);
  for (const q of result.queries) {
    for (const [engine, r] of [
      ['app', q.app],
      ['wasm', q.wasm],
      ['native 1t', q.native1],
      [all, q.nativeAll],
    ] as const) {
      if (!r.ok && !(engine === 'wasm' && (result.wasm.error || result.wasm.beyondCeiling))) lines.push(`${q.name}, ${engine}: ${r.error}`);
    }
    for (const m of q.mismatches) lines.push(`MISMATCH in ${q.name}: ${m}`);
  }
  if (result.wasm.pageProblems.length > 0) lines.push('', `The bench page reported: ${result.wasm.pageProblems.join(' | ')}`);
  return lines.join('\n');
}

const seconds = (value: number): string => `${(value / 1000).toFixed(2)} s`;

const cell = (t: LoadTiming): string => (t.ok ? ms(t.medianMs) : 'FAILED');
const over = (a: LoadTiming, b: LoadTiming): number | null => (a.ok && b.ok && b.medianMs > 0 ? a.medianMs / b.medianMs : null);
const fmtRatio = (value: number | null): string => (value === null ? '—' : `${value.toFixed(2)}×`);
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const count = (n: number | undefined): string => (n === undefined ? '—' : n.toLocaleString('en-GB'));

/** A goal's verdict: ✓ or ✗ and the ratio, or why there is none. */
function verdict(value: number | null, goal: number): string {
  if (value === null) return 'not measured';
  return value <= goal ? `✓ met (${fmtRatio(value)})` : `✗ not met (${fmtRatio(value)})`;
}

/** Sample → ready local table, one row per size. */
export function formatSampleLoads(results: readonly SampleLoadResult[]): string {
  const rows: string[][] = [
    [
      'rows',
      'Parquet MiB',
      'app ms',
      'native memory ms',
      'app/memory',
      'native file ms',
      'app/file',
      'native file (latest) ms',
      'file (latest)/memory',
      'load average',
    ],
  ];
  const verdicts: string[] = [];
  for (const r of results) {
    const goalRatio = over(r.app, r.nativeMemory);
    rows.push([
      r.rows.toLocaleString('en-GB'),
      (r.parquetBytes / 2 ** 20).toFixed(1),
      cell(r.app),
      cell(r.nativeMemory),
      fmtRatio(goalRatio),
      cell(r.nativeFile),
      fmtRatio(over(r.app, r.nativeFile)),
      cell(r.nativeFileLatest),
      fmtRatio(over(r.nativeFileLatest, r.nativeMemory)),
      r.loadAverageAtStart.join(', '),
    ]);
    verdicts.push(
      `${r.rows.toLocaleString('en-GB')} rows: ${goalRatio === null ? 'not measured' : goalRatio <= SAMPLE_LOAD_GOAL ? `met (${fmtRatio(goalRatio)})` : `not met (${fmtRatio(goalRatio)})`}`,
    );
  }
  const lines = [
    `## Sample → ready local table (Parquet; median of ${results[0]?.runs ?? 0} round${results[0]?.runs === 1 ? '' : 's'} after one warm-up; ${results[0]?.threads ?? '?'} threads everywhere)`,
    `app: the core's loadSample into a fresh workspace's native engine, the Parquet in ${SAMPLE_PART_BYTES / 1024} KiB parts as the platform sends it, until the table is committed; native: CREATE TABLE AS read_parquet into a new database, in memory or in a file (DuckDB's default storage format, as the app's engine, and its newest). The transfer from the platform is not timed.`,
    '',
    table(rows),
    '',
    `Goal: app ÷ native in memory ≤ ${SAMPLE_LOAD_GOAL}×: ${verdicts.join('; ')}.`,
  ];
  for (const r of results) {
    for (const [name, t] of [
      ['app', r.app],
      ['native memory', r.nativeMemory],
      ['native file', r.nativeFile],
      ['native file (latest)', r.nativeFileLatest],
    ] as const) {
      if (!t.ok) lines.push(`${r.rows.toLocaleString('en-GB')} rows, ${name}: ${t.error}`);
    }
  }
  return lines.join('\n');
}

/** Minimised copies: the copy's build, then each answer size into a local table, each against native DuckDB. */
export function formatMinimised(result: MinimisedResult): string {
  const { build } = result;
  const relations = Object.keys(build.rawRows);
  const buildRatio = over(build.app, build.nativeFile);
  const lines = [
    `## Minimised copy, and a minimised query into a ready local table (${count(result.scale)} patients, seed ${result.seed}; median of ${build.runs} round${build.runs === 1 ? '' : 's'} after one warm-up; ${build.threads} threads everywhere; load average at start ${result.loadAverageAtStart.join(', ')})`,
    `project: ${result.agreement} with row cap ${count(BENCH_ROW_CAP)}; ${relations.map((name) => `${name} ${count(build.rawRows[name])} raw → ${count(build.copyRows[name])} in the copy`).join(', ')}; data ${result.data.cached ? 'cached' : `generated in ${seconds(result.data.prepareMs)}`}`,
    `build: app = the platform's engine.copy(spec) until the copy is served (pseudonym map, treatments, row conditions, opt-out, CHECKPOINT, rename, opened read-only); native = a new database with CREATE TABLE AS SELECT * FROM read_parquet(raw file) per relation (the same raw rows, plain), then CHECKPOINT and close (a file), or in memory.`,
    '',
    table([
      ['copy build', 'ms', 'app/this', 'file MiB', 'runs ms'],
      ['app: engine.copy', cell(build.app), '', mib(build.copyBytes), build.app.ok ? build.app.runsMs.map(ms).join(', ') : ''],
      [
        'native, new file',
        cell(build.nativeFile),
        fmtRatio(buildRatio),
        mib(build.nativeFileBytes),
        build.nativeFile.ok ? build.nativeFile.runsMs.map(ms).join(', ') : '',
      ],
      [
        'native, in memory',
        cell(build.nativeMemory),
        fmtRatio(over(build.app, build.nativeMemory)),
        '',
        build.nativeMemory.ok ? build.nativeMemory.runsMs.map(ms).join(', ') : '',
      ],
    ]),
    '',
    `app's stages (medians): ${build.appStagesMs.map(({ stage, medianMs }) => `${stage} ${ms(medianMs)} ms`).join('; ')}`,
    build.pseudonymCheck.length === 0
      ? 'copy check: not made'
      : `copy check (pseudonyms): ${build.pseudonymCheck
          .map((c) => `${c.relation}.${c.column} NULL in ${count(c.copyNulls)} of ${count(c.rows)} rows (raw NULLs ${count(c.rawNulls)})`)
          .join(', ')}${pseudonymsMissing(build.pseudonymCheck) ? ' — INCOMPLETE: the build left pseudonyms out' : ''}`,
    `Goal: copy build, app ÷ native new file ≤ ${COPY_BUILD_GOAL}×: ${
      pseudonymsMissing(build.pseudonymCheck)
        ? `✗ not valid: the copy is incomplete (measured ${fmtRatio(buildRatio)})`
        : verdict(buildRatio, COPY_BUILD_GOAL)
    }.`,
  ];
  for (const [name, t] of [
    ['app', build.app],
    ['native file', build.nativeFile],
    ['native memory', build.nativeMemory],
  ] as const) {
    if (!t.ok) lines.push(`copy build, ${name}: ${t.error}`);
  }
  if (result.queries.length === 0) return lines.join('\n');
  lines.push(
    '',
    `query → ready local table: app = parse, check (sql-check.ts) and copy.query as Parquet (the platform's answer written), then the core's loadSample streaming the answer's chunks into a fresh workspace's native engine until the table is committed (the HTTP hop not timed); native = DuckDB on the copy file (read-only) running the same SELECT and building Arrow record batches in-process (arrow-columns.ts); native → table, for context only: the same SELECT into an in-memory table (the engine's floor: nothing leaves DuckDB).`,
    `SQL: ${result.queries[0].sql.replace(/LIMIT \d+$/, 'LIMIT <rows>')}`,
    ...(pseudonymsMissing(build.pseudonymCheck)
      ? ['(The copy lacks pseudonyms, so the join links fewer rows than a complete copy would.)']
      : []),
    '',
    table([
      [
        'rows',
        'answer MiB',
        'app ms',
        'platform answer ms',
        'load ms',
        'native → Arrow ms',
        'app/native',
        'native → table ms',
        'app/table',
      ],
      ...result.queries.map((q) => [
        count(q.rows),
        q.answerBytes > 0 ? mib(q.answerBytes) : '—',
        cell(q.app),
        q.appAnswerMs === null ? '—' : ms(q.appAnswerMs),
        q.appLoadMs === null ? '—' : ms(q.appLoadMs),
        cell(q.native),
        fmtRatio(over(q.app, q.native)),
        cell(q.nativeTable),
        fmtRatio(over(q.app, q.nativeTable)),
      ]),
    ]),
    '',
    `Goal: query → ready local table, app ÷ native to Arrow ≤ ${QUERY_LOAD_GOAL}×: ${result.queries.map((q) => `${count(q.rows)} rows ${verdict(over(q.app, q.native), QUERY_LOAD_GOAL)}`).join('; ')}.`,
  );
  for (const q of result.queries) {
    if (!q.app.ok) lines.push(`${count(q.rows)} rows, app: ${q.app.error}`);
    if (!q.native.ok) lines.push(`${count(q.rows)} rows, native: ${q.native.error}`);
    if (!q.nativeTable.ok) lines.push(`${count(q.rows)} rows, native → table: ${q.nativeTable.error}`);
  }
  return lines.join('\n');
}

/** Start-up of the browser shell: the cold run, the warm median, and the goal. */
export function formatStart(result: StartResult): string {
  const lines = [`## Start-up: browser shell to an interactive sign-in screen (cold, then median of ${result.runs} warm)`];
  if (result.error !== null) {
    lines.push(`Not measured: ${result.error}`);
    return lines.join('\n');
  }
  const row = (label: string, run: StartRun | null): string[] =>
    run === null
      ? [label, '—', '—', '—', '—']
      : [label, seconds(run.ms), seconds(run.shellMs), seconds(run.browserMs), seconds(run.pageMs)];
  lines.push(
    'From launching `node src/web/run.ts` to the "Sign in" button visible and enabled in Chromium (headless, one profile kept across the runs, opened at the launch page as `npm start` opens it).',
    '',
    table([
      ['start', 'total', 'shell listening', 'Chromium up', 'page to button'],
      row('cold (new profile)', result.cold),
      row(`warm (median of ${result.warm.length})`, result.warmMedian),
    ]),
    '',
    `warm runs: ${result.warm.map((run) => seconds(run.ms)).join(', ')}; the demo platform took ${result.platformStartMs === null ? '—' : seconds(result.platformStartMs)} to start (not in the figures).`,
    `Goal: warm ≤ ${seconds(START_GOAL_MS)}: ${result.warmMedian === null ? 'not measured' : result.warmMedian.ms <= START_GOAL_MS ? 'met' : 'not met'}.`,
  );
  if (result.build.olderThanSources)
    lines.push(`Note: the build in out/renderer (${result.build.builtAt}) is older than renderer/'s sources.`);
  if (result.pageProblems.length > 0) lines.push(`The app reported: ${result.pageProblems.join(' | ')}`);
  return lines.join('\n');
}

export function formatMachine(facts: MachineFacts): string {
  return [
    `machine: ${facts.os}, ${facts.cpuModel}, ${facts.cores} cores, ${facts.memoryGiB} GiB; load average at start ${facts.loadAverageAtStart.join(', ')}`,
    `engines: DuckDB-wasm ${facts.duckdbWasm ?? '?'} (@duckdb/duckdb-wasm ${facts.duckdbWasmPackage}, eh bundle, ${facts.wasmThreads ?? '?'} thread) in Chromium ${facts.chromium ?? '?'}; ` +
      `native DuckDB ${facts.duckdbNative} (@duckdb/node-api ${facts.duckdbNodeApiPackage}) on Node ${facts.node}`,
  ].join('\n');
}

export async function writeJson(options: { dir: string; report: unknown; now: Date }): Promise<string> {
  await mkdir(options.dir, { recursive: true });
  const stamp = options.now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '');
  const file = path.join(options.dir, `bench-${stamp}.json`);
  await writeFile(file, `${JSON.stringify(options.report, null, 2)}\n`);
  return file;
}
