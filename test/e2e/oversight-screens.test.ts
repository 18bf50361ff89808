// Issue 18's project members editor and oversight screen, in Chromium through the browser shell at 1366×768: Dana
// (admin) finds Oversight beside the other administration screens; adds Ben to covid-outcomes with a reason on the
// agreements screen, sees the new version, and Ben's projects include it at once; a bad edit (an end before a start) is
// refused in the platform's words (file, line, field) and changes nothing; a change to who may request release is
// refused to her (she is not a data manager), and her own membership cannot be edited; the oversight screen shows the
// security review (refusals since the last review, the audit chain, an overdue notice), the expiries with days left or
// how long ago, and the usage report (with drive use against quota now, and drive reads and writes per project counted
// from the log, after Ada writes a file to a drive and reads it back); she records a review and the overdue notice goes;
// she makes Ada's access report on the incidents screen, which lists the drive write and read with their path and bytes,
// as the platform's CSV of the same report (format=csv) does.
// axe checks each screen and state. Screenshots in test-results/e2e/om-*.png. SATRE 1.5.04 (no access without the data
// controller's agreement), 2.2.x (user management), 4.1.x (monitoring and audit review), 2.2.14 (access reports).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AgreementsOverview } from '../../src/common/agreement-views.ts';
import { mintAccessToken } from '../integration/platform/fixture.ts';
import { AdminPage } from './pages/admin-page.ts';
import { IncidentsPage } from './pages/incidents-page.ts';
import { MembersEditorPage, OversightPage } from './pages/oversight-page.ts';
import { DANA, SessionPage, type LoginPage } from './pages/session-page.ts';
import { saveScreenshot } from './support/artifacts.ts';
import { expectNoSeriousAccessibilityViolations } from './support/axe.ts';
import { startBrowserApp, type BrowserApp } from './support/browser-app.ts';
import { asPlatformAdmin } from './support/platform-admin.ts';
import { invokeAsPage } from './support/shell-api.ts';

const DEMO = { scale: 10_000, seed: 1 };
const SMALL_SCREEN = { width: 1366, height: 768 };
const DAY_MS = 86_400_000;
const day = (offsetDays: number): string => new Date(Date.now() + offsetDays * DAY_MS).toISOString().slice(0, 10);
/** Today in the browser's calendar (the editor's default start): the machine's, as the test runs beside it. */
function localToday(): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

const BEN = 'demo-analyst-2';
const ADA = 'demo-analyst';
/** What Ada writes to cardio-admissions' drive and reads back: 30 bytes. */
const NOTES = 'region,count\nNorth,25\nEast,40\n';

describe('browser shell: project members and oversight (issue 18)', () => {
  let app: BrowserApp;
  let session: SessionPage;
  let admin: AdminPage;
  let members: MembersEditorPage;
  let oversight: OversightPage;
  let login: LoginPage | null = null;

  /** A GET to the platform as someone (a token signed by its key, as the integration tests mint): status and body. */
  async function getAs(sub: string, path: string): Promise<{ status: number; body: unknown }> {
    const token = await mintAccessToken({ dataDir: app.dataDir, sub, issuer: `${app.platform.url}/oidc` });
    const response = await fetch(`${app.platform.url}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: await response.json() };
  }

  async function projectsOf(sub: string): Promise<string[]> {
    const answer = await getAs(sub, '/projects');
    expect(answer.status).toBe(200);
    return (answer.body as Array<{ id: string }>).map((project) => project.id).sort();
  }

  /** A WebDAV call on cardio-admissions' drive as someone, with a token signed by the platform's key. */
  async function davAs(sub: string, call: { method: 'GET' | 'PUT'; file: string; body?: string }): Promise<string> {
    const { method, file, body } = call;
    const token = await mintAccessToken({ dataDir: app.dataDir, sub, issuer: `${app.platform.url}/oidc` });
    const response = await fetch(`${app.platform.url}/dav/cardio-admissions/${file}`, {
      method,
      headers: { authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    expect(response.status, text).toBeLessThan(300);
    return text;
  }

  /** The version in force of a project's agreement, as the workstation answers the signed-in admin. */
  async function versionOf(projectId: string): Promise<number | null> {
    const answer = await invokeAsPage(app, 'admin.agreements', {});
    const overview = answer.body.value as AgreementsOverview;
    return overview.agreements.find((entry) => entry.projectId === projectId)?.inForce?.version ?? null;
  }

  beforeAll(async () => {
    app = await startBrowserApp(DEMO);
    await app.page.setViewportSize(SMALL_SCREEN);
    session = new SessionPage(app.page, app.problems);
    admin = new AdminPage(app.page);
    members = new MembersEditorPage(app.page);
    oversight = new OversightPage(app.page);
    await app.page.goto(app.shell.launchUrl);
    await session.waitForSignInScreen();
  }, 120_000);

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail')
      await saveScreenshot(app.page, `om-failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
    await login?.page.close();
    login = null;
    app.problems.assertNone(`during "${context.task.name}"`);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('offers Oversight beside the other administration screens', async () => {
    login = await session.signIn(app.context, DANA);
    await session.keychainNotice.getByRole('button', { name: 'Dismiss' }).click();
    expect(await admin.adminNavLabels()).toEqual(['Agreements', 'Audit log', 'Incidents', 'Oversight', 'People', 'Terms', 'Training']);
  }, 120_000);

  it("adds Ben to covid-outcomes with a reason: the new version is shown, and Ben's projects include it at once", async () => {
    expect(await projectsOf(BEN)).toEqual(['cardio-admissions', 'opt-out-monitoring']);
    // Refused before he joins (the security review lists it later).
    expect((await getAs(BEN, '/projects/covid-outcomes/catalogue')).status).toBe(404);

    await admin.openAgreements();
    await admin.chooseAgreement('covid-outcomes');
    expect(await admin.selectedAgreement.getByTestId('agreement-version').innerText()).toBe('Version 1');
    await members.open();
    expect(await app.page.evaluate('document.activeElement?.id')).toBe('members-editor-heading');
    expect(await app.page.getByTestId('members-release-hint').innerText()).toContain('only a data manager grants or withdraws it');
    await expectNoSeriousAccessibilityViolations(app.page, 'members editor');

    await members.add({ userId: BEN, role: 'analyst' });
    expect(await members.changes()).toEqual([`Add Ben Analyst (${BEN}) as Analyst, from ${localToday()} to 2029-03-31.`]);
    await saveScreenshot(app.page, 'om-01-members-editing');
    await expectNoSeriousAccessibilityViolations(app.page, 'members editor, a member added');

    expect(await members.save('Ben joins the outcomes analysis.')).toBe('saved');
    expect(await members.saved.innerText()).toContain('Saved: version 2 is in force, with 2 members.');
    expect(await admin.selectedAgreement.getByTestId('agreement-version').innerText()).toBe('Version 2');
    expect(await admin.selectedAgreement.getByTestId(`agreement-member-${BEN}`).innerText()).toMatch(/Ben Analyst.*Analyst.*2029-03-31/s);
    await expect.poll(() => app.page.evaluate('document.activeElement?.dataset.testid')).toBe('edit-members');
    // Members are the one source of membership: Ben has the project now.
    expect(await projectsOf(BEN)).toEqual(['cardio-admissions', 'covid-outcomes', 'opt-out-monitoring']);
    expect(await versionOf('covid-outcomes')).toBe(2);
    await saveScreenshot(app.page, 'om-02-members-saved');
    await expectNoSeriousAccessibilityViolations(app.page, 'agreements, members saved');
  }, 90_000);

  it("refuses an end before a start in the platform's words (file, line and field), and changes nothing", async () => {
    await members.open();
    await members.setEnd(BEN, '2020-01-01');
    expect(await members.changes()).toEqual([`Change Ben Analyst (${BEN}): until 2029-03-31 → 2020-01-01.`]);
    expect(await members.save('Shorten Ben’s membership.')).toBe('refused');

    expect(await members.refusal.innerText()).toContain('The platform refused the change: nothing was changed');
    expect(await members.refusalLines()).toEqual([
      expect.stringMatching(
        /^covid-outcomes\.json line \d+, column \d+, members\[1\]\.end: must not be before start — Ben Analyst \(demo-analyst-2\)$/,
      ) as unknown,
    ]);
    expect(await versionOf('covid-outcomes')).toBe(2);
    expect(await projectsOf(BEN)).toContain('covid-outcomes');
    await saveScreenshot(app.page, 'om-03-members-refused');
    await expectNoSeriousAccessibilityViolations(app.page, 'members editor, refused');
    await members.cancel();
    await expect.poll(() => app.page.evaluate('document.activeElement?.dataset.testid')).toBe('edit-members');
  }, 60_000);

  it('refuses a change to who may request release from Dana, who is not a data manager; her own membership is not hers to edit', async () => {
    await members.open();
    await members.setRelease('demo-analyst', false);
    expect(await app.page.getByTestId('members-release-warning').innerText()).toContain('only a data manager may');
    expect(await members.save('Ada should not publish for now.')).toBe('refused');
    expect(await members.refusalLines()).toEqual([
      'Only a data manager grants or withdraws permission to request release, on the data owner’s behalf.',
    ]);
    await saveScreenshot(app.page, 'om-04-release-refused');
    await members.cancel();
    expect(await versionOf('covid-outcomes')).toBe(2);

    await admin.chooseAgreement('opt-out-monitoring');
    await members.open();
    const mine = members.row('demo-admin');
    expect(await mine.getByTestId('member-is-me').innerText()).toBe('You: nobody changes their own membership.');
    expect(await mine.getByTestId('member-role').isDisabled()).toBe(true);
    expect(await mine.getByTestId('member-remove').count()).toBe(0);
    expect(await members.row(BEN).getByTestId('member-role').isDisabled()).toBe(false);
    await members.cancel();
  }, 60_000);

  it('shows the security review with an overdue notice, the expiries with days left or ago, and the usage report', async () => {
    // The scene: an agreement ending in 12 days whose DPIA review was due 2 days ago; a course expiring in 10 days, and
    // one that lapsed 3 days ago.
    const file = join(app.dataDir, 'agreements', 'opt-out-monitoring.json');
    const agreement = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, `${JSON.stringify({ ...agreement, expires: day(12), dpiaReviewDue: day(-2) }, null, 2)}\n`);
    await expect.poll(() => versionOf('opt-out-monitoring'), { timeout: 15_000, interval: 250 }).toBe(2);
    const platform = { platformUrl: app.platform.url, dataDir: app.dataDir };
    const refresher = 'Statistical disclosure control refresher';
    await asPlatformAdmin({
      ...platform,
      method: 'POST',
      path: '/admin/training/requirements',
      body: { role: 'output_checker', courses: ['Output Checking Training', refresher] },
    });
    await asPlatformAdmin({
      ...platform,
      method: 'POST',
      path: '/admin/training',
      body: { userId: 'demo-checker-1', course: refresher, completed: day(-355), expires: day(10), evidence: 'SDC-0001' },
    });
    await asPlatformAdmin({
      ...platform,
      method: 'POST',
      path: '/admin/training',
      body: { userId: 'demo-checker-2', course: refresher, completed: day(-368), expires: day(-3), evidence: 'SDC-0002' },
    });

    await davAs(ADA, { method: 'PUT', file: 'oversight-notes.csv', body: NOTES });
    expect(await davAs(ADA, { method: 'GET', file: 'oversight-notes.csv' })).toBe(NOTES);

    await oversight.open();
    expect(app.page.url()).toMatch(/#\/admin\/oversight$/);
    expect(await oversight.overdue.innerText()).toMatch(
      /^A security review is overdue: none has been recorded, and \d+ events wait for one\./,
    );
    expect(await app.page.getByTestId('review-headline').innerText()).toMatch(
      /^Events 1 to \d+ \(\d+ events\): no review has been recorded yet\.$/,
    );
    expect(await app.page.getByTestId('review-audit-state').innerText()).toBe('Intact');
    expect(await app.page.getByTestId('review-last').innerText()).toBe('None recorded yet.');
    expect((await oversight.events('review-refusals')).map((event) => event.who)).toContain(BEN);

    const expiries = app.page.getByTestId('expiries');
    expect(await expiries.locator('[data-testid="expiry-agreement"][data-project="opt-out-monitoring"]').innerText()).toMatch(
      new RegExp(`National data opt-out monitoring.*${day(12)}.*12 days left`, 's'),
    );
    expect(await expiries.locator('[data-testid="expiry-dpia"][data-project="opt-out-monitoring"]').innerText()).toMatch(
      new RegExp(`${day(-2)}.*2 days ago`, 's'),
    );
    expect(await expiries.locator('[data-testid="expiry-training"][data-user-id="demo-checker-1"]').innerText()).toMatch(
      /Chloe Checker.*Statistical disclosure control refresher.*10 days left/s,
    );
    expect(await expiries.locator('[data-testid="expiry-training"][data-user-id="demo-checker-2"]').innerText()).toMatch(/3 days ago/);

    expect(await oversight.counts('usage-roles')).toEqual([
      ['Administrator', '1'],
      ['Output checker', '2'],
      ['Analyst', '2'],
    ]);
    expect(await oversight.counts('usage-statuses')).toEqual([['Active', '5']]);
    expect(await app.page.getByTestId('usage-active').innerText()).toMatch(/^[1-9]\d* (person|people) signed in during the range\.$/);
    expect(await app.page.getByTestId('usage-projects-total').innerText()).toBe('3');
    expect(await app.page.locator('[data-testid="usage-dataset-row"][data-dataset="patients"]').innerText()).toMatch(
      /^patients\s+[1-9][\d,]*\s+\d/,
    );
    // Ada's write and read, counted from the log: the cells under Drive reads and Drive writes say 1 and 30 B.
    const cardio = app.page.locator('[data-testid="usage-activity-row"][data-project="cardio-admissions"]');
    const cells = await cardio.locator('td').allInnerTexts();
    expect(cells.slice(5, 7).map((cell) => cell.replace(/\s+/g, ' '))).toEqual(['1 30 B', '1 30 B']);
    // Drive use against quota is the drive store's now: every project's drive, the 10 GB default quota.
    const drive = app.page.locator('[data-testid="usage-drive-row"][data-project="cardio-admissions"]');
    expect((await drive.innerText()).replace(/\s+/g, ' ')).toMatch(/^cardio-admissions [\d.]+ (B|KB) 0% of the quota 10\.0 GB 3$/);
    expect(await app.page.getByTestId('usage-drive-row').count()).toBe(3);
    expect(await app.page.getByTestId('usage-source-current').innerText()).toMatch(/^Now: .*drive use against quota/);
    expect(await app.page.getByTestId('usage-source-counted').first().innerText()).toMatch(
      /^From the log: .*drive reads and writes.*counted from the audit log for the range\.$/,
    );
    await saveScreenshot(app.page, 'om-05-oversight');
    await expectNoSeriousAccessibilityViolations(app.page, 'oversight');
  }, 90_000);

  it('records a review up to the newest event; the overdue notice goes', async () => {
    const upTo = Number(await app.page.getByTestId('record-review-upto').inputValue());
    expect(upTo).toBeGreaterThan(1);
    expect(await app.page.getByTestId('record-review-submit').innerText()).toBe(`Record review up to event ${upTo}`);
    const note = 'Read the refusals: Ben asked for covid-outcomes before he joined it. Nothing else of note.';
    await oversight.recordReview({ note });

    expect(await oversight.overdue.count()).toBe(0);
    expect(await app.page.getByTestId('review-recorded').innerText()).toBe(`Recorded: the events up to ${upTo} have been reviewed.`);
    expect(await app.page.getByTestId('review-last').innerText()).toMatch(
      new RegExp(`^Up to event ${upTo}, by demo-admin on .*: “?${note}”?$`),
    );
    expect(await app.page.getByTestId('review-headline').innerText()).toMatch(
      new RegExp(`^Events ${upTo + 1} to \\d+ \\(\\d+ events?\\) since the last review\\.$`),
    );
    expect(await oversight.events('review-refusals')).toEqual([]);
    await saveScreenshot(app.page, 'om-06-reviewed');
    await expectNoSeriousAccessibilityViolations(app.page, 'oversight, reviewed');
  }, 60_000);

  it('shows the usage report for a chosen range, and says what is wrong with a range', async () => {
    await oversight.showUsage({ from: day(-1), to: day(0) });
    expect(await app.page.getByTestId('usage-range-text').innerText()).toMatch(
      /^\d{1,2} \w+ \d{4} to \d{1,2} \w+ \d{4}, both days whole\. Made .*\.$/,
    );

    await app.page.getByTestId('usage-from').fill(day(1));
    await app.page.getByTestId('usage-to').fill(day(0));
    await app.page.getByTestId('usage-show').click();
    expect(await app.page.getByTestId('usage-problem').innerText()).toContain('To must be the same day as From or later.');
    await expectNoSeriousAccessibilityViolations(app.page, 'oversight, a bad range');
  }, 60_000);

  it("makes Ada's access report with her drive write and read, as the platform's CSV of it says", async () => {
    const incidents = new IncidentsPage(app.page);
    await incidents.open();
    const report = await incidents.accessReport('person', ADA);
    expect(report.activities.filter((activity) => activity === 'drive')).toEqual(['drive', 'drive']);
    const driveRows = app.page.locator('[data-testid="report-entry"][data-activity="drive"]');
    expect((await driveRows.nth(0).innerText()).replace(/\s+/g, ' ')).toMatch(
      /Drive drive\.write cardio-admissions none 30 B Success oversight-notes\.csv/,
    );
    expect((await driveRows.nth(1).innerText()).replace(/\s+/g, ' ')).toMatch(
      /Drive drive\.read cardio-admissions none 30 B Success oversight-notes\.csv/,
    );
    expect(report.totals).toMatch(/2 drive events/);
    await saveScreenshot(app.page, 'om-07-access-report');
    await expectNoSeriousAccessibilityViolations(app.page, 'incidents, an access report');

    // The platform's own CSV (format=csv) of all Ada did on this fresh platform: the same two drive lines.
    const token = await mintAccessToken({ dataDir: app.dataDir, sub: 'demo-admin', issuer: `${app.platform.url}/oidc` });
    const range = `from=2026-01-01T00:00:00Z&to=${new Date(Date.now() + 3_600_000).toISOString()}`;
    const fromPlatform = await fetch(`${app.platform.url}/api/v1/admin/access-report?subject=person&id=${ADA}&${range}&format=csv`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(fromPlatform.status).toBe(200);
    expect(fromPlatform.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await fromPlatform.text()).split('\r\n');
    expect(lines[0]).toBe('seq,occurredAt,activity,type,actor,projectId,datasets,rows,bytes,outcome,detail');
    expect(
      lines.filter((line) => /,drive,drive\.(write|read),demo-analyst,cardio-admissions,,,30,success,oversight-notes\.csv$/.test(line)),
    ).toHaveLength(2);
  }, 60_000);
});
