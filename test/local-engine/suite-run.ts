// The suite's runs: queries kept for paging, statements reported in the analyst's words, several statements as
// one all-or-nothing step, DuckDB's errors with the place they point at, and cancel.
import { describe, expect, it } from 'vitest';
import type { LocalEngine } from '../../src/common/local-engine.ts';
import { errorOf } from '../support/error-of.ts';
import { admissions, chunked, ipc, readPage } from './support/data.ts';
import { usingEngines, type LocalEngineRunner } from './suite.ts';

async function withAdmissions(engine: LocalEngine, rows = 1_500): Promise<void> {
  await engine.load({ table: 'admissions', format: 'arrow', chunks: chunked(ipc(admissions(rows)), 8192), replace: false });
}

/** A query that would run for minutes: every statement's cancel is tested against one. */
const ENDLESS = 'SELECT sum(hash(i)) AS h FROM range(100000000000) AS t(i)';

/** Longer than any cancel may take: past it, the run is reported as not stopped (rather than the test timing out). */
const STUCK_MS = 5_000;

/**
 * Starts work with a signal, aborts it at once (null) or after `abortAfterMs`, and says how it settled and how long
 * after the abort; 'not stopped' when it has not settled STUCK_MS after the abort.
 */
async function cancelledWithin(options: {
  start: (signal: AbortSignal) => Promise<unknown>;
  abortAfterMs: number | null;
}): Promise<{ code: string; ms: number }> {
  const controller = new AbortController();
  const settled = options.start(controller.signal).then(
    () => 'finished',
    (err: unknown) => (err as { code?: string }).code ?? String(err),
  );
  if (options.abortAfterMs !== null) await new Promise((resolve) => setTimeout(resolve, options.abortAfterMs ?? 0));
  const aborted = performance.now();
  controller.abort();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stuck = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('not stopped'), STUCK_MS)));
  const code = await Promise.race([settled, stuck]);
  clearTimeout(timer);
  return { code, ms: performance.now() - aborted };
}

/** Nothing is left running in the engine: a trivial query answers within a second. */
async function answersAtOnce(engine: LocalEngine): Promise<void> {
  const started = performance.now();
  expect((await engine.run({ sql: 'SELECT 1 AS after' })).message).toBe('1 row, 1 column');
  expect(performance.now() - started).toBeLessThan(1_000);
}

export function runTests(runner: LocalEngineRunner): void {
  const open = usingEngines(runner);

  describe('run', () => {
    it('keeps a query’s result under an id and says its shape: "1 row, 1 column"', async () => {
      const engine = await open();
      const one = await engine.run({ sql: 'SELECT 42 AS answer' });
      expect(one).toMatchObject({
        columns: [{ name: 'answer', type: 'INTEGER' }],
        rowCount: 1,
        statement: 'SELECT',
        message: '1 row, 1 column',
      });
      expect(one.resultId).toEqual(expect.any(String));
      expect(one.durationMs).toBeGreaterThanOrEqual(0);
      const many = await engine.run({ sql: 'SELECT i, i * 2 AS twice FROM range(1234) AS t(i)' });
      expect(many.message).toBe('1,234 rows, 2 columns');
      expect(many.resultId).not.toBe(one.resultId);
      const none = await engine.run({ sql: 'SELECT 1 AS x WHERE false' });
      expect(none).toMatchObject({ rowCount: 0, message: '0 rows, 1 column' });
      expect(none.resultId).not.toBeNull();
    });

    it('reports CREATE TABLE … AS as "Created name (N rows)", and DROP, INSERT, UPDATE, DELETE in words', async () => {
      const engine = await open();
      await withAdmissions(engine);
      const created = await engine.run({ sql: 'CREATE TABLE emergencies AS SELECT * FROM admissions WHERE emergency' });
      expect(created).toMatchObject({
        resultId: null,
        columns: [],
        rowCount: 0,
        statement: 'CREATE',
        message: 'Created emergencies (643 rows)',
      });
      expect((await engine.run({ sql: 'CREATE OR REPLACE TABLE emergencies AS SELECT * FROM admissions' })).message).toBe(
        'Replaced emergencies (1,500 rows)',
      );
      expect((await engine.run({ sql: 'CREATE TABLE empty_one (x INTEGER)' })).message).toBe('Created empty_one (0 rows)');
      expect((await engine.run({ sql: 'INSERT INTO empty_one VALUES (1), (2)' })).message).toBe('Inserted 2 rows');
      expect((await engine.run({ sql: 'UPDATE empty_one SET x = x + 1 WHERE x = 1' })).message).toBe('Updated 1 row');
      expect((await engine.run({ sql: 'DELETE FROM empty_one' })).message).toBe('Deleted 2 rows');
      expect((await engine.run({ sql: 'CREATE VIEW recent AS SELECT * FROM admissions' })).message).toBe('Created view recent');
      expect((await engine.run({ sql: 'ALTER TABLE empty_one RENAME TO renamed' })).message).toBe('Renamed empty_one to renamed');
      const dropped = await engine.run({ sql: 'DROP TABLE emergencies' });
      expect(dropped).toMatchObject({ resultId: null, statement: 'DROP', message: 'Dropped emergencies' });
      expect((await engine.tables()).map((table) => table.name)).toEqual(['admissions', 'renamed']);
    });

    it('runs several statements and keeps the last one’s result', async () => {
      const engine = await open();
      await withAdmissions(engine);
      const run = await engine.run({
        sql: `-- a script
CREATE TABLE by_sex AS SELECT sex, count(*) AS n FROM admissions GROUP BY sex;
INSERT INTO by_sex VALUES ('X', 0);
SELECT * FROM by_sex ORDER BY n DESC, sex;  -- the result`,
      });
      expect(run).toMatchObject({ statement: 'SELECT', rowCount: 5, message: '5 rows, 2 columns' });
      expect(readPage(await engine.page({ resultId: run.resultId!, offset: 0, limit: 10 })).values('sex')).toEqual([
        'M',
        'U',
        'F',
        null,
        'X',
      ]);
      const last = await engine.run({ sql: 'SELECT 1 AS a; DROP TABLE by_sex;' });
      expect(last).toMatchObject({ statement: 'DROP', message: 'Dropped by_sex', resultId: null });
    });

    it('runs several statements as one step: when one fails, the ones before it are undone', async () => {
      const engine = await open();
      await withAdmissions(engine);
      const failed = await errorOf(
        engine.run({ sql: 'CREATE TABLE half AS SELECT 1 AS x;\nINSERT INTO admissions (age) VALUES (1);\nSELECT nope FROM half' }),
      );
      expect(failed.code).toBe('invalid_input');
      expect((await engine.tables()).map((table) => [table.name, table.rows])).toEqual([['admissions', 1_500]]);
    });

    it('passes DuckDB’s error on with the place it points at, as an offset into the SQL', async () => {
      const engine = await open();
      await withAdmissions(engine);
      const sql = 'SELECT age,\n  nope_col\nFROM admissions';
      const binder = await errorOf(engine.run({ sql }));
      expect(binder.code).toBe('invalid_input');
      expect(binder.position).toBe(sql.indexOf('nope_col'));
      expect(binder.message).toMatch(/^Binder Error: Referenced column "nope_col" not found/);
      expect(binder.message).toMatch(/\(line 2, column 3\)/);
      const script = 'SELECT 1;\nSELEC 2';
      const parser = await errorOf(engine.run({ sql: script }));
      expect(parser.message).toMatch(/^Parser Error: syntax error at or near "SELEC"/);
      expect(parser.position).toBe(script.indexOf('SELEC 2'));
      const later = 'SELECT 1;\n\nSELECT age, nope_col FROM admissions';
      expect((await errorOf(engine.run({ sql: later }))).position).toBe(later.indexOf('nope_col'));
      const unknown = await errorOf(engine.run({ sql: 'SELECT * FROM missing_table' }));
      expect(unknown.message).toMatch(/^Catalog Error: Table with name missing_table does not exist/);
      expect(unknown.position).toBe('SELECT * FROM '.length);
      const conversion = await errorOf(engine.run({ sql: "SELECT CAST('abc' AS INTEGER)" }));
      expect(conversion.message).toMatch(/^Conversion Error: Could not convert string 'abc' to INT32/);
      const empty = await errorOf(engine.run({ sql: '  -- nothing here\n ; ' }));
      expect(empty.message).toBe('There is no SQL to run.');
      // The engine is still usable afterwards.
      expect((await engine.run({ sql: 'SELECT count(*) FROM admissions' })).message).toBe('1 row, 1 column');
    });

    it('keeps EXPLAIN’s plan and DESCRIBE’s columns as results like a query’s', async () => {
      const engine = await open();
      await withAdmissions(engine, 10);
      const described = await engine.run({ sql: 'DESCRIBE admissions' });
      expect(described).toMatchObject({ statement: 'SELECT', rowCount: 8 });
      expect(readPage(await engine.page({ resultId: described.resultId!, offset: 0, limit: 8 })).values('column_name')[0]).toBe(
        'emergency',
      );
      const explained = await engine.run({ sql: 'EXPLAIN SELECT count(*) FROM admissions' });
      expect(explained.statement).toBe('EXPLAIN');
      expect(explained.columns.map((column) => column.name)).toEqual(['explain_key', 'explain_value']);
    });

    it('cancels a running query inside DuckDB, keeps the previous result, and runs the next one', async () => {
      const engine = await open();
      const previous = await engine.run({ sql: 'SELECT 7 AS seven' });
      const started = performance.now();
      // A timer aborts: the query itself would run for minutes, so any completion is a failure to cancel.
      const cancelled = await errorOf(engine.run({ sql: ENDLESS, signal: AbortSignal.timeout(400) }));
      expect(cancelled.code).toBe('cancelled');
      expect(cancelled.message).toBe('The query was cancelled.');
      expect(performance.now() - started).toBeLessThan(15_000);
      expect(readPage(await engine.page({ resultId: previous.resultId!, offset: 0, limit: 1 })).values('seven')).toEqual([7]);
      expect((await engine.run({ sql: 'SELECT 1 AS after' })).message).toBe('1 row, 1 column');
      // Aborted before it starts: nothing runs.
      const early = await errorOf(engine.run({ sql: 'CREATE TABLE never AS SELECT 1', signal: AbortSignal.abort() }));
      expect(early.code).toBe('cancelled');
      expect(await engine.tables()).toEqual([]);
    });

    it('a cancel at any moment stops the run: at once, and 0, 1, 2 and 5 ms after run(), 50 times each', { timeout: 120_000 }, async () => {
      const engine = await open();
      const slow: string[] = [];
      for (let round = 0; round < 50; round += 1) {
        for (const ms of [null, 0, 1, 2, 5]) {
          const label = `round ${round}, ${ms === null ? 'at once' : `${ms} ms`}`;
          const outcome = await cancelledWithin({ start: (signal) => engine.run({ sql: ENDLESS, signal }), abortAfterMs: ms });
          expect(outcome.code, label).toBe('cancelled');
          if (outcome.ms >= 1_000) slow.push(`${label}: ${outcome.ms.toFixed(0)} ms`);
        }
      }
      expect(slow).toEqual([]);
      await answersAtOnce(engine);
    });

    it('a cancel while the run waits its turn behind a query that runs on answers at once, 50 times', { timeout: 120_000 }, async () => {
      const engine = await open();
      const slow: string[] = [];
      for (let round = 0; round < 50; round += 1) {
        const ahead = new AbortController();
        const first = errorOf(engine.run({ sql: ENDLESS, signal: ahead.signal }));
        const outcome = await cancelledWithin({ start: (signal) => engine.run({ sql: ENDLESS, signal }), abortAfterMs: round % 3 });
        expect(outcome.code, `round ${round}`).toBe('cancelled');
        if (outcome.ms >= 1_000) slow.push(`round ${round}: ${outcome.ms.toFixed(0)} ms`);
        ahead.abort();
        expect((await first).code).toBe('cancelled');
      }
      expect(slow).toEqual([]);
      await answersAtOnce(engine);
    });
  });
}
