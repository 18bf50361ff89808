// Checks an audit log as it is stored: each event's seal and link, the anchor outside the database, the table's
// guards, and breaks an operator accepted earlier. Pure: the caller reads the rows, the anchor and the key (the
// platform at start-up through its store, `enclave audit verify` read-only from the files) and prints the report.
// Every bad event is reported, not only the first, so that accepting a break accepts only what was shown.
import { z } from 'zod';
import { highestAnchor, type AnchorHead } from './anchor.ts';
import { checkAnchor } from './anchor-check.ts';
import { digestOfEvents, expectedSeal, GENESIS_HASH, KEYED_CHAIN, LEGACY_CHAIN, type StoredAuditEvent } from './chain.ts';
import { acceptanceToken, type AuditProblem, type AuditReport, type AuditTrail } from './report.ts';

export {
  acceptanceToken,
  describeAuditReport,
  type AcceptedBreak,
  type AuditProblem,
  type AuditProblemKind,
  type AuditReport,
  type AuditTrail,
} from './report.ts';

/** The event that records an operator starting the platform on a broken log. */
export const ACCEPTED_BREAK_EVENT = 'audit.broken_log_accepted';

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

interface Walk {
  readonly trail: AuditTrail;
  readonly start: number;
  /** The highest anchored event: a bad seal past it is a forged addition, at or before it an edit. */
  readonly anchoredSeq: number;
  /** Where each anchored hash was anchored: the number a moved row was written under, found without a search. */
  readonly anchoredAt: ReadonlyMap<string, number>;
  /** Stored rows by their hash, for the rows an event points back to. */
  readonly byHash: ReadonlyMap<string, StoredAuditEvent>;
}

/**
 * The number an event was sealed under, when it is stored under another (a swapped or renumbered row). Only a few
 * numbers are tried, each one MAC: where its hash was anchored, its neighbours, and the shift of a renumbering
 * already found. Trying every number up to the last stored seq would let whoever sets that seq hang the check.
 */
function writtenAs(walk: Walk, at: { event: StoredAuditEvent; shift: number | null }): number | null {
  const { event, shift } = at;
  const anchored = walk.anchoredAt.get(event.hash);
  // Anchored with this very hash under its own number: the row stands where it was written; its contents changed.
  if (anchored === event.seq) return null;
  const bound = walk.trail.events.length + walk.anchoredSeq + 1;
  const candidates = new Set([anchored, event.seq - 1, event.seq + 1, shift === null ? undefined : event.seq + shift]);
  for (const seq of candidates) {
    if (seq === undefined || seq === event.seq || seq < 1 || seq > bound) continue;
    if (expectedSeal({ ...event, seq }, walk.trail.key) === event.hash) return seq;
  }
  return null;
}

const missingRange = (from: number, to: number): string =>
  from === to ? `event ${from} is missing` : `events ${from} to ${to} are missing`;

interface Position {
  readonly expected: AnchorHead;
  readonly firstKeyed: number | null;
  /** The row before this one was reported: a broken link to it is that report's consequence, not another break. */
  readonly afterBadRow: boolean;
  /** Rows renumbered by this much (after a deletion) are the renumbering already reported. */
  readonly shift: number | null;
}

interface EventCheck {
  readonly problems: AuditProblem[];
  /** The row is bad only as part of a renumbering already reported, or it was renumbered where it stands. */
  readonly moved: 'none' | 'with-the-renumbering' | 'in-place';
  readonly shift: number | null;
}

/** The event's seal does not hold: whether the row was moved (and from where) or changed. */
function checkSeal(walk: Walk, event: StoredAuditEvent, at: Position): EventCheck {
  const { seq } = event;
  const { shift } = at;
  const original = writtenAs(walk, { event, shift });
  const found = (kind: AuditProblem['kind'], message: string): EventCheck => ({ problems: [{ kind, message }], moved: 'none', shift });
  if (original !== null) {
    if (shift !== null && original === seq + shift) return { problems: [], moved: 'with-the-renumbering', shift };
    if (original === at.expected.seq + 1) {
      return { ...found('reordered', `event ${seq} was renumbered: it was written as event ${original}`), moved: 'in-place' };
    }
    const follows = walk.byHash.has(event.prevHash) || event.prevHash === GENESIS_HASH;
    if (follows || original < seq) return found('reordered', `event ${seq} is reordered: it was written as event ${original}`);
    return {
      ...found(
        'missing',
        `${missingRange(seq, original - 1)}: the events after it were renumbered (event ${seq} was written as event ${original})`,
      ),
      shift: original - seq,
    };
  }
  const seal =
    event.chain === KEYED_CHAIN
      ? 'its MAC does not match its contents (it was not sealed with the audit key)'
      : 'its sha256 hash does not match its contents';
  if (seq > walk.anchoredSeq && walk.anchoredSeq > 0) return found('forged', `event ${seq} is forged: ${seal}`);
  return found('edited', `event ${seq} was edited: ${seal}`);
}

/** Everything wrong with one stored event, given the one before it. */
function checkEvent(walk: Walk, event: StoredAuditEvent, at: Position): EventCheck {
  const { trail } = walk;
  const { seq } = event;
  const { expected } = at;
  const found = (problems: AuditProblem[]): EventCheck => ({ problems, moved: 'none', shift: at.shift });
  if (event.chain !== KEYED_CHAIN && event.chain !== LEGACY_CHAIN) {
    return found([{ kind: 'forged', message: `event ${seq} is forged: it names a chain ("${event.chain}") the platform never wrote` }]);
  }
  if (event.chain === LEGACY_CHAIN && at.firstKeyed !== null) {
    return found([
      { kind: 'forged', message: `event ${seq} is forged: it is sealed without the audit key, after keyed event ${at.firstKeyed}` },
    ]);
  }
  const gap: AuditProblem[] =
    seq > expected.seq + 1
      ? [{ kind: 'missing', message: `${missingRange(expected.seq + 1, seq - 1)}: event ${seq} follows event ${expected.seq}` }]
      : [];
  // Without the key a keyed seal cannot be checked: that is reported once, for the whole log (walkChain).
  const checkable = event.chain === LEGACY_CHAIN || trail.key !== null;
  if (checkable && !sealHolds(event, trail.key)) {
    const sealed = checkSeal(walk, event, at);
    return sealed.moved === 'none' ? { ...sealed, problems: [...gap, ...sealed.problems] } : sealed;
  }
  if (gap.length > 0 || event.prevHash === expected.hash || at.afterBadRow) return found(gap);
  const other = walk.byHash.get(event.prevHash);
  if (other !== undefined && other !== event) {
    return found([
      { kind: 'reordered', message: `event ${seq} is reordered: it was written after event ${other.seq}, not ${expected.seq}` },
    ]);
  }
  if (expected.seq === 0) {
    return found([
      { kind: 'missing', message: `the events before event ${seq} are missing: it points back to an event the log does not hold` },
    ]);
  }
  return found([
    {
      kind: 'rewritten',
      message: `the events up to ${expected.seq} were rewritten: event ${seq} points back to a different event ${expected.seq} (${short(event.prevHash)}, not ${short(expected.hash)})`,
    },
  ]);
}

/** Walks the chain from `start` to the end, reporting every bad event (not only the first). */
function walkChain(walk: Walk): AuditProblem[] {
  const { events, key, keyFile } = walk.trail;
  const before = events[walk.start - 1];
  let at: Position = {
    expected: before === undefined ? { seq: 0, hash: GENESIS_HASH } : before,
    firstKeyed: null,
    afterBadRow: false,
    shift: null,
  };
  const problems: AuditProblem[] = [];
  let unchecked: { first: number; count: number; index: number } | null = null;
  for (let index = walk.start; index < events.length; index++) {
    const event = events[index];
    if (!Number.isInteger(event.seq) || event.seq <= at.expected.seq) {
      problems.push({ kind: 'reordered', message: `event ${event.seq} is out of order: it is stored after event ${at.expected.seq}` });
      at = { ...at, afterBadRow: true };
      continue;
    }
    const checked = checkEvent(walk, event, at);
    if (event.chain === KEYED_CHAIN && key === null) {
      unchecked ??= { first: event.seq, count: 0, index: problems.length };
      unchecked.count += 1;
    }
    problems.push(...checked.problems);
    at = {
      expected: event,
      firstKeyed: at.firstKeyed ?? (event.chain === KEYED_CHAIN ? event.seq : null),
      afterBadRow: checked.problems.length > 0 || checked.moved !== 'none',
      shift: checked.shift,
    };
  }
  if (unchecked !== null) {
    const count = unchecked.count === 1 ? '1 event in the log is' : `${unchecked.count} events in the log are`;
    problems.splice(unchecked.index, 0, {
      kind: 'key_missing',
      message: `event ${unchecked.first} cannot be checked: the audit key ${keyFile} is missing, and ${count} sealed with it (restore the key from a backup)`,
    });
  }
  return problems;
}

export function verifyAuditTrail(trail: AuditTrail): AuditReport {
  const notes: string[] = [];
  const base = findAcceptedBreak(trail, notes);
  const fromSeq = base?.event.seq ?? 0;
  const anchoredSeq = highestAnchor(trail.anchors.heads.filter((head) => head.seq >= fromSeq))?.seq ?? 0;
  const anchoredAt = new Map(trail.anchors.heads.map((head) => [head.hash, head.seq]));
  const byHash = new Map<string, StoredAuditEvent>();
  for (const event of trail.events) if (!byHash.has(event.hash)) byHash.set(event.hash, event);
  const problems: AuditProblem[] = walkChain({ trail, start: base?.index ?? 0, anchoredSeq, anchoredAt, byHash });
  problems.push(...checkAnchor({ trail, fromSeq, notes }));
  const { guards } = trail;
  if (guards.tableChanged !== null) {
    // A table made again is covered by an acceptance that recorded this very definition (its triggers are put back then).
    if (base !== null && base.table === guards.tableSql) notes.push(`${guards.tableChanged}; accepted at event ${base.event.seq}`);
    else problems.push({ kind: 'guards', message: guards.tableChanged });
  }
  problems.push(...guards.problems.map((message): AuditProblem => ({ kind: 'guards', message })));
  const last = trail.events.at(-1);
  const head = last === undefined ? null : { seq: last.seq, hash: last.hash };
  return {
    intact: problems.length === 0,
    events: trail.events.length,
    head,
    problems,
    accepted: base === null ? null : { seq: base.event.seq, occurredAt: base.event.occurredAt, report: base.report },
    notes,
    token: problems.length === 0 ? null : acceptanceToken({ events: trail.events.length, head, problems }),
  };
}
