// One engine per project, whichever kind the project's agreement asks for: native DuckDB in the workstation core for
// 'disk' projects (./core-engine.ts), DuckDB-wasm in this window for 'memory' ones (./engine.ts, started only when
// such a project is opened, and one database per project so that no table is seen across projects). The screens
// hold a ProjectEngine and never ask which it is, except to say so in words.
import type { Client } from '../../../src/common/client.ts';
import type { CallProgress, Project } from '../../../src/common/contract.ts';
import { bestEffort, inBackground } from '../../../src/common/detached.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import type { LocalEngine, LocalMode, RunResult } from '../../../src/common/local-engine.ts';
import type { RunRecord } from '../../../src/common/workspace.ts';
import { createCoreEngine, type PlatformQueryLoad, type SampleRequest } from './core-engine.ts';
import { cancelledMessage, loadedMessage, tableTakenMessage } from './platform-query.ts';

/** Where an engine is, for the screen: starting (the wasm module is large), ready, or stopped with a reason. */
export type EngineState =
  | { state: 'starting'; label: string; bytesLoaded: number; bytesTotal: number }
  | { state: 'ready'; label: string }
  | { state: 'failed'; message: string };

/** The window's own engine as the registry needs it: the seam, and how its start-up is going. */
export interface StartedEngine {
  engine: LocalEngine;
  state(): EngineState;
  onState(listener: (state: EngineState) => void): () => void;
}

export interface ProjectEngine {
  readonly projectId: string;
  readonly mode: LocalMode;
  /** The seam the grid and the chart read results through (their own queries are not the analyst's runs). */
  readonly engine: LocalEngine;
  /** The same engine for the analyst's own runs: in 'memory' mode each is added to the project's history here. */
  readonly analystEngine: LocalEngine;
  state(): EngineState;
  onState(listener: (state: EngineState) => void): () => void;
  /** A dataset's sample into a local table: streamed into the core ('disk'), or fetched into this window ('memory'). */
  loadSample(request: SampleRequest): Promise<{ table: string; rows: number }>;
  /**
   * A platform query's result into a local table, all or nothing, recorded in the project's history as a platform
   * run: streamed into the core ('disk'), or fetched into this window ('memory').
   */
  loadQuery(request: PlatformQueryLoad): Promise<{ table: string; rows: number }>;
}

export interface ProjectEngines {
  forProject(project: Pick<Project, 'id' | 'localData'>): ProjectEngine;
  /** Sign-out: every window engine is emptied and stopped; disk workspaces stay in the core for the same user. */
  closeAll(): Promise<{ memoryTables: number }>;
}

const READY_ON_DISK: EngineState = { state: 'ready', label: 'DuckDB ready' };

/** Rows a run gave or touched, as the history records them: none for an error, a cancel, or a statement without. */
function rowsOf(result: RunResult): number | null {
  return result.resultId !== null || result.rowCount > 0 ? result.rowCount : null;
}

/**
 * The window's engine with every run added to the project's history, as the core does itself for 'disk' projects.
 * A history that cannot be written does not fail the run: `onRecordFailed` says so.
 */
export function recordingRuns(
  engine: LocalEngine,
  options: { record: (run: RunRecord) => Promise<unknown>; onRecordFailed: (err: unknown) => void; now?: () => Date },
): LocalEngine {
  const now = options.now ?? (() => new Date());
  const record = (run: RunRecord): void => inBackground(options.record(run), options.onRecordFailed);
  // Every other method as the engine has it (delegated, not spread: an engine may keep its methods on a prototype).
  return {
    mode: engine.mode,
    load: (request) => engine.load(request),
    tables: () => engine.tables(),
    describe: (table) => engine.describe(table),
    page: (request) => engine.page(request),
    summarise: (request) => engine.summarise(request),
    release: (resultId) => engine.release(resultId),
    drop: (table) => engine.drop(table),
    clear: () => engine.clear(),
    close: () => engine.close(),
    async run(request) {
      const startedAt = now();
      try {
        const result = await engine.run(request);
        record({
          sql: request.sql,
          startedAt: startedAt.toISOString(),
          durationMs: result.durationMs,
          rows: rowsOf(result),
          outcome: 'ok',
          message: result.message,
          engine: 'local',
        });
        return result;
      } catch (err) {
        const cancelled = err instanceof EnclaveError && err.code === 'cancelled';
        record({
          sql: request.sql,
          startedAt: startedAt.toISOString(),
          durationMs: Math.max(0, now().getTime() - startedAt.getTime()),
          rows: null,
          outcome: cancelled ? 'cancelled' : 'error',
          message: cancelled ? 'Cancelled' : err instanceof EnclaveError ? err.message : 'The query did not run.',
          engine: 'local',
        });
        throw err;
      }
    },
  };
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

/**
 * A platform query into the window's engine ('memory' projects), as the core does it for 'disk' ones
 * (src/workstation/workspaces/platform-queries.ts): refused before the platform is asked when the table exists and
 * may not be replaced; the result fetched whole as Arrow (the contract's binary answer), then loaded; every hop
 * cancels; the run recorded in the project's history, whatever its outcome, before the answer.
 */
async function loadQueryInWindow(options: {
  client: Client;
  projectId: string;
  engine: LocalEngine;
  request: PlatformQueryLoad;
  onRecordFailed: (err: unknown) => void;
  now?: () => Date;
}): Promise<{ table: string; rows: number }> {
  const { client, projectId, engine, request, onRecordFailed } = options;
  const { sql, table, replace, signal, onProgress } = request;
  const startedAt = (options.now ?? (() => new Date()))();
  const started = performance.now();
  const record = (end: Pick<RunRecord, 'outcome' | 'rows' | 'message'>): Promise<void> =>
    client
      .invoke('workspace.recordRun', {
        projectId,
        run: { sql, startedAt: startedAt.toISOString(), durationMs: performance.now() - started, engine: 'platform', ...end },
      })
      .then(() => undefined, onRecordFailed);
  let existed = false;
  try {
    existed = (await engine.tables()).some((each) => each.name === table);
    if (existed && !replace) throw new EnclaveError('invalid_input', tableTakenMessage(table));
    const bytes = await client.invoke(
      'platform.query',
      { projectId, sql },
      { ...(signal ? { signal } : {}), ...(onProgress ? { onProgress } : {}) },
    );
    onProgress?.({ done: 0, total: bytes.byteLength, unit: 'bytes', stage: 'Loading into this window' });
    const loaded = await engine.load({
      table,
      format: 'arrow',
      chunks: once(bytes),
      replace,
      ...(signal ? { signal } : {}),
      onProgress: (progress) =>
        onProgress?.({ done: progress.bytes, total: bytes.byteLength, unit: 'bytes', stage: 'Loading into this window' }),
    });
    await record({ outcome: 'ok', rows: loaded.rows, message: loadedMessage({ ...loaded, replaced: existed }) });
    return loaded;
  } catch (err) {
    const cancelled = signal?.aborted === true || (err instanceof EnclaveError && err.code === 'cancelled');
    const failure = cancelled
      ? new EnclaveError('cancelled', cancelledMessage(table, existed))
      : err instanceof EnclaveError
        ? err
        : new EnclaveError('internal', 'The result could not be loaded into this window. Nothing was loaded.');
    await record({ outcome: cancelled ? 'cancelled' : 'error', rows: null, message: failure.message });
    throw failure;
  }
}

function memoryProjectEngine(options: {
  client: Client;
  projectId: string;
  windowEngine: StartedEngine;
  onRecordFailed: (err: unknown) => void;
}): ProjectEngine {
  const { client, projectId, windowEngine } = options;
  const analystEngine = recordingRuns(windowEngine.engine, {
    record: (run) => client.invoke('workspace.recordRun', { projectId, run }),
    onRecordFailed: options.onRecordFailed,
  });
  return {
    projectId,
    mode: 'memory',
    engine: windowEngine.engine,
    analystEngine,
    state: () => windowEngine.state(),
    onState: (listener) => windowEngine.onState(listener),
    async loadSample({ datasetId, limit, table, replace, signal, onProgress }) {
      // Fetched as a whole into this window (the contract's binary answer), then loaded; both steps cancel.
      const bytes = await client.invoke(
        'dataset.sample',
        { projectId, datasetId, limit },
        { ...(signal ? { signal } : {}), ...(onProgress ? { onProgress } : {}) },
      );
      onProgress?.({ done: 0, total: bytes.byteLength, unit: 'bytes', stage: 'Loading into this window' } satisfies CallProgress);
      return windowEngine.engine.load({
        table,
        format: 'arrow',
        chunks: once(bytes),
        replace,
        ...(signal ? { signal } : {}),
        onProgress: (progress) =>
          onProgress?.({ done: progress.bytes, total: bytes.byteLength, unit: 'bytes', stage: 'Loading into this window' }),
      });
    },
    loadQuery: (request) =>
      loadQueryInWindow({ client, projectId, engine: windowEngine.engine, request, onRecordFailed: options.onRecordFailed }),
  };
}

export function createProjectEngines(options: {
  client: Client;
  /** Starts a DuckDB-wasm engine (seconds of work: called only for a 'memory' project, once per project). */
  startWindowEngine: () => StartedEngine;
  onRecordFailed: (err: unknown) => void;
}): ProjectEngines {
  const { client } = options;
  const engines = new Map<string, ProjectEngine>();
  const windowEngines = new Map<string, StartedEngine>();

  return {
    forProject(project) {
      const known = engines.get(project.id);
      if (known && known.mode === project.localData) return known;
      let made: ProjectEngine;
      if (project.localData === 'disk') {
        const core = createCoreEngine({ client, projectId: project.id });
        made = {
          projectId: project.id,
          mode: 'disk',
          // The core records the analyst's runs of a 'disk' project itself; the window's own (a chart's) it leaves out.
          engine: core.unrecorded,
          analystEngine: core,
          state: () => READY_ON_DISK,
          onState: () => () => undefined,
          loadSample: (request) => core.loadSample(request),
          loadQuery: (request) => core.loadQuery(request),
        };
      } else {
        let windowEngine = windowEngines.get(project.id);
        if (!windowEngine) {
          windowEngine = options.startWindowEngine();
          windowEngines.set(project.id, windowEngine);
        }
        made = memoryProjectEngine({ client, projectId: project.id, windowEngine, onRecordFailed: options.onRecordFailed });
      }
      if (known) bestEffort(known.engine.close());
      engines.set(project.id, made);
      return made;
    },

    async closeAll() {
      let memoryTables = 0;
      for (const windowEngine of windowEngines.values()) {
        // An engine that never started holds nothing; one that cannot be emptied is stopped all the same.
        const cleared = await windowEngine.engine.clear().then(
          (c) => c.tables,
          () => 0,
        );
        memoryTables += cleared;
        await bestEffort(windowEngine.engine.close());
      }
      for (const engine of engines.values()) if (engine.mode === 'disk') await bestEffort(engine.engine.close());
      engines.clear();
      windowEngines.clear();
      return { memoryTables };
    },
  };
}
