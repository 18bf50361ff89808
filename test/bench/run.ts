// `npm run bench`: the app's native local engine (as the app drives it) and DuckDB-wasm (Chromium, the app's own
// in-memory engine) against native DuckDB run directly, on the same synthetic hospital episodes; a Parquet sample
// into a ready local table through the app's path (test/bench/sample-load.ts); a project's minimised copy and a
// minimised query's answer into a ready local table (test/bench/minimised.ts); the browser shell's start-up
// (test/bench/start.ts); then the disclosure-control engine's figures (test/bench/sdc.ts). Progress goes to stderr,
// the report to stdout, and everything to bench-results/bench-<date>.json. Exit 1 when the engines disagree.
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { bestEffort } from '../../src/common/detached.ts';
import { ensureRendererBuild } from './build.ts';
import { prepareData } from './data.ts';
import { benchSize, wasmFacts } from './measure.ts';
import type { SizeResult } from './measure.ts';
import { openNative } from './native.ts';
import { openAppEngine } from './app-engine.ts';
import { parseOptions, runsFor, sampleRunsFor, USAGE, WASM_CEILING_ROWS } from './options.ts';
import type { BenchOptions } from './options.ts';
import { QUERIES } from './queries.ts';
import { benchMinimised } from './minimised.ts';
import type { MinimisedResult } from './minimised.ts';
import {
  formatMachine,
  formatMinimised,
  formatSampleLoads,
  formatSize,
  formatStart,
  loadAverage,
  machineFacts,
  writeJson,
} from './report.ts';
import { benchSampleLoad } from './sample-load.ts';
import type { SampleLoadResult } from './sample-load.ts';
import { benchSdc } from './sdc.ts';
import { benchStart } from './start.ts';
import type { StartResult } from './start.ts';
import { startBenchServer } from './server.ts';
import { launchWasmBrowser, pageErrorMessage } from './wasm.ts';
import type { WasmBrowser, WasmSession } from './wasm.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const resultsDir = path.join(root, 'bench-results');
const log = (line: string): void => void process.stderr.write(`${line}\n`);
const out = (text: string): void => void process.stdout.write(`${text}\n`);

interface Engines {
  chromium: string | null;
  duckdbNative: string;
  duckdbWasm: string | null;
  wasmThreads: number | null;
}

/** The query suite at every size in --rows; the engines' versions are filled in as they start. */
async function runSuite(options: BenchOptions, engines: Engines): Promise<SizeResult[]> {
  const rendererDir = await ensureRendererBuild({ root, force: options.build === 'always', log });
  const server = await startBenchServer(rendererDir);
  let browser: WasmBrowser | null = null;
  let browserError: string | null = null;
  try {
    browser = await launchWasmBrowser();
    engines.chromium = browser.chromiumVersion;
  } catch (err) {
    browserError = `Chromium could not start: ${pageErrorMessage(err)}`;
    log(browserError);
  }
  const sizes: SizeResult[] = [];
  try {
    for (const rows of options.rows) {
      const beyondCeiling = rows > WASM_CEILING_ROWS;
      const data = await prepareData({
        root: path.join(resultsDir, 'data'),
        rows,
        seed: options.seed,
        regenerate: options.regenerate,
        withArrow: !beyondCeiling,
        log,
      });
      const native = await openNative();
      engines.duckdbNative = native.version;
      const app = await openAppEngine(path.join(resultsDir, 'workspaces', `episodes-${rows}`));
      let session: WasmSession | null = null;
      let sessionError = browserError;
      if (browser !== null && !beyondCeiling) {
        log('DuckDB-wasm: opening the bench page…');
        try {
          session = await browser.open(`${server.url}/bench.html`);
          if (engines.duckdbWasm === null) {
            const facts = await wasmFacts(session);
            engines.duckdbWasm = facts.duckdbVersion;
            engines.wasmThreads = facts.threads;
          }
        } catch (err) {
          sessionError = `DuckDB-wasm could not start: ${pageErrorMessage(err)}`;
        }
      }
      try {
        const result = await benchSize({
          data,
          runs: runsFor(options, rows),
          native,
          allThreads: os.availableParallelism(),
          app,
          wasm: session,
          wasmStartError: sessionError,
          wasmBeyondCeiling: beyondCeiling,
          dataPath: beyondCeiling ? '' : server.publish(`episodes-${rows}-seed${options.seed}.arrows`, data.arrow),
          loadAverage: loadAverage(),
          log,
        });
        sizes.push(result);
        out(`\n${formatSize(result)}`);
      } finally {
        await session?.close();
        native.close();
        await app.close();
      }
    }
  } finally {
    await bestEffort(browser?.close());
    await server.close();
  }
  return sizes;
}

/** Sample → ready local table at every size in --sample-rows (the Parquet only: no Arrow file is made). */
async function runSampleLoads(options: BenchOptions): Promise<SampleLoadResult[]> {
  const results: SampleLoadResult[] = [];
  for (const rows of options.sampleRows) {
    const data = await prepareData({
      root: path.join(resultsDir, 'data'),
      rows,
      seed: options.seed,
      // Regenerated once per run: the suite has done it for a size it shares.
      regenerate: options.regenerate && !(options.suite && options.rows.includes(rows)),
      withArrow: false,
      log,
    });
    results.push(
      await benchSampleLoad({
        data,
        runs: sampleRunsFor(options),
        dir: path.join(resultsDir, 'workspaces', `sample-${rows}`),
        loadAverage: loadAverage(),
        log,
      }),
    );
  }
  if (results.length > 0) out(`\n${formatSampleLoads(results)}`);
  return results;
}

async function main(options: BenchOptions): Promise<number> {
  const startedAt = new Date();
  const loadAtStart = loadAverage();
  const engines: Engines = { chromium: null, duckdbNative: 'unknown', duckdbWasm: null, wasmThreads: null };
  const sizes = options.suite ? await runSuite(options, engines) : [];
  const sampleLoads = await runSampleLoads(options);

  let minimised: MinimisedResult | null = null;
  if (options.minimised) {
    log(`Minimised copies: ${options.minimisedScale.toLocaleString('en-GB')} patients…`);
    minimised = await benchMinimised({
      dataRoot: path.join(resultsDir, 'data'),
      scratch: path.join(resultsDir, 'workspaces', 'minimised'),
      scale: options.minimisedScale,
      seed: options.seed,
      regenerate: options.regenerate,
      runs: options.minimisedRuns,
      queryRows: options.minimisedRows,
      loadAverage: loadAverage(),
      log,
    });
    out(`\n${formatMinimised(minimised)}`);
  }

  let start: StartResult | null = null;
  if (options.startRuns > 0) {
    log('Start-up of the browser shell…');
    start = await benchStart({ root, runs: options.startRuns, log });
    out(`\n${formatStart(start)}`);
  }

  let sdc: { name: string; ms: number }[] | null = null;
  if (options.sdc) {
    log('Disclosure control: protection plus LP audit…');
    sdc = await benchSdc();
    out('\n## Disclosure control (test/bench/sdc.ts)');
    for (const { name, ms } of sdc) out(`${name}: ${ms} ms`);
  }

  const machine = { ...machineFacts(engines), loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadAverage() };
  out(`\n${formatMachine(machine)}; at end ${machine.loadAverageAtEnd.join(', ')}`);
  const file = await writeJson({
    dir: resultsDir,
    now: startedAt,
    report: {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      options: {
        rows: options.suite ? options.rows : [],
        seed: options.seed,
        quick: options.quick,
        runs: options.runs,
        sampleRows: options.sampleRows,
        sampleRuns: sampleRunsFor(options),
        startRuns: options.startRuns,
        minimised: options.minimised ? { scale: options.minimisedScale, runs: options.minimisedRuns, rows: options.minimisedRows } : null,
      },
      machine,
      queries: QUERIES.map(({ name, kind, sql }) => ({ name, kind, sql })),
      sizes,
      sampleLoads,
      minimised,
      start,
      sdc,
    },
  });
  out(`results: ${path.relative(process.cwd(), file) || file}`);
  const mismatches = sizes.flatMap((s) => s.queries.flatMap((q) => q.mismatches.map((m) => `${s.rows} rows, ${q.name}: ${m}`)));
  if (mismatches.length > 0) {
    process.stderr.write(`\nThe engines disagree:\n${mismatches.map((m) => `  ${m}`).join('\n')}\n`);
    return 1;
  }
  return 0;
}

let options: BenchOptions;
try {
  options = parseOptions(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
if (options.help) {
  out(USAGE);
} else {
  process.exitCode = await main(options).catch((err: unknown) => {
    process.stderr.write(`The bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  });
}
