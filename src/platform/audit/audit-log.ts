// The platform's audit log: append-only events, each sealed with HMAC-SHA-256 under the audit key (which the
// database does not hold) and chained to the one before, with the head anchored in a file outside the database
// at every append. Editing, removing, reordering or adding an event without the key, truncating the log or
// replacing the table is found by verify(); the store and the database's triggers offer no way to change an event.
// An append refuses to chain onto a log whose anchored head is gone, so deleted events are never written over.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { sql, type Kysely, type Selectable } from 'kysely';
import { settled } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import { ensurePrivateFolder } from '../secret-file.ts';
import type { MetadataDatabase } from '../store/schema.ts';
import { sqlEngineOf } from '../store/sql-engine.ts';
import {
  appendAnchor,
  AUDIT_ANCHOR_FILE,
  followAnchor,
  highestAnchor,
  readAnchors,
  supersedeAnchor,
  type AnchorFollower,
  type AnchorHead,
} from './anchor.ts';
import { AUDIT_KEY_FILE, loadExistingAuditKey, loadOrCreateAuditKey } from './audit-key.ts';
import { canonicalJson, type JsonValue } from './canonical-json.ts';
import { digestOfEvents, GENESIS_HASH, KEYED_CHAIN, macAuditEvent, type AuditEvent, type AuditOutcome } from './chain.ts';
import { checkStoredAuditGuards, restoreAuditTriggers } from './guards.ts';
import { AUDIT_ROWS_QUERY, parseStoredRows } from './stored-rows.ts';
import { ACCEPTED_BREAK_EVENT, describeAuditReport, verifyAuditTrail, type AuditReport } from './verify.ts';

export { GENESIS_HASH, hashAuditEvent, macAuditEvent, type AuditEvent, type AuditOutcome } from './chain.ts';

export interface AuditEventInput {
  /** Dotted, lower case: 'auth.sign_in', 'session.signed_out'. */
  readonly type: string;
  /** The user the event is about, when known (never a password or token). */
  readonly actor: string | null;
  readonly outcome: AuditOutcome;
  readonly details: { readonly [key: string]: JsonValue };
}

/** What an admin looks for in the log; every condition given must hold. */
export interface AuditSearch {
  /** The user who acted; for an event with no actor (a failed sign-in), the username its details name. */
  readonly actor?: string;
  /** The project the event's details name (`projectId`). */
  readonly projectId?: string;
  /** Events by this person or about them (their id as the actor, or as the details' `userId`). */
  readonly about?: string;
  /** The start of the event's type: "query." or a whole type. */
  readonly typePrefix?: string;
  /** From this moment (inclusive). */
  readonly from?: Date;
  /** Until this moment (exclusive). */
  readonly to?: Date;
  /** Only events older than this one (paging back). */
  readonly before?: number;
  /** The most events answered. */
  readonly limit: number;
}

export interface AuditSearchPage {
  /** Newest first. */
  readonly events: AuditEvent[];
  /** The `before` of the next, older page; null when there are no more. */
  readonly older: number | null;
}

export interface AuditLog {
  append(event: AuditEventInput): Promise<AuditEvent>;
  /**
   * Appends the event `build` makes inside the append's own transaction, which `build` may also use to write the
   * store: the write and its event commit together or not at all. A throw from `build` writes neither.
   */
  appendWithin(build: (conn: Kysely<MetadataDatabase>) => Promise<AuditEventInput>): Promise<AuditEvent>;
  /** Events in order, from seq `after` + 1 (default: from the start). */
  list(options?: { after?: number; limit?: number }): Promise<AuditEvent[]>;
  /** Events that match, newest first, a page at a time. Reads only; a row whose details are not JSON matches no detail. */
  search(filter: AuditSearch): Promise<AuditSearchPage>;
  /** Checks every event, the anchor and the table's guards. Changes nothing. */
  verify(): Promise<AuditReport>;
  /**
   * Records that the operator started the platform on this broken log: the report (every problem it found) and a
   * digest of every event before the acceptance (seq, hash and contents), so later checks pass over this break
   * only while those rows stay exactly as they are. Puts the table's triggers back and starts the anchor again
   * (the old file is kept); makes a new audit key when the old one is gone.
   */
  acceptBreak(report: AuditReport): Promise<AuditEvent>;
  /** Anchors the newest event when the anchor is behind it (a stop between storing and anchoring, or an older log). */
  anchorHead(): Promise<void>;
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
    chain: row.chain,
  };
}

/**
 * Runs `work` in a transaction that holds the audit log's write lock from its first statement, so a second process
 * waits instead of failing or chaining onto the same event: on SQLite BEGIN IMMEDIATE (busy_timeout), on PostgreSQL a
 * READ COMMITTED transaction whose first statement is pg_advisory_xact_lock(<the audit key>) (store/sql-engine.ts).
 *
 * `seq` is the log's order, and the only one: each event takes the highest stored seq + 1 and that event's hash under
 * this lock, so events are numbered in the order their transactions committed, whichever process or instance wrote
 * them. `occurred_at` is each writer's own clock and may step back between two instances; nothing orders by it.
 */
function withWriteLock<T>(db: Kysely<MetadataDatabase>, work: (conn: Kysely<MetadataDatabase>) => Promise<T>): Promise<T> {
  return sqlEngineOf(db).withWriteLock(db, 'audit', work);
}

export interface AuditLogOptions {
  readonly db: Kysely<MetadataDatabase>;
  /** The folder holding the anchor, and the audit key unless `sharedKey` is given (DIR/identity). */
  readonly folder: string;
  /**
   * The key every instance shares, read from the identity keys folder (key-folder.ts): used as it is, never made,
   * never looked for in `folder`.
   */
  readonly sharedKey?: { readonly key: Buffer; readonly file: string };
  readonly now?: () => Date;
  /**
   * The store was set up at an earlier start (it held its users before this open): an empty log in it, without
   * its key, was emptied rather than never used, so no new key is made for it.
   */
  readonly storeUsedBefore?: boolean;
}

/** What the table holds, for deciding whether a missing key may be made; null when the table cannot be read. */
async function tableShape(db: Kysely<MetadataDatabase>): Promise<{ events: number; keyed: number } | null> {
  try {
    const { rows } = await sql<{ events: number; keyed: number | null }>`
      SELECT count(*) AS events, sum(CASE WHEN chain = ${KEYED_CHAIN} THEN 1 ELSE 0 END) AS keyed FROM audit_events`.execute(db);
    return { events: Number(rows[0]?.events ?? 0), keyed: Number(rows[0]?.keyed ?? 0) };
  } catch {
    return null;
  }
}

const exists = (file: string): Promise<boolean> =>
  stat(file).then(
    () => true,
    () => false,
  );

/** The higher of two heads; when both name one number with different hashes, the one this process anchored. */
function higher(mine: AnchorHead | null, anchored: AnchorHead | null): AnchorHead | null {
  if (mine === null) return anchored;
  if (anchored === null || anchored.seq <= mine.seq) return mine;
  return anchored;
}

/** Reads the events' details (canonical JSON) and their types without SQL that only one engine knows. */
async function searchEvents(db: Kysely<MetadataDatabase>, filter: AuditSearch): Promise<AuditSearchPage> {
  const { actor, projectId, about, typePrefix, from, to, before, limit } = filter;
  /** A string value of the event's details; NULL for a row whose details are not JSON. */
  const detail = (key: 'projectId' | 'username' | 'userId') => sqlEngineOf(db).jsonStringMember('details', key);
  let query = db.selectFrom('audit_events').selectAll();
  if (before !== undefined) query = query.where('seq', '<', before);
  if (actor !== undefined) {
    query = query.where((eb) => eb.or([eb('actor', '=', actor), eb.and([eb('actor', 'is', null), eb(detail('username'), '=', actor)])]));
  }
  if (projectId !== undefined) query = query.where(detail('projectId'), '=', projectId);
  if (about !== undefined) query = query.where((eb) => eb.or([eb('actor', '=', about), eb(detail('userId'), '=', about)]));
  // A prefix compared as text: LIKE would read the "_" in types such as session.signed_in as a wildcard.
  if (typePrefix !== undefined) {
    query = query.where((eb) => eb(eb.fn<string>('substr', ['type', eb.lit(1), eb.lit([...typePrefix].length)]), '=', typePrefix));
  }
  // Times are stored as toISOString() writes them, so text order is time order.
  if (from !== undefined) query = query.where('occurred_at', '>=', from.toISOString());
  if (to !== undefined) query = query.where('occurred_at', '<', to.toISOString());
  const rows = await query
    .orderBy('seq', 'desc')
    .limit(limit + 1)
    .execute();
  const events = rows.slice(0, limit).map(rowToEvent);
  return { events, older: rows.length > limit ? (events.at(-1)?.seq ?? null) : null };
}

/**
 * Opens the audit log: the key and the anchor live in `folder`, outside the database. The key is made here only
 * for a log that never had one (empty and new, or written before keyed chaining); otherwise a missing key stays
 * missing, verify() says so, and nothing is appended until the key is restored or the break is accepted.
 */
export async function openAuditLog(options: AuditLogOptions): Promise<AuditLog> {
  const { db, folder } = options;
  const now = options.now ?? (() => new Date());
  await ensurePrivateFolder(folder);
  const anchorFile = path.join(folder, AUDIT_ANCHOR_FILE);
  const keyFile = options.sharedKey?.file ?? path.join(folder, AUDIT_KEY_FILE);
  let key = options.sharedKey?.key ?? (await loadExistingAuditKey(folder));
  let keyIsNew = false;
  if (key === null) {
    const shape = await tableShape(db);
    const neverKeyed =
      shape !== null && shape.keyed === 0 && !(await exists(anchorFile)) && !(shape.events === 0 && options.storeUsedBefore === true);
    if (neverKeyed) {
      key = (await loadOrCreateAuditKey(folder)).key;
      keyIsNew = true;
    }
  }
  /** The newest event this process anchored: the database must still hold it, whatever happens to the anchor file. */
  let lastAnchored: AnchorHead | null = null;
  let follower: { key: Buffer; anchor: AnchorFollower } | null = null;
  const anchorOf = (current: Buffer): AnchorFollower => {
    if (follower?.key !== current) follower = { key: current, anchor: followAnchor({ file: anchorFile, key: current }) };
    return follower.anchor;
  };

  /** The key to seal with: one another process made meanwhile is read; a missing key of a used log refuses. */
  async function sealingKey(): Promise<Buffer> {
    key ??= await loadExistingAuditKey(folder);
    if (key !== null) return key;
    throw new EnclaveError(
      'unavailable',
      `The audit key ${keyFile} is missing, but the audit log was sealed with it before, so the platform records nothing more. Restore the key from a backup and restart the platform.`,
    );
  }

  /**
   * Refuses to chain onto a log that lost its anchored head: the database's last row is below the newest event
   * anchored (by this process, or in the anchor file), or holds another event under that number. Chaining onto
   * it would write new events under the numbers of deleted ones, and hide the deletion.
   */
  async function assertHeadKept(conn: Kysely<MetadataDatabase>, sealWith: Buffer): Promise<void> {
    const head = higher(lastAnchored, await anchorOf(sealWith).highest());
    if (head === null) return;
    const last = await conn.selectFrom('audit_events').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
    const lastSeq = last?.seq ?? 0;
    const advice =
      'The platform records nothing more, so it does nothing that must be recorded, until an operator has looked: run `enclave audit verify`, then restart the platform.';
    if (lastSeq < head.seq) {
      throw new EnclaveError(
        'unavailable',
        `The audit log was cut back: event ${head.seq} was anchored, but the last event in the database is ${lastSeq === 0 ? 'none' : lastSeq}. ${advice}`,
      );
    }
    const stored = await conn.selectFrom('audit_events').select('hash').where('seq', '=', head.seq).executeTakeFirst();
    if (stored?.hash !== head.hash) {
      throw new EnclaveError(
        'unavailable',
        `The audit log was rewritten: event ${head.seq} in the database is not the event that was anchored. ${advice}`,
      );
    }
  }

  /**
   * Inserts the next event under the write lock. `build` makes the event's input inside the same transaction
   * (so what it reads cannot change before the insert), `beforeCommit` runs after the insert, still inside it.
   * An acceptance (`accepting`) chains onto whatever the log holds, with a key made for it if none is left.
   */
  async function insertNext(steps: {
    build: (conn: Kysely<MetadataDatabase>) => Promise<AuditEventInput>;
    beforeCommit?: (event: AuditEvent) => Promise<void>;
    accepting?: boolean;
  }): Promise<AuditEvent> {
    const { event, sealWith } = await withWriteLock(db, async (conn) => {
      let sealWith: Buffer;
      if (steps.accepting === true) {
        key ??= await loadExistingAuditKey(folder);
        key ??= (await loadOrCreateAuditKey(folder)).key;
        sealWith = key;
      } else {
        sealWith = await sealingKey();
        await assertHeadKept(conn, sealWith);
      }
      const input = await steps.build(conn);
      const last = await conn.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
      const unsealed = {
        seq: (last?.seq ?? 0) + 1,
        occurredAt: now().toISOString(),
        type: input.type,
        actor: input.actor,
        outcome: input.outcome,
        details: canonicalJson(input.details),
        prevHash: last?.hash ?? GENESIS_HASH,
      };
      const sealed: AuditEvent = { ...unsealed, chain: KEYED_CHAIN, hash: macAuditEvent(sealWith, unsealed) };
      await conn
        .insertInto('audit_events')
        .values({
          seq: sealed.seq,
          occurred_at: sealed.occurredAt,
          type: sealed.type,
          actor: sealed.actor,
          outcome: sealed.outcome,
          details: sealed.details,
          prev_hash: sealed.prevHash,
          hash: sealed.hash,
          chain: KEYED_CHAIN,
        })
        .execute();
      await steps.beforeCommit?.(sealed);
      return { event: sealed, sealWith };
    });
    // After the commit: an anchor must never name an event the database might still roll back.
    try {
      await appendAnchor({ file: anchorFile, key: sealWith, head: event });
    } catch {
      throw new EnclaveError('unavailable', `Audit event ${event.seq} was stored, but its anchor ${anchorFile} could not be written.`);
    }
    lastAnchored = higher(lastAnchored, event);
    return event;
  }

  // Appends are serialised in this process as well, so this process's events are anchored in order.
  let tail: Promise<unknown> = Promise.resolve();
  function queued<T>(work: () => Promise<T>): Promise<T> {
    const done = tail.then(work);
    tail = settled(done);
    return done;
  }

  async function verify(): Promise<AuditReport> {
    // The anchor first: every line names a committed event, so the rows read after it include that event.
    const anchors = await readAnchors({ file: anchorFile, key });
    const guards = await checkStoredAuditGuards(db);
    const events = guards.tableSql === null ? [] : parseStoredRows((await sql.raw(AUDIT_ROWS_QUERY).execute(db)).rows);
    return verifyAuditTrail({
      events,
      key,
      keyFile,
      keyIsNew,
      storeUsedBefore: options.storeUsedBefore ?? false,
      anchors,
      guards,
    });
  }

  return {
    append: (input) => queued(() => insertNext({ build: async () => input })),
    appendWithin: (build) => queued(() => insertNext({ build })),
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
    search: (filter) => searchEvents(db, filter),
    verify,
    acceptBreak(report) {
      return queued(() =>
        insertNext({
          accepting: true,
          build: async (conn) => {
            const guards = await checkStoredAuditGuards(conn);
            if (guards.tableSql === null) {
              throw new EnclaveError(
                'unavailable',
                'The audit_events table is gone, so the broken log cannot be accepted. Restore the metadata store from a backup.',
              );
            }
            // On SQLite the guards go back first, so that this very event is inserted under them; on PostgreSQL serve changes none, and refuses unless they are intact.
            const restored = await restoreAuditTriggers(conn);
            const before = parseStoredRows((await sql.raw(AUDIT_ROWS_QUERY).execute(conn)).rows);
            const anchorBefore = highestAnchor((await readAnchors({ file: anchorFile, key })).heads);
            return {
              type: ACCEPTED_BREAK_EVENT,
              actor: null,
              outcome: 'success',
              details: {
                report: describeAuditReport(report),
                problems: report.problems.length,
                accepted: { events: before.length, digest: digestOfEvents(before), table: guards.tableSql },
                anchorBefore: anchorBefore === null ? null : { seq: anchorBefore.seq, hash: anchorBefore.hash },
                triggers: restored,
                by: `enclave platform serve --accept-broken-audit-log=${report.token ?? ''}`,
              },
            };
          },
          // The anchor starts again at this event; lines about the log that was accepted as broken stay in the old file.
          beforeCommit: async (event) => {
            await supersedeAnchor({ file: anchorFile, acceptedAt: event.seq });
          },
        }),
      );
    },
    anchorHead() {
      return queued(async () => {
        if (key === null) return;
        const head = highestAnchor((await readAnchors({ file: anchorFile, key })).heads);
        const last = await db.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
        if (last !== undefined && (head === null || last.seq > head.seq)) {
          await appendAnchor({ file: anchorFile, key, head: last });
          lastAnchored = higher(lastAnchored, last);
        }
      });
    },
  };
}
