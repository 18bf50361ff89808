// Which SQL Ctrl+Enter and Ctrl+Shift+Enter run, and where an engine's error lands in the editor.
import { describe, expect, it } from 'vitest';
import { errorRange, runTarget, statementAt, statementsOf } from '../../../../renderer/src/analysis/statements.ts';

const texts = (sql: string): string[] => statementsOf(sql).map((s) => s.sql);

describe('splitting a text into statements', () => {
  it('splits at semicolons and trims the whitespace around each statement (the semicolon is not sent)', () => {
    expect(texts('SELECT 1;\n\n  SELECT 2 ;SELECT 3')).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3']);
  });

  it('keeps offsets that point into the original text', () => {
    const sql = 'SELECT 1;\n  SELECT 2';
    for (const statement of statementsOf(sql)) expect(sql.slice(statement.from, statement.to)).toBe(statement.sql);
  });

  it('does not split at semicolons inside strings, quoted names, comments or dollar-quoted bodies', () => {
    const sql = [
      "SELECT ';' AS a, 'it''s; here' AS b;",
      'SELECT "odd;name" FROM t;',
      'SELECT 1 -- a comment; still one\n + 1;',
      'SELECT /* one; /* nested; */ two; */ 3;',
      'CREATE MACRO m() AS $$ SELECT 1; $$;',
      'SELECT $tag$ ; $$ ; $tag$;',
      "SELECT E'\\'; still' AS s;",
    ].join('\n');
    expect(statementsOf(sql)).toHaveLength(7);
  });

  it('treats a piece holding only comments or semicolons as no statement', () => {
    expect(texts(';;  -- nothing\n /* here */ ;')).toEqual([]);
    expect(texts('SELECT 1; -- the end')).toEqual(['SELECT 1']);
  });

  it('runs to the end of an unterminated string or comment rather than splitting inside it', () => {
    expect(texts("SELECT 'open; SELECT 2")).toEqual(["SELECT 'open; SELECT 2"]);
    expect(texts('SELECT 1 /* open; SELECT 2')).toEqual(['SELECT 1 /* open; SELECT 2']);
  });

  it('does not take a parameter-like $1 for a dollar quote', () => {
    expect(texts('SELECT $1; SELECT 2')).toEqual(['SELECT $1', 'SELECT 2']);
  });
});

describe('the statement under the cursor', () => {
  const sql = 'SELECT 1;\n\nSELECT 2;\nSELECT 3';

  it('is the statement the cursor is in', () => {
    expect(statementAt(sql, sql.indexOf('2'))?.sql).toBe('SELECT 2');
    expect(statementAt(sql, sql.length)?.sql).toBe('SELECT 3');
  });

  it('is the statement before the cursor when the cursor is right after its semicolon or in the blank lines after it', () => {
    expect(statementAt(sql, sql.indexOf(';') + 1)?.sql).toBe('SELECT 1');
    expect(statementAt(sql, sql.indexOf('\n\n') + 1)?.sql).toBe('SELECT 1');
  });

  it('is the first statement when the cursor is before it, and none in an empty text', () => {
    expect(statementAt('   SELECT 1', 0)?.sql).toBe('SELECT 1');
    expect(statementAt('  \n ', 1)).toBeNull();
    expect(statementAt('-- only a comment', 3)).toBeNull();
  });
});

describe('what a run runs', () => {
  const doc = 'SELECT 1;\nSELECT 2;';

  it('runs the selection when there is one, trimmed, with its place in the text', () => {
    const target = runTarget({ doc, selection: { from: 9, to: doc.length }, scope: 'statement' });
    expect(target).toEqual({ from: 10, to: doc.length, sql: 'SELECT 2;' });
  });

  it('runs a selection made backwards the same way', () => {
    expect(runTarget({ doc, selection: { from: doc.length, to: 10 }, scope: 'statement' })?.sql).toBe('SELECT 2;');
  });

  it('runs the statement under the cursor without a selection, and everything for run all', () => {
    expect(runTarget({ doc, selection: { from: 3, to: 3 }, scope: 'statement' })?.sql).toBe('SELECT 1');
    expect(runTarget({ doc: `  ${doc}\n`, selection: { from: 3, to: 3 }, scope: 'all' })).toEqual({
      from: 2,
      to: doc.length + 2,
      sql: doc,
    });
  });

  it('runs nothing when the selection or the text holds no code', () => {
    expect(runTarget({ doc: 'SELECT 1; -- c', selection: { from: 10, to: 14 }, scope: 'statement' })).toBeNull();
    expect(runTarget({ doc: '  ', selection: { from: 0, to: 0 }, scope: 'all' })).toBeNull();
  });
});

describe("marking an engine's error in the editor", () => {
  const target = { from: 10, to: 40, sql: 'SELECT nhs_number FROM episodes' };

  it('marks the word at the position, shifted to where the statement is in the editor', () => {
    expect(errorRange(target, 7)).toEqual({ from: 17, to: 27 });
  });

  it('marks one character where there is no word, and the last character for an error at the very end', () => {
    expect(errorRange(target, 6)).toEqual({ from: 16, to: 17 });
    expect(errorRange(target, target.sql.length)).toEqual({ from: 10 + target.sql.length - 1, to: 10 + target.sql.length });
  });

  it('marks nothing without a position, or with one outside what ran', () => {
    expect(errorRange(target, undefined)).toBeNull();
    expect(errorRange(target, -1)).toBeNull();
    expect(errorRange(target, target.sql.length + 1)).toBeNull();
  });
});
