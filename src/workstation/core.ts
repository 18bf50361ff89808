// The workstation core: the one handler table every shell serves (Electron IPC, HTTP, in-process), and the
// events it emits. It holds what the renderer must never hold (the platform connection; later, tokens).
import type { Handlers } from '../common/dispatch.ts';
import { EnclaveError } from '../common/errors.ts';
import { createEventHub, type CoreEvents } from './event-hub.ts';
import { createPlatformClient } from './platform-client.ts';
import { createPlatformMonitor, type PlatformStatus } from './platform-status.ts';

export interface WorkstationCoreOptions {
  platformUrl: string;
  fetch?: typeof globalThis.fetch;
  /** How often the platform's health is re-checked. */
  healthIntervalMs?: number;
  /** Deadline for metadata requests to the platform. */
  requestTimeoutMs?: number;
  /** Logs what the UI is not told (a listener that threw). */
  log?: (message: string, detail?: unknown) => void;
}

export interface WorkstationCore {
  handlers: Handlers;
  events: CoreEvents;
  /** Checks the platform now; the UI hears the result as a 'platform.status' event. */
  checkPlatform(): Promise<PlatformStatus>;
  /** Stops the health checks and aborts requests under way. */
  close(): void;
}

const DEFAULT_HEALTH_INTERVAL_MS = 10_000;

export function createWorkstationCore(options: WorkstationCoreOptions): WorkstationCore {
  const client = createPlatformClient({ baseUrl: options.platformUrl, fetch: options.fetch, timeoutMs: options.requestTimeoutMs });
  const hub = createEventHub({ onListenerError: (err) => options.log?.('An event listener failed.', err) });
  const monitor = createPlatformMonitor({ client, hub, intervalMs: options.healthIntervalMs ?? DEFAULT_HEALTH_INTERVAL_MS });
  const closing = new AbortController();

  /** Runs one platform call; keeps the status event honest with what the call learned. */
  async function viaPlatform<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (closing.signal.aborted) throw new EnclaveError('cancelled', 'The workstation is closing.');
    try {
      const value = await call(closing.signal);
      monitor.noteReachable();
      return value;
    } catch (err) {
      if (err instanceof EnclaveError && err.code === 'unavailable') monitor.noteUnreachable(err);
      throw err;
    }
  }

  const handlers: Handlers = {
    'session.get': () =>
      viaPlatform(async (signal) => {
        const [user, health] = await Promise.all([client.me(signal), client.health(signal)]);
        // Demo mode until sign-in exists: the platform admits a fixed demo analyst (see src/platform/identity/demo.ts).
        return { mode: 'demo' as const, user, platform: { url: client.url, name: health.name } };
      }),
    'projects.list': () => viaPlatform((signal) => client.projects(signal)),
    'catalogue.get': ({ projectId }) => viaPlatform((signal) => client.catalogue(projectId, signal)),
    'dataset.sample': (input) => viaPlatform((signal) => client.sample(input, signal)),
  };

  monitor.start();

  return {
    handlers,
    events: { on: (name, callback) => hub.on(name, callback) },
    checkPlatform: () => monitor.checkNow(),
    close() {
      monitor.stop();
      closing.abort();
      hub.clear();
    },
  };
}
