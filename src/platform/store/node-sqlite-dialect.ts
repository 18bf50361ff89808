// kysely 0.29 ships no dialect for Node's built-in node:sqlite (better-sqlite3 does not load in Node 24 here,
// see FACTS.md). Its SqliteDialect accepts any object shaped like better-sqlite3's Database, so this adapter
// gives a DatabaseSync that shape. Swapping to PostgreSQL later means a different dialect, not different queries.
import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';

/** node:sqlite binds numbers, bigints, strings, null and bytes; kysely may hand it booleans. */
function toInput(value: unknown): SQLInputValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  return value as SQLInputValue;
}

function adaptStatement(statement: StatementSync): SqliteStatement {
  return {
    // A statement that yields columns is a reader (SELECT, or a write with RETURNING), as in better-sqlite3.
    reader: statement.columns().length > 0,
    all: (parameters) => statement.all(...parameters.map(toInput)),
    run: (parameters) => statement.run(...parameters.map(toInput)),
    iterate: (parameters) => statement.iterate(...parameters.map(toInput)) as IterableIterator<unknown>,
  };
}

export function createNodeSqliteDialect(database: DatabaseSync): SqliteDialect {
  const adapted: SqliteDatabase = {
    close: () => database.close(),
    prepare: (sql) => adaptStatement(database.prepare(sql)),
  };
  return new SqliteDialect({ database: adapted });
}
