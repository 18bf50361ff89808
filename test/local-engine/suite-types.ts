// Every DuckDB result type reaching the page faithfully (issue 14): exact types as themselves (64-bit integers as
// BigInt, timestamps to the microsecond), every other type as DuckDB's own text for it, BLOB as its size, nulls
// as nulls; in both engines alike.
import { describe, expect, it } from 'vitest';
import { raw64, readPage } from './support/data.ts';
import { usingEngines, type LocalEngineRunner } from './suite.ts';

/** name, SQL for the value, DuckDB's type name, the page's Arrow type, and the value the page holds. */
const TYPES: ReadonlyArray<readonly [string, string, string, string, unknown]> = [
  ['b', 'true', 'BOOLEAN', 'Bool', true],
  ['ti', 'CAST(-7 AS TINYINT)', 'TINYINT', 'Int8', -7],
  ['si', 'CAST(300 AS SMALLINT)', 'SMALLINT', 'Int16', 300],
  ['i', 'CAST(70000 AS INTEGER)', 'INTEGER', 'Int32', 70_000],
  ['bi', 'CAST(9007199254740993 AS BIGINT)', 'BIGINT', 'Int64', 9_007_199_254_740_993n],
  ['f', 'CAST(1.5 AS FLOAT)', 'FLOAT', 'Float32', 1.5],
  ['d', 'CAST(2.25 AS DOUBLE)', 'DOUBLE', 'Float64', 2.25],
  ['dt', "DATE '2024-02-29'", 'DATE', 'Date32<DAY>', Date.UTC(2024, 1, 29)],
  [
    'ts',
    "TIMESTAMP '2024-02-29 13:45:30.123456'",
    'TIMESTAMP',
    'Timestamp<MICROSECOND>',
    BigInt(Date.UTC(2024, 1, 29, 13, 45, 30)) * 1000n + 123_456n,
  ],
  ['s', "'text, with ''quotes'''", 'VARCHAR', 'Utf8', "text, with 'quotes'"],
  ['hi', 'CAST(170141183460469231731687303715884105727 AS HUGEINT)', 'HUGEINT', 'Utf8', '170141183460469231731687303715884105727'],
  ['dec', 'CAST(12345.678 AS DECIMAL(18,3))', 'DECIMAL(18,3)', 'Utf8', '12345.678'],
  ['wide', 'CAST(-12345678901234567890.123456789 AS DECIMAL(38,9))', 'DECIMAL(38,9)', 'Utf8', '-12345678901234567890.123456789'],
  ['tz', "TIMESTAMPTZ '2024-02-29 13:45:30+01'", 'TIMESTAMP WITH TIME ZONE', 'Utf8', '2024-02-29 12:45:30+00'],
  ['t', "TIME '13:45:30.5'", 'TIME', 'Utf8', '13:45:30.5'],
  ['iv', "INTERVAL '1 year 2 months 3 days 04:05:06'", 'INTERVAL', 'Utf8', '1 year 2 months 3 days 04:05:06'],
  ['u', "CAST('123e4567-e89b-12d3-a456-426614174000' AS UUID)", 'UUID', 'Utf8', '123e4567-e89b-12d3-a456-426614174000'],
  ['l', '[1, 2, NULL]', 'INTEGER[]', 'Utf8', '[1, 2, NULL]'],
  ['st', "{'a': 1, 'b': 'x'}", 'STRUCT(a INTEGER, b VARCHAR)', 'Utf8', "{'a': 1, 'b': x}"],
  ['m', "MAP {'k': 1}", 'MAP(VARCHAR, INTEGER)', 'Utf8', '{k=1}'],
  ['e', "CAST('high' AS ENUM('low', 'high'))", "ENUM('low', 'high')", 'Utf8', 'high'],
  ['bl', "CAST('\\x00\\x01\\x02' AS BLOB)", 'BLOB', 'Int64', 3n],
  ['ut', 'CAST(255 AS UTINYINT)', 'UTINYINT', 'Int16', 255],
  ['ub', 'CAST(18446744073709551615 AS UBIGINT)', 'UBIGINT', 'Utf8', '18446744073709551615'],
  [
    'tms',
    "TIMESTAMP_MS '2024-02-29 13:45:30.123'",
    'TIMESTAMP_MS',
    'Timestamp<MICROSECOND>',
    BigInt(Date.UTC(2024, 1, 29, 13, 45, 30)) * 1000n + 123_000n,
  ],
];

export function typeTests(runner: LocalEngineRunner): void {
  const open = usingEngines(runner);

  describe('every DuckDB result type reaches the page faithfully', () => {
    it('HUGEINT, DECIMAL, TIMESTAMP, TIMESTAMPTZ, TIME, INTERVAL, UUID, LIST, STRUCT, MAP, ENUM, BLOB and the exact types', async () => {
      const engine = await open();
      const values = TYPES.map(([name, sql]) => `${sql} AS ${name}`).join(', ');
      const nulls = TYPES.map(([name]) => `NULL AS ${name}`).join(', ');
      const run = await engine.run({ sql: `SELECT ${values} UNION ALL SELECT ${nulls}` });
      expect(run.columns).toEqual(TYPES.map(([name, , type]) => ({ name, type })));
      const page = readPage(await engine.page({ resultId: run.resultId!, offset: 0, limit: 2 }));
      expect(page.total).toBe(2);
      for (const [name, , , arrowType, expected] of TYPES) {
        expect(page.types[name], name).toBe(arrowType);
        const column = page.column(name);
        const value = arrowType.startsWith('Timestamp') ? raw64(column, 0) : column.get(0);
        expect(value, name).toEqual(expected);
        expect(column.isValid(1), `${name} null`).toBe(false);
      }
    });

    it('sorts and filters on the column’s own type even when the page shows its text', async () => {
      const engine = await open();
      const run = await engine.run({
        sql: `SELECT CAST(i / 4 AS DECIMAL(10,2)) AS amount, CAST(i * 1000 AS HUGEINT) AS big, INTERVAL (i) DAY AS span FROM range(12) AS t(i)`,
      });
      const page = readPage(
        await engine.page({
          resultId: run.resultId!,
          offset: 0,
          limit: 3,
          sort: [{ column: 'big', descending: true }],
          filters: [{ column: 'span', op: '<', value: '11 days' }],
        }),
      );
      // As text, '9000' sorts after '10000'; in the column's type, it is the other way.
      expect(page.values('big')).toEqual(['10000', '9000', '8000']);
      expect(page.values('amount')).toEqual(['2.50', '2.25', '2.00']);
      expect(page.total).toBe(11);
    });
  });
}
