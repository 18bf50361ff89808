// What a statement without a kept result did, in the analyst's words, written once for both local engines: what it
// made, replaced, renamed or dropped ("Created admissions (1,204 rows)"), found by listing the catalogue before and
// after it, or the rows it changed ("Inserted 3 rows").
import { formatCount, type SqlStatement } from './local-sql.ts';

function plural(count: number, one: string, many: string): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

/** A catalogue object, as the engines list them before and after a statement to say what it changed. */
export interface CatalogEntry {
  readonly kind: string;
  readonly database: string;
  readonly schema: string;
  readonly name: string;
  readonly oid: string;
}

/** Everything the analyst can create, with its identity (oid): before and after a statement, the difference is its effect. */
export const CATALOG_SQL = `SELECT kind, database, "schema", name, oid FROM (
  SELECT 'table' AS kind, database_name AS database, schema_name AS "schema", table_name AS name, CAST(table_oid AS VARCHAR) AS oid
    FROM duckdb_tables() WHERE NOT internal AND table_name NOT LIKE 'enclave\\_result\\_%' ESCAPE '\\'
  UNION ALL SELECT 'view', database_name, schema_name, view_name, CAST(view_oid AS VARCHAR) FROM duckdb_views() WHERE NOT internal
  UNION ALL SELECT 'schema', database_name, schema_name, schema_name, CAST(oid AS VARCHAR) FROM duckdb_schemas() WHERE NOT internal
  UNION ALL SELECT DISTINCT 'macro', database_name, schema_name, function_name, CAST(function_oid AS VARCHAR)
    FROM duckdb_functions() WHERE NOT internal AND function_type IN ('macro', 'table_macro')
  UNION ALL SELECT 'sequence', database_name, schema_name, sequence_name, CAST(sequence_oid AS VARCHAR) FROM duckdb_sequences()
  UNION ALL SELECT 'type', database_name, schema_name, type_name, CAST(type_oid AS VARCHAR) FROM duckdb_types() WHERE NOT internal
  UNION ALL SELECT 'index', database_name, schema_name, index_name, CAST(index_oid AS VARCHAR) FROM duckdb_indexes()
)`;

export interface CatalogChange {
  readonly created: readonly CatalogEntry[];
  readonly dropped: readonly CatalogEntry[];
  /** The same object (same oid) under a new name: ALTER … RENAME. */
  readonly renamed?: ReadonlyArray<{ readonly from: CatalogEntry; readonly to: CatalogEntry }>;
}

export function catalogChange(before: readonly CatalogEntry[], after: readonly CatalogEntry[]): CatalogChange {
  const key = (entry: CatalogEntry): string => `${entry.kind}\0${entry.oid}`;
  const had = new Map(before.map((entry) => [key(entry), entry]));
  const has = new Map(after.map((entry) => [key(entry), entry]));
  const renamed = after.flatMap((to) => {
    const from = had.get(key(to));
    return from !== undefined && from.name !== to.name ? [{ from, to }] : [];
  });
  return { created: after.filter((entry) => !had.has(key(entry))), dropped: before.filter((entry) => !has.has(key(entry))), renamed };
}

function displayName(entry: CatalogEntry, homeDatabase: string): string {
  const where = entry.database === 'temp' ? 'temporary ' : '';
  const qualified = entry.database !== homeDatabase && entry.database !== 'temp' ? `${entry.database}.${entry.schema}.` : '';
  const inSchema = !qualified && entry.schema !== 'main' && entry.kind !== 'schema' ? `${entry.schema}.` : '';
  const kind = entry.kind === 'table' ? (where ? 'temporary table ' : '') : `${where}${entry.kind} `;
  return `${kind}${qualified}${inSchema}${entry.name}`;
}

/**
 * What a statement without a kept result did, in the analyst's words: "Created admissions (1,204 rows)",
 * "Dropped admissions", "Inserted 3 rows". `tableRows` holds the row counts of the tables it created.
 */
export function outcomeMessage(outcome: {
  statement: SqlStatement | null;
  kind: string;
  change: CatalogChange;
  homeDatabase: string;
  changedRows: number | null;
  tableRows: ReadonlyMap<string, number>;
}): string {
  const { change, homeDatabase } = outcome;
  const sameName = (a: CatalogEntry, b: CatalogEntry): boolean =>
    a.kind === b.kind && a.database === b.database && a.schema === b.schema && a.name === b.name;
  const parts: string[] = [];
  for (const entry of change.created) {
    const replaced = change.dropped.some((old) => sameName(old, entry));
    const rows = entry.kind === 'table' ? outcome.tableRows.get(entry.oid) : undefined;
    parts.push(
      `${replaced ? 'Replaced' : 'Created'} ${displayName(entry, homeDatabase)}${rows === undefined ? '' : ` (${plural(rows, 'row', 'rows')})`}`,
    );
  }
  const [renamed] = change.renamed ?? [];
  if (renamed !== undefined) return `Renamed ${displayName(renamed.from, homeDatabase)} to ${renamed.to.name}`;
  if (outcome.kind === 'ALTER' && change.created.length === 1 && change.dropped.length === 1) {
    return `Renamed ${displayName(change.dropped[0], homeDatabase)} to ${change.created[0].name}`;
  }
  for (const entry of change.dropped) {
    if (!change.created.some((made) => sameName(made, entry))) parts.push(`Dropped ${displayName(entry, homeDatabase)}`);
  }
  if (parts.length > 0) return parts.join('; ');
  const rows = outcome.changedRows ?? 0;
  switch (outcome.kind) {
    case 'INSERT':
      return `Inserted ${plural(rows, 'row', 'rows')}`;
    case 'UPDATE':
      return `Updated ${plural(rows, 'row', 'rows')}`;
    case 'DELETE':
      return `Deleted ${plural(rows, 'row', 'rows')}`;
    case 'MERGE_INTO':
      return `Merged ${plural(rows, 'row', 'rows')}`;
    case 'TRANSACTION': {
      const first = outcome.statement?.words[0] ?? '';
      if (first === 'BEGIN' || first === 'START') return 'Transaction started';
      if (first === 'COMMIT' || first === 'END') return 'Transaction committed';
      return 'Transaction rolled back';
    }
    default:
      return 'Done';
  }
}
