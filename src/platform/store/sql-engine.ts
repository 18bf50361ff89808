// The few things SQLite and PostgreSQL do differently for the metadata store, one function per difference, chosen by
// the database's kysely dialect (sqlEngineOf). Everything else is SQL that kysely builds the same way for both, so the
// store's modules never ask which engine they run on: they ask this module to do the one thing that differs.
import { PostgresIntrospector, sql, type Kysely, type RawBuilder } from 'kysely';
import { bestEffort } from '../../common/detached.ts';

export type EngineName = 'sqlite' | 'postgres';

/** The writes that every process on one store takes in turn, each under its own lock. */
export type WriteLock = 'audit' | 'drives';

/**
 * PostgreSQL advisory lock keys (one number space per database, shared with any other application on it: these are
 * fixed, arbitrary and documented so an operator can tell them apart in pg_locks).
 */
export const ADVISORY_LOCK_KEYS = {
  /** Audit appends: the next seq and the previous hash are read and written under it. */
  audit: 7_146_201_901,
  /** Drive changes: a compare-and-swap of a drive's entries and its change counter. */
  drives: 7_146_201_902,
  /** Migrating and seeding: one process at a time, so exactly one seeds an empty store. */
  setup: 7_146_201_903,
} as const satisfies Record<WriteLock | 'setup', number>;

/** Per table, the columns that hold at most so many characters (varchar(n), char(n)). */
export type ColumnLimits = ReadonlyMap<string, ReadonlyMap<string, number>>;

export interface SqlEngine {
  readonly name: EngineName;
  /**
   * Runs `work` in one transaction that holds `lock` from its first statement, so a second process waits for it
   * instead of failing, and every read inside sees what the lock's previous holder committed.
   */
  withWriteLock<DB, T>(db: Kysely<DB>, lock: WriteLock, work: (conn: Kysely<DB>) => Promise<T>): Promise<T>;
  /**
   * The string member `key` of the JSON object in a text column; NULL when the text is not JSON, not an object, or the
   * member is missing or not a string. Never an error, whatever the column holds.
   */
  jsonStringMember(column: string, key: string): RawBuilder<string | null>;
  /**
   * Runs `work` (on any of the database's connections) while no other process runs its own: migrating and seeding, so
   * that of several processes opening an empty store at once exactly one seeds it. SQLite's migrations take its write
   * lock themselves; PostgreSQL holds a session advisory lock on a connection of its own meanwhile.
   */
  withSetupLock<DB, T>(db: Kysely<DB>, work: () => Promise<T>): Promise<T>;
  /** The character limits the database's tables declare, read from the database itself. */
  columnLimits<DB>(db: Kysely<DB>): Promise<ColumnLimits>;
}

const LIMITED_TYPE = /^(?:var)?char(?:acter)?(?: varying)?\s*\(\s*(\d+)\s*\)$/i;

function limitsOf(rows: ReadonlyArray<{ table_name: string; column_name: string; limit: number | null }>): ColumnLimits {
  const limits = new Map<string, Map<string, number>>();
  for (const row of rows) {
    if (row.limit === null || !Number.isSafeInteger(Number(row.limit))) continue;
    const table = limits.get(row.table_name) ?? new Map<string, number>();
    table.set(row.column_name, Number(row.limit));
    limits.set(row.table_name, table);
  }
  return limits;
}

/** A JSON path member name: the callers name fixed keys, never input. */
function memberName(key: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new TypeError(`not a JSON member name: ${key}`);
  return key;
}

const sqliteEngine: SqlEngine = {
  name: 'sqlite',
  async withWriteLock(db, _lock, work) {
    // kysely's SQLite transactions always say BEGIN (deferred): a second process then fails on commit with "database is
    // locked" (FACTS.md). BEGIN IMMEDIATE takes SQLite's one write lock at once, so it waits (busy_timeout) instead.
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
  },
  async withSetupLock(_db, work) {
    return work();
  },
  jsonStringMember(column, key) {
    const path = `$.${memberName(key)}`;
    return sql<
      string | null
    >`CASE WHEN json_valid(${sql.ref(column)}) AND json_type(${sql.ref(column)}, ${path}) = 'text' THEN json_extract(${sql.ref(column)}, ${path}) END`;
  },
  async columnLimits(db) {
    const { rows } = await sql<{ table_name: string; column_name: string; type: string }>`
      SELECT m.name AS table_name, p.name AS column_name, p.type AS type
      FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p
      WHERE m.type = 'table'`.execute(db);
    return limitsOf(
      rows.map((row) => ({
        table_name: row.table_name,
        column_name: row.column_name,
        limit: Number(LIMITED_TYPE.exec(row.type)?.[1] ?? NaN) || null,
      })),
    );
  },
};

/** The PostgreSQL function (migration 0014) that reads a JSON member without failing on text that is not JSON. */
export const JSON_STRING_MEMBER_FUNCTION = 'enclave_json_string_member';

const postgresEngine: SqlEngine = {
  name: 'postgres',
  async withWriteLock(db, lock, work) {
    // READ COMMITTED, named so a server default of another level cannot change it: each statement after the lock sees
    // what the lock's previous holder committed. The lock is an advisory one: it needs no privilege beyond connecting,
    // where a table lock or SELECT … FOR UPDATE would need UPDATE on a table the app role may only append to (FACTS.md).
    return db
      .transaction()
      .setIsolationLevel('read committed')
      .execute(async (trx) => {
        await sql`SELECT pg_advisory_xact_lock(${sql.lit(ADVISORY_LOCK_KEYS[lock])})`.execute(trx);
        return work(trx);
      });
  },
  async withSetupLock(db, work) {
    return db.connection().execute(async (conn) => {
      await sql`SELECT pg_advisory_lock(${sql.lit(ADVISORY_LOCK_KEYS.setup)})`.execute(conn);
      try {
        return await work();
      } finally {
        // A connection that broke meanwhile took its lock with it.
        await bestEffort(sql`SELECT pg_advisory_unlock(${sql.lit(ADVISORY_LOCK_KEYS.setup)})`.execute(conn));
      }
    });
  },
  jsonStringMember(column, key) {
    return sql<string | null>`${sql.id(JSON_STRING_MEMBER_FUNCTION)}(${sql.ref(column)}, ${sql.lit(memberName(key))})`;
  },
  async columnLimits(db) {
    const { rows } = await sql<{ table_name: string; column_name: string; limit: number | null }>`
      SELECT table_name, column_name, character_maximum_length AS limit
      FROM information_schema.columns
      WHERE table_schema = current_schema() AND character_maximum_length IS NOT NULL`.execute(db);
    return limitsOf(rows);
  },
};

/** The engine under a kysely instance (a database, a transaction or a single connection), from its dialect. */
export function sqlEngineOf<DB>(db: Kysely<DB>): SqlEngine {
  return db.introspection instanceof PostgresIntrospector ? postgresEngine : sqliteEngine;
}
