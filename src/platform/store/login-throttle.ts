// The login throttle's budgets in the metadata store, so that every platform instance behind a load balancer spends
// the same ones (issue 19 C.1). The rules are the throttle's (identity/embedded/login-throttle.ts); this module keeps
// each budget as one row and changes it only by single statements, so no transaction is ever held, least of all
// across a password check:
// - admission is one conditional upsert per budget: INSERT … ON CONFLICT DO UPDATE … WHERE <the budget has room>
//   RETURNING. It takes an in-flight lease that counts as ended 30 s after it was last taken, so an instance that
//   crashed mid-check cannot leave a budget (a username) blocked;
// - the check's outcome is one upsert per budget: a failure counts (and pauses a username), a success resets a
//   username, and either releases the lease;
// - sweeping deletes only rows with no window, no pause and no lease left: it can never unpause anybody.
// On both engines the conflicting row is locked for the upsert (PostgreSQL re-checks the WHERE against the newest
// version of the row; SQLite writes one statement at a time), so two instances cannot both take the last place.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { MetadataDatabase } from './schema.ts';

/** How long a lease counts: longer than any password check takes, short enough that a crash is soon forgotten. */
export const LEASE_MS = 30_000;

/** The largest limit stored: budgets given as Infinity (tests that lift one) become this. */
const UNLIMITED = 1_000_000_000;

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
  /** Ends one lease of a budget without counting anything (the check broke, or a later budget refused). */
  release(options: { key: string; at: number }): Promise<void>;
  /** Ends a lease of a username's budget with a failure: counted, and a pause once the free failures are spent. */
  failUsername(options: { key: string; rule: PauseRule; at: number }): Promise<void>;
  /** Ends a lease of a username's budget with a success: the count and any pause start over. */
  succeedUsername(options: { key: string; at: number }): Promise<void>;
  /** Ends a lease of a windowed budget with a failure, counted in the current window (or the first of a new one). */
  failWindow(options: { key: string; rule: WindowRule; at: number }): Promise<void>;
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

/** Checks under way on the existing row, counting none once its lease has lapsed. */
const liveInFlight = (at: number): RawBuilder<number> =>
  sql<number>`CASE WHEN ${existing('lease_until')} > ${big(at)} THEN ${existing('in_flight')} ELSE 0 END`;

/** Failures of the existing row's current window, none once it has ended. */
const liveFailures = (at: number): RawBuilder<number> =>
  sql<number>`CASE WHEN ${existing('window_ends_at')} > ${big(at)} THEN ${existing('failures')} ELSE 0 END`;

/** One lease fewer (never below none; none when the lease had lapsed). */
const oneLessInFlight = (at: number): RawBuilder<number> =>
  sql<number>`CASE WHEN ${existing('lease_until')} > ${big(at)} AND ${existing('in_flight')} > 0 THEN ${existing('in_flight')} - 1 ELSE 0 END`;

export function createLoginThrottleRecords(db: Kysely<MetadataDatabase>): LoginThrottleRecords {
  /** A row for a budget seen for the first time, holding one lease. */
  const leased = (key: string, at: number) => ({
    key,
    failures: 0,
    window_ends_at: at,
    paused_until: 0,
    last_pause_ms: 0,
    in_flight: 1,
    lease_until: at + LEASE_MS,
  });
  const takeLease = (at: number) => ({
    in_flight: sql<number>`${liveInFlight(at)} + 1`,
    lease_until: big(at + LEASE_MS),
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
    async release({ key, at }) {
      await db
        .updateTable('login_throttle')
        .set({ in_flight: oneLessInFlight(at) })
        .where('key', '=', key)
        .execute();
    },
    async failUsername({ key, rule, at }) {
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
            in_flight: oneLessInFlight(at),
          }),
        )
        .execute();
    },
    async succeedUsername({ key, at }) {
      // The row stays while other checks of the username are under way; the sweep takes it after.
      await db
        .updateTable('login_throttle')
        .set({ failures: 0, window_ends_at: at, paused_until: 0, last_pause_ms: 0, in_flight: oneLessInFlight(at) })
        .where('key', '=', key)
        .execute();
    },
    async failWindow({ key, rule, at }) {
      const open = sql<boolean>`${existing('window_ends_at')} > ${big(at)}`;
      await db
        .insertInto('login_throttle')
        .values({ key, failures: 1, window_ends_at: at + rule.windowMs, paused_until: 0, last_pause_ms: 0, in_flight: 0, lease_until: 0 })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            // A window starts at its first failure and lasts windowMs; the next failure after it starts the next.
            failures: sql<number>`CASE WHEN ${open} THEN ${existing('failures')} + 1 ELSE 1 END`,
            window_ends_at: sql<number>`CASE WHEN ${open} THEN ${existing('window_ends_at')} ELSE ${big(at + rule.windowMs)} END`,
            in_flight: oneLessInFlight(at),
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
        inFlight: Number(row.lease_until) > at ? Number(row.in_flight) : 0,
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
