// Where this project's local tables live, in plain words, and how its engine is doing (DuckDB-wasm takes seconds to
// start in the window; the core's engine is there at once).
import type { LocalMode } from '../../../src/common/local-engine.ts';
import type { EngineState } from '../analysis/project-engines.ts';
import { formatBytes } from '../shell/format.ts';

export const MODE_TEXT: Readonly<Record<LocalMode, string>> = {
  disk: 'Local tables are kept on this computer for this project',
  memory: "This project's tables stay in this window only: nothing is written to this computer's disk, and they are gone when you close it",
};

export function ModeIndicator(props: { mode: LocalMode; engine: EngineState }) {
  const { mode, engine } = props;
  return (
    <div className="mode-line">
      <p className={`mode-indicator ${mode}`} data-testid="mode-indicator" data-mode={mode}>
        <span className="mode-mark" aria-hidden="true" />
        {MODE_TEXT[mode]}
      </p>
      <EngineStatus state={engine} />
    </div>
  );
}

function EngineStatus(props: { state: EngineState }) {
  const { state } = props;
  if (state.state === 'ready') {
    return (
      <span className="engine-status" data-testid="engine-status" data-state="ready">
        <span className="status-dot ready" aria-hidden="true" />
        {state.label}
      </span>
    );
  }
  if (state.state === 'failed') {
    return (
      <span className="engine-status failed" data-testid="engine-status" data-state="failed" role="alert">
        <span className="status-dot failed" aria-hidden="true" />
        {state.message}
      </span>
    );
  }
  const counting = state.bytesTotal > 0;
  return (
    <span className="engine-status" data-testid="engine-status" data-state="starting">
      <progress
        aria-label="Local DuckDB start-up"
        max={counting ? state.bytesTotal : undefined}
        value={counting ? state.bytesLoaded : undefined}
      />
      {state.label}
      {counting ? ` (${formatBytes(state.bytesLoaded)} of ${formatBytes(state.bytesTotal)})` : ''}
    </span>
  );
}
