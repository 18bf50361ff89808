// The header: product, platform, and who is signed in with their notification bell, Lock and Sign out. (Where a
// project's local tables live, and how its engine is doing, is said on the workspace screen: it differs from project to
// project.) The bell is the signed-in workspace's (../airlock/NotificationBell.tsx): the header keeps its place.
import type { Session, User } from '../../../src/common/contract.ts';
import { NOTIFICATION_SLOT_ID } from '../airlock/header-slot.ts';
import { ROLE_LABELS } from '../session/roles.ts';

export interface PlatformState {
  state: 'connecting' | 'ready' | 'unreachable';
  message: string;
}

export function Header(props: {
  session: Session | null;
  platform: PlatformState | null;
  /** The signed-in user, with what they can do from the header; absent on the sign-in screen. */
  account?: { user: User; lock: () => void; signOut: () => void };
}) {
  const { session, platform, account } = props;
  return (
    <header data-testid="app-header">
      <div className="app-header">
        <h1 className="brand">Enclave</h1>
        <div className="platform" data-testid="platform-name">
          <span className="platform-name">{session ? (session.platform.name ?? session.platform.url) : 'Connecting to the platform…'}</span>
          {platform ? <span data-testid="platform-status">{platform.message}</span> : null}
        </div>
        <div className="header-spacer" />
        {account ? (
          <div className="account" data-testid="account">
            <div id={NOTIFICATION_SLOT_ID} className="header-notifications" />
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
