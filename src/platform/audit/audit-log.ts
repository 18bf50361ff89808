// The platform's audit log: append-only events, each chained to the one before by a sha256 hash, so that
// removing, reordering or editing an event breaks every hash after it. The query issue's verifier walks the
// chain with verifyAuditChain; the store (and a database trigger) offers no way to change an event.
import { createHash } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { MetadataDatabase } from '../store/schema.ts';
import { canonicalJson, type JsonValue } from './canonical-json.ts';

/** The hash the first event points back to. */
export const GENESIS_HASH = '0'.repeat(64);

export type AuditOutcome = 'success' | 'failure';

export interface AuditEventInput {
  /** Dotted, lower case: 'auth.sign_in', 'session.signed_out'. */
  readonly type: string;
  /** The user the event is about, when known (never a password or token). */
  readonly actor: string | null;
  readonly outcome: AuditOutcome;
  readonly details: { readonly [key: string]: JsonValue };
}

export interface AuditEvent {
  readonly seq: number;
  /** ISO 8601, UTC, milliseconds. */
  readonly occurredAt: string;
  readonly type: string;
  readonly actor: string | null;
  readonly outcome: AuditOutcome;
  /** Canonical JSON of the details object. */
  readonly details: string;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditLog {
  append(event: AuditEventInput): Promise<AuditEvent>;
  /** Events in order, from seq `after` + 1 (default: from the start). */
  list(options?: { after?: number; limit?: number }): Promise<AuditEvent[]>;
}

/** sha256 over the canonical JSON of everything in the event except its own hash. */
export function hashAuditEvent(event: Omit<AuditEvent, 'hash'>): string {
  const hashed: JsonValue = {
    seq: event.seq,
    occurredAt: event.occurredAt,
    type: event.type,
    actor: event.actor,
    outcome: event.outcome,
    details: event.details,
    prevHash: event.prevHash,
  };
  return createHash('sha256').update(canonicalJson(hashed), 'utf8').digest('hex');
}

/** The first event whose link or hash does not hold, or null when the whole chain is intact. */
export function verifyAuditChain(events: readonly AuditEvent[], previous: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH }): number | null {
  let expected = previous;
  for (const event of events) {
    if (event.seq !== expected.seq + 1 || event.prevHash !== expected.hash || hashAuditEvent(event) !== event.hash) return event.seq;
    expected = event;
  }
  return null;
}

function rowToEvent(row: Selectable<MetadataDatabase['audit_events']>): AuditEvent {
  return {
    seq: row.seq,
    occurredAt: row.occurred_at,
    type: row.type,
    actor: row.actor,
    outcome: row.outcome,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export function createAuditLog(db: Kysely<MetadataDatabase>, now: () => Date = () => new Date()): AuditLog {
  // Appends are serialised in this process so two concurrent events never read the same tail; the
  // transaction keeps another writer (a second process) from interleaving.
  let tail: Promise<unknown> = Promise.resolve();
  return {
    append(input) {
      const appended = tail.then(() =>
        db.transaction().execute(async (trx) => {
          const last = await trx.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
          const unhashed = {
            seq: (last?.seq ?? 0) + 1,
            occurredAt: now().toISOString(),
            type: input.type,
            actor: input.actor,
            outcome: input.outcome,
            details: canonicalJson(input.details),
            prevHash: last?.hash ?? GENESIS_HASH,
          };
          const event: AuditEvent = { ...unhashed, hash: hashAuditEvent(unhashed) };
          await trx
            .insertInto('audit_events')
            .values({
              seq: event.seq,
              occurred_at: event.occurredAt,
              type: event.type,
              actor: event.actor,
              outcome: event.outcome,
              details: event.details,
              prev_hash: event.prevHash,
              hash: event.hash,
            })
            .execute();
          return event;
        }),
      );
      tail = appended.catch(() => undefined);
      return appended;
    },
    async list(options = {}) {
      const rows = await db
        .selectFrom('audit_events')
        .selectAll()
        .where('seq', '>', options.after ?? 0)
        .orderBy('seq')
        .limit(options.limit ?? 10_000)
        .execute();
      return rows.map(rowToEvent);
    },
  };
}
