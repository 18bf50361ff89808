// The suite's loads: Arrow IPC in chunks (and Parquet where the engine reads it), progress, replace or keep, and
// every way a load can go wrong leaving no half table and the replaced table as it was; then tables(), describe(),
// drop() and clear().
import { describe, expect, it } from 'vitest';
import { EnclaveError } from '../../src/common/errors.ts';
import type { LoadProgress, LocalEngine } from '../../src/common/local-engine.ts';
import { errorOf } from '../support/error-of.ts';
import { ADMISSIONS_COLUMNS, admissions, chunked, ipc, parquetOf, readPage } from './support/data.ts';
import { usingEngines, type LocalEngineRunner } from './suite.ts';

async function loadArrow(engine: LocalEngine, table: string, options: { rows: number; replace?: boolean; seed?: number }) {
  return engine.load({
    table,
    format: 'arrow',
    chunks: chunked(ipc(admissions(options.rows, options)), 4096),
    replace: options.replace ?? false,
  });
}

async function scalar(engine: LocalEngine, sql: string): Promise<string> {
  const run = await engine.run({ sql: `SELECT CAST((${sql}) AS VARCHAR) AS v` });
  return String(readPage(await engine.page({ resultId: run.resultId!, offset: 0, limit: 1 })).values('v')[0]);
}

/** Yields the first part of a stream, then does `then` (cancel, or fail) before the rest would come. */
async function* firstPartThen(bytes: Uint8Array, then: () => void): AsyncGenerator<Uint8Array> {
  yield bytes.slice(0, 64);
  then();
  yield bytes.slice(64);
}

export function loadTests(runner: LocalEngineRunner): void {
  const open = usingEngines(runner);

  describe('load', () => {
    it('loads an Arrow IPC stream arriving in chunks, with the platform’s types, and reports progress in bytes and rows', async () => {
      const engine = await open();
      const bytes = ipc(admissions(5_000));
      const progress: LoadProgress[] = [];
      const loaded = await engine.load({
        table: 'admissions',
        format: 'arrow',
        chunks: chunked(bytes, 1000),
        replace: false,
        onProgress: (p) => progress.push(p),
      });
      expect(loaded).toEqual({ table: 'admissions', rows: 5_000 });
      expect(await engine.describe('admissions')).toEqual({ name: 'admissions', rows: 5_000, columns: ADMISSIONS_COLUMNS });
      const bytesSeen = progress.map((p) => p.bytes);
      expect(bytesSeen).toEqual([...bytesSeen].sort((a, b) => a - b));
      expect(progress.at(-1)).toEqual({ bytes: bytes.byteLength, rows: 5_000 });
      // Values survive exactly: 64-bit integers beyond 2^53, dates, nulls, dictionary-encoded text.
      expect(await scalar(engine, `SELECT max(episode) FROM admissions`)).toBe('9007199254744999');
      expect(await scalar(engine, `SELECT count(*) FILTER (WHERE sex IS NULL) || '/' || count(DISTINCT sex) FROM admissions`)).toBe(
        '714/3',
      );
      expect(await scalar(engine, `SELECT min(admitted) || ' ' || max(admitted) FROM admissions`)).toBe('2020-01-01 2021-02-03');
      expect(await scalar(engine, `SELECT sum(stay) FROM admissions`)).toBe(
        String(
          Array.from({ length: 5_000 }, (_, i) => i)
            .filter((i) => i % 7 !== 3)
            .reduce((sum, i) => sum + (i % 30), 0),
        ),
      );
    });

    it(`Parquet: ${runner.readsParquet ? 'read by DuckDB itself, with the same types' : 'refused with a clear message, reading nothing'}`, async () => {
      const engine = await open();
      const bytes = await parquetOf(
        `SELECT i % 2 = 0 AS emergency, CAST(i % 100 AS SMALLINT) AS age, CAST(i % 30 AS INTEGER) AS stay, CAST(i AS BIGINT) AS episode,
           CAST(i * 1.25 AS DOUBLE) AS cost, DATE '2020-01-01' + CAST(i % 400 AS INTEGER) AS admitted, ['F', 'M', 'U'][i % 3 + 1] AS sex,
           'LS1 ' || i AS postcode
         FROM range(20000) AS t(i)`,
      );
      const progress: LoadProgress[] = [];
      let read = 0;
      async function* parts(): AsyncGenerator<Uint8Array> {
        for await (const part of chunked(bytes, 8192)) {
          read += part.byteLength;
          yield part;
        }
      }
      const load = engine.load({
        table: 'from_parquet',
        format: 'parquet',
        chunks: parts(),
        replace: false,
        onProgress: (p) => progress.push(p),
      });
      if (!runner.readsParquet) {
        const refused = await errorOf(load);
        expect(refused.code).toBe('invalid_input');
        expect(refused.message).toMatch(/cannot read Parquet/);
        expect(read).toBe(0);
        expect(await engine.tables()).toEqual([]);
        return;
      }
      expect(await load).toEqual({ table: 'from_parquet', rows: 20_000 });
      expect((await engine.describe('from_parquet')).columns).toEqual(ADMISSIONS_COLUMNS);
      expect(progress.at(-1)).toEqual({ bytes: bytes.byteLength, rows: 20_000 });
      // Cut short, it fails cleanly and keeps the table it would have replaced.
      const cut = await errorOf(
        engine.load({
          table: 'from_parquet',
          format: 'parquet',
          chunks: chunked(bytes.slice(0, bytes.byteLength / 2), 4096),
          replace: true,
        }),
      );
      expect(cut.code).toBe('invalid_input');
      expect(cut.message).toMatch(/not a complete Parquet file/);
      expect((await engine.tables()).map((table) => [table.name, table.rows])).toEqual([['from_parquet', 20_000]]);
    });

    it('an Arrow stream with no rows makes an empty table with its columns', async () => {
      const engine = await open();
      const empty = admissions(0);
      expect(await engine.load({ table: 'nothing_yet', format: 'arrow', chunks: chunked(ipc(empty), 100), replace: false })).toEqual({
        table: 'nothing_yet',
        rows: 0,
      });
      expect(await engine.describe('nothing_yet')).toEqual({ name: 'nothing_yet', rows: 0, columns: ADMISSIONS_COLUMNS });
    });

    it('keeps an existing table unless asked to replace it, and replaces it whole when asked', async () => {
      const engine = await open();
      await loadArrow(engine, 'admissions', { rows: 10 });
      const kept = await errorOf(loadArrow(engine, 'admissions', { rows: 20 }));
      expect(kept.code).toBe('invalid_input');
      expect(kept.message).toBe('A local table named admissions already exists. Choose to replace it, or keep it.');
      expect((await engine.describe('admissions')).rows).toBe(10);
      expect(await loadArrow(engine, 'admissions', { rows: 20, replace: true })).toEqual({ table: 'admissions', rows: 20 });
      expect((await engine.tables()).map((table) => [table.name, table.rows])).toEqual([['admissions', 20]]);
    });

    it('a load cancelled between chunks leaves no table, and the table it would have replaced as it was', async () => {
      const engine = await open();
      await loadArrow(engine, 'admissions', { rows: 10 });
      const controller = new AbortController();
      const cancelled = await errorOf(
        engine.load({
          table: 'admissions',
          format: 'arrow',
          chunks: firstPartThen(ipc(admissions(1000)), () => controller.abort()),
          replace: true,
          signal: controller.signal,
        }),
      );
      expect(cancelled.code).toBe('cancelled');
      const fresh = await errorOf(
        engine.load({
          table: 'fresh',
          format: 'arrow',
          chunks: firstPartThen(ipc(admissions(1000)), () => undefined),
          replace: false,
          signal: AbortSignal.abort(),
        }),
      );
      expect(fresh.code).toBe('cancelled');
      expect((await engine.tables()).map((table) => [table.name, table.rows])).toEqual([['admissions', 10]]);
    });

    it('a stream that breaks, is cut short or is not Arrow fails cleanly: no half table, the old one kept', async () => {
      const engine = await open();
      await loadArrow(engine, 'admissions', { rows: 10 });
      const bytes = ipc(admissions(1000));
      const broke = await errorOf(
        engine.load({
          table: 'admissions',
          format: 'arrow',
          chunks: firstPartThen(bytes, () => {
            throw new Error('ECONNRESET 10.0.0.7:443');
          }),
          replace: true,
        }),
      );
      expect(broke.code).toBe('unavailable');
      expect(broke.message).toBe('The data stopped arriving before it was complete. Nothing was changed.');
      const cutShort = await errorOf(
        engine.load({ table: 'admissions', format: 'arrow', chunks: chunked(bytes.slice(0, bytes.byteLength - 8), 512), replace: true }),
      );
      expect(cutShort.code).toBe('invalid_input');
      expect(cutShort.message).toMatch(/cut short/);
      const garbage = await errorOf(
        engine.load({
          table: 'garbage',
          format: 'arrow',
          chunks: chunked(new TextEncoder().encode('name,age\nAda,36\n'.repeat(50)), 100),
          replace: false,
        }),
      );
      expect(garbage.code).toBe('invalid_input');
      // The stream's own error value (say, the transport's) reaches the caller as it is.
      const told = await errorOf(
        engine.load({
          table: 'told',
          format: 'arrow',
          chunks: firstPartThen(bytes, () => {
            throw new EnclaveError('unavailable', 'The platform went away.');
          }),
          replace: false,
        }),
      );
      expect(told.message).toBe('The platform went away.');
      expect((await engine.tables()).map((table) => [table.name, table.rows])).toEqual([['admissions', 10]]);
    });

    it('refuses a table name an analyst could not type unquoted, before reading anything', async () => {
      const engine = await open();
      for (const name of ['Admissions', 'drop table x', '1st', 'a"b', '', 'x'.repeat(64)]) {
        const refused = await errorOf(
          engine.load({ table: name, format: 'arrow', chunks: chunked(ipc(admissions(3)), 100), replace: false }),
        );
        expect(refused.code, name).toBe('invalid_input');
      }
      expect(await engine.tables()).toEqual([]);
    });
  });

  describe('tables, describe, drop and clear', () => {
    it('lists the project’s tables with rows and columns, not results or temporary tables', async () => {
      const engine = await open();
      await loadArrow(engine, 'admissions', { rows: 12 });
      await engine.run({ sql: 'CREATE TABLE summary AS SELECT sex, count(*) AS n FROM admissions GROUP BY sex' });
      await engine.run({ sql: 'CREATE TEMP TABLE scratch AS SELECT 1 AS x' });
      await engine.run({ sql: 'SELECT * FROM admissions' });
      expect(await engine.tables()).toEqual([
        { name: 'admissions', rows: 12, columns: ADMISSIONS_COLUMNS },
        {
          name: 'summary',
          rows: 4,
          columns: [
            { name: 'sex', type: 'VARCHAR' },
            { name: 'n', type: 'BIGINT' },
          ],
        },
      ]);
      const missing = await errorOf(engine.describe('nope'));
      expect(missing.code).toBe('not_found');
    });

    it('drops a table, and says so for one that is not there', async () => {
      const engine = await open();
      await loadArrow(engine, 'admissions', { rows: 3 });
      await engine.drop('admissions');
      expect(await engine.tables()).toEqual([]);
      expect((await errorOf(engine.drop('admissions'))).code).toBe('not_found');
    });

    it('clear() drops everything the analyst made, and every kept result', async () => {
      const engine = await open();
      await loadArrow(engine, 'admissions', { rows: 3 });
      for (const sql of [
        'CREATE TABLE t2 AS SELECT 1 AS x',
        'CREATE VIEW v AS SELECT * FROM t2',
        'CREATE MACRO plus_one(a) AS a + 1',
        'CREATE MACRO numbers(n) AS TABLE SELECT * FROM range(n)',
        'CREATE SEQUENCE s',
        "CREATE TYPE mood AS ENUM ('low', 'high')",
        'CREATE SCHEMA scratch',
        'CREATE TABLE scratch.inner_table AS SELECT 1 AS y',
        'CREATE TEMP TABLE mine AS SELECT 1 AS z',
      ]) {
        await engine.run({ sql });
      }
      const kept = await engine.run({ sql: 'SELECT * FROM admissions' });
      expect(await engine.clear()).toEqual({ tables: 2 });
      expect(await engine.tables()).toEqual([]);
      expect((await errorOf(engine.page({ resultId: kept.resultId!, offset: 0, limit: 10 }))).code).toBe('not_found');
      for (const sql of [
        'SELECT plus_one(1)',
        'SELECT * FROM v',
        'SELECT * FROM mine',
        'SELECT * FROM scratch.inner_table',
        "SELECT 'low'::mood",
      ]) {
        expect((await errorOf(engine.run({ sql }))).code, sql).toBe('invalid_input');
      }
      // The engine goes on working after a clear.
      expect((await engine.run({ sql: 'SELECT 1 AS one' })).message).toBe('1 row, 1 column');
    });

    it('refuses everything once closed', async () => {
      const engine = await runner.open();
      await engine.close();
      for (const call of [engine.tables(), engine.run({ sql: 'SELECT 1' }), loadArrow(engine, 'late', { rows: 1 })]) {
        expect((await errorOf(call)).code).toBe('unavailable');
      }
      await engine.close();
    });
  });
}
