// The shared SQL rules of both local engines (src/common/local-sql.ts), as pure functions: the first words and
// kind of a statement, what the first wall refuses, where DuckDB's pointer lands in the text, and the words a
// run reports.
import { describe, expect, it } from 'vitest';
import { pointedOffset, refusalOf, shapeMessage, splitStatements, sqlErrorOf, statementKind } from '../../src/common/local-sql.ts';
import { catalogChange, outcomeMessage, type CatalogEntry } from '../../src/common/local-outcomes.ts';

const one = (sql: string) => {
  const [statement] = splitStatements(sql);
  if (statement === undefined) throw new Error(`no statement in ${sql}`);
  return statement;
};

describe('statements', () => {
  it('reads a statement’s first words past comments and parentheses, and names its kind as DuckDB does', () => {
    expect(one('/* hi */ -- there\n  (SELECT 1)').parenthesised).toBe(true);
    expect(one('create or replace table t as select 1').words.slice(0, 4)).toEqual(['CREATE', 'OR', 'REPLACE', 'TABLE']);
    const kinds = Object.fromEntries(
      [
        'WITH x AS (SELECT 1) SELECT * FROM x',
        'FROM t',
        'DESCRIBE t',
        'PIVOT t ON a USING sum(b)',
        'INSERT INTO t VALUES (1)',
        'UPDATE t SET a = 1',
        'UPDATE EXTENSIONS',
        'FORCE CHECKPOINT',
        'FORCE INSTALL httpfs',
        'BEGIN',
        'USE memory',
        'IMPORT DATABASE x',
        'VACUUM',
        'FROBNICATE',
      ].map((sql) => [sql, statementKind(one(sql))]),
    );
    expect(kinds).toEqual({
      'WITH x AS (SELECT 1) SELECT * FROM x': 'SELECT',
      'FROM t': 'SELECT',
      'DESCRIBE t': 'SELECT',
      'PIVOT t ON a USING sum(b)': 'SELECT',
      'INSERT INTO t VALUES (1)': 'INSERT',
      'UPDATE t SET a = 1': 'UPDATE',
      'UPDATE EXTENSIONS': 'UPDATE_EXTENSIONS',
      'FORCE CHECKPOINT': 'CALL',
      'FORCE INSTALL httpfs': 'LOAD',
      BEGIN: 'TRANSACTION',
      'USE memory': 'SET',
      'IMPORT DATABASE x': 'COPY_DATABASE',
      VACUUM: 'VACUUM',
      FROBNICATE: 'UNKNOWN',
    });
  });

  it('lets the analyst’s ordinary work through the first wall', () => {
    for (const sql of [
      'SELECT * FROM t',
      'EXPLAIN SELECT 1',
      'CREATE TABLE copy_of_t AS SELECT * FROM t',
      "SELECT 'COPY x TO y' AS text",
      'SELECT "set" FROM t',
      'CHECKPOINT',
      'UPDATE t SET copy = 1',
    ]) {
      expect(refusalOf(one(sql)), sql).toBeNull();
    }
  });
});

describe('DuckDB’s pointer', () => {
  it('lands on the character it points at, on any line', () => {
    const sql = 'SELECT a,\n  nope\nFROM t';
    expect(pointedOffset('Binder Error: x\n\nLINE 2:   nope\n          ^', sql)).toBe(sql.indexOf('nope'));
  });

  it('lands right when DuckDB cut the line short with "..."', () => {
    const sql = `SELECT ${'x, '.repeat(40)}nope FROM t`;
    const excerpt = `...${sql.slice(60, 140)}...`;
    const caret = ' '.repeat('LINE 1: '.length + 3 + (sql.indexOf('nope') - 60));
    expect(pointedOffset(`Binder Error: x\n\nLINE 1: ${excerpt}\n${caret}^`, sql)).toBe(sql.indexOf('nope'));
  });

  it('is dropped, not guessed, when the excerpt is not in the text; the message then keeps DuckDB’s own pointer', () => {
    const error = sqlErrorOf(new Error('Parser Error: syntax error\n\nLINE 1: SELEC 1\n        ^'), { sql: 'something else entirely' });
    expect(error.position).toBeUndefined();
    expect(error.message).toBe('Parser Error: syntax error\n\nLINE 1: SELEC 1\n        ^');
  });

  it('is moved by the prefix the engine added and the statement’s place in the script', () => {
    const sql = 'SELECT 1;\nSELECT nope';
    const text = 'CREATE TEMP TABLE r AS \nSELECT nope';
    const error = sqlErrorOf(new Error('Binder Error: no nope\n\nLINE 2: SELECT nope\n               ^'), {
      sql,
      text,
      offset: 9,
      prefix: 'CREATE TEMP TABLE r AS '.length,
    });
    expect(error.position).toBe(sql.indexOf('nope'));
    expect(error.message).toBe('Binder Error: no nope (line 2, column 8)');
  });
});

describe('what a run says', () => {
  const entry = (kind: string, name: string, oid: string): CatalogEntry => ({
    kind,
    database: 'local',
    schema: 'main',
    name,
    oid,
  });

  it('counts in the analyst’s words', () => {
    expect(shapeMessage(1, 1)).toBe('1 row, 1 column');
    expect(shapeMessage(1_234_567, 12)).toBe('1,234,567 rows, 12 columns');
    expect(shapeMessage(0, 2)).toBe('0 rows, 2 columns');
  });

  it('names what a statement made, replaced, renamed or dropped', () => {
    const base = { statement: null, homeDatabase: 'local', changedRows: null };
    const made = catalogChange([], [entry('table', 'admissions', '7')]);
    expect(outcomeMessage({ ...base, kind: 'CREATE', change: made, tableRows: new Map([['7', 1204]]) })).toBe(
      'Created admissions (1,204 rows)',
    );
    const replaced = catalogChange([entry('table', 'a', '7')], [entry('table', 'a', '8')]);
    expect(outcomeMessage({ ...base, kind: 'CREATE', change: replaced, tableRows: new Map([['8', 1]]) })).toBe('Replaced a (1 row)');
    const renamed = catalogChange([entry('table', 'a', '7')], [entry('table', 'b', '7')]);
    expect(outcomeMessage({ ...base, kind: 'ALTER', change: renamed, tableRows: new Map() })).toBe('Renamed a to b');
    const dropped = catalogChange([entry('view', 'v', '3'), { ...entry('table', 'scratch', '4'), database: 'temp' }], []);
    expect(outcomeMessage({ ...base, kind: 'DROP', change: dropped, tableRows: new Map() })).toBe(
      'Dropped view v; Dropped temporary table scratch',
    );
    expect(outcomeMessage({ ...base, kind: 'INSERT', change: catalogChange([], []), changedRows: 1, tableRows: new Map() })).toBe(
      'Inserted 1 row',
    );
  });
});
