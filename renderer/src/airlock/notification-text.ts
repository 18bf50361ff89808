// The notification bell's words and where a notification leads (issue 16), pure: a request submitted for review goes to
// the output checkers' screen; one returned, released, rejected or revoked goes to its author's request page.
import type { Notification } from '../../../src/common/airlock.ts';

/** The bell's accessible name, with the unread count. */
export function bellLabel(unread: number): string {
  if (unread === 0) return 'Notifications: none unread';
  return `Notifications: ${unread} unread`;
}

/** Where a notification opens: the checkers review a submitted request; the author reads what became of theirs. */
export function notificationTarget(notification: Pick<Notification, 'kind'>): 'checking' | 'outputs' {
  return notification.kind === 'submitted' ? 'checking' : 'outputs';
}
