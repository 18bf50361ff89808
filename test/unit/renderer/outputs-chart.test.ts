// A chart output as Plotly draws it in the builder and the review (renderer/src/outputs/output-chart-figure.ts), from a
// published output the real check made: a hidden cell is a gap (no y, a "hidden" note where its bar would stand), never
// a bar of 0; categories stay names on a category axis; labels are text, never markup; the caption and text alternative
// say every bar's published value.
import { describe, expect, it } from 'vitest';
import { outputChart, type OutputChart } from '../../../src/common/output-chart.ts';
import { checkOutput, publishedOutput } from '../../../src/common/output-check.ts';
import type { OutputDocument } from '../../../src/common/outputs.ts';
import { createHighsSolver } from '../../../src/common/sdc/highs-solver.ts';
import { PROFILES } from '../../../src/common/sdc/rules.ts';
import { outputChartFigure } from '../../../renderer/src/outputs/output-chart-figure.ts';

const solver = createHighsSolver();

async function suppressedHistogram(): Promise<OutputChart> {
  const document: OutputDocument = {
    kind: 'chart',
    title: 'Age at admission',
    source: { sql: 'SELECT age FROM admissions', engine: 'native' },
    chart: 'histogram',
    table: {
      dimensions: ['age'],
      cells: [
        { key: { age: '0–10' }, count: 25 },
        { key: { age: '10–20' }, count: 4 },
        { key: { age: '20–30' }, count: 1031 },
      ],
      totals: 'none',
    },
    mitigation: { kind: 'suppressed', roundingBase: null },
    x: 'age',
    y: 'Number of rows',
  };
  const check = await checkOutput(document, { rules: PROFILES.default, solver: await solver, released: [] });
  const chart = outputChart(publishedOutput(document, check));
  if (chart === null) throw new Error('a chart output has a chart');
  return chart;
}

describe('a chart output as Plotly draws it', () => {
  it('a suppressed bin is a gap marked "hidden", not a bar of 0', async () => {
    const figure = outputChartFigure(await suppressedHistogram());
    expect(figure.traces).toHaveLength(1);
    expect(figure.traces[0]).toMatchObject({ type: 'bar', x: ['0–10', '10–20', '20–30'], y: [25, null, 1031] });
    expect(figure.layout['annotations']).toEqual([expect.objectContaining({ x: '10–20', y: 0, text: 'hidden', showarrow: false })]);
    expect([figure.drawn, figure.gaps]).toEqual([2, 1]);
  });

  it('the caption counts the bars and says how many are not published; the description says each value', async () => {
    const figure = outputChartFigure(await suppressedHistogram());
    expect(figure.caption).toBe('Histogram: Age at admission, 3 bars (1 is not published).');
    expect(figure.description).toBe('Horizontal axis: age. Vertical axis: Number of rows. 0–10: 25; 10–20: hidden; 20–30: 1,031.');
  });

  it('categories are names on a category axis, in published order, and text is never markup', () => {
    const chart: OutputChart = {
      type: 'bar',
      title: 'Admissions <b>by</b> year',
      x: 'year',
      y: 'Mean of <i>stay</i>',
      bars: [
        { label: '2021', value: 12.5, status: 'published' },
        { label: '2020 <a href="x">', value: null, status: 'empty' },
        { label: 'Total', value: 30, status: 'rounded' },
      ],
    };
    const figure = outputChartFigure(chart);
    expect(figure.traces[0]?.x).toEqual(['2021', '2020 &lt;a href="x"&gt;', 'Total']);
    expect(figure.layout['xaxis']).toMatchObject({ type: 'category', title: { text: 'year' } });
    expect(outputChartFigure({ ...chart, bars: [{ label: 'North / F', value: 3, status: 'published' }] }).layout['xaxis']).toMatchObject({
      tickvals: ['North / F'],
      ticktext: ['North<br>F'],
    });
    expect(figure.layout['yaxis']).toMatchObject({ title: { text: 'Mean of &lt;i&gt;stay&lt;/i&gt;' }, rangemode: 'tozero' });
    expect(figure.layout['title']).toMatchObject({ text: 'Admissions &lt;b&gt;by&lt;/b&gt; year' });
    expect(figure.layout['annotations']).toEqual([expect.objectContaining({ x: '2020 &lt;a href="x"&gt;', text: 'no values' })]);
    expect(figure.caption).toBe('Bar chart: Admissions <b>by</b> year, 3 bars (1 is not published).');
    expect(figure.description).toContain('2021: 12.5; 2020 <a href="x">: no values; Total: 30.');
  });
});
