// The notification bell in the header (issue 16): how many airlock notifications are unread (a request submitted, for
// the output checkers; returned, released, rejected or revoked, for its author), and the list behind it, newest first.
// Choosing one opens the request (the author's Outputs screen, or the checkers' screen); "Mark all as read" marks them
// up to the newest. The list is a disclosure: Escape (from the bell or the list) or a click outside closes it; Escape puts the focus back on the bell.
import { useEffect, useRef, useState } from 'react';
import type { Notification } from '../../../src/common/airlock.ts';
import { formatEventTime } from '../admin/audit-summary.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { bellLabel } from './notification-text.ts';
import type { Notifications } from './use-notifications.ts';
import './airlock.css';

function BellIcon() {
  return (
    <svg className="bell-icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
      />
    </svg>
  );
}

export function NotificationBell(props: { notifications: Notifications; onOpen: (notification: Notification) => void }) {
  const { notifications, onOpen } = props;
  const { list, unread, error, markAllRead, marking } = notifications;
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const root = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    // Escape from inside the bell or its list (or from nowhere: "Mark all as read" is disabled once it has worked, which
    // leaves the focus on the page's body); elsewhere (the SQL editor) Escape has work of its own.
    const onKey = (event: KeyboardEvent): void => {
      const target = event.target;
      const inside =
        target instanceof Node && (root.current?.contains(target) || target === document.body || target === document.documentElement);
      if (event.key !== 'Escape' || !inside) return;
      event.preventDefault();
      setOpen(false);
      button.current?.focus();
    };
    const onPointer = (event: PointerEvent): void => {
      const target = event.target;
      if (target instanceof Node && !panel.current?.contains(target) && !button.current?.contains(target)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);

  return (
    <div
      ref={root}
      className="notification-bell"
      data-testid="notification-bell"
      data-unread={unread}
      data-answered={notifications.answered}
    >
      <button
        ref={button}
        type="button"
        className="header-button bell-button"
        aria-expanded={open}
        aria-controls="notification-list"
        aria-label={bellLabel(unread)}
        onClick={() => setOpen((was) => !was)}
        data-testid="bell"
      >
        <BellIcon />
        {unread > 0 ? (
          <span className="bell-count" data-testid="bell-count" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        ) : null}
      </button>
      <div ref={panel} id="notification-list" className="notification-panel" hidden={!open} data-testid="notification-panel">
        <div className="notification-panel-head">
          <h2 className="notification-heading">Notifications</h2>
          <button
            type="button"
            className="link-button"
            disabled={marking || unread === 0}
            onClick={markAllRead}
            data-testid="mark-notifications-read"
          >
            {marking ? 'Marking…' : 'Mark all as read'}
          </button>
        </div>
        <ErrorMessage testId="notifications-error" title="Notifications" text={error} />
        {list === null ? (
          error === null ? (
            <p className="hint">Reading your notifications…</p>
          ) : null
        ) : list.length === 0 ? (
          <p className="hint" data-testid="no-notifications">
            Nothing yet. You hear here when a release request of yours is returned, released, rejected or revoked.
          </p>
        ) : (
          <ul className="notification-list">
            {list.map((notification) => (
              <li
                key={notification.id}
                className={notification.read ? 'read' : 'unread'}
                data-testid="notification"
                data-read={notification.read}
              >
                <button
                  type="button"
                  className="notification-item"
                  onClick={() => {
                    setOpen(false);
                    onOpen(notification);
                  }}
                  data-testid="open-notification"
                >
                  {notification.read ? null : <span className="visually-hidden">Unread: </span>}
                  <span className="notification-message">{notification.message}</span>
                  <span className="notification-time">{formatEventTime(notification.at)}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
