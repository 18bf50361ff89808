// The analyst's workspace in Chromium through the browser shell, at 1366x768 (issue 14, "The screen" and
// "Persistence"): Ada loads a sample into a 'disk' project, writes two queries in two tabs, runs them (the statement
// at the cursor, everything, a selection), sees completion from the local schema and an error marked where DuckDB
// points, cancels with Escape and keeps the previous result, keeps queries in the history and under names, moves the
// panes by keyboard; then reloads the window and finds tables, tabs, history and layout as she left them. Switching
// project shows only that project's workspace, and its SQL cannot reach the first project's tables (separate
// databases). Removing local data takes the tables, then everything. Last, Ben's 'memory' project: DuckDB in the
// window, said in plain words, its runs in the same history.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CataloguePage } from './pages/catalogue-page.ts';
import { ADA, SessionPage, type DemoAccount, type LoginPage } from './pages/session-page.ts';
import { WorkspacePage } from './pages/workspace-page.ts';
import { saveScreenshot } from './support/artifacts.ts';
import { expectNoSeriousAccessibilityViolations } from './support/axe.ts';
import { startBrowserApp, type BrowserApp } from './support/browser-app.ts';
import { invokeAsPage } from './support/shell-api.ts';

const DEMO = { scale: 10_000, seed: 1 };
const SMALL_SCREEN = { width: 1366, height: 768 };
/** The result grid's header and row heights, in px (ResultGrid.tsx). */
const GRID_HEADER = 36;
const GRID_ROW = 34;
const PROJECT = 'covid-outcomes';
const OTHER_PROJECT = 'cardio-admissions';
const MEMORY_PROJECT = 'opt-out-monitoring';
const DATASET = 'hospital_episodes';
const TABLE = 'hospital_episodes_sample';
const BEN: DemoAccount = { username: 'demo-analyst-2', password: 'ben-demo-pass', displayName: 'Ben Analyst', role: 'Analyst' };

const BY_METHOD = `SELECT admission_method, count(*) AS episodes, round(avg(length_of_stay), 2) AS mean_stay
FROM ${TABLE}
GROUP BY admission_method
ORDER BY admission_method;`;
const CREATE = `CREATE TABLE long_stays AS SELECT * FROM ${TABLE} WHERE length_of_stay > 7;`;
const TWO_STATEMENTS = `SELECT count(*) AS episodes FROM ${TABLE};\nSELECT count(*) AS long_ones FROM long_stays;`;
/** Runs for minutes unless cancelled (DuckDB cannot fold it away: the filter needs every value). */
const LONG_SQL = 'SELECT sum(range) FROM range(10000000000) WHERE range % 7 = 3';

const MODE_DISK = 'Local tables are kept on this computer for this project';
const MODE_MEMORY =
  "This project's tables stay in this window only: nothing is written to this computer's disk, and they are gone when you close it";

describe('browser shell: the workspace screen', () => {
  let app: BrowserApp;
  let session: SessionPage;
  let catalogue: CataloguePage;
  let ws: WorkspacePage;
  let login: LoginPage | null = null;
  /** The rows of the sample loaded first. */
  let sampleRows = 0;

  beforeAll(async () => {
    app = await startBrowserApp(DEMO);
    await app.page.setViewportSize(SMALL_SCREEN);
    session = new SessionPage(app.page, app.problems);
    catalogue = new CataloguePage(app.page);
    ws = new WorkspacePage(app.page);
    await app.page.goto(app.shell.launchUrl);
    await session.waitForSignInScreen();
  });

  afterEach(async (context) => {
    // What the screen showed when a step failed, for the person reading the run.
    if (context.task.result?.state === 'fail')
      await saveScreenshot(app.page, `ws-failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
    await login?.page.close();
    login = null;
    app.problems.assertNone(`during "${context.task.name}"`);
  });

  afterAll(async () => {
    await app?.close();
  });

  it("loads a sample into a 'disk' project straight into the workstation's engine", async () => {
    login = await session.signIn(app.context, ADA);
    await session.keychainNotice.getByRole('button', { name: 'Dismiss' }).click();
    await catalogue.pickProject(PROJECT);
    await catalogue.openDataset(DATASET);
    expect(await app.page.getByTestId('sample-destination').innerText()).toMatch(
      /straight from the platform into this project’s local tables/,
    );

    // The project sees the admissions its agreement allows (a cohort of positive tests): the first size offered.
    sampleRows = Number(await catalogue.sampleSize.inputValue());
    const notice = await catalogue.openSample(sampleRows);

    expect(notice).toMatch(new RegExp(`^Loaded ${TABLE}: ${sampleRows.toLocaleString('en-GB')} rows in `));
  }, 90_000);

  it('opens the workspace: the mode in plain words, the schema tree with column types, one editor tab', async () => {
    await ws.open();

    expect((await ws.mode.innerText()).trim()).toBe(MODE_DISK);
    expect(await ws.tableNames()).toEqual([TABLE]);
    expect(await ws.table(TABLE).innerText()).toContain(`${sampleRows.toLocaleString('en-GB')} rows`);
    await ws.table(TABLE).focus();
    await app.page.keyboard.press('ArrowRight');
    const column = app.page.getByTestId(`local-column-${TABLE}-admission_method`);
    await column.waitFor();
    expect(await column.innerText()).toMatch(/admission_method\s+VARCHAR/);
    expect(await ws.tabTitles()).toEqual(['Query 1']);
    await saveScreenshot(app.page, 'ws-00-workspace-open');
    await expectNoSeriousAccessibilityViolations(app.page, 'workspace');
  });

  it('inserts a name from the tree at the cursor (Enter keeps focus in the tree), and completes names from the schema', async () => {
    await ws.setSql('SELECT  FROM ');
    await ws.editor.click();
    await app.page.keyboard.press('End');
    await ws.table(TABLE).focus();
    await app.page.keyboard.press('Enter');
    await expect.poll(() => ws.editorText()).toBe(`SELECT  FROM ${TABLE}`);
    expect(await app.page.evaluate(`document.activeElement?.getAttribute('data-testid')`)).toBe(`local-table-${TABLE}`);

    // Completion: a table's name after FROM, and a column of the table the statement names.
    await ws.setSql('SELECT * FROM hospital_ep');
    await app.page.keyboard.press('Control+Space');
    await expect.poll(() => ws.completions.allInnerTexts()).toContainEqual(expect.stringContaining(TABLE));
    await app.page.keyboard.press('Escape');
    await ws.setSql(`SELECT admission_me FROM ${TABLE}`);
    await ws.editor.locator('.cm-line').click();
    await app.page.keyboard.press('Home');
    for (let i = 0; i < 'SELECT admission_me'.length; i += 1) await app.page.keyboard.press('ArrowRight');
    await app.page.keyboard.press('Control+Space');
    await expect.poll(() => ws.completions.allInnerTexts()).toContainEqual(expect.stringContaining('admission_method'));
    // Clicked: Enter is not taken in the list's first 75 ms (CodeMirror guards against accepting a list that just opened).
    await ws.completions.filter({ hasText: 'admission_method' }).first().click();
    await expect.poll(() => ws.editorText()).toBe(`SELECT admission_method FROM ${TABLE}`);
  });

  it('runs the first query with Ctrl+Enter and shows its rows and a chart, all visible at 1366x768', async () => {
    await ws.setSql(BY_METHOD);
    await ws.putCursorAfter('GROUP BY');

    const outcome = await ws.runWithKeys('statement');

    expect(outcome.error).toBe('');
    expect(outcome.status).toMatch(/^4 rows, 3 columns in /);
    expect(await ws.resultHeading.innerText()).toBe('Result: 4 rows, 3 columns');
    expect(Number(await ws.grid.getAttribute('data-rows'))).toBe(4);
    await app.page.getByTestId('draw-chart').click();
    await ws.chart.locator('svg.main-svg').first().waitFor({ timeout: 60_000 });

    // The editor, a row of the result and the chart are on screen together, without scrolling.
    await app.page.screenshot({ path: 'test-results/e2e/ws-01-ide-1366x768.png' });
    for (const [what, locator] of [
      ['editor', ws.editor],
      ['result grid', ws.grid],
      ['chart', ws.chart],
    ] as const) {
      const box = await locator.boundingBox();
      expect(box, what).not.toBeNull();
      expect(box!.y + Math.min(box!.height, 80), `${what} bottom`).toBeLessThanOrEqual(SMALL_SCREEN.height);
      expect(box!.x + Math.min(box!.width, 80), `${what} right`).toBeLessThanOrEqual(SMALL_SCREEN.width);
      expect(box!.height, `${what} height`).toBeGreaterThan(60);
    }
    expect(await app.page.evaluate<number>('document.documentElement.scrollHeight')).toBeLessThanOrEqual(SMALL_SCREEN.height);
    // All four rows show, and no empty ruled rows under them that would read as more.
    const rows = (await ws.grid.getByRole('region').boundingBox())!;
    expect(rows.height).toBeGreaterThanOrEqual(GRID_HEADER + 4 * GRID_ROW);
    expect(rows.height).toBeLessThan(GRID_HEADER + 5 * GRID_ROW);
    expect(rows.y + rows.height).toBeLessThanOrEqual(SMALL_SCREEN.height);
    await expectNoSeriousAccessibilityViolations(app.page, 'workspace with a result');
  }, 90_000);

  it('closes a column menu and a cell viewer with Escape: after a button that was busy, and after a double click', async () => {
    await app.page.getByTestId('grid-column').selectOption({ label: 'episodes (BIGINT)' });
    await app.page.getByTestId('grid-column-menu').click();
    const menu = app.page.getByTestId('column-menu');
    await menu.waitFor();
    await menu.getByTestId('column-summary').click();
    await expect.poll(() => menu.getByTestId('column-summary-result').innerText()).toMatch(/^Of 4 rows/);
    // The summary's button worked meanwhile: the keyboard's focus is still in the menu, not dropped to the page.
    expect(await app.page.evaluate(`document.activeElement?.closest('[data-testid="column-menu"]') !== null`)).toBe(true);
    await app.page.keyboard.press('Escape');
    await expect.poll(() => menu.count()).toBe(0);
    await expect.poll(() => app.page.evaluate(`document.activeElement?.getAttribute('data-testid')`)).toBe('grid-column-menu');

    // A double click on a cell: the grid takes the focus back after the click, and the viewer takes it from the grid.
    const box = (await ws.grid.getByRole('region').boundingBox())!;
    await app.page.mouse.dblclick(box.x + 120, box.y + GRID_HEADER + GRID_ROW / 2);
    const viewer = app.page.getByTestId('cell-viewer');
    await viewer.waitFor();
    await expect.poll(() => app.page.evaluate(`document.activeElement?.closest('[data-testid="cell-viewer"]') !== null`)).toBe(true);
    await app.page.keyboard.press('Escape');
    await expect.poll(() => viewer.count()).toBe(0);
  });

  it('writes a second query in a second tab: CREATE TABLE … AS says "Created long_stays (N rows)" and the tree shows it', async () => {
    await ws.newTab();
    expect(await ws.tabTitles()).toEqual(['Query 1', 'Query 2']);

    const outcome = await ws.runQuery(CREATE);

    expect(outcome.error).toBe('');
    expect(outcome.status).toMatch(/^Created long_stays \(\d{1,3}(,\d{3})* rows\) in /);
    await expect.poll(() => ws.tableNames()).toEqual([TABLE, 'long_stays']);
    expect(await app.page.getByTestId('statement-outcome').innerText()).toMatch(/^Created long_stays/);
  }, 90_000);

  it('runs the statement at the cursor, the selection, or everything, as the history shows', async () => {
    await ws.setSql(TWO_STATEMENTS);
    const newestSql = async (): Promise<string> => {
      await ws.sideTab('history').click();
      await ws.historyEntries.first().waitFor();
      const [sql] = await ws.analystRuns();
      await ws.sideTab('tables').click();
      return sql;
    };

    await ws.putCursorAfter('long_ones');
    expect((await ws.runWithKeys('statement')).status).toMatch(/^1 row, 1 column in /);
    // A chart of one value says nothing: none is drawn unasked, and no empty box stands in for it.
    await expect.poll(() => app.page.getByTestId('chart-status').innerText()).toBe('The result has one row: no chart was drawn for you.');
    expect(await ws.chart.isVisible()).toBe(false);
    await expect.poll(newestSql).toBe('SELECT count(*) AS long_ones FROM long_stays');

    await ws.editor.locator('.cm-line').first().click();
    await app.page.keyboard.press('Home');
    await app.page.keyboard.press('Shift+End');
    expect((await ws.runWithKeys('statement')).status).toMatch(/^1 row, 1 column in /);
    await expect.poll(newestSql).toBe(`SELECT count(*) AS episodes FROM ${TABLE};`);

    expect((await ws.runWithKeys('all')).status).toMatch(/^1 row, 1 column in /);
    await expect.poll(newestSql).toBe(TWO_STATEMENTS);
  }, 90_000);

  it("marks an error in the editor where DuckDB points, and shows DuckDB's own words", async () => {
    // Hospital episodes have no postcode: DuckDB says so and points at the name.
    const outcome = await ws.runQuery(`SELECT postcode FROM ${TABLE}`);

    expect(outcome.error).toMatch(/^The query did not run/);
    expect(outcome.error).toMatch(/postcode/);
    expect(outcome.error).not.toMatch(/\n\s+at\s|\.js:\d+/);
    await expect.poll(() => ws.errorMark.allInnerTexts()).toEqual(['postcode']);
    // The message and the previous result share the result pane: nothing is pushed below the window.
    expect(await app.page.evaluate<number>('document.documentElement.scrollHeight')).toBeLessThanOrEqual(SMALL_SCREEN.height);
    await saveScreenshot(app.page, 'ws-02-error-marked');
  }, 90_000);

  it("cancels a running query with Escape and keeps the previous result, labelled as the previous query's", async () => {
    const before = performance.now();
    await ws.runQuery(`SELECT count(*) AS long_ones FROM long_stays`);
    console.log(`e2e: the previous query ran in ${Math.round(performance.now() - before)} ms`);
    await ws.setSql(LONG_SQL);
    await app.page.keyboard.press('Control+Enter');
    await expect.poll(() => ws.isRunning()).toBe(true);

    const started = performance.now();
    await app.page.keyboard.press('Escape');
    const outcome = await ws.waitForRunEnd(30_000);
    console.log(`e2e: a running query was cancelled ${Math.round(performance.now() - started)} ms after Escape`);

    expect(outcome.status).toBe('The query was cancelled. The result shown is the previous query’s.');
    expect(await ws.resultHeading.innerText()).toBe('Result of the previous query: 1 row, 1 column');
    expect(Number(await ws.grid.getAttribute('data-rows'))).toBe(1);
    await saveScreenshot(app.page, 'ws-03-cancelled');
  }, 90_000);

  it('renames tabs (double-click, F2) and moves them by keyboard and by mouse; closing one with text asks first', async () => {
    await ws.setSql(CREATE);
    await ws.tabButtons.nth(1).dblclick();
    await app.page.getByTestId('rename-tab-input').fill('Long stays');
    await app.page.keyboard.press('Enter');
    await expect.poll(() => ws.tabTitles()).toEqual(['Query 1', 'Long stays']);
    await ws.tabButtons.nth(0).focus();
    await app.page.keyboard.press('F2');
    await app.page.getByTestId('rename-tab-input').fill('By method');
    await app.page.keyboard.press('Enter');
    await expect.poll(() => ws.tabTitles()).toEqual(['By method', 'Long stays']);

    await ws.tabButtons.nth(1).focus();
    await app.page.keyboard.press('Control+Shift+ArrowLeft');
    await expect.poll(() => ws.tabTitles()).toEqual(['Long stays', 'By method']);
    await ws.tabButtons.filter({ hasText: 'By method' }).dragTo(ws.tabButtons.filter({ hasText: 'Long stays' }));
    await expect.poll(() => ws.tabTitles()).toEqual(['By method', 'Long stays']);

    // An empty title is refused with a reason; the name stays.
    await ws.tabButtons.nth(0).dblclick();
    await app.page.getByTestId('rename-tab-input').fill('   ');
    await app.page.keyboard.press('Enter');
    expect(await app.page.getByTestId('tab-problem').innerText()).toBe('A tab needs a name.');
    await app.page.keyboard.press('Escape');
    await expect.poll(() => ws.tabTitles()).toEqual(['By method', 'Long stays']);

    await ws.newTab();
    await ws.setSql('SELECT 1');
    await app.page.locator('[data-testid="close-tab"][aria-label="Close Query 3"]').click();
    await app.page.getByTestId('close-tab-confirm').waitFor();
    await expectNoSeriousAccessibilityViolations(app.page, 'closing a tab');
    await app.page.getByTestId('confirm-close-tab').click();
    await expect.poll(() => ws.tabTitles()).toEqual(['By method', 'Long stays']);
  }, 90_000);

  it('moves the splitters by keyboard (the window splitter pattern) and turns the chart below the result', async () => {
    const schema = await ws.splitterValue('schema');
    const editor = await ws.splitterValue('editor');
    await ws.splitter('schema').focus();
    await app.page.keyboard.press('ArrowRight');
    await app.page.keyboard.press('ArrowRight');
    await ws.splitter('editor').focus();
    await app.page.keyboard.press('ArrowUp');
    await app.page.keyboard.press('ArrowDown');
    await app.page.keyboard.press('ArrowDown');

    expect(await ws.splitterValue('schema')).toBe(schema + 4);
    expect(await ws.splitterValue('editor')).toBe(editor + 2);
    await ws.splitter('editor').focus();
    await app.page.keyboard.press('Home');
    expect(await ws.splitterValue('editor')).toBe(Number(await ws.splitter('editor').getAttribute('aria-valuemin')));
    await app.page.keyboard.press('End');
    await app.page.keyboard.press('PageUp');
    await app.page.keyboard.press('PageUp');
    await app.page.keyboard.press('PageUp');

    await app.page.getByTestId('toggle-arrangement').click();
    expect(await ws.splitter('result').getAttribute('aria-orientation')).toBe('horizontal');
    // Three panes share the height now: the editor gave up room (it was at 45%).
    expect(await ws.splitterValue('editor')).toBe(24);
    // The screen still fills the window's width (its content once sized it, narrower with the chart below).
    const widths = await app.page.evaluate<number[]>(
      `[document.documentElement.clientWidth, document.querySelector('.ide-layout > .content').getBoundingClientRect().width]`,
    );
    expect(widths[1]).toBeGreaterThan(widths[0] - 40);
    await saveScreenshot(app.page, 'ws-04-stacked');
    await expectNoSeriousAccessibilityViolations(app.page, 'workspace, chart below the result');
    await app.page.getByTestId('toggle-arrangement').click();
    expect(await ws.splitter('result').getAttribute('aria-orientation')).toBe('vertical');
  });

  it('keeps every run in the history, newest first and searchable, and opens one in a new tab', async () => {
    await ws.sideTab('history').click();
    await ws.historyEntries.first().waitFor();
    const all = await ws.historyEntries.count();
    expect((await ws.analystRuns()).length).toBeGreaterThanOrEqual(7);
    expect((await ws.analystRuns())[0]).toBe(LONG_SQL);
    expect(await ws.historyEntries.filter({ hasText: LONG_SQL }).first().innerText()).toMatch(/Cancelled/);
    // A long history scrolls in its pane, never the window.
    expect(await app.page.evaluate<number>('document.documentElement.scrollHeight')).toBeLessThanOrEqual(SMALL_SCREEN.height);
    await expectNoSeriousAccessibilityViolations(app.page, 'history');

    await app.page.getByTestId('history-search').fill('POSTCODE');
    await expect.poll(() => ws.historyEntries.count()).toBe(1);
    expect(await ws.historyEntries.first().innerText()).toMatch(/Error/);

    await ws.historyEntries.first().getByTestId('open-history').click();
    await expect.poll(() => ws.tabTitles()).toEqual(['By method', 'Long stays', 'From history']);
    await expect.poll(() => ws.editorText()).toBe(`SELECT postcode FROM ${TABLE}`);
    await app.page.getByTestId('history-search').fill('');
    await expect.poll(() => ws.historyEntries.count()).toBe(all);
    await app.page.locator('[data-testid="close-tab"][aria-label="Close From history"]').click();
    await app.page.getByTestId('confirm-close-tab').click();
    await expect.poll(() => ws.tabTitles()).toEqual(['By method', 'Long stays']);
  });

  it('saves the current tab under a name, says so when a name is taken (whatever its case), renames and deletes', async () => {
    await ws.switchToTab('By method');
    await ws.setSql(BY_METHOD);
    await ws.sideTab('saved').click();
    const name = app.page.getByTestId('saved-query-name');

    await name.fill('Admissions by method');
    await app.page.getByTestId('save-query').click();
    await expect.poll(() => app.page.getByTestId('saved-query-done').innerText()).toBe('Saved “Admissions by method”.');
    await name.fill('ADMISSIONS by METHOD');
    await app.page.getByTestId('save-query').click();
    await expect
      .poll(() => app.page.getByTestId('saved-query-error').innerText())
      .toMatch(/A saved query named "ADMISSIONS by METHOD" already exists in this project/);
    expect(await app.page.getByTestId('replace-saved-query').innerText()).toBe('Replace the SQL of “Admissions by method”');
    await expectNoSeriousAccessibilityViolations(app.page, 'saved queries with a name clash');

    await name.fill('Scratch');
    await app.page.getByTestId('save-query').click();
    await expect.poll(() => ws.savedQueries.count()).toBe(2);
    await ws.savedQueries.filter({ hasText: 'Admissions by method' }).getByTestId('rename-saved-query').click();
    await app.page.getByTestId('rename-saved-query-input').fill('Episodes by method');
    await app.page.getByTestId('confirm-rename-saved-query').click();
    await ws.savedQueries.filter({ hasText: 'Scratch' }).getByTestId('delete-saved-query').click();
    await app.page.getByTestId('confirm-delete-saved-query').click();
    await expect.poll(() => app.page.getByTestId('saved-query-title').allInnerTexts()).toEqual(['Episodes by method']);
    await ws.sideTab('tables').click();
  });

  it('reloads the window and finds the tables, the tabs with their SQL, the active tab, the history and the layout', async () => {
    await ws.switchToTab('Long stays');
    const schema = await ws.splitterValue('schema');
    const editor = await ws.splitterValue('editor');
    await ws.sideTab('history').click();
    await ws.historyEntries.first().waitFor();
    const runs = await ws.analystRuns();
    await ws.sideTab('tables').click();
    // Typed and reloaded at once: the text is sent as the window goes.
    await ws.setSql(`${CREATE}\n-- typed just before the reload`);

    await app.page.reload();
    await ws.waitForOpen();

    // The tables come from the engine once the window has it: read until they are there.
    await expect.poll(() => ws.tableNames(), { timeout: 15_000 }).toEqual([TABLE, 'long_stays']);
    expect(await ws.tabTitles()).toEqual(['By method', 'Long stays']);
    expect(await ws.activeTabTitle()).toBe('Long stays');
    await expect.poll(() => ws.editorText()).toBe(`${CREATE}\n-- typed just before the reload`);
    await ws.switchToTab('By method');
    await expect.poll(() => ws.editorText()).toBe(BY_METHOD);
    expect(await ws.splitterValue('schema')).toBe(schema);
    expect(await ws.splitterValue('editor')).toBe(editor);
    await ws.sideTab('history').click();
    await ws.historyEntries.first().waitFor();
    expect(await ws.analystRuns()).toEqual(runs);
    await ws.sideTab('saved').click();
    expect(await app.page.getByTestId('saved-query-title').allInnerTexts()).toEqual(['Episodes by method']);
    await ws.sideTab('tables').click();
    // The restored table answers queries.
    expect((await ws.runQuery('SELECT count(*) AS n FROM long_stays')).status).toMatch(/^1 row, 1 column in /);
    await saveScreenshot(app.page, 'ws-05-after-reload');
  }, 90_000);

  it("switches project: only that project's workspace shows, and its SQL cannot reach the first project's tables", async () => {
    // Typed and switched at once: the text is saved before the switch.
    await ws.setSql(`${BY_METHOD}\n-- before the switch`);

    await ws.switchProject(OTHER_PROJECT);

    expect((await ws.mode.innerText()).trim()).toBe(MODE_DISK);
    await ws.noTables.waitFor();
    expect(await ws.tabTitles()).toEqual(['Query 1']);
    await ws.sideTab('history').click();
    await app.page.getByTestId('history-empty').waitFor();
    await ws.sideTab('tables').click();
    for (const table of [TABLE, 'long_stays']) {
      const outcome = await ws.runQuery(`SELECT count(*) FROM ${table}`);
      expect(outcome.error).toMatch(new RegExp(`Table with name ${table} does not exist`));
    }
    // Asked directly, as the page could: the other project's workspace has no such table either.
    const direct = await invokeAsPage(app, 'workspace.run', { projectId: OTHER_PROJECT, sql: `SELECT * FROM ${TABLE}` });
    expect(direct).toMatchObject({ body: { ok: false, error: { code: 'invalid_input' } } });
    expect(JSON.stringify(direct.body)).toMatch(/does not exist/);
    await saveScreenshot(app.page, 'ws-06-other-project');

    await ws.switchProject(PROJECT);
    await expect.poll(() => ws.tableNames(), { timeout: 15_000 }).toEqual([TABLE, 'long_stays']);
    expect(await ws.tabTitles()).toEqual(['By method', 'Long stays']);
    await ws.switchToTab('By method');
    await expect.poll(() => ws.editorText()).toBe(`${BY_METHOD}\n-- before the switch`);
  }, 90_000);

  it("removes the project's local data: first its tables, then everything, saying what went", async () => {
    await app.page.getByTestId('remove-local-data').click();
    const dialog = app.page.getByTestId('remove-local-data-dialog');
    expect(await dialog.getByRole('heading').innerText()).toBe('Remove the local data of “COVID-19 outcomes”?');
    await saveScreenshot(app.page, 'ws-07-remove-dialog');
    await expectNoSeriousAccessibilityViolations(app.page, 'remove local data');
    await dialog.getByTestId('cancel-remove-local-data').click();
    expect(await ws.tableNames()).toEqual([TABLE, 'long_stays']);

    const tablesGone = await ws.removeLocalData('tables');

    expect(tablesGone).toMatch(/^Removed /);
    await ws.noTables.waitFor();
    expect(await ws.tabTitles()).toEqual(['By method', 'Long stays']);

    const everything = await ws.removeLocalData('everything');

    expect(everything).toMatch(/^Removed /);
    await expect.poll(() => ws.tabTitles()).toEqual(['Query 1']);
    await ws.sideTab('history').click();
    await app.page.getByTestId('history-empty').waitFor();
    await ws.sideTab('saved').click();
    await app.page.getByTestId('no-saved-queries').waitFor();
    await ws.sideTab('tables').click();
    await saveScreenshot(app.page, 'ws-08-removed');
  }, 90_000);

  it("gives Ben's 'memory' project DuckDB in the window, says so, and keeps its runs in the history", async () => {
    await session.signOut();
    // The message follows the sign-out's answer: it is waited for, as the other journeys wait for it.
    await expect
      .poll(() => session.cleared.innerText(), { timeout: 15_000 })
      .toMatch(/local tables stay on this computer in your private workspace/);
    login = await session.signIn(app.context, BEN);
    await catalogue.pickProject(MEMORY_PROJECT);
    await catalogue.openDataset('national_opt_outs');
    expect(await app.page.getByTestId('sample-destination').innerText()).toMatch(/into this window only/);
    await ws.open();
    expect((await ws.mode.innerText()).trim()).toBe(MODE_MEMORY);
    await catalogue.openDataset('national_opt_outs');
    // The dataset is small: its first size is all of it.
    await catalogue.openSample(Number(await catalogue.sampleSize.inputValue()));
    await ws.navTab.click();
    await expect.poll(() => ws.tableNames()).toEqual(['national_opt_outs_sample']);

    const outcome = await ws.runQuery('SELECT count(*) AS n FROM national_opt_outs_sample');

    expect(outcome.status).toMatch(/^1 row, 1 column in /);
    await ws.sideTab('history').click();
    await expect
      .poll(() => ws.historyEntries.first().getByTestId('history-sql').innerText())
      .toBe('SELECT count(*) AS n FROM national_opt_outs_sample');
    // The long mode text wraps in the bar; the panes still fit the window.
    expect(await app.page.evaluate<number>('document.documentElement.scrollHeight')).toBeLessThanOrEqual(SMALL_SCREEN.height);
    await saveScreenshot(app.page, 'ws-09-memory-project');
    await expectNoSeriousAccessibilityViolations(app.page, 'memory project');

    // A reload keeps the tabs and the history (the core keeps them in memory), not the window's tables.
    await app.page.reload();
    await ws.waitForOpen();
    await ws.sideTab('tables').click();
    await ws.noTables.waitFor();
    await ws.sideTab('history').click();
    await ws.historyEntries.first().waitFor();
  }, 120_000);

  // The run above would pass if the page-problem detector ignored too much: it must still see a failed load that is
  // not one of the API's answered refusals (page-problems.ts isAnsweredApiRefusal).
  it('still notices a failed load that is not an answered API refusal', async () => {
    await app.page.evaluate(`fetch('/no-such-file.js').then((r) => r.status)`);

    await expect.poll(() => app.problems.list.some((p) => p.includes('/no-such-file.js'))).toBe(true);
    expect(() => app.problems.assertNone('after the probe')).toThrow(/status of 404/);
  });
});
