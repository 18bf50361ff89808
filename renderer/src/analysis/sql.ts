// Pure SQL helpers for the local engine: names, subqueries, and turning engine errors into readable messages.
// Quoting is shared with the platform's engine (src/common/sql-identifiers.ts); reading DuckDB's errors with the core's
// engine (src/common/local-sql.ts).
import { unwrapJson } from '../../../src/common/local-sql.ts';

/** The local table a dataset's sample loads into (never the dataset's own name, so nobody mistakes it for all rows). */
export function sampleTableName(datasetId: string): string {
  return `${datasetId}_sample`;
}

/** Drops trailing semicolons and whitespace, so a statement can be wrapped as a subquery. */
export function stripTrailingSemicolons(sql: string): string {
  return sql.replace(/[\s;]+$/u, '');
}

/**
 * Wraps one SELECT as a subquery. Returns null when the text plainly is not one statement (an inner semicolon
 * outside quotes), so callers can say so instead of sending DuckDB something it would reject confusingly.
 */
export function asSubquery(sql: string): string | null {
  const body = stripTrailingSemicolons(sql).trim();
  if (body.length === 0 || hasStatementSeparator(body)) return null;
  return `(${body}\n)`;
}

function hasStatementSeparator(sql: string): boolean {
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i += 1) {
    const ch = sql[i];
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      if (end === -1) return false;
      i = end;
    } else if (ch === ';') {
      return true;
    }
  }
  return false;
}

const OUT_OF_MEMORY_ADVICE =
  'Local DuckDB ran out of memory (this window can use about 3 GB and cannot spill to disk). ' +
  'Aggregate in SQL (GROUP BY), select fewer columns, or load a smaller sample.';

/**
 * A message a person can read from whatever the engine threw: DuckDB's own text (it is about the analyst's own
 * local data, so nothing secret), without stack traces, and with advice for out-of-memory.
 */
export function describeEngineError(err: unknown): string {
  let message = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  message = unwrapJson(message);
  if (/out of memory/i.test(message) || err instanceof RangeError) return OUT_OF_MEMORY_ADVICE;
  // DuckDB's advice to install or auto-load an extension cannot work here: say what is true instead.
  if (/exists in the \w+ extension/i.test(message)) {
    return `${message.split('\n')[0]} Extensions cannot be installed or loaded in Enclave's local DuckDB.`;
  }
  // Keep the first paragraph and the LINE pointer DuckDB adds; drop anything that looks like a JS stack.
  const lines = message.split('\n').filter((line) => !/^\s+at\s/.test(line));
  const text = lines.join('\n').trim();
  if (text.length === 0) return 'Local DuckDB could not run that. Check the SQL and try again.';
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}
