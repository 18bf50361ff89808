// One read of the platform for an administration screen (the people, a person, the terms, the training): the answer,
// or what went wrong in words, read again on request (after each change). Only the newest request's answer is shown,
// and the number of answers shown lets a test wait for the one it asked for.
import { useCallback, useEffect, useRef, useState } from 'react';
import { messageOf } from '../shell/message-of.ts';

export interface AdminRead<T> {
  readonly value: T | null;
  readonly error: string | null;
  readonly loading: boolean;
  /** How many answers (or failures) have been shown. */
  readonly answered: number;
  readonly refresh: () => void;
}

/**
 * `read` is asked when `shown` becomes true (a screen kept mounted while hidden reads again when it is shown), whenever
 * `read` changes (keep it in useCallback), and on refresh(); `fallback` is said for a bug.
 */
export function useAdminRead<T>(read: () => Promise<T>, fallback: string, shown = true): AdminRead<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [answered, setAnswered] = useState(0);
  const [attempt, setAttempt] = useState(0);
  const request = useRef(0);

  useEffect(() => {
    if (!shown) return;
    const id = ++request.current;
    setLoading(true);
    read().then(
      (answer) => {
        if (id !== request.current) return;
        setValue(answer);
        setError(null);
        setLoading(false);
        setAnswered((n) => n + 1);
      },
      (err: unknown) => {
        if (id !== request.current) return;
        setError(messageOf(err, fallback));
        setLoading(false);
        setAnswered((n) => n + 1);
      },
    );
  }, [read, fallback, attempt, shown]);

  const refresh = useCallback(() => setAttempt((n) => n + 1), []);
  return { value, error, loading, answered, refresh };
}
