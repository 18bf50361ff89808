// Session events for the platform's audit log (sign-in, lock, unlock, sign-out, the session's end): sent in order,
// best effort, each with the access token valid at that moment — a report never holds up the session.
import type { PlatformClient, SessionEventName } from '../platform-client.ts';

export interface SessionReports {
  /**
   * Records an event on the platform, in order (a sign-out is never logged before its sign-in), best effort.
   * Without a token nothing is sent. Resolves once this and every earlier report has been tried.
   */
  report(event: SessionEventName, token: string | null): Promise<void>;
}

export function createSessionReports(options: {
  client: PlatformClient;
  log: (message: string, detail?: unknown) => void;
}): SessionReports {
  const { client, log } = options;
  let reports: Promise<void> = Promise.resolve();

  function report(event: SessionEventName, token: string | null): Promise<void> {
    if (token === null) return reports;
    reports = reports.then(async () => {
      try {
        await client.sessionEvent(event, { token });
      } catch (err) {
        log(`Could not record "${event}" on the platform.`, err);
      }
    });
    return reports;
  }

  return { report };
}
