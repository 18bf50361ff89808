// The analyst's side of the airlock (issue 16) in Chromium through the browser shell, against the embedded platform, at
// 1366×768: Ada finds Outputs beside her project's screens; starts a release request, fills its context, and sees an
// output file with its three separate words (engine's verdict, mitigation applied, checkers' decision) and an exception
// text drafted from the engine's check; adds a supporting file from disk; submits after confirming (a second submission
// with the old version is refused). Two output checkers (through the platform's API, as their own workstations would)
// request changes with a public comment on a cell (and a private one Ada must never see), and return it: the bell says
// so, opens the request, and Ada answers the comment, sends a suppressed version and submits again. Once released, the
// project's ledger lists the output and exports it as CSV (a download in the browser shell) and its request's release
// package (a zip of results.json, the CSV it names and their checksums, opened here), and a revoked output says why and
// offers no export. A second request is withdrawn with a reason. axe checks each screen. Screenshots in
// test-results/e2e/ar-*.png. SATRE 3.1.12 (egress only through approved release).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RequestDetail } from '../../src/common/airlock.ts';
import type { OutputDocument } from '../../src/common/outputs.ts';
import { ADA, CHLOE, SessionPage, type LoginPage } from './pages/session-page.ts';
import { OutputsPage } from './pages/outputs-page.ts';
import { saveScreenshot } from './support/artifacts.ts';
import { expectNoSeriousAccessibilityViolations } from './support/axe.ts';
import { startBrowserApp, type BrowserApp } from './support/browser-app.ts';
import { asPlatformUser } from './support/platform-admin.ts';
import { invokeAsPage } from './support/shell-api.ts';

const DEMO = { scale: 10_000, seed: 1 };
const SMALL_SCREEN = { width: 1366, height: 768 };
const PROJECT = 'cardio-admissions';
const CHLOE_ID = 'demo-checker-1';
const CHIDI_ID = 'demo-checker-2';
/** The bell reads every 15 s; a little more for a busy machine. */
const BELL_TIMEOUT_MS = 25_000;

/** Admissions by age band with a cell of 4 people: the engine flags it until the suggested suppression is applied. */
function admissionsByAge(mitigation: 'none' | 'suppressed'): OutputDocument {
  return {
    kind: 'frequency',
    title: 'Admissions by age band',
    source: { sql: 'SELECT age_band, count(*) AS n FROM admissions GROUP BY age_band', engine: 'native' },
    table: {
      dimensions: ['age_band'],
      cells: [
        { key: { age_band: '18-39' }, count: 120 },
        { key: { age_band: '40-64' }, count: 85 },
        { key: { age_band: '65+' }, count: 4 },
      ],
      totals: 'published',
    },
    mitigation: { kind: mitigation, roundingBase: null },
  };
}

describe('browser shell: the analyst’s release requests and released outputs (issue 16)', () => {
  let app: BrowserApp;
  let session: SessionPage;
  let outputs: OutputsPage;
  let login: LoginPage | null = null;
  let requestId = '';

  /** A call to the platform as someone else (a checker's own workstation would make it). */
  function asPlatform(sub: string, call: { method: 'GET' | 'POST'; path: string; body?: unknown }): Promise<unknown> {
    return asPlatformUser(sub, { platformUrl: app.platform.url, dataDir: app.dataDir, ...call });
  }

  async function requestAs(sub: string): Promise<RequestDetail> {
    return (await asPlatform(sub, { method: 'GET', path: `/requests/${requestId}` })) as RequestDetail;
  }

  /** One checker's review: a vote on every output file (with comments first), then completing it. */
  async function review(
    sub: string,
    vote: 'approve' | 'request_changes',
    comments: { cell: Record<string, string> | null; visibility: 'public' | 'private'; text: string }[] = [],
  ): Promise<void> {
    const detail = await requestAs(sub);
    const output = detail.files.find((file) => file.role === 'output' && !file.withdrawn);
    if (!output) throw new Error('no output file to review');
    for (const comment of comments)
      await asPlatform(sub, { method: 'POST', path: `/requests/${requestId}/comments`, body: { fileId: output.id, ...comment } });
    const voted = (await asPlatform(sub, {
      method: 'POST',
      path: `/requests/${requestId}/files/${output.id}/vote`,
      body: {
        expectedVersion: (await requestAs(sub)).version,
        vote,
        disagreement: null,
      },
    })) as RequestDetail;
    await asPlatform(sub, { method: 'POST', path: `/requests/${requestId}/review`, body: { expectedVersion: voted.version } });
  }

  async function putOutput(document: OutputDocument, exception: string | null): Promise<void> {
    const detail = await invokeAsPage(app, 'airlock.request', { requestId });
    const version = (detail.body.value as RequestDetail).version;
    const answer = await invokeAsPage(app, 'airlock.putFile', {
      requestId,
      expectedVersion: version,
      name: 'admissions-by-age.json',
      output: document,
      exception,
    });
    expect(answer.body.ok, JSON.stringify(answer.body.error)).toBe(true);
  }

  beforeAll(async () => {
    app = await startBrowserApp(DEMO);
    await app.page.setViewportSize(SMALL_SCREEN);
    session = new SessionPage(app.page, app.problems);
    outputs = new OutputsPage(app.page);
    await app.page.goto(app.shell.launchUrl);
    await session.waitForSignInScreen();
  }, 120_000);

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail')
      await saveScreenshot(app.page, `ar-failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
    await login?.page.close();
    login = null;
    app.problems.assertNone(`during "${context.task.name}"`);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('offers Outputs after the project’s screens, with nothing requested or released yet', async () => {
    login = await session.signIn(app.context, ADA);
    await session.keychainNotice.getByRole('button', { name: 'Dismiss' }).click();
    expect(await session.navLabels()).toEqual(['Catalogue', 'Local analysis', 'Drive', 'Outputs']);
    await app.page.getByTestId(`project-${PROJECT}`).click();

    await outputs.open();
    expect(app.page.url()).toMatch(/#\/outputs$/);
    expect(await outputs.tab.getAttribute('aria-current')).toBe('page');
    expect(await app.page.getByTestId('no-requests').innerText()).toMatch(/^No release request yet/);
    expect(await app.page.getByTestId('no-released').innerText()).toBe('Nothing has been released from this project yet.');
    expect(await outputs.bell.getAttribute('aria-label')).toBe('Notifications: none unread');
    await saveScreenshot(app.page, 'ar-1-outputs-empty');
    await expectNoSeriousAccessibilityViolations(app.page, 'the Outputs screen, empty');
  }, 120_000);

  it('starts a request, fills its context, and shows an output’s three words and an exception drafted from the check', async () => {
    await app.page.getByTestId('new-request').click();
    await app.page.getByTestId('new-request-title').fill('Cardiac admissions by age');
    await app.page.getByTestId('new-request-description').fill('Admissions for heart failure by age band, for the annual report.');
    await app.page.getByTestId('create-request').click();
    await outputs.requestPage.waitFor();
    requestId = (await outputs.requestPage.getAttribute('data-request-id')) ?? '';
    expect(requestId).toMatch(/^req-[0-9a-f]{20}$/);
    expect(app.page.url()).toContain(`#/outputs/${requestId}`);
    expect(await outputs.state.innerText()).toBe('Pending');
    expect(await app.page.evaluate<string | null>("document.activeElement?.getAttribute('data-testid') ?? null")).toBe('request-title');

    await app.page
      .getByTestId('context-population-input')
      .fill('Adults admitted with heart failure, 2020–2024; percentages of all such admissions.');
    await app.page.getByTestId('context-relationship-input').fill('None: nothing was released from this project before.');
    await app.page.getByTestId('save-context').click();
    await expect.poll(() => app.page.getByTestId('request-context-form').getByRole('status').innerText()).toBe('Saved.');

    // The builder adds outputs (helper B's screen); here the page's own call adds one, as the builder makes it.
    await putOutput(admissionsByAge('none'), null);
    await outputs.readAgain();
    const file = outputs.file('admissions-by-age.json');
    expect(await outputs.words('admissions-by-age.json')).toEqual([
      'Engine’s verdict Flag',
      'Mitigation applied None',
      'Checkers’ decision Not decided yet',
    ]);
    const exception = file.getByTestId('exception-input');
    await expect
      .poll(() => exception.inputValue())
      .toMatch(/^The engine’s verdict is flag\.\n[\s\S]*Suggested mitigation: [\s\S]*Why it is safe to release as it is:$/);
    expect(await app.page.getByTestId('submit-problems').innerText()).toContain('Save the exception text of “Admissions by age band”.');
    await exception.fill(`${await exception.inputValue()} The 65+ band is published nationally by ONS for this year.`);
    await file.getByTestId('save-exception').click();
    await expect.poll(() => file.getByTestId('exception-unsaved').count()).toBe(0);
    expect(await app.page.getByTestId('submit-problems').count()).toBe(0);

    // A supporting file from disk: for the checkers, never released.
    await app.page.getByTestId('supporting-file-input').setInputFiles({
      name: 'admissions.sql',
      mimeType: 'text/plain',
      buffer: Buffer.from('SELECT age_band, count(*) AS n FROM admissions GROUP BY age_band\n'),
    });
    await app.page.getByTestId('add-supporting').click();
    await expect.poll(() => app.page.getByTestId('supporting-news').innerText()).toBe('Added “admissions.sql”.');
    expect(await outputs.file('admissions.sql').getAttribute('data-role')).toBe('supporting');
    await saveScreenshot(app.page, 'ar-2-request-pending');
    await expectNoSeriousAccessibilityViolations(app.page, 'a pending request');
  }, 120_000);

  it('submits after confirming, once: the old version is refused as a conflict', async () => {
    const before = (await invokeAsPage(app, 'airlock.request', { requestId })).body.value as RequestDetail;
    await app.page.getByTestId('submit-request').click();
    expect(await app.page.getByTestId('submit-confirm').innerText()).toContain(
      'Submit “Cardiac admissions by age” with 1 output file and 1 supporting file? Two output checkers will review it.',
    );
    await app.page.getByTestId('submit-yes').click();
    await expect.poll(() => outputs.state.innerText()).toBe('Submitted');
    expect(await app.page.getByTestId('request-actions').getByTestId('submit-request').count()).toBe(0);
    expect(await outputs.file('admissions-by-age.json').getByTestId('exception-input').count()).toBe(0);

    const again = await invokeAsPage(app, 'airlock.submit', { requestId, expectedVersion: before.version });
    expect(again.body.ok).toBe(false);
    expect(again.body.error?.code).toBe('conflict');
    await saveScreenshot(app.page, 'ar-3-request-submitted');
  }, 60_000);

  it('hears that the checkers returned it, opens it from the bell, reads their public comment on a cell and answers it', async () => {
    await review(CHLOE_ID, 'request_changes', [
      { cell: { age_band: '65+' }, visibility: 'public', text: 'The 65+ cell is 4 people: suppress it as the engine suggests.' },
      { cell: null, visibility: 'private', text: 'PRIVATE: I think the author should be reminded about small cells.' },
    ]);
    await review(CHIDI_ID, 'request_changes');
    await asPlatform(CHLOE_ID, {
      method: 'POST',
      path: `/requests/${requestId}/return`,
      body: { expectedVersion: (await requestAs(CHLOE_ID)).version },
    });

    // Away from the request: the bell brings Ada back to it.
    await app.page.getByTestId('back-to-outputs').click();
    await outputs.overview.waitFor();
    await expect.poll(() => outputs.bell.getAttribute('aria-label'), { timeout: BELL_TIMEOUT_MS }).toBe('Notifications: 1 unread');
    await outputs.bell.click();
    const notification = app.page.getByTestId('notification').first();
    expect(await notification.getAttribute('data-read')).toBe('false');
    expect(await notification.innerText()).toContain('Cardiac admissions by age');
    await saveScreenshot(app.page, 'ar-4-bell');
    await expectNoSeriousAccessibilityViolations(app.page, 'the notification list');
    await notification.getByTestId('open-notification').click();
    await outputs.requestPage.waitFor();
    await expect.poll(() => outputs.state.innerText()).toBe('Returned');

    expect(await app.page.getByTestId('returned-notice').innerText()).toContain('1 output needs a change');
    const file = outputs.file('admissions-by-age.json');
    expect(await file.getAttribute('data-decision')).toBe('changes_requested');
    expect(await outputs.words('admissions-by-age.json')).toEqual([
      'Engine’s verdict Flag',
      'Mitigation applied None',
      'Checkers’ decision Changes requested',
    ]);
    const comment = file.getByTestId('comment');
    expect(await comment.count()).toBe(1);
    expect(await comment.getByTestId('comment-anchor').innerText()).toBe('On “Admissions by age band”, cell age_band 65+');
    expect(await comment.getByTestId('comment-body').innerText()).toBe('The 65+ cell is 4 people: suppress it as the engine suggests.');
    expect(await app.page.getByText('PRIVATE:').count()).toBe(0);

    await comment.getByTestId('answer-comment').click();
    await comment.getByTestId('comment-text').fill('Done: the 65+ cell is suppressed in the new version.');
    await comment.getByTestId('post-comment').click();
    await expect.poll(() => file.getByTestId('comment').count()).toBe(2);
    expect(await file.getByTestId('comment').nth(1).getByTestId('comment-anchor').innerText()).toBe(
      'On “Admissions by age band”, cell age_band 65+',
    );
    await saveScreenshot(app.page, 'ar-5-request-returned');
    await expectNoSeriousAccessibilityViolations(app.page, 'a returned request');

    await outputs.bell.click();
    await app.page.getByTestId('mark-notifications-read').click();
    await expect.poll(() => outputs.bell.getAttribute('aria-label')).toBe('Notifications: none unread');
    await app.page.keyboard.press('Escape');
    expect(await app.page.getByTestId('notification-panel').isHidden()).toBe(true);
  }, 90_000);

  it('submits the suppressed version again; once released, the ledger exports it as CSV, and a revoked output cannot be', async () => {
    await putOutput(admissionsByAge('suppressed'), null);
    await outputs.readAgain();
    expect(await outputs.words('admissions-by-age.json')).toEqual([
      'Engine’s verdict Pass',
      'Mitigation applied Suppressed',
      'Checkers’ decision Not decided yet',
    ]);
    await app.page.getByTestId('submit-request').click();
    await app.page.getByTestId('submit-yes').click();
    await expect.poll(() => outputs.state.innerText()).toBe('Submitted');

    await review(CHLOE_ID, 'approve');
    await review(CHIDI_ID, 'approve');
    await asPlatform(CHLOE_ID, {
      method: 'POST',
      path: `/requests/${requestId}/release`,
      body: { expectedVersion: (await requestAs(CHLOE_ID)).version },
    });
    await expect.poll(() => outputs.bell.getAttribute('aria-label'), { timeout: BELL_TIMEOUT_MS }).toBe('Notifications: 1 unread');
    await outputs.readAgain();
    expect(await outputs.state.innerText()).toBe('Released');
    expect(await outputs.file('admissions-by-age.json').getAttribute('data-decision')).toBe('approved');
    expect((await app.page.getByTestId('request-history').getByTestId('history-entry').all()).length).toBeGreaterThanOrEqual(6);

    await outputs.open();
    const row = app.page.getByTestId('request-row').first();
    expect(await row.getByTestId('request-row-state').innerText()).toBe('Released');
    expect(await row.getByTestId('request-age').innerText()).toBe('under a minute');
    const released = app.page.getByTestId('released-output');
    expect(await released.count()).toBe(1);
    expect(await released.innerText()).toContain('Admissions by age band');
    expect(await released.innerText()).toContain('Chloe Checker');
    await saveScreenshot(app.page, 'ar-6-released');
    await expectNoSeriousAccessibilityViolations(app.page, 'the released outputs');

    const downloading = app.page.waitForEvent('download');
    await released.getByTestId('export-csv').click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const csv = await readFile(await download.path(), 'utf8');
    expect(csv).toContain('18-39');
    expect(csv).not.toMatch(/\b4\b/);
    await expect.poll(() => app.page.getByTestId('export-news').innerText()).toMatch(/^Downloading “.+\.csv”/);

    // The request's release package, for the SACRO viewer: results.json, the CSV it names and their checksums.
    const packages = app.page.getByTestId('release-package');
    expect(await packages.count()).toBe(1);
    expect(await packages.getAttribute('data-request-id')).toBe(requestId);
    await saveScreenshot(app.page, 'ar-6-release-package');
    const packaging = app.page.waitForEvent('download');
    await packages.getByTestId('export-package').click();
    const packageDownload = await packaging;
    expect(packageDownload.suggestedFilename()).toMatch(/-release-package-[0-9a-f]{8}\.zip$/);
    const files = unzipSync(await readFile(await packageDownload.path()));
    expect(Object.keys(files)).toEqual(['results.json', 'output_0_0.csv', 'checksums.sha256']);
    const text = (name: string) => new TextDecoder().decode(files[name]);
    const results = JSON.parse(text('results.json')) as { version: string; results: Record<string, { files: { name: string }[] }> };
    expect(results.version).toMatch(/^0\.4\./);
    expect(Object.values(results.results).flatMap((record) => record.files.map((file) => file.name))).toEqual(['output_0_0.csv']);
    expect(text('output_0_0.csv')).toContain('18-39,120');
    expect(text('output_0_0.csv')).not.toMatch(/\b4\b/);
    for (const name of ['results.json', 'output_0_0.csv']) {
      expect(text('checksums.sha256')).toContain(
        `${createHash('sha256')
          .update(files[name] ?? new Uint8Array())
          .digest('hex')}  ${name}\n`,
      );
    }
    await expect.poll(() => app.page.getByTestId('export-news').innerText()).toMatch(/^Downloading “.+-release-package-[0-9a-f]{8}\.zip”/);

    await asPlatform(CHLOE_ID, {
      method: 'POST',
      path: `/requests/${requestId}/revoke`,
      body: {
        expectedVersion: (await requestAs(CHLOE_ID)).version,
        reason: 'The age bands overlap the 2023 report',
      },
    });
    await app.page.getByTestId('outputs-refresh').click();
    await expect.poll(() => released.getAttribute('data-revoked')).toBe('true');
    expect(await released.getByTestId('revoked-note').innerText()).toContain(
      'The age bands overlap the 2023 report. It may not be exported.',
    );
    expect(await released.getByRole('button').count()).toBe(0);
    expect(await app.page.getByTestId('release-packages').count()).toBe(0);
    await saveScreenshot(app.page, 'ar-7-revoked');
  }, 120_000);

  it('withdraws a request with a reason, after confirming', async () => {
    await app.page.getByTestId('new-request').click();
    await app.page.getByTestId('new-request-title').fill('Length of stay');
    await app.page.getByTestId('create-request').click();
    await outputs.requestPage.waitFor();
    await expect.poll(() => app.page.getByTestId('request-title').innerText()).toBe('Length of stay');
    expect(await app.page.getByTestId('submit-problems').innerText()).toContain('Add at least one output file');
    expect(await app.page.getByTestId('submit-request').isDisabled()).toBe(true);

    // A file added by mistake is withdrawn after confirming, and listed apart.
    await app.page
      .getByTestId('supporting-file-input')
      .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('draft notes\n') });
    await app.page.getByTestId('add-supporting').click();
    const notes = outputs.file('notes.txt');
    await notes.getByTestId('withdraw-file').click();
    expect(await notes.getByTestId('withdraw-file-confirm').innerText()).toContain(
      'Withdraw “notes.txt” from this request? It will not be reviewed or released.',
    );
    await notes.getByTestId('withdraw-file-yes').click();
    await expect.poll(() => notes.count()).toBe(0);
    expect(await app.page.getByTestId('withdrawn-file').allTextContents()).toEqual(['notes.txt']);

    await app.page.getByTestId('withdraw-request').click();
    expect(await app.page.getByTestId('withdraw-yes').isDisabled()).toBe(true);
    await app.page.getByTestId('withdraw-reason').fill('Started in the wrong project.');
    await app.page.getByTestId('withdraw-yes').click();
    await expect.poll(() => outputs.state.innerText()).toBe('Withdrawn');
    expect(await app.page.getByTestId('request-actions').count()).toBe(0);
    const last = app.page.getByTestId('history-entry').last();
    expect(await last.innerText()).toContain('Reason: Started in the wrong project.');
    await saveScreenshot(app.page, 'ar-8-withdrawn');
    await expectNoSeriousAccessibilityViolations(app.page, 'a withdrawn request');
  }, 60_000);
  it('tells an output checker of each submission, with no Outputs screen of their own: the bell opens their screen', async () => {
    await session.signOut();
    login = await session.signIn(app.context, CHLOE);
    expect(await session.navLabels()).toEqual(['Output checking']);
    // Ada submitted twice (the first time and after the return): both are news to Chloe.
    await expect.poll(() => outputs.bell.getAttribute('aria-label'), { timeout: BELL_TIMEOUT_MS }).toBe('Notifications: 2 unread');
    await outputs.bell.click();
    expect(await app.page.getByTestId('notification').first().innerText()).toContain('Cardiac admissions by age');
    await app.page.getByTestId('open-notification').first().click();
    await expect.poll(() => app.page.url()).toMatch(/#\/checking$/);
    expect(await app.page.getByTestId('panel-checking').isVisible()).toBe(true);

    // A typed address to the analysts' screen is refused in words.
    await app.page.goto(`${app.shell.url}/#/outputs`);
    await app.page.getByTestId('screen-refused').waitFor();
    expect(await app.page.getByTestId('screen-refused').innerText()).toContain('Outputs is not part of your role (Output checker)');
    await saveScreenshot(app.page, 'ar-9-checker-refused');
  }, 90_000);
});
