// The bench page: the app's own local engine (same module, same worker, same settings), driven from Playwright
// by test/bench. Exposes window.enclaveBench; shows nothing but a status line.
import '../shell/zod-jitless.ts';
import { createLocalEngine } from '../analysis/engine.ts';

export interface EnclaveBench {
  /** Resolves when DuckDB-wasm is open; rejects if it cannot start. */
  ready: Promise<void>;
  /** Fetches an Arrow IPC stream from a same-origin URL and loads it as table `name` (replacing one of that name). */
  load(name: string, url: string): Promise<{ ms: number; fetchMs: number; rows: number }>;
  /** Runs SQL and materialises the whole result as an Arrow table in the page. */
  run(sql: string): Promise<{ ms: number; rows: number }>;
  /** As the app drives it: LocalEngine.run (the result kept in the engine) plus its first page of `pageRows` rows. */
  runPaged(sql: string, pageRows: number): Promise<{ ms: number; rows: number }>;
}

declare global {
  interface Window {
    enclaveBench?: EnclaveBench;
  }
}

const engine = createLocalEngine();
const statusLine = document.getElementById('bench-status');
const show = (text: string): void => {
  if (statusLine) statusLine.textContent = text;
};

const bench: EnclaveBench = {
  ready: engine.ready,
  async load(name, url) {
    await engine.ready;
    const fetchStart = performance.now();
    const response = await fetch(url, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const fetchMs = performance.now() - fetchStart;
    const start = performance.now();
    const { rows } = await engine.loadArrow(name, bytes, { replace: true });
    const ms = performance.now() - start;
    show(`Loaded ${name}: ${rows} rows in ${ms.toFixed(0)} ms`);
    return { ms, fetchMs, rows };
  },
  async run(sql) {
    await engine.ready;
    const start = performance.now();
    const table = await engine.query(sql);
    const ms = performance.now() - start;
    show(`Ran a query: ${table.numRows} rows in ${ms.toFixed(0)} ms`);
    return { ms, rows: table.numRows };
  },
  async runPaged(sql, pageRows) {
    await engine.ready;
    const start = performance.now();
    const result = await engine.run({ sql });
    if (result.resultId !== null) await engine.page({ resultId: result.resultId, offset: 0, limit: pageRows });
    const ms = performance.now() - start;
    if (result.resultId !== null) await engine.release(result.resultId);
    show(`Ran a query and read its first page: ${result.rowCount} rows in ${ms.toFixed(0)} ms`);
    return { ms, rows: result.rowCount };
  },
};

window.enclaveBench = bench;
engine.ready.then(
  () => show('Local DuckDB ready.'),
  (err: unknown) => show(err instanceof Error ? err.message : 'Local DuckDB could not start.'),
);
