// Reading a kept result, written once for both local engines: the SQL for a page (sorted and filtered by the
// engine, filter values bound as parameters, never spliced), its filtered row count and a column's summary; the
// value each DuckDB type shows as on a page; and the catalogue queries behind tables() and clear().
import { EnclaveError } from './errors.ts';
import type { Filter, LocalColumn, SortKey } from './local-engine.ts';
import { quoteIdentifier } from './sql-identifiers.ts';

/** A parameter of a prepared query. Filter values travel as text and DuckDB converts them to the column's type. */
export type SqlParam = string;

/** A kept result lives in the connection's temporary catalogue under this prefix and a number. */
export const RESULT_TABLE_PREFIX = 'enclave_result_';

export function resultTable(name: string): string {
  return `temp.main.${quoteIdentifier(name)}`;
}

/**
 * A kept result's column, qualified by the table's alias in page queries: a bare name in ORDER BY would mean the
 * select list's shown text (DuckDB prefers aliases there), and sorting must be by the column's own type.
 */
function sourceColumn(name: string): string {
  return `kept.${quoteIdentifier(name)}`;
}

/** The types a page carries as themselves; the grid and Arrow hold them exactly. */
const EXACT_TYPES = new Set(['BOOLEAN', 'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'FLOAT', 'DOUBLE', 'DATE', 'TIMESTAMP', 'VARCHAR']);

/** Types that widen to an exact type without losing anything. */
const WIDENED: Readonly<Record<string, string>> = {
  UTINYINT: 'SMALLINT',
  USMALLINT: 'INTEGER',
  UINTEGER: 'BIGINT',
  TIMESTAMP_S: 'TIMESTAMP',
  TIMESTAMP_MS: 'TIMESTAMP',
};

/**
 * What a column shows as on a page: exact types as they are, lossless widenings, BLOB as its size in bytes, and
 * every other type (HUGEINT, DECIMAL, TIME, INTERVAL, UUID, LIST, STRUCT, MAP, ENUM, TIMESTAMPTZ, …) as DuckDB's
 * own text for it.
 */
export function shownExpression(column: LocalColumn): string {
  const name = sourceColumn(column.name);
  if (EXACT_TYPES.has(column.type)) return name;
  const widened = WIDENED[column.type];
  if (widened !== undefined) return `CAST(${name} AS ${widened})`;
  if (column.type === 'BLOB') return `octet_length(${name})`;
  return `CAST(${name} AS VARCHAR)`;
}

/**
 * The most characters of one value a page carries: a page is at most MAX_PAGE_ROWS rows, and without this a few rows of
 * very long text (a 20 MB string, a list of millions) would make a page of gigabytes in the core and the window.
 * Past it the value is cut and says how long it was; sorting, filtering and summaries still see all of it.
 */
export const MAX_SHOWN_CHARS = 10_000;

/** The value a page carries for a column: what it shows as, cut at MAX_SHOWN_CHARS when it is text. */
function pageExpression(column: LocalColumn): string {
  const shown = shownExpression(column);
  if (EXACT_TYPES.has(column.type) && column.type !== 'VARCHAR') return shown;
  if (WIDENED[column.type] !== undefined || column.type === 'BLOB') return shown;
  return `CASE WHEN length(${shown}) > ${MAX_SHOWN_CHARS} THEN left(${shown}, ${MAX_SHOWN_CHARS}) || ' … (' || format('{:,}', length(${shown})) || ' characters)' ELSE ${shown} END`;
}

/** A result column named rowid hides DuckDB's row number of the kept table (its pseudo-column). */
function hidesRowid(columns: readonly LocalColumn[]): boolean {
  return columns.some((column) => column.name.toLowerCase() === 'rowid');
}

function columnOf(columns: readonly LocalColumn[], name: string): LocalColumn {
  const column = columns.find((each) => each.name === name);
  if (column === undefined) throw new EnclaveError('invalid_input', `The result has no column named ${name}.`);
  return column;
}

const COMPARISONS = new Set(['=', '<>', '<', '<=', '>', '>=']);

/**
 * WHERE for a page's filters. Comparisons are in the column's own type (DuckDB converts the text; a value that is
 * not of that type is the analyst's error, said by DuckDB); BLOBs compare by size, as they are shown; "contains"
 * looks in the shown text, ignoring case.
 */
function whereClause(columns: readonly LocalColumn[], filters: readonly Filter[]): { sql: string; params: SqlParam[] } {
  const params: SqlParam[] = [];
  const conditions = filters.map((filter) => {
    const column = columnOf(columns, filter.column);
    const compared = column.type === 'BLOB' ? shownExpression(column) : sourceColumn(column.name);
    if (filter.op === 'is_null') return `${compared} IS NULL`;
    if (filter.op === 'is_not_null') return `${compared} IS NOT NULL`;
    if (filter.value === undefined) throw new EnclaveError('invalid_input', `The filter on ${column.name} needs a value.`);
    params.push(String(filter.value));
    const param = `$${params.length}`;
    if (filter.op === 'contains') return `contains(lower(CAST(${shownExpression(column)} AS VARCHAR)), lower(${param}))`;
    if (!COMPARISONS.has(filter.op)) throw new EnclaveError('invalid_input', `Unknown filter ${filter.op as string}.`);
    return `${compared} ${filter.op} ${param}`;
  });
  return { sql: conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '', params };
}

export interface PageQuery {
  readonly sql: string;
  readonly params: SqlParam[];
}

/**
 * One page of a kept result: its columns as they show, in the result's own order (rowid) unless sorted, nulls
 * last. Without sort or filters the page is a rowid range, so reading deep into a large result costs no more than
 * its first page.
 */
export function pageQuery(request: {
  table: string;
  columns: readonly LocalColumn[];
  offset: number;
  limit: number;
  sort: readonly SortKey[];
  filters: readonly Filter[];
}): PageQuery {
  const { columns, offset, limit } = request;
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(limit) || limit < 1) {
    throw new EnclaveError('invalid_input', 'A page needs a whole-number offset and a limit of at least 1.');
  }
  const shown =
    columns.length > 0 ? columns.map((column) => `${pageExpression(column)} AS ${quoteIdentifier(column.name)}`).join(', ') : '*';
  const from = `FROM ${resultTable(request.table)} AS kept`;
  // With the row number hidden, the kept table's own order (DuckDB preserves insertion order) is the only order.
  const rowid = hidesRowid(columns) ? null : 'kept.rowid';
  if (request.sort.length === 0 && request.filters.length === 0) {
    return {
      sql:
        rowid === null
          ? `SELECT ${shown} ${from} LIMIT ${limit} OFFSET ${offset}`
          : `SELECT ${shown} ${from} WHERE ${rowid} >= ${offset} AND ${rowid} < ${offset + limit} ORDER BY ${rowid}`,
      params: [],
    };
  }
  const where = whereClause(columns, request.filters);
  const order = [
    ...request.sort.map((key) => `${sourceColumn(columnOf(columns, key.column).name)} ${key.descending ? 'DESC' : 'ASC'} NULLS LAST`),
    ...(rowid === null ? [] : [rowid]),
  ].join(', ');
  return { sql: `SELECT ${shown} ${from}${where.sql} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`, params: where.params };
}

/** The rows of a kept result that pass the filters. */
export function countQuery(request: { table: string; columns: readonly LocalColumn[]; filters: readonly Filter[] }): PageQuery {
  const where = whereClause(request.columns, request.filters);
  return { sql: `SELECT CAST(count(*) AS BIGINT) AS n FROM ${resultTable(request.table)} AS kept${where.sql}`, params: where.params };
}

/**
 * A column's summary over the rows that pass the filters: rows, nulls, distinct values, and the least and greatest
 * in the column's own order, as text (BLOBs by size, as shown). `extremes: false` leaves min and max out, for the
 * rare type DuckDB cannot order.
 */
export function summaryQuery(request: {
  table: string;
  columns: readonly LocalColumn[];
  column: string;
  filters: readonly Filter[];
  extremes: boolean;
}): PageQuery {
  const column = columnOf(request.columns, request.column);
  const name = sourceColumn(column.name);
  const ordered = column.type === 'BLOB' ? shownExpression(column) : name;
  const where = whereClause(request.columns, request.filters);
  const extremes = request.extremes
    ? `CAST(min(${ordered}) AS VARCHAR) AS min, CAST(max(${ordered}) AS VARCHAR) AS max`
    : 'CAST(NULL AS VARCHAR) AS min, CAST(NULL AS VARCHAR) AS max';
  return {
    sql: `SELECT CAST(count(*) AS BIGINT) AS "rows", CAST(count(${name}) AS BIGINT) AS present, CAST(count(DISTINCT ${name}) AS BIGINT) AS "distinct", ${extremes} FROM ${resultTable(request.table)} AS kept${where.sql}`,
    params: where.params,
  };
}

/** A kept result's columns as DESCRIBE prints their types. */
export function resultColumnsQuery(table: string): string {
  return `SELECT column_name AS name, data_type AS type FROM duckdb_columns() WHERE database_name = 'temp' AND schema_name = 'main' AND table_name = '${table.replaceAll("'", "''")}' ORDER BY column_index`;
}

/** The project's tables (its own database's main schema) and their columns, in one query. */
export const TABLE_COLUMNS_SQL = `SELECT t.table_name AS "table", c.column_name AS name, c.data_type AS type
FROM duckdb_tables() AS t JOIN duckdb_columns() AS c
  ON c.database_name = t.database_name AND c.schema_name = t.schema_name AND c.table_name = t.table_name
WHERE t.database_name = current_database() AND t.schema_name = 'main' AND NOT t.internal AND NOT t.temporary
ORDER BY t.table_name, c.column_index`;

/** Everything the analyst made in the project's database, in the order it must be dropped. */
export const USER_OBJECTS_SQL = `SELECT kind, name FROM (
  SELECT 1 AS step, 'database' AS kind, database_name AS name FROM duckdb_databases() WHERE NOT internal AND database_name <> current_database()
  UNION ALL SELECT 2, 'schema', schema_name FROM duckdb_schemas() WHERE database_name = current_database() AND NOT internal AND schema_name <> 'main'
  UNION ALL SELECT 3, 'view', view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
  UNION ALL SELECT 4, 'table', table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'
  UNION ALL SELECT DISTINCT 5, function_type, function_name FROM duckdb_functions()
    WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND function_type IN ('macro', 'table_macro')
  UNION ALL SELECT 6, 'sequence', sequence_name FROM duckdb_sequences() WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary
  UNION ALL SELECT 7, 'type', type_name FROM duckdb_types() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
) ORDER BY step, name`;

/** What is left after clear(): nothing, or the names that would not drop. */
export const LEFT_AFTER_CLEAR_SQL = `SELECT table_name AS name FROM duckdb_tables() WHERE database_name = current_database()
UNION ALL SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal`;

/** The statement that drops one of USER_OBJECTS_SQL's rows. */
export function dropStatement(object: { kind: string; name: string }): string {
  const name = quoteIdentifier(object.name);
  switch (object.kind) {
    case 'database':
      return `DETACH DATABASE IF EXISTS ${name}`;
    case 'schema':
      return `DROP SCHEMA IF EXISTS ${name} CASCADE`;
    case 'view':
      return `DROP VIEW IF EXISTS ${name} CASCADE`;
    case 'table':
      return `DROP TABLE IF EXISTS ${name} CASCADE`;
    case 'table_macro':
      return `DROP MACRO TABLE IF EXISTS ${name}`;
    case 'macro':
      return `DROP MACRO IF EXISTS ${name}`;
    case 'sequence':
      return `DROP SEQUENCE IF EXISTS ${name} CASCADE`;
    default:
      return `DROP TYPE IF EXISTS ${name} CASCADE`;
  }
}

/** Rows of TABLE_COLUMNS_SQL grouped by table. */
export function groupColumns(rows: ReadonlyArray<{ table: string; name: string; type: string }>): Map<string, LocalColumn[]> {
  const tables = new Map<string, LocalColumn[]>();
  for (const row of rows) {
    const columns = tables.get(row.table) ?? [];
    columns.push({ name: row.name, type: row.type });
    tables.set(row.table, columns);
  }
  return tables;
}
