// The signed-in person's terms of use and training, as the window follows them (./standing.ts says what each means).
// The platform decides: after each sign-in the window asks it for the person's terms ('terms.mine'), and asks again
// whenever a call is refused 'terms_required' (new terms published meanwhile). Training is asked once the terms are
// clear, and again when a call is refused 'training_required', whose message (it names the course) is shown as is.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Client } from '../../../src/common/client.ts';
import { bestEffort } from '../../../src/common/detached.ts';
import type { MyTerms } from '../../../src/common/terms.ts';
import { messageOf } from '../shell/message-of.ts';
import { acceptanceOf, gateOf, trainingWarnings, warningKey, type TermsGate, type TrainingWarning } from './standing.ts';

export interface TermsOfUse {
  gate: TermsGate;
  /** An acceptance the platform refused (the text changed since it was shown, say), in its words. */
  error: string | null;
  /** An acceptance is on its way. */
  accepting: boolean;
  accept: (terms: MyTerms) => void;
  /** A call was refused 'terms_required': asks the platform again (the terms screen follows if it says so). */
  recheck: () => void;
}

export function useTermsOfUse(client: Client, ownerId: string | null): TermsOfUse {
  const [gate, setGate] = useState<TermsGate>({ kind: 'none' });
  const [error, setError] = useState<string | null>(null);
  const [accepting, setAccepting] = useState(false);
  // Only the newest question's answer counts: a sign-out or another person's sign-in makes earlier answers stale.
  const asked = useRef(0);

  const ask = useCallback(() => {
    asked.current += 1;
    const question = asked.current;
    client.invoke('terms.mine', {}).then(
      (mine) => {
        if (asked.current === question) setGate(gateOf(mine));
      },
      () => {
        // Not answered (the platform is unreachable, the session just ended): the workspace opens, and its own calls
        // say what is wrong; a refusal for the terms asks again.
        if (asked.current === question) setGate((now) => (now.kind === 'checking' ? { kind: 'clear' } : now));
      },
    );
  }, [client]);

  useEffect(() => {
    setError(null);
    if (ownerId === null) {
      asked.current += 1;
      setGate({ kind: 'none' });
      return;
    }
    setGate({ kind: 'checking' });
    ask();
  }, [ownerId, ask]);

  const accept = useCallback(
    (terms: MyTerms) => {
      asked.current += 1;
      const question = asked.current;
      setAccepting(true);
      setError(null);
      client.invoke('terms.accept', acceptanceOf(terms)).then(
        (mine) => {
          setAccepting(false);
          if (asked.current === question) setGate(gateOf(mine));
        },
        (err: unknown) => {
          setAccepting(false);
          if (asked.current !== question) return;
          setError(messageOf(err, 'Your acceptance could not be recorded. Try again.'));
          // The terms may have changed since they were shown: show the current ones.
          ask();
        },
      );
    },
    [client, ask],
  );

  return { gate, error, accepting, accept, recheck: ask };
}

export interface TrainingNotices {
  /** The courses that need attention and have not been dismissed. */
  warnings: TrainingWarning[];
  /** The platform's message for the last call refused 'training_required' (it names the course), until dismissed. */
  refusal: string | null;
  dismiss: (warning: TrainingWarning) => void;
  dismissRefusal: () => void;
  /** A call was refused 'training_required': shows why, and asks the platform for the person's training again. */
  refused: (message: string) => void;
}

export function useTrainingNotices(client: Client, options: { ownerId: string | null; ready: boolean }): TrainingNotices {
  const { ownerId, ready } = options;
  const [all, setAll] = useState<TrainingWarning[]>([]);
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());
  const [refusal, setRefusal] = useState<string | null>(null);
  const asked = useRef(0);

  const ask = useCallback(() => {
    asked.current += 1;
    const question = asked.current;
    // Without an answer there is nothing to warn about: a refused call says what it needs.
    bestEffort(
      client.invoke('me.training', {}).then((standing) => {
        if (asked.current === question) setAll(trainingWarnings(standing));
      }),
    );
  }, [client]);

  // A new person starts with nothing shown and nothing dismissed.
  useEffect(() => {
    asked.current += 1;
    setAll([]);
    setDismissed(new Set());
    setRefusal(null);
  }, [ownerId]);

  useEffect(() => {
    if (ownerId !== null && ready) ask();
  }, [ownerId, ready, ask]);

  const refused = useCallback(
    (message: string) => {
      setRefusal(message);
      ask();
    },
    [ask],
  );

  return {
    warnings: all.filter((warning) => !dismissed.has(warningKey(warning))),
    refusal,
    dismiss: (warning) => setDismissed((keys) => new Set([...keys, warningKey(warning)])),
    dismissRefusal: () => setRefusal(null),
    refused,
  };
}
