// The header: product, platform, who is signed in (demo mode, said plainly), and the local engine's state.
import type { Session } from '../../../src/common/contract.ts';
import type { EngineStatus } from '../analysis/engine.ts';
import { formatBytes } from '../format.ts';

export interface PlatformState {
  state: 'connecting' | 'ready' | 'unreachable';
  message: string;
}

export function Header(props: { session: Session | null; platform: PlatformState | null; engine: EngineStatus }) {
  const { session, platform, engine } = props;
  return (
    <header data-testid="app-header">
      <div className="app-header">
        <h1 className="brand">Enclave</h1>
        <div className="platform" data-testid="platform-name">
          <span className="platform-name">{session ? session.platform.name : 'Connecting to the platform…'}</span>
          {platform ? <span>{platform.message}</span> : null}
        </div>
        <div className="header-spacer" />
        <EngineBadge status={engine} />
      </div>
      {session?.mode === 'demo' ? (
        <div className="demo-banner" role="note" data-testid="demo-banner">
          Demo mode — signed in as {session.user.displayName} (no sign-in yet)
        </div>
      ) : null}
    </header>
  );
}

function EngineBadge(props: { status: EngineStatus }) {
  const { status } = props;
  if (status.state === 'ready') {
    return (
      <div className="header-status" data-testid="engine-status" data-state="ready">
        <span className="status-dot ready" aria-hidden="true" />
        <span>Local DuckDB ready ({status.version})</span>
      </div>
    );
  }
  if (status.state === 'failed') {
    return (
      <div className="header-status" data-testid="engine-status" data-state="failed">
        <span className="status-dot failed" aria-hidden="true" />
        <span>Local DuckDB stopped</span>
      </div>
    );
  }
  const downloading = status.stage === 'downloading' && status.bytesTotal > 0;
  const label = downloading
    ? `Starting local DuckDB: loading ${formatBytes(status.bytesLoaded)} of ${formatBytes(status.bytesTotal)}`
    : status.stage === 'opening'
      ? 'Starting local DuckDB: opening the database…'
      : 'Starting local DuckDB: preparing the engine…';
  return (
    <div className="header-status" data-testid="engine-status" data-state="starting">
      <progress
        aria-label="Local DuckDB start-up"
        max={downloading ? status.bytesTotal : undefined}
        value={downloading ? status.bytesLoaded : undefined}
      />
      <span>{label}</span>
    </div>
  );
}
