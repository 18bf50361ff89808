// Issue 18, done when: on one platform, two workstations (each person has their own, as in a secure environment), at
// 1366×768. Dana (admin) publishes the analysts' terms, registers Nadia and gets her one-time enrolment code, records
// her training and adds her to a project on its agreement. Nadia enrols with the code on the sign-in page, is shown
// the analysts' terms and accepts them, and runs a platform query. While it runs, Dana opens an incident and suspends
// her: the query stops, and Nadia's window says her access is suspended. Dana's access report lists the query; Dana
// lifts the suspension with a reason; Nadia signs in again and works. All of it is in the audit log and the chain
// verifies. Screenshots in test-results/e2e/pj-*.png. SATRE 1.5.01, 1.5.02 (onboarding), 1.6.04 (training records),
// 1.5.04 (access only under the agreement), 2.6.04 (rapid incident response), 2.5.03 (audit records).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyCli } from '../integration/platform/audit-support.ts';
import { AdminPage } from './pages/admin-page.ts';
import { CataloguePage } from './pages/catalogue-page.ts';
import { IncidentsPage, SuspendedPage } from './pages/incidents-page.ts';
import { MembersEditorPage } from './pages/oversight-page.ts';
import { PeoplePage, TermsPage as PublishTermsPage, TrainingPage } from './pages/people-page.ts';
import { DANA, SessionPage, TermsPage, type DemoAccount, type LoginPage } from './pages/session-page.ts';
import { WorkspacePage } from './pages/workspace-page.ts';
import { saveScreenshot } from './support/artifacts.ts';
import { expectNoSeriousAccessibilityViolations } from './support/axe.ts';
import { startBrowserApp, type BrowserApp } from './support/browser-app.ts';
import { openSecondWindow, type SecondWindow } from './support/second-window.ts';

const DEMO = { scale: 10_000, seed: 1 };
const SMALL_SCREEN = { width: 1366, height: 768 };
const PROJECT = 'covid-outcomes';
const NADIA: DemoAccount = { username: 'nadia', password: 'nadia-chose-this-one', displayName: 'Nadia Newton', role: 'Analyst' };
const ANALYST_TERMS = '# Terms for analysts\n\n1. Query only for your project’s purpose.\n2. Never try to identify anyone.\n';
/** Runs for a long while on the platform unless stopped: every pair of admissions, with every test. */
const LONG_SQL =
  'SELECT count(*) AS n FROM hospital_episodes AS a, hospital_episodes AS b, covid_tests AS c WHERE a.length_of_stay + b.length_of_stay > 0';

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe('browser shell: from enrolment to the kill switch and back (issue 18)', () => {
  let app: BrowserApp;
  let admin: SecondWindow;
  let nadia: SessionPage;
  let dana: SessionPage;
  let code = '';
  const logins: LoginPage[] = [];

  beforeAll(async () => {
    app = await startBrowserApp(DEMO);
    admin = await openSecondWindow(app, 'admin workstation');
    for (const page of [app.page, admin.page]) await page.setViewportSize(SMALL_SCREEN);
    nadia = new SessionPage(app.page, app.problems);
    dana = new SessionPage(admin.page, admin.problems);
    await app.page.goto(app.shell.launchUrl);
    await admin.page.goto(admin.shell.launchUrl);
    await Promise.all([nadia.waitForSignInScreen(), dana.waitForSignInScreen()]);
  }, 120_000);

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') {
      const name = context.task.name.slice(0, 40).replace(/\W+/g, '-');
      await saveScreenshot(app.page, `pj-failed-analyst-${name}`);
      await saveScreenshot(admin.page, `pj-failed-admin-${name}`);
    }
    for (const login of logins.splice(0)) await login.page.close();
    app.problems.assertNone(`in Nadia's window during "${context.task.name}"`);
    admin.problems.assertNone(`in Dana's window during "${context.task.name}"`);
  });

  afterAll(async () => {
    await admin?.close();
    await app?.close();
  });

  it('Dana publishes the analysts’ terms, registers Nadia and is shown her enrolment code once', async () => {
    logins.push(await dana.signIn(admin.context, DANA));
    await dana.keychainNotice.getByRole('button', { name: 'Dismiss' }).click();
    const terms = new PublishTermsPage(admin.page);
    await terms.open();
    await terms.publish({ audience: 'analyst', text: ANALYST_TERMS, summary: 'First terms for analysts', requiresAcceptance: true });
    expect(await terms.versions('analyst')).toEqual([[1, 'In force']]);

    const people = new PeoplePage(admin.page);
    await people.open();
    await people.register({
      id: NADIA.username,
      name: NADIA.displayName,
      email: 'nadia@example.org',
      organisation: 'University of Somewhere',
      roles: ['analyst'],
      verification: 'Passport and staff card seen in person',
    });
    code = await people.enrolmentCode.getByTestId('enrolment-code-value').inputValue();
    expect(code).toMatch(/^[A-Z2-9]{5}(-[A-Z2-9]{5}){3}$/);
    expect(await people.rowOf(NADIA.username)).toMatchObject({ status: 'Invited' });
    await saveScreenshot(admin.page, 'pj-01-registered');
  }, 120_000);

  it('Dana records Nadia’s training and adds her to the project, as a new version of its agreement', async () => {
    const training = new TrainingPage(admin.page);
    await training.open();
    await training.record({
      userId: NADIA.username,
      course: 'Safe Researcher Training',
      completed: day(-1),
      expires: day(365),
      evidence: 'SRT-2026-0042',
    });
    expect(await training.stateOf(NADIA.username, 'analyst', 'Safe Researcher Training')).toBe('Valid');

    const agreements = new AdminPage(admin.page);
    await agreements.openAgreements();
    await agreements.chooseAgreement(PROJECT);
    const members = new MembersEditorPage(admin.page);
    await members.open();
    await members.add({ userId: NADIA.username, role: 'analyst' });
    expect(await members.save('Nadia joins the COVID-19 outcomes study (approved by the data controller)')).toBe('saved');
    expect(await members.saved.innerText()).toMatch(/version 2/);
  }, 120_000);

  it('Nadia enrols with the code on the sign-in page, is shown the analysts’ terms and accepts them', async () => {
    const login = await nadia.openLoginPage(app.context, nadia.signInButton);
    logins.push(login);
    await login.page.getByTestId('sign-in-enrol').click();
    await login.page.getByTestId('enrol-code').fill(code.toLowerCase());
    await login.page.getByTestId('enrol-password').fill(NADIA.password);
    await login.page.getByTestId('enrol-repeat').fill(NADIA.password);
    await login.page.getByTestId('enrol-submit').click();

    const terms = new TermsPage(app.page);
    await terms.waitFor('analyst', 1);
    expect(await terms.text.innerText()).toContain('Never try to identify anyone.');
    await saveScreenshot(app.page, 'pj-02-terms');
    await expectNoSeriousAccessibilityViolations(app.page, 'terms after enrolment');
    await terms.acceptButton.click();
    await expect.poll(() => nadia.signedInAs(), { timeout: 30_000 }).toBe(NADIA.displayName);
    await nadia.keychainNotice.getByRole('button', { name: 'Dismiss' }).click();
    const catalogue = new CataloguePage(app.page);
    await catalogue.pickProject(PROJECT);
    await saveScreenshot(app.page, 'pj-03-nadia-works');
  }, 120_000);

  it('suspended while her platform query runs: the query stops, and her window says her access is suspended', async () => {
    const ws = new WorkspacePage(app.page);
    await ws.open();
    await ws.usePlatform();
    await ws.setSql(LONG_SQL);
    await ws.platformTable.fill('every_pair');
    await ws.runPlatformButton.click();
    await ws.platformProgress.waitFor();
    await expect.poll(() => ws.status.innerText()).toMatch(/Running on the platform/);

    const incidents = new IncidentsPage(admin.page);
    await incidents.open();
    await incidents.openIncident({ summary: 'A new analyst’s very large query', severity: 'high', personalData: true });
    await incidents.review({ kind: 'suspend_user', target: NADIA.username, reason: 'Checking the purpose of a very large query.' });
    const lines = await incidents.confirm();
    expect(lines[0]).toMatch(/^Nadia Newton is suspended/);
    expect(lines.join(' ')).toMatch(/1 running operation was stopped/);

    const suspended = new SuspendedPage(app.page);
    await suspended.screen.waitFor({ timeout: 30_000 });
    expect(await suspended.heading.innerText()).toBe('Your access is suspended');
    await saveScreenshot(app.page, 'pj-04-suspended');
    await expectNoSeriousAccessibilityViolations(app.page, 'suspended after a running query');
  }, 180_000);

  it('Dana’s access report lists the query that was stopped; she lifts the suspension with a reason', async () => {
    const incidents = new IncidentsPage(admin.page);
    const report = await incidents.accessReport('person', NADIA.username);
    expect(report.activities).toEqual(expect.arrayContaining(['sign_in', 'query', 'aborted']));
    await saveScreenshot(admin.page, 'pj-05-access-report');
    const lifted = await incidents.lift(NADIA.username, 'The query was within the study’s purpose; agreed with the data controller.');
    expect(lifted[0]).toMatch(/^Nadia Newton is no longer suspended/);
  }, 90_000);

  it('Nadia signs in again and works; the audit chain is intact', async () => {
    logins.push(await nadia.signIn(app.context, NADIA));
    const catalogue = new CataloguePage(app.page);
    await catalogue.pickProject(PROJECT);
    await catalogue.openDataset('patients');
    await saveScreenshot(app.page, 'pj-06-back');
    const verified = await verifyCli(['--data-dir', app.dataDir]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^intact/);
  }, 120_000);
});
