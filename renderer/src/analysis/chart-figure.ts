// From the rows a chart query returned to what Plotly draws (SVG traces only) and what the page says about it: the
// title and axis labels (the analyst's own, or automatic ones), the caption and a text alternative that says what
// the chart shows, and notes on anything not drawn. Pure: no DOM, no Plotly.
import { formatCount } from '../shell/format.ts';
import { isNumericKind, isTemporalKind, type ResultColumn } from './column-kind.ts';
import { AGGREGATE_WORDS, type ChartQuery, type ChartSettings, type ChartType } from './chart-plan.ts';
import { formatFloat } from './result-values.ts';

/** An SVG trace as Plotly takes it (plotly.d.ts declares the same shape for Plotly itself). */
export interface ChartTrace {
  type: 'bar' | 'scatter';
  mode?: 'lines' | 'markers' | 'lines+markers';
  x: (number | string | null)[];
  y: (number | string | null)[];
  width?: number[];
  name?: string;
  showlegend?: boolean;
  marker?: Record<string, unknown>;
  line?: Record<string, unknown>;
  hovertemplate?: string;
  customdata?: (number | string)[];
}

/** One row of a chart query's answer (columns absent from a shape are null). */
export interface ChartRow {
  x: number | string | null;
  y: number | null;
  n: number;
  bin: number | null;
  series: string | null;
  other: boolean;
}

export interface ChartFigure {
  traces: ChartTrace[];
  layout: Record<string, unknown>;
  /** "Bar chart: Sum of episodes by admission_method, 4 bars." */
  caption: string;
  /** What the chart shows, in sentences (the rest of its text alternative). */
  description: string;
  notes: string[];
  /** The automatic title and labels, shown as placeholders where the analyst writes their own. */
  automatic: { title: string; xLabel: string; yLabel: string };
  marks: number;
}

/** Colours told apart with common colour-vision deficiencies, each at least 3:1 against white; "Other" in grey. */
export const SERIES_COLOURS = ['#005eb8', '#d9480f', '#007f3b', '#7c2855', '#330072', '#8a6d00', '#00708a', '#ae2573'];
const OTHER_COLOUR = '#768692';

const TYPE_WORDS: Record<ChartType, string> = { bar: 'Bar chart', line: 'Line chart', scatter: 'Scatter chart', histogram: 'Histogram' };

/**
 * Plotly reads text as a little HTML (<br>, <b>, even <a href>): a column name, a value or a title must show as the
 * characters it is, never as markup, so a value cannot draw a link that takes the window away.
 */
export function plotText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Roughly how many characters of 13 px Arial fit in `pixels`. */
const charsIn = (pixels: number): number => Math.max(12, Math.floor(pixels / 7.5));

/** A title on at most two lines that fit the plot's width (cut with … past that); the caption has it whole. */
export function fitTitle(text: string, width: number): string {
  const limit = charsIn(width - 32);
  if (text.length <= limit) return plotText(text);
  const words = text.split(' ');
  let first = '';
  while (words.length > 0 && `${first} ${words[0]}`.trim().length <= limit) first = `${first} ${words.shift()}`.trim();
  if (first.length === 0) first = (words.shift() ?? '').slice(0, limit);
  const rest = words.join(' ');
  const second = rest.length <= limit ? rest : `${rest.slice(0, limit - 1)}…`;
  return second.length > 0 ? `${plotText(first)}<br>${plotText(second)}` : plotText(first);
}

/** An axis label cut to the length of its axis (…); the caption and description say it whole. */
export function fitLabel(text: string, pixels: number): string {
  const limit = charsIn(pixels);
  return plotText(text.length <= limit ? text : `${text.slice(0, limit - 1)}…`);
}

function number(n: number): string {
  return Math.abs(n) >= 1e15 || Number.isInteger(n) ? formatCount(n) : formatFloat(n);
}

function seriesName(row: ChartRow): string {
  return row.other ? 'Other' : (row.series ?? 'NULL');
}

/** Series in a stable order: by name, with NULL and Other last. */
function seriesOrder(rows: readonly ChartRow[]): string[] {
  const names = new Set(rows.map(seriesName));
  const rank = (name: string): number => (name === 'Other' ? 2 : name === 'NULL' ? 1 : 0);
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function automaticWords(request: { settings: ChartSettings; x: ResultColumn; onePerGroup: boolean }): {
  title: string;
  xLabel: string;
  yLabel: string;
} {
  const { settings, x } = request;
  const by = settings.series ? ` and ${settings.series}` : '';
  if (settings.type === 'histogram')
    return {
      title: `Distribution of ${x.name}${settings.series ? ` by ${settings.series}` : ''}`,
      xLabel: x.name,
      yLabel: 'Number of rows',
    };
  if (settings.type === 'scatter') {
    const y = settings.y ?? '';
    return { title: `${y} against ${x.name}${settings.series ? ` by ${settings.series}` : ''}`, xLabel: x.name, yLabel: y };
  }
  if (settings.y === null) return { title: `Number of rows by ${x.name}${by}`, xLabel: x.name, yLabel: 'Number of rows' };
  // A result with one row per group needs no word for how it was combined: the value is the value.
  const yLabel = request.onePerGroup ? settings.y : `${AGGREGATE_WORDS[settings.aggregate]} of ${settings.y}`;
  return { title: `${yLabel} by ${x.name}${by}`, xLabel: x.name, yLabel };
}

function axisType(column: ResultColumn, settings: ChartSettings): 'category' | 'date' | 'linear' {
  if (settings.type === 'histogram' || isNumericKind(column.kind)) return 'linear';
  if (isTemporalKind(column.kind)) return 'date';
  return 'category';
}

export function buildFigure(request: {
  settings: ChartSettings;
  query: ChartQuery;
  columns: readonly ResultColumn[];
  rows: readonly ChartRow[];
  /** The plot's size in pixels, to fit the title and axis labels (640 × 420 when unknown). */
  box?: { width: number; height: number };
}): ChartFigure {
  const plotWidth = request.box?.width || 640;
  const plotHeight = request.box?.height || 420;
  const { settings, query } = request;
  const x = request.columns.find((c) => c.name === settings.x);
  if (!x) throw new Error('buildFigure needs the x column');
  const notes: string[] = [];
  const type = axisType(x, settings);
  let rows = [...request.rows];

  if (query.shape === 'groups') {
    // Category axes draw NULL as a value of its own; number and date axes cannot place it.
    if (type === 'category') rows = rows.map((row) => (row.x === null ? { ...row, x: 'NULL' } : row));
    else {
      const missing = rows.filter((row) => row.x === null).reduce((sum, row) => sum + row.n, 0);
      if (missing > 0)
        notes.push(
          `${formatCount(missing)} ${missing === 1 ? 'row has' : 'rows have'} no ${x.name} and ${missing === 1 ? 'is' : 'are'} not drawn.`,
        );
      rows = rows.filter((row) => row.x !== null);
    }
    const xs = [...new Set(rows.map((row) => row.x))];
    if (query.cap !== null && xs.length > query.cap) {
      const kept = new Set(xs.slice(0, query.cap));
      rows = rows.filter((row) => kept.has(row.x));
      notes.push(
        `There are more than ${formatCount(query.cap)} values of ${x.name}; the chart shows the first ${formatCount(query.cap)} in order.`,
      );
    }
  }

  const onePerGroup = query.shape === 'groups' && rows.length > 0 && rows.every((row) => row.n === 1);
  const automatic = automaticWords({ settings, x, onePerGroup });
  const title = settings.title.trim() || automatic.title;
  const xLabel = settings.xLabel.trim() || automatic.xLabel;
  const yLabel = settings.yLabel.trim() || automatic.yLabel;

  const names = seriesOrder(rows);
  const coloured = settings.series !== null;
  const colourOf = (name: string, index: number): string =>
    name === 'Other' ? OTHER_COLOUR : SERIES_COLOURS[index % SERIES_COLOURS.length];
  const traces: ChartTrace[] = names.map((name, index) => {
    const own = rows.filter((row) => seriesName(row) === name);
    const colour = colourOf(name, index);
    const label = coloured ? { name: plotText(name), showlegend: true } : { showlegend: false };
    if (query.shape === 'bins' && query.bins) {
      const { origin, width, integers } = query.bins;
      const start = (row: ChartRow): number => origin + (row.bin ?? 0) * width - (integers ? 0.5 : 0);
      return {
        type: 'bar',
        x: own.map((row) => start(row) + width / 2),
        y: own.map((row) => row.n),
        width: own.map(() => width),
        marker: { color: colour, line: { color: '#ffffff', width: 1 } },
        hovertemplate: `%{customdata}<br>%{y:,} rows<extra>${coloured ? plotText(name) : ''}</extra>`,
        customdata: own.map((row) => {
          const from = origin + (row.bin ?? 0) * width;
          return integers ? `${number(from)} to ${number(from + width - 1)}` : `${number(from)} to under ${number(from + width)}`;
        }),
        ...label,
      };
    }
    // Category values are text Plotly would read as markup; numbers and dates are not.
    const xs = own.map((row) => (type === 'category' && typeof row.x === 'string' ? plotText(row.x) : row.x));
    const ys = own.map((row) => row.y);
    if (settings.type === 'bar') return { type: 'bar', x: xs, y: ys, marker: { color: colour }, ...label };
    if (settings.type === 'line') {
      return {
        type: 'scatter',
        mode: xs.length <= 200 ? 'lines+markers' : 'lines',
        x: xs,
        y: ys,
        line: { color: colour, width: 2 },
        marker: { color: colour },
        ...label,
      };
    }
    return { type: 'scatter', mode: 'markers', x: xs, y: ys, marker: { color: colour, size: 6, opacity: 0.6 }, ...label };
  });

  const marks = rows.length;
  const noun =
    settings.type === 'bar'
      ? marks === 1
        ? 'bar'
        : 'bars'
      : settings.type === 'histogram'
        ? marks === 1
          ? 'bar'
          : 'bars'
        : marks === 1
          ? 'point'
          : 'points';
  const caption = `${TYPE_WORDS[settings.type]}: ${title}, ${formatCount(marks)} ${noun}.`;

  const values =
    query.shape === 'bins'
      ? rows.map((row) => row.n)
      : rows.map((row) => row.y).filter((v): v is number => v !== null && Number.isFinite(v));
  const sentences: string[] = [`Horizontal axis: ${xLabel}. Vertical axis: ${yLabel}`];
  if (values.length > 0) sentences[0] += `, from ${number(Math.min(...values))} to ${number(Math.max(...values))}`;
  sentences[0] += '.';
  if (coloured) sentences.push(`Colours: ${settings.series}, ${formatCount(names.length)} series (${names.join(', ')}).`);

  const layout: Record<string, unknown> = {
    title: { text: fitTitle(title, plotWidth), font: { size: 15 } },
    autosize: true,
    margin: { t: 44, r: 16, b: 48, l: 56 },
    font: { family: 'Arial, sans-serif', size: 13, color: '#212b32' },
    xaxis: { title: { text: fitLabel(xLabel, plotWidth - 72) }, automargin: true, type, separatethousands: true },
    yaxis: {
      title: { text: fitLabel(yLabel, plotHeight - (coloured ? 160 : 92)) },
      automargin: true,
      rangemode: settings.type === 'scatter' ? 'normal' : 'tozero',
      separatethousands: true,
    },
    barmode: settings.type === 'histogram' ? 'stack' : 'group',
    bargap: settings.type === 'histogram' ? 0 : 0.2,
    showlegend: coloured,
    // Below the plot, across: a narrow pane keeps the plot's whole width and the title stays clear.
    legend: coloured
      ? { title: { text: plotText(settings.series ?? '') }, orientation: 'h', x: 0, y: 0, yref: 'container', yanchor: 'bottom' }
      : undefined,
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
  };
  return { traces, layout, caption, description: sentences.join(' '), notes, automatic, marks };
}
