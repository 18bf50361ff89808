// One local-engine test suite, run over both engines (the duckdb-wasm habit: one suite, every runtime): native
// DuckDB in the workstation core (native.test.ts) and DuckDB-wasm's engine logic in Node (wasm.test.ts). Each part
// is a file of its own; a runner says how to open a fresh engine.
import { afterEach, describe } from 'vitest';
import type { LocalEngine, LocalMode } from '../../src/common/local-engine.ts';
import { lockdownTests } from './suite-lockdown.ts';
import { loadTests } from './suite-load.ts';
import { pageTests } from './suite-pages.ts';
import { runTests } from './suite-run.ts';
import { typeTests } from './suite-types.ts';

export interface LocalEngineRunner {
  readonly name: string;
  readonly mode: LocalMode;
  /** Native DuckDB reads Parquet itself; DuckDB-wasm here has no Parquet reader. */
  readonly readsParquet: boolean;
  /** A fresh engine with nothing in it. */
  open(): Promise<LocalEngine>;
  /** The folder the engine keeps on disk (the only place it may write), or null for an engine in memory. */
  folderOf(engine: LocalEngine): string | null;
}

/** Opens engines for a test and closes them after it, whatever happened. */
export function usingEngines(runner: LocalEngineRunner): () => Promise<LocalEngine> {
  const opened: LocalEngine[] = [];
  afterEach(async () => {
    for (const engine of opened.splice(0)) await engine.close();
  });
  return async () => {
    const engine = await runner.open();
    opened.push(engine);
    return engine;
  };
}

export function localEngineSuite(runner: LocalEngineRunner): void {
  describe(`the local-engine seam: ${runner.name} (${runner.mode})`, () => {
    loadTests(runner);
    runTests(runner);
    pageTests(runner);
    typeTests(runner);
    lockdownTests(runner);
  });
}
