// A chart output's bars, from its published cells only (issue 16): one bar per interior cell in the published order,
// labelled by its categories, with the value as published (rounded where it was rounded) and no value where nothing is
// published (a hidden cell, or a mean over no values), so every drawing of it shows a gap there, never a zero. The
// builder's preview, the checkers' review and the exported SVG all draw these bars. Pure.
import type { CellKey, PublishedCell, PublishedOutput } from './output-check.ts';

export interface OutputChartBar {
  /** The cell's categories joined by " / " ("Total" for a dimension summed over). */
  readonly label: string;
  /** Null: nothing is published for this cell (see `status`). */
  readonly value: number | null;
  readonly status: PublishedCell['status'];
}

export interface OutputChart {
  readonly type: 'bar' | 'histogram';
  readonly title: string;
  /** The axis titles. */
  readonly x: string;
  readonly y: string;
  readonly bars: readonly OutputChartBar[];
}

/** A bar's label: each dimension's category in order, "Total" for "*". */
export function barLabel(content: Pick<PublishedOutput, 'dimensions'>, key: CellKey): string {
  return content.dimensions
    .map((dimension) => {
      const value = key[dimension];
      if (value === undefined) return '';
      return value === '*' ? 'Total' : String(value);
    })
    .join(' / ');
}

/** The bars of a published table's interior cells (its totals are not drawn). */
export function chartBars(content: Pick<PublishedOutput, 'dimensions' | 'cells'>): OutputChartBar[] {
  return content.cells.map((cell) => ({ label: barLabel(content, cell.key), value: cell.value, status: cell.status }));
}

/** The chart a published output draws, or null when it is not a chart. */
export function outputChart(content: PublishedOutput): OutputChart | null {
  if (content.chart === null) return null;
  return { type: content.chart.type, title: content.title, x: content.chart.x, y: content.chart.y, bars: chartBars(content) };
}
