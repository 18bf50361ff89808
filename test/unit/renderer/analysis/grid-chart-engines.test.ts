// The grid and the chart over the real engines behind the seam: native DuckDB (the core's, for 'disk' projects) and
// the app's DuckDB-wasm engine logic (for 'memory' projects, its blocking build in Node). Every type the seam lists
// reaches the grid as an analyst should read it; the page cache has the engine sort and filter; Ctrl+C copies at most
// the limit from real pages; chart queries group, bin and sample in the engine and bring back only what is drawn.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalEngine, RunResult } from '../../../../src/common/local-engine.ts';
import { openNativeEngine } from '../../../../src/workstation/workspace/native-engine.ts';
import { createWasmLocalEngine } from '../../../../renderer/src/analysis/wasm-engine.ts';
import {
  BLANK_SETTINGS,
  cardinalityCandidates,
  defaultChart,
  type ColumnCardinality,
} from '../../../../renderer/src/analysis/chart-axes.ts';
import { readChartRows } from '../../../../renderer/src/analysis/chart-data.ts';
import { buildFigure } from '../../../../renderer/src/analysis/chart-figure.ts';
import { MAX_GROUPS, MAX_SERIES, planChart, SCATTER_SAMPLE, type ChartSettings } from '../../../../renderer/src/analysis/chart-plan.ts';
import { resultColumnsOf } from '../../../../renderer/src/analysis/column-kind.ts';
import { copyOutcome } from '../../../../renderer/src/analysis/copy-limit.ts';
import { createPageCache, type PageCacheEvent } from '../../../../renderer/src/analysis/page-cache.ts';
import { decodePage } from '../../../../renderer/src/analysis/result-page.ts';
import { formatValue } from '../../../../renderer/src/analysis/result-values.ts';
import { freshWasmDatabase } from '../../../local-engine/support/blocking-wasm.ts';

const folders: string[] = [];
afterAll(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

const ENGINES: { name: string; open: () => Promise<LocalEngine> }[] = [
  {
    name: 'native DuckDB',
    async open() {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'enclave-grid-'));
      folders.push(dir);
      return openNativeEngine({ dir: path.join(dir, 'project'), threads: 1, memoryLimitBytes: 512 * 2 ** 20 });
    },
  },
  { name: 'DuckDB-wasm', open: async () => createWasmLocalEngine({ database: await freshWasmDatabase() }) },
];

const VISITS = `CREATE TABLE visits AS SELECT range AS visit_id,
  ['A','B','C','D','E','F','G','H','I','J'][range % 10 + 1] AS ward,
  (range % 90)::INTEGER AS age,
  CASE WHEN range % 13 = 0 THEN NULL ELSE range % 5 END AS stay,
  'note ' || range AS free_text
  FROM range(20000)`;

describe.each(ENGINES)('the grid and the chart over $name', ({ open }) => {
  let engine: LocalEngine;
  beforeAll(async () => {
    engine = await open();
    await engine.run({ sql: VISITS });
  });
  afterAll(async () => {
    await engine?.close();
  });

  const shown = async (sql: string): Promise<{ result: RunResult; cells: string[][] }> => {
    const result = await engine.run({ sql });
    if (result.resultId === null) throw new Error('no result');
    const page = decodePage(await engine.page({ resultId: result.resultId, offset: 0, limit: 10 }));
    const kinds = resultColumnsOf(result.columns).map((c) => c.kind);
    const cells = Array.from({ length: page.rows }, (_, row) => kinds.map((kind, column) => formatValue(page.value(row, column), kind)));
    return { result, cells };
  };

  it('shows every type the seam lists as an analyst reads it: separators, exact places, ISO dates, sizes, NULL', async () => {
    const { result, cells } = await shown(`SELECT * FROM (VALUES
      (true, 42::TINYINT, 1234567::INTEGER, 9007199254740993::BIGINT, 170141183460469231731687303715884105727::HUGEINT,
       1234.5::DECIMAL(18,3), 0.25::DOUBLE, DATE '2024-02-29', TIMESTAMP '2024-02-29 13:14:15.123456',
       TIMESTAMPTZ '2024-02-29 13:14:15+00', TIME '12:34:56', INTERVAL 3 DAY, '492d3779-6ce3-4437-9a71-62a1f938f37c'::UUID,
       [1, 2], {'a': 1}, MAP {'k': 1}, 'x'::ENUM('x', 'y'), 'abc'::BLOB, 'héllo'),
      (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
    ) AS t(b, ti, i, bi, hi, dec, d, dt, ts, tz, tm, iv, u, l, s, m, e, bl, v)`);
    expect(result.columns.map((c) => c.type)).toContain('DECIMAL(18,3)');
    expect(cells[0]).toEqual([
      'true',
      '42',
      '1,234,567',
      '9,007,199,254,740,993',
      '170,141,183,460,469,231,731,687,303,715,884,105,727',
      '1,234.500',
      '0.25',
      '2024-02-29',
      '2024-02-29 13:14:15.123456',
      '2024-02-29 13:14:15+00',
      '12:34:56',
      '3 days',
      '492d3779-6ce3-4437-9a71-62a1f938f37c',
      '[1, 2]',
      "{'a': 1}",
      '{k=1}',
      'x',
      '3 bytes',
      'héllo',
    ]);
    expect(cells[1].every((text) => text === '')).toBe(true);
  });

  it('pages through a result with the engine sorting and filtering, holding a few pages, never the whole', async () => {
    const result = await engine.run({ sql: 'SELECT visit_id, ward, age FROM visits' });
    const resultId = result.resultId ?? '';
    const events: PageCacheEvent[] = [];
    let arrived: (() => void) | null = null;
    const cache = createPageCache({
      read: async ({ offset, limit, view, signal }) =>
        decodePage(await engine.page({ resultId, offset, limit, sort: [...view.sort], filters: [...view.filters], signal })),
      total: result.rowCount,
      pageRows: 500,
      maxPages: 3,
      onEvent(event) {
        events.push(event);
        if (event.kind === 'loaded') arrived?.();
      },
    });
    const showAndWait = async (first: number, last: number): Promise<void> => {
      const loaded = new Promise<void>((resolve) => (arrived = resolve));
      cache.show(first, last);
      if (cache.held().loading > 0) await loaded;
    };

    await showAndWait(0, 30);
    expect(cache.value(0, 0)).toBe(0n);
    cache.setView({ sort: [{ column: 'visit_id', descending: true }], filters: [] });
    await showAndWait(0, 30);
    expect(cache.value(0, 0)).toBe(19_999n);
    cache.setView({ sort: [{ column: 'age', descending: false }], filters: [{ column: 'ward', op: '=', value: 'C' }] });
    await showAndWait(0, 30);
    expect(cache.total()).toBe(2_000);
    expect(events).toContainEqual({ kind: 'total', total: 2_000 });
    expect(cache.value(0, 1)).toBe('C');
    expect(cache.value(0, 2)).toBe(2);
    for (let first = 0; first < 2_000; first += 250) {
      await showAndWait(first, first + 30);
      expect(cache.held().pages + cache.held().loading).toBeLessThanOrEqual(3);
      expect(cache.value(first, 1)).toBe('C');
    }

    // Ctrl+C over 3 columns × 60 rows with the project's limit of 100: the first 33 whole rows, and a notice.
    const outcome = copyOutcome({
      selection: { rows: Array.from({ length: 60 }, (_, i) => 1_990 - 59 + i), rowCount: 60, columns: [0, 1, 2] },
      limit: 100,
      kinds: resultColumnsOf(result.columns).map((c) => c.kind),
      cellAt: (row, column) => cache.value(row, column),
    });
    expect(outcome.kind).toBe('copied');
    if (outcome.kind !== 'copied') return;
    expect(outcome.text.split('\n')).toHaveLength(33);
    expect(outcome.text.split('\n').every((line) => /^\d+\tC\t\d+$/.test(line))).toBe(true);
    expect(outcome.notice).toMatch(/^Copied 99 cells of 180 selected \(the first 33 rows\)\./);
    cache.close();
  });

  describe('charts', () => {
    let visits: RunResult;
    beforeAll(async () => {
      visits = await engine.run({ sql: 'SELECT * FROM visits' });
    });
    const draw = async (
      patch: Partial<ChartSettings>,
      options: { sql?: string; result?: RunResult; bounds?: { min: number; max: number } } = {},
    ) => {
      const result = options.result ?? visits;
      const settings = { ...BLANK_SETTINGS, ...patch };
      const plan = planChart({
        settings,
        columns: resultColumnsOf(result.columns),
        rowCount: result.rowCount,
        sql: options.sql ?? 'SELECT * FROM visits',
        bounds: options.bounds,
      });
      if (!plan.ok) throw new Error(plan.message);
      const rows = await readChartRows({ engine, sql: plan.query.sql, signal: new AbortController().signal });
      return { rows, figure: buildFigure({ settings, query: plan.query, columns: resultColumnsOf(result.columns), rows }) };
    };

    it('counts rows per value, coloured by the most frequent values with the rest as Other', async () => {
      const { rows, figure } = await draw({ type: 'bar', x: 'stay', series: 'ward' });
      expect(rows.reduce((sum, row) => sum + row.n, 0)).toBe(20_000);
      const series = new Set(rows.filter((row) => !row.other).map((row) => row.series));
      expect(series.size).toBe(MAX_SERIES);
      expect(rows.some((row) => row.other)).toBe(true);
      expect(figure.traces.map((t) => t.name).at(-1)).toBe('Other');
      // stay is NULL on every 13th row (0, 13, …, 19,994): a number axis cannot place them, and says so.
      expect(figure.notes).toEqual(['1,539 rows have no stay and are not drawn.']);
    });

    it('stops at the cap of x values and says there were more', async () => {
      const { rows, figure } = await draw({ type: 'line', x: 'visit_id', y: 'age', aggregate: 'avg' });
      expect(new Set(rows.map((row) => row.x)).size).toBe(MAX_GROUPS + 1);
      expect(figure.marks).toBe(MAX_GROUPS);
      expect(figure.notes[0]).toMatch(/more than 1,000 values of visit_id/);
    });

    it('bins a histogram in the engine: every non-null row in exactly one bin', async () => {
      const summary = await engine.summarise({ resultId: visits.resultId ?? '', column: 'age' });
      const { rows, figure } = await draw(
        { type: 'histogram', x: 'age', bins: 30 },
        { bounds: { min: Number(summary.min), max: Number(summary.max) } },
      );
      expect(rows.reduce((sum, row) => sum + row.n, 0)).toBe(20_000);
      expect(rows.length).toBeGreaterThanOrEqual(20);
      expect(rows.length).toBeLessThanOrEqual(60);
      expect(figure.caption).toMatch(/^Histogram: Distribution of age, \d+ bars\.$/);
    });

    it('samples a large scatter to its cap in the engine', async () => {
      const { rows } = await draw({ type: 'scatter', x: 'age', y: 'stay' });
      expect(rows).toHaveLength(SCATTER_SAMPLE);
      expect(rows.every((row) => typeof row.x === 'number' && typeof row.y === 'number')).toBe(true);
    });

    it('runs only the last statement again (an earlier CREATE is not repeated) and keeps a hostile column name a name', async () => {
      const sql = 'CREATE TABLE made_once AS SELECT 1 AS a; SELECT ward AS "w"") FROM visits; --", count(*) AS n FROM visits GROUP BY 1';
      const grouped = await engine.run({ sql });
      const { figure } = await draw({ type: 'bar', x: 'w") FROM visits; --', y: 'n' }, { sql, result: grouped });
      expect(figure.caption).toBe('Bar chart: n by w") FROM visits; --, 10 bars.');
      const tables = await engine.tables();
      expect(tables.filter((t) => t.name === 'made_once')).toHaveLength(1);
    });

    it('picks default axes from the types and the engine’s counts: never the id, never free text', async () => {
      const result = await engine.run({ sql: 'SELECT visit_id, free_text, ward, age FROM visits' });
      const columns = resultColumnsOf(result.columns);
      const cardinality = new Map<string, ColumnCardinality>();
      for (const column of cardinalityCandidates(columns)) {
        cardinality.set(column.name, await engine.summarise({ resultId: result.resultId ?? '', column: column.name }));
      }
      expect(defaultChart(columns, cardinality)).toMatchObject({ type: 'bar', x: 'ward', y: 'age' });
    });
  });
});
