// How a chart gets its points: small results as they are, large ones aggregated or sampled in local DuckDB.
import { describe, expect, it } from 'vitest';
import {
  countByValue,
  DIRECT_PLOT_LIMIT,
  MAX_GROUPS,
  planChart,
  SCATTER_SAMPLE,
  sortByX,
} from '../../../../renderer/src/analysis/chart-plan.ts';

const base = { sql: 'SELECT * FROM hospital_episodes_sample', x: 'admission_method', y: 'length_of_stay' };

describe('chart plans', () => {
  it('plots a small result directly', () => {
    expect(planChart({ ...base, type: 'bar', resultRows: DIRECT_PLOT_LIMIT })).toEqual({ mode: 'direct', note: null });
  });

  it('explains a direct row count', () => {
    const plan = planChart({ ...base, type: 'bar', y: null, resultRows: 10 });
    expect(plan).toMatchObject({ mode: 'direct' });
    expect(plan.mode === 'direct' && plan.note).toMatch(/counts the rows/);
  });

  it('sums per x in DuckDB for a large bar chart, one group past the cap to detect truncation, and says so', () => {
    const plan = planChart({ ...base, type: 'bar', resultRows: 1_000_000 });
    expect(plan.mode).toBe('query');
    if (plan.mode !== 'query') return;
    expect(plan.sql).toBe(
      `SELECT "admission_method" AS x, sum("length_of_stay")::DOUBLE AS y FROM (SELECT * FROM hospital_episodes_sample\n) AS result GROUP BY 1 ORDER BY 1 NULLS LAST LIMIT ${MAX_GROUPS + 1}`,
    );
    expect(plan.truncatesAt).toBe(MAX_GROUPS);
    expect(plan.note).toMatch(/1,000,000 rows.*sum of length_of_stay.*computed in local DuckDB/);
  });

  it('averages for a large line chart and counts when y is the number of rows', () => {
    const line = planChart({ ...base, type: 'line', resultRows: 10_000 });
    expect(line.mode === 'query' && line.sql).toContain('avg("length_of_stay")');
    const counted = planChart({ ...base, type: 'bar', y: null, resultRows: 10_000 });
    expect(counted.mode === 'query' && counted.sql).toContain('count(*)::DOUBLE');
  });

  it('samples a large scatter repeatably', () => {
    const plan = planChart({ ...base, type: 'scatter', x: 'age_on_admission', resultRows: 2_000_000 });
    expect(plan.mode === 'query' && plan.sql).toContain(`USING SAMPLE reservoir(${SCATTER_SAMPLE} ROWS) REPEATABLE (42)`);
    expect(plan.mode === 'query' && plan.note).toMatch(/random sample of 5,000/);
  });

  it('refuses a scatter without a y column', () => {
    expect(planChart({ ...base, type: 'scatter', y: null, resultRows: 3 }).mode).toBe('refuse');
  });

  it('refuses to re-query a large result whose SQL is several statements, and says what to do', () => {
    const plan = planChart({ ...base, sql: 'CREATE TABLE t AS SELECT 1; SELECT * FROM t', type: 'bar', resultRows: 100_000 });
    expect(plan.mode).toBe('refuse');
    expect(plan.mode === 'refuse' && plan.message).toMatch(/GROUP BY/);
  });

  it('quotes column names, so a hostile name stays a name', () => {
    const plan = planChart({ ...base, x: 'a") FROM x; --', type: 'bar', resultRows: 100_000 });
    expect(plan.mode === 'query' && plan.sql).toContain('SELECT "a"") FROM x; --" AS x');
  });
});

describe('chart helpers', () => {
  it('counts rows per value in first-seen order', () => {
    expect(countByValue(['b', 'a', 'b', null])).toEqual({ x: ['b', 'a', null], y: [2, 1, 1] });
  });

  it('sorts line points by x, numbers numerically, dates as ISO text, nulls last', () => {
    expect(sortByX([10, 2, null, 1], ['a', 'b', 'c', 'd'])).toEqual({ x: [1, 2, 10, null], y: ['d', 'b', 'a', 'c'] });
    expect(sortByX(['2021-02-01', '2020-12-31'], [1, 2])).toEqual({ x: ['2020-12-31', '2021-02-01'], y: [2, 1] });
  });
});
