// Building an output from a local result (src/common/output-build.ts): the aggregation query runs in real DuckDB
// (@duckdb/node-api, the engine the workstation core uses; DuckDB-wasm runs the same SQL), its rows become the
// document's table, and the document passes the real check with the HiGHS solver.
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnclaveError } from '../../../src/common/errors.ts';
import {
  binLabel,
  categoryLabel,
  holdsRegression,
  MAX_OUTPUT_CELLS,
  OutputChoicesSchema,
  outputDocument,
  outputQuery,
  outputTable,
  resultRelation,
} from '../../../src/common/output-build.ts';
import type { OutputChoices, OutputRow } from '../../../src/common/output-build.ts';
import { checkOutput, publishedOutput } from '../../../src/common/output-check.ts';
import { outputBytes, type AppliedMitigation, type RateBase } from '../../../src/common/outputs.ts';
import { createHighsSolver } from '../../../src/common/sdc/highs-solver.ts';
import { PROFILES } from '../../../src/common/sdc/rules.ts';

const NONE: AppliedMitigation = { kind: 'none', roundingBase: null };

let instance: DuckDBInstance;
let connection: DuckDBConnection;

/** 60 admissions: region (North 15 with 3 of them M, South 45 with 35 M… see below), sex, stay (every fourth missing). */
const ADMISSIONS = `
  CREATE TABLE admissions AS
  SELECT
    i,
    CASE WHEN i < 15 THEN 'North' WHEN i < 59 THEN 'South' ELSE NULL END AS region,
    CASE WHEN i < 3 THEN 'M' WHEN i < 15 THEN 'F' WHEN i < 50 THEN 'M' ELSE 'F' END AS sex,
    CASE WHEN i % 4 = 3 THEN NULL ELSE i % 10 END::INTEGER AS stay,
    (20 + i)::DOUBLE AS age
  FROM range(60) AS t(i);
  CREATE TABLE model AS SELECT * FROM (VALUES
    ('(Intercept)', 2.5, 0.4, 0.001),
    ('age', 0.03, 0.01, 0.02)
  ) AS m(term, estimate, std_error, p_value);
`;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  await connection.run(ADMISSIONS);
});

afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

async function rowsOf(sql: string): Promise<OutputRow[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJS();
}

async function build(choices: OutputChoices, resultSql: string, mitigation: AppliedMitigation = NONE) {
  const sql = outputQuery(choices, resultSql);
  return outputDocument({ choices, title: 'Admissions output', sql, engine: 'native', rows: await rowsOf(sql), mitigation });
}

describe('the aggregation query', () => {
  it('counts rows per category, a missing category named as such', async () => {
    const choices: OutputChoices = { kind: 'frequency', dimensions: ['region', 'sex'], totals: true };
    const document = await build(choices, 'SELECT * FROM admissions');
    if (document.kind !== 'frequency') throw new Error('not a frequency table');
    expect(document.table).toEqual({
      dimensions: ['region', 'sex'],
      cells: [
        { key: { region: 'North', sex: 'F' }, count: 12 },
        { key: { region: 'North', sex: 'M' }, count: 3 },
        { key: { region: 'South', sex: 'F' }, count: 9 },
        { key: { region: 'South', sex: 'M' }, count: 35 },
        { key: { region: '(missing)', sex: 'F' }, count: 1 },
      ],
    });
    expect(document.source.sql).toContain('FROM (SELECT * FROM admissions\n) AS result');
  });

  it('runs only the last statement of the result’s SQL, so an earlier CREATE is not repeated', async () => {
    const sql = outputQuery(
      { kind: 'frequency', dimensions: ['sex'], totals: false },
      'CREATE TABLE x AS SELECT 1; SELECT sex FROM admissions -- the last',
    );
    expect(sql).not.toContain('CREATE');
    expect(await rowsOf(sql)).toEqual([
      { d0: 'F', n: 22 },
      { d0: 'M', n: 38 },
    ]);
  });

  it('quotes column names, so a name cannot end its quotes early', async () => {
    await connection.run(`CREATE OR REPLACE TABLE odd AS SELECT 'a' AS "we""ird", 1 AS "x y"`);
    const sql = outputQuery({ kind: 'frequency', dimensions: ['we"ird', 'x y'], totals: true }, 'SELECT * FROM odd');
    expect(sql).toContain('"we""ird" AS "g0"');
    expect(await rowsOf(sql)).toEqual([{ d0: 'a', d1: '1', n: 1 }]);
  });

  it('a magnitude table carries the values that enter the statistic, and counts the rows', async () => {
    const choices: OutputChoices = { kind: 'magnitude', dimensions: ['sex'], measure: 'stay', statistic: 'mean', totals: false };
    const document = await build(choices, 'SELECT * FROM admissions');
    if (document.kind !== 'magnitude') throw new Error('not a magnitude table');
    expect(document.table.totals).toBe('none');
    const female = document.table.cells.find((cell) => cell.key['sex'] === 'F');
    // F: i in 3..14 and 50..59 (22 rows); stay is missing when i % 4 = 3 (3, 7, 11, 51, 55, 59).
    expect(female?.count).toBe(22);
    expect(female?.contributions).toHaveLength(16);
    expect(female?.contributions).toEqual([...(female?.contributions ?? [])].sort((a, b) => (b ?? 0) - (a ?? 0)));
    const expected = [4, 5, 6, 8, 9, 10, 12, 13, 14, 50, 52, 53, 54, 56, 57, 58].map((i) => i % 10).sort((a, b) => b - a);
    expect(female?.contributions).toEqual(expected);
  });

  it('a rounded table’s totals and percentages are recomputed from its published cells, so they add up', async () => {
    await connection.run(`CREATE OR REPLACE TABLE three AS SELECT chr(CAST(97 + i // 12 AS INTEGER)) AS ward FROM range(36) AS t(i)`);
    const choices: OutputChoices = { kind: 'frequency', dimensions: ['ward'], totals: true };
    const document = await build(choices, 'SELECT * FROM three', { kind: 'rounded', roundingBase: 5 });
    const check = await checkOutput(document, { rules: PROFILES.default, solver: await createHighsSolver(), released: [] });
    const published = publishedOutput(document, check);
    // 12, 12 and 12 rounded to 10 each: the total shown is 30 (their sum), not 36 rounded to 35.
    expect(published.cells.map((cell) => cell.value)).toEqual([10, 10, 10]);
    expect(published.totals.map((cell) => cell.value)).toEqual([30]);
    expect(published.derived.map((value) => value.percent)).toEqual([33.3, 33.3, 33.3]);
    expect(published.notes).toContain('Totals are the sums of the published cells.');
    // Unrounded, the profile's totals stand: the true total.
    const plain = await build(choices, 'SELECT * FROM three');
    const plainCheck = await checkOutput(plain, { rules: PROFILES.default, solver: await createHighsSolver(), released: [] });
    expect(publishedOutput(plain, plainCheck).totals.map((cell) => cell.value)).toEqual([36]);
  });

  it('the check counts only the non-missing values as contributors of a magnitude cell', async () => {
    const choices: OutputChoices = { kind: 'magnitude', dimensions: ['region'], measure: 'stay', statistic: 'sum', totals: true };
    const document = await build(choices, 'SELECT * FROM admissions');
    const check = await checkOutput(document, { rules: PROFILES.default, solver: await createHighsSolver(), released: [] });
    // North: 15 rows, of which i = 3, 7, 11 have no stay: 12 contributors, 12 ≥ 10 so the threshold passes;
    // the missing region holds 1 row (i = 59, stay missing): 0 contributors.
    const north = check.check?.cells.find((cell) => cell.key['region'] === 'North');
    expect(north).toMatchObject({ count: 12, status: 'safe' });
    const missing = check.evidence.find((e) => e.cell?.['region'] === '(missing)');
    expect(missing).toMatchObject({ count: 1, contributors: 0 });
    expect(check.verdict).toBe('flag');
  });

  it('a histogram bins the measure from the origin, each bin named "lower–upper"', async () => {
    const choices: OutputChoices = { kind: 'histogram', measure: 'age', bins: { origin: 20, width: 20 } };
    const document = await build(choices, 'SELECT age FROM admissions');
    if (document.kind !== 'chart') throw new Error('not a chart');
    expect(document.chart).toBe('histogram');
    expect(document.table).toEqual({
      dimensions: ['age'],
      cells: [
        { key: { age: '20–40' }, count: 20 },
        { key: { age: '40–60' }, count: 20 },
        { key: { age: '60–80' }, count: 20 },
      ],
      totals: 'none',
    });
    const check = await checkOutput(document, { rules: PROFILES.default, solver: await createHighsSolver(), released: [] });
    expect(check.verdict).toBe('pass');
    expect(publishedOutput(document, check).cells.map((cell) => cell.value)).toEqual([20, 20, 20]);
  });

  it('a bar chart is a frequency table with axes', async () => {
    const document = await build({ kind: 'bar', dimensions: ['sex'], totals: false }, 'SELECT * FROM admissions');
    expect(document).toMatchObject({ kind: 'chart', chart: 'bar', x: 'sex', y: 'Number of rows' });
  });

  it('a regression summary reads the coefficients of the result', async () => {
    const choices: OutputChoices = { kind: 'regression', model: 'OLS of stay on age', observations: 60, residualDof: 58 };
    const document = await build(choices, 'SELECT * FROM model');
    expect(document).toMatchObject({
      kind: 'regression',
      observations: 60,
      residualDof: 58,
      coefficients: [
        { term: '(Intercept)', estimate: 2.5, standardError: 0.4, pValue: 0.001 },
        { term: 'age', estimate: 0.03, standardError: 0.01, pValue: 0.02 },
      ],
    });
    expect(holdsRegression([{ name: 'term' }, { name: 'estimate' }, { name: 'std_error' }, { name: 'p_value' }])).toBe(true);
    expect(holdsRegression([{ name: 'term' }, { name: 'estimate' }])).toBe(false);
  });
});

describe('refusals', () => {
  it('too many cells', async () => {
    const sql = outputQuery({ kind: 'frequency', dimensions: ['i'], totals: false }, 'SELECT * FROM range(2000) AS t(i)');
    const rows = await rowsOf(sql);
    expect(rows).toHaveLength(MAX_OUTPUT_CELLS + 1);
    expect(() => outputTable({ kind: 'frequency', dimensions: ['i'], totals: false }, rows)).toThrow(/more than 1,000 cells/);
  });

  it('a result with no rows', () => {
    expect(() => outputTable({ kind: 'frequency', dimensions: ['sex'], totals: false }, [])).toThrow(EnclaveError);
  });

  it('a result with no query', () => {
    expect(() => resultRelation('  -- nothing\n')).toThrow(/no query/);
  });

  it('choices that do not hold together', () => {
    expect(OutputChoicesSchema.safeParse({ kind: 'frequency', dimensions: [], totals: true }).success).toBe(false);
    expect(OutputChoicesSchema.safeParse({ kind: 'frequency', dimensions: ['a', 'b', 'c', 'd'], totals: true }).success).toBe(false);
    expect(OutputChoicesSchema.safeParse({ kind: 'bar', dimensions: ['a', 'b', 'c'], totals: true }).success).toBe(false);
    expect(
      OutputChoicesSchema.safeParse({ kind: 'magnitude', dimensions: ['a'], measure: 'a', statistic: 'sum', totals: true }).success,
    ).toBe(false);
    expect(OutputChoicesSchema.safeParse({ kind: 'histogram', measure: 'a', bins: { origin: 0, width: 0 } }).success).toBe(false);
  });

  it('a title too short to say what the output is', async () => {
    const choices: OutputChoices = { kind: 'frequency', dimensions: ['sex'], totals: false };
    const sql = outputQuery(choices, 'SELECT * FROM admissions');
    const rows = await rowsOf(sql);
    expect(() => outputDocument({ choices, title: 'x', sql, engine: 'native', rows, mitigation: NONE })).toThrow(
      /title must say what the output is/,
    );
  });

  it('a regression row without a term, or with a p-value out of range', () => {
    const choices: OutputChoices = { kind: 'regression', model: 'OLS', observations: 60, residualDof: 58 };
    const document = (rows: OutputRow[]) =>
      outputDocument({ choices, title: 'A model', sql: 'SELECT 1', engine: 'memory', rows, mitigation: NONE });
    expect(() => document([{ term: null, estimate: 1, std_error: 0.1, p_value: 0.5 }])).toThrow(/Row 1 of the result has no term/);
    expect(() => document([{ term: 'age', estimate: 1, std_error: 0.1, p_value: 2 }])).toThrow(/p-value of age is not between 0 and 1/);
  });
});

describe('rates', () => {
  it('a frequency table’s document carries the base; percentages leave its bytes as they were', async () => {
    const choices: OutputChoices = { kind: 'frequency', dimensions: ['region', 'sex'], totals: true };
    const sql = outputQuery(choices, 'SELECT * FROM admissions');
    const rows = await rowsOf(sql);
    const made = (ratePer?: RateBase | null) =>
      outputDocument({ choices, title: 'Admissions output', sql, engine: 'native', rows, mitigation: NONE, ratePer });
    const counts = made();

    expect(made(1_000)).toEqual({ ...counts, ratePer: 1_000 });
    expect(made(null)).toEqual(counts);
    expect('ratePer' in counts).toBe(false);
    expect(outputBytes(made(null))).toEqual(outputBytes(counts));
  });

  it('no other kind takes a base', async () => {
    const choices: OutputChoices = { kind: 'magnitude', dimensions: ['region'], totals: true, statistic: 'sum', measure: 'stay' };
    const sql = outputQuery(choices, 'SELECT * FROM admissions');
    const rows = await rowsOf(sql);
    const made = (ratePer?: RateBase) =>
      outputDocument({ choices, title: 'Admissions output', sql, engine: 'native', rows, mitigation: NONE, ratePer });

    expect(made(1_000)).toEqual(made());
    expect('ratePer' in made(1_000)).toBe(false);
  });
});

describe('labels', () => {
  it('a category never empty and never "*"', () => {
    expect(categoryLabel(null)).toBe('(missing)');
    expect(categoryLabel('')).toBe('(empty)');
    expect(categoryLabel('*')).toBe('(*)');
    expect(categoryLabel(12n)).toBe('12');
  });

  it('bin edges without floating-point dust', () => {
    expect(binLabel({ origin: 0, width: 0.1 }, 2)).toBe('0.2–0.3');
    expect(binLabel({ origin: -10, width: 5 }, 0)).toBe('-10–-5');
  });
});
