// How a chart gets its points: always by one SQL query in the local engine over the result's own query (the
// statement that produced it), which groups, bins or samples it there; the window only ever receives what is drawn
// (at most MAX_PAGE_ROWS rows). Plotly draws SVG only under our CSP, which is slow past a few thousand points.
import { MAX_PAGE_ROWS } from '../../../src/common/local-engine.ts';
import { splitStatements } from '../../../src/common/local-sql.ts';
import { quoteIdentifier } from '../../../src/common/sql-identifiers.ts';
import { formatCount, formatRows } from '../shell/format.ts';
import { isNumericKind, isTemporalKind, type ResultColumn } from './column-kind.ts';

export type ChartType = 'bar' | 'line' | 'scatter' | 'histogram';
export type Aggregate = 'sum' | 'avg' | 'min' | 'max';

/** What the analyst chose; kept with the tab for the session. Empty title and labels mean "automatic". */
export interface ChartSettings {
  type: ChartType;
  x: string | null;
  /** null: the number of rows (bar and line; a histogram always counts rows). */
  y: string | null;
  aggregate: Aggregate;
  /** A column whose values become coloured series (the most frequent MAX_SERIES, the rest as "Other"). */
  series: string | null;
  bins: number;
  title: string;
  xLabel: string;
  yLabel: string;
}

/** Most coloured series drawn; every other value is drawn together as "Other". */
export const MAX_SERIES = 8;
/** Most x values (bars or line points per series) drawn. */
export const MAX_GROUPS = 1_000;
/** With series, fewer x values, so x values × series still fit in one page. */
export const MAX_GROUPS_WITH_SERIES = Math.floor(MAX_PAGE_ROWS / (MAX_SERIES + 1)) - 1;
/** Points drawn for a scatter (a random sample when the result has more). */
export const SCATTER_SAMPLE = 5_000;
export const DEFAULT_BINS = 30;
export const MIN_BINS = 5;
export const MAX_BINS = 200;

export const AGGREGATE_WORDS: Record<Aggregate, string> = { sum: 'Sum', avg: 'Average', min: 'Minimum', max: 'Maximum' };

export type ChartShape = 'groups' | 'points' | 'bins';

export interface BinPlan {
  origin: number;
  width: number;
  /** Integer columns: bins cover whole numbers, drawn from n − 0.5 so each bar sits on its values. */
  integers: boolean;
}

export interface ChartQuery {
  sql: string;
  shape: ChartShape;
  /** groups: the most x values drawn (the query asks for one more, to know there were more). */
  cap: number | null;
  bins: BinPlan | null;
  /** What the note under the chart says about how its points were made. */
  note: string;
}

export type ChartPlan = { ok: true; query: ChartQuery } | { ok: false; message: string };

/**
 * The result's query as a relation to aggregate: its last statement (the one whose rows the result holds), in
 * parentheses. Running only that statement again never repeats an earlier one's effect (a CREATE, an INSERT).
 */
export function chartSource(sql: string): string | null {
  const last = splitStatements(sql).at(-1);
  if (last === undefined) return null;
  // The line break keeps a trailing "-- comment" from swallowing the parenthesis.
  return `(${last.text.trim()}\n)`;
}

/** A bin width of 1, 2 or 5 times a power of ten, giving about `bins` bins between min and max (whole for integers). */
export function planBins(request: { min: number; max: number; bins: number; integers: boolean }): BinPlan {
  const { min, max, integers } = request;
  const bins = Math.max(MIN_BINS, Math.min(MAX_BINS, Math.round(request.bins)));
  const raw = (max - min) / bins;
  let width: number;
  if (!(raw > 0)) {
    width = 1;
  } else {
    // The round width nearest the raw one (on a log scale), so the bin count stays near what was asked.
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const distance = (s: number): number => Math.abs(Math.log(s * magnitude) - Math.log(raw));
    width = [1, 2, 5, 10].reduce((best, s) => (distance(s) < distance(best) ? s : best), 1) * magnitude;
  }
  if (integers) width = Math.max(1, Math.round(width));
  const origin = Math.floor(min / width) * width;
  return { origin, width, integers };
}

const quoted = (name: string): string => quoteIdentifier(name);
const literal = (n: number): string => `(${Number.isFinite(n) ? String(n) : '0'})::DOUBLE`;

function xExpression(column: ResultColumn, shape: ChartShape): string {
  // Numbers as DOUBLE: exact text types (DECIMAL, HUGEINT) would otherwise reach the chart as text.
  if (isNumericKind(column.kind) || shape === 'bins') return `CAST(${quoted(column.name)} AS DOUBLE)`;
  return quoted(column.name);
}

function labelledRows(request: { source: string; x: string; y: string; series: ResultColumn | null }): string {
  const base = `source AS (SELECT ${request.x} AS x, ${request.y} AS y${request.series ? `, ${quoted(request.series.name)} AS s` : ''} FROM ${request.source} AS result)`;
  if (!request.series) return `WITH ${base},\nlabelled AS (SELECT x, y, NULL::VARCHAR AS series, false AS other FROM source)`;
  return [
    `WITH ${base},`,
    `top_series AS (SELECT s, true AS kept FROM source GROUP BY s ORDER BY count(*) DESC, s NULLS LAST LIMIT ${MAX_SERIES}),`,
    `labelled AS (SELECT source.x, source.y, CASE WHEN t.kept IS NULL THEN NULL ELSE CAST(source.s AS VARCHAR) END AS series, t.kept IS NULL AS other`,
    `  FROM source LEFT JOIN top_series AS t ON source.s IS NOT DISTINCT FROM t.s)`,
  ].join('\n');
}

function aggregateExpression(settings: ChartSettings): string {
  return settings.y === null ? 'count(*)::DOUBLE' : `${settings.aggregate}(y)::DOUBLE`;
}

export interface PlanRequest {
  settings: ChartSettings;
  columns: readonly ResultColumn[];
  rowCount: number;
  /** The SQL that produced the result. */
  sql: string;
  /** For a histogram: the x column's smallest and largest values (from the engine's summary). */
  bounds?: { min: number; max: number } | null;
}

/** Which columns each axis may take, by chart type. */
export function eligibleX(type: ChartType, column: ResultColumn): boolean {
  const k = column.kind.kind;
  if (type === 'histogram') return isNumericKind(column.kind);
  if (type === 'scatter') return isNumericKind(column.kind) || isTemporalKind(column.kind);
  return k !== 'nested' && k !== 'blob' && k !== 'other';
}

export function eligibleY(column: ResultColumn): boolean {
  return isNumericKind(column.kind);
}

export function eligibleSeries(column: ResultColumn): boolean {
  const k = column.kind.kind;
  return k !== 'nested' && k !== 'blob' && k !== 'other';
}

export function planChart(request: PlanRequest): ChartPlan {
  const { settings, columns, rowCount } = request;
  const byName = (name: string | null): ResultColumn | null => (name === null ? null : (columns.find((c) => c.name === name) ?? null));
  const x = byName(settings.x);
  const y = byName(settings.y);
  const series = byName(settings.series);
  if (!x) return { ok: false, message: 'Choose a column for the x axis.' };
  if (!eligibleX(settings.type, x)) {
    const wants =
      settings.type === 'histogram'
        ? 'a histogram needs a numeric column'
        : settings.type === 'scatter'
          ? 'a scatter chart needs a number or a date on the x axis'
          : `a ${x.type} column cannot be an axis`;
    return { ok: false, message: `${x.name} cannot go on the x axis: ${wants}.` };
  }
  if (settings.y !== null && (!y || !eligibleY(y)))
    return { ok: false, message: `${settings.y} is not a numeric column, so it cannot be measured on the y axis.` };
  if (settings.type === 'scatter' && !y) return { ok: false, message: 'A scatter chart needs a numeric column on the y axis.' };
  if (settings.series !== null && (!series || !eligibleSeries(series)))
    return { ok: false, message: `${settings.series} cannot colour the chart.` };
  const source = chartSource(request.sql);
  if (source === null) return { ok: false, message: 'This result has no query to chart.' };
  const rows = formatRows(rowCount);
  const coloured = series ? `, coloured by ${series.name} (its ${MAX_SERIES} most frequent values, the rest as “Other”)` : '';

  if (settings.type === 'scatter' && y) {
    const sampled = rowCount > SCATTER_SAMPLE;
    const rowsSql = labelledRows({ source, x: xExpression(x, 'points'), y: `CAST(${quoted(y.name)} AS DOUBLE)`, series });
    const points = `points AS (SELECT x, y, series, other FROM labelled WHERE x IS NOT NULL AND y IS NOT NULL)`;
    return {
      ok: true,
      query: {
        sql: `${rowsSql},\n${points}\nSELECT x, y, series, other FROM points${sampled ? ` USING SAMPLE reservoir(${SCATTER_SAMPLE} ROWS) REPEATABLE (42)` : ''}`,
        shape: 'points',
        cap: null,
        bins: null,
        note: sampled
          ? `The result has ${rows}: the chart shows a random sample of ${formatCount(SCATTER_SAMPLE)} of them${coloured}, drawn in local DuckDB.`
          : `Each point is one row of the result${coloured}.`,
      },
    };
  }

  if (settings.type === 'histogram') {
    if (!request.bounds || !Number.isFinite(request.bounds.min) || !Number.isFinite(request.bounds.max)) {
      return { ok: false, message: `${x.name} has no finite values to bin (every value is NULL, NaN or infinite).` };
    }
    const bins = planBins({ ...request.bounds, bins: settings.bins, integers: x.kind.kind === 'integer' });
    const rowsSql = labelledRows({ source, x: xExpression(x, 'bins'), y: 'NULL', series });
    return {
      ok: true,
      query: {
        sql: `${rowsSql}\nSELECT floor((x - ${literal(bins.origin)}) / ${literal(bins.width)})::BIGINT AS bin, series, other, count(*)::DOUBLE AS n FROM labelled WHERE isfinite(x) GROUP BY ALL ORDER BY bin, other, series NULLS LAST`,
        shape: 'bins',
        cap: null,
        bins,
        note: `The result has ${rows}: each bar counts the rows whose ${x.name} falls in its bin${coloured}, computed in local DuckDB.`,
      },
    };
  }

  const cap = series ? MAX_GROUPS_WITH_SERIES : MAX_GROUPS;
  const rowsSql = labelledRows({ source, x: xExpression(x, 'groups'), y: y ? `CAST(${quoted(y.name)} AS DOUBLE)` : 'NULL', series });
  const what = y ? `the ${AGGREGATE_WORDS[settings.aggregate].toLowerCase()} of ${y.name}` : 'the number of rows';
  return {
    ok: true,
    query: {
      // One x value past the cap tells us whether there were more than we draw.
      sql: [
        `${rowsSql},`,
        `ranked AS (SELECT *, dense_rank() OVER (ORDER BY x NULLS LAST) AS x_rank FROM labelled)`,
        `SELECT x, series, other, ${aggregateExpression(settings)} AS y, count(*)::DOUBLE AS n FROM ranked WHERE x_rank <= ${cap + 1}`,
        `GROUP BY ALL ORDER BY x NULLS LAST, other, series NULLS LAST`,
      ].join('\n'),
      shape: 'groups',
      cap,
      bins: null,
      note: `The result has ${rows}: the chart shows ${what} for each value of ${x.name}${coloured}, computed in local DuckDB.`,
    },
  };
}
