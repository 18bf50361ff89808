// The local-engine suite over the in-memory engine: the app's DuckDB-wasm engine logic (renderer/src/analysis/
// wasm-engine.ts) on DuckDB-wasm's blocking build in Node, behind the same connection interface the window's worker
// implements. What only the window has (the worker, its start-up and crash handling) is covered by the e2e journeys.
import { describe, expect, it } from 'vitest';
import { splitStatements } from '../../src/common/local-sql.ts';
import { createWasmLocalEngine } from '../../renderer/src/analysis/wasm-engine.ts';
import { freshWasmDatabase } from './support/blocking-wasm.ts';
import { localEngineSuite } from './suite.ts';

localEngineSuite({
  name: 'DuckDB-wasm',
  mode: 'memory',
  readsParquet: false,
  open: async () => createWasmLocalEngine({ database: await freshWasmDatabase() }),
  folderOf: () => null,
});

/** Where DuckDB's own tokenizer ends statements: at each ';' operator token. */
function duckDbBoundaries(tokens: { offsets: number[]; types: number[] }, sql: string): number[] {
  const OPERATOR = 3;
  return tokens.offsets.filter((offset, i) => tokens.types[i] === OPERATOR && sql[offset] === ';');
}

describe('statements are split where DuckDB’s own tokenizer splits them', () => {
  const CASES = [
    'SELECT 1; SELECT 2',
    "SELECT 'a;b' AS x; SELECT 'it''s; fine'",
    'SELECT "odd;name" FROM (SELECT 1 AS "odd;name");',
    'SELECT 1 -- a comment; with a semicolon\n; SELECT 2',
    'SELECT /* block; /* nested; */ still; */ 1; SELECT 2',
    'SELECT $$dollar; quoted$$, $tag$ more; $$ text $tag$; SELECT 3',
    "SELECT E'escaped\\'; still' AS e; SELECT 4",
    'SELECT $1; SELECT 5',
    'CREATE MACRO m(a) AS a + 1; SELECT m(1);\n\n-- trailing comment only',
    "SELECT [1, 2][1]; SELECT {'a': 1}",
    'SELECT 1 AS x --\r; SELECT 2',
    'SELECT 1 -- ends at a carriage return\r\n; SELECT 2; -- and \r at the end',
  ];
  it.each(CASES)('%s', async (sql) => {
    const database = await freshWasmDatabase();
    const ours = splitStatements(sql)
      .map((statement) => statement.start + statement.text.length)
      .filter((end) => sql[end] === ';');
    expect(ours).toEqual(duckDbBoundaries(database.tokenize(sql), sql));
  });
});
