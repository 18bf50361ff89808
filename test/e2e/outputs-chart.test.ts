// Issue 16: a chart output is drawn where the analyst builds it and where the checkers review it, from its published
// cells (the bars the exported SVG draws): a hidden cell is a gap marked "hidden", never a bar of 0, and the table of the
// same cells stays below it. Ada builds a bar chart with a small cell in the output builder, applies the suggested
// suppression and sees it drawn; she submits it, and Chloe (an output checker, in her own workstation) sees the same
// bars in her review. Both screens at 1366×768 with no serious axe violation; screenshots in
// test-results/e2e/oc-*.png. SATRE 3.1.10 (disclosure control of outputs).
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CataloguePage } from './pages/catalogue-page.ts';
import { CheckingPage } from './pages/checking-page.ts';
import { OutputsPage } from './pages/outputs-page.ts';
import { ADA, CHLOE, SessionPage, type LoginPage } from './pages/session-page.ts';
import { WorkspacePage } from './pages/workspace-page.ts';
import { saveScreenshot } from './support/artifacts.ts';
import { expectNoSeriousAccessibilityViolations } from './support/axe.ts';
import { startBrowserApp, type BrowserApp } from './support/browser-app.ts';
import { openSecondWindow, type SecondWindow } from './support/second-window.ts';

const DEMO = { scale: 10_000, seed: 1 };
const SMALL_SCREEN = { width: 1366, height: 768 };
const PROJECT = 'covid-outcomes';
const TITLE = 'Admissions by method and length of stay, as a bar chart';
const FILE = 'stays-by-method-chart.json';
/** Long stays are rare for some admission methods: a table with small cells. */
const SQL =
  "SELECT admission_method, CASE WHEN length_of_stay > 7 THEN 'over a week' ELSE 'up to a week' END AS stay FROM hospital_episodes_sample";

/** Waits until the builder's preview is the platform's check of the current choices. */
async function previewSettled(page: Page): Promise<void> {
  await expect.poll(() => page.getByTestId('output-preview').getAttribute('data-current'), { timeout: 60_000 }).toBe('true');
  await expect.poll(() => page.getByTestId('output-progress').innerText()).toBe('');
}

/** The little of the DOM the page functions use (the tests are typed without the DOM library). */
interface PageElement {
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { height: number };
  querySelector(selector: string): { textContent: string | null } | null;
}

/** The chart's element as Plotly leaves it: the data it was given. */
interface PlotElement {
  data?: { y: (number | null)[] }[];
}

interface Cells {
  /** Interior cells with a value, and of those the ones published as 0 (a bar of no height). */
  shown: number;
  zeros: number;
  hidden: number;
}

/** The interior cells of the published table (a total's key holds "*"), by what is published. */
async function interiorCells(scope: Locator): Promise<Cells> {
  const cells = await scope
    .locator('[data-testid="published-cell"]')
    .evaluateAll((elements: PageElement[]) =>
      elements
        .filter((cell) => !(cell.getAttribute('data-cell') ?? '').includes('*'))
        .map((cell) => ({ status: cell.getAttribute('data-status'), value: cell.querySelector('.cell-value')?.textContent ?? '' })),
    );
  const shown = cells.filter((cell) => cell.status === 'published' || cell.status === 'rounded');
  return {
    shown: shown.length,
    zeros: shown.filter((cell) => cell.value === '0').length,
    hidden: cells.filter((cell) => cell.status === 'suppressed').length,
  };
}

/** What Plotly drew: its values (null: a gap), the bars with a height, and the gap notes on the plot. */
async function drawnChart(chart: Locator): Promise<Cells & { barsWithHeight: number; gapNotes: string[] }> {
  await expect.poll(() => chart.getAttribute('data-state'), { timeout: 60_000 }).toBe('drawn');
  const plot = chart.getByTestId('output-chart-plot');
  const values = await plot.evaluate((element: PlotElement) => element.data?.[0]?.y ?? []);
  const barsWithHeight = await plot
    .locator('svg.main-svg .trace.bars .point path')
    .evaluateAll((paths: PageElement[]) => paths.filter((path) => path.getBoundingClientRect().height > 0).length);
  return {
    shown: values.filter((value) => value !== null).length,
    zeros: values.filter((value) => value === 0).length,
    hidden: values.filter((value) => value === null).length,
    barsWithHeight,
    gapNotes: await plot.locator('svg.main-svg .annotation-text').allTextContents(),
  };
}

/** The chart drawn for these published cells: a bar for each value (of no height for a 0), a "hidden" note for each gap. */
function expectedChart(cells: Cells): Cells & { barsWithHeight: number; gapNotes: string[] } {
  return { ...cells, barsWithHeight: cells.shown - cells.zeros, gapNotes: Array.from({ length: cells.hidden }, () => 'hidden') };
}

describe('browser shell: a chart output drawn in the builder and in the checkers’ review (issue 16)', () => {
  let app: BrowserApp;
  let chloeWindow: SecondWindow;
  let ada: SessionPage;
  let chloe: SessionPage;
  let requestId = '';
  let published: Cells = { shown: 0, zeros: 0, hidden: 0 };
  const logins: LoginPage[] = [];

  beforeAll(async () => {
    app = await startBrowserApp(DEMO);
    chloeWindow = await openSecondWindow(app, 'Chloe’s workstation');
    for (const page of [app.page, chloeWindow.page]) await page.setViewportSize(SMALL_SCREEN);
    ada = new SessionPage(app.page, app.problems);
    chloe = new SessionPage(chloeWindow.page, chloeWindow.problems);
    await app.page.goto(app.shell.launchUrl);
    await chloeWindow.page.goto(chloeWindow.shell.launchUrl);
    await Promise.all([ada.waitForSignInScreen(), chloe.waitForSignInScreen()]);
  }, 180_000);

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') {
      const name = context.task.name.slice(0, 40).replace(/\W+/g, '-');
      await saveScreenshot(app.page, `oc-failed-ada-${name}`);
      await saveScreenshot(chloeWindow.page, `oc-failed-chloe-${name}`);
    }
    app.problems.assertNone(`in Ada's window during "${context.task.name}"`);
    chloeWindow.problems.assertNone(`in Chloe's window during "${context.task.name}"`);
  });

  afterAll(async () => {
    for (const login of logins) await login.page.close();
    await chloeWindow?.close();
    await app?.close();
  });

  it('Ada and Chloe sign in, each in their own workstation', async () => {
    logins.push(await ada.signIn(app.context, ADA));
    logins.push(await chloe.signIn(chloeWindow.context, CHLOE));
    for (const session of [ada, chloe]) await session.keychainNotice.getByRole('button', { name: 'Dismiss' }).click();
  }, 120_000);

  it('Ada builds a bar chart: drawn from the published cells, the hidden ones gaps, its table below it', async () => {
    const page = app.page;
    const catalogue = new CataloguePage(page);
    await catalogue.pickProject(PROJECT);
    await catalogue.openDataset('hospital_episodes');
    await catalogue.openSample(Number(await catalogue.sampleSize.inputValue()));
    const workspace = new WorkspacePage(page);
    await workspace.open();
    await workspace.runQuery(SQL);

    await page.getByTestId('make-output').click();
    const builder = page.getByTestId('output-builder');
    await builder.waitFor();
    await page.getByTestId('output-kind').selectOption('bar');
    await page.getByTestId('output-title').fill(TITLE);
    await page.getByTestId('output-dimension-0').selectOption('admission_method');
    await page.getByTestId('output-add-dimension').click();
    await page.getByTestId('output-dimension-1').selectOption('stay');
    await previewSettled(page);
    expect(await page.getByTestId('output-verdict').innerText()).toBe('Flag');
    const chart = builder.getByTestId('output-chart');
    const before = await interiorCells(builder);
    expect(before.hidden).toBe(0);
    // Unmitigated, every cell is a bar, the small ones too (the report beside it flags them).
    expect(await drawnChart(chart)).toEqual(expectedChart(before));

    await page.getByTestId('apply-suggestion').click();
    await previewSettled(page);
    expect(await page.getByTestId('output-mitigation-applied').innerText()).toBe('Suppressed');
    published = await interiorCells(builder);
    expect(published.hidden).toBeGreaterThan(0);
    expect(published.shown).toBeGreaterThan(0);
    const drawn = await drawnChart(chart);
    expect(drawn).toEqual(expectedChart(published));
    expect(drawn.barsWithHeight).toBeGreaterThan(0);
    expect(await chart.getAttribute('data-bars')).toBe(String(published.shown));
    expect(await chart.getByTestId('output-chart-caption').innerText()).toBe(
      `Bar chart: ${TITLE}, ${published.shown + published.hidden} bars (${published.hidden} ${published.hidden === 1 ? 'is' : 'are'} not published).`,
    );
    expect(await chart.getByTestId('output-chart-description').textContent()).toContain(': hidden');
    // The table of the same cells is below the chart.
    const chartBox = await chart.boundingBox();
    const tableBox = await builder.getByTestId('published-table').boundingBox();
    expect(chartBox && tableBox && tableBox.y >= chartBox.y + chartBox.height).toBe(true);
    await chart.scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'oc-1-builder-chart');
    await expectNoSeriousAccessibilityViolations(page, 'output builder (a bar chart with hidden cells)');

    await page.getByTestId('start-add-to-request').click();
    await page.getByTestId('request-option-new').check();
    await page.getByTestId('new-request-title').fill(TITLE);
    await page.getByTestId('output-file-name').fill(FILE);
    // An output that does not pass carries an exception that says why it may go (the builder asks for one only then).
    const exception = page.getByTestId('output-exception');
    if (await exception.isVisible()) {
      await exception.fill(`${await exception.inputValue()}\nThe zero is structural: maternity admissions are never longer than a week.`);
    }
    await page.getByTestId('add-output').click();
    await page.getByTestId('open-request').click();
    const outputs = new OutputsPage(page);
    await outputs.requestPage.waitFor();
    requestId = (await outputs.requestPage.getAttribute('data-request-id')) ?? '';
    await page.getByTestId('context-description-input').fill('Admissions by method and length of stay, for the service review.');
    await page.getByTestId('context-population-input').fill('Admissions in the project from March 2020.');
    await page.getByTestId('context-relationship-input').fill('None: nothing was released from this project before.');
    await page.getByTestId('save-context').click();
    await expect.poll(() => page.getByTestId('request-context-form').getByRole('status').innerText()).toBe('Saved.');
    await page.getByTestId('submit-request').click();
    await page.getByTestId('submit-yes').click();
    await expect.poll(() => outputs.state.innerText()).toBe('Submitted');
  }, 300_000);

  it('Chloe reviews it: the same bars drawn from the published cells, the hidden ones gaps', async () => {
    const page = chloeWindow.page;
    const checking = new CheckingPage(page);
    await page.getByTestId('checking-queue').waitFor();
    await checking.openFromQueue(requestId);
    await checking.chooseFile(FILE);
    const chart = checking.fileReview.getByTestId('output-chart');
    expect(await interiorCells(checking.fileReview)).toEqual(published);
    expect(await drawnChart(chart)).toEqual(expectedChart(published));
    await chart.scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'oc-2-review-chart');
    await expectNoSeriousAccessibilityViolations(page, 'checkers’ file review (a bar chart with hidden cells)');
  }, 180_000);
});
