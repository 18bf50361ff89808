// The header: product, platform, the local engine's state, and who is signed in with Lock and Sign out.
import type { Session, User } from '../../../src/common/contract.ts';
import type { EngineStatus } from '../analysis/engine.ts';
import { ROLE_LABELS } from '../session/roles.ts';
import { formatBytes } from './format.ts';

export interface PlatformState {
  state: 'connecting' | 'ready' | 'unreachable';
  message: string;
}

export function Header(props: {
  session: Session | null;
  platform: PlatformState | null;
  engine: EngineStatus;
  /** The signed-in user, with what they can do from the header; absent on the sign-in screen. */
  account?: { user: User; lock: () => void; signOut: () => void };
}) {
  const { session, platform, engine, account } = props;
  return (
    <header data-testid="app-header">
      <div className="app-header">
        <h1 className="brand">Enclave</h1>
        <div className="platform" data-testid="platform-name">
          <span className="platform-name">{session ? (session.platform.name ?? session.platform.url) : 'Connecting to the platform…'}</span>
          {platform ? <span data-testid="platform-status">{platform.message}</span> : null}
        </div>
        <div className="header-spacer" />
        <EngineBadge status={engine} />
        {account ? (
          <div className="account" data-testid="account">
            <div className="account-who">
              <span className="account-name" data-testid="user-name">
                {account.user.displayName}
              </span>
              <span className="account-role" data-testid="user-role">
                {ROLE_LABELS[account.user.role]}
              </span>
            </div>
            <button type="button" className="header-button" data-testid="lock" onClick={account.lock}>
              Lock
            </button>
            <button type="button" className="header-button" data-testid="sign-out" onClick={account.signOut}>
              Sign out
            </button>
          </div>
        ) : null}
      </div>
      {session?.platform.mode === 'demo' ? (
        <div className="demo-banner" role="note" data-testid="demo-banner">
          Demo platform — synthetic data and demo accounts only. Nothing here is about real people.
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
