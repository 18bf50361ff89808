// Decides how a chart gets its points: straight from a small result, or aggregated / sampled in local DuckDB
// when the result is large (Plotly draws SVG only under our CSP, which is slow past a few thousand points).
import { quoteIdentifier } from '../../../src/common/sql-identifiers.ts';
import { formatCount, formatRows } from '../shell/format.ts';
import { asSubquery } from './sql.ts';

export type ChartType = 'bar' | 'line' | 'scatter';

/** Results up to this many rows are plotted as they are. */
export const DIRECT_PLOT_LIMIT = 5_000;
/** Most groups (bars or line points) drawn from an aggregated result. */
export const MAX_GROUPS = 1_000;
/** Points drawn for a scatter of a large result (a repeatable random sample). */
export const SCATTER_SAMPLE = 5_000;

export interface ChartRequest {
  type: ChartType;
  x: string;
  /** null: the number of rows for each x (bar and line only). */
  y: string | null;
  resultRows: number;
  /** The SQL that produced the result; large results are re-queried from it. */
  sql: string;
}

export type ChartPlan =
  | { mode: 'direct'; note: string | null }
  | { mode: 'query'; sql: string; note: string; truncatesAt: number | null }
  | { mode: 'refuse'; message: string };

export function planChart(request: ChartRequest): ChartPlan {
  if (request.type === 'scatter' && request.y === null) {
    return { mode: 'refuse', message: 'A scatter chart needs a numeric column for the y axis.' };
  }
  const yLabel = request.y ?? 'rows';
  if (request.resultRows <= DIRECT_PLOT_LIMIT) {
    const note =
      request.y === null ? `Each ${request.type === 'bar' ? 'bar' : 'point'} counts the rows for one value of ${request.x}.` : null;
    return { mode: 'direct', note };
  }
  const source = asSubquery(request.sql);
  if (source === null) {
    return {
      mode: 'refuse',
      message: `This result has ${formatRows(request.resultRows)}, too many to plot as it is, and its SQL is not a single SELECT to summarise. Aggregate it in SQL (GROUP BY) to ${formatCount(DIRECT_PLOT_LIMIT)} rows or fewer, then plot again.`,
    };
  }
  const x = quoteIdentifier(request.x);
  if (request.type === 'scatter') {
    const y = quoteIdentifier(request.y ?? '');
    return {
      mode: 'query',
      sql: `SELECT ${x} AS x, ${y} AS y FROM ${source} AS result USING SAMPLE reservoir(${SCATTER_SAMPLE} ROWS) REPEATABLE (42)`,
      note: `The result has ${formatRows(request.resultRows)}: the chart shows a random sample of ${formatCount(SCATTER_SAMPLE)} of them, drawn in local DuckDB.`,
      truncatesAt: null,
    };
  }
  const aggregate = request.y === null ? 'count(*)' : `${request.type === 'bar' ? 'sum' : 'avg'}(${quoteIdentifier(request.y)})`;
  const what = request.y === null ? 'the number of rows' : `the ${request.type === 'bar' ? 'sum' : 'average'} of ${yLabel}`;
  return {
    mode: 'query',
    // One row past the cap tells us whether there were more groups than we draw.
    sql: `SELECT ${x} AS x, ${aggregate}::DOUBLE AS y FROM ${source} AS result GROUP BY 1 ORDER BY 1 NULLS LAST LIMIT ${MAX_GROUPS + 1}`,
    note: `The result has ${formatRows(request.resultRows)}: the chart shows ${what} for each value of ${request.x}, computed in local DuckDB.`,
    truncatesAt: MAX_GROUPS,
  };
}

/** Counts rows per x for small results plotted directly with "number of rows" as y; keeps first-seen order. */
export function countByValue(values: readonly (number | string | null)[]): { x: (number | string | null)[]; y: number[] } {
  const counts = new Map<number | string | null, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return { x: [...counts.keys()], y: [...counts.values()] };
}

/** Orders points by x (numbers and ISO date strings both sort correctly), nulls last; for line charts. */
export function sortByX(
  x: readonly (number | string | null)[],
  y: readonly (number | string | null)[],
): { x: (number | string | null)[]; y: (number | string | null)[] } {
  const order = x.map((_, i) => i);
  order.sort((a, b) => compareValues(x[a], x[b]));
  return { x: order.map((i) => x[i]), y: order.map((i) => y[i]) };
}

function compareValues(a: number | string | null, b: number | string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}
