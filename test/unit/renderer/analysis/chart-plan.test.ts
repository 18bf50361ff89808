// How a chart gets its points: one query in the local engine over the result's last statement, grouping, binning or
// sampling there, with a note that says so. Column names are quoted (a hostile name stays a name); only the last
// statement runs again (an earlier CREATE or INSERT never repeats).
import { describe, expect, it } from 'vitest';
import { BLANK_SETTINGS } from '../../../../renderer/src/analysis/chart-axes.ts';
import {
  chartSource,
  MAX_GROUPS,
  MAX_GROUPS_WITH_SERIES,
  MAX_SERIES,
  planBins,
  planChart,
  SCATTER_SAMPLE,
  type ChartSettings,
} from '../../../../renderer/src/analysis/chart-plan.ts';
import { resultColumnsOf } from '../../../../renderer/src/analysis/column-kind.ts';
import { MAX_PAGE_ROWS } from '../../../../src/common/local-engine.ts';
import { splitStatements } from '../../../../src/common/local-sql.ts';

const columns = resultColumnsOf([
  { name: 'admission_method', type: 'VARCHAR' },
  { name: 'episodes', type: 'BIGINT' },
  { name: 'length_of_stay', type: 'DECIMAL(9,2)' },
  { name: 'admitted', type: 'DATE' },
  { name: 'notes', type: 'INTEGER[]' },
]);
const sql = 'SELECT * FROM hospital_episodes_sample';
const settings = (patch: Partial<ChartSettings>): ChartSettings => ({ ...BLANK_SETTINGS, x: 'admission_method', ...patch });
const plan = (patch: Partial<ChartSettings>, extra: { rowCount?: number; sql?: string; bounds?: { min: number; max: number } } = {}) =>
  planChart({ settings: settings(patch), columns, rowCount: extra.rowCount ?? 100, sql: extra.sql ?? sql, bounds: extra.bounds });

describe('the relation a chart reads', () => {
  it('charts the last statement only, wrapped so a trailing comment cannot swallow the parenthesis', () => {
    expect(chartSource('CREATE TABLE t AS SELECT 1 AS a; INSERT INTO t VALUES (2); SELECT * FROM t -- all')).toBe(
      '(SELECT * FROM t -- all\n)',
    );
    expect(chartSource("SELECT ';' AS a /* ; */")).toBe("(SELECT ';' AS a /* ; */\n)");
    expect(chartSource('  ; -- only a comment')).toBeNull();
  });
});

describe('chart queries', () => {
  it('counts rows per x value in the engine, one value past the cap to know there were more', () => {
    const p = plan({ type: 'bar', y: null });
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect(p.query.shape).toBe('groups');
    expect(p.query.cap).toBe(MAX_GROUPS);
    expect(p.query.sql).toContain(`FROM (${sql}\n) AS result`);
    expect(p.query.sql).toContain('count(*)::DOUBLE AS y');
    expect(p.query.sql).toContain(`x_rank <= ${MAX_GROUPS + 1}`);
    expect(p.query.note).toBe(
      'The result has 100 rows: the chart shows the number of rows for each value of admission_method, computed in local DuckDB.',
    );
  });

  it('combines y as asked, numbers as DOUBLE so exact text types plot as numbers', () => {
    const p = plan({ type: 'line', x: 'admitted', y: 'length_of_stay', aggregate: 'avg' });
    expect(p.ok && p.query.sql).toContain('CAST("length_of_stay" AS DOUBLE) AS y');
    expect(p.ok && p.query.sql).toContain('avg(y)::DOUBLE AS y');
    expect(p.ok && p.query.note).toMatch(/the average of length_of_stay for each value of admitted/);
  });

  it('colours by the most frequent values of a column, the rest as Other, with fewer x values so one page holds it all', () => {
    const p = plan({ type: 'bar', series: 'admission_method', x: 'admitted' });
    expect(p.ok && p.query.sql).toContain(`ORDER BY count(*) DESC, s NULLS LAST LIMIT ${MAX_SERIES}`);
    expect(p.ok && p.query.sql).toContain('IS NOT DISTINCT FROM');
    expect(p.ok && p.query.cap).toBe(MAX_GROUPS_WITH_SERIES);
    expect((MAX_GROUPS_WITH_SERIES + 1) * (MAX_SERIES + 1)).toBeLessThanOrEqual(MAX_PAGE_ROWS);
    expect(p.ok && p.query.note).toMatch(/coloured by admission_method \(its 8 most frequent values, the rest as “Other”\)/);
  });

  it('samples a large scatter in the engine, and says so; a small one is drawn whole', () => {
    const large = plan({ type: 'scatter', x: 'episodes', y: 'length_of_stay' }, { rowCount: 2_000_000 });
    expect(large.ok && large.query.sql).toContain(`USING SAMPLE reservoir(${SCATTER_SAMPLE} ROWS) REPEATABLE (42)`);
    expect(large.ok && large.query.note).toMatch(/2,000,000 rows: the chart shows a random sample of 5,000/);
    const small = plan({ type: 'scatter', x: 'episodes', y: 'length_of_stay' }, { rowCount: 300 });
    expect(small.ok && small.query.sql).not.toContain('USING SAMPLE');
  });

  it('bins a histogram in the engine with round bin widths from the column’s range', () => {
    const p = plan({ type: 'histogram', x: 'length_of_stay', bins: 30 }, { bounds: { min: 0.5, max: 61.25 } });
    expect(p.ok && p.query.bins).toEqual({ origin: 0, width: 2, integers: false });
    expect(p.ok && p.query.sql).toContain('floor((x - (0)::DOUBLE) / (2)::DOUBLE)::BIGINT AS bin');
    expect(planBins({ min: 18, max: 97, bins: 30, integers: true })).toEqual({ origin: 18, width: 2, integers: true });
    expect(planBins({ min: 0, max: 1_000_000, bins: 20, integers: true })).toEqual({ origin: 0, width: 50_000, integers: true });
    expect(planBins({ min: 3, max: 9, bins: 30, integers: true })).toEqual({ origin: 3, width: 1, integers: true });
    expect(planBins({ min: 7, max: 7, bins: 30, integers: false })).toEqual({ origin: 7, width: 1, integers: false });
  });

  it('refuses what cannot be drawn, saying why', () => {
    expect(plan({ x: null })).toEqual({ ok: false, message: 'Choose a column for the x axis.' });
    expect(plan({ type: 'histogram', x: 'admission_method' })).toEqual({
      ok: false,
      message: 'admission_method cannot go on the x axis: a histogram needs a numeric column.',
    });
    expect(plan({ x: 'notes' })).toMatchObject({ ok: false, message: expect.stringContaining('INTEGER[] column cannot be an axis') });
    expect(plan({ y: 'admission_method' })).toMatchObject({ ok: false, message: expect.stringContaining('not a numeric column') });
    expect(plan({ type: 'scatter', x: 'episodes', y: null })).toMatchObject({ ok: false });
    expect(plan({ type: 'histogram', x: 'episodes' }, { bounds: { min: Number.NaN, max: Number.NaN } })).toMatchObject({
      ok: false,
      message: expect.stringContaining('no finite values'),
    });
    expect(plan({}, { sql: ' ; ' })).toMatchObject({ ok: false });
    expect(plan({ x: 'not_a_column' })).toMatchObject({ ok: false });
  });

  it('quotes column names, so a hostile name stays a name', () => {
    const hostile = resultColumnsOf([
      { name: 'a") FROM x; DROP TABLE t; --', type: 'VARCHAR' },
      { name: 'n', type: 'BIGINT' },
    ]);
    const p = planChart({ settings: settings({ x: 'a") FROM x; DROP TABLE t; --', y: 'n' }), columns: hostile, rowCount: 10, sql });
    expect(p.ok && p.query.sql).toContain('SELECT "a"") FROM x; DROP TABLE t; --" AS x');
    expect(p.ok && splitStatements(p.query.sql)).toHaveLength(1);
  });
});
