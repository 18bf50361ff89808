// The platform's audit log: append-only events, each sealed with HMAC-SHA-256 under the audit key (which the
// database does not hold) and chained to the one before, with the head anchored in a file outside the database
// at every append. Editing, removing, reordering or adding an event without the key, truncating the log or
// replacing the table is found by verify(); the store and the database's triggers offer no way to change an event.
import path from 'node:path';
import { sql, type Kysely, type Selectable } from 'kysely';
import { bestEffort, settled } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import { ensurePrivateFolder } from '../secret-file.ts';
import type { MetadataDatabase } from '../store/schema.ts';
import { appendAnchor, AUDIT_ANCHOR_FILE, highestAnchor, readAnchors, supersedeAnchor } from './anchor.ts';
import { loadOrCreateAuditKey, AUDIT_KEY_FILE } from './audit-key.ts';
import { canonicalJson, type JsonValue } from './canonical-json.ts';
import { digestOfEvents, GENESIS_HASH, KEYED_CHAIN, macAuditEvent, type AuditEvent, type AuditOutcome } from './chain.ts';
import { AUDIT_SCHEMA_QUERY, checkAuditGuards, parseSchemaEntries, restoreAuditTriggers } from './guards.ts';
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

export interface AuditLog {
  append(event: AuditEventInput): Promise<AuditEvent>;
  /** Events in order, from seq `after` + 1 (default: from the start). */
  list(options?: { after?: number; limit?: number }): Promise<AuditEvent[]>;
  /** Checks every event, the anchor and the table's guards. Changes nothing. */
  verify(): Promise<AuditReport>;
  /**
   * Records that the operator started the platform on this broken log: the report and a digest of every event
   * before the acceptance (seq, hash and contents), so later checks pass over this break only while those rows
   * stay exactly as they are. Puts the table's triggers back and starts the anchor again (the old file is kept).
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
 * Runs `work` in a transaction that holds SQLite's write lock from its first statement (BEGIN IMMEDIATE), so a
 * second process waits (busy_timeout) instead of failing on commit; kysely's own transactions always say BEGIN.
 * On PostgreSQL the same place takes pg_advisory_xact_lock.
 */
async function withWriteLock<T>(db: Kysely<MetadataDatabase>, work: (conn: Kysely<MetadataDatabase>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`BEGIN IMMEDIATE`.execute(conn);
    try {
      const result = await work(conn);
      await sql`COMMIT`.execute(conn);
      return result;
    } catch (err) {
      await bestEffort(sql`ROLLBACK`.execute(conn));
      throw err;
    }
  });
}

export interface AuditLogOptions {
  readonly db: Kysely<MetadataDatabase>;
  /** The folder holding the audit key and the anchor (DIR/identity). */
  readonly folder: string;
  readonly now?: () => Date;
}

/** Opens the audit log: the key (made on first use) and the anchor live in `folder`, outside the database. */
export async function openAuditLog(options: AuditLogOptions): Promise<AuditLog> {
  const { db, folder } = options;
  const now = options.now ?? (() => new Date());
  await ensurePrivateFolder(folder);
  const { key, created: keyIsNew } = await loadOrCreateAuditKey(folder);
  const anchorFile = path.join(folder, AUDIT_ANCHOR_FILE);

  /**
   * Inserts the next event under the write lock. `build` makes the event's input inside the same transaction
   * (so what it reads cannot change before the insert), `beforeCommit` runs after the insert, still inside it.
   */
  async function insertNext(steps: {
    build: (conn: Kysely<MetadataDatabase>) => Promise<AuditEventInput>;
    beforeCommit?: (event: AuditEvent) => Promise<void>;
  }): Promise<AuditEvent> {
    const event = await withWriteLock(db, async (conn) => {
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
      const sealed: AuditEvent = { ...unsealed, chain: KEYED_CHAIN, hash: macAuditEvent(key, unsealed) };
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
      return sealed;
    });
    // After the commit: an anchor must never name an event the database might still roll back.
    try {
      await appendAnchor({ file: anchorFile, key, head: event });
    } catch {
      throw new EnclaveError('unavailable', `Audit event ${event.seq} was stored, but its anchor ${anchorFile} could not be written.`);
    }
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
    const guards = await checkAuditGuards(parseSchemaEntries((await sql.raw(AUDIT_SCHEMA_QUERY).execute(db)).rows));
    const events = guards.tableSql === null ? [] : parseStoredRows((await sql.raw(AUDIT_ROWS_QUERY).execute(db)).rows);
    return verifyAuditTrail({ events, key, keyFile: path.join(folder, AUDIT_KEY_FILE), keyIsNew, anchors, guards });
  }

  return {
    append: (input) => queued(() => insertNext({ build: async () => input })),
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
    verify,
    acceptBreak(report) {
      return queued(() =>
        insertNext({
          build: async (conn) => {
            const guards = await checkAuditGuards(parseSchemaEntries((await sql.raw(AUDIT_SCHEMA_QUERY).execute(conn)).rows));
            if (guards.tableSql === null) {
              throw new EnclaveError(
                'unavailable',
                'The audit_events table is gone, so the broken log cannot be accepted. Restore the metadata store from a backup.',
              );
            }
            // The guards go back first, so that this very event is inserted under them.
            const restored = await restoreAuditTriggers(conn);
            const before = parseStoredRows((await sql.raw(AUDIT_ROWS_QUERY).execute(conn)).rows);
            const anchorBefore = highestAnchor((await readAnchors({ file: anchorFile, key })).heads).head;
            return {
              type: ACCEPTED_BREAK_EVENT,
              actor: null,
              outcome: 'success',
              details: {
                report: describeAuditReport(report),
                accepted: { events: before.length, digest: digestOfEvents(before), table: guards.tableSql },
                anchorBefore: anchorBefore === null ? null : { seq: anchorBefore.seq, hash: anchorBefore.hash },
                triggers: restored,
                by: 'enclave platform serve --accept-broken-audit-log',
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
        const { head } = highestAnchor((await readAnchors({ file: anchorFile, key })).heads);
        const last = await db.selectFrom('audit_events').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
        if (last !== undefined && (head === null || last.seq > head.seq)) await appendAnchor({ file: anchorFile, key, head: last });
      });
    },
  };
}
