// An audit event's details as an object. They are canonical JSON written by the log itself; a row whose details are not
// a JSON object (only a damaged table holds one) answers undefined, and `enclave audit verify` says what happened to it.
import type { AuditEvent } from './chain.ts';

export function eventDetails(event: Pick<AuditEvent, 'details'>): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(event.details);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** What the screens show for details nobody can read. */
export const UNREADABLE_DETAILS = { unreadable: 'The details of this event are not readable. Run `enclave audit verify`.' } as const;
