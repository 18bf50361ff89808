// The project drive (issue 17) in Chromium through the browser shell, against the embedded platform, at 1366×768. Ada
// opens her 'disk' project's Drive: the demo files, synced into her local folder, the quota and the folder's path. A
// file written into the local folder (as a desktop tool would) is uploaded and shows as synced; she renames it (her
// local copy follows); saves a local table to the drive as CSV and as Parquet (each lands in the local folder whole,
// then syncs) and opens the Parquet one in the local engine; in Local analysis, saves a query's result (written by the
// local engine into the local folder) and its chart (an SVG, uploaded) into the drive, each then synced; changes a file
// locally, views its first version and restores it after a confirmation (a restore is a new version; her local copy
// goes back too); deletes a file and brings it back from the trash; makes an app password (shown once, with the WebDAV
// address) and revokes it. Ben's 'memory' project has no local folder, and says so; he saves a result from Local
// analysis straight to the drive (no Parquet from the window). axe checks each state; screenshots in
// test-results/e2e/drive-*.png.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CataloguePage } from './pages/catalogue-page.ts';
import { DrivePage } from './pages/drive-page.ts';
import { ADA, SessionPage, type DemoAccount, type LoginPage } from './pages/session-page.ts';
import { WorkspacePage } from './pages/workspace-page.ts';
import { saveScreenshot } from './support/artifacts.ts';
import { expectNoSeriousAccessibilityViolations } from './support/axe.ts';
import { startBrowserApp, type BrowserApp } from './support/browser-app.ts';
import { invokeAsPage } from './support/shell-api.ts';

const DEMO = { scale: 10_000, seed: 1 };
const SMALL_SCREEN = { width: 1366, height: 768 };
const PROJECT = 'covid-outcomes';
const MEMORY_PROJECT = 'opt-out-monitoring';
const TABLE = 'cases_by_region';
const BEN: DemoAccount = { username: 'demo-analyst-2', password: 'ben-demo-pass', displayName: 'Ben Analyst', role: 'Analyst' };
/** A sync pass (upload, download) on a busy 2-core machine. */
const SYNC_TIMEOUT_MS = 30_000;

describe('browser shell: the project drive (issue 17)', () => {
  let app: BrowserApp;
  let session: SessionPage;
  let catalogue: CataloguePage;
  let drive: DrivePage;
  let workspace: WorkspacePage;
  let login: LoginPage | null = null;
  let drivesDir: string;
  let local: string;

  async function localFiles(folder = ''): Promise<string[]> {
    return (await readdir(join(local, folder))).filter((name) => !name.startsWith('.')).sort();
  }

  /** Until the row of `path` says it is synced (a sync pass asked for each time it is not yet). */
  async function untilSynced(path: string): Promise<void> {
    await expect
      .poll(
        async () => {
          await drive.readAgain();
          const state = await drive.syncState(path);
          if (state !== 'synced') await drive.syncNow();
          return state;
        },
        { timeout: SYNC_TIMEOUT_MS, interval: 500 },
      )
      .toBe('synced');
  }

  beforeAll(async () => {
    drivesDir = await mkdtemp(join(tmpdir(), 'enclave-e2e-drives-'));
    local = join(drivesDir, 'Enclave', PROJECT);
    app = await startBrowserApp(DEMO, {
      drives: { root: join(drivesDir, 'Enclave'), stateRoot: join(drivesDir, 'drive-sync'), intervalMs: 2_000 },
    });
    await app.page.setViewportSize(SMALL_SCREEN);
    session = new SessionPage(app.page, app.problems);
    catalogue = new CataloguePage(app.page);
    drive = new DrivePage(app.page);
    workspace = new WorkspacePage(app.page);
    await app.page.goto(app.shell.launchUrl);
    await session.waitForSignInScreen();
  }, 120_000);

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail')
      await saveScreenshot(app.page, `drive-failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
    await login?.page.close();
    login = null;
    app.problems.assertNone(`during "${context.task.name}"`);
  });

  afterAll(async () => {
    await app?.close();
    if (drivesDir) await rm(drivesDir, { recursive: true, force: true });
  });

  it('shows the drive of Ada’s project: the demo files synced into her local folder, the quota, the folder’s path', async () => {
    login = await session.signIn(app.context, ADA);
    await session.keychainNotice.getByRole('button', { name: 'Dismiss' }).click();
    // A local table to save later, made before the project opens (its tables are read when it does).
    const made = await invokeAsPage(app, 'workspace.run', {
      projectId: PROJECT,
      sql: `CREATE TABLE ${TABLE} AS SELECT * FROM (VALUES ('London', 120), ('Leeds', 85), ('York', 40)) AS t(region, cases)`,
    });
    expect(made.body.ok, JSON.stringify(made.body.error)).toBe(true);
    await catalogue.pickProject(PROJECT);

    await drive.open();

    expect(await session.navLabels()).toEqual(['Catalogue', 'Local analysis', 'Drive', 'Outputs']);
    await expect.poll(() => drive.names(), { timeout: SYNC_TIMEOUT_MS }).toEqual(['example-aggregates.csv', 'README.md']);
    expect(await app.page.getByTestId('drive-local-folder').inputValue()).toBe(local);
    expect(await app.page.getByTestId('drive-quota-text').innerText()).toMatch(/^\d+(\.\d)? (B|KB) used of 10\.0 GB \(<1%\)$/);
    await untilSynced('README.md');
    await untilSynced('example-aggregates.csv');
    expect(await localFiles()).toEqual(['README.md', 'example-aggregates.csv']);
    expect(await readFile(join(local, 'README.md'), 'utf8')).toContain('the team drive');
    await expectNoSeriousAccessibilityViolations(app.page, 'drive');
    await saveScreenshot(app.page, 'drive-overview');
  }, 90_000);

  it('uploads a file written into the local folder, and shows it as synced', async () => {
    await writeFile(join(local, 'meeting notes.txt'), 'Agreed: admissions by region, 2020 to 2022.\n');

    await expect
      .poll(
        async () => {
          await drive.readAgain();
          return drive.names();
        },
        { timeout: SYNC_TIMEOUT_MS, interval: 500 },
      )
      .toContain('meeting notes.txt');
    await untilSynced('meeting notes.txt');
    expect(await drive.entry('meeting notes.txt').innerText()).toContain('Ada Analyst');
    await saveScreenshot(app.page, 'drive-uploaded');
  }, 60_000);

  it('renames a file in the drive, and the local folder follows', async () => {
    await drive.rename('meeting notes.txt', 'notes-2026-03.txt');

    expect(await drive.news.innerText()).toContain('Moved meeting notes.txt to notes-2026-03.txt.');
    await expect.poll(() => drive.names(), { timeout: SYNC_TIMEOUT_MS }).toContain('notes-2026-03.txt');
    await untilSynced('notes-2026-03.txt');
    await expect
      .poll(() => localFiles(), { timeout: SYNC_TIMEOUT_MS })
      .toEqual(['README.md', 'example-aggregates.csv', 'notes-2026-03.txt']);
    expect(await readFile(join(local, 'notes-2026-03.txt'), 'utf8')).toBe('Agreed: admissions by region, 2020 to 2022.\n');
    await saveScreenshot(app.page, 'drive-renamed');
  }, 60_000);

  it('saves a local table into a folder of the drive as CSV and as Parquet, each written whole, then synced', async () => {
    const form = app.page.getByTestId('drive-save');
    await form.scrollIntoViewIfNeeded();
    await form.getByTestId('drive-save-table').selectOption(TABLE);
    await form.getByTestId('drive-save-folder').fill('results');
    expect(await form.getByTestId('drive-save-name').inputValue()).toBe(`${TABLE}.csv`);
    await form.getByTestId('drive-save-go').click();
    await form.getByTestId('drive-save-news').waitFor({ timeout: SYNC_TIMEOUT_MS });
    expect(await form.getByTestId('drive-save-news').innerText()).toMatch(
      new RegExp(`^Saved ${TABLE} as results/${TABLE}\\.csv \\(3 rows, \\d+ B\\)\\.$`),
    );
    expect(await readFile(join(local, 'results', `${TABLE}.csv`), 'utf8')).toBe('region,cases\nLondon,120\nLeeds,85\nYork,40\n');

    await form.getByTestId('drive-save-format').selectOption('parquet');
    expect(await form.getByTestId('drive-save-name').inputValue()).toBe(`${TABLE}.parquet`);
    await form.getByTestId('drive-save-go').click();
    await expect.poll(() => form.getByTestId('drive-save-news').innerText(), { timeout: SYNC_TIMEOUT_MS }).toContain('.parquet');

    // The same name again is refused unless replacing, and nothing changes.
    await form.getByTestId('drive-save-go').click();
    await form.getByTestId('drive-save-error').getByText('already in that folder').waitFor();
    await saveScreenshot(app.page, 'drive-save-refused');

    expect(await localFiles('results')).toEqual([`${TABLE}.csv`, `${TABLE}.parquet`]);
    await drive.readAgain();
    await drive.openFolder('results');
    await untilSynced(`results/${TABLE}.csv`);
    await untilSynced(`results/${TABLE}.parquet`);
    await expect.poll(() => drive.names(), { timeout: SYNC_TIMEOUT_MS }).toEqual([`results/${TABLE}.csv`, `results/${TABLE}.parquet`]);
    await expectNoSeriousAccessibilityViolations(app.page, 'drive (a folder, after saving)');
    await saveScreenshot(app.page, 'drive-saved');
  }, 90_000);

  it('opens the Parquet file in the local engine as a table', async () => {
    await drive.action(`results/${TABLE}.parquet`, 'open').click();
    const form = app.page.getByTestId('drive-open-form');
    await form.waitFor();
    await form.getByTestId('drive-open-table').fill('cases_from_drive');
    await saveScreenshot(app.page, 'drive-open-form');
    await form.getByTestId('drive-open-go').click();

    await drive.news.waitFor({ timeout: SYNC_TIMEOUT_MS });
    expect(await drive.news.innerText()).toContain('Opened as the local table cases_from_drive (3 rows).');
    const tables = await invokeAsPage(app, 'workspace.tables', { projectId: PROJECT });
    expect((tables.body.value as Array<{ name: string; rows: number }>).find((table) => table.name === 'cases_from_drive')).toMatchObject({
      rows: 3,
    });
    await saveScreenshot(app.page, 'drive-opened');
  }, 60_000);

  it('saves a query’s result and its chart from Local analysis into the drive: both show on the Drive screen as synced', async () => {
    await workspace.open();
    const outcome = await workspace.runQuery(`SELECT region, cases FROM ${TABLE} ORDER BY cases DESC`);
    expect(outcome.error).toBe('');
    const tab = await workspace.activeTabTitle();

    // The result: the dialog takes the focus, says what is saved, and the local engine writes the file.
    await drive.resultSaveButton.click();
    const dialog = drive.resultSaveDialog;
    await dialog.waitFor();
    await expect.poll(() => drive.focusOnHeadingOf('result-drive-save')).toBe(true);
    expect(await dialog.getByRole('heading').innerText()).toBe(`Save the result of ${tab} to the drive`);
    expect(await dialog.getByTestId('result-drive-save-note').innerText()).toBe(
      'Saves all 3 rows of the result, as the query returned them.',
    );
    await dialog.getByTestId('drive-save-folder').fill('results');
    await dialog.getByTestId('drive-save-name').fill('cases ranked');
    expect(await dialog.getByTestId('drive-save-name-hint').innerText()).toBe('Saved as results/cases ranked.csv');
    await dialog.getByTestId('drive-save-go').click();
    await dialog.getByTestId('drive-save-news').waitFor({ timeout: SYNC_TIMEOUT_MS });
    expect(await dialog.getByTestId('drive-save-news').innerText()).toMatch(
      new RegExp(`^Saved the result of ${tab} as results/cases ranked\\.csv \\(3 rows, \\d+ B\\)\\.$`),
    );
    expect(await readFile(join(local, 'results', 'cases ranked.csv'), 'utf8')).toBe('region,cases\nLondon,120\nLeeds,85\nYork,40\n');
    await expectNoSeriousAccessibilityViolations(app.page, 'local analysis (saving a result to the drive)');
    await saveScreenshot(app.page, 'drive-save-result');
    // The same name again is refused unless replacing, and the file stays as it was.
    await dialog.getByTestId('drive-save-go').click();
    await dialog.getByTestId('drive-save-error').getByText('already in that folder').waitFor({ timeout: SYNC_TIMEOUT_MS });
    // Escape closes it, and the focus goes back to the button that opened it.
    await app.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => drive.focusedTestId()).toBe('result-save-to-drive');

    // The chart, as drawn: an SVG uploaded to the drive, with its caption inside.
    const caption = await workspace.drawChart({ type: 'bar', x: 'region', y: 'cases' });
    await drive.chartSaveButton.click();
    const chartDialog = drive.chartSaveDialog;
    await chartDialog.waitFor();
    await expect.poll(() => drive.focusOnHeadingOf('chart-drive-save')).toBe(true);
    const svgName = await chartDialog.getByTestId('chart-save-name').inputValue();
    expect(svgName).toMatch(/^[a-z0-9_]+\.svg$/);
    await chartDialog.getByTestId('chart-save-folder').fill('results');
    await chartDialog.getByTestId('chart-save-go').click();
    await chartDialog.getByTestId('chart-save-news').waitFor({ timeout: SYNC_TIMEOUT_MS });
    expect(await chartDialog.getByTestId('chart-save-news').innerText()).toMatch(
      new RegExp(`^Saved the chart as results/${svgName.replace('.', '\\.')} \\([\\d.]+ (B|KB)\\)\\.$`),
    );
    await expectNoSeriousAccessibilityViolations(app.page, 'local analysis (saving a chart to the drive)');
    await saveScreenshot(app.page, 'drive-save-chart');

    // The link in the dialog goes to the folder on the Drive screen, where both files show, synced.
    await chartDialog.getByTestId('chart-drive-save-show').click();
    await drive.screen.waitFor();
    await drive.settled();
    await untilSynced('results/cases ranked.csv');
    await untilSynced(`results/${svgName}`);
    expect([...(await drive.names())].sort()).toEqual(
      [`results/${TABLE}.csv`, `results/${TABLE}.parquet`, 'results/cases ranked.csv', `results/${svgName}`].sort(),
    );
    const svg = await readFile(join(local, 'results', svgName), 'utf8');
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain(`<title>${caption.replaceAll('&', '&amp;')}</title>`);
    // The file draws on its own, as any SVG viewer would show it: the three bars, with nothing of the window around them.
    const viewer = await app.context.newPage();
    try {
      await viewer.setContent(svg);
      expect(await viewer.locator('svg .bars .point path').count()).toBe(3);
      await viewer
        .locator('svg')
        .first()
        .screenshot({ path: join('test-results', 'e2e', 'drive-saved-chart-file.png') });
    } finally {
      await viewer.close();
    }
    await saveScreenshot(app.page, 'drive-saved-from-analysis');
  }, 120_000);

  it('restores a version of a file after a confirmation: a new version, and the local copy goes back too', async () => {
    await app.page.getByTestId('drive-crumbs').getByRole('link', { name: 'Drive' }).click();
    await drive.settled();
    const original = await readFile(join(local, 'example-aggregates.csv'), 'utf8');
    await writeFile(join(local, 'example-aggregates.csv'), 'region,year,count\nLondon,2020,999\n');
    await drive.syncNow();
    await expect
      .poll(
        async () => {
          await drive.readAgain();
          return drive.entry('example-aggregates.csv').getByText('Ada Analyst').count();
        },
        { timeout: SYNC_TIMEOUT_MS },
      )
      .toBe(1);

    await drive.action('example-aggregates.csv', 'versions').click();
    await drive.version(2).waitFor();
    expect(await drive.version(2).getAttribute('data-current')).toBe('true');
    await drive.version(1).getByTestId('drive-version-view').click();
    const preview = app.page.getByTestId('drive-version-text');
    await preview.waitFor();
    expect(await preview.innerText()).toBe(original);
    await drive.version(1).getByTestId('drive-version-restore').click();
    const confirm = app.page.getByTestId('drive-restore-confirm');
    await confirm.waitFor();
    await expectNoSeriousAccessibilityViolations(app.page, 'drive (versions, restore confirmation)');
    await saveScreenshot(app.page, 'drive-versions');
    await confirm.getByTestId('drive-restore-yes').click();

    await app.page.getByTestId('drive-versions-news').waitFor();
    expect(await app.page.getByTestId('drive-versions-news').innerText()).toBe('Version 1 was restored as version 3.');
    await drive.version(3).waitFor();
    expect(await drive.version(3).getAttribute('data-current')).toBe('true');
    expect(await drive.version(3).innerText()).toContain('Restored');
    await drive.syncNow();
    await expect.poll(() => readFile(join(local, 'example-aggregates.csv'), 'utf8'), { timeout: SYNC_TIMEOUT_MS }).toBe(original);
    await saveScreenshot(app.page, 'drive-restored');
  }, 90_000);

  it('deletes a file to the trash and brings it back', async () => {
    await app.page.getByTestId('drive-versions-close').click();
    await drive.action('notes-2026-03.txt', 'delete').click();
    await app.page.getByTestId('drive-delete-yes').click();
    await drive.news.getByText('went to the trash').waitFor();
    // The screen reads the folder again by itself once the delete answers; the listing loses the row while it is read
    // (names() reads it in one step for that reason).
    await expect.poll(() => drive.names(), { timeout: SYNC_TIMEOUT_MS }).not.toContain('notes-2026-03.txt');

    await app.page.getByTestId('drive-trash-toggle').click();
    const row = app.page.locator('[data-testid="drive-trash-entry"][data-path="notes-2026-03.txt"]');
    await row.waitFor();
    await saveScreenshot(app.page, 'drive-trash');
    await row.getByTestId('drive-trash-restore').click();
    await app.page.getByTestId('drive-trash-news').waitFor();

    await expect
      .poll(
        async () => {
          await drive.readAgain();
          return drive.names();
        },
        { timeout: SYNC_TIMEOUT_MS },
      )
      .toContain('notes-2026-03.txt');
  }, 60_000);

  it('makes an app password for WebDAV clients, shown once with the address and user name, and revokes it', async () => {
    const panel = app.page.getByTestId('drive-app-passwords');
    await panel.scrollIntoViewIfNeeded();
    await panel.getByTestId('drive-password-label').fill('LibreOffice on my desktop');
    await panel.getByTestId('drive-password-create').click();

    const shown = panel.getByTestId('drive-new-password');
    await shown.waitFor();
    expect(await shown.getByTestId('drive-new-password-url').inputValue()).toBe(`${app.platform.url}/dav/${PROJECT}/`);
    expect(await shown.getByTestId('drive-new-password-user').inputValue()).toBe('demo-analyst');
    expect((await shown.getByTestId('drive-new-password-secret').inputValue()).length).toBeGreaterThanOrEqual(20);
    await expectNoSeriousAccessibilityViolations(app.page, 'drive (a new app password)');
    await shown.screenshot({ path: join('test-results', 'e2e', 'drive-app-password.png') });

    await shown.getByTestId('drive-new-password-done').click();
    expect(await shown.count()).toBe(0);
    const listed = panel.locator('[data-testid="drive-password"][data-revoked="false"]');
    expect(await listed.innerText()).toContain('LibreOffice on my desktop');
    expect(await listed.innerText()).toContain('Never');
    await listed.getByTestId('drive-password-revoke').click();
    await panel.getByTestId('drive-revoke-yes').click();
    await panel.locator('[data-testid="drive-password"][data-revoked="true"]').waitFor();
  }, 60_000);

  it('says a project kept in the window has no local folder; opens a CSV into the window and saves a table back as Arrow', async () => {
    await session.signOut();
    login = await session.signIn(app.context, BEN);
    await catalogue.pickProject(MEMORY_PROJECT);
    await drive.open();

    await app.page.getByTestId('drive-no-folder').waitFor();
    await expect.poll(() => drive.names(), { timeout: SYNC_TIMEOUT_MS }).toEqual(['example-aggregates.csv', 'README.md']);
    expect(await drive.entry('README.md').innerText()).toContain('Not on this computer');
    // Ada's sync stopped when she signed out; her folder stays, and nothing was made for Ben's project.
    expect(await readdir(join(drivesDir, 'Enclave'))).toEqual([PROJECT]);
    await expectNoSeriousAccessibilityViolations(app.page, 'drive (a project kept in the window)');
    await saveScreenshot(app.page, 'drive-memory-project');

    await drive.action('example-aggregates.csv', 'open').click();
    await app.page.getByTestId('drive-open-go').click();
    await drive.news.waitFor({ timeout: 90_000 });
    expect(await drive.news.innerText()).toContain('Opened as the local table example_aggregates (27 rows).');

    const form = app.page.getByTestId('drive-save');
    await expect.poll(() => form.getByTestId('drive-save-table').inputValue(), { timeout: 15_000 }).toBe('example_aggregates');
    await form.getByTestId('drive-save-format').selectOption('arrow');
    await form.getByTestId('drive-save-go').click();
    await form.getByTestId('drive-save-news').waitFor({ timeout: SYNC_TIMEOUT_MS });
    expect(await form.getByTestId('drive-save-news').innerText()).toMatch(
      /^Saved example_aggregates as example_aggregates\.arrow \(27 rows, /,
    );
    await drive.readAgain();
    await expect.poll(() => drive.names(), { timeout: SYNC_TIMEOUT_MS }).toContain('example_aggregates.arrow');
    await saveScreenshot(app.page, 'drive-memory-saved');
  }, 150_000);

  it('saves a result from Local analysis in the window project straight to the drive (CSV or Arrow, no Parquet), never to disk', async () => {
    await workspace.open();
    const outcome = await workspace.runQuery('SELECT * FROM example_aggregates ORDER BY ALL LIMIT 5');
    expect(outcome.error).toBe('');

    await drive.resultSaveButton.click();
    const dialog = drive.resultSaveDialog;
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('as CSV or Arrow (this window’s engine cannot write Parquet)');
    expect(await dialog.locator('option[value="parquet"]').isDisabled()).toBe(true);
    await dialog.getByTestId('drive-save-name').fill('first five');
    await dialog.getByTestId('drive-save-go').click();
    await dialog.getByTestId('drive-save-news').waitFor({ timeout: SYNC_TIMEOUT_MS });
    expect(await dialog.getByTestId('drive-save-news').innerText()).toMatch(
      /^Saved the result of .+ as first five\.csv \(5 rows, \d+ B\)\.$/,
    );
    await expectNoSeriousAccessibilityViolations(app.page, 'local analysis (saving a window project’s result to the drive)');
    await saveScreenshot(app.page, 'drive-memory-save-result');

    await dialog.getByTestId('result-drive-save-show').click();
    await drive.screen.waitFor();
    await drive.settled();
    await expect.poll(() => drive.names(), { timeout: SYNC_TIMEOUT_MS }).toContain('first five.csv');
    expect(await drive.entry('first five.csv').innerText()).toContain('Not on this computer');
    expect(await readdir(join(drivesDir, 'Enclave'))).toEqual([PROJECT]);
  }, 90_000);
});
