// Issue 16, done when: three people on one platform, each in their own workstation (as in a secure environment), at
// 1366×768, every step in their windows. Ada (analyst) loads a sample, builds a table from a local result that has a
// small cell, applies the engine's suggested suppression and submits it in a release request with its context. Chloe
// and Chidi (output checkers) review it blind: Chidi sees neither Chloe's vote nor her comment, on his screen or in what
// the platform answers him, until both have reviewed. Chloe requests changes on a cell with a public comment anchored on
// that cell, Chidi approves; Chloe returns it. Ada reads the comment on that cell, hides it in the builder, sends the new
// version under the same name and submits again; Chloe sees the cell-level diff against the version she reviewed; both
// approve; Chloe releases it after confirming. Ada exports the xlsx: it holds the published cells (the hidden ones
// empty) and its provenance (the request, both reviewers, the rules profile, the mitigation and the suppression note).
// Screenshots in test-results/e2e/aj-*.png. SATRE 3.1.12 (egress only through an approved release), 3.1.10
// (disclosure control of outputs).
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RequestDetail } from '../../src/common/airlock.ts';
import { readWorkbook } from '../support/xlsx-read.ts';
import { CataloguePage } from './pages/catalogue-page.ts';
import { CheckingPage } from './pages/checking-page.ts';
import { OutputsPage } from './pages/outputs-page.ts';
import { ADA, CHIDI, CHLOE, SessionPage, type LoginPage } from './pages/session-page.ts';
import { WorkspacePage } from './pages/workspace-page.ts';
import { saveScreenshot } from './support/artifacts.ts';
import { expectNoSeriousAccessibilityViolations } from './support/axe.ts';
import { startBrowserApp, type BrowserApp } from './support/browser-app.ts';
import { openSecondWindow, type SecondWindow } from './support/second-window.ts';
import { invokeAsPage } from './support/shell-api.ts';

const DEMO = { scale: 10_000, seed: 1 };
const SMALL_SCREEN = { width: 1366, height: 768 };
const PROJECT = 'covid-outcomes';
const TITLE = 'Admissions by method and length of stay';
const FILE = 'stays-by-method.json';
/** Emergency admissions in the sample of the demo data (scale 10,000, seed 1): the released table publishes this total. */
const EMERGENCY = 243;
/** Long stays are rare for some admission methods: a table with small cells. */
const SQL =
  "SELECT admission_method, CASE WHEN length_of_stay > 7 THEN 'over a week' ELSE 'up to a week' END AS stay FROM hospital_episodes_sample";
const CHLOE_REASON = 'Together with the hidden cells this one narrows a small group.';
const CHLOE_COMMENT = 'Please hide this cell too: with the hidden ones it gives away a small group.';

/** Waits until the builder's preview is the platform's check of the current choices. */
async function previewSettled(page: Page): Promise<void> {
  await expect.poll(() => page.getByTestId('output-preview').getAttribute('data-current'), { timeout: 60_000 }).toBe('true');
  await expect.poll(() => page.getByTestId('output-progress').innerText()).toBe('');
}

describe('browser shell: an output from a local result to an exported release, with two blind reviews (issue 16)', () => {
  let app: BrowserApp;
  let chloeWindow: SecondWindow;
  let chidiWindow: SecondWindow;
  let ada: SessionPage;
  let chloe: SessionPage;
  let chidi: SessionPage;
  let requestId = '';
  /** The cell Chloe asks to hide, as the checking screen names it. */
  let askedCell = '';
  const logins: LoginPage[] = [];

  /** The asked cell's values: its admission method and its stay. */
  const askedValues = (): [string, string] => {
    const byDimension = new Map(JSON.parse(askedCell) as Array<[string, string]>);
    return [byDimension.get('admission_method') ?? '', byDimension.get('stay') ?? ''];
  };

  /** The request as the platform answers it to a checker, through their own workstation (what their screen reads). */
  async function requestAs(window: SecondWindow): Promise<RequestDetail> {
    const answer = await invokeAsPage({ ...app, page: window.page, shell: window.shell }, 'airlock.request', { requestId });
    expect(answer.body.ok, JSON.stringify(answer.body.error)).toBe(true);
    return answer.body.value as RequestDetail;
  }

  beforeAll(async () => {
    app = await startBrowserApp(DEMO);
    chloeWindow = await openSecondWindow(app, 'Chloe’s workstation');
    chidiWindow = await openSecondWindow(app, 'Chidi’s workstation');
    for (const page of [app.page, chloeWindow.page, chidiWindow.page]) await page.setViewportSize(SMALL_SCREEN);
    ada = new SessionPage(app.page, app.problems);
    chloe = new SessionPage(chloeWindow.page, chloeWindow.problems);
    chidi = new SessionPage(chidiWindow.page, chidiWindow.problems);
    await app.page.goto(app.shell.launchUrl);
    await chloeWindow.page.goto(chloeWindow.shell.launchUrl);
    await chidiWindow.page.goto(chidiWindow.shell.launchUrl);
    await Promise.all([ada.waitForSignInScreen(), chloe.waitForSignInScreen(), chidi.waitForSignInScreen()]);
  }, 180_000);

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') {
      const name = context.task.name.slice(0, 40).replace(/\W+/g, '-');
      await saveScreenshot(app.page, `aj-failed-ada-${name}`);
      await saveScreenshot(chloeWindow.page, `aj-failed-chloe-${name}`);
      await saveScreenshot(chidiWindow.page, `aj-failed-chidi-${name}`);
    }
    app.problems.assertNone(`in Ada's window during "${context.task.name}"`);
    chloeWindow.problems.assertNone(`in Chloe's window during "${context.task.name}"`);
    chidiWindow.problems.assertNone(`in Chidi's window during "${context.task.name}"`);
  });

  afterAll(async () => {
    for (const login of logins) await login.page.close();
    await chidiWindow?.close();
    await chloeWindow?.close();
    await app?.close();
  });

  it('the three sign in, each in their own workstation', async () => {
    logins.push(await ada.signIn(app.context, ADA));
    logins.push(await chloe.signIn(chloeWindow.context, CHLOE));
    logins.push(await chidi.signIn(chidiWindow.context, CHIDI));
    for (const session of [ada, chloe, chidi]) await session.keychainNotice.getByRole('button', { name: 'Dismiss' }).click();
    expect(await ada.navLabels()).toEqual(['Catalogue', 'Local analysis', 'Drive', 'Outputs']);
    expect(await chloe.navLabels()).toEqual(['Output checking']);
  }, 120_000);

  it('Ada builds a table with a small cell from a local result, applies the suggested suppression and adds it to a new request', async () => {
    const page = app.page;
    const catalogue = new CataloguePage(page);
    await catalogue.pickProject(PROJECT);
    await catalogue.openDataset('hospital_episodes');
    await catalogue.openSample(Number(await catalogue.sampleSize.inputValue()));
    const workspace = new WorkspacePage(page);
    await workspace.open();
    await workspace.runQuery(SQL);

    await page.getByTestId('make-output').click();
    await page.getByTestId('output-builder').waitFor();
    await page.getByTestId('output-title').fill(TITLE);
    await page.getByTestId('output-dimension-0').selectOption('admission_method');
    await page.getByTestId('output-add-dimension').click();
    await page.getByTestId('output-dimension-1').selectOption('stay');
    await previewSettled(page);
    expect(await page.getByTestId('output-verdict').innerText()).toBe('Flag');
    expect(await page.locator('[data-testid="published-cell"][data-mark="fails"]').count()).toBeGreaterThan(0);
    await saveScreenshot(page, 'aj-1-small-cell');

    await page.getByTestId('apply-suggestion').click();
    await previewSettled(page);
    expect(await page.getByTestId('output-verdict').innerText()).toBe('Pass');
    expect(await page.getByTestId('output-mitigation-applied').innerText()).toBe('Suppressed');
    // Rates per 1,000 of each method's admissions beside the counts, instead of percentages.
    await page.getByTestId('output-derived').selectOption('1000');
    await previewSettled(page);
    expect(await page.getByTestId('published-rate-base').innerText()).toMatch(/rate per 1,000 of the row’s published total/);
    expect(await page.getByTestId('published-cell').locator('.cell-percent').first().innerText()).toMatch(/^[\d,.]+ per 1,000$/);
    expect(await page.getByTestId('output-verdict').innerText()).toBe('Pass');
    await saveScreenshot(page, 'aj-1b-rates');
    await expectNoSeriousAccessibilityViolations(page, 'the output builder, suppressed');

    await page.getByTestId('start-add-to-request').click();
    await page.getByTestId('request-option-new').check();
    await page.getByTestId('new-request-title').fill(TITLE);
    await page.getByTestId('output-file-name').fill(FILE);
    await page.getByTestId('add-output').click();
    await page.getByTestId('open-request').click();
    const outputs = new OutputsPage(page);
    await outputs.requestPage.waitFor();
    requestId = (await outputs.requestPage.getAttribute('data-request-id')) ?? '';
    expect(requestId).toMatch(/^req-[0-9a-f]{20}$/);
    await expect
      .poll(() => outputs.words(FILE))
      .toEqual(['Engine’s verdict Pass', 'Mitigation applied Suppressed', 'Checkers’ decision Not decided yet']);
    await saveScreenshot(page, 'aj-2-added');
  }, 240_000);

  it('Ada fills the context and submits, after confirming', async () => {
    const page = app.page;
    const outputs = new OutputsPage(page);
    await page
      .getByTestId('context-description-input')
      .fill('Emergency and elective admissions by length of stay, for the service review.');
    await page
      .getByTestId('context-population-input')
      .fill('Admissions in the project from March 2020; rates per 1,000 admissions of each method.');
    await page.getByTestId('context-relationship-input').fill('None: nothing was released from this project before.');
    await page.getByTestId('save-context').click();
    await expect.poll(() => page.getByTestId('request-context-form').getByRole('status').innerText()).toBe('Saved.');
    await page.getByTestId('submit-request').click();
    await page.getByTestId('submit-yes').click();
    await expect.poll(() => outputs.state.innerText()).toBe('Submitted');
  }, 60_000);

  it('Chloe reviews blind and requests changes on a cell with a public comment; Chidi approves; Chloe returns it', async () => {
    const checking = new CheckingPage(chloeWindow.page);
    await chloeWindow.page.getByTestId('checking-queue').waitFor();
    await checking.openFromQueue(requestId);
    await chloeWindow.page.getByTestId('review-blinded').waitFor();
    await checking.chooseFile(FILE);
    expect(await checking.fileReview.getByTestId('file-verdict').innerText()).toBe('Pass');
    expect(await checking.fileReview.locator('.published-grid caption').first().innerText()).toContain(
      'rates per 1,000 of the row’s published total',
    );
    expect(await checking.fileReview.locator('[data-testid="published-cell"] .cell-percent').allInnerTexts()).toContainEqual(
      expect.stringMatching(/^[\d,.]+ per 1,000$/),
    );
    // The first published cell that is neither hidden nor a total: Chloe asks for it to go as well.
    const cell = checking.fileReview.locator(`[data-testid="published-cell"][data-marks=""]:not([data-cell*='*'])`).first();
    askedCell = (await cell.getAttribute('data-cell')) ?? '';
    expect(askedCell).not.toBe('');
    await cell.click();
    await checking.voteForm.getByTestId('vote-request_changes').check();
    await checking.voteForm.getByTestId('disagreement-code').selectOption({ index: 1 });
    await checking.voteForm.getByTestId('disagreement-text').fill(CHLOE_REASON);
    await checking.voteForm.getByTestId('vote-send').click();
    await checking.fileReview.getByTestId('my-vote').waitFor();
    const form = checking.fileReview.getByTestId('comment-form');
    await form.getByTestId('comment-text').fill(CHLOE_COMMENT);
    await form.getByTestId('comment-public').check();
    await form.getByTestId('comment-anchor').selectOption(askedCell);
    await form.getByTestId('comment-send').click();
    await expect.poll(() => checking.fileReview.getByTestId('comment').count()).toBe(1);
    const [method, stay] = askedValues();
    expect(await checking.fileReview.getByTestId('comment').getByTestId('comment-cell').innerText()).toBe(
      `On the cell admission_method = ${method}, stay = ${stay}`,
    );
    await checking.decision.getByTestId('complete-review').click();
    await checking.stateIs('PARTIALLY_REVIEWED');
    await saveScreenshot(chloeWindow.page, 'aj-3-chloe-requests-changes');

    const second = new CheckingPage(chidiWindow.page);
    await chidiWindow.page.getByTestId('checking-queue').waitFor();
    await second.openFromQueue(requestId);
    // Blind: Chloe's vote and comment are not shown to Chidi until both have reviewed, not even after his own vote.
    await chidiWindow.page.getByTestId('review-blinded').waitFor();
    await second.chooseFile(FILE);
    const blinded = async (): Promise<void> => {
      expect(await second.fileReview.getByTestId('other-vote').count()).toBe(0);
      expect(await second.fileReview.getByTestId('votes-hidden').innerText()).toMatch(/other checker’s vote is hidden/);
      expect(await second.fileReview.getByTestId('comment').count()).toBe(0);
      // Nor does the platform answer them to him: his workstation never holds them.
      const asked = await requestAs(chidiWindow);
      const file = asked.files.find((candidate) => candidate.name === FILE)!;
      expect(file.votes.visible.filter((vote) => !vote.mine)).toEqual([]);
      expect(file.votes.hidden).toBe(1);
      expect(JSON.stringify(asked)).not.toContain(CHLOE_COMMENT);
      expect(JSON.stringify(asked)).not.toContain(CHLOE_REASON);
    };
    await blinded();
    await saveScreenshot(chidiWindow.page, 'aj-3b-chidi-blind');
    await second.voteForm.getByTestId('vote-approve').check();
    await second.voteForm.getByTestId('vote-send').click();
    await second.fileReview.getByTestId('my-vote').waitFor();
    await blinded();
    await second.decision.getByTestId('complete-review').click();
    await second.stateIs('REVIEWED');
    expect(await second.fileReview.getByTestId('file-decision').innerText()).toBe('Conflicted');
    // Both have reviewed: Chloe's vote, her reason and her comment on the cell are shown to him.
    expect(await second.fileReview.getByTestId('other-vote').innerText()).toMatch(/^Chloe Checker: Request changes/);
    expect(await second.fileReview.getByTestId('other-vote').innerText()).toContain(CHLOE_REASON);
    expect(await second.fileReview.getByTestId('comment').count()).toBe(1);
    expect(await second.fileReview.getByTestId('comment').getByTestId('comment-cell').innerText()).toBe(
      `On the cell admission_method = ${method}, stay = ${stay}`,
    );
    expect((await requestAs(chidiWindow)).files.find((candidate) => candidate.name === FILE)?.votes.hidden).toBe(0);

    await chloeWindow.page.getByTestId('review-refresh').click();
    await checking.stateIs('REVIEWED');
    await checking.decision.getByTestId('return-request').click();
    await checking.stateIs('RETURNED');
  }, 120_000);

  it('Ada reads the comment, hides that cell in the builder, sends the new version under the same name and submits again', async () => {
    const page = app.page;
    const outputs = new OutputsPage(page);
    await outputs.readAgain();
    expect(await outputs.state.innerText()).toBe('Returned');
    await expect.poll(() => outputs.file(FILE).innerText()).toContain('Please hide this cell too');
    // The comment is on the cell Chloe chose, as Ada reads it.
    const comment = outputs.file(FILE).getByTestId('comment').filter({ hasText: CHLOE_COMMENT });
    const anchor = await comment.getByTestId('comment-anchor').innerText();
    const [method, stay] = askedValues();
    expect(anchor).toMatch(/^On “.+”, cell /);
    expect(anchor).toContain(`admission_method ${method}`);
    expect(anchor).toContain(`stay ${stay}`);
    expect(await comment.getAttribute('data-visibility')).toBe('public');

    const workspace = new WorkspacePage(page);
    await workspace.open();
    await page.getByTestId('make-output').click();
    await page.getByTestId('output-title').fill(TITLE);
    await page.getByTestId('output-dimension-0').selectOption('admission_method');
    await page.getByTestId('output-add-dimension').click();
    await page.getByTestId('output-dimension-1').selectOption('stay');
    await previewSettled(page);
    await page.getByTestId('apply-suggestion').click();
    await page.getByTestId('output-derived').selectOption('1000');
    await previewSettled(page);
    await page.locator(`[data-testid="published-cell"][data-cell='${askedCell}']`).click();
    await page.getByTestId('toggle-hidden').click();
    await previewSettled(page);
    expect(await page.getByTestId('output-verdict').innerText()).toBe('Pass');
    await page.getByTestId('start-add-to-request').click();
    await page.locator(`[data-testid="request-option"][value="${requestId}"]`).check();
    await page.getByTestId('output-file-name').fill(FILE);
    await page.getByTestId('add-output').click();
    await page.getByTestId('open-request').click();
    await outputs.requestPage.waitFor();
    await page.getByTestId('submit-request').click();
    await page.getByTestId('submit-yes').click();
    await expect.poll(() => outputs.state.innerText()).toBe('Submitted');
    await saveScreenshot(page, 'aj-4-resubmitted');
  }, 180_000);

  it('Chloe sees the cell-level diff against the version she reviewed; both approve; Chloe releases it after confirming', async () => {
    const checking = new CheckingPage(chloeWindow.page);
    await chloeWindow.page.getByTestId('review-back').click();
    await checking.openFromQueue(requestId);
    await checking.chooseFile(FILE);
    const diff = checking.fileReview.getByTestId('file-diff');
    await diff.waitFor();
    expect(await diff.getByTestId('diff-summary').innerText()).toMatch(/cells? differ/);
    expect(await diff.locator(`[data-testid="diff-row"][data-change="changed"]`).count()).toBeGreaterThan(0);
    await saveScreenshot(chloeWindow.page, 'aj-5-diff');
    await expectNoSeriousAccessibilityViolations(chloeWindow.page, 'the review with a diff');
    await checking.voteForm.getByTestId('vote-approve').check();
    await checking.voteForm.getByTestId('vote-send').click();
    await checking.fileReview.getByTestId('my-vote').waitFor();
    await checking.decision.getByTestId('complete-review').click();
    await checking.stateIs('PARTIALLY_REVIEWED');

    const second = new CheckingPage(chidiWindow.page);
    await chidiWindow.page.getByTestId('review-back').click();
    await second.openFromQueue(requestId);
    await second.chooseFile(FILE);
    await second.voteForm.getByTestId('vote-approve').check();
    await second.voteForm.getByTestId('vote-send').click();
    await second.fileReview.getByTestId('my-vote').waitFor();
    await second.decision.getByTestId('complete-review').click();
    await second.stateIs('APPROVED');

    await chloeWindow.page.getByTestId('review-refresh').click();
    await checking.stateIs('APPROVED');
    await checking.decision.getByTestId('release-request').click();
    expect(await checking.decision.getByTestId('release-warning').innerText()).toMatch(
      /^This is irreversible: 1 file leaves the environment/,
    );
    await checking.decision.getByTestId('release-confirm').click();
    await checking.stateIs('RELEASED');
  }, 120_000);

  it('Ada exports the xlsx: the published cells, the hidden ones empty, and the provenance of the release', async () => {
    const page = app.page;
    const outputs = new OutputsPage(page);
    await outputs.open();
    const released = page.getByTestId('released-output');
    await expect.poll(() => released.count()).toBe(1);
    expect(await released.innerText()).toContain(TITLE);
    await saveScreenshot(page, 'aj-6-released');

    const downloading = page.waitForEvent('download');
    await released.getByTestId('export-xlsx').click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
    const workbook = readWorkbook(new Uint8Array(await readFile(await download.path())));
    expect(workbook.names[0]).toBe('Table');
    const [heading, ...rows] = workbook.sheets.get('Table') ?? [];
    expect(heading).toEqual(['admission_method', 'stay', 'Count', 'Status', 'Rate per 1,000']);
    // Each shown cell's rate is per 1,000 of its method's published total (or of its shown cells' sum without one); a
    // hidden cell has none (with the cell Chloe asked for, every cell of this small table is hidden).
    const cells = rows.filter((candidate) => candidate[1] !== 'Total' && candidate[0] !== 'Total');
    const totalOf = (forMethod: unknown): number => {
      const total = rows.find((row) => row[0] === forMethod && row[1] === 'Total')?.[2];
      return typeof total === 'number'
        ? total
        : cells.filter((row) => row[0] === forMethod).reduce((sum, row) => sum + Number(row[2] ?? 0), 0);
    };
    for (const row of cells) {
      if (row[2] === null) expect(row[4] ?? null).toBeNull();
      else expect(row[4]).toBeCloseTo((Number(row[2]) / totalOf(row[0])) * 1000, 0);
    }
    expect(workbook.names).not.toContain('Percentages');
    // The cell Chloe asked to hide is empty; so are the cells the suppression hid, and no row shows a count below 10.
    const [method, stay] = askedValues();
    const asked = rows.find((row) => row[0] === method && row[1] === stay);
    expect(asked?.[2] ?? null).toBeNull();
    expect(rows.some((row) => row[2] === null)).toBe(true);
    expect(rows.every((row) => row[2] === null || (typeof row[2] === 'number' && row[2] >= 10))).toBe(true);
    const provenance = JSON.stringify(workbook.sheets.get('Provenance'));
    expect(provenance).toContain(TITLE);
    expect(provenance).toContain(requestId);
    expect(provenance).toContain('Chloe Checker');
    expect(provenance).toContain('Chidi Checker');
    // The rules it was checked with, with their parameters, and what was done: the suppression and its note.
    const fields = new Map((workbook.sheets.get('Provenance') ?? []).map((row) => [String(row[0]), String(row[1] ?? '')]));
    expect(fields.get('Rules profile')).toBe('default');
    expect(fields.get('Rule: minimum cell count')).toMatch(/^At least 10: a cell counting 1 to 9 people is suppressed/);
    expect(fields.get('Mitigation applied')).toBe('suppressed');
    expect(Number(fields.get('Cells suppressed'))).toBeGreaterThan(0);
    const notes = [...fields].filter(([field]) => /^Disclosure-control note\b/.test(field)).map(([, note]) => note);
    expect(notes).toContainEqual(expect.stringMatching(/^\d+ cells? suppressed \(shown empty\) so that small groups cannot be seen/));
  }, 120_000);

  it('Ada’s next table, three emergency admissions fewer, is flagged against the release, the two shown side by side', async () => {
    const page = app.page;
    const workspace = new WorkspacePage(page);
    await workspace.open();
    await workspace.runQuery(
      `SELECT * FROM (SELECT * FROM (${SQL}) WHERE admission_method = 'emergency' LIMIT ${EMERGENCY - 3}) UNION ALL SELECT * FROM (${SQL}) WHERE admission_method <> 'emergency'`,
    );
    await page.getByTestId('make-output').click();
    await page.getByTestId('output-title').fill('Admissions by method and length of stay, corrected');
    await page.getByTestId('output-dimension-0').selectOption('admission_method');
    await page.getByTestId('output-add-dimension').click();
    await page.getByTestId('output-dimension-1').selectOption('stay');
    await page.getByTestId('output-mitigation').selectOption('suppressed');
    await previewSettled(page);

    expect(await page.getByTestId('output-verdict').innerText()).toBe('Flag');
    const flag = page.getByTestId('output-flags').locator('[data-code="differencing"]');
    expect(await flag.innerText()).toContain(`the released "${TITLE}"`);
    const sides = flag.getByTestId('differencing-side-by-side');
    expect(await sides.getByTestId('side-earlier').locator('caption').innerText()).toBe(`Released earlier: “${TITLE}”`);
    const differs = (table: string) => sides.getByTestId(table).locator('tr[data-differs="true"]').allInnerTexts();
    expect((await differs('side-earlier')).some((row) => row.includes('emergency') && row.includes(String(EMERGENCY)))).toBe(true);
    expect((await differs('side-current')).some((row) => row.includes('emergency') && row.includes(String(EMERGENCY - 3)))).toBe(true);
    await saveScreenshot(page, 'aj-7-differencing');
    await expectNoSeriousAccessibilityViolations(page, 'the output builder with a differencing flag');
    await page.getByTestId('close-output-builder').click();
  }, 120_000);
});
