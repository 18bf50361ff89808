// The anchor against the stored log: every line at or after the last accepted break must name an event the
// database holds with that very hash. A number anchored with two different hashes means the log was cut back and
// written again from there; an anchored number past the last stored event means the tail was cut off.
import { LEGACY_CHAIN, type StoredAuditEvent } from './chain.ts';
import type { AuditProblem, AuditTrail } from './report.ts';

const short = (hash: string): string => hash.slice(0, 12);

/** 3, 4, 5, 9 → "3 to 5 and 9" */
function ranges(seqs: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < seqs.length;) {
    let j = i;
    while (j + 1 < seqs.length && seqs[j + 1] === seqs[j] + 1) j++;
    parts.push(i === j ? `${seqs[i]}` : `${seqs[i]} to ${seqs[j]}`);
    i = j + 1;
  }
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

const several = (seqs: readonly number[]): boolean => seqs.length > 1;

/** When the anchor holds no line for the log: new, from before keyed chaining, or emptied or cut off. */
function withoutHeads(trail: AuditTrail, notes: string[]): AuditProblem[] {
  const { events, anchors, key } = trail;
  if (events.length === 0) {
    // Without the key the anchor's lines cannot be read; its existence, or a store used before, still says the log had events.
    if (key === null && (anchors.exists || trail.storeUsedBefore)) {
      const why = anchors.exists
        ? `the anchor ${anchors.file} exists`
        : 'the metadata store was set up at an earlier start, when the platform made its audit key';
      return [
        {
          kind: 'truncated',
          message: `truncated after 0: every event is gone and the audit key ${trail.keyFile} is missing, but ${why}: this is not a new log`,
        },
      ];
    }
    return [];
  }
  const unkeyedOnly = events.every((event) => event.chain === LEGACY_CHAIN);
  if (unkeyedOnly && (trail.keyIsNew || key === null) && anchors.heads.length === 0) {
    notes.push('the log was written before keyed chaining and has no anchor yet: the platform anchors it when it next starts');
    return [];
  }
  const why = anchors.exists ? 'holds no anchor the platform wrote' : 'does not exist';
  return [{ kind: 'anchor_missing', message: `anchor missing: ${anchors.file} ${why}, but the log holds ${events.length} events` }];
}

export function checkAnchor(options: { trail: AuditTrail; fromSeq: number; notes: string[] }): AuditProblem[] {
  const { trail, notes } = options;
  const { events, anchors } = trail;
  const problems: AuditProblem[] = anchors.problems.map((problem) => ({
    kind: 'anchor_file',
    message: `the anchor ${anchors.file} ${problem}`,
  }));
  // Lines from before an accepted break describe the log the operator accepted as broken.
  const heads = anchors.heads.filter((head) => head.seq >= options.fromSeq);
  // With no line to go by, what that means (a log emptied or never anchored) comes before what is wrong with the lines.
  if (heads.length === 0) return [...withoutHeads(trail, notes), ...problems];

  const anchored = new Map<number, string[]>();
  for (const head of heads) {
    const hashes = anchored.get(head.seq) ?? [];
    if (!hashes.includes(head.hash)) hashes.push(head.hash);
    anchored.set(head.seq, hashes);
  }
  const stored = new Map<number, StoredAuditEvent>();
  for (const event of events) if (!stored.has(event.seq)) stored.set(event.seq, event);
  const lastSeq = events.at(-1)?.seq ?? 0;
  // A loop, not Math.max(...keys): a long log has more anchor lines than a call may take arguments.
  let highest = 0;
  for (const seq of anchored.keys()) if (seq > highest) highest = seq;

  const twice: number[] = [];
  const missing: number[] = [];
  const different: number[] = [];
  for (const seq of [...anchored.keys()].sort((a, b) => a - b)) {
    const hashes = anchored.get(seq) ?? [];
    const event = stored.get(seq);
    if (hashes.length > 1) twice.push(seq);
    else if (event === undefined) {
      if (seq <= lastSeq) missing.push(seq);
    } else if (event.hash !== hashes[0]) different.push(seq);
  }

  const found: Array<{ from: number; problem: AuditProblem }> = [];
  if (twice.length > 0) {
    const [first] = twice;
    found.push({
      from: first,
      problem: {
        kind: 'anchor_mismatch',
        message: `the anchor records two different events numbered ${ranges(twice)}: the log was cut back to event ${first - 1} and written again from there`,
      },
    });
  }
  if (missing.length > 0) {
    found.push({
      from: missing[0],
      problem: {
        kind: 'missing',
        message: `${several(missing) ? 'events' : 'event'} ${ranges(missing)} ${several(missing) ? 'are' : 'is'} missing: the anchor records ${several(missing) ? 'them' : 'it'}`,
      },
    });
  }
  if (different.length > 0) {
    const [first] = different;
    const detail = `${short(stored.get(first)?.hash ?? '')}, anchored ${short(anchored.get(first)?.[0] ?? '')}`;
    found.push({
      from: first,
      problem: {
        kind: 'anchor_mismatch',
        message: several(different)
          ? `the anchor does not match: events ${ranges(different)} are not the events the anchor recorded (event ${first}: ${detail})`
          : `the anchor does not match: event ${first} is not the event the anchor recorded (${detail})`,
      },
    });
  }
  if (highest > lastSeq) {
    const what = events.length === 0 ? 'every event is gone' : `event ${lastSeq} is the last one left`;
    found.push({
      from: lastSeq + 1,
      problem: { kind: 'truncated', message: `truncated after ${lastSeq}: ${what}, but the anchor says the log reached event ${highest}` },
    });
  } else if (lastSeq > highest && found.length === 0) {
    notes.push(
      `events ${highest + 1} to ${lastSeq} are not anchored yet (a stop between storing and anchoring); the platform anchors them when it next starts`,
    );
  }
  found.sort((a, b) => a.from - b.from);
  return [...problems, ...found.map(({ problem }) => problem)];
}
