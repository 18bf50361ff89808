// What the window shows for each sign-in state, derived from the core's Session alone.
import type { Session, User } from '../../../src/common/contract.ts';

/**
 * The user whose workspace is mounted: while signed in, while locked, and while that user signs in again to
 * unlock. Null means no workspace exists (and none of its local data may).
 */
export function workspaceUser(session: Session | null): User | null {
  if (!session || !session.user) return null;
  return session.state === 'signed_out' ? null : session.user;
}

/** The lock screen covers the workspace: locked, or signing in again to unlock. */
export function isLocked(session: Session | null): boolean {
  return session !== null && session.user !== null && (session.state === 'locked' || session.state === 'signing_in');
}
