// Tells the workstation core the user is there (it owns the idle-lock timer), throttled, only while signed in.
import { useEffect } from 'react';
import type { Client } from '../../../src/common/client.ts';
import { bestEffort } from '../../../src/common/detached.ts';
import { ACTIVITY_EVENTS, activityIntervalMs, createActivityThrottle } from './activity.ts';

export function useActivityReporting(client: Client, options: { active: boolean; idleLockSeconds: number }): void {
  const { active, idleLockSeconds } = options;
  useEffect(() => {
    if (!active) return;
    const throttle = createActivityThrottle({
      intervalMs: activityIntervalMs(idleLockSeconds),
      // A refusal (the session just ended or locked) arrives as 'session.changed' too: nothing to do here.
      report: () => {
        bestEffort(client.invoke('session.activity', {}));
      },
    });
    const onInput = (): void => throttle.notify();
    for (const type of ACTIVITY_EVENTS) window.addEventListener(type, onInput, { capture: true, passive: true });
    return () => {
      throttle.stop();
      for (const type of ACTIVITY_EVENTS) window.removeEventListener(type, onInput, { capture: true });
    };
  }, [client, active, idleLockSeconds]);
}
