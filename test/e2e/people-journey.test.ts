// Issue 18, done when: on one platform, two workstations (each person has their own, as in a secure environment), at
// 1366×768. Dana (admin) publishes the analysts' terms, registers Nadia and gets her one-time enrolment code, records
// her training and adds her to a project on its agreement. Nadia enrols with the code on the sign-in page, is shown
// the analysts' terms and accepts them. Dana opens an incident and readies the suspension; Nadia runs a query whose
// answer is large, and while it streams to her workstation (over a link the test paces, so the answer takes long enough
// to arrive) Dana suspends her: the stream is cut, nothing of it becomes a table, and Nadia's window says her access is
// suspended. Dana's access report lists the query; Dana lifts the suspension with a
// reason; Nadia signs in again and runs a platform query to its end. The audit log, read as Dana's audit screen reads
// it, holds the journey's events in order, each with its actor, whom it concerns and its incident; the chain verifies.
// Screenshots in test-results/e2e/pj-*.png. SATRE 1.5.01, 1.5.02 (onboarding), 1.6.04 (training records), 1.5.04
// (access only under the agreement), 2.6.04 (rapid incident response), 2.5.03 (audit records).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventView, AuditPage } from '../../src/common/agreement-views.ts';
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
import { invokeAsPage } from './support/shell-api.ts';

const DEMO = { scale: 10_000, seed: 1 };
const SMALL_SCREEN = { width: 1366, height: 768 };
const PROJECT = 'covid-outcomes';
const NADIA: DemoAccount = { username: 'nadia', password: 'nadia-chose-this-one', displayName: 'Nadia Newton', role: 'Analyst' };
const ANALYST_TERMS = '# Terms for analysts\n\n1. Query only for your project’s purpose.\n2. Never try to identify anyone.\n';
/**
 * A large answer, within the agreement's row cap: three pseudonyms joined, different in every row, so the answer file is
 * tens of MB (the three apart, as dictionaries, made under 1 MB: the platform had sent all of it before Dana could act).
 */
const STREAMING_SQL =
  'SELECT concat(a.nhs_number, b.nhs_number, c.nhs_number) AS three_people FROM patients AS a, patients AS b, patients AS c LIMIT 3000000';
/** What Nadia runs once she may work again: a small answer, loaded whole. */
const AFTER_SQL = 'SELECT count(*) AS people FROM patients';
/** The analyst's link to the platform, as the test paces it: the answers of platform queries arrive at this rate. */
const LINK_BYTES_PER_SECOND = 1_000_000;
const INCIDENT = { summary: 'A new analyst’s very large query', severity: 'high', personalData: true };
const SUSPENSION_REASON = 'Checking the purpose of a very large query.';
const LIFT_REASON = 'The query was within the study’s purpose; agreed with the data controller.';

/**
 * The paced link's one switch: once the platform has said it cut the answer, the test lets what the sockets still hold
 * drain at full speed (at the paced rate their several MB took more than 30 s on a slow machine).
 */
interface LinkPace {
  paced: boolean;
}

/** One answer of a platform query as it crossed the paced link: its declared size, what was delivered, how it ended. */
interface PacedAnswer {
  declared: number;
  delivered: number;
  /** complete; cut (the platform's side ended before the declared size); cancelled (the workstation stopped reading). */
  ended: 'complete' | 'cut' | 'cancelled' | null;
}

/**
 * The workstation's fetch over a slow link: the body of a platform query's answer is passed on at LINK_BYTES_PER_SECOND,
 * read from the platform's own response only as fast as it is passed on (so the rest waits in the sockets, and a cut on
 * the platform's side is seen once what they hold has drained); everything else goes as it is.
 */
function pacedLink(answers: PacedAnswer[], pace: LinkPace): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (!/^\/api\/v1\/projects\/[^/]+\/query$/.test(url.pathname) || response.body === null) return response;
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const answer: PacedAnswer = { declared: Number(response.headers.get('content-length')), delivered: 0, ended: null };
    answers.push(answer);
    const started = performance.now();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (err) {
          answer.ended = 'cut';
          controller.error(err);
          return;
        }
        if (chunk.done) {
          answer.ended = answer.delivered === answer.declared ? 'complete' : 'cut';
          controller.close();
          return;
        }
        const due = started + ((answer.delivered + chunk.value.byteLength) / LINK_BYTES_PER_SECOND) * 1000;
        if (pace.paced) await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
        answer.delivered += chunk.value.byteLength;
        controller.enqueue(chunk.value);
      },
      async cancel(reason) {
        answer.ended ??= 'cancelled';
        await reader.cancel(reason);
      },
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/** The events of the journey in the audit log (sign-ins, session and access-report events are tested elsewhere). */
const JOURNEY_EVENTS = new Set([
  'terms.published',
  'user.registered',
  'user.enrolment_code_issued',
  'training.recorded',
  'agreement.members_changed',
  'user.enrolled',
  'terms.accepted',
  'incident.opened',
  'query.run',
  'operation.aborted',
  'user.suspended',
  'user.unsuspended',
]);

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe('browser shell: from enrolment to the kill switch and back (issue 18)', () => {
  let app: BrowserApp;
  let admin: SecondWindow;
  let nadia: SessionPage;
  let dana: SessionPage;
  let code = '';
  const logins: LoginPage[] = [];
  const answers: PacedAnswer[] = [];
  const pace: LinkPace = { paced: true };
  /** The journey's start, for reading its part of the audit log. */
  const since = new Date().toISOString();

  /** The audit log from the journey's start, oldest first, as Dana's audit screen reads it (admin.audit, her shell). */
  async function auditLog(): Promise<AuditEventView[]> {
    const events: AuditEventView[] = [];
    let before: number | null = null;
    do {
      const answer = await invokeAsPage({ ...app, page: admin.page, shell: admin.shell }, 'admin.audit', {
        filter: { from: since, limit: 500, ...(before === null ? {} : { before }) },
      });
      expect(answer.body.ok, JSON.stringify(answer.body.error)).toBe(true);
      const page = answer.body.value as AuditPage;
      events.push(...page.events);
      before = page.older;
    } while (before !== null);
    return events.reverse();
  }

  beforeAll(async () => {
    app = await startBrowserApp(DEMO, { fetch: pacedLink(answers, pace) });
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

  it('suspended while the answer of her query streams: the stream is cut, and her window says her access is suspended', async () => {
    // Dana readies the action first: the confirmation is one click when Nadia's answer is under way.
    const incidents = new IncidentsPage(admin.page);
    await incidents.open();
    await incidents.openIncident(INCIDENT);
    await incidents.review({ kind: 'suspend_user', target: NADIA.username, reason: SUSPENSION_REASON });
    expect(await incidents.foreseen()).toMatch(/^Nadia Newton is suspended at once/);

    const ws = new WorkspacePage(app.page);
    await ws.open();
    await ws.usePlatform();
    await ws.setSql(STREAMING_SQL);
    await ws.platformTable.fill('every_trio');
    await ws.runPlatformButton.click();
    // The platform has answered and the rows are arriving: the stage and the bytes received say so.
    await app.page.getByTestId('platform-received').waitFor({ timeout: 120_000 });
    expect(await ws.status.innerText()).toMatch(/Fetching from the platform/);
    const answer = answers.at(-1)!;
    expect(answer.declared, 'the answer takes more than 20 s over the paced link').toBeGreaterThan(20 * LINK_BYTES_PER_SECOND);
    expect(answer.ended).toBeNull();
    await saveScreenshot(app.page, 'pj-04a-streaming');

    const lines = await incidents.confirm();

    expect(lines[0]).toMatch(/^Nadia Newton is suspended/);
    expect(lines.join(' ')).toMatch(/1 running operation was stopped/);
    // The platform cut the connection: the rest of the answer never came. What the sockets held still drains first,
    // at full speed now, and the declared size was never reached.
    pace.paced = false;
    await expect.poll(() => answer.ended, { timeout: 30_000 }).toBe('cut');
    expect(answer.delivered).toBeLessThan(answer.declared);
    pace.paced = true;
    const suspended = new SuspendedPage(app.page);
    await suspended.screen.waitFor({ timeout: 30_000 });
    expect(await suspended.heading.innerText()).toBe('Your access is suspended');
    await saveScreenshot(app.page, 'pj-04-suspended');
    await expectNoSeriousAccessibilityViolations(app.page, 'suspended while an answer streamed');
  }, 240_000);

  it('Dana’s access report lists the query that was stopped; she lifts the suspension with a reason', async () => {
    const incidents = new IncidentsPage(admin.page);
    const report = await incidents.accessReport('person', NADIA.username);
    expect(report.activities).toEqual(expect.arrayContaining(['sign_in', 'query', 'aborted']));
    await saveScreenshot(admin.page, 'pj-05-access-report');
    const lifted = await incidents.lift(NADIA.username, LIFT_REASON);
    expect(lifted[0]).toMatch(/^Nadia Newton is no longer suspended/);
  }, 90_000);

  it('Nadia signs in again and runs a platform query to its end; nothing of the cut answer became a table', async () => {
    logins.push(await nadia.signIn(app.context, NADIA));
    const catalogue = new CataloguePage(app.page);
    await catalogue.pickProject(PROJECT);
    await catalogue.openDataset('patients');
    const ws = new WorkspacePage(app.page);
    await ws.open();
    await ws.usePlatform();

    const outcome = await ws.runOnPlatform(AFTER_SQL, { table: 'people_count' });

    expect(outcome.error).toBe('');
    expect(outcome.status).toMatch(/^Created people_count \(1 row\) from the platform in /);
    expect(answers.at(-1)).toMatchObject({ ended: 'complete' });
    expect(await ws.tableNames()).toEqual(['people_count']);
    await saveScreenshot(app.page, 'pj-06-back');
  }, 180_000);

  it('the audit log holds the journey in order, each event with its actor, whom it concerns and its incident; the chain is intact', async () => {
    const events = (await auditLog()).filter((event) => JOURNEY_EVENTS.has(event.type));
    const dana = DANA.username;
    const nadiaId = NADIA.username;

    expect(events.map((event) => [event.type, event.actor, event.outcome])).toEqual([
      ['terms.published', dana, 'success'],
      ['user.registered', dana, 'success'],
      ['user.enrolment_code_issued', dana, 'success'],
      ['training.recorded', dana, 'success'],
      ['agreement.members_changed', dana, 'success'],
      ['user.enrolled', nadiaId, 'success'],
      ['terms.accepted', nadiaId, 'success'],
      ['incident.opened', dana, 'success'],
      ['query.run', nadiaId, 'success'],
      ['operation.aborted', nadiaId, 'failure'],
      ['user.suspended', dana, 'success'],
      ['user.unsuspended', dana, 'success'],
      ['query.run', nadiaId, 'success'],
    ]);
    const [published, registered, issued, trained, members, enrolled, accepted, opened, streamed, aborted, suspended, unsuspended, after] =
      events.map((event) => event.details);
    expect(published).toMatchObject({ audience: 'analyst', version: 1, requiresAcceptance: true });
    expect(registered).toMatchObject({ userId: nadiaId, roles: ['analyst'], status: 'invited' });
    expect(issued).toMatchObject({ userId: nadiaId });
    expect(trained).toMatchObject({ userId: nadiaId, course: 'Safe Researcher Training', evidence: 'SRT-2026-0042' });
    expect(members).toMatchObject({
      projectId: PROJECT,
      version: 2,
      new: expect.arrayContaining([expect.objectContaining({ userId: nadiaId })]),
    });
    expect(members?.old).not.toEqual(expect.arrayContaining([expect.objectContaining({ userId: nadiaId })]));
    expect(enrolled).toMatchObject({ userId: nadiaId, old: 'invited', new: 'active' });
    // The acceptance names the exact text shown: the hash of the version published.
    expect(accepted).toMatchObject({ audience: 'analyst', version: 1, sha256: published?.sha256 });
    const incidentId = opened?.incidentId;
    expect(opened).toMatchObject({ summary: INCIDENT.summary, severity: 'high', personalData: true });
    expect(incidentId).toEqual(expect.any(String));
    expect(streamed).toMatchObject({ projectId: PROJECT, sql: STREAMING_SQL });
    expect(aborted).toMatchObject({ operation: 'query', projectId: PROJECT, incidentId, because: 'user_suspended' });
    expect(suspended).toMatchObject({
      userId: nadiaId,
      incidentId,
      reason: SUSPENSION_REASON,
      old: 'active',
      new: 'suspended',
      operationsAborted: 1,
    });
    expect(aborted?.restrictionId).toBe(suspended?.restrictionId);
    expect(unsuspended).toMatchObject({ userId: nadiaId, incidentId, restrictionId: suspended?.restrictionId, reason: LIFT_REASON });
    expect(unsuspended).toMatchObject({ old: 'suspended', new: 'active' });
    expect(after).toMatchObject({ projectId: PROJECT, sql: AFTER_SQL, rows: 1 });

    const verified = await verifyCli(['--data-dir', app.dataDir]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/^intact/);
  }, 120_000);
});
