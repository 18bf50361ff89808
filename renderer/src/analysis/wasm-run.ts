// Running the analyst's SQL in DuckDB-wasm, statement by statement: the text is split and checked by the same code
// as the native engine's (src/common/local-sql.ts), several statements run as one transaction unless the SQL
// manages transactions itself, and the last statement's rows are kept in a temporary table for paging.
import { tableToIPC, type Table } from 'apache-arrow';
import { bestEffort } from '../../../src/common/detached.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import type { LocalColumn } from '../../../src/common/local-engine.ts';
import { resultColumnsQuery, resultTable } from '../../../src/common/local-pages.ts';
import {
  isInterruption,
  keepAsTable,
  queryCancelled,
  refusalOf,
  refusedStatement,
  shapeMessage,
  splitStatements,
  sqlError,
  sqlErrorOf,
  statementKind,
  type SqlStatement,
} from '../../../src/common/local-sql.ts';
import { CATALOG_SQL, catalogChange, outcomeMessage, type CatalogEntry } from '../../../src/common/local-outcomes.ts';
import { quoteIdentifier } from '../../../src/common/sql-identifiers.ts';
import type { WasmConnection } from './wasm-connection.ts';

export interface KeptShape {
  readonly columns: LocalColumn[];
  readonly rowCount: number;
}

export interface WasmRunOutcome {
  readonly statement: string;
  readonly message: string;
  readonly kept: KeptShape | null;
}

interface WasmRunContext {
  readonly connection: WasmConnection;
  readonly sql: string;
  readonly signal?: AbortSignal;
  readonly resultTable: string;
  readonly outOfMemoryAdvice: (message: string) => string | null;
}

const CATALOG_KINDS = new Set(['CREATE', 'DROP', 'ALTER']);
const CHANGED_ROWS_KINDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE_INTO']);
/** Row-returning statements that CREATE TABLE … AS cannot take: their Arrow result is kept instead. */
const KEPT_FROM_ARROW = new Set(['EXPLAIN', 'CALL']);

function rowsOf<T>(table: Table): T[] {
  return table.toArray().map((row: { toJSON(): T }) => row.toJSON());
}

async function statementRun(context: WasmRunContext, options: { statement: SqlStatement; text?: string }): Promise<Table> {
  const text = options.text ?? options.statement.text;
  try {
    return await context.connection.query(text, context.signal);
  } catch (err) {
    if (err instanceof EnclaveError) throw err;
    if (context.signal?.aborted || isInterruption(err)) throw queryCancelled();
    throw sqlErrorOf(err, {
      sql: context.sql,
      text,
      offset: options.statement.start,
      prefix: text.indexOf(options.statement.text),
      advice: context.outOfMemoryAdvice,
    });
  }
}

async function keptShape(context: WasmRunContext, rowCount?: number): Promise<KeptShape> {
  const columns = rowsOf<LocalColumn>(await context.connection.query(resultColumnsQuery(context.resultTable)));
  if (rowCount !== undefined) return { columns, rowCount };
  const counted = await context.connection.query(`SELECT count(*) FROM ${resultTable(context.resultTable)}`);
  return { columns, rowCount: Number(counted.getChildAt(0)?.get(0) ?? 0) };
}

/** Keeps an Arrow result (EXPLAIN, CALL) as a temporary table: inserted under a staging name, copied, dropped. */
async function keepArrow(context: WasmRunContext, table: Table): Promise<void> {
  const staging = `${context.resultTable}_staging`;
  await context.connection.insertArrow(tableToIPC(table, 'stream'), { table: staging, create: true });
  await context.connection.query(`CREATE TEMP TABLE ${resultTable(context.resultTable)} AS FROM main.${quoteIdentifier(staging)}`);
  await context.connection.query(`DROP TABLE main.${quoteIdentifier(staging)}`);
}

async function changedCatalogue(context: WasmRunContext, statement: SqlStatement, kind: string): Promise<string> {
  const before = rowsOf<CatalogEntry>(await context.connection.query(CATALOG_SQL));
  await statementRun(context, { statement });
  const after = rowsOf<CatalogEntry>(await context.connection.query(CATALOG_SQL));
  const change = catalogChange(before, after);
  const tableRows = new Map<string, number>();
  for (const entry of change.created.filter((made) => made.kind === 'table')) {
    const name = [entry.database, entry.schema, entry.name].map(quoteIdentifier).join('.');
    tableRows.set(entry.oid, Number((await context.connection.query(`SELECT count(*) FROM ${name}`)).getChildAt(0)?.get(0) ?? 0));
  }
  const home = String((await context.connection.query('SELECT current_database()')).getChildAt(0)?.get(0) ?? '');
  return outcomeMessage({ statement, kind, change, homeDatabase: home, changedRows: null, tableRows });
}

async function runLast(context: WasmRunContext, statement: SqlStatement): Promise<WasmRunOutcome> {
  const kind = statementKind(statement);
  const keep = kind === 'SELECT' ? keepAsTable(statement, resultTable(context.resultTable)) : null;
  if (keep !== null) {
    // DuckDB answers CREATE TABLE … AS with the row count.
    const made = await statementRun(context, { statement, text: keep });
    const kept = await keptShape(context, Number(made.getChildAt(0)?.get(0) ?? 0));
    return { statement: kind, message: shapeMessage(kept.rowCount, kept.columns.length), kept };
  }
  if (CATALOG_KINDS.has(kind)) return { statement: kind, message: await changedCatalogue(context, statement, kind), kept: null };
  const answer = await statementRun(context, { statement });
  if (!KEPT_FROM_ARROW.has(kind)) {
    // DuckDB-wasm answers a changing statement with one "Count" row.
    const changedRows = CHANGED_ROWS_KINDS.has(kind) ? Number(answer.getChildAt(0)?.get(0) ?? 0) : null;
    const message = outcomeMessage({
      statement,
      kind,
      change: { created: [], dropped: [] },
      homeDatabase: '',
      changedRows,
      tableRows: new Map(),
    });
    return { statement: kind, message, kept: null };
  }
  await keepArrow(context, answer);
  const kept = await keptShape(context);
  return { statement: kind, message: shapeMessage(kept.rowCount, kept.columns.length), kept };
}

/**
 * Runs the analyst's SQL on the analyst's connection (which nothing else may use meanwhile) and keeps the last
 * statement's rows in `resultTable`. The signal cancels the running statement; a cancelled or failed run of
 * several statements changes nothing.
 */
export async function runInWasm(context: WasmRunContext): Promise<WasmRunOutcome> {
  const { connection, signal } = context;
  const statements = splitStatements(context.sql);
  if (statements.length === 0) throw sqlError({ message: 'There is no SQL to run.', position: null });
  for (const statement of statements) {
    const why = refusalOf(statement);
    if (why !== null) throw refusedStatement(statement, why);
  }
  if (signal?.aborted) throw queryCancelled();
  let inTransaction = false;
  // One transaction for several statements, or for keeping an Arrow result (insert, copy, drop) as one step.
  const needsTransaction =
    (statements.length > 1 && !statements.some((statement) => statementKind(statement) === 'TRANSACTION')) ||
    (statements.length === 1 && KEPT_FROM_ARROW.has(statementKind(statements[0])));
  if (needsTransaction) {
    // Inside the analyst's own open transaction BEGIN fails, and theirs decides instead.
    inTransaction = await connection.query('BEGIN TRANSACTION').then(
      () => true,
      () => false,
    );
  }
  try {
    let outcome: WasmRunOutcome | null = null;
    for (const [i, statement] of statements.entries()) {
      if (signal?.aborted) throw queryCancelled();
      if (i < statements.length - 1) await statementRun(context, { statement });
      else outcome = await runLast(context, statement);
    }
    if (signal?.aborted) throw queryCancelled();
    if (inTransaction) await connection.query('COMMIT');
    if (outcome === null) throw new EnclaveError('internal', 'Local DuckDB ran no statement.');
    return outcome;
  } catch (err) {
    if (inTransaction) await bestEffort(connection.query('ROLLBACK'));
    await bestEffort(connection.query(`DROP TABLE IF EXISTS ${resultTable(context.resultTable)}`));
    if (err instanceof EnclaveError) throw err;
    if (signal?.aborted || isInterruption(err)) throw queryCancelled();
    throw sqlErrorOf(err, { sql: context.sql, advice: context.outOfMemoryAdvice });
  }
}
