// Runs a chart's query in the local engine and reads back what it drew: the engine keeps the chart query's result
// like any other (run → page → release), so at most a page or two of grouped, binned or sampled rows reach the
// window, never the result itself.
import { bestEffort } from '../../../src/common/detached.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { MAX_PAGE_ROWS, type LocalColumn, type LocalEngine } from '../../../src/common/local-engine.ts';
import type { ChartRow } from './chart-figure.ts';
import { columnKindOf } from './column-kind.ts';
import { decodePage, type ResultPage } from './result-page.ts';
import { toPlotValue } from './result-values.ts';

/** More than this many rows back from a chart query is a bug in the plan; reading stops there. */
export const MAX_CHART_ROWS = 2 * MAX_PAGE_ROWS;

const asNumber = (value: unknown): number | null => {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isNaN(n) ? null : n;
};

/** The rows of one page of a chart query's answer (columns x, y, n, bin, series, other, as chart-plan.ts names them). */
export function chartRowsOf(page: ResultPage, columns: readonly LocalColumn[]): ChartRow[] {
  const at = (name: string): number => columns.findIndex((c) => c.name === name);
  const [x, y, n, bin, series, other] = ['x', 'y', 'n', 'bin', 'series', 'other'].map(at);
  const xKind = x >= 0 ? columnKindOf(columns[x].type) : ({ kind: 'other' } as const);
  const rows: ChartRow[] = [];
  for (let row = 0; row < page.rows; row += 1) {
    const seriesValue = series >= 0 ? page.value(row, series) : null;
    rows.push({
      x: x >= 0 ? toPlotValue(page.value(row, x), xKind) : null,
      y: y >= 0 ? asNumber(page.value(row, y)) : null,
      n: n >= 0 ? (asNumber(page.value(row, n)) ?? 0) : 1,
      bin: bin >= 0 ? asNumber(page.value(row, bin)) : null,
      series: seriesValue === null || seriesValue === undefined ? null : String(seriesValue),
      other: other >= 0 ? page.value(row, other) === true : false,
    });
  }
  return rows;
}

export async function readChartRows(request: { engine: LocalEngine; sql: string; signal: AbortSignal }): Promise<ChartRow[]> {
  const { engine, signal } = request;
  const run = await engine.run({ sql: request.sql, signal });
  const resultId = run.resultId;
  if (resultId === null) throw new EnclaveError('internal', 'The chart query returned no rows to draw.');
  try {
    const rows: ChartRow[] = [];
    while (rows.length < Math.min(run.rowCount, MAX_CHART_ROWS)) {
      const page = decodePage(await engine.page({ resultId, offset: rows.length, limit: MAX_PAGE_ROWS, signal }));
      if (page.rows === 0) break;
      rows.push(...chartRowsOf(page, run.columns));
    }
    return rows;
  } finally {
    // The chart's own result is of no further use; the engine forgets it whatever happened.
    await bestEffort(engine.release(resultId));
  }
}
