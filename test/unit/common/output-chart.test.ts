// A chart output's bars (src/common/output-chart.ts), from published outputs the real check made with the HiGHS solver:
// one bar per interior cell, a hidden cell a gap (no value, never 0), a rounded cell at its published value, totals not
// drawn; and the bars are the ones the exported SVG draws, label for label.
import { describe, expect, it } from 'vitest';
import { barLabel, chartBars, outputChart } from '../../../src/common/output-chart.ts';
import { checkOutput, publishedOutput, type PublishedOutput } from '../../../src/common/output-check.ts';
import type { AppliedMitigation, OutputDocument } from '../../../src/common/outputs.ts';
import { createHighsSolver } from '../../../src/common/sdc/highs-solver.ts';
import type { LpSolver } from '../../../src/common/sdc/lp.ts';
import { PROFILES } from '../../../src/common/sdc/rules.ts';
import { renderExport } from '../../../src/workstation/airlock/export-render.ts';
import { CHART, CHART_FILE_ID, releasedFile, TABLE } from '../workstation/airlock-fixtures.ts';

let solver: Promise<LpSolver> | null = null;
const highs = (): Promise<LpSolver> => (solver ??= createHighsSolver());

const NONE: AppliedMitigation = { kind: 'none', roundingBase: null };
const SUPPRESSED: AppliedMitigation = { kind: 'suppressed', roundingBase: null };
const source = { sql: 'SELECT age FROM admissions', engine: 'native' as const };

async function published(document: OutputDocument): Promise<PublishedOutput> {
  const check = await checkOutput(document, { rules: PROFILES.default, solver: await highs(), released: [] });
  return publishedOutput(document, check);
}

function histogram(mitigation: AppliedMitigation): OutputDocument {
  return {
    kind: 'chart',
    title: 'Age at admission',
    source,
    chart: 'histogram',
    table: {
      dimensions: ['age'],
      cells: [
        { key: { age: '0–10' }, count: 25 },
        { key: { age: '10–20' }, count: 4 },
        { key: { age: '20–30' }, count: 31 },
      ],
      totals: 'none',
    },
    mitigation,
    x: 'age',
    y: 'Number of rows',
  };
}

function regionBySex(mitigation: AppliedMitigation): OutputDocument {
  return {
    kind: 'chart',
    title: 'Admissions by region and sex',
    source,
    chart: 'bar',
    table: {
      dimensions: ['region', 'sex'],
      cells: [
        { key: { region: 'North', sex: 'F' }, count: 12 },
        { key: { region: 'North', sex: 'M' }, count: 3 },
        { key: { region: 'South', sex: 'F' }, count: 41 },
        { key: { region: 'South', sex: 'M' }, count: 36 },
        { key: { region: 'East', sex: 'F' }, count: 30 },
        { key: { region: 'East', sex: 'M' }, count: 28 },
      ],
    },
    mitigation,
    x: 'region and sex',
    y: 'Number of admissions',
  };
}

describe('the bars of a chart output', () => {
  it('a suppressed bin is a gap: no value, not 0, in its place among the others', async () => {
    const chart = outputChart(await published(histogram(SUPPRESSED)));
    expect(chart).toEqual({
      type: 'histogram',
      title: 'Age at admission',
      x: 'age',
      y: 'Number of rows',
      bars: [
        { label: '0–10', value: 25, status: 'published' },
        { label: '10–20', value: null, status: 'suppressed' },
        { label: '20–30', value: 31, status: 'published' },
      ],
    });
  });

  it('unmitigated, the small bin is drawn as it is (the report flags it)', async () => {
    const bars = outputChart(await published(histogram(NONE)))?.bars;
    expect(bars?.map((bar) => bar.value)).toEqual([25, 4, 31]);
  });

  it('rounded counts are drawn at their published values', async () => {
    const bars = outputChart(await published(histogram({ kind: 'rounded', roundingBase: 10 })))?.bars;
    // A count rounded to 0 is published as 0 (nothing is hidden): a bar of no height, unlike a hidden bin's gap.
    expect(bars?.map((bar) => bar.value)).toEqual([30, 0, 30]);
    expect(bars?.[0]?.status).toBe('rounded');
  });

  it('a two-way bar chart: one bar per interior cell labelled by both categories; totals are not bars', async () => {
    const output = await published(regionBySex(SUPPRESSED));
    expect(output.totals.length).toBeGreaterThan(0);
    const bars = chartBars(output);
    expect(bars.map((bar) => bar.label)).toEqual(['North / F', 'North / M', 'South / F', 'South / M', 'East / F', 'East / M']);
    // North × M fails the threshold; other cells are hidden with it so that the totals do not give it away.
    expect(bars.find((bar) => bar.label === 'North / M')).toEqual({ label: 'North / M', value: null, status: 'suppressed' });
    expect(bars.map((bar) => bar.value)).toEqual(output.cells.map((cell) => cell.value));
    expect(bars.filter((bar) => bar.value === null).length).toBeGreaterThan(1);
  });

  it('labels: "Total" for a dimension summed over, numbers as written, nothing for a missing dimension', () => {
    const dims = { dimensions: ['region', 'year'] };
    expect(barLabel(dims, { region: '*', year: 2020 })).toBe('Total / 2020');
    expect(barLabel(dims, { region: 'North', year: 0 })).toBe('North / 0');
    expect(barLabel(dims, { region: 'North' })).toBe('North / ');
  });

  it('a table or a regression is not a chart', () => {
    expect(outputChart(TABLE)).toBeNull();
  });

  it('the exported SVG draws the same bars, with the same labels and values', () => {
    const rendered = renderExport(releasedFile(CHART, CHART_FILE_ID), 'svg', {
      projectName: 'COVID-19 outcomes',
      projectId: 'covid-outcomes',
      exportedAt: '2026-12-06T09:00:00.000Z',
    });
    const svg = new TextDecoder().decode(rendered.bytes);
    const description = /<desc id="chart-desc">([^<]*)<\/desc>/.exec(svg)?.[1];
    const bars = outputChart(CHART)?.bars ?? [];
    expect(bars.map((bar) => [bar.label, bar.value])).toEqual([
      ['negative', 150],
      ['positive', 35],
      ['void', null],
    ]);
    expect(description).toBe(bars.map((bar) => `${bar.label}: ${bar.value === null ? 'suppressed' : String(bar.value)}`).join('; '));
  });
});
