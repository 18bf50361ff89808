// Issue 15's "Done when", in Chromium through the browser shell at 1366x768: Ada picks COVID-19 outcomes, sees in the
// catalogue what the project sees of each field (the NHS number as the project's pseudonym, the postcode not at all),
// turns an editor tab into a platform query (said in plain words, in the platform's colour), completes the project's
// relations and their treated columns, joins COVID-19 tests to hospital admissions through the pseudonym, loads the
// minimised rows into a local table, and charts it. The same history holds local and platform runs, each labelled; a
// history entry reopens on its engine; an error is marked where the platform points; replacing a table is asked
// first; a running platform query shows its progress and cancels. Last, Ben's 'memory' project loads a platform query
// into the window's own engine.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CataloguePage } from './pages/catalogue-page.ts';
import { ADA, SessionPage, type DemoAccount, type LoginPage } from './pages/session-page.ts';
import { WorkspacePage } from './pages/workspace-page.ts';
import { saveScreenshot } from './support/artifacts.ts';
import { expectNoSeriousAccessibilityViolations } from './support/axe.ts';
import { startBrowserApp, type BrowserApp } from './support/browser-app.ts';

const DEMO = { scale: 10_000, seed: 1 };
const SMALL_SCREEN = { width: 1366, height: 768 };
const PROJECT = 'covid-outcomes';
const MEMORY_PROJECT = 'opt-out-monitoring';
const BEN: DemoAccount = { username: 'demo-analyst-2', password: 'ben-demo-pass', displayName: 'Ben Analyst', role: 'Analyst' };

/** Positive tests joined to the same person's admissions, through the project's pseudonym of the NHS number. */
const JOIN_SQL = `SELECT h.admission_method, t.test_type,
  count(*) AS admissions, count(DISTINCT t.nhs_number) AS people
FROM covid_tests AS t
JOIN hospital_episodes AS h ON h.nhs_number = t.nhs_number
WHERE t.result = 'positive'
GROUP BY h.admission_method, t.test_type
ORDER BY h.admission_method, t.test_type;`;
const SYNTAX_ERROR = 'SELECT admission_method FROM FROM hospital_episodes';
/** Runs for a long while on the platform unless cancelled: every pair of admissions, with every test. */
const LONG_SQL =
  'SELECT count(*) AS n FROM hospital_episodes AS a, hospital_episodes AS b, covid_tests AS c WHERE a.length_of_stay + b.length_of_stay > 0';

const CREATED = /^Created tests_admissions \(\d{1,3}(,\d{3})* rows?\) from the platform in /;

describe('browser shell: a platform query into the workspace (issue 15)', () => {
  let app: BrowserApp;
  let session: SessionPage;
  let catalogue: CataloguePage;
  let ws: WorkspacePage;
  let login: LoginPage | null = null;

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
    if (context.task.result?.state === 'fail')
      await saveScreenshot(app.page, `pq-failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
    await login?.page.close();
    login = null;
    app.problems.assertNone(`during "${context.task.name}"`);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('shows per field, in the catalogue, what this project sees: the NHS number as its pseudonym, the postcode not at all', async () => {
    login = await session.signIn(app.context, ADA);
    await session.keychainNotice.getByRole('button', { name: 'Dismiss' }).click();
    await catalogue.pickProject(PROJECT);

    await catalogue.openDataset('covid_tests');

    expect((await catalogue.fieldRow('nhs_number')).availability).toMatch(/pseudonym/i);
    await saveScreenshot(app.page, 'pq-00-catalogue-treatments');
    await catalogue.openDataset('patients');
    expect((await catalogue.fieldRow('postcode')).availability).toMatch(/not available/i);
  }, 90_000);

  it('turns a tab into a platform query: said in plain words, its Run button naming the local table it makes', async () => {
    await ws.open();
    expect(await ws.engineChoice('local').isChecked()).toBe(true);
    expect(await ws.platformLabel.count()).toBe(0);

    await ws.usePlatform();

    expect((await ws.platformLabel.innerText()).trim()).toBe('Platform query — minimised data of COVID-19 outcomes');
    expect((await ws.runPlatformButton.innerText()).trim()).toBe('Run on platform → table result_1');
    expect(await ws.platformTable.inputValue()).toBe('result_1');
    expect(await ws.page.locator('[data-testid="tab-button"][aria-current="true"]').getAttribute('aria-label')).toBe(
      'Query 1 (platform query)',
    );
    // A name the local engine would refuse is said before anything is sent.
    await ws.platformTable.fill('Tests & admissions');
    expect(await app.page.getByTestId('platform-table-problem').innerText()).toMatch(/lower-case letters, digits and “_”/);
    expect(await ws.runPlatformButton.isEnabled()).toBe(false);
    await ws.platformTable.fill('result_1');
    await expectNoSeriousAccessibilityViolations(app.page, 'platform query tab');
  }, 60_000);

  it("completes the project's relations and the fields it may read, with their treatments (never a dropped one)", async () => {
    await ws.setSql('SELECT * FROM covid_t');
    await app.page.keyboard.press('Control+Space');
    await expect.poll(() => ws.completions.allInnerTexts()).toContainEqual(expect.stringContaining('covid_tests'));
    await app.page.keyboard.press('Escape');

    await ws.setSql('SELECT nhs_ FROM covid_tests');
    await ws.editor.locator('.cm-line').click();
    await app.page.keyboard.press('Home');
    for (let i = 0; i < 'SELECT nhs_'.length; i += 1) await app.page.keyboard.press('ArrowRight');
    await app.page.keyboard.press('Control+Space');
    await expect.poll(() => ws.completions.allInnerTexts()).toContainEqual(expect.stringMatching(/nhs_number[\s\S]*pseudonym/i));
    await saveScreenshot(app.page, 'pq-01-completion');
    await app.page.keyboard.press('Escape');

    await ws.setSql('SELECT  FROM patients');
    await ws.editor.locator('.cm-line').click();
    await app.page.keyboard.press('Home');
    for (let i = 0; i < 'SELECT '.length; i += 1) await app.page.keyboard.press('ArrowRight');
    await app.page.keyboard.press('Control+Space');
    await expect.poll(() => ws.completions.allInnerTexts()).toContainEqual(expect.stringContaining('sex'));
    expect((await ws.completions.allInnerTexts()).filter((text) => text.startsWith('postcode'))).toEqual([]);
    await app.page.keyboard.press('Escape');
  }, 60_000);

  it('marks an error where the platform points, in its words', async () => {
    const outcome = await ws.runOnPlatform(SYNTAX_ERROR, { table: 'typo' });

    expect(outcome.error).toMatch(/^The query did not run/);
    expect(outcome.error).toMatch(/Syntax error/);
    await expect.poll(() => ws.errorMark.allInnerTexts()).toEqual(['FROM']);
    expect(await ws.tableNames()).not.toContain('typo');
    expect(await app.page.evaluate<number>('document.documentElement.scrollHeight')).toBeLessThanOrEqual(SMALL_SCREEN.height);
    await saveScreenshot(app.page, 'pq-02-platform-error');
  }, 60_000);

  it('joins tests to admissions through the pseudonym on the platform; the minimised rows become a local table, shown and charted', async () => {
    const outcome = await ws.runOnPlatform(JOIN_SQL, { table: 'tests_admissions' });

    expect(outcome.error).toBe('');
    expect(outcome.status).toMatch(CREATED);
    await expect.poll(() => ws.tableNames()).toContain('tests_admissions');
    expect(await ws.table('tests_admissions').innerText()).toMatch(/\d rows?/);
    expect(await ws.resultHeading.innerText()).toMatch(/^Table tests_admissions: \d{1,3}(,\d{3})* rows?, 4 columns$/);
    expect(await ws.gridRows()).toBeGreaterThan(0);

    const caption = await ws.drawChart({ type: 'bar', x: 'admission_method', y: 'admissions' });

    expect(caption).toMatch(/admission_method/);
    // Plotly fits the figure to its box once drawn: the screenshot waits for it.
    await expect
      .poll(async () => {
        const [svg, box] = [await ws.chart.locator('svg.main-svg').first().boundingBox(), await ws.chart.boundingBox()];
        return svg !== null && box !== null && svg.height <= box.height + 1;
      })
      .toBe(true);
    await app.page.screenshot({ path: 'test-results/e2e/pq-03-platform-result-1366x768.png' });
    for (const [what, locator] of [
      ['editor', ws.editor],
      ['result grid', ws.grid],
      ['chart', ws.chart],
    ] as const) {
      const box = await locator.boundingBox();
      expect(box, what).not.toBeNull();
      expect(box!.y + Math.min(box!.height, 60), `${what} bottom`).toBeLessThanOrEqual(SMALL_SCREEN.height);
      expect(box!.height, `${what} height`).toBeGreaterThan(40);
    }
    expect(await app.page.evaluate<number>('document.documentElement.scrollHeight')).toBeLessThanOrEqual(SMALL_SCREEN.height);
    await expectNoSeriousAccessibilityViolations(app.page, 'platform query result');
  }, 120_000);

  it('asks before replacing a local table, then replaces it whole', async () => {
    await ws.runPlatformButton.click();
    await ws.replaceTableConfirm.waitFor();
    expect(await ws.replaceTableConfirm.innerText()).toMatch(/^A local table tests_admissions already exists \(\d{1,3}(,\d{3})* rows?\)/);
    await saveScreenshot(app.page, 'pq-04-replace-asked');
    await expectNoSeriousAccessibilityViolations(app.page, 'replace a table?');
    await app.page.getByTestId('keep-table').click();
    await expect.poll(() => ws.replaceTableConfirm.count()).toBe(0);

    const outcome = await ws.runOnPlatform(JOIN_SQL, { table: 'tests_admissions', replace: true });

    expect(outcome.status).toMatch(/^Replaced tests_admissions \(\d{1,3}(,\d{3})* rows?\) from the platform in /);
    expect((await ws.tableNames()).filter((name) => name === 'tests_admissions')).toHaveLength(1);
  }, 120_000);

  it('shows a running platform query’s progress, and cancels it: no table', async () => {
    await ws.setSql(LONG_SQL);
    await ws.platformTable.fill('every_pair');
    await ws.runPlatformButton.click();
    await ws.platformProgress.waitFor();
    // Before the workstation's first progress report the bar says the query is on its way; then that it runs.
    await expect.poll(() => ws.status.innerText()).toMatch(/Running on the platform/);
    await saveScreenshot(app.page, 'pq-05-platform-running');

    await ws.cancelButton.click();
    const outcome = await ws.waitForRunEnd(30_000);

    expect(outcome.status).toMatch(/^The query was cancelled\./);
    expect(await ws.tableNames()).not.toContain('every_pair');
  }, 120_000);

  it('keeps local and platform runs in the same history, labelled, and reopens a platform run as a platform query', async () => {
    await ws.engineChoice('local').check();
    await expect.poll(() => ws.platformLabel.count()).toBe(0);
    expect((await ws.runQuery('SELECT sum(admissions) AS admissions FROM tests_admissions')).status).toMatch(/^1 row, 1 column in /);

    await ws.sideTab('history').click();
    await ws.historyEntries.first().waitFor();

    const engines = await ws.historyEngines();
    expect(engines[0]).toBe('Local');
    expect(engines).toContain('Platform');
    const platformRun = ws.historyEntries.filter({ hasText: 'Created tests_admissions' }).first();
    expect(await platformRun.getByTestId('history-engine').innerText()).toBe('Platform');
    await saveScreenshot(app.page, 'pq-06-history');
    await expectNoSeriousAccessibilityViolations(app.page, 'history with platform runs');

    await platformRun.getByTestId('open-history').click();
    await expect.poll(() => ws.activeTabTitle()).toBe('From history');
    await ws.platformLabel.waitFor();
    // The history keeps the SQL as the platform got it: one statement, without its closing semicolon.
    await expect.poll(() => ws.editorText()).toBe(JOIN_SQL.replace(/;$/u, ''));
    await ws.sideTab('tables').click();
  }, 90_000);

  it("loads a platform query into Ben's 'memory' project: the window's own engine, the run in its history", async () => {
    await session.signOut();
    await expect.poll(() => session.cleared.innerText(), { timeout: 15_000 }).not.toBe('');
    login = await session.signIn(app.context, BEN);
    await catalogue.pickProject(MEMORY_PROJECT);
    await ws.open();
    await ws.usePlatform();
    expect((await ws.platformLabel.innerText()).trim()).toBe('Platform query — minimised data of National data opt-out monitoring');

    const outcome = await ws.runOnPlatform('SELECT count(*) AS people FROM national_opt_outs', { table: 'opt_outs' });

    expect(outcome.error).toBe('');
    expect(outcome.status).toMatch(/^Created opt_outs \(1 row\) from the platform in /);
    await expect.poll(() => ws.tableNames()).toEqual(['opt_outs']);
    await ws.sideTab('history').click();
    await ws.historyEntries.first().waitFor();
    expect((await ws.historyEngines())[0]).toBe('Platform');
    await saveScreenshot(app.page, 'pq-07-memory-project');
  }, 120_000);
});
