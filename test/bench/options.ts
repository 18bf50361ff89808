// Command-line options of `npm run bench` (pass them after `--`: npm run bench -- --rows 1m --quick).

export interface BenchOptions {
  rows: number[];
  seed: number;
  /** Timed runs per query per engine, after one warm-up; null = 5 up to 1M rows, 3 above. */
  runs: number | null;
  quick: boolean;
  regenerate: boolean;
  build: 'auto' | 'always';
  sdc: boolean;
  /** Sample → ready local table (test/bench/sample-load.ts): its sizes, and rounds per size (null = 3). */
  sampleRows: number[];
  sampleRuns: number | null;
  /** The query suite at `rows`; off with --no-suite. */
  suite: boolean;
  /** Start-up of the browser shell (test/bench/start.ts): warm runs after the cold one; 0 = not measured. */
  startRuns: number;
  /** Minimised copies (test/bench/minimised.ts): patients generated, rounds, and the query answers' sizes; off with --no-minimised. */
  minimised: boolean;
  minimisedScale: number;
  minimisedRuns: number;
  minimisedRows: number[];
  help: boolean;
}

export const DEFAULT_ROWS = [1_000_000, 10_000_000, 30_000_000];
export const QUICK_ROWS = [100_000];
export const DEFAULT_SAMPLE_ROWS = [1_000_000, 5_000_000];
export const DEFAULT_START_RUNS = 5;
/**
 * Patients for the minimised copies: the bench project's copy keeps about 1.48 episodes a patient (of about 1.98 raw,
 * after the agreement's admission-date condition and the opt-out), so 3.5M patients give its hospital_episodes about
 * 5.2M rows (6.9M raw), enough for the 5M-row answer.
 */
export const DEFAULT_MINIMISED_SCALE = 3_500_000;
export const QUICK_MINIMISED_SCALE = 100_000;
export const DEFAULT_MINIMISED_ROWS = [1_000_000, 5_000_000];
export const DEFAULT_MINIMISED_RUNS = 3;

/** The rows the grid asks for first (a screen and a margin): each engine's query is timed with its first page. */
export const FIRST_PAGE_ROWS = 200;

/**
 * DuckDB-wasm's heap stops near 3.1 GiB and it cannot spill: 20M episode rows worked, 40M failed (FACTS.md). Above
 * this the wasm engine is not run, and the report says it is beyond its ceiling rather than failed.
 */
export const WASM_CEILING_ROWS = 20_000_000;

export const USAGE = `npm run bench [-- OPTIONS]

Times a fixed set of analytical queries over the synthetic hospital episodes, on the same data, in: the app's native
local engine as the app drives it (LocalEngine.run plus the first page), native DuckDB run directly with all cores
and with one, and DuckDB-wasm (Chromium, the app's own in-memory engine; not above 20m rows, its ceiling). Then a
Parquet sample into a ready local table through the app's path against native DuckDB reading the same file; a
project's minimised copy built by the platform against a plain native copy of the same raw rows, and a minimised
query's answer into a ready local table against native DuckDB computing it to Arrow; the browser shell's start-up to
an interactive sign-in screen (needs the app's build in out/: npm run build); and the disclosure-control engine.

  --rows N[,N…]   episode rows for the query suite (repeatable; 1000000, 1_000_000, 1m, 250k). Default 1m, 10m, 30m.
  --quick         a fast check: 100k rows (unless --rows and --sample-rows), one timed run per query and load,
                  two warm starts, minimised copies of 100k patients with 100k-row answers.
  --runs N        timed runs per query and engine after one warm-up (default 5 up to 1m rows, 3 above).
  --sample-rows N[,N…]  sample sizes loaded into a local table (default 1m and 5m); 0 skips it.
  --sample-runs N timed rounds per sample size after one warm-up (default 3).
  --start-runs N  warm starts of the browser shell after the cold one (default 5); 0 skips it.
  --minimised-scale N  patients in the platform's synthetic data for the minimised-copy figures (default 3.5m, whose
                  copy holds about 5.2M episodes; cached under bench-results/data/); 0 skips them.
  --minimised-rows N[,N…]  answer sizes of the minimised query into a local table (default 1m and 5m).
  --minimised-runs N  timed rounds of the minimised copy's build and of each answer size, after one warm-up
                  (default 3); 0 skips them.
  --no-minimised  skip the minimised-copy figures.
  --no-suite      skip the query suite.
  --seed N        the generator's seed (default 1).
  --regenerate    regenerate the cached data under bench-results/data/.
  --build         rebuild the bench page (ENCLAVE_BENCH_BUILD=1 npx electron-vite build) even if out/bench-renderer looks current.
  --no-sdc        skip the disclosure-control figures.
  --help          this text.`;

/** 1000000, 1_000_000, 1m, 10M, 250k, 3500k. */
export function parseRowCount(text: string, flag = '--rows'): number {
  const match = /^(\d[\d_]*)([kKmM]?)$/.exec(text.trim());
  if (!match) throw new Error(`${flag}: "${text}" is not a count (e.g. 1000000, 1m, 250k).`);
  const base = Number(match[1].replaceAll('_', ''));
  const unit = match[2].toLowerCase();
  const rows = base * (unit === 'm' ? 1_000_000 : unit === 'k' ? 1_000 : 1);
  if (!Number.isSafeInteger(rows) || rows < 1 || rows > 100_000_000) throw new Error(`${flag}: ${text} is outside 1 … 100,000,000.`);
  return rows;
}

function positiveInteger(flag: string, text: string | undefined): number {
  const value = Number(text);
  if (text === undefined || !Number.isSafeInteger(value) || value < 1) throw new Error(`${flag} needs a whole number of at least 1.`);
  return value;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const rows: number[] = [];
  const sampleRows: number[] = [];
  let noSample = false;
  let startRuns: number | null = null;
  let minimisedScale: number | null = null;
  let minimisedRuns: number | null = null;
  const minimisedRows: number[] = [];
  const options: BenchOptions = {
    rows,
    seed: 1,
    runs: null,
    quick: false,
    regenerate: false,
    build: 'auto',
    sdc: true,
    sampleRows,
    sampleRuns: null,
    suite: true,
    startRuns: DEFAULT_START_RUNS,
    minimised: true,
    minimisedScale: DEFAULT_MINIMISED_SCALE,
    minimisedRuns: DEFAULT_MINIMISED_RUNS,
    minimisedRows,
    help: false,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--rows': {
        const text = value();
        if (text === undefined) throw new Error('--rows needs a value.');
        for (const part of text.split(',')) rows.push(parseRowCount(part));
        break;
      }
      case '--quick':
        options.quick = true;
        break;
      case '--runs':
        options.runs = positiveInteger('--runs', value());
        break;
      case '--seed': {
        const text = value();
        const seed = Number(text);
        if (text === undefined || !Number.isSafeInteger(seed)) throw new Error('--seed needs a whole number.');
        options.seed = seed;
        break;
      }
      case '--regenerate':
        options.regenerate = true;
        break;
      case '--build':
        options.build = 'always';
        break;
      case '--no-sdc':
        options.sdc = false;
        break;
      case '--sample-rows': {
        const text = value();
        if (text === undefined) throw new Error('--sample-rows needs a value.');
        if (text.trim() === '0') noSample = true;
        else for (const part of text.split(',')) sampleRows.push(parseRowCount(part));
        break;
      }
      case '--sample-runs':
        options.sampleRuns = positiveInteger('--sample-runs', value());
        break;
      case '--start-runs': {
        const text = value();
        startRuns = text?.trim() === '0' ? 0 : positiveInteger('--start-runs', text);
        break;
      }
      case '--minimised-scale': {
        const text = value();
        if (text === undefined) throw new Error('--minimised-scale needs a value.');
        minimisedScale = text.trim() === '0' ? 0 : parseRowCount(text, '--minimised-scale');
        break;
      }
      case '--minimised-rows': {
        const text = value();
        if (text === undefined) throw new Error('--minimised-rows needs a value.');
        for (const part of text.split(',')) minimisedRows.push(parseRowCount(part, '--minimised-rows'));
        break;
      }
      case '--minimised-runs': {
        const text = value();
        minimisedRuns = text?.trim() === '0' ? 0 : positiveInteger('--minimised-runs', text);
        break;
      }
      case '--no-minimised':
        options.minimised = false;
        break;
      case '--no-suite':
        options.suite = false;
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new Error(`Unknown option ${arg}.\n\n${USAGE}`);
    }
  }
  if (rows.length === 0) rows.push(...(options.quick ? QUICK_ROWS : DEFAULT_ROWS));
  options.rows = [...new Set(rows)];
  if (sampleRows.length === 0 && !noSample) sampleRows.push(...(options.quick ? QUICK_ROWS : DEFAULT_SAMPLE_ROWS));
  options.sampleRows = noSample ? [] : [...new Set(sampleRows)];
  options.startRuns = startRuns ?? (options.quick ? 2 : DEFAULT_START_RUNS);
  options.minimisedScale = minimisedScale ?? (options.quick ? QUICK_MINIMISED_SCALE : DEFAULT_MINIMISED_SCALE);
  options.minimisedRuns = minimisedRuns ?? (options.quick ? 1 : DEFAULT_MINIMISED_RUNS);
  if (minimisedRows.length === 0) minimisedRows.push(...(options.quick ? QUICK_ROWS : DEFAULT_MINIMISED_ROWS));
  options.minimisedRows = [...new Set(minimisedRows)];
  if (options.minimisedScale === 0 || options.minimisedRuns === 0) options.minimised = false;
  return options;
}

/** Timed rounds per sample size. */
export function sampleRunsFor(options: BenchOptions): number {
  return options.sampleRuns ?? (options.quick ? 1 : 3);
}

/** Timed runs per query and engine for a data size. */
export function runsFor(options: BenchOptions, rows: number): number {
  if (options.runs !== null) return options.runs;
  if (options.quick) return 1;
  return rows <= 1_000_000 ? 5 : 3;
}
