// DuckDB-wasm in this window (./engine.ts) as the project engines need it: the LocalEngine seam, and its start-up
// (seconds: a 34 MB module to fetch and compile) in the words the workspace screen shows.
import { createLocalEngine, type EngineStatus } from './engine.ts';
import type { EngineState, StartedEngine } from './project-engines.ts';

export function engineStateOf(status: EngineStatus): EngineState {
  switch (status.state) {
    case 'ready':
      return { state: 'ready', label: `DuckDB ${status.version} ready in this window` };
    case 'failed':
      return { state: 'failed', message: status.message };
    case 'starting':
      return {
        state: 'starting',
        label:
          status.stage === 'downloading'
            ? 'Starting DuckDB in this window: loading it'
            : status.stage === 'opening'
              ? 'Starting DuckDB in this window: opening the database'
              : 'Starting DuckDB in this window: preparing the engine',
        bytesLoaded: status.bytesLoaded,
        bytesTotal: status.bytesTotal,
      };
  }
}

export function startWindowEngine(): StartedEngine {
  const engine = createLocalEngine();
  return {
    engine,
    state: () => engineStateOf(engine.status()),
    onState: (listener) => engine.onStatus((status) => listener(engineStateOf(status))),
  };
}
