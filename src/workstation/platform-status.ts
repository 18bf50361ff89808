// Watches whether the platform answers, and tells the UI through the 'platform.status' event:
// connecting → ready | unreachable, re-checked on a timer until the core closes.
import { handledElsewhere } from '../common/detached.ts';
import { EnclaveError } from '../common/errors.ts';
import type { EventPayload } from '../common/contract.ts';
import type { EventHub } from './event-hub.ts';
import type { PlatformClient, PlatformHealth } from './platform-client.ts';

export type PlatformStatus = EventPayload<'platform.status'>;

export interface PlatformMonitor {
  start(): void;
  /** Asks the platform now (joining a check already under way) and resolves with the resulting status. */
  checkNow(): Promise<PlatformStatus>;
  /** A method call could not reach the platform: say so without waiting for the next check. */
  noteUnreachable(error: EnclaveError): void;
  /** A method call reached the platform: if we thought it was down, confirm with a health check. */
  noteReachable(): void;
  /** The platform's last health answer (name, mode, identity), if it has answered. */
  lastHealth(): PlatformHealth | undefined;
  stop(): void;
}

export function createPlatformMonitor(options: { client: PlatformClient; hub: EventHub; intervalMs: number }): PlatformMonitor {
  const { client, hub, intervalMs } = options;
  let last: PlatformHealth | undefined;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<PlatformStatus> | undefined;
  let stopped = false;
  const abort = new AbortController();
  const retryText = `Trying again every ${Math.max(1, Math.round(intervalMs / 1000))} s.`;

  function set(status: PlatformStatus): PlatformStatus {
    const previous = hub.current('platform.status');
    // Listeners hear changes, not every tick of the timer.
    if (!stopped && (previous?.state !== status.state || previous.message !== status.message)) hub.emit('platform.status', status);
    return status;
  }

  function unreachable(error: EnclaveError): PlatformStatus {
    return { state: 'unreachable', message: `${error.message} ${retryText}` };
  }

  /** Never rejects: a failure becomes the status it reports. */
  async function check(): Promise<PlatformStatus> {
    try {
      const health = await client.health({ signal: abort.signal });
      last = health;
      return set({ state: 'ready', message: `Connected to ${health.name} at ${client.url}.` });
    } catch (err) {
      const error = err instanceof EnclaveError ? err : new EnclaveError('unavailable', `The platform at ${client.url} cannot be reached.`);
      if (stopped) return { state: 'unreachable', message: 'The workstation has closed.' };
      return set(unreachable(error));
    }
  }

  function checkNow(): Promise<PlatformStatus> {
    inFlight ??= check().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      handledElsewhere(checkNow().finally(schedule));
    }, intervalMs);
    // The monitor alone must not keep a process alive (the CLI, a test run).
    timer.unref();
  }

  return {
    start() {
      set({ state: 'connecting', message: `Connecting to the platform at ${client.url}…` });
      handledElsewhere(checkNow().finally(schedule));
    },
    checkNow,
    noteUnreachable(error) {
      set(unreachable(error));
    },
    noteReachable() {
      if (hub.current('platform.status')?.state !== 'ready') handledElsewhere(checkNow());
    },
    lastHealth: () => last,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      abort.abort();
    },
  };
}
