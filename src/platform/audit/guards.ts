// The database's own guards on the audit table: the triggers that refuse updates, deletes (and on PostgreSQL
// truncation) and any insert but the next event, and the table's definition. Someone who can write the file, or who
// owns the table, can drop or disable them (or drop the table and make a new one without them), so the verifier
// compares them with what the migrations make. On SQLite that is the migrations run on an empty database in memory;
// on PostgreSQL it is the definitions the migrations make them from (store/postgres-audit-guards.ts), read back from
// pg_trigger and pg_proc: when each trigger fires, whether it is enabled, and the source of the function it calls.
import { DatabaseSync } from 'node:sqlite';
import { Kysely, sql } from 'kysely';
import { EnclaveError } from '../../common/errors.ts';
import { migrateToLatest } from '../store/migrations.ts';
import { createNodeSqliteDialect } from '../store/node-sqlite-dialect.ts';
import {
  createGuardFunction,
  createGuardTrigger,
  describeGuardTrigger,
  expectedGuardTrigger,
  GUARD_FUNCTIONS,
  GUARD_TRIGGERS,
  PINNED_SEARCH_PATH,
  pinGuardSearchPath,
} from '../store/postgres-audit-guards.ts';
import type { MetadataDatabase } from '../store/schema.ts';
import { sqlEngineOf } from '../store/sql-engine.ts';

export const AUDIT_TABLE = 'audit_events';

/** Everything SQLite keeps about the audit table: the table, its indexes and its triggers. */
export const AUDIT_SCHEMA_QUERY = `SELECT type, name, sql FROM sqlite_master WHERE tbl_name = '${AUDIT_TABLE}' ORDER BY type, name`;

export interface SchemaEntry {
  readonly type: string;
  readonly name: string;
  readonly sql: string | null;
}

export interface GuardCheck {
  /** A missing table, and missing, changed or extra triggers: one sentence each. */
  readonly problems: readonly string[];
  /** When the table's definition is not the one the migrations make, the sentence that says so. */
  readonly tableChanged: string | null;
  /** The table's definition as it is now (whitespace folded), or null when there is no table. */
  readonly tableSql: string | null;
}

const fold = (text: string | null): string | null => (text === null ? null : text.replaceAll(/\s+/g, ' ').trim());

/** One engine's way to read the guards, what the migrations make, and how to put them back. */
interface GuardEngine {
  read(db: Kysely<MetadataDatabase>): Promise<SchemaEntry[]>;
  reference(): Promise<readonly SchemaEntry[]>;
  restore(db: Kysely<MetadataDatabase>, actual: readonly SchemaEntry[]): Promise<string[]>;
}

export function parseSchemaEntries(rows: readonly unknown[]): SchemaEntry[] {
  return rows.map((row) => {
    const { type, name, sql: text } = row as Record<string, unknown>;
    return { type: String(type), name: String(name), sql: typeof text === 'string' ? text : null };
  });
}

let sqliteReference: Promise<readonly SchemaEntry[]> | undefined;

const sqliteGuards: GuardEngine = {
  async read(db) {
    return parseSchemaEntries((await sql.raw(AUDIT_SCHEMA_QUERY).execute(db)).rows);
  },
  /** What the migrations make, on a database in memory: the one definition the migrations and the check share. */
  reference() {
    sqliteReference ??= (async () => {
      const database = new DatabaseSync(':memory:');
      const db = new Kysely<MetadataDatabase>({ dialect: createNodeSqliteDialect(database) });
      try {
        await migrateToLatest(db);
        return (await sql.raw<SchemaEntry>(AUDIT_SCHEMA_QUERY).execute(db)).rows.map((row) => ({ ...row }));
      } finally {
        await db.destroy();
      }
    })();
    return sqliteReference;
  },
  async restore(db, actual) {
    const expected = (await sqliteGuards.reference()).filter((entry) => entry.type === 'trigger');
    const changed: string[] = [];
    for (const trigger of actual.filter((entry) => entry.type === 'trigger')) {
      const wanted = expected.find((entry) => entry.name === trigger.name);
      if (wanted !== undefined && fold(wanted.sql) === fold(trigger.sql)) continue;
      await sql`DROP TRIGGER IF EXISTS ${sql.id(trigger.name)}`.execute(db);
      if (wanted === undefined) changed.push(`dropped ${trigger.name}`);
    }
    for (const trigger of expected) {
      const present = actual.find((entry) => entry.type === 'trigger' && entry.name === trigger.name);
      if (present !== undefined && fold(present.sql) === fold(trigger.sql)) continue;
      await sql.raw(trigger.sql ?? '').execute(db);
      changed.push(`restored ${trigger.name}`);
    }
    return changed;
  },
};

/**
 * The audit table on PostgreSQL as the migrations make it: its columns (type, NOT NULL, default) in order, then its
 * constraints by name. Read back the same way by readPostgresTable.
 */
const POSTGRES_TABLE = [
  'seq bigint NOT NULL',
  'occurred_at character varying(32) NOT NULL',
  'type character varying(64) NOT NULL',
  'actor character varying(64)',
  'outcome character varying(16) NOT NULL',
  'details text NOT NULL',
  'prev_hash character(64) NOT NULL',
  'hash character(64) NOT NULL',
  "chain character varying(16) NOT NULL DEFAULT 'sha256'::character varying",
  'CONSTRAINT audit_events_hash_key UNIQUE (hash)',
  'CONSTRAINT audit_events_pkey PRIMARY KEY (seq)',
].join(', ');

/** pg_trigger.tgtype's bits (PostgreSQL's include/catalog/pg_trigger.h). */
const TRIGGER_TYPE = { row: 1, before: 2, insert: 4, delete: 8, update: 16, truncate: 32, instead: 64 } as const;

function triggerTiming(type: number): string {
  if ((type & TRIGGER_TYPE.instead) !== 0) return 'INSTEAD OF';
  return (type & TRIGGER_TYPE.before) !== 0 ? 'BEFORE' : 'AFTER';
}

function triggerEvents(type: number): string[] {
  const events: string[] = [];
  if ((type & TRIGGER_TYPE.insert) !== 0) events.push('INSERT');
  if ((type & TRIGGER_TYPE.update) !== 0) events.push('UPDATE');
  if ((type & TRIGGER_TYPE.delete) !== 0) events.push('DELETE');
  if ((type & TRIGGER_TYPE.truncate) !== 0) events.push('TRUNCATE');
  return events;
}

const postgresGuards: GuardEngine = {
  async read(db) {
    const table = await sql<{ name: string; definition: string | null }>`
      SELECT c.relname AS name,
        (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
            || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
            || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), ''), ', ' ORDER BY a.attnum)
          FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)
        || coalesce((SELECT ', ' || string_agg('CONSTRAINT ' || k.conname || ' ' || pg_get_constraintdef(k.oid), ', ' ORDER BY k.conname)
          FROM pg_constraint k WHERE k.conrelid = c.oid), '') AS definition
      FROM pg_class c WHERE c.oid = to_regclass(${AUDIT_TABLE})`.execute(db);
    const found = table.rows[0];
    if (found === undefined) return [];
    const triggers = await sql<{
      name: string;
      type: number;
      enabled: string;
      fn: string;
      language: string;
      body: string;
      condition: string | null;
      settings: string | null;
    }>`
      SELECT t.tgname AS name, t.tgtype::int AS type, t.tgenabled AS enabled, p.proname AS fn, l.lanname AS language,
        p.prosrc AS body, pg_get_expr(t.tgqual, t.tgrelid) AS condition,
        CASE WHEN p.proconfig IS NOT DISTINCT FROM ARRAY['search_path=' || quote_ident(n.nspname) || ', pg_temp']
          THEN ${PINNED_SEARCH_PATH} ELSE array_to_string(p.proconfig, '; ') END AS settings
      FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_language l ON l.oid = p.prolang
        JOIN pg_class tc ON tc.oid = t.tgrelid JOIN pg_namespace n ON n.oid = tc.relnamespace
      WHERE t.tgrelid = to_regclass(${AUDIT_TABLE}) AND NOT t.tgisinternal
      ORDER BY t.tgname`.execute(db);
    return [
      { type: 'table', name: found.name, sql: found.definition },
      ...triggers.rows.map((row) => ({
        type: 'trigger',
        name: row.name,
        sql:
          describeGuardTrigger({
            timing: triggerTiming(row.type),
            events: triggerEvents(row.type),
            level: (row.type & TRIGGER_TYPE.row) !== 0 ? 'ROW' : 'STATEMENT',
            fn: row.fn,
            language: row.language,
            body: row.body,
            // 'O': fires in ordinary sessions; 'D' is disabled, and 'R' fires only for replication.
            enabled: row.enabled === 'O' || row.enabled === 'A',
            settings: row.settings,
          }) + (row.condition === null ? '' : ` WHEN ${row.condition}`),
      })),
    ];
  },
  async reference() {
    return [
      { type: 'table', name: AUDIT_TABLE, sql: POSTGRES_TABLE },
      ...GUARD_TRIGGERS.map((trigger) => ({ type: 'trigger', name: trigger.name, sql: expectedGuardTrigger(trigger) })),
    ];
  },
  /**
   * Changes nothing: `serve` runs as the app role, which may not (and must not be able to) change a function or a
   * trigger. Intact guards need nothing; others are the owner's to put back, with `enclave platform migrate`.
   */
  async restore(db, actual) {
    const { problems } = await checkAuditGuards(actual, await postgresGuards.reference());
    if (problems.length === 0) return [];
    throw new EnclaveError(
      'unavailable',
      `The audit log's guards are not as the platform made them (${problems.join('; ')}), and serve, as the app role, cannot put them back. ` +
        'Run `enclave platform migrate` as the owner role first (it restores them), then start again: the report, and so the token to accept it with, will have changed.',
    );
  },
};

/** Puts the PostgreSQL guards back as the migrations make them, as the owner (`enclave platform migrate`). */
async function repairPostgresGuards(db: Kysely<MetadataDatabase>, actual: readonly SchemaEntry[]): Promise<string[]> {
  const changed: string[] = [];
  const expected = await postgresGuards.reference();
  for (const trigger of actual.filter((entry) => entry.type === 'trigger')) {
    const wanted = expected.find((entry) => entry.type === 'trigger' && entry.name === trigger.name);
    if (wanted !== undefined && fold(wanted.sql) === fold(trigger.sql)) continue;
    await sql`DROP TRIGGER IF EXISTS ${sql.id(trigger.name)} ON ${sql.id(AUDIT_TABLE)}`.execute(db);
    if (wanted === undefined) changed.push(`dropped ${trigger.name}`);
  }
  // The functions first: a trigger may be right while the function it calls was replaced. CREATE OR REPLACE resets a
  // function's settings, so the search_path is pinned again after it.
  for (const fn of GUARD_FUNCTIONS) {
    await createGuardFunction(db, fn);
    await pinGuardSearchPath(db, fn);
  }
  const now = await postgresGuards.read(db);
  for (const trigger of GUARD_TRIGGERS) {
    const wanted = expectedGuardTrigger(trigger);
    const present = now.find((entry) => entry.type === 'trigger' && entry.name === trigger.name);
    const before = actual.find((entry) => entry.type === 'trigger' && entry.name === trigger.name);
    if (present !== undefined && fold(present.sql) === fold(wanted)) {
      if (fold(before?.sql ?? null) !== fold(wanted)) changed.push(`restored ${trigger.name}`);
      continue;
    }
    await sql`DROP TRIGGER IF EXISTS ${sql.id(trigger.name)} ON ${sql.id(AUDIT_TABLE)}`.execute(db);
    await createGuardTrigger(db, trigger);
    changed.push(`restored ${trigger.name}`);
  }
  return changed;
}

/** The engine's guards, chosen by the database's dialect. */
const guardsOf = (db: Kysely<MetadataDatabase>): GuardEngine => (sqlEngineOf(db).name === 'postgres' ? postgresGuards : sqliteGuards);

/** Compares the table and its triggers as they are with what the migrations make (SQLite's unless told otherwise). */
export async function checkAuditGuards(actual: readonly SchemaEntry[], reference?: readonly SchemaEntry[]): Promise<GuardCheck> {
  const expected = reference ?? (await sqliteGuards.reference());
  const problems: string[] = [];
  const table = actual.find((entry) => entry.type === 'table');
  const expectedTable = expected.find((entry) => entry.type === 'table');
  if (table === undefined) problems.push(`the ${AUDIT_TABLE} table is missing`);
  const tableChanged =
    table !== undefined && fold(table.sql) !== fold(expectedTable?.sql ?? null)
      ? `the ${AUDIT_TABLE} table is not as the platform made it (it was dropped and made again, or altered)`
      : null;
  for (const trigger of expected.filter((entry) => entry.type === 'trigger')) {
    const found = actual.find((entry) => entry.type === 'trigger' && entry.name === trigger.name);
    if (found === undefined) problems.push(`the append-only trigger ${trigger.name} is missing`);
    else if (fold(found.sql) !== fold(trigger.sql)) problems.push(`the append-only trigger ${trigger.name} is not as the platform made it`);
  }
  for (const extra of actual.filter(
    (entry) => entry.type === 'trigger' && !expected.some((e) => e.type === 'trigger' && e.name === entry.name),
  )) {
    problems.push(`the ${AUDIT_TABLE} table has a trigger the platform did not make: ${extra.name}`);
  }
  return { problems, tableChanged, tableSql: fold(table?.sql ?? null) };
}

/** The guards of the store's own database, checked. */
export async function checkStoredAuditGuards(db: Kysely<MetadataDatabase>): Promise<GuardCheck> {
  const guards = guardsOf(db);
  return checkAuditGuards(await guards.read(db), await guards.reference());
}

/**
 * When a broken log is accepted: on SQLite puts the triggers back as the migrations make them, and names what it
 * changed; on PostgreSQL changes nothing (serve is the app role), and refuses unless the guards are intact.
 */
export async function restoreAuditTriggers(db: Kysely<MetadataDatabase>): Promise<string[]> {
  const guards = guardsOf(db);
  return guards.restore(db, await guards.read(db));
}

/**
 * Puts the PostgreSQL guards back as the migrations make them, when they are not (`enclave platform migrate`, as the
 * owner, under the setup lock); names what it changed, nothing when they were intact.
 */
export async function repairPostgresAuditGuards(db: Kysely<MetadataDatabase>): Promise<string[]> {
  const actual = await postgresGuards.read(db);
  if (actual.length === 0) return [];
  const { problems } = await checkAuditGuards(actual, await postgresGuards.reference());
  if (problems.length === 0) return [];
  return repairPostgresGuards(db, actual);
}
