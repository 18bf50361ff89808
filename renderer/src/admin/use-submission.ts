// What every administration form does when it sends: busy while the platform works, its refusal (in its own words) or
// a plain fallback shown as the form's error, the form's own checks shown the same way before anything is sent.
import { useCallback, useState } from 'react';
import { messageOf } from '../shell/message-of.ts';

export interface Submission {
  readonly busy: boolean;
  readonly error: string | null;
  /** Shows a problem (the form's own check), or clears it with null. */
  readonly setError: (message: string | null) => void;
  /** Sends: the error is cleared and the form busy until the work settles; a failure becomes the error. */
  readonly send: <T>(work: () => Promise<T>, onDone: (value: T) => void, failure: string) => void;
}

export function useSubmission(): Submission {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const send = useCallback(<T>(work: () => Promise<T>, onDone: (value: T) => void, failure: string): void => {
    setError(null);
    setBusy(true);
    work()
      .then(onDone, (err: unknown) => setError(messageOf(err, failure)))
      .finally(() => setBusy(false));
  }, []);
  return { busy, error, setError, send };
}
