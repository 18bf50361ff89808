// Every way out but the export is closed (issue 16, "Release and export"), in Chromium through the browser shell at
// 1366×768: Ada loads a sample and runs queries; dragging a result out of the page is refused and the page says why;
// Ctrl+P and window.print are refused, and a page printed anyway (the browser's own menu) shows nothing of the data;
// copying more cells than the project's clipboard limit puts only the limit on the clipboard and says so, from the grid
// and from the page (select all, copy: the page's text is cut to the limit in the grid's words); a link that
// would download a file the page made is refused; the only download in the whole run is the export of a released
// output, its one-time URL does not answer twice, and the export of a file that was never released is refused by the
// core with no URL at all. Screenshots in test-results/e2e/eg-*.png. SATRE 3.1.12 (preventing unauthorised egress).
import type { Download } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RequestDetail } from '../../src/common/airlock.ts';
import type { OutputDocument } from '../../src/common/outputs.ts';
import { DOWNLOAD_REFUSED, DRAG_REFUSED, PRINT_REFUSED, SAVE_REFUSED } from '../../renderer/src/shell/egress-guard.ts';
import { CataloguePage } from './pages/catalogue-page.ts';
import { OutputsPage } from './pages/outputs-page.ts';
import { ADA, SessionPage, type LoginPage } from './pages/session-page.ts';
import { WorkspacePage } from './pages/workspace-page.ts';
import { saveScreenshot } from './support/artifacts.ts';
import { expectNoSeriousAccessibilityViolations } from './support/axe.ts';
import { startBrowserApp, type BrowserApp } from './support/browser-app.ts';
import { probe } from './support/http-probe.ts';
import { asPlatformUser } from './support/platform-admin.ts';
import { invokeAsPage } from './support/shell-api.ts';

/** How long the grid may take to answer on a loaded machine: a copy of many rows (read first), the cell viewer. */
const COPY_TIMEOUT_MS = 20_000;
/** Clicking until the grid has the keyboard: 0.7 s apart, more than a double click's interval. */
const GRID_FOCUS_POLL = { interval: 700, timeout: 20_000 };
const DEMO = { scale: 10_000, seed: 1 };
const SMALL_SCREEN = { width: 1366, height: 768 };
const PROJECT = 'covid-outcomes';
const DATASET = 'hospital_episodes';
const TABLE = 'hospital_episodes_sample';
const CHLOE_ID = 'demo-checker-1';
const CHIDI_ID = 'demo-checker-2';
/** The demo projects' clipboard cell limit (DEFAULT_CLIPBOARD_CELL_LIMIT: the seed sets none of its own). */
const CLIPBOARD_LIMIT = 100;
/** The result grid's header and row heights, in px (ResultGrid.tsx). */
const GRID_HEADER = 36;
const GRID_ROW = 34;

/** Row-level values: each episode's method and stay, the kind of rows that must not leave. */
const ROWS_SQL = `SELECT admission_method, length_of_stay, 'episode-' || row_number() OVER (ORDER BY admission_method, length_of_stay) AS episode
FROM ${TABLE} ORDER BY episode LIMIT 40;`;
/** 1,000 rows × 3 columns of values that say where they came from: far past the clipboard limit. */
const MANY_SQL = "SELECT n, 'row-' || n AS label, n * 7 AS seventh FROM range(1, 1001) AS t(n) ORDER BY n;";
/** 1,000 rows × 61 columns, a column a line: its text fills the editor and the history beside the result. */
const WIDE_SQL = [
  'SELECT n',
  ...Array.from({ length: 60 }, (_, i) => `  , n * ${i + 2} AS times_${i + 2}`),
  'FROM range(1, 1001) AS t(n) ORDER BY n;',
].join('\n');

/** A released table's content: a frequency table that passes the engine's check. */
const RELEASED: OutputDocument = {
  kind: 'frequency',
  title: 'Admissions by age band',
  source: { sql: 'SELECT age_band, count(*) AS n FROM admissions GROUP BY age_band', engine: 'native' },
  table: {
    dimensions: ['age_band'],
    cells: [
      { key: { age_band: '18-39' }, count: 120 },
      { key: { age_band: '40-64' }, count: 85 },
    ],
    totals: 'published',
  },
  mitigation: { kind: 'none', roundingBase: null },
};

describe('browser shell: every way out but the export is closed (issue 16)', () => {
  let app: BrowserApp;
  let session: SessionPage;
  let catalogue: CataloguePage;
  let ws: WorkspacePage;
  let outputs: OutputsPage;
  let login: LoginPage | null = null;
  /** Every download the browser started in this run. */
  const downloads: Download[] = [];

  const notice = () => app.page.getByTestId('egress-notice');

  async function dismissNotice(): Promise<void> {
    if ((await app.page.getByTestId('egress-notice-dismiss').count()) > 0) await app.page.getByTestId('egress-notice-dismiss').click();
    await expect.poll(() => notice().innerText()).toBe('');
  }

  /** Dispatches a cancellable event of `type` on the first element matching `selector` (or its first text node). */
  async function dispatchOn(selector: string, type: 'dragstart' | 'click', onText = false): Promise<boolean> {
    // A string, run in the page as it is (the tests' own Node types do not describe the DOM).
    return app.page.evaluate<boolean>(`(() => {
      const element = document.querySelector(${JSON.stringify(selector)});
      if (!element) throw new Error('Nothing matches ${selector}.');
      const target = ${onText} ? [...element.childNodes].find((node) => node.nodeType === Node.TEXT_NODE) : element;
      if (!target) throw new Error('${selector} has no text node.');
      const event = ${JSON.stringify(type)} === 'dragstart'
        ? new DragEvent('dragstart', { bubbles: true, cancelable: true, dataTransfer: new DataTransfer() })
        : new MouseEvent('click', { bubbles: true, cancelable: true });
      target.dispatchEvent(event);
      return event.defaultPrevented;
    })()`);
  }

  /** The text the body shows now (innerText: only what is rendered). */
  const bodyText = (): Promise<string> => app.page.evaluate<string>('document.body.innerText');

  function asPlatform(sub: string, call: { method: 'GET' | 'POST'; path: string; body?: unknown }): Promise<unknown> {
    return asPlatformUser(sub, { platformUrl: app.platform.url, dataDir: app.dataDir, ...call });
  }

  async function invokeOk<T>(method: string, input: unknown): Promise<T> {
    const answer = await invokeAsPage(app, method, input);
    expect(answer.body.ok, `${method}: ${JSON.stringify(answer.body.error)}`).toBe(true);
    return answer.body.value as T;
  }

  beforeAll(async () => {
    app = await startBrowserApp(DEMO);
    await app.page.setViewportSize(SMALL_SCREEN);
    app.page.on('download', (download) => downloads.push(download));
    session = new SessionPage(app.page, app.problems);
    catalogue = new CataloguePage(app.page);
    ws = new WorkspacePage(app.page);
    outputs = new OutputsPage(app.page);
    await app.page.goto(app.shell.launchUrl);
    await session.waitForSignInScreen();
  }, 120_000);

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail')
      await saveScreenshot(app.page, `eg-failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
    await app.page.emulateMedia({ media: 'screen' });
    await login?.page.close();
    login = null;
    app.problems.assertNone(`during "${context.task.name}"`);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('Ada signs in, loads a sample and runs a query of row-level values', async () => {
    login = await session.signIn(app.context, ADA);
    await session.keychainNotice.getByRole('button', { name: 'Dismiss' }).click();
    await catalogue.pickProject(PROJECT);
    await catalogue.openDataset(DATASET);
    await catalogue.openSample(Number(await catalogue.sampleSize.inputValue()));
    await ws.open();

    const outcome = await ws.runQuery(ROWS_SQL);

    expect(outcome.error).toBe('');
    expect(outcome.status).toMatch(/^40 rows, 3 columns in /);
    expect(await ws.gridRows()).toBe(40);
    // Nothing on this screen offers a download: no link that saves a file, no image of a chart to save.
    expect(await app.page.locator('a[download], a[href^="blob:"], a[href^="data:"]').count()).toBe(0);
    await saveScreenshot(app.page, 'eg-1-rows');
  }, 180_000);

  it('refuses to drag a result out of the page, and says why; a drag in the SQL editor goes on', async () => {
    const gridCanvas = '[data-testid="result-grid"] canvas';

    const fromCell = await dispatchOn(gridCanvas, 'dragstart');

    expect(fromCell).toBe(true);
    await expect.poll(() => notice().innerText()).toContain(DRAG_REFUSED);
    expect(await notice().getAttribute('role')).toBe('status');
    await saveScreenshot(app.page, 'eg-2-drag-refused');
    await expectNoSeriousAccessibilityViolations(app.page, 'the workspace saying a drag was refused');
    await dismissNotice();

    // Text the page shows about the result (its heading) is no more draggable than the cells.
    expect(await dispatchOn('[data-testid="result-heading"]', 'dragstart', true)).toBe(true);
    await expect.poll(() => notice().innerText()).toContain(DRAG_REFUSED);
    await dismissNotice();

    // The editor moves its own text by dragging: not refused, nothing said.
    expect(await dispatchOn('[data-testid="sql-editor"] .cm-line', 'dragstart')).toBe(false);
    expect(await notice().innerText()).toBe('');
  });

  it('refuses Ctrl+P and window.print, and a page printed anyway shows nothing of the data', async () => {
    // After the guard (capture phase), what every later handler and the browser see of P and S with Ctrl.
    await app.page.evaluate(`(() => {
      window.seenPrintKeys = [];
      window.addEventListener('keydown', (event) => {
        if (['p', 's'].includes(event.key.toLowerCase())) window.seenPrintKeys.push(event.defaultPrevented);
      });
    })()`);
    await ws.editor.click();
    await app.page.keyboard.press('Control+P');
    await expect.poll(() => notice().innerText()).toContain(PRINT_REFUSED);
    await dismissNotice();
    await app.page.keyboard.press('Control+S');
    await expect.poll(() => notice().innerText()).toContain(SAVE_REFUSED);
    await dismissNotice();
    await app.page.evaluate('window.print()');
    await expect.poll(() => notice().innerText()).toContain(PRINT_REFUSED);

    expect(await app.page.evaluate<boolean[]>('window.seenPrintKeys')).toEqual([true, true]);

    // A row's value on screen as text (the grid draws on a canvas): the first episode, whole, in the cell viewer.
    const box = (await ws.grid.getByRole('region').boundingBox())!;
    // The grid takes the keyboard once it has drawn the result: click until it has it (clicks further apart than a
    // double click, which would open the cell viewer).
    await expect
      .poll(async () => {
        await app.page.mouse.click(box.x + 120, box.y + GRID_HEADER + GRID_ROW / 2);
        return app.page.evaluate<boolean>(`document.activeElement?.closest('[data-testid="result-grid"]') != null`);
      }, GRID_FOCUS_POLL)
      .toBe(true);
    await app.page.keyboard.press('ArrowRight');
    await app.page.keyboard.press('ArrowRight');
    await app.page.keyboard.press('Enter');
    const value = app.page.getByTestId('cell-viewer-text');
    await expect.poll(() => value.inputValue(), { timeout: COPY_TIMEOUT_MS }).toBe('episode-1');

    // On screen the page holds the rows' words; printed, none of them, only why.
    const onScreen = await bodyText();
    expect(onScreen).toContain('40 rows, 3 columns');
    expect(onScreen).toContain('episode, row 1');
    expect(await value.isVisible()).toBe(true);
    await app.page.emulateMedia({ media: 'print' });
    await saveScreenshot(app.page, 'eg-3-print-media');
    const printed = await bodyText();
    expect(printed.trim()).toBe('');
    for (const words of ['episode, row 1', 'admission_method', 'length_of_stay', '40 rows']) expect(printed).not.toContain(words);
    expect(await value.isVisible()).toBe(false);
    const why = await app.page.evaluate<string>(`getComputedStyle(document.body, '::after').content`);
    expect(why).toBe(JSON.stringify(PRINT_REFUSED));
    const visible = await app.page.evaluate<number>(
      `[...document.body.querySelectorAll('*')].filter((element) => element.getClientRects().length > 0).length`,
    );
    expect(visible).toBe(0);
    await app.page.emulateMedia({ media: 'screen' });
    await app.page.getByTestId('cell-viewer-close').click();
    await dismissNotice();
  });

  it('copies at most the project’s clipboard limit, says so, and the clipboard gets no more', async () => {
    await app.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.shell.url });
    await app.page.evaluate(`navigator.clipboard.writeText('nothing copied yet')`);
    const outcome = await ws.runQuery(MANY_SQL);
    expect(outcome.status).toMatch(/^1,000 rows, 3 columns in /);

    // Every cell of the grid selected (3,000), then Ctrl+C.
    const box = (await ws.grid.getByRole('region').boundingBox())!;
    // The grid takes the keyboard once it has drawn the new result: click until it has it (clicks further apart than a
    // double click, which would open the cell viewer).
    await expect
      .poll(async () => {
        await app.page.mouse.click(box.x + 120, box.y + GRID_HEADER + GRID_ROW / 2);
        return app.page.evaluate<boolean>(`document.activeElement?.closest('[data-testid="result-grid"]') != null`);
      }, GRID_FOCUS_POLL)
      .toBe(true);
    await app.page.keyboard.press('ControlOrMeta+A');
    await app.page.keyboard.press('ControlOrMeta+C');
    // Rows not yet in the window are read first; the notice then asks for Ctrl+C again.
    // Reading them can take a few seconds on a loaded machine.
    await expect.poll(() => ws.copyNotice.innerText(), { timeout: COPY_TIMEOUT_MS }).toMatch(/^(Copied|The .* ready)/);
    if (/ready/.test(await ws.copyNotice.innerText())) await app.page.keyboard.press('ControlOrMeta+C');

    const rows = Math.floor(CLIPBOARD_LIMIT / 3);
    await expect
      .poll(() => ws.copyNotice.innerText(), { timeout: COPY_TIMEOUT_MS })
      .toContain(
        `Copied ${rows * 3} cells of 3,000 selected (the first ${rows} rows). This project allows at most ${CLIPBOARD_LIMIT} cells per copy, to keep row-level data inside the secure environment.`,
      );
    const clipboard = await app.page.evaluate<string>('navigator.clipboard.readText()');
    const lines = clipboard.split('\n');
    expect(lines).toHaveLength(rows);
    expect(lines[0]).toBe('1\trow-1\t7');
    expect(lines.at(-1)).toBe(`${rows}\trow-${rows}\t${rows * 7}`);
    expect(lines.flatMap((line) => line.split('\t')).length).toBeLessThanOrEqual(CLIPBOARD_LIMIT);
    expect(clipboard).not.toContain(`row-${rows + 1}\t`);
    await saveScreenshot(app.page, 'eg-4-copy-limited');
  }, 90_000);

  it('copies at most the limit of the whole page selected, as plain text, in the words of the grid’s copy', async () => {
    await app.page.evaluate(`navigator.clipboard.writeText('nothing copied yet')`);
    expect((await ws.runQuery(WIDE_SQL)).status).toMatch(/^1,000 rows, 61 columns in /);
    // The grid's accessible table (the visible rows and their columns' names) is in the page, inside the canvas.
    await expect.poll(() => ws.grid.locator('canvas table').textContent()).toContain('times_2');
    // The history beside the result, then out of the grid and the editor (the result's heading has no handler of its
    // own): select all and copy.
    await ws.sideTab('history').click();
    await ws.historyEntries.first().waitFor();
    await ws.resultHeading.click();
    await app.page.keyboard.press('ControlOrMeta+A');
    const selected = await app.page.evaluate<string>('getSelection().toString()');
    const cellsOf = (text: string): number =>
      text.split(/\r\n|\n|\r/).reduce((sum, line) => sum + (line === '' ? 0 : line.split('\t').length), 0);
    expect(cellsOf(selected), 'the page selected holds more cells than the limit').toBeGreaterThan(CLIPBOARD_LIMIT);

    await app.page.keyboard.press('ControlOrMeta+C');

    await expect
      .poll(() => notice().innerText())
      .toMatch(
        new RegExp(
          `^Copied \\d+ cells of ${cellsOf(selected).toLocaleString('en-GB')} selected \\(the first \\d+ rows\\)\\. This project allows at most ${CLIPBOARD_LIMIT} cells per copy, to keep row-level data inside the secure environment\\.`,
        ),
      );
    const copied = await app.page.evaluate<{ types: string[]; text: string }>(`(async () => {
      const [item] = await navigator.clipboard.read();
      return { types: [...item.types], text: await (await item.getType('text/plain')).text() };
    })()`);
    // Plain text only (no markup of the page), at most the limit, and the first whole lines of what was selected.
    expect(copied.types).toEqual(['text/plain']);
    expect(cellsOf(copied.text)).toBeGreaterThan(0);
    expect(cellsOf(copied.text)).toBeLessThanOrEqual(CLIPBOARD_LIMIT);
    expect(selected.replace(/\r\n|\r/g, '\n').startsWith(copied.text)).toBe(true);
    expect(await notice().innerText()).toContain(`Copied ${cellsOf(copied.text)} cells of`);
    await saveScreenshot(app.page, 'eg-4b-page-copy-limited');
    await expectNoSeriousAccessibilityViolations(app.page, 'the workspace saying a page copy was cut to the limit');
    await app.page.evaluate('getSelection().removeAllRanges()');
    await dismissNotice();
    await ws.sideTab('tables').click();
  }, 60_000);

  it('refuses a link that would download a file the page made (a blob), and says why', async () => {
    const downloadsBefore = downloads.length;
    await app.page.evaluate(`(() => {
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob(['row-1,row-2\\n'], { type: 'text/csv' }));
      link.download = 'rows.csv';
      link.id = 'smuggled';
      link.textContent = 'rows';
      document.body.append(link);
    })()`);

    expect(await dispatchOn('#smuggled', 'click')).toBe(true);
    await app.page.evaluate(`document.getElementById('smuggled').click()`);

    await expect.poll(() => notice().innerText()).toContain(DOWNLOAD_REFUSED);
    await app.page.evaluate(`document.getElementById('smuggled').remove()`);
    await dismissNotice();
    expect(downloads.length).toBe(downloadsBefore);
  });

  it('downloads only a released output, once; a file never released gets no download at all', async () => {
    // The scene, as the checkers' own workstations would set it: a request with one output, approved by both, released.
    const created = await invokeOk<RequestDetail>('airlock.create', {
      projectId: PROJECT,
      title: 'Admissions by age band',
      context: { description: 'Admissions by age band.', population: 'All admissions in the sample.', relationship: 'None.' },
    });
    const requestId = created.id;
    const withFile = await invokeOk<RequestDetail>('airlock.putFile', {
      requestId,
      expectedVersion: created.version,
      name: 'admissions-by-age.json',
      output: RELEASED,
      exception: null,
    });
    await invokeOk<RequestDetail>('airlock.submit', { requestId, expectedVersion: withFile.version });
    for (const checker of [CHLOE_ID, CHIDI_ID]) {
      const detail = (await asPlatform(checker, { method: 'GET', path: `/requests/${requestId}` })) as RequestDetail;
      const file = detail.files.find((f) => f.role === 'output' && !f.withdrawn)!;
      const voted = (await asPlatform(checker, {
        method: 'POST',
        path: `/requests/${requestId}/files/${file.id}/vote`,
        body: { expectedVersion: detail.version, vote: 'approve', disagreement: null },
      })) as RequestDetail;
      await asPlatform(checker, { method: 'POST', path: `/requests/${requestId}/review`, body: { expectedVersion: voted.version } });
    }
    const reviewed = (await asPlatform(CHLOE_ID, { method: 'GET', path: `/requests/${requestId}` })) as RequestDetail;
    await asPlatform(CHLOE_ID, { method: 'POST', path: `/requests/${requestId}/release`, body: { expectedVersion: reviewed.version } });

    // A second request whose output is never released: its file id is real, but not in the ledger.
    const pending = await invokeOk<RequestDetail>('airlock.create', {
      projectId: PROJECT,
      title: 'Not released',
      context: { description: '', population: '', relationship: '' },
    });
    const pendingDetail = await invokeOk<RequestDetail>('airlock.putFile', {
      requestId: pending.id,
      expectedVersion: pending.version,
      name: 'unreleased.json',
      output: { ...RELEASED, title: 'Not released' },
      exception: null,
    });
    const unreleasedId = pendingDetail.files.find((f) => f.role === 'output')!.id;

    expect(downloads).toHaveLength(0);
    await outputs.open();
    const released = app.page.getByTestId('released-output');
    await expect.poll(() => released.count()).toBe(1);
    const downloading = app.page.waitForEvent('download');
    await released.getByTestId('export-csv').click();
    const download = await downloading;
    await download.path();

    // The only download of the whole run: the export gate's one-time URL on the shell's own origin.
    expect(downloads).toEqual([download]);
    expect(download.url()).toMatch(new RegExp(`^${app.shell.url.replace(/[.]/g, '\\.')}/api/download/[A-Za-z0-9_-]{43}$`));
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    expect(await app.page.locator('a[download]').count()).toBe(1);
    expect(await app.page.locator('a[download]').getAttribute('data-testid')).toBe('export-download');
    // Used once: the same URL again is refused, and says so.
    const again = await probe(download.url());
    expect([404, 410]).toContain(again.status);
    expect(again.body).toContain('This download has already been used or has expired.');

    // A file that was never released: the core refuses the export, so no URL ever exists for it.
    const refused = await invokeAsPage(app, 'airlock.export', { projectId: PROJECT, fileId: unreleasedId, format: 'csv' });
    expect(refused.body.ok).toBe(false);
    expect(refused.body.error?.code).toBe('not_found');
    expect(refused.body.value).toBeUndefined();
    expect(JSON.stringify(refused.body)).not.toContain('/api/download/');
    expect(downloads).toHaveLength(1);
    await saveScreenshot(app.page, 'eg-5-exported');
  }, 120_000);
});
