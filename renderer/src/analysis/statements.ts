// Which SQL to run: the selection, the statement under the cursor, or everything. Statements are split as the
// engines split them (src/common/local-sql.ts: semicolons outside strings, quoted names, comments and dollar quotes).
// Pure, so it is tested without an editor; offsets are the editor's, so an error's position maps back.
import { splitStatements } from '../../../src/common/local-sql.ts';

/** A piece of the editor's text to run: `sql` is the text from `from` to `to`. */
export interface RunTarget {
  from: number;
  to: number;
  sql: string;
}

/** The text without the whitespace around it (comments stay: they are part of what the analyst wrote). */
function trimmed(sql: string, from: number, to: number): RunTarget {
  while (from < to && /\s/u.test(sql[from])) from += 1;
  while (to > from && /\s/u.test(sql[to - 1])) to -= 1;
  return { from, to, sql: sql.slice(from, to) };
}

/** Every statement with code in it, in order, by the engines' own splitting rule (src/common/local-sql.ts). */
export function statementsOf(sql: string): RunTarget[] {
  return splitStatements(sql).map((statement) => trimmed(sql, statement.start, statement.start + statement.text.length));
}

/**
 * The statement the cursor is in. A cursor in the blank space after a statement (or right after its semicolon)
 * means that statement, as in DBeaver and DataGrip; before the first statement, the first. Null when there is none.
 */
export function statementAt(sql: string, cursor: number): RunTarget | null {
  const statements = statementsOf(sql);
  if (statements.length === 0) return null;
  let chosen = statements[0];
  for (const statement of statements) {
    if (statement.from <= cursor) chosen = statement;
    else break;
  }
  return chosen;
}

/**
 * What Ctrl+Enter runs: the selection if there is one (with the whitespace around it trimmed), else the statement
 * under the cursor. What Ctrl+Shift+Enter runs: the whole text. Null when that holds no code.
 */
export function runTarget(request: { doc: string; selection: { from: number; to: number }; scope: 'statement' | 'all' }): RunTarget | null {
  const { doc, selection, scope } = request;
  if (scope === 'all') {
    if (statementsOf(doc).length === 0) return null;
    return trimmed(doc, 0, doc.length);
  }
  if (selection.from !== selection.to) {
    const from = Math.min(selection.from, selection.to);
    const to = Math.max(selection.from, selection.to);
    if (statementsOf(doc.slice(from, to)).length === 0) return null;
    return trimmed(doc, from, to);
  }
  return statementAt(doc, selection.from);
}

/**
 * Where an engine's error points in the editor: the word at the position it gives (an offset into the SQL that ran),
 * or the one character there. Null when the position falls outside what ran.
 */
export function errorRange(target: RunTarget, position: number | undefined): { from: number; to: number } | null {
  if (position === undefined || position < 0 || position > target.sql.length) return null;
  let end = position;
  while (end < target.sql.length && /[\p{L}\p{N}_]/u.test(target.sql[end])) end += 1;
  if (end === position) end = Math.min(position + 1, target.sql.length);
  // An error at the very end (a missing closing bracket) marks the last character, so there is something to see.
  const from = end === position ? Math.max(0, position - 1) : position;
  return { from: target.from + from, to: target.from + Math.max(end, from + 1) };
}
