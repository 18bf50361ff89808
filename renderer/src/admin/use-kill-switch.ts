// The kill switch's overview (incidents, restrictions in force and lately lifted, who and what can be acted on), read
// for an administrator whenever an administration screen is shown and after each action, so the banner over those
// screens and the incidents screen always agree with the platform.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import type { KillSwitchOverview } from '../../../src/common/incidents.ts';
import { messageOf } from '../shell/message-of.ts';

export interface KillSwitchState {
  readonly overview: KillSwitchOverview | null;
  readonly error: string | null;
  readonly loading: boolean;
  /** How many answers (or failures) have been shown: lets a test wait for the one it asked for. */
  readonly answered: number;
  /** Reads the overview again (after an action, or when asked). */
  readonly refresh: () => void;
}

/** `watching`: an administration screen is shown (the overview is read when it becomes so, and on refresh). */
export function useKillSwitch(client: Client, watching: string | null): KillSwitchState {
  const [overview, setOverview] = useState<KillSwitchOverview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [answered, setAnswered] = useState(0);
  const [attempt, setAttempt] = useState(0);
  /** Only the newest request's answer is shown. */
  const request = useRef(0);

  useEffect(() => {
    if (watching === null) return;
    const id = ++request.current;
    setLoading(true);
    client.invoke('admin.killswitch', {}).then(
      (answer) => {
        if (id !== request.current) return;
        setOverview(answer);
        setError(null);
        setLoading(false);
        setAnswered((n) => n + 1);
      },
      (err: unknown) => {
        if (id !== request.current) return;
        setError(messageOf(err, 'The incidents could not be read.'));
        setLoading(false);
        setAnswered((n) => n + 1);
      },
    );
  }, [client, watching, attempt]);

  const refresh = useCallback(() => setAttempt((n) => n + 1), []);
  return { overview, error, loading, answered, refresh };
}
