// What a check of the audit log finds, as values and as people read it, and the token that accepts exactly one
// report: `serve --accept-broken-audit-log=<token>` starts only on a log whose findings still hash to it.
import { createHash } from 'node:crypto';
import type { AnchorHead, AnchorReading } from './anchor.ts';
import type { StoredAuditEvent } from './chain.ts';
import type { GuardCheck } from './guards.ts';

export type AuditProblemKind =
  | 'edited'
  | 'missing'
  | 'reordered'
  | 'rewritten'
  | 'forged'
  | 'truncated'
  | 'anchor_missing'
  | 'anchor_mismatch'
  | 'anchor_file'
  | 'guards'
  | 'key_missing';

export interface AuditProblem {
  readonly kind: AuditProblemKind;
  readonly message: string;
}

export interface AcceptedBreak {
  readonly seq: number;
  readonly occurredAt: string;
  /** The report the operator accepted. */
  readonly report: string;
}

export interface AuditReport {
  readonly intact: boolean;
  readonly events: number;
  readonly head: AnchorHead | null;
  /** Every bad event, the first first; then the anchor, the guards and the anchor file. */
  readonly problems: readonly AuditProblem[];
  /** The latest break an operator accepted, when the events before it are still exactly as they were then. */
  readonly accepted: AcceptedBreak | null;
  readonly notes: readonly string[];
  /** What `--accept-broken-audit-log=` must say to accept this very report; null when the log is intact. */
  readonly token: string | null;
}

export interface AuditTrail {
  /** The rows in seq order. */
  readonly events: readonly StoredAuditEvent[];
  /** Null when the key file is missing. */
  readonly key: Buffer | null;
  /** Where the key lives, for messages. */
  readonly keyFile: string;
  /**
   * No key existed before this start: a log written before keyed chaining (sha256 only) has no anchor yet, and
   * that is not a break. Once a key exists, a missing anchor is.
   */
  readonly keyIsNew: boolean;
  /**
   * The store was set up at an earlier start (it held its users before this one). Since keyed chaining the audit
   * key is made at that same start, so an empty log in such a store, with no key, was emptied: it is not new.
   */
  readonly storeUsedBefore: boolean;
  readonly anchors: AnchorReading;
  readonly guards: GuardCheck;
}

/** How many problems a report prints; the rest are counted (the token covers them all). */
export const PRINTED_PROBLEMS = 50;

/**
 * A short digest of the report's findings and the head: a token printed with the report, which an operator gives
 * back to accept this break and no other (a flag left in a service unit accepts nothing that happens later).
 */
export function acceptanceToken(report: Pick<AuditReport, 'events' | 'head' | 'problems'>): string {
  const findings = JSON.stringify({
    events: report.events,
    head: report.head === null ? null : [report.head.seq, report.head.hash],
    problems: report.problems.map((problem) => [problem.kind, problem.message]),
  });
  return createHash('sha256').update(`enclave audit acceptance\n${findings}`, 'utf8').digest('hex').slice(0, 16);
}

const short = (hash: string): string => hash.slice(0, 12);

/**
 * The report as people read it: `intact (N events, head S H)` or `broken: <first problem>`, then the others
 * (up to PRINTED_PROBLEMS, then how many more), the accepted break and the notes.
 */
export function describeAuditReport(report: AuditReport): string {
  const lines: string[] = [];
  if (report.intact) {
    const head = report.head === null ? 'none' : `${report.head.seq} ${short(report.head.hash)}`;
    lines.push(`intact (${report.events} events, head ${head})`);
  } else {
    const [first, ...rest] = report.problems;
    lines.push(`broken: ${first?.message ?? 'unknown problem'}`);
    for (const problem of rest.slice(0, PRINTED_PROBLEMS - 1)) lines.push(`also: ${problem.message}`);
    const unprinted = report.problems.length - PRINTED_PROBLEMS;
    if (unprinted > 0) lines.push(`also: ${unprinted} more ${unprinted === 1 ? 'problem' : 'problems'} not printed here`);
  }
  if (report.accepted !== null) {
    const accepted = report.accepted.report.split('\n').join(' / ');
    lines.push(
      `accepted: at event ${report.accepted.seq} (${report.accepted.occurredAt}) the platform was started on a broken log that read: ${accepted}`,
    );
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}
