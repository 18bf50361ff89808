// The database's own guards on the audit table: the triggers that refuse updates, deletes and any insert but the
// next event, and the table's definition. Someone who can write the file can drop them (or drop the table and
// make a new one without them), so the verifier compares them with what the migrations make on an empty
// database. SQLite only; on PostgreSQL the same guard is the app role's grants.
import { DatabaseSync } from 'node:sqlite';
import { Kysely, sql } from 'kysely';
import { migrateToLatest } from '../store/migrations.ts';
import { createNodeSqliteDialect } from '../store/node-sqlite-dialect.ts';
import type { MetadataDatabase } from '../store/schema.ts';

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

let reference: Promise<readonly SchemaEntry[]> | undefined;

/** What the migrations make, on a database in memory: the one definition the migrations and the check share. */
function referenceSchema(): Promise<readonly SchemaEntry[]> {
  reference ??= (async () => {
    const database = new DatabaseSync(':memory:');
    const db = new Kysely<MetadataDatabase>({ dialect: createNodeSqliteDialect(database) });
    try {
      await migrateToLatest(db);
      return (await sql.raw<SchemaEntry>(AUDIT_SCHEMA_QUERY).execute(db)).rows.map((row) => ({ ...row }));
    } finally {
      await db.destroy();
    }
  })();
  return reference;
}

export function parseSchemaEntries(rows: readonly unknown[]): SchemaEntry[] {
  return rows.map((row) => {
    const { type, name, sql: text } = row as Record<string, unknown>;
    return { type: String(type), name: String(name), sql: typeof text === 'string' ? text : null };
  });
}

export async function checkAuditGuards(actual: readonly SchemaEntry[]): Promise<GuardCheck> {
  const expected = await referenceSchema();
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

/** Puts the triggers back as the migrations make them (when a broken log is accepted); names what it changed. */
export async function restoreAuditTriggers(db: Kysely<MetadataDatabase>): Promise<string[]> {
  const expected = (await referenceSchema()).filter((entry) => entry.type === 'trigger');
  const actual = parseSchemaEntries((await sql.raw(AUDIT_SCHEMA_QUERY).execute(db)).rows).filter((entry) => entry.type === 'trigger');
  const changed: string[] = [];
  for (const trigger of actual) {
    const wanted = expected.find((entry) => entry.name === trigger.name);
    if (wanted !== undefined && fold(wanted.sql) === fold(trigger.sql)) continue;
    await sql`DROP TRIGGER IF EXISTS ${sql.id(trigger.name)}`.execute(db);
    if (wanted === undefined) changed.push(`dropped ${trigger.name}`);
  }
  for (const trigger of expected) {
    const present = actual.find((entry) => entry.name === trigger.name);
    if (present !== undefined && fold(present.sql) === fold(trigger.sql)) continue;
    await sql.raw(trigger.sql ?? '').execute(db);
    changed.push(`restored ${trigger.name}`);
  }
  return changed;
}
