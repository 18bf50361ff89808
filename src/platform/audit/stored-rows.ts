// Reading the audit table for the verifier, whatever shape someone left it in: a missing or mistyped column
// becomes a value the verifier reports (an unknown chain, a seal that does not hold), never a crash.
import type { StoredAuditEvent } from './chain.ts';
import { AUDIT_TABLE } from './guards.ts';

export const AUDIT_ROWS_QUERY = `SELECT * FROM ${AUDIT_TABLE} ORDER BY seq`;

const text = (value: unknown): string => (typeof value === 'string' ? value : String(value ?? ''));

export function parseStoredRows(rows: readonly unknown[]): StoredAuditEvent[] {
  return rows.map((row) => {
    const r = row as Record<string, unknown>;
    const seq = Number(r.seq);
    return {
      // A number that is not a whole one (only a table made again without its key can hold it) reads as -1: out of order.
      seq: Number.isSafeInteger(seq) ? seq : -1,
      occurredAt: text(r.occurred_at),
      type: text(r.type),
      actor: typeof r.actor === 'string' ? r.actor : null,
      outcome: text(r.outcome),
      details: text(r.details),
      prevHash: text(r.prev_hash),
      hash: text(r.hash),
      chain: text(r.chain),
    };
  });
}
