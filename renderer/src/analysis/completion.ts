// What the editor offers as the analyst types: the project's local tables and their columns (with types), or in a
// platform query the project's relations and the columns it may read (with their treatments), beside lang-sql's SQL
// keywords. lang-sql completes a table's columns after "table." and aliases; columns typed bare are
// offered here from the tables the statement names, as DBeaver and DataGrip do. Pure, so it is tested alone.
import type { Completion } from '@codemirror/autocomplete';
import type { SQLNamespace } from '@codemirror/lang-sql';
import { quoteIdentifier } from '../../../src/common/sql-identifiers.ts';
import { formatRows } from '../shell/format.ts';

const PLAIN_NAME = /^[a-z_][a-z0-9_]*$/u;

/** A name as SQL needs it: bare when DuckDB would read it back unchanged, double-quoted otherwise. */
export function sqlName(name: string): string {
  return PLAIN_NAME.test(name) ? name : quoteIdentifier(name);
}

/** A table the editor completes: a local one (LocalTable is one), or a platform relation. */
export interface CompletionTable {
  name: string;
  rows: number;
  /** Said beside the name in the list (default: nothing more than the row count). */
  info?: string;
  /** `type` is shown beside the name: a local column's type, a platform column's treatment. */
  columns: readonly { name: string; type: string; info?: string }[];
}

function columnOption(column: CompletionTable['columns'][number], table: string): Completion {
  return { label: sqlName(column.name), detail: column.type, info: column.info ?? `Column of ${table}`, type: 'property', boost: 1 };
}

/** The schema as lang-sql reads it: each table with its row count, and its columns with their types. */
export function schemaNamespace(tables: readonly CompletionTable[]): SQLNamespace {
  const namespace: Record<string, SQLNamespace> = {};
  for (const table of tables) {
    namespace[table.name] = {
      self: { label: sqlName(table.name), detail: formatRows(table.rows), type: 'type', ...(table.info ? { info: table.info } : {}) },
      children: table.columns.map((column) => columnOption(column, table.name)),
    };
  }
  return namespace;
}

/** The tables a statement names (as whole words, any letter case), in the schema's order. */
export function tablesNamed<T extends CompletionTable>(statement: string, tables: readonly T[]): T[] {
  const words = new Set((statement.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []).values());
  const quoted = new Set([...statement.matchAll(/"((?:[^"]|"")+)"/gu)].map((match) => match[1].replaceAll('""', '"')));
  return tables.filter((table) => words.has(table.name.toLowerCase()) || quoted.has(table.name));
}

/** Columns of the tables the statement names, one option per column name (a name in several tables says so). */
export function bareColumnOptions(statement: string, tables: readonly CompletionTable[]): Completion[] {
  const byName = new Map<string, { column: CompletionTable['columns'][number]; tables: string[] }>();
  for (const table of tablesNamed(statement, tables)) {
    for (const column of table.columns) {
      const seen = byName.get(column.name);
      if (seen) seen.tables.push(table.name);
      else byName.set(column.name, { column, tables: [table.name] });
    }
  }
  return [...byName.values()].map(({ column, tables: from }) =>
    // A name in several tables is said as such; one table's column keeps its own words.
    columnOption(from.length > 1 ? { ...column, info: undefined } : column, from.join(', ')),
  );
}
