// From a chart query's rows to what Plotly draws and what the page says: SVG traces only, the analyst's own title
// and labels over the automatic ones, NULLs and capped values accounted for, series in a stable order with Other
// last, and a caption plus description that serve as the chart's text alternative.
import { describe, expect, it } from 'vitest';
import { BLANK_SETTINGS } from '../../../../renderer/src/analysis/chart-axes.ts';
import {
  buildFigure,
  fitLabel,
  fitTitle,
  plotText,
  SERIES_COLOURS,
  type ChartRow,
} from '../../../../renderer/src/analysis/chart-figure.ts';
import type { ChartQuery, ChartSettings } from '../../../../renderer/src/analysis/chart-plan.ts';
import { resultColumnsOf } from '../../../../renderer/src/analysis/column-kind.ts';

const columns = resultColumnsOf([
  { name: 'admission_method', type: 'VARCHAR' },
  { name: 'episodes', type: 'BIGINT' },
  { name: 'admitted', type: 'DATE' },
  { name: 'age', type: 'INTEGER' },
  { name: 'sex', type: 'VARCHAR' },
]);
const groups: ChartQuery = { sql: '', shape: 'groups', cap: 3, bins: null, note: '' };
const row = (patch: Partial<ChartRow>): ChartRow => ({ x: null, y: null, n: 1, bin: null, series: null, other: false, ...patch });
const settings = (patch: Partial<ChartSettings>): ChartSettings => ({ ...BLANK_SETTINGS, x: 'admission_method', y: 'episodes', ...patch });

describe('chart figures', () => {
  it('names a one-row-per-group result plainly: the caption the analyst journey reads', () => {
    const figure = buildFigure({
      settings: settings({}),
      query: { ...groups, cap: 1_000 },
      columns,
      rows: ['Elective', 'Emergency', 'Maternity', 'Other'].map((x, i) => row({ x, y: 10 * (i + 1) })),
    });
    expect(figure.caption).toBe('Bar chart: episodes by admission_method, 4 bars.');
    expect(figure.traces).toHaveLength(1);
    expect(figure.traces[0]).toMatchObject({
      type: 'bar',
      x: ['Elective', 'Emergency', 'Maternity', 'Other'],
      y: [10, 20, 30, 40],
      showlegend: false,
    });
    expect(figure.description).toBe('Horizontal axis: admission_method. Vertical axis: episodes, from 10 to 40.');
  });

  it('says how y was combined when groups hold several rows, and uses the analyst’s own words where given', () => {
    const rows = [row({ x: 'A', y: 5, n: 3 })];
    expect(buildFigure({ settings: settings({ aggregate: 'avg' }), query: groups, columns, rows }).caption).toBe(
      'Bar chart: Average of episodes by admission_method, 1 bar.',
    );
    const mine = buildFigure({
      settings: settings({ title: 'Admissions, 2021', xLabel: 'How admitted', yLabel: '' }),
      query: groups,
      columns,
      rows,
    });
    expect(mine.caption).toBe('Bar chart: Admissions, 2021, 1 bar.');
    expect(mine.layout).toMatchObject({
      title: { text: 'Admissions, 2021' },
      xaxis: { title: { text: 'How admitted' } },
      yaxis: { title: { text: 'Sum of episodes' } },
    });
    expect(mine.automatic).toEqual({ title: 'Sum of episodes by admission_method', xLabel: 'admission_method', yLabel: 'Sum of episodes' });
  });

  it('draws NULL as a category of its own, but notes the rows a date axis cannot place', () => {
    const category = buildFigure({ settings: settings({}), query: groups, columns, rows: [row({ x: null, y: 2 }), row({ x: 'A', y: 1 })] });
    expect(category.traces[0].x).toEqual(['NULL', 'A']);
    const dates = buildFigure({
      settings: settings({ type: 'line', x: 'admitted', y: null }),
      query: groups,
      columns,
      rows: [row({ x: '2021-01-01', y: 4, n: 4 }), row({ x: null, y: 7, n: 7 })],
    });
    expect(dates.traces[0].x).toEqual(['2021-01-01']);
    expect(dates.notes).toEqual(['7 rows have no admitted and are not drawn.']);
    expect(dates.layout).toMatchObject({ xaxis: { type: 'date' } });
  });

  it('drops the value past the cap and says there were more', () => {
    const figure = buildFigure({ settings: settings({}), query: groups, columns, rows: ['a', 'b', 'c', 'd'].map((x) => row({ x, y: 1 })) });
    expect(figure.marks).toBe(3);
    expect(figure.notes).toEqual(['There are more than 3 values of admission_method; the chart shows the first 3 in order.']);
  });

  it('draws one coloured trace per series, NULL and Other last, Other in grey, with a legend', () => {
    const figure = buildFigure({
      settings: settings({ series: 'sex' }),
      query: { ...groups, cap: 10 },
      columns,
      rows: [
        row({ x: 'A', y: 1, series: 'M' }),
        row({ x: 'A', y: 2, other: true }),
        row({ x: 'A', y: 3, series: null }),
        row({ x: 'A', y: 4, series: 'F' }),
      ],
    });
    expect(figure.traces.map((t) => t.name)).toEqual(['F', 'M', 'NULL', 'Other']);
    expect(figure.traces[0].marker).toMatchObject({ color: SERIES_COLOURS[0] });
    expect(figure.traces[3].marker).toMatchObject({ color: '#768692' });
    expect(figure.layout).toMatchObject({ showlegend: true, legend: { title: { text: 'sex' } } });
    expect(figure.description).toContain('Colours: sex, 4 series (F, M, NULL, Other).');
  });

  it('draws a histogram as bars on its bins, whole numbers centred on their values', () => {
    const figure = buildFigure({
      settings: settings({ type: 'histogram', x: 'age', y: null }),
      query: { sql: '', shape: 'bins', cap: null, bins: { origin: 20, width: 10, integers: true }, note: '' },
      columns,
      rows: [row({ bin: 0, n: 5 }), row({ bin: 2, n: 8 })],
    });
    expect(figure.caption).toBe('Histogram: Distribution of age, 2 bars.');
    expect(figure.traces[0]).toMatchObject({
      type: 'bar',
      x: [24.5, 44.5],
      y: [5, 8],
      width: [10, 10],
      customdata: ['20 to 29', '40 to 49'],
    });
    expect(figure.layout).toMatchObject({ bargap: 0, barmode: 'stack', yaxis: { title: { text: 'Number of rows' } } });
  });

  it('draws a scatter as SVG markers (no WebGL trace type under the CSP)', () => {
    const figure = buildFigure({
      settings: settings({ type: 'scatter', x: 'age', y: 'episodes' }),
      query: { sql: '', shape: 'points', cap: null, bins: null, note: '' },
      columns,
      rows: [row({ x: 30, y: 2 }), row({ x: 40, y: 3 })],
    });
    expect(figure.traces[0]).toMatchObject({ type: 'scatter', mode: 'markers' });
    expect(figure.caption).toBe('Scatter chart: episodes against age, 2 points.');
  });

  it('never lets a value, a column name or a title become markup in Plotly (no link can take the window away)', () => {
    const link = '<a href="https://example.org">click</a>';
    expect(plotText(link)).toBe('&lt;a href="https://example.org"&gt;click&lt;/a&gt;');
    const figure = buildFigure({
      settings: settings({ series: 'sex', title: `Mine ${link}` }),
      query: { ...groups, cap: 10 },
      columns,
      rows: [row({ x: link, y: 1, series: '<b>F</b>' })],
    });
    expect(figure.traces[0].x).toEqual([plotText(link)]);
    expect(figure.traces[0].name).toBe('&lt;b&gt;F&lt;/b&gt;');
    expect(JSON.stringify(figure.layout)).not.toContain('<a');
    // The caption is page text (React escapes it): the analyst's own words as typed.
    expect(figure.caption).toContain(`Mine ${link}`);
  });

  it('fits a long title on two lines and cuts long axis labels to their axis', () => {
    const title = 'Average length of stay in days by admission method and provider code for the whole study period';
    const fitted = fitTitle(title, 400);
    expect(fitted.split('<br>')).toHaveLength(2);
    expect(fitted.split('<br>').every((line) => line.length <= 49)).toBe(true);
    expect(fitted.endsWith('…')).toBe(true);
    expect(fitTitle('Short', 400)).toBe('Short');
    expect(fitLabel('a'.repeat(100), 150)).toBe(`${'a'.repeat(19)}…`);
    expect(fitLabel('age', 150)).toBe('age');
  });
});
