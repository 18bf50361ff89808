// The analyst's SQL as both local engines see it (native DuckDB in the workstation core, DuckDB-wasm in the
// renderer): the text split into statements, each statement's kind, what the lockdown refuses before DuckDB sees
// it, a kept result's shape in words, and the place in the text an error points at (what other statements did is
// in ./local-outcomes.ts). Written once so both engines refuse, name and report alike; the engines add what only
// they know (native DuckDB's own statement types).
import { EnclaveError } from './errors.ts';

export interface SqlStatement {
  /** The statement's text, without its closing semicolon. */
  readonly text: string;
  /** Where the text starts in the whole SQL (a character offset). */
  readonly start: number;
  /** Its first words, upper-cased, past comments and punctuation: ['CREATE', 'OR', 'REPLACE', 'TABLE', 'x']. */
  readonly words: readonly string[];
  /** It opens with a parenthesis: a parenthesised query. */
  readonly parenthesised: boolean;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/u;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/u;

/** The end of a quoted run starting at `at` (the opening quote); a doubled quote is a quote inside it. */
function skipQuoted(sql: string, at: number, options: { quote: string; backslash: boolean }): number {
  for (let i = at + 1; i < sql.length; i += 1) {
    if (options.backslash && sql[i] === '\\') i += 1;
    else if (sql[i] === options.quote) {
      if (sql[i + 1] === options.quote) i += 1;
      else return i + 1;
    }
  }
  return sql.length;
}

/** Block comments nest, as in the PostgreSQL scanner DuckDB's parser comes from. */
function skipBlockComment(sql: string, at: number): number {
  let depth = 0;
  for (let i = at; i < sql.length; i += 1) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth += 1;
      i += 1;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth -= 1;
      i += 1;
      if (depth === 0) return i + 1;
    }
  }
  return sql.length;
}

/** `$tag$` or `$$` opening a dollar-quoted string at `at`, or null (`$1` is a parameter, not a quote). */
function dollarTag(sql: string, at: number): string | null {
  if (at > 0 && WORD_PART.test(sql[at - 1])) return null;
  const match = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/u.exec(sql.slice(at, at + 66));
  return match ? match[0] : null;
}

/** Where the code token at `at` ends, when it is a comment or a quoted run; `at` itself otherwise. */
function skipNonCode(sql: string, at: number): number {
  const ch = sql[at];
  if (ch === '-' && sql[at + 1] === '-') {
    // DuckDB's scanner ends a line comment at \n or \r: a lone \r must end it here too, or a statement after it
    // would hide inside what this code takes for a comment.
    const match = /[\n\r]/u.exec(sql.slice(at));
    return match === null ? sql.length : at + match.index + 1;
  }
  if (ch === '/' && sql[at + 1] === '*') return skipBlockComment(sql, at);
  if (ch === '"') return skipQuoted(sql, at, { quote: '"', backslash: false });
  if (ch === "'") {
    // E'…' strings take backslash escapes; plain strings do not (standard-conforming, as in DuckDB).
    const escaped = at > 0 && /[eE]/u.test(sql[at - 1]) && (at < 2 || !WORD_PART.test(sql[at - 2]));
    return skipQuoted(sql, at, { quote: "'", backslash: escaped });
  }
  if (ch === '$') {
    const tag = dollarTag(sql, at);
    if (tag !== null) {
      const end = sql.indexOf(tag, at + tag.length);
      return end === -1 ? sql.length : end + tag.length;
    }
  }
  return at;
}

function isComment(sql: string, at: number): boolean {
  return (sql[at] === '-' && sql[at + 1] === '-') || (sql[at] === '/' && sql[at + 1] === '*');
}

/** The first words of a statement, skipping whitespace, comments and the punctuation `( ) ,`. */
function leadingWords(text: string): { words: string[]; parenthesised: boolean } {
  const words: string[] = [];
  let parenthesised: boolean | null = null;
  let i = 0;
  while (i < text.length && words.length < 8) {
    const ch = text[i];
    if (/\s/u.test(ch) || ch === ',' || ch === ')') i += 1;
    else if (ch === '(') {
      parenthesised ??= true;
      i += 1;
    } else if (isComment(text, i)) i = skipNonCode(text, i);
    else if (WORD_START.test(ch)) {
      let end = i + 1;
      while (end < text.length && WORD_PART.test(text[end])) end += 1;
      words.push(text.slice(i, end).toUpperCase());
      parenthesised ??= false;
      i = end;
    } else break;
  }
  return { words, parenthesised: parenthesised ?? false };
}

function hasCode(text: string): boolean {
  for (let i = 0; i < text.length;) {
    if (/\s/u.test(text[i])) i += 1;
    else if (isComment(text, i)) i = skipNonCode(text, i);
    else return true;
  }
  return false;
}

/**
 * Splits SQL into its statements at the semicolons outside strings, quoted names, dollar quotes and comments (the
 * lexical rules of DuckDB's scanner; test/local-engine checks the boundaries against DuckDB's own tokenizer).
 * Statements with nothing but comments and whitespace are left out.
 */
export function splitStatements(sql: string): SqlStatement[] {
  const statements: SqlStatement[] = [];
  let start = 0;
  const close = (end: number): void => {
    const text = sql.slice(start, end);
    if (hasCode(text)) statements.push({ text, start, ...leadingWords(text) });
  };
  for (let i = 0; i < sql.length;) {
    const next = skipNonCode(sql, i);
    if (next !== i) {
      i = next;
      continue;
    }
    if (sql[i] === ';') {
      close(i);
      start = i + 1;
    }
    i += 1;
  }
  close(sql.length);
  return statements;
}

const QUERY_WORDS = new Set(['SELECT', 'WITH', 'FROM', 'VALUES', 'TABLE', 'PIVOT', 'PIVOT_WIDER', 'UNPIVOT', 'PIVOT_LONGER']);
/** Row-returning statements that CREATE TABLE … AS cannot take directly, but FROM (…) can. */
const SHOW_WORDS = new Set(['DESCRIBE', 'DESC', 'SHOW', 'SUMMARIZE']);

const KIND_BY_FIRST_WORD: Readonly<Record<string, string>> = {
  INSERT: 'INSERT',
  UPDATE: 'UPDATE',
  DELETE: 'DELETE',
  TRUNCATE: 'DELETE',
  MERGE: 'MERGE_INTO',
  CREATE: 'CREATE',
  DROP: 'DROP',
  DEALLOCATE: 'DROP',
  ALTER: 'ALTER',
  COMMENT: 'ALTER',
  BEGIN: 'TRANSACTION',
  START: 'TRANSACTION',
  COMMIT: 'TRANSACTION',
  END: 'TRANSACTION',
  ROLLBACK: 'TRANSACTION',
  ABORT: 'TRANSACTION',
  EXPLAIN: 'EXPLAIN',
  CALL: 'CALL',
  CHECKPOINT: 'CALL',
  PRAGMA: 'PRAGMA',
  SET: 'SET',
  RESET: 'SET',
  USE: 'SET',
  ATTACH: 'ATTACH',
  DETACH: 'DETACH',
  COPY: 'COPY',
  EXPORT: 'EXPORT',
  IMPORT: 'COPY_DATABASE',
  INSTALL: 'LOAD',
  LOAD: 'LOAD',
  VACUUM: 'VACUUM',
  ANALYZE: 'VACUUM',
  PREPARE: 'PREPARE',
  EXECUTE: 'EXECUTE',
};

/**
 * DuckDB's statement type for a statement, from its first words: what native DuckDB reports for it. DuckDB-wasm
 * has no statement type in its API, so the wasm engine reads it here; the native engine asks DuckDB.
 */
export function statementKind(statement: Pick<SqlStatement, 'words' | 'parenthesised'>): string {
  const [first = '', second = ''] = statement.words;
  if (statement.parenthesised || QUERY_WORDS.has(first) || SHOW_WORDS.has(first)) return 'SELECT';
  if (first === 'UPDATE' && second === 'EXTENSIONS') return 'UPDATE_EXTENSIONS';
  if (first === 'FORCE') return second === 'CHECKPOINT' ? 'CALL' : 'LOAD';
  return KIND_BY_FIRST_WORD[first] ?? 'UNKNOWN';
}

/** Whether a statement is a query whose rows CREATE TABLE … AS can keep, and how to write that. */
export function keepAsTable(statement: SqlStatement, table: string): string | null {
  const [first = ''] = statement.words;
  // A newline before the closing parenthesis, so a trailing line comment cannot swallow it.
  if (SHOW_WORDS.has(first)) return `CREATE TEMP TABLE ${table} AS FROM (\n${statement.text}\n)`;
  if (statement.parenthesised || QUERY_WORDS.has(first)) return `CREATE TEMP TABLE ${table} AS ${statement.text}`;
  return null;
}

const FILES_REFUSED =
  'reads and writes no files from SQL (COPY, EXPORT, IMPORT): tables arrive through the catalogue, and results leave only through an output request';
const REFUSALS: ReadonlyArray<{ kinds: readonly string[]; why: string }> = [
  { kinds: ['COPY', 'EXPORT', 'COPY_DATABASE'], why: FILES_REFUSED },
  { kinds: ['ATTACH', 'DETACH'], why: 'opens no other database (ATTACH, DETACH): each project’s local tables live in their own' },
  { kinds: ['LOAD', 'EXTENSION', 'UPDATE_EXTENSIONS'], why: 'installs and loads no extensions' },
  { kinds: ['SET', 'VARIABLE_SET', 'PRAGMA'], why: 'has fixed settings (SET, RESET, USE and PRAGMA are not run)' },
  { kinds: ['PREPARE', 'EXECUTE'], why: 'runs no prepared statements (PREPARE, EXECUTE): run the SQL itself' },
];

function refusalText(why: string): string {
  return `Local DuckDB in Enclave ${why}.`;
}

/**
 * Why the lockdown refuses a statement of this DuckDB statement type, or null. Native DuckDB's own statement type
 * is checked too (a second wall behind the first words), and behind both the engine's configuration is locked.
 */
export function refusalOfKind(kind: string): string | null {
  const refusal = REFUSALS.find((entry) => entry.kinds.includes(kind));
  return refusal ? refusalText(refusal.why) : null;
}

/**
 * Table functions no analyst SQL may call, in any spelling (quoted, schema-qualified): those that change the engine's
 * state past its locked configuration (logging, profiling, the parser: lock_configuration does not cover them, and a
 * failed logging change left DuckDB unusable and then aborted the process at close), those that run SQL held in a
 * string (so every check here would be blind to it), and those that read memory by address.
 */
export const REFUSED_FUNCTIONS: ReadonlySet<string> = new Set([
  'enable_logging',
  'disable_logging',
  'truncate_duckdb_logs',
  'enable_profiling',
  'disable_profiling',
  'enable_peg_parser',
  'disable_peg_parser',
  'check_peg_parser',
  'query',
  'query_table',
  'json_execute_serialized_sql',
  'arrow_scan',
  'arrow_scan_dumb',
]);

/** The names called in a statement (a name, plain or quoted, followed by `(`), lower-cased, comments and strings skipped. */
export function calledNames(text: string): string[] {
  const names: string[] = [];
  let last: string | null = null;
  for (let i = 0; i < text.length;) {
    const ch = text[i];
    if (/\s/u.test(ch) || isComment(text, i)) {
      // Whitespace and comments between a name and its parenthesis keep it a call.
      i = isComment(text, i) ? skipNonCode(text, i) : i + 1;
      continue;
    }
    if (ch === '"') {
      const end = skipQuoted(text, i, { quote: '"', backslash: false });
      last = text
        .slice(i + 1, end - 1)
        .replaceAll('""', '"')
        .toLowerCase();
      i = end;
      continue;
    }
    const next = skipNonCode(text, i);
    if (next !== i) {
      last = null;
      i = next;
      continue;
    }
    if (WORD_START.test(ch)) {
      let end = i + 1;
      while (end < text.length && WORD_PART.test(text[end])) end += 1;
      last = text.slice(i, end).toLowerCase();
      i = end;
      continue;
    }
    if (ch === '(' && last !== null) names.push(last);
    last = null;
    i += 1;
  }
  return names;
}

/** What EXPLAIN's parenthesised options say, when it has them: only plain words (FORMAT json) may be there. */
function explainOptions(text: string): { plain: boolean; words: string[] } | null {
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && (/\s/u.test(text[i]) || isComment(text, i))) i = isComment(text, i) ? skipNonCode(text, i) : i + 1;
  };
  skipSpace();
  if (!/^explain/iu.test(text.slice(i))) return null;
  i += 'explain'.length;
  skipSpace();
  if (text[i] !== '(') return null;
  const words: string[] = [];
  for (i += 1; i < text.length && text[i] !== ')';) {
    if (/[\s,]/u.test(text[i]) || isComment(text, i)) i = isComment(text, i) ? skipNonCode(text, i) : i + 1;
    else if (WORD_START.test(text[i])) {
      let end = i + 1;
      while (end < text.length && WORD_PART.test(text[end])) end += 1;
      words.push(text.slice(i, end).toUpperCase());
      i = end;
    } else return { plain: false, words };
  }
  return { plain: true, words };
}

const EXPLAIN_ANALYZE = 'does not run EXPLAIN ANALYZE (it runs the statement it explains); EXPLAIN shows the plan';

/** Whether the first words say CREATE [OR REPLACE] [PERSISTENT | TEMPORARY | TEMP] SECRET. */
function createsSecret(words: readonly string[]): boolean {
  if (words[0] !== 'CREATE') return false;
  const rest = words.slice(1).filter((word, i) => !(i < 4 && ['OR', 'REPLACE', 'PERSISTENT', 'TEMPORARY', 'TEMP'].includes(word)));
  return rest[0] === 'SECRET';
}

/** Why the lockdown refuses a statement, read from its words and the names it calls, or null when it may run. */
export function refusalOf(statement: SqlStatement): string | null {
  const words = statement.words;
  if (words[0] === 'EXPLAIN') {
    const options = explainOptions(statement.text);
    if (options !== null && !options.plain) {
      return refusalText('takes only plain words as EXPLAIN options, such as EXPLAIN (FORMAT json)');
    }
    const explained = options === null ? words.slice(1, 4) : options.words;
    if (explained.some((word) => word === 'ANALYZE' || word === 'ANALYSE')) return refusalText(EXPLAIN_ANALYZE);
  }
  if (createsSecret(words)) return refusalText('keeps no secrets (CREATE SECRET)');
  const refused = calledNames(statement.text).find((name) => REFUSED_FUNCTIONS.has(name));
  if (refused !== undefined) return refusalText(`does not run ${refused}(): it changes the engine or runs SQL out of sight`);
  return refusalOfKind(statementKind(statement));
}

/** The thrown form of a refusal: the statement's start is where the editor marks it. */
export function refusedStatement(statement: SqlStatement, why: string): EnclaveError {
  return sqlError({ code: 'forbidden', message: why, position: statement.start });
}

/** 1,204 — counts as the analyst reads them (UK thousands separators). */
export function formatCount(count: number): string {
  return count.toLocaleString('en-GB');
}

function plural(count: number, one: string, many: string): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

/** "1 row, 1 column", "1,204 rows, 3 columns". */
export function shapeMessage(rows: number, columns: number): string {
  return `${plural(rows, 'row', 'rows')}, ${plural(columns, 'column', 'columns')}`;
}

/** An error in the analyst's SQL, with the place it points at (a character offset) when known. */
export function sqlError(options: { code?: 'invalid_input' | 'forbidden'; message: string; position: number | null }): EnclaveError {
  return new EnclaveError(
    options.code ?? 'invalid_input',
    options.message,
    options.position === null ? {} : { position: options.position },
  );
}

/** DuckDB sometimes reports errors as JSON ({"exception_type","exception_message"}). */
export function unwrapJson(message: string): string {
  const trimmed = message.trim();
  if (!trimmed.startsWith('{')) return message;
  try {
    const parsed = JSON.parse(trimmed) as { exception_type?: unknown; exception_message?: unknown };
    if (typeof parsed.exception_message === 'string') {
      const type = typeof parsed.exception_type === 'string' ? `${parsed.exception_type} Error: ` : '';
      return type + parsed.exception_message;
    }
  } catch {
    // Not JSON after all: keep the text as it is.
  }
  return message;
}

const LINE_POINTER = /\n*LINE (\d+): ([^\n]*)\n( *)\^/u;

/**
 * The offset in `text` that DuckDB's "LINE n: <excerpt>" with its caret points at, or null. The excerpt may be
 * cut with "..." around the place; the caret counts from the start of the excerpt's line. `shift` is taken off the
 * caret: native DuckDB moves it right by the statement's start for the later statements of a script.
 */
export function pointedOffset(message: string, text: string, shift = 0): number | null {
  const match = LINE_POINTER.exec(message);
  if (!match) return null;
  const line = Number(match[1]);
  const excerpt = match[2];
  const caret = match[3].length - `LINE ${match[1]}: `.length;
  const lines = text.split('\n');
  if (line < 1 || line > lines.length || caret < 0) return null;
  const lineText = lines[line - 1];
  const lead = excerpt.startsWith('...') ? 3 : 0;
  const body = excerpt.slice(lead, excerpt.endsWith('...') ? -3 : undefined).trimEnd();
  const found = body.length === 0 ? 0 : lineText.indexOf(body);
  if (found === -1) return null;
  const column = found + caret - lead - shift;
  if (column < 0 || column > lineText.length) return null;
  const lineStart = lines.slice(0, line - 1).reduce((sum, each) => sum + each.length + 1, 0);
  return lineStart + column;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** DuckDB's message without the wrapping some APIs add (JSON, "Failed to extract statements: ", JS stack lines). */
export function engineMessage(err: unknown): string {
  return unwrapJson(err instanceof Error ? err.message : String(err))
    .replace(/^Failed to extract statements: /u, '')
    .split('\n')
    .filter((line) => !/^\s+at\s/u.test(line))
    .join('\n')
    .trim();
}

/**
 * The analyst's error from what DuckDB threw: DuckDB's own message (about the analyst's own SQL and tables, so
 * nothing secret). When DuckDB points at a place ("LINE n: …" and a caret), the place becomes an offset into `sql`
 * for the editor and "(line n, column m)" in the message; a pointer that cannot be placed stays as DuckDB wrote it.
 * `text` is what DuckDB was given: it sits at `offset` in `sql`, after `prefix` characters the engine added;
 * `shift` corrects native DuckDB's caret for a script's later statements (see pointedOffset).
 */
export function sqlErrorOf(
  err: unknown,
  where: { sql: string; text?: string; offset?: number; prefix?: number; shift?: number; advice?: (message: string) => string | null },
): EnclaveError {
  const message = engineMessage(err);
  const pointed = pointedOffset(message, where.text ?? where.sql, where.shift);
  const inSql = pointed === null ? null : pointed - (where.prefix ?? 0) + (where.offset ?? 0);
  const position = inSql !== null && inSql >= 0 && inSql <= where.sql.length ? inSql : null;
  const summary = message.split(/\n+LINE \d+: /u)[0].trim() || 'Local DuckDB could not run that. Check the SQL and try again.';
  const parts = [summary];
  if (position !== null) {
    const { line, column } = lineAndColumn(where.sql, position);
    parts[0] = `${summary} (line ${line}, column ${column})`;
  } else {
    // DuckDB-wasm repeats the pointer; one is enough.
    const pointer = LINE_POINTER.exec(message);
    if (pointer) parts.push(pointer[0].replace(/^\n+/u, ''));
  }
  const advice = where.advice?.(summary) ?? null;
  if (advice !== null) parts.push(advice);
  const shown = parts.join('\n\n');
  return sqlError({ message: shown.length > 2000 ? `${shown.slice(0, 2000)}…` : shown, position });
}

/** Whether an engine error is DuckDB reporting that a query was interrupted (cancelled). */
export function isInterruption(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /^(INTERRUPT Error|Interrupted)|query was (interrupted|cancell?ed)/imu.test(message);
}

export const queryCancelled = (): EnclaveError => new EnclaveError('cancelled', 'The query was cancelled.');
export const loadCancelled = (): EnclaveError => new EnclaveError('cancelled', 'The load was cancelled; nothing was changed.');
