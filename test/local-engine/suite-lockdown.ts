// The suite's lockdown attacks (SATRE 3.1.12, preventing unauthorised egress): the analyst's SQL cannot write a
// file (COPY … TO, EXPORT), read one (read_csv('/etc/passwd'), glob), open another database (ATTACH), install or
// load an extension, or change a setting (SET, RESET, USE, PRAGMA); nor by the side doors (EXPLAIN ANALYZE,
// PREPARE, a comment first, a second statement). Each is refused, nothing runs, and nothing is written outside the
// engine's own folder.
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf } from '../support/error-of.ts';
import { listTree } from './support/data.ts';
import { usingEngines, type LocalEngineRunner } from './suite.ts';

export function lockdownTests(runner: LocalEngineRunner): void {
  const open = usingEngines(runner);
  let outside: string;

  beforeAll(async () => {
    outside = await mkdtemp(path.join(os.tmpdir(), 'enclave-outside-'));
  });
  afterAll(async () => {
    await rm(outside, { recursive: true, force: true });
  });

  describe('lockdown (SATRE 3.1.12)', () => {
    it('refuses every way out, runs nothing of a refused script, and writes nothing outside its folder', async () => {
      const engine = await open();
      const folder = runner.folderOf(engine);
      const before = folder === null ? [] : await listTree(folder);
      const target = (name: string): string => path.join(outside, name);
      const inside = folder === null ? target('inside.csv') : path.join(folder, 'incoming', 'inside.csv');
      const refusedBeforeDuckDb: string[] = [
        `COPY (SELECT 42 AS secret) TO '${target('copy.csv')}'`,
        `COPY (SELECT 42 AS secret) TO '${inside}'`,
        `copy (select 1) to '${target('lower.csv')}' (format csv)`,
        `/* looks harmless */ -- really\n COPY (SELECT 1) TO '${target('commented.csv')}'`,
        `EXPORT DATABASE '${target('export')}'`,
        `IMPORT DATABASE '${outside}'`,
        `ATTACH '${target('other.duckdb')}' AS other`,
        `ATTACH ':memory:' AS scratch`,
        'DETACH DATABASE scratch',
        'INSTALL httpfs',
        'FORCE INSTALL httpfs',
        'LOAD httpfs',
        'UPDATE EXTENSIONS',
        'SET threads = 1',
        'SET enable_external_access = true',
        'RESET lock_configuration',
        "SET search_path = 'temp'",
        'USE temp',
        'PRAGMA enable_profiling',
        'PRAGMA threads = 1',
        "SET VARIABLE x = 'y'",
        `EXPLAIN ANALYZE COPY (SELECT 1) TO '${target('explained.csv')}'`,
        `EXPLAIN (ANALYZE) SELECT 1`,
        `PREPARE sneaky AS COPY (SELECT 1) TO '${target('prepared.csv')}'`,
        'EXECUTE sneaky',
        "CREATE SECRET s (TYPE s3, KEY_ID 'a', SECRET 'b')",
        `CREATE TABLE canary AS SELECT 1 AS x; COPY canary TO '${target('second.csv')}'`,
        // A lone \r ends a line comment for DuckDB: the statement after it is a statement, and is checked as one.
        `SELECT 1 AS x --\r; COPY (SELECT 42 AS secret) TO '${inside}'`,
        `SELECT 1 AS x --\r; ATTACH ':memory:' AS cr`,
        `SELECT 1 AS x --\r; SET search_path = 'temp'`,
        // EXPLAIN ANALYZE runs what it explains, however its options are written.
        `EXPLAIN (FORMAT 'json', ANALYZE) COPY (SELECT 42 AS secret) TO '${inside}'`,
        `EXPLAIN ("analyze") COPY (SELECT 42 AS secret) TO '${inside}'`,
        `EXPLAIN /* options */ (analyse) SELECT 1`,
        "EXPLAIN (FORMAT 'text', ANALYZE) SET search_path = 'temp'",
        // Table functions that change the engine past its locked configuration, or run SQL out of sight.
        'CALL enable_logging()',
        "CALL enable_logging(storage = 'file', storage_path = '/nonexistent/x')",
        'SELECT * FROM enable_logging()',
        'FROM "Enable_Logging"()',
        'FROM system.main.enable_logging /* a comment */ ()',
        'CALL enable_profiling()',
        'FROM disable_profiling()',
        'CALL enable_peg_parser()',
        'FROM truncate_duckdb_logs()',
        "SELECT * FROM query('SELECT 1')",
        "FROM query('FROM enable_' || 'logging()')",
        "FROM query_table('canary')",
        "SELECT * FROM json_execute_serialized_sql('{}')",
        'SELECT * FROM arrow_scan(0, 0, 0)',
      ];
      for (const sql of refusedBeforeDuckDb) {
        const refused = await errorOf(engine.run({ sql }));
        expect(refused.code, sql).toBe('forbidden');
        expect(refused.message, sql).toMatch(/^Local DuckDB in Enclave /);
      }
      // The refused script's first statement never ran.
      expect(await engine.tables()).toEqual([]);
      // What passes the first wall meets the engine's locked configuration. (DuckDB still reads its own database
      // file, the analyst's own tables; nothing beside it.)
      await writeFile(target('secret.txt'), 'another project’s secret\n');
      const neighbour = folder === null ? target('secret.txt') : path.join(path.dirname(folder), 'neighbour.txt');
      await writeFile(neighbour, 'next door\n');
      const refusedByDuckDb = [
        "SELECT * FROM read_csv('/etc/passwd')",
        `SELECT * FROM read_text('${target('secret.txt')}')`,
        `SELECT * FROM read_text('${folder === null ? neighbour : path.join(folder, 'incoming', '..', '..', 'neighbour.txt')}')`,
        "SELECT * FROM glob('/*')",
        `SELECT * FROM read_csv('${target('*.csv')}')`,
      ];
      for (const sql of refusedByDuckDb) {
        const refused = await errorOf(engine.run({ sql }));
        expect(refused.code, sql).toBe('invalid_input');
        expect(refused.message, sql).toMatch(/disabled (by|through) configuration/);
      }
      expect(await listTree(outside)).toEqual(['secret.txt']);
      if (folder !== null) expect(await listTree(folder)).toEqual(before);
      await expect(stat(inside)).rejects.toThrow(/ENOENT/);
      await rm(target('secret.txt'));
      // And the engine is unharmed.
      expect((await engine.run({ sql: 'SELECT 1 AS still_here' })).message).toBe('1 row, 1 column');
      expect(await engine.tables()).toEqual([]);
    });

    it('refuses no more than it must: a table named secret, a column named query, EXPLAIN without ANALYZE', async () => {
      const engine = await open();

      expect((await engine.run({ sql: 'CREATE TABLE secret AS SELECT 1 AS query' })).message).toBe('Created secret (1 row)');
      expect((await engine.run({ sql: 'SELECT query, "query" FROM secret -- query(' })).message).toBe('1 row, 2 columns');
      expect((await engine.run({ sql: "SELECT 'enable_logging()' AS said" })).message).toBe('1 row, 1 column');
      expect((await engine.run({ sql: 'EXPLAIN SELECT * FROM secret' })).statement).toBe('EXPLAIN');
    });
  });
}
