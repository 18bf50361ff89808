// Checks an audit log as it is stored: each event's seal and link, the anchor outside the database, the table's
// guards, and breaks an operator accepted earlier. Pure: the caller reads the rows, the anchor and the key (the
// platform at start-up through its store, `enclave audit verify` read-only from the files) and prints the report.
import { z } from 'zod';
import { highestAnchor, type AnchorHead, type AnchorReading } from './anchor.ts';
import { digestOfEvents, expectedSeal, GENESIS_HASH, KEYED_CHAIN, LEGACY_CHAIN, type StoredAuditEvent } from './chain.ts';
import type { GuardCheck } from './guards.ts';

/** The event that records an operator starting the platform on a broken log. */
export const ACCEPTED_BREAK_EVENT = 'audit.broken_log_accepted';

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
  /** The first bad event first; then the anchor, the guards and the anchor file. */
  readonly problems: readonly AuditProblem[];
  /** The latest break an operator accepted, when the events before it are still exactly as they were then. */
  readonly accepted: AcceptedBreak | null;
  readonly notes: readonly string[];
}

export interface AuditTrail {
  /** The rows in seq order. */
  readonly events: readonly StoredAuditEvent[];
  readonly key: Buffer | null;
  /** Where the key lives, for messages. */
  readonly keyFile: string;
  /**
   * No key existed before this start: a log written before keyed chaining (sha256 only) has no anchor yet, and
   * that is not a break. Once a key exists, a missing anchor is.
   */
  readonly keyIsNew: boolean;
  readonly anchors: AnchorReading;
  readonly guards: GuardCheck;
}

/** What an acceptance records, inside its sealed details. */
const AcceptanceDetailsSchema = z.object({
  report: z.string(),
  accepted: z.object({ events: z.number().int().nonnegative(), digest: z.string(), table: z.string().nullable() }),
});

interface Base {
  readonly index: number;
  readonly event: StoredAuditEvent;
  readonly report: string;
  readonly table: string | null;
}

const short = (hash: string): string => hash.slice(0, 12);

function sealHolds(event: StoredAuditEvent, key: Buffer | null): boolean {
  return expectedSeal(event, key) === event.hash;
}

/**
 * The latest acceptance that still holds: sealed with the key, linked to the row before it, and recording a
 * digest that the rows before it still match. An edit after the acceptance makes it stop holding.
 */
function findAcceptedBreak(trail: AuditTrail, notes: string[]): Base | null {
  const { events, key } = trail;
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index];
    if (event.type !== ACCEPTED_BREAK_EVENT || event.chain !== KEYED_CHAIN || !sealHolds(event, key)) continue;
    const before = events[index - 1];
    if (event.prevHash !== (before?.hash ?? GENESIS_HASH) || event.seq !== (before?.seq ?? 0) + 1) continue;
    let details: z.infer<typeof AcceptanceDetailsSchema>;
    try {
      details = AcceptanceDetailsSchema.parse(JSON.parse(event.details));
    } catch {
      continue;
    }
    if (details.accepted.events === index && details.accepted.digest === digestOfEvents(events.slice(0, index))) {
      return { index, event, report: details.report, table: details.accepted.table };
    }
    notes.push(`the break accepted at event ${event.seq} no longer covers the events before it: they changed after it was accepted`);
  }
  return null;
}

/** The number an event was sealed under, when it is stored under another (a swapped or renumbered row). */
function writtenAs(options: { trail: AuditTrail; event: StoredAuditEvent; upTo: number }): number | null {
  const { event, trail } = options;
  for (let seq = 1; seq <= options.upTo; seq++) {
    if (seq !== event.seq && expectedSeal({ ...event, seq }, trail.key) === event.hash) return seq;
  }
  return null;
}

interface Walk {
  readonly trail: AuditTrail;
  readonly start: number;
  /** The highest anchored event: a bad seal past it is a forged addition, at or before it an edit. */
  readonly anchoredSeq: number;
}

function checkEvent(walk: Walk, at: { index: number; expected: AnchorHead; firstKeyed: number | null }): AuditProblem | null {
  const { trail } = walk;
  const { events } = trail;
  const { index, expected, firstKeyed } = at;
  const event = events[index];
  const { seq } = event;
  if (!Number.isInteger(seq) || seq <= expected.seq) {
    return { kind: 'reordered', message: `event ${seq} is out of order: it is stored after event ${expected.seq}` };
  }
  if (seq > expected.seq + 1) {
    const gap =
      seq - expected.seq - 1 === 1 ? `event ${expected.seq + 1} is missing` : `events ${expected.seq + 1} to ${seq - 1} are missing`;
    return { kind: 'missing', message: `${gap}: event ${seq} follows event ${expected.seq}` };
  }
  if (event.chain !== KEYED_CHAIN && event.chain !== LEGACY_CHAIN) {
    return { kind: 'forged', message: `event ${seq} is forged: it names a chain ("${event.chain}") the platform never wrote` };
  }
  if (event.chain === LEGACY_CHAIN && firstKeyed !== null) {
    return { kind: 'forged', message: `event ${seq} is forged: it is sealed without the audit key, after keyed event ${firstKeyed}` };
  }
  if (event.chain === KEYED_CHAIN && trail.key === null) {
    return { kind: 'key_missing', message: `event ${seq} cannot be checked: the audit key ${trail.keyFile} is missing` };
  }
  if (!sealHolds(event, trail.key)) {
    const upTo = Math.max(events.at(-1)?.seq ?? 0, walk.anchoredSeq) + 1;
    const original = writtenAs({ trail, event, upTo });
    if (original !== null) {
      const follows = events.some((other) => other !== event && other.hash === event.prevHash) || event.prevHash === GENESIS_HASH;
      if (follows) return { kind: 'reordered', message: `event ${seq} is reordered: it was written as event ${original}` };
      const gap = original - seq === 1 ? `event ${seq} is missing` : `events ${seq} to ${original - 1} are missing`;
      return { kind: 'missing', message: `${gap}: the events after it were renumbered (event ${seq} was written as event ${original})` };
    }
    const seal =
      event.chain === KEYED_CHAIN
        ? 'its MAC does not match its contents (it was not sealed with the audit key)'
        : 'its sha256 hash does not match its contents';
    if (seq > walk.anchoredSeq && walk.anchoredSeq > 0) return { kind: 'forged', message: `event ${seq} is forged: ${seal}` };
    return { kind: 'edited', message: `event ${seq} was edited: ${seal}` };
  }
  if (event.prevHash !== expected.hash) {
    const other = events.find((candidate) => candidate !== event && candidate.hash === event.prevHash);
    if (other !== undefined)
      return { kind: 'reordered', message: `event ${seq} is reordered: it was written after event ${other.seq}, not ${expected.seq}` };
    if (expected.seq === 0)
      return { kind: 'missing', message: `the events before event ${seq} are missing: it points back to an event the log does not hold` };
    return {
      kind: 'rewritten',
      message: `the events up to ${expected.seq} were rewritten: event ${seq} points back to a different event ${expected.seq} (${short(event.prevHash)}, not ${short(expected.hash)})`,
    };
  }
  return null;
}

function walkChain(walk: Walk): AuditProblem | null {
  const { events } = walk.trail;
  const before = events[walk.start - 1];
  let expected: AnchorHead = before === undefined ? { seq: 0, hash: GENESIS_HASH } : before;
  let firstKeyed: number | null = null;
  for (let index = walk.start; index < events.length; index++) {
    const problem = checkEvent(walk, { index, expected, firstKeyed });
    if (problem !== null) return problem;
    const event = events[index];
    if (event.chain === KEYED_CHAIN && firstKeyed === null) firstKeyed = event.seq;
    expected = event;
  }
  return null;
}

function checkAnchor(options: { trail: AuditTrail; fromSeq: number; notes: string[] }): AuditProblem[] {
  const { trail, notes } = options;
  const { events, anchors } = trail;
  const problems: AuditProblem[] = anchors.problems.map((problem) => ({
    kind: 'anchor_file',
    message: `the anchor ${anchors.file} ${problem}`,
  }));
  // Lines from before an accepted break describe the log the operator accepted as broken.
  const heads = anchors.heads.filter((head) => head.seq >= options.fromSeq);
  const { head, conflicting } = highestAnchor(heads);
  const last = events.at(-1);
  if (head === null) {
    if (last === undefined) return problems;
    const unkeyedOnly = events.every((event) => event.chain === LEGACY_CHAIN);
    if (unkeyedOnly && (trail.keyIsNew || trail.key === null) && anchors.heads.length === 0) {
      notes.push('the log was written before keyed chaining and has no anchor yet: the platform anchors it when it next starts');
      return problems;
    }
    const why = anchors.exists ? 'holds no anchor the platform wrote' : 'does not exist';
    problems.push({ kind: 'anchor_missing', message: `anchor missing: ${anchors.file} ${why}, but the log holds ${events.length} events` });
    return problems;
  }
  if (conflicting) problems.push({ kind: 'anchor_mismatch', message: `the anchor records two different events numbered ${head.seq}` });
  const stored = events.find((event) => event.seq === head.seq);
  if (stored === undefined) {
    const lastSeq = last?.seq ?? 0;
    if (head.seq > lastSeq) {
      const what = last === undefined ? 'every event is gone' : `event ${lastSeq} is the last one left`;
      problems.push({
        kind: 'truncated',
        message: `truncated after ${lastSeq}: ${what}, but the anchor says the log reached event ${head.seq}`,
      });
    } else {
      problems.push({ kind: 'missing', message: `event ${head.seq} is missing: the anchor records it` });
    }
  } else if (stored.hash !== head.hash) {
    problems.push({
      kind: 'anchor_mismatch',
      message: `the anchor does not match: event ${head.seq} is not the event the anchor recorded (${short(stored.hash)}, anchored ${short(head.hash)})`,
    });
  } else if (last !== undefined && last.seq > head.seq) {
    notes.push(
      `events ${head.seq + 1} to ${last.seq} are not anchored yet (a stop between storing and anchoring); the platform anchors them when it next starts`,
    );
  }
  return problems;
}

export function verifyAuditTrail(trail: AuditTrail): AuditReport {
  const notes: string[] = [];
  const base = findAcceptedBreak(trail, notes);
  const anchoredSeq = highestAnchor(trail.anchors.heads.filter((head) => head.seq >= (base?.event.seq ?? 0))).head?.seq ?? 0;
  const problems: AuditProblem[] = [];
  const chainProblem = walkChain({ trail, start: base?.index ?? 0, anchoredSeq });
  if (chainProblem !== null) problems.push(chainProblem);
  problems.push(...checkAnchor({ trail, fromSeq: base?.event.seq ?? 0, notes }));
  const { guards } = trail;
  if (guards.tableChanged !== null) {
    // A table made again is covered by an acceptance that recorded this very definition (its triggers are put back then).
    if (base !== null && base.table === guards.tableSql) notes.push(`${guards.tableChanged}; accepted at event ${base.event.seq}`);
    else problems.push({ kind: 'guards', message: guards.tableChanged });
  }
  problems.push(...guards.problems.map((message): AuditProblem => ({ kind: 'guards', message })));
  const last = trail.events.at(-1);
  return {
    intact: problems.length === 0,
    events: trail.events.length,
    head: last === undefined ? null : { seq: last.seq, hash: last.hash },
    problems,
    accepted: base === null ? null : { seq: base.event.seq, occurredAt: base.event.occurredAt, report: base.report },
    notes,
  };
}

/** The report as people read it: `intact (N events, head S H)` or `broken: <first problem>`, then the rest. */
export function describeAuditReport(report: AuditReport): string {
  const lines: string[] = [];
  if (report.intact) {
    const head = report.head === null ? 'none' : `${report.head.seq} ${short(report.head.hash)}`;
    lines.push(`intact (${report.events} events, head ${head})`);
  } else {
    const [first, ...rest] = report.problems;
    lines.push(`broken: ${first?.message ?? 'unknown problem'}`);
    for (const problem of rest) lines.push(`also: ${problem.message}`);
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
