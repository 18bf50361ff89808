// The suite's pages and summaries: offset and limit, sorting and filtering done by the engine (values compared in
// the column's own type, bound as parameters), the filtered total in the page's metadata, and a column's summary.
import { describe, expect, it } from 'vitest';
import type { LocalEngine } from '../../src/common/local-engine.ts';
import { errorOf } from '../support/error-of.ts';
import { readPage } from './support/data.ts';
import { usingEngines, type LocalEngineRunner } from './suite.ts';

const PEOPLE = `SELECT * FROM (VALUES
  (1, 'Ada', DATE '1815-12-10', true, 36, 'a'::BLOB),
  (2, 'Grace', DATE '1906-12-09', true, 85, 'bb'::BLOB),
  (3, 'Alan', DATE '1912-06-23', false, 41, NULL),
  (4, 'Katherine', DATE '1918-08-26', true, 101, 'cccc'::BLOB),
  (5, NULL, NULL, NULL, NULL, ''::BLOB),
  (6, 'alan', DATE '2000-01-01', false, 0, 'dd'::BLOB)
) AS t(id, name, born, famous, age, photo)`;

async function people(engine: LocalEngine): Promise<string> {
  const run = await engine.run({ sql: PEOPLE });
  expect(run.rowCount).toBe(6);
  return run.resultId!;
}

export function pageTests(runner: LocalEngineRunner): void {
  const open = usingEngines(runner);

  describe('pages', () => {
    it('reads a result in pages by offset and limit, in the result’s own order, with the total in the metadata', async () => {
      const engine = await open();
      const run = await engine.run({ sql: 'SELECT i, i % 10 AS tens FROM range(12345) AS t(i) ORDER BY i DESC' });
      const first = readPage(await engine.page({ resultId: run.resultId!, offset: 0, limit: 3 }));
      expect(first.total).toBe(12_345);
      expect(first.values('i')).toEqual([12344n, 12343n, 12342n]);
      const deep = readPage(await engine.page({ resultId: run.resultId!, offset: 12_340, limit: 100 }));
      expect(deep.values('i')).toEqual([4n, 3n, 2n, 1n, 0n]);
      const past = readPage(await engine.page({ resultId: run.resultId!, offset: 20_000, limit: 10 }));
      expect(past.table.numRows).toBe(0);
      expect(past.types).toEqual({ i: 'Int64', tens: 'Int64' });
    });

    it('pages a result with a column named rowid, which hides DuckDB’s own row number, in its own order', async () => {
      const engine = await open();
      const run = await engine.run({ sql: "SELECT 100 - i AS rowid, 'v' || i AS v FROM range(7) AS t(i)" });

      const first = readPage(await engine.page({ resultId: run.resultId!, offset: 0, limit: 3 }));
      const rest = readPage(await engine.page({ resultId: run.resultId!, offset: 3, limit: 10 }));
      const sorted = readPage(
        await engine.page({ resultId: run.resultId!, offset: 0, limit: 2, sort: [{ column: 'v', descending: true }] }),
      );

      expect(first.values('v')).toEqual(['v0', 'v1', 'v2']);
      expect(rest.values('v')).toEqual(['v3', 'v4', 'v5', 'v6']);
      expect(sorted.values('v')).toEqual(['v6', 'v5']);
    });

    it('cuts a very long value on a page, saying how long it was; a filter still sees all of it', async () => {
      const engine = await open();
      const run = await engine.run({ sql: "SELECT repeat('ab', 50000) || 'needle' AS long, [range(0, 3000)] AS list, 'short' AS s" });

      const page = readPage(await engine.page({ resultId: run.resultId!, offset: 0, limit: 1 }));
      const found = readPage(
        await engine.page({ resultId: run.resultId!, offset: 0, limit: 1, filters: [{ column: 'long', op: 'contains', value: 'NEEDLE' }] }),
      );

      expect(page.values('long')).toEqual([`${'ab'.repeat(5000)} … (100,006 characters)`]);
      expect(String(page.values('list')[0])).toMatch(/^\[\[0, 1, 2, .* … \([\d,]+ characters\)$/u);
      expect(page.values('s')).toEqual(['short']);
      expect(found.total).toBe(1);
    });

    it('sorts in the engine, by several columns, nulls last either way', async () => {
      const engine = await open();
      const resultId = await people(engine);
      const byName = readPage(await engine.page({ resultId, offset: 0, limit: 10, sort: [{ column: 'name', descending: false }] }));
      expect(byName.values('name')).toEqual(['Ada', 'Alan', 'Grace', 'Katherine', 'alan', null]);
      const byAge = readPage(await engine.page({ resultId, offset: 0, limit: 10, sort: [{ column: 'age', descending: true }] }));
      expect(byAge.values('id')).toEqual([4, 2, 3, 1, 6, 5]);
      const twoKeys = readPage(
        await engine.page({
          resultId,
          offset: 1,
          limit: 3,
          sort: [
            { column: 'famous', descending: false },
            { column: 'born', descending: true },
          ],
        }),
      );
      expect(twoKeys.values('id')).toEqual([3, 4, 2]);
      expect(twoKeys.total).toBe(6);
    });

    it('filters in the engine by each column’s type, and the total counts the rows that pass', async () => {
      const engine = await open();
      const resultId = await people(engine);
      const ids = async (filters: Parameters<LocalEngine['page']>[0]['filters']): Promise<{ ids: unknown[]; total: number }> => {
        const page = readPage(await engine.page({ resultId, offset: 0, limit: 10, filters, sort: [{ column: 'id', descending: false }] }));
        return { ids: page.values('id'), total: page.total };
      };
      expect(await ids([{ column: 'age', op: '>', value: 40 }])).toEqual({ ids: [2, 3, 4], total: 3 });
      expect(await ids([{ column: 'age', op: '<=', value: '36' }])).toEqual({ ids: [1, 6], total: 2 });
      expect(await ids([{ column: 'born', op: '>=', value: '1912-01-01' }])).toEqual({ ids: [3, 4, 6], total: 3 });
      expect(await ids([{ column: 'famous', op: '=', value: false }])).toEqual({ ids: [3, 6], total: 2 });
      expect(await ids([{ column: 'name', op: 'contains', value: 'AL' }])).toEqual({ ids: [3, 6], total: 2 });
      expect(await ids([{ column: 'name', op: '<>', value: 'Ada' }])).toEqual({ ids: [2, 3, 4, 6], total: 4 });
      expect(await ids([{ column: 'name', op: 'is_null' }])).toEqual({ ids: [5], total: 1 });
      expect(await ids([{ column: 'photo', op: '>=', value: 2 }])).toEqual({ ids: [2, 4, 6], total: 3 });
      expect(
        await ids([
          { column: 'famous', op: 'is_not_null' },
          { column: 'age', op: '<', value: 90 },
          { column: 'name', op: 'contains', value: 'a' },
        ]),
      ).toEqual({ ids: [1, 2, 3, 6], total: 4 });
      // A value is data, never SQL: quotes and semicolons are compared, not run.
      expect(await ids([{ column: 'name', op: '=', value: "x'; DROP TABLE people; --" }])).toEqual({ ids: [], total: 0 });
      expect((await engine.run({ sql: 'SELECT 1' })).message).toBe('1 row, 1 column');
    });

    it('refuses a page request it cannot serve, with a clear error', async () => {
      const engine = await open();
      const resultId = await people(engine);
      const bad = async (request: Parameters<LocalEngine['page']>[0]): Promise<string> => {
        const err = await errorOf(engine.page(request));
        return `${err.code}: ${err.message}`;
      };
      expect(await bad({ resultId, offset: 0, limit: 10, sort: [{ column: 'nope', descending: false }] })).toBe(
        'invalid_input: The result has no column named nope.',
      );
      expect(await bad({ resultId, offset: 0, limit: 10, filters: [{ column: 'age', op: '>', value: 'old' }] })).toMatch(
        /^invalid_input: Conversion Error: Could not convert string 'old' to INT32/,
      );
      expect(await bad({ resultId, offset: 0, limit: 10, filters: [{ column: 'age', op: '>' }] })).toBe(
        'invalid_input: The filter on age needs a value.',
      );
      expect(await bad({ resultId, offset: 0, limit: 5_001 })).toMatch(/^invalid_input: That page request is not valid: limit/);
      expect(await bad({ resultId, offset: -1, limit: 10 })).toMatch(/^invalid_input: That page request is not valid: offset/);
      expect(await bad({ resultId: 'result-999', offset: 0, limit: 10 })).toBe(
        'not_found: That result is no longer available. Run the query again.',
      );
    });

    it('forgets a released result', async () => {
      const engine = await open();
      const resultId = await people(engine);
      await engine.release(resultId);
      await engine.release(resultId);
      expect((await errorOf(engine.page({ resultId, offset: 0, limit: 1 }))).code).toBe('not_found');
    });
  });

  describe('summaries', () => {
    it('summarises a column: rows, nulls, distinct values, least and greatest in the column’s own order', async () => {
      const engine = await open();
      const resultId = await people(engine);
      expect(await engine.summarise({ resultId, column: 'age' })).toEqual({
        column: 'age',
        rows: 6,
        nulls: 1,
        distinct: 5,
        min: '0',
        max: '101',
      });
      expect(await engine.summarise({ resultId, column: 'name' })).toEqual({
        column: 'name',
        rows: 6,
        nulls: 1,
        distinct: 5,
        min: 'Ada',
        max: 'alan',
      });
      expect(await engine.summarise({ resultId, column: 'born' })).toMatchObject({ min: '1815-12-10', max: '2000-01-01' });
      // BLOBs are shown by size, and summarised so.
      expect(await engine.summarise({ resultId, column: 'photo' })).toEqual({
        column: 'photo',
        rows: 6,
        nulls: 1,
        distinct: 5,
        min: '0',
        max: '4',
      });
      expect(await engine.summarise({ resultId, column: 'age', filters: [{ column: 'famous', op: '=', value: true }] })).toEqual({
        column: 'age',
        rows: 3,
        nulls: 0,
        distinct: 3,
        min: '36',
        max: '101',
      });
      const nested = await engine.run({ sql: "SELECT [i, i + 1] AS pair, MAP {'k': i} AS m FROM range(3) AS t(i)" });
      expect(await engine.summarise({ resultId: nested.resultId!, column: 'pair' })).toMatchObject({
        rows: 3,
        distinct: 3,
        min: '[0, 1]',
        max: '[2, 3]',
      });
      const empty = await engine.run({ sql: 'SELECT 1 AS x WHERE false' });
      expect(await engine.summarise({ resultId: empty.resultId!, column: 'x' })).toEqual({
        column: 'x',
        rows: 0,
        nulls: 0,
        distinct: 0,
        min: null,
        max: null,
      });
      expect((await errorOf(engine.summarise({ resultId, column: 'nope' }))).message).toBe('The result has no column named nope.');
    });
  });
}
