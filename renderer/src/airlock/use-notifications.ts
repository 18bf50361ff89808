// The signed-in person's airlock notifications (issue 16): read when the workspace opens, every 15 seconds while the
// session is signed in (not while it is locked), and at once after each airlock action (`refresh`); marked read up to
// the newest. Only the newest read's answer is shown; a failed read keeps the last list and says so.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Notification } from '../../../src/common/airlock.ts';
import type { Client } from '../../../src/common/client.ts';
import { messageOf } from '../shell/message-of.ts';

export const NOTIFICATION_POLL_MS = 15_000;

export interface Notifications {
  readonly list: readonly Notification[] | null;
  readonly unread: number;
  readonly error: string | null;
  /** How many answers (or failures) have been shown: lets a test wait for the one it asked for. */
  readonly answered: number;
  readonly refresh: () => void;
  /** Marks every notification up to the newest read (null: nothing to mark). */
  readonly markAllRead: () => void;
  readonly marking: boolean;
}

export function useNotifications(client: Client): Notifications {
  const [list, setList] = useState<readonly Notification[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [answered, setAnswered] = useState(0);
  const [attempt, setAttempt] = useState(0);
  const [marking, setMarking] = useState(false);
  /** Polling stops while the session is locked (a call then is refused, and the window asks for the session again). */
  const [active, setActive] = useState(true);
  const request = useRef(0);

  useEffect(() => client.listen('session.changed', (session) => setActive(session.state === 'signed_in')), [client]);

  useEffect(() => {
    if (!active) return;
    const id = ++request.current;
    client.invoke('airlock.notifications', {}).then(
      (answer) => {
        if (id !== request.current) return;
        setList(answer);
        setError(null);
        setAnswered((n) => n + 1);
      },
      (err: unknown) => {
        if (id !== request.current) return;
        setError(messageOf(err, 'Your notifications could not be read.'));
        setAnswered((n) => n + 1);
      },
    );
  }, [client, active, attempt]);

  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(() => setAttempt((n) => n + 1), NOTIFICATION_POLL_MS);
    return () => window.clearInterval(timer);
  }, [active]);

  const refresh = useCallback(() => setAttempt((n) => n + 1), []);

  const newest = list?.[0]?.id ?? null;
  const markAllRead = useCallback(() => {
    if (newest === null) return;
    setMarking(true);
    client
      .invoke('airlock.readNotifications', { upTo: newest })
      .then(
        () => setError(null),
        (err: unknown) => setError(messageOf(err, 'Your notifications could not be marked as read.')),
      )
      .finally(() => {
        setMarking(false);
        setAttempt((n) => n + 1);
      });
  }, [client, newest]);

  const unread = list?.filter((notification) => !notification.read).length ?? 0;
  return { list, unread, error, answered, refresh, markAllRead, marking };
}
