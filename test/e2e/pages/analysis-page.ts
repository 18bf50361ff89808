// Page object for the local analysis screen: the SQL editor, Run/Cancel, the result grid (its view bar, column menu and
// copy notice) and the chart.
import type { Locator, Page } from 'playwright-core';
import { expect, vi } from 'vitest';

const QUERY_TIMEOUT_MS = 60_000;
const CHART_TIMEOUT_MS = 60_000;

export interface QueryOutcome {
  /** The status line beside Run/Cancel ("4 rows in 23 ms.", "The query was cancelled.", …). */
  status: string;
  /** The error message shown, or '' when there is none. */
  error: string;
}

export class AnalysisPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get tab(): Locator {
    return this.page.getByTestId('tab-analysis');
  }

  get editor(): Locator {
    return this.page.getByTestId('sql-editor');
  }

  get runButton(): Locator {
    return this.page.getByTestId('run-query');
  }

  get cancelButton(): Locator {
    return this.page.getByTestId('cancel-query');
  }

  get status(): Locator {
    return this.page.getByTestId('query-status');
  }

  get error(): Locator {
    return this.page.getByTestId('query-error');
  }

  get grid(): Locator {
    return this.page.getByTestId('result-grid');
  }

  localTable(name: string): Locator {
    return this.page.getByTestId(`local-table-${name}`);
  }

  get chartType(): Locator {
    return this.page.getByTestId('chart-type');
  }

  get chartX(): Locator {
    return this.page.getByTestId('chart-x');
  }

  get chartY(): Locator {
    return this.page.getByTestId('chart-y');
  }

  get drawChartButton(): Locator {
    return this.page.getByTestId('draw-chart');
  }

  get chart(): Locator {
    return this.page.getByTestId('chart');
  }

  get chartCaption(): Locator {
    return this.page.getByTestId('chart-caption');
  }

  get chartError(): Locator {
    return this.page.getByTestId('chart-error');
  }

  async open(): Promise<void> {
    await this.tab.click();
    await this.editor.waitFor();
  }

  /** Replaces the editor's text, as a person would: select all, then type (insertText keeps it fast). */
  async setSql(sql: string): Promise<void> {
    await this.editor.click();
    await this.page.keyboard.press('ControlOrMeta+A');
    await this.page.keyboard.insertText(sql);
    await expect.poll(() => this.editor.innerText()).toBe(sql);
  }

  /** Starts a query and returns as soon as it is running (Cancel enabled). */
  async startQuery(sql: string): Promise<void> {
    await this.setSql(sql);
    await expect.poll(() => this.runButton.isEnabled(), { timeout: QUERY_TIMEOUT_MS }).toBe(true);
    await this.runButton.click();
    await expect.poll(() => this.cancelButton.isEnabled()).toBe(true);
  }

  /** Waits until no query is running, then reads what the screen says about the last one. */
  async waitForQueryEnd(timeout = QUERY_TIMEOUT_MS): Promise<QueryOutcome> {
    await vi.waitFor(
      async () => {
        if (!(await this.runButton.isEnabled()) || (await this.cancelButton.isEnabled())) throw new Error('The query is still running.');
      },
      { timeout, interval: 50 },
    );
    return { status: (await this.status.innerText()).trim(), error: (await this.error.innerText()).trim() };
  }

  /** Runs a query to its end (with the Run button, as a person would). */
  async runQuery(sql: string): Promise<QueryOutcome> {
    await this.setSql(sql);
    await expect.poll(() => this.runButton.isEnabled(), { timeout: QUERY_TIMEOUT_MS }).toBe(true);
    await this.runButton.click();
    return this.waitForQueryEnd();
  }

  async gridRows(): Promise<number> {
    return Number(await this.grid.getAttribute('data-rows'));
  }

  get chartFigure(): Locator {
    return this.page.getByTestId('chart-figure');
  }

  get chartDescription(): Locator {
    return this.page.getByTestId('chart-description');
  }

  get chartSeries(): Locator {
    return this.page.getByTestId('chart-series');
  }

  get chartTitle(): Locator {
    return this.page.getByTestId('chart-title');
  }

  /** The grid's view bar: its column picker, the button into the column menu, the count and what is in effect. */
  get gridColumn(): Locator {
    return this.page.getByTestId('grid-column');
  }

  get gridColumnMenuButton(): Locator {
    return this.page.getByTestId('grid-column-menu');
  }

  get gridStatus(): Locator {
    return this.page.getByTestId('grid-status');
  }

  get gridView(): Locator {
    return this.page.getByTestId('grid-view');
  }

  get gridClearView(): Locator {
    return this.page.getByTestId('grid-clear-view');
  }

  get columnMenu(): Locator {
    return this.page.getByTestId('column-menu');
  }

  get copyNotice(): Locator {
    return this.page.getByTestId('copy-notice');
  }

  /** Opens a column's sort, filter and summary menu from the view bar (the keyboard way). */
  async openColumnMenu(column: string): Promise<void> {
    const value = await this.gridColumn
      .locator('option', { hasText: `${column} (` })
      .first()
      .getAttribute('value');
    if (value === null) throw new Error(`The grid has no column ${column}.`);
    await this.gridColumn.selectOption(value);
    await this.gridColumnMenuButton.click();
    await this.columnMenu.waitFor();
  }

  /**
   * Sets a chart's type and axes and waits until that chart is drawn (the panel draws on every change) with Plotly's
   * SVG and the caption that describes it. Returns the caption.
   */
  async drawChart(options: { type: 'bar' | 'line' | 'scatter' | 'histogram'; x: string; y?: string }): Promise<string> {
    await this.chartType.selectOption(options.type);
    await this.chartX.selectOption(options.x);
    if (options.y !== undefined) await this.chartY.selectOption(options.y);
    const y = options.y === undefined || options.y === '__rows__' ? '' : options.y;
    const wanted = `${options.type}|${options.x}|${y}`;
    const outcome = await vi.waitFor(
      async () => {
        const error = (await this.chartError.innerText()).trim();
        if (error.length > 0) return { error };
        const state = await this.chartFigure.getAttribute('data-state');
        const drawn = await this.chartFigure.getAttribute('data-drawn');
        if (state !== 'drawn' || drawn !== wanted || (await this.chart.locator('svg.main-svg').count()) === 0) {
          throw new Error(`The chart is not drawn yet (${state}, ${drawn}).`);
        }
        return { caption: (await this.chartCaption.innerText()).trim() };
      },
      { timeout: CHART_TIMEOUT_MS, interval: 100 },
    );
    if ('error' in outcome) throw new Error(`The chart was not drawn: ${outcome.error}`);
    return outcome.caption;
  }

  /** The bars Plotly drew (one SVG path per bar). */
  async barCount(): Promise<number> {
    return this.chart.locator('.bars .point path').count();
  }
}
