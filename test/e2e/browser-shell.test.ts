// The analyst's journey through the browser shell, in Debian's Chromium: open the launch page as `npm start` has
// Chromium do, sign in through the platform's real login page (after a wrong password), see who they are and their
// projects, browse the catalogue, open samples into local DuckDB, query, chart, cancel, read an error; find the
// output checkers' screen closed to them; sign out, and find the workspace kept for them at the next sign-in. Then the shell's boundary: the launch
// link works once, the API refuses whoever has no session, and a server another OS user runs on another
// 127.0.0.1 port, visited by the same browser, receives no cookie and no Enclave secret.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CatalogueSchema } from '../../src/common/contract.ts';
import { CataloguePage } from './pages/catalogue-page.ts';
import { AnalysisPage } from './pages/analysis-page.ts';
import { ADA, SessionPage, type LoginPage } from './pages/session-page.ts';
import { saveScreenshot } from './support/artifacts.ts';
import { expectNoSeriousAccessibilityViolations } from './support/axe.ts';
import { openFromLauncher, startBrowserApp, VIEWPORT, type BrowserApp } from './support/browser-app.ts';
import { asPlatformAdmin } from './support/platform-admin.ts';
import { invokeAsPage, pageSessionSecret, SESSION_STORAGE_KEY } from './support/shell-api.ts';
import { probe } from './support/http-probe.ts';
import { startOtherUserServer, type ReceivedRequest } from './support/other-user-server.ts';
import { REPO_ROOT } from './support/paths.ts';
import { otherUser, type OtherUser } from '../support/other-user.ts';

// 75,000 patients give about 149,000 hospital episodes, of which Cardiovascular admissions sees about 112,000 (those
// from April 2019, less the opted-out patients'): enough for the 100,000-row sample a user can pick.
const DEMO = { scale: 75_000, seed: 1 };
const PROJECT = 'cardio-admissions';
const DATASET = 'hospital_episodes';
const TABLE = 'hospital_episodes_sample';
const GROUP_BY_SQL = `SELECT admission_method, count(*) AS episodes, round(avg(length_of_stay), 2) AS mean_stay FROM ${TABLE} GROUP BY admission_method ORDER BY admission_method`;
/** Runs for minutes unless cancelled (DuckDB cannot fold it away: the filter needs every value). */
const LONG_SQL = 'SELECT sum(range) FROM range(10000000000) WHERE range % 7 = 3';

interface Manifest {
  datasets: Record<string, { rows: number }>;
}
interface CatalogueEntry {
  id: string;
  fields: { name: string; type: string; description: string }[];
}

const ms = (start: number): string => `${Math.round(performance.now() - start)} ms`;

/** The neighbour on a shared desktop: another OS user (or why there is none here). */
const neighbourUser = otherUser();
if (typeof neighbourUser === 'string')
  console.log(`[e2e browser-shell] no second OS user, so the neighbour's server is not run: ${neighbourUser}`);

describe('browser shell: the analyst journey in Chromium', () => {
  let app: BrowserApp;
  let session: SessionPage;
  let catalogue: CataloguePage;
  let analysis: AnalysisPage;
  let manifest: Manifest;
  let login: LoginPage | null = null;
  /** The workstation methods the page has called, in order. */
  const called: string[] = [];

  beforeAll(async () => {
    const started = performance.now();
    app = await startBrowserApp(DEMO);
    app.page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith('/api/invoke/')) called.push(decodeURIComponent(path.slice('/api/invoke/'.length)));
    });
    session = new SessionPage(app.page, app.problems);
    catalogue = new CataloguePage(app.page);
    analysis = new AnalysisPage(app.page);
    manifest = JSON.parse(await readFile(join(app.dataDir, 'manifest.json'), 'utf8')) as Manifest;
    console.log(`e2e: data, platform, shell and Chromium ready in ${ms(started)}`);
  });

  afterEach(async (context) => {
    await login?.page.close();
    login = null;
    app.problems.assertNone(`during "${context.task.name}"`);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('opens from the launch page on the sign-in screen, naming the platform, in demo mode', async () => {
    const launchPage = app.shell.launchPage ?? '';
    expect(existsSync(launchPage)).toBe(true);

    await openFromLauncher(app);

    // The code left the address at once and was spent; the page keeps its secret in this tab's sessionStorage.
    expect(app.page.url()).toBe(`${app.shell.url}/`);
    expect(await pageSessionSecret(app)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(existsSync(launchPage)).toBe(false);
    expect(await app.context.cookies()).toEqual([]);
    await session.waitForSignInScreen();
    expect(await app.page.getByTestId('sign-in-platform-url').innerText()).toBe(app.platform.url);
    await expect.poll(() => app.page.getByTestId('sign-in-platform-name').innerText()).not.toBe('Not reached yet');
    expect(await catalogue.demoBanner.innerText()).toMatch(/^Demo platform — synthetic data and demo accounts only/);
    // Tokens are kept in memory in this run (no keychain): the app says so once.
    expect(await session.keychainNotice.innerText()).toMatch(/sign in again each time you open Enclave/);
    // Nothing of the workspace exists before sign-in, and nothing but the session was asked for.
    expect(await session.workspace.count()).toBe(0);
    expect(await app.page.getByTestId('project-picker').count()).toBe(0);
    expect(called.length).toBeGreaterThan(0);
    expect(called.filter((method) => !method.startsWith('session.'))).toEqual([]);
    await saveScreenshot(app.page, '00-sign-in');
    await expectNoSeriousAccessibilityViolations(app.page, 'sign-in');
  });

  it('refuses every workstation method but the session ones before sign-in', async () => {
    const projects = await invokeAsPage(app, 'projects.list', {});
    const sample = await invokeAsPage(app, 'dataset.sample', { projectId: PROJECT, datasetId: DATASET, limit: 10 });
    const own = await invokeAsPage(app, 'session.get', {});

    expect(projects).toMatchObject({ status: 401, body: { ok: false, error: { code: 'unauthenticated' } } });
    expect(sample).toMatchObject({ status: 401, body: { ok: false, error: { code: 'unauthenticated' } } });
    expect(own).toMatchObject({ status: 200, body: { ok: true } });
  });

  it.skipIf(typeof neighbourUser === 'string')(
    'gives a server another OS user runs on another 127.0.0.1 port no cookie and no secret when the browser visits it',
    async () => {
      const neighbour = await visitOtherUsersServer(app);
      const secret = (await pageSessionSecret(app)) ?? '';

      for (const request of neighbour) {
        expect(request.headers.cookie).toBeUndefined();
        expect(JSON.stringify(request)).not.toContain(secret);
      }
      // What the neighbour's own page could read in this browser: no cookie, nothing in its own storage.
      expect(neighbour.find((r) => r.url === '/echo')?.body).toBe('|0|0');
    },
  );

  it("shows the login page's error for a wrong password and stays signed out", async () => {
    login = await session.openLoginPage(app.context, session.signInButton);
    await login.waitForForm();
    expect(await login.page.title()).toBe('Sign in — Enclave');
    await expectNoSeriousAccessibilityViolations(login.page, 'identity provider login');
    await expect.poll(() => session.signInScreen.getAttribute('data-state')).toBe('signing_in');
    expect(await app.page.getByRole('heading', { level: 2 }).first().innerText()).toBe('Finish signing in in your browser');
    await saveScreenshot(app.page, '00-sign-in-waiting');

    await login.fill({ username: ADA.username, password: 'not-her-password' });

    await expect.poll(() => login!.alert.innerText()).toBe('The username or password is wrong.');
    await saveScreenshot(login.page, '00-login-wrong-password');
    await expectNoSeriousAccessibilityViolations(login.page, 'login with an error');
    expect(await session.signedInAs()).toBeNull();
    expect(await session.signInScreen.getAttribute('data-state')).toBe('signing_in');
    expect((await invokeAsPage(app, 'projects.list', {})).status).toBe(401);

    await session.cancelSignInButton.click();
    await session.waitForSignInScreen();
    expect(await app.page.getByTestId('session-info').innerText()).toMatch(/cancelled/i);
  });

  it('signs in as an analyst through the login page and shows her name, role and projects', async () => {
    const started = performance.now();
    login = await session.signIn(app.context, ADA);

    expect(await session.userName.innerText()).toBe(ADA.displayName);
    expect(await session.userRole.innerText()).toBe(ADA.role);
    await catalogue.project(PROJECT).waitFor();
    expect(await login.page.locator('body').innerText()).toMatch(/signed in/i);
    await saveScreenshot(login.page, '00-login-done');
    await expectNoSeriousAccessibilityViolations(login.page, "sign-in finished (the workstation's loopback page)");
    console.log(`e2e: signed in through the login page in ${ms(started)}`);
    await session.keychainNotice.getByRole('button', { name: 'Dismiss' }).click();
    expect(await session.keychainNotice.count()).toBe(0);
  }, 90_000);

  it("lists the chosen project's datasets with their row counts on the platform", async () => {
    await catalogue.pickProject(PROJECT);

    expect(await catalogue.datasetIds()).toEqual(['patients', 'hospital_episodes']);
    // The counts are the project's, from its minimised copy: the opted-out patients and earlier episodes left out.
    const answer = await invokeAsPage(app, 'catalogue.get', { projectId: PROJECT });
    const counts = new Map(CatalogueSchema.parse(answer.body.ok ? answer.body.value : null).datasets.map((d) => [d.id, d.rowCount]));
    for (const id of await catalogue.datasetIds()) {
      const seen = counts.get(id) ?? -1;
      expect(seen).toBeGreaterThan(0);
      expect(seen).toBeLessThan(manifest.datasets[id].rows);
      expect(await catalogue.dataset(id).innerText()).toContain(`${seen.toLocaleString('en-GB')} rows`);
    }
  });

  it("shows the platform's refusal, naming the course, when the analyst's training has lapsed, and the project again once renewed", async () => {
    const lapsed = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const nextYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
    const admin = (method: 'POST', path: string, body: unknown) =>
      asPlatformAdmin({ platformUrl: app.platform.url, dataDir: app.dataDir, method, path, body });
    // Another project first, so that choosing this one asks the platform again; its minimised copy is prepared in
    // the background as the platform starts, and its catalogue answers once that is done.
    await expect
      .poll(async () => (await invokeAsPage(app, 'catalogue.get', { projectId: 'covid-outcomes' })).status, { timeout: 90_000 })
      .toBe(200);
    await catalogue.pickProject('covid-outcomes');
    // Training comes from the platform's records: the analyst role now also needs a refresher, and Ada's lapsed yesterday.
    await admin('POST', '/admin/training/requirements', { role: 'analyst', courses: ['Safe Researcher Training', 'Annual refresher'] });
    try {
      await admin('POST', '/admin/training', {
        userId: 'demo-analyst',
        course: 'Annual refresher',
        completed: '2025-01-01',
        expires: lapsed,
        evidence: 'R-1',
      });
      await expect
        .poll(async () => (await invokeAsPage(app, 'catalogue.get', { projectId: 'cardio-admissions' })).status, { timeout: 10_000 })
        .toBe(403);
      await catalogue.project('cardio-admissions').click();
      const refusal = app.page.getByTestId('catalogue-error');
      await expect
        .poll(() => refusal.innerText())
        .toContain(
          `Your Annual refresher (needed for the Analyst role) expired on ${lapsed}: renew it, then ask your administrator to record it.`,
        );
      await saveScreenshot(app.page, '01-refused-training-lapsed');
      // Renewed: the administrator records the new certificate, and the project answers again.
      await admin('POST', '/admin/training', {
        userId: 'demo-analyst',
        course: 'Annual refresher',
        completed: '2026-01-01',
        expires: nextYear,
        evidence: 'R-2',
      });
      await expect
        .poll(async () => (await invokeAsPage(app, 'catalogue.get', { projectId: 'cardio-admissions' })).status, { timeout: 10_000 })
        .toBe(200);
    } finally {
      await admin('POST', '/admin/training/requirements', { role: 'analyst', courses: ['Safe Researcher Training'] });
    }
    // Away and back, so that the catalogue is asked again now the training is renewed.
    await catalogue.pickProject('covid-outcomes');
    await catalogue.pickProject(PROJECT);
  }, 180_000);

  it("shows a dataset's fields with type, description, tags and each field's treatment for this project in words", async () => {
    await catalogue.openDataset(DATASET);
    const shipped = (JSON.parse(await readFile(join(REPO_ROOT, 'resources/catalogue/datasets.json'), 'utf8')) as CatalogueEntry[]).find(
      (d) => d.id === DATASET,
    );

    const admission = await catalogue.fieldRow('admission_date');
    expect(admission).toEqual({
      name: 'admission_date',
      type: 'DATE',
      description: shipped?.fields.find((f) => f.name === 'admission_date')?.description,
      tags: ['Quasi-identifier', 'Clinical'],
      availability: 'admission date → month (2020-03)',
    });
    const nhsNumber = await catalogue.fieldRow('nhs_number');
    expect(nhsNumber.tags).toEqual(['Direct identifier']);
    expect(nhsNumber.availability).toBe('NHS number → project pseudonym');
    expect((await catalogue.fieldRow('age_on_admission')).availability).toBe('age on admission → as recorded, 90 and over together (90+)');
    // Every field the project sees shows its treatment in words; its agreement drops two (secondary diagnosis, procedure).
    expect(await catalogue.fieldRow('primary_procedure')).toMatchObject({ availability: 'Not available to this project' });
    expect(await catalogue.fieldsTable.locator('[data-testid="field-treatment"]').count()).toBe((shipped?.fields.length ?? 0) - 2);
    expect(await catalogue.fieldsTable.locator('tbody tr').count()).toBe(shipped?.fields.length);
    await saveScreenshot(app.page, '01-catalogue');
    // The patients as this project sees them, on a 1366x768 screen: an age band, a region, a dropped postcode.
    await app.page.setViewportSize({ width: 1366, height: 768 });
    try {
      await catalogue.openDataset('patients');
      expect((await catalogue.fieldRow('date_of_birth')).availability).toBe(
        'date of birth → 5-year age band at 2024-03-31, 90 and over together',
      );
      expect((await catalogue.fieldRow('lsoa_code')).availability).toBe('LSOA code → region');
      expect((await catalogue.fieldRow('postcode')).availability).toBe('Not available to this project');
      await catalogue.field('postcode').scrollIntoViewIfNeeded();
      await app.page.screenshot({ path: 'test-results/e2e/01-catalogue-patients-1366x768.png' });
    } finally {
      await app.page.setViewportSize(VIEWPORT);
      await catalogue.openDataset(DATASET);
    }
  });

  it('passes the accessibility check on the catalogue screen', async () => {
    await expectNoSeriousAccessibilityViolations(app.page, 'catalogue');
  });

  it('opens a 1,000-row sample of hospital episodes into local DuckDB', async () => {
    const started = performance.now();
    const notice = await catalogue.openSample(1_000);

    expect(notice).toMatch(new RegExp(`^Loaded ${TABLE}: 1,000 rows in `));
    console.log(`e2e: 1,000-row sample loaded in ${ms(started)}`);
  }, 90_000);

  it('replaces it with a 100,000-row sample after asking', async () => {
    const started = performance.now();
    const notice = await catalogue.openSample(100_000);

    expect(notice).toMatch(new RegExp(`^Replaced ${TABLE}: 100,000 rows in `));
    console.log(`e2e: 100,000-row sample loaded in ${ms(started)}`);
    await saveScreenshot(app.page, '02-sample-loaded');
  }, 90_000);

  it('runs a GROUP BY in the SQL editor and shows the result in the grid', async () => {
    await analysis.open();
    await analysis.localTable(TABLE).waitFor();
    expect(await analysis.localTable(TABLE).innerText()).toContain('100,000 rows');

    const started = performance.now();
    const outcome = await analysis.runQuery(GROUP_BY_SQL);

    expect(outcome.error).toBe('');
    expect(outcome.status).toMatch(/^4 rows, 3 columns in /);
    expect(await analysis.gridRows()).toBe(4);
    console.log(`e2e: GROUP BY over 100,000 rows answered in ${ms(started)} (${outcome.status})`);
  }, 90_000);

  it('draws a bar chart of the result', async () => {
    const caption = await analysis.drawChart({ type: 'bar', x: 'admission_method', y: 'episodes' });

    expect(caption).toMatch(/^Bar chart: .*episodes by admission_method, 4 bars\.$/);
    expect(await analysis.barCount()).toBe(4);
    await saveScreenshot(app.page, '03-analysis');
  }, 90_000);

  it('passes the accessibility check on the analysis screen', async () => {
    await expectNoSeriousAccessibilityViolations(app.page, 'analysis');
  });

  it('cancels a long query and says so', async () => {
    await analysis.startQuery(LONG_SQL);
    expect(await analysis.status.innerText()).toMatch(/^Running…/);

    const started = performance.now();
    await analysis.cancelButton.click();
    const outcome = await analysis.waitForQueryEnd(30_000);

    expect(outcome.status).toBe('The query was cancelled. The result shown is the previous query’s.');
    expect(outcome.error).toBe('');
    console.log(`e2e: long query cancelled ${ms(started)} after Cancel`);
    await saveScreenshot(app.page, '04-query-cancelled');
    // The engine is still usable after the cancel.
    expect((await analysis.runQuery('SELECT 42 AS answer')).status).toMatch(/^1 row, 1 column in /);
  }, 90_000);

  it('shows the NHS number in a loaded sample as the project pseudonym, never as an NHS number', async () => {
    const outcome = await analysis.runQuery(`SELECT nhs_number FROM ${TABLE}`);
    expect(outcome.error).toBe('');
    await analysis.openColumnMenu('nhs_number');
    await analysis.columnMenu.getByTestId('column-summary').click();
    const summary = analysis.columnMenu.getByTestId('column-summary-result');
    await expect.poll(() => summary.innerText()).toMatch(/^Of 100,000 rows/);
    const text = await summary.innerText();
    expect(text).toMatch(/P[BCDFGHJKLMNPQRST]{20}/);
    expect(text).not.toMatch(/\d{10}/);
    await saveScreenshot(app.page, '05-pseudonym');
    await app.page.keyboard.press('Escape');
    await expect.poll(() => analysis.columnMenu.count()).toBe(0);
  }, 90_000);

  it('shows a SQL error as a readable message, not a stack trace', async () => {
    // The sample holds only the fields available to the project: hospital episodes have no postcode.
    const outcome = await analysis.runQuery(`SELECT postcode FROM ${TABLE}`);

    expect(outcome.error).toMatch(/^The query did not run/);
    expect(outcome.error).toMatch(/postcode/);
    expect(outcome.error).not.toMatch(/\n\s+at\s|\.js:\d+/);
    await saveScreenshot(app.page, '05-sql-error');
  }, 90_000);

  it('offers an analyst no output checking; forcing its address shows the refusal, and the platform refuses its data', async () => {
    expect(await session.navLabels()).toEqual(['Catalogue', 'Local analysis', 'Drive', 'Outputs']);

    await app.page.evaluate(`location.hash = '#/checking'`);

    const refused = app.page.getByTestId('screen-refused');
    await refused.waitFor();
    expect(await refused.getByRole('heading').innerText()).toBe('This screen is for output checkers');
    expect(await app.page.getByTestId('rules-table').count()).toBe(0);
    const rules = await invokeAsPage(app, 'checking.rules', {});
    expect(rules).toMatchObject({ status: 403, body: { ok: false, error: { code: 'forbidden' } } });
    await saveScreenshot(app.page, '06-analyst-refused-checking');
    await expectNoSeriousAccessibilityViolations(app.page, 'refused screen');
    await app.page.getByTestId('refused-go-home').click();
    await app.page.getByTestId('panel-catalogue').waitFor();
  });

  it('signs out: the tokens are gone, the workspace is closed and kept for her, and the sign-in screen is back', async () => {
    // Temporary objects live only as long as the session's connection; the rest is the analyst's kept work.
    await analysis.open();
    for (const sql of ['CREATE VIEW e2e_view AS SELECT 1 AS x', 'CREATE TEMP TABLE e2e_temp AS SELECT 1 AS x']) {
      expect((await analysis.runQuery(sql)).error).toBe('');
    }

    await session.signOut();

    await expect
      .poll(() => session.cleared.innerText(), { timeout: 15_000 })
      .toBe(
        'Your projects’ local tables stay on this computer in your private workspace, for your next sign-in. Nothing was kept in this window.',
      );
    expect(await session.workspace.count()).toBe(0);
    expect((await invokeAsPage(app, 'projects.list', {})).status).toBe(401);
    expect((await invokeAsPage(app, 'workspace.tables', { projectId: PROJECT })).status).toBe(401);
    await saveScreenshot(app.page, '07-signed-out');
    await expectNoSeriousAccessibilityViolations(app.page, 'signed out');

    // Signing in again, she finds her project's workspace as she left it (the persisting desktop), temporary tables gone.
    login = await session.signIn(app.context, ADA);
    await analysis.open();
    await analysis.localTable(TABLE).waitFor();
    expect((await analysis.runQuery('SELECT * FROM e2e_temp')).error).toMatch(/Table with name e2e_temp does not exist/);
    expect((await analysis.runQuery('SELECT * FROM e2e_view')).status).toMatch(/^1 row, 1 column in /);
  }, 90_000);

  it('honours the launch link once: a second browser that opens it gets no session, only the no-session screen', async () => {
    const other = await app.browser.newContext({ viewport: VIEWPORT, locale: 'en-GB' });
    try {
      const page = await other.newPage();
      const requested: string[] = [];
      page.on('request', (request) => requested.push(new URL(request.url()).pathname));
      await page.goto(app.shell.launchUrl);
      const refused = page.getByTestId('no-session');
      await refused.waitFor();
      expect(await refused.getAttribute('data-reason')).toBe('launch-refused');
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Open Enclave from its launcher');
      expect(page.url()).toBe(`${app.shell.url}/`);
      await saveScreenshot(page, '08-launch-link-used');

      // Without a code or a secret, the page asks the workstation nothing at all.
      requested.length = 0;
      await page.goto(`${app.shell.url}/`);
      await refused.waitFor();
      expect(await refused.getAttribute('data-reason')).toBe('no-launch');
      expect(requested.filter((path) => path.startsWith('/api/'))).toEqual([]);
      expect(await page.evaluate(`sessionStorage.getItem(${JSON.stringify(SESSION_STORAGE_KEY)})`)).toBeNull();
      await saveScreenshot(page, '09-no-session');
      await expectNoSeriousAccessibilityViolations(page, 'no session');
    } finally {
      await other.close();
    }
  });

  it('refuses API requests without the session header, from another origin, or under another host name', async () => {
    const invoke = `${app.shell.url}/api/invoke/projects.list`;
    const json = { 'Content-Type': 'application/json', Origin: app.shell.url };
    const secret = await pageSessionSecret(app);
    expect(secret).toBeTruthy();
    const withSecret = { ...json, 'X-Enclave-Session': secret ?? '' };

    const noSecret = await probe(invoke, { method: 'POST', headers: json, body: '{}' });
    const forged = await probe(invoke, { method: 'POST', headers: { ...json, 'X-Enclave-Session': 'forged' }, body: '{}' });
    const asCookie = await probe(invoke, { method: 'POST', headers: { ...json, Cookie: `enclave_session=${secret}` }, body: '{}' });
    const foreignOrigin = await probe(invoke, { method: 'POST', headers: { ...withSecret, Origin: 'http://evil.example' }, body: '{}' });
    const rebound = await probe(invoke, {
      method: 'POST',
      headers: { ...withSecret, Host: `evil.example:${new URL(app.shell.url).port}` },
      body: '{}',
    });
    const events = await probe(`${app.shell.url}/api/events`, {});
    const own = await probe(`${app.shell.url}/api/invoke/session.get`, { method: 'POST', headers: withSecret, body: '{}' });

    expect(noSecret.status).toBe(401);
    expect(JSON.parse(noSecret.body)).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(forged.status).toBe(401);
    expect(asCookie.status).toBe(401);
    expect(foreignOrigin.status).toBe(403);
    expect(rebound.status).toBe(403);
    expect(events.status).toBe(401);
    for (const refused of [noSecret, forged, asCookie, foreignOrigin, rebound, events]) {
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    }
    // The same request from the page's own origin with its secret works: the refusals above are the guards'.
    expect(own.status).toBe(200);
    expect(JSON.parse(own.body)).toMatchObject({ ok: true });
  });

  it('gives a page of another origin in the same browser nothing: no answer, and not the secret', async () => {
    const attacker = await app.context.newPage();
    try {
      // The platform's health page: another origin (another port) on the same machine.
      await attacker.goto(`${app.platform.url}/api/v1/health`);
      const result = await attacker.evaluate<string>(`fetch(${JSON.stringify(`${app.shell.url}/api/invoke/projects.list`)}, {
        method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body: '{}',
      }).then((r) => r.text().then((t) => 'read ' + r.status + ' ' + t), (e) => 'blocked ' + e.name)`);
      const stored = await attacker.evaluate(`sessionStorage.getItem(${JSON.stringify(SESSION_STORAGE_KEY)})`);

      expect(result).toBe('blocked TypeError');
      expect(stored).toBeNull();
    } finally {
      await attacker.close();
    }
  });

  it.skipIf(typeof neighbourUser === 'string')(
    "after a sign-in, the other user's server still gets no Enclave secret; only the demo identity provider's own cookies reach it",
    async () => {
      const neighbour = await visitOtherUsersServer(app);
      const secret = (await pageSessionSecret(app)) ?? '';

      const cookieNames = [
        ...new Set(
          neighbour.flatMap((r) =>
            String(r.headers.cookie ?? '')
              .split(';')
              .map((c) => c.split('=')[0]?.trim() ?? '')
              .filter(Boolean),
          ),
        ),
      ];
      console.log(`e2e: cookies the browser sent the other user's server after a sign-in: ${cookieNames.join(', ') || 'none'}`);
      // The embedded provider's cookies are scoped to 127.0.0.1 like any cookie there; every sign-in asks for the
      // password again, so they do not sign anyone in. Nothing of the workstation's is among them.
      expect(cookieNames.every((name) => name.startsWith('enclave_idp_'))).toBe(true);
      for (const request of neighbour) expect(JSON.stringify(request)).not.toContain(secret);
    },
  );

  // The checks above pass only if these detectors work: prove that they see what they are there to see.
  it("notices a CSP violation and an unlabelled control (the suite's own detectors work)", async () => {
    await app.page.evaluate(`(() => {
      const probe = document.createElement('div');
      probe.id = 'e2e-detector-probe';
      probe.setAttribute('style', 'color: red');
      probe.appendChild(document.createElement('input'));
      document.body.appendChild(probe);
    })()`);

    await expect.poll(() => app.problems.list.some((p) => p.startsWith('CSP violation: style-src'))).toBe(true);
    expect(() => app.problems.assertNone('after the probe')).toThrow(/CSP violation: style-src/);
    await expect(expectNoSeriousAccessibilityViolations(app.page, 'probe')).rejects.toThrow(/\[critical\] label/);
    await app.page.evaluate(`document.getElementById('e2e-detector-probe').remove()`);
  });
});

/**
 * Runs a plain HTTP server as the other OS user on another 127.0.0.1 port, visits it in the app's browser context
 * (its page also calls back with credentials), and returns what the server received.
 */
async function visitOtherUsersServer(app: BrowserApp): Promise<ReceivedRequest[]> {
  const server = await startOtherUserServer(neighbourUser as OtherUser);
  const visit = await app.context.newPage();
  try {
    await visit.goto(`${server.url}/probe`);
    await server.request('/echo');
    return [...server.received];
  } finally {
    await visit.close();
    await server.stop();
  }
}
