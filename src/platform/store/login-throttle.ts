// The login throttle's budgets in the metadata store, so that every platform instance behind a load balancer spends
// the same ones (issue 19 C.1). The rules are the throttle's (identity/embedded/login-throttle.ts); this module keeps
// each budget as one row and changes it only by single statements, so no transaction is ever held, least of all
// across a password check:
// - admission is one conditional upsert per budget: INSERT … ON CONFLICT DO UPDATE … WHERE <the budget has room>
//   RETURNING. It takes an in-flight lease that counts as ended by 30 s after it was taken (and not before 15 s), so
//   an instance that crashed mid-check cannot leave a budget (a username) blocked;
// - the check's outcome is one upsert per budget: a failure counts (and pauses a username), a success resets a
//   username, and either releases the lease;
// - sweeping deletes only rows with no window, no pause and no lease left: it can never unpause anybody.
// On both engines the conflicting row is locked for the upsert (PostgreSQL re-checks the WHERE against the newest
// version of the row; SQLite writes one statement at a time), so two instances cannot both take the last place.
//
// Leases are counted by the 15 s period they were taken in, and each counts through its own period and the next. A row
// holds two counts in `in_flight` (the newest period's leases, and the period's before, times LEASE_SPLIT) and in
// `lease_until` the end of its newest period's leases. One count for the whole row would not do: every admission would
// push its end forward, so a lease lost to a crash would count for as long as admissions kept coming; nor would one end
// set by the first lease, which would forget a lease taken just before that end while its check still runs.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { MetadataDatabase } from './schema.ts';

/**
 * How long a lease counts at most: longer than any password check takes, short enough that a crash is soon forgotten.
 * It counts at least LEASE_PERIOD_MS: a lease counts through the period it was taken in and the next.
 */
export const LEASE_MS = 30_000;
export const LEASE_PERIOD_MS = LEASE_MS / 2;

/** `in_flight` holds the newest period's leases plus the period's before times this (both stay below it). */
const LEASE_SPLIT = 2 ** 24;

/** The largest limit stored: budgets given as Infinity (tests that lift one) become this; below LEASE_SPLIT. */
const UNLIMITED = LEASE_SPLIT - 1;

/** A username's budget: free failures, then pauses that double. */
export interface PauseRule {
  readonly freeFailures: number;
  readonly firstPauseMs: number;
  readonly longestPauseMs: number;
  /** How long after its last failure a username's count is kept (when not paused). */
  readonly memoryMs: number;
}

/** A budget counted in windows: at most `limit` failures from the first failure of a window until windowMs later. */
export interface WindowRule {
  readonly limit: number;
  readonly windowMs: number;
}

/** One budget's row as the throttle reads it, with what has lapsed already taken out. */
export interface ThrottleState {
  readonly failures: number;
  readonly windowEndsAt: number;
  readonly pausedUntil: number;
  readonly inFlight: number;
}

export interface LoginThrottleRecords {
  /** Takes a lease on a username's budget if it is not paused and has room for one more check; true when taken. */
  admitUsername(options: { key: string; rule: PauseRule; at: number }): Promise<boolean>;
  /** Takes a lease on a windowed budget (an address's, everybody's) if failures and checks under way leave room. */
  admitWindow(options: { key: string; rule: WindowRule; at: number }): Promise<boolean>;
  /**
   * Ends one lease of a budget without counting anything (the check broke, or another budget refused). `taken` is when
   * the lease was taken (the `at` it was admitted with), which says which count it is in.
   */
  release(options: { key: string; taken: number; at: number }): Promise<void>;
  /** Ends a lease of a username's budget with a failure: counted, and a pause once the free failures are spent. */
  failUsername(options: { key: string; rule: PauseRule; taken: number; at: number }): Promise<void>;
  /** Ends a lease of a username's budget with a success: the count and any pause start over. */
  succeedUsername(options: { key: string; taken: number; at: number }): Promise<void>;
  /** Ends a lease of a windowed budget with a failure, counted in the current window (or the first of a new one). */
  failWindow(options: { key: string; rule: WindowRule; taken: number; at: number }): Promise<void>;
  /** The budget as it stands at `at` (lapsed windows, pauses and leases read as empty); undefined when it has no row. */
  read(options: { key: string; at: number }): Promise<ThrottleState | undefined>;
  /** Deletes rows holding nothing any more (no failures in a window, no pause, no lease); answers how many went. */
  sweep(at: number): Promise<number>;
}

const limitOf = (limit: number): number => (Number.isFinite(limit) ? Math.min(Math.max(0, Math.floor(limit)), UNLIMITED) : UNLIMITED);

/** A bound number PostgreSQL reads as bigint whatever the context (arithmetic, CASE branches); SQLite as an integer. */
const big = (value: number): RawBuilder<number> => sql<number>`CAST(${Math.floor(value)} AS bigint)`;

/** The existing row's column, in an upsert's SET or WHERE (qualified: `excluded` is in scope there too). */
const existing = (column: keyof MetadataDatabase['login_throttle']): RawBuilder<number> => sql<number>`login_throttle.${sql.ref(column)}`;

/** When the leases taken at `at` stop counting: the end of the period after the one they were taken in. */
const leaseEnd = (at: number): number => (Math.floor(at / LEASE_PERIOD_MS) + 2) * LEASE_PERIOD_MS;

/** The existing row's leases of its newest period, and of the period before it. */
const newer = sql<number>`(login_throttle.in_flight % ${big(LEASE_SPLIT)})`;
const older = sql<number>`(login_throttle.in_flight / ${big(LEASE_SPLIT)})`;

/**
 * Checks under way on the existing row at `at`: both counts while its newest period is the current one, the newest
 * count alone in the period after (the older leases have ended), none after that. A row whose newest period is later
 * than `at` (written by an instance whose clock runs ahead) counts in full.
 */
const liveInFlight = (at: number): RawBuilder<number> => sql<number>`CASE
  WHEN ${existing('lease_until')} >= ${big(leaseEnd(at))} THEN ${newer} + ${older}
  WHEN ${existing('lease_until')} > ${big(at)} THEN ${newer}
  ELSE 0 END`;

/** Takes one lease at `at`: the row's newest period moves to the current one when it is older, its count shifting down. */
const takeLease = (at: number) => ({
  in_flight: sql<number>`CASE
    WHEN ${existing('lease_until')} >= ${big(leaseEnd(at))} THEN login_throttle.in_flight + 1
    WHEN ${existing('lease_until')} > ${big(at)} THEN ${newer} * ${big(LEASE_SPLIT)} + 1
    ELSE 1 END`,
  lease_until: sql<number>`CASE WHEN ${existing('lease_until')} > ${big(leaseEnd(at))} THEN ${existing('lease_until')} ELSE ${big(leaseEnd(at))} END`,
});

/**
 * One lease taken at `taken` fewer: from the count it is in, while it still counts at `at` (never below none). A lease
 * already ended, or in a count the row no longer keeps, changes nothing.
 */
const oneLessInFlight = (taken: number, at: number): RawBuilder<number> => {
  const end = leaseEnd(taken);
  if (end <= at) return sql<number>`login_throttle.in_flight`;
  return sql<number>`CASE
    WHEN ${existing('lease_until')} = ${big(end)} AND ${newer} > 0 THEN login_throttle.in_flight - 1
    WHEN ${existing('lease_until')} = ${big(end + LEASE_PERIOD_MS)} AND ${older} > 0 THEN login_throttle.in_flight - ${big(LEASE_SPLIT)}
    ELSE login_throttle.in_flight END`;
};

/** Failures of the existing row's current window, none once it has ended. */
const liveFailures = (at: number): RawBuilder<number> =>
  sql<number>`CASE WHEN ${existing('window_ends_at')} > ${big(at)} THEN ${existing('failures')} ELSE 0 END`;

/** liveInFlight's reading of a row, in code. */
function inFlightAt(inFlight: number, leaseUntil: number, at: number): number {
  const newest = inFlight % LEASE_SPLIT;
  if (leaseUntil >= leaseEnd(at)) return newest + Math.floor(inFlight / LEASE_SPLIT);
  return leaseUntil > at ? newest : 0;
}

export function createLoginThrottleRecords(db: Kysely<MetadataDatabase>): LoginThrottleRecords {
  /** A row for a budget seen for the first time, holding one lease. */
  const leased = (key: string, at: number) => ({
    key,
    failures: 0,
    window_ends_at: at,
    paused_until: 0,
    last_pause_ms: 0,
    in_flight: 1,
    lease_until: leaseEnd(at),
  });

  return {
    async admitUsername({ key, rule, at }) {
      const free = limitOf(rule.freeFailures);
      // Past the free failures, each pause ends with room for exactly one more check.
      const room = sql<number>`CASE WHEN ${liveFailures(at)} < ${big(free)} THEN ${big(free)} - ${liveFailures(at)} ELSE 1 END`;
      const row = await db
        .insertInto('login_throttle')
        .values(leased(key, at))
        .onConflict((oc) =>
          oc
            .column('key')
            .doUpdateSet(takeLease(at))
            .where(sql<boolean>`${existing('paused_until')} <= ${big(at)} AND ${liveInFlight(at)} < ${room}`),
        )
        .returning('key')
        .executeTakeFirst();
      return row !== undefined;
    },
    async admitWindow({ key, rule, at }) {
      const limit = limitOf(rule.limit);
      if (limit === 0) return false;
      const row = await db
        .insertInto('login_throttle')
        .values(leased(key, at))
        .onConflict((oc) =>
          oc
            .column('key')
            .doUpdateSet(takeLease(at))
            .where(sql<boolean>`${liveFailures(at)} + ${liveInFlight(at)} < ${big(limit)}`),
        )
        .returning('key')
        .executeTakeFirst();
      return row !== undefined;
    },
    async release({ key, taken, at }) {
      await db
        .updateTable('login_throttle')
        .set({ in_flight: oneLessInFlight(taken, at) })
        .where('key', '=', key)
        .execute();
    },
    async failUsername({ key, rule, taken, at }) {
      const failures = sql<number>`${liveFailures(at)} + 1`;
      // The pause the failure earns: none within the free failures, the first pause at the last free one, then double.
      const pause = sql<number>`CASE
        WHEN ${failures} < ${big(rule.freeFailures)} THEN 0
        WHEN ${failures} = ${big(rule.freeFailures)} OR ${liveFailures(at)} = 0 THEN ${big(rule.firstPauseMs)}
        WHEN ${existing('last_pause_ms')} * 2 > ${big(rule.longestPauseMs)} THEN ${big(rule.longestPauseMs)}
        ELSE ${existing('last_pause_ms')} * 2 END`;
      const first = rule.freeFailures <= 1 ? rule.firstPauseMs : 0;
      // Upserted, not updated: a row swept during a check that outlived its lease still gets the failure.
      await db
        .insertInto('login_throttle')
        .values({
          key,
          failures: 1,
          window_ends_at: at + rule.memoryMs,
          paused_until: first === 0 ? 0 : at + first,
          last_pause_ms: first,
          in_flight: 0,
          lease_until: 0,
        })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            failures,
            window_ends_at: big(at + rule.memoryMs),
            paused_until: sql<number>`CASE WHEN ${failures} < ${big(rule.freeFailures)} THEN ${existing('paused_until')} ELSE ${big(at)} + ${pause} END`,
            last_pause_ms: sql<number>`CASE WHEN ${failures} < ${big(rule.freeFailures)} THEN ${existing('last_pause_ms')} ELSE ${pause} END`,
            in_flight: oneLessInFlight(taken, at),
          }),
        )
        .execute();
    },
    async succeedUsername({ key, taken, at }) {
      // The row stays while other checks of the username are under way; the sweep takes it after.
      await db
        .updateTable('login_throttle')
        .set({ failures: 0, window_ends_at: at, paused_until: 0, last_pause_ms: 0, in_flight: oneLessInFlight(taken, at) })
        .where('key', '=', key)
        .execute();
    },
    async failWindow({ key, rule, taken, at }) {
      const open = sql<boolean>`${existing('window_ends_at')} > ${big(at)}`;
      await db
        .insertInto('login_throttle')
        .values({ key, failures: 1, window_ends_at: at + rule.windowMs, paused_until: 0, last_pause_ms: 0, in_flight: 0, lease_until: 0 })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            // A window starts at its first failure and lasts windowMs; the next failure after it starts the next.
            failures: sql<number>`CASE WHEN ${open} THEN ${existing('failures')} + 1 ELSE 1 END`,
            window_ends_at: sql<number>`CASE WHEN ${open} THEN ${existing('window_ends_at')} ELSE ${big(at + rule.windowMs)} END`,
            in_flight: oneLessInFlight(taken, at),
          }),
        )
        .execute();
    },
    async read({ key, at }) {
      const row = await db.selectFrom('login_throttle').selectAll().where('key', '=', key).executeTakeFirst();
      if (row === undefined) return undefined;
      const windowEndsAt = Number(row.window_ends_at);
      const pausedUntil = Number(row.paused_until);
      return {
        failures: windowEndsAt > at ? Number(row.failures) : 0,
        windowEndsAt,
        pausedUntil: pausedUntil > at ? pausedUntil : 0,
        inFlight: inFlightAt(Number(row.in_flight), Number(row.lease_until), at),
      };
    },
    async sweep(at) {
      const { numDeletedRows } = await db
        .deleteFrom('login_throttle')
        .where('window_ends_at', '<=', at)
        .where('paused_until', '<=', at)
        .where('lease_until', '<=', at)
        .executeTakeFirst();
      return Number(numDeletedRows);
    },
  };
}
