// What Plotly draws for a chart output (issue 16), from its bars as published (src/common/output-chart.ts, the same
// bars the exported SVG draws): one SVG bar trace on a category axis, a cell with nothing published a gap marked
// "hidden" (or "no values"), never a bar of 0; and the caption and text alternative that say every bar's value. Pure.
import type { OutputChart } from '../../../src/common/output-chart.ts';
import { fitLabel, fitTitle, plotText, SERIES_COLOURS, type ChartTrace } from '../analysis/chart-figure.ts';
import { formatPublished } from './published-grid.ts';

export interface OutputChartFigure {
  traces: ChartTrace[];
  layout: Record<string, unknown>;
  /** "Bar chart: Admissions by region, 4 bars (1 hidden)." */
  caption: string;
  /** The axes and every bar's published value, in words. */
  description: string;
  /** Bars with a published value (drawn), and cells with none (gaps). */
  drawn: number;
  gaps: number;
}

export const OUTPUT_CHART_HEIGHT = 320;
const GAP_COLOUR = '#4c6272';

function gapWord(status: OutputChart['bars'][number]['status']): string {
  return status === 'empty' ? 'no values' : 'hidden';
}

function plural(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
}

export function outputChartFigure(chart: OutputChart, width = 640): OutputChartFigure {
  const xs = chart.bars.map((bar) => plotText(bar.label));
  const gaps = chart.bars.filter((bar) => bar.value === null);
  const drawn = chart.bars.length - gaps.length;
  const trace: ChartTrace = {
    type: 'bar',
    x: xs,
    y: chart.bars.map((bar) => bar.value),
    marker: { color: SERIES_COLOURS[0] },
    showlegend: false,
    hovertemplate: '%{x}: %{y:,}<extra></extra>',
  };
  // A gap says why it is one, on the axis where its bar would stand.
  const annotations = chart.bars.flatMap((bar, index) =>
    bar.value === null
      ? [
          {
            x: xs[index],
            y: 0,
            xref: 'x',
            yref: 'y',
            text: gapWord(bar.status),
            showarrow: false,
            textangle: -90,
            yanchor: 'bottom',
            font: { size: 12, color: GAP_COLOUR },
          },
        ]
      : [],
  );
  const type = chart.type === 'histogram' ? 'Histogram' : 'Bar chart';
  const caption = `${type}: ${chart.title}, ${plural(chart.bars.length, 'bar', 'bars')}${gaps.length > 0 ? ` (${gaps.length} ${gaps.length === 1 ? 'is' : 'are'} not published)` : ''}.`;
  const values = chart.bars
    .map((bar) => `${bar.label}: ${bar.value === null ? gapWord(bar.status) : formatPublished({ value: bar.value, status: bar.status })}`)
    .join('; ');
  const description = `Horizontal axis: ${chart.x}. Vertical axis: ${chart.y}. ${values}.`;
  const layout: Record<string, unknown> = {
    title: { text: fitTitle(chart.title, width), font: { size: 15 } },
    height: OUTPUT_CHART_HEIGHT,
    autosize: true,
    margin: { t: 44, r: 40, b: 48, l: 56 },
    font: { family: 'Arial, sans-serif', size: 13, color: '#212b32' },
    // Category axes, always: bins and categories that look like numbers ("2020") are names here, in published order.
    // A two-way chart's label on two lines ("North" over "F"), so that it fits under its bar without turning.
    xaxis: {
      title: { text: fitLabel(chart.x, width - 72) },
      type: 'category',
      tickmode: 'array',
      tickvals: xs,
      ticktext: xs.map((x) => x.split(' / ').join('<br>')),
      automargin: true,
      fixedrange: true,
    },
    yaxis: {
      title: { text: fitLabel(chart.y, OUTPUT_CHART_HEIGHT - 92) },
      automargin: true,
      rangemode: 'tozero',
      separatethousands: true,
      fixedrange: true,
    },
    bargap: chart.type === 'histogram' ? 0.04 : 0.2,
    showlegend: false,
    annotations,
    paper_bgcolor: '#ffffff',
    plot_bgcolor: '#ffffff',
  };
  return { traces: [trace], layout, caption, description, drawn, gaps: gaps.length };
}
