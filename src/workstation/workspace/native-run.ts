// Running the analyst's SQL in native DuckDB. Three walls stand before DuckDB runs a statement: its first words
// (src/common/local-sql.ts, the same check as DuckDB-wasm's), DuckDB's own statement type, and under both the
// engine's locked configuration. Several statements run as one transaction (all or nothing) unless the SQL
// manages transactions itself; the last statement's rows are kept in a temporary table for paging.
import { ResultReturnType, StatementType, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { bestEffort } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { LocalColumn } from '../../common/local-engine.ts';
import { resultColumnsQuery, resultTable } from '../../common/local-pages.ts';
import {
  isInterruption,
  keepAsTable,
  queryCancelled,
  refusalOf,
  refusalOfKind,
  refusedStatement,
  shapeMessage,
  splitStatements,
  sqlError,
  sqlErrorOf,
  statementKind,
  type SqlStatement,
} from '../../common/local-sql.ts';
import { CATALOG_SQL, catalogChange, outcomeMessage, type CatalogEntry } from '../../common/local-outcomes.ts';
import { quoteIdentifier } from '../../common/sql-identifiers.ts';
import { stickyCancel, type StickyCancel } from './sticky-cancel.ts';

export interface RunOutcome {
  readonly statement: string;
  readonly message: string;
  /** The kept result's shape; null when the last statement returned no rows. */
  readonly kept: { readonly columns: LocalColumn[]; readonly rowCount: number } | null;
}

interface RunContext {
  readonly connection: DuckDBConnection;
  readonly sql: string;
  /** The temporary table the last statement's rows are kept in. */
  readonly resultTable: string;
  readonly outOfMemoryAdvice: (message: string) => string | null;
}

/** A run under way: its cancel, and whether it opened a transaction of its own (then nothing is final before COMMIT). */
interface RunState extends RunContext {
  readonly cancel: StickyCancel;
  inTransaction: boolean;
}

/** Statements whose effect is on the catalogue: listed before and after, to say what they made or dropped. */
const CATALOG_KINDS = new Set(['CREATE', 'DROP', 'ALTER']);

async function rowsOf<T>(connection: DuckDBConnection, sql: string): Promise<T[]> {
  return (await connection.runAndReadAll(sql)).getRowObjectsJS() as T[];
}

async function keptShape(context: RunContext, rowCount?: number): Promise<{ columns: LocalColumn[]; rowCount: number }> {
  const columns = await rowsOf<LocalColumn>(context.connection, resultColumnsQuery(context.resultTable));
  if (rowCount !== undefined) return { columns, rowCount };
  const counted = await context.connection.runAndReadAll(`SELECT count(*) FROM ${resultTable(context.resultTable)}`);
  return { columns, rowCount: Number(counted.getRows()[0]?.[0] ?? 0) };
}

/** Keeps a query's rows with CREATE TEMP TABLE … AS (DuckDB fills it in parallel); DuckDB answers with the count. */
async function keepQuery(context: RunState, statement: SqlStatement, keep: string): Promise<RunOutcome> {
  let rowCount: number;
  try {
    // Prepared, not run as text: DuckDB prepares exactly one statement, so were the splitter ever to see one statement
    // where DuckDB sees two, the second would be refused here rather than run unchecked.
    const prepared = await context.connection.prepare(keep);
    try {
      const made = await prepared.run();
      rowCount = Number((await made.getRows())[0]?.[0] ?? 0);
    } finally {
      prepared.destroySync();
    }
  } catch (err) {
    if (context.cancel.requested || isInterruption(err)) throw queryCancelled();
    throw sqlErrorOf(err, {
      sql: context.sql,
      text: keep,
      offset: statement.start,
      prefix: keep.indexOf(statement.text),
      advice: context.outOfMemoryAdvice,
    });
  }
  context.cancel.check();
  const kept = await keptShape(context, rowCount);
  return { statement: 'SELECT', message: shapeMessage(kept.rowCount, kept.columns.length), kept };
}

/** Rows of any statement kept through the appender: EXPLAIN, CALL, and queries whose text DuckDB rewrote (PIVOT). */
async function keepRows(context: RunState, prepared: DuckDBPreparedStatement): Promise<boolean> {
  const result = await prepared.run();
  if (result.returnType !== ResultReturnType.QUERY_RESULT) return false;
  context.cancel.check();
  const names = result.deduplicatedColumnNames();
  const columns = result
    .columnTypes()
    .map((type, i) => `${quoteIdentifier(names[i])} ${type.toString()}`)
    .join(', ');
  await context.connection.run(`CREATE TEMP TABLE ${resultTable(context.resultTable)} (${columns})`);
  const appender = await context.connection.createAppender(context.resultTable, 'main', 'temp');
  try {
    for (let c = 0; c < result.chunkCount; c += 1) appender.appendDataChunk(result.getChunk(c));
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  return true;
}

/** The statement's effect is final once it has run outside a transaction of the run's own. */
function ranWithEffect(context: RunState): void {
  if (!context.inTransaction) context.cancel.passPointOfNoReturn();
}

async function changedCatalogue(
  context: RunState,
  step: { kind: string; statement: SqlStatement | null; prepared: DuckDBPreparedStatement },
): Promise<string> {
  const before = await rowsOf<CatalogEntry>(context.connection, CATALOG_SQL);
  context.cancel.check();
  const result = await step.prepared.run();
  ranWithEffect(context);
  const after = await rowsOf<CatalogEntry>(context.connection, CATALOG_SQL);
  const change = catalogChange(before, after);
  const tableRows = new Map<string, number>();
  for (const entry of change.created.filter((made) => made.kind === 'table')) {
    const name = [entry.database, entry.schema, entry.name].map(quoteIdentifier).join('.');
    tableRows.set(entry.oid, Number((await context.connection.runAndReadAll(`SELECT count(*) FROM ${name}`)).getRows()[0]?.[0] ?? 0));
  }
  const [home] = (await context.connection.runAndReadAll('SELECT current_database()')).getRows();
  return outcomeMessage({
    statement: step.statement,
    kind: step.kind,
    change,
    homeDatabase: String(home?.[0] ?? ''),
    changedRows: result.rowsChanged,
    tableRows,
  });
}

async function runLast(
  context: RunState,
  step: { kind: string; statement: SqlStatement | null; prepared: DuckDBPreparedStatement },
): Promise<RunOutcome> {
  const keep = step.kind === 'SELECT' && step.statement !== null ? keepAsTable(step.statement, resultTable(context.resultTable)) : null;
  if (keep !== null && step.statement !== null) return keepQuery(context, step.statement, keep);
  if (CATALOG_KINDS.has(step.kind)) {
    return { statement: step.kind, message: await changedCatalogue(context, step), kept: null };
  } else if (!(await keepRows(context, step.prepared))) {
    return {
      statement: step.kind,
      message: outcomeMessage({
        statement: step.statement,
        kind: step.kind,
        change: { created: [], dropped: [] },
        homeDatabase: '',
        changedRows: null,
        tableRows: new Map(),
      }),
      kept: null,
    };
  }
  const kept = await keptShape(context);
  return { statement: step.kind, message: shapeMessage(kept.rowCount, kept.columns.length), kept };
}

/** Changed-rows counts (INSERT, UPDATE, DELETE) need the statement run by itself; keepRows covers the rest. */
async function runLastCounted(
  context: RunState,
  step: { kind: string; statement: SqlStatement | null; prepared: DuckDBPreparedStatement },
): Promise<RunOutcome> {
  if (step.kind === 'INSERT' || step.kind === 'UPDATE' || step.kind === 'DELETE' || step.kind === 'MERGE_INTO') {
    const result = await step.prepared.run();
    ranWithEffect(context);
    const message = outcomeMessage({
      statement: step.statement,
      kind: step.kind,
      change: { created: [], dropped: [] },
      homeDatabase: '',
      changedRows: result.rowsChanged,
      tableRows: new Map(),
    });
    return { statement: step.kind, message, kept: null };
  }
  return runLast(context, step);
}

function checkedStatements(sql: string): SqlStatement[] {
  const statements = splitStatements(sql);
  if (statements.length === 0) throw sqlError({ message: 'There is no SQL to run.', position: null });
  for (const statement of statements) {
    const why = refusalOf(statement);
    if (why !== null) throw refusedStatement(statement, why);
  }
  return statements;
}

/** The statements, one by one, checking for a cancel before each step (DuckDB would forget an interrupt between them). */
async function runStatements(context: RunState, statements: SqlStatement[]): Promise<RunOutcome> {
  const { connection, sql, cancel } = context;
  // One query, by its first words: CREATE TABLE … AS takes nothing but a query, so DuckDB's statement type adds
  // nothing to check, and parsing and binding it twice would cost every run.
  const single = statements.length === 1 ? keepAsTable(statements[0], resultTable(context.resultTable)) : null;
  if (single !== null) return keepQuery(context, statements[0], single);
  const extracted = await connection.extractStatements(sql).catch((err: unknown) => {
    throw sqlErrorOf(err, { sql });
  });
  cancel.check();
  // DuckDB rewrites a few statements into several (PIVOT adds a CREATE TYPE): then the texts do not line up.
  const aligned = extracted.count === statements.length;
  if (extracted.count > 1 && !statements.some((statement) => statementKind(statement) === 'TRANSACTION')) {
    // Inside the analyst's own open transaction BEGIN fails, and theirs decides instead.
    context.inTransaction = await connection.run('BEGIN TRANSACTION').then(
      () => true,
      () => false,
    );
  }
  let outcome: RunOutcome | null = null;
  for (let i = 0; i < extracted.count; i += 1) {
    cancel.check();
    const last = i === extracted.count - 1;
    const statement = aligned ? statements[i] : last ? (statements.at(-1) ?? null) : null;
    // Native DuckDB points at a later statement's errors with the caret moved right by the statement's start.
    const shift = statement?.start ?? 0;
    const prepared = await extracted.prepare(i).catch((err: unknown) => {
      throw sqlErrorOf(err, { sql, shift, advice: context.outOfMemoryAdvice });
    });
    try {
      cancel.check();
      const kind = StatementType[prepared.statementType];
      const why = refusalOfKind(kind);
      if (why !== null) throw sqlError({ code: 'forbidden', message: why, position: statement?.start ?? null });
      if (!last) await prepared.run();
      else outcome = await runLastCounted(context, { kind, statement: aligned ? statement : null, prepared });
    } catch (err) {
      if (err instanceof EnclaveError || cancel.requested || isInterruption(err)) throw err;
      throw sqlErrorOf(err, { sql, shift, advice: context.outOfMemoryAdvice });
    } finally {
      prepared.destroySync();
    }
  }
  cancel.check();
  if (context.inTransaction) {
    await connection.run('COMMIT');
    cancel.passPointOfNoReturn();
  }
  if (outcome === null) throw new EnclaveError('internal', 'Local DuckDB ran no statement.');
  return outcome;
}

/**
 * Runs the analyst's SQL on the analyst's connection (which nothing else may use meanwhile) and keeps the last
 * statement's rows in `resultTable`. A cancel at any moment stops it (./sticky-cancel.ts); a cancelled or failed
 * run changes nothing, unless its one statement had already run to its end outside a transaction (then it
 * answers as it would have without the cancel).
 */
export async function runAnalystSql(context: RunContext & { signal?: AbortSignal }): Promise<RunOutcome> {
  const { connection, sql, signal } = context;
  const statements = checkedStatements(sql);
  const cancel = stickyCancel({ connection, signal, cancelled: queryCancelled });
  const state: RunState = { ...context, cancel, inTransaction: false };
  try {
    cancel.check();
    return await runStatements(state, statements);
  } catch (err) {
    // The cleanup must run to its end: no more interrupts (a stale one is cleared as ROLLBACK takes the connection).
    const cancelled = cancel.requested || isInterruption(err);
    cancel.stop();
    if (state.inTransaction) await bestEffort(connection.run('ROLLBACK'));
    await bestEffort(connection.run(`DROP TABLE IF EXISTS ${resultTable(context.resultTable)}`));
    if (cancelled) throw queryCancelled();
    if (err instanceof EnclaveError) throw err;
    throw sqlErrorOf(err, { sql, advice: context.outOfMemoryAdvice });
  } finally {
    cancel.stop();
  }
}
