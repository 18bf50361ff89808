// Polling limits for the device grant (RFC 8628 §3.5): a device that polls its pending code sooner than the
// interval is answered `slow_down`, and from then on that code's interval is 5 s longer, as the RFC tells the
// client to make it. oidc-provider defines the error but never sends it. State is in memory, per code (by a
// hash of it), and forgotten once the code has expired; a restart forgets it, which costs an extra poll or two.
import Provider, { errors, type KoaContextWithOIDC } from 'oidc-provider';

/** The interval the device authorization answer names (RFC 8628's default). */
export const DEVICE_POLL_INTERVAL_SECONDS = 5;
/** How long a device code lives (ttl.DeviceCode): nothing about a code is kept longer. */
export const DEVICE_CODE_LIFETIME_SECONDS = 600;
/** RFC 8628 §3.5: the client adds 5 s to its interval for each slow_down. */
const SLOW_DOWN_STEP_MS = 5_000;
/** Arrival times are measured here and waits on the client: a few milliseconds of timer granularity is not a fast client. */
const GRACE_MS = 100;

interface CodePolls {
  readonly firstPollAt: number;
  lastPollAt: number;
  intervalMs: number;
}

export interface DevicePolling {
  /** Records a poll of a pending code; false when it came sooner than the code's interval (which then grows). */
  poll(codeKey: string): boolean;
  /** How many codes are remembered (for tests of the bound). */
  size(): number;
}

export function createDevicePolling(options: { now?: () => number } = {}): DevicePolling {
  const now = options.now ?? Date.now;
  const codes = new Map<string, CodePolls>();

  // Insertion order is first-poll order, so the expired ones are at the front.
  function forgetExpired(at: number): void {
    for (const [key, polls] of codes) {
      if (at - polls.firstPollAt < DEVICE_CODE_LIFETIME_SECONDS * 1000) return;
      codes.delete(key);
    }
  }

  return {
    poll(codeKey) {
      const at = now();
      forgetExpired(at);
      const polls = codes.get(codeKey);
      if (polls === undefined) {
        codes.set(codeKey, { firstPollAt: at, lastPollAt: at, intervalMs: DEVICE_POLL_INTERVAL_SECONDS * 1000 });
        return true;
      }
      const tooSoon = at - polls.lastPollAt < polls.intervalMs - GRACE_MS;
      polls.lastPollAt = at;
      if (tooSoon) polls.intervalMs += SLOW_DOWN_STEP_MS;
      return !tooSoon;
    },
    size: () => codes.size,
  };
}

/** The route oidc-provider is serving now (its own request context, Provider.ctx, which @types/oidc-provider omits). */
function currentRoute(): string | undefined {
  return (Provider as unknown as { readonly ctx?: KoaContextWithOIDC }).ctx?.oidc?.route;
}

/**
 * For the DeviceCode adapter, after a code is found: a poll (the token endpoint; the approval pages find codes
 * too and are never limited) of a code nobody has approved or refused yet counts, and one that came too soon
 * is refused with slow_down. An approved code answers at once: there is nothing left to wait for.
 */
export function limitDevicePoll(polling: DevicePolling, found: { codeKey: string; payload: Readonly<Record<string, unknown>> }): void {
  if (currentRoute() !== 'token') return;
  const { payload } = found;
  const pending = payload.accountId === undefined && payload.error === undefined && payload.consumed === undefined;
  if (pending && !polling.poll(found.codeKey)) throw new errors.SlowDown();
}
