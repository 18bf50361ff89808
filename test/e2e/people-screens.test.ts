// Issue 18's people, terms of use and training screens, in Chromium through the browser shell at 1366×768: Dana (admin)
// finds People, Terms and Training beside the other administration screens; registers a person and reads the one-time
// enrolment code once; opens their page by keyboard and reads its history; grants a role (at once, while she is the only
// administrator); records the training the new administrator needs; approves a grant of admin that a second
// administrator asked for, while her own waits for someone else; sees a refusal in the platform's words; disables and
// enables someone; publishes two versions of the analysts' terms (not everyone's, which would lock her out until she
// accepted them) and reads the older one with its sha256; changes a role's courses; and the kill switch's banner still
// stands over these screens. axe checks each. Screenshots in test-results/e2e/pp-*.png. SATRE 2.2.x (user management).
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mintAccessToken } from '../integration/platform/fixture.ts';
import { AdminPage } from './pages/admin-page.ts';
import { PeoplePage, TermsPage, TrainingPage } from './pages/people-page.ts';
import { DANA, SessionPage, type LoginPage } from './pages/session-page.ts';
import { saveScreenshot } from './support/artifacts.ts';
import { expectNoSeriousAccessibilityViolations } from './support/axe.ts';
import { startBrowserApp, type BrowserApp } from './support/browser-app.ts';

const DEMO = { scale: 10_000, seed: 1 };
const SMALL_SCREEN = { width: 1366, height: 768 };
const DAY_MS = 86_400_000;
const day = (offsetDays: number): string => new Date(Date.now() + offsetDays * DAY_MS).toISOString().slice(0, 10);

const TERMS_V1 = '# Terms for analysts\n\n1. Use the data only for your project’s purpose.\n2. Never try to identify anybody.\n';
const TERMS_V2 = `${TERMS_V1}3. Report anything that looks like a breach to your administrator at once.\n`;

describe('browser shell: the administrators’ people, terms and training (issue 18)', () => {
  let app: BrowserApp;
  let session: SessionPage;
  let admin: AdminPage;
  let people: PeoplePage;
  let terms: TermsPage;
  let training: TrainingPage;
  let login: LoginPage | null = null;

  /** An administrator's POST to the platform (a token signed by its key, as the integration tests mint). */
  async function asPlatform(sub: string, call: { path: string; body: unknown }): Promise<unknown> {
    const { path, body } = call;
    const token = await mintAccessToken({ dataDir: app.dataDir, sub, issuer: `${app.platform.url}/oidc` });
    const response = await fetch(`${app.platform.url}/api/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`POST ${path} as ${sub}: ${response.status} ${await response.text()}`);
    return response.json();
  }

  beforeAll(async () => {
    app = await startBrowserApp(DEMO);
    await app.page.setViewportSize(SMALL_SCREEN);
    session = new SessionPage(app.page, app.problems);
    admin = new AdminPage(app.page);
    people = new PeoplePage(app.page);
    terms = new TermsPage(app.page);
    training = new TrainingPage(app.page);
    await app.page.goto(app.shell.launchUrl);
    await session.waitForSignInScreen();
  }, 120_000);

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail')
      await saveScreenshot(app.page, `pp-failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
    await login?.page.close();
    login = null;
    app.problems.assertNone(`during "${context.task.name}"`);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('offers People, Terms and Training, and lists everybody with where they stand, in words', async () => {
    login = await session.signIn(app.context, DANA);
    await session.keychainNotice.getByRole('button', { name: 'Dismiss' }).click();
    expect(await admin.adminNavLabels()).toEqual(['Agreements', 'Audit log', 'Incidents', 'Oversight', 'People', 'Terms', 'Training']);

    await people.open();
    expect(app.page.url()).toMatch(/#\/admin\/people$/);
    expect(await people.rows()).toEqual(
      expect.arrayContaining([
        { id: 'demo-analyst', name: 'Ada Analyst', roles: 'Analyst', status: 'Active', terms: 'None apply', training: 'Valid' },
        { id: 'demo-admin', name: 'Dana Admin', roles: 'Administrator', status: 'Active', terms: 'None apply', training: 'Valid' },
      ]),
    );
    expect((await people.rows()).map((row) => row.id).sort()).toEqual([
      'demo-admin',
      'demo-analyst',
      'demo-analyst-2',
      'demo-checker-1',
      'demo-checker-2',
    ]);
    expect(await people.row('demo-admin').innerText()).toContain('(you)');
    expect(await app.page.getByTestId('people-counts').innerText()).toBe('5 people: 5 active.');
    await saveScreenshot(app.page, 'pp-00-people');
    await expectNoSeriousAccessibilityViolations(app.page, 'people');
  }, 120_000);

  it('registers a person and shows the enrolment code once, copyable, with how to send it and until when', async () => {
    await people.register({
      id: 'new-analyst',
      name: 'Nia Newcomer',
      email: 'nia@example.org',
      organisation: 'University of Somewhere',
      roles: ['analyst'],
      verification: 'Passport seen in person',
      accreditation: 'ONS Accredited Researcher 2024-1234',
    });

    const shown = people.enrolmentCode;
    expect(await shown.getByText('Enrolment code for Nia Newcomer: shown once').count()).toBe(1);
    const code = await shown.getByTestId('enrolment-code-value').inputValue();
    expect(code).toMatch(/^[A-HJ-NP-Z2-9]{5}(-[A-HJ-NP-Z2-9]{5}){3}$/);
    expect(await shown.innerText()).toContain('This is the only time it is shown');
    expect(await shown.innerText()).toContain('out of band');
    const expiry = await shown.getByTestId('enrolment-code-expiry').locator('time').getAttribute('datetime');
    expect(Math.round((Date.parse(expiry ?? '') - Date.now()) / DAY_MS)).toBe(7);
    expect(await app.page.evaluate('document.activeElement?.dataset.testid')).toBe('enrolment-code');
    await shown.getByTestId('enrolment-code-copy').click();
    await expect.poll(() => shown.getByTestId('enrolment-code-copied').innerText()).not.toBe('');
    expect(await people.rowOf('new-analyst')).toEqual({
      id: 'new-analyst',
      name: 'Nia Newcomer',
      roles: 'Analyst',
      status: 'Invited',
      terms: 'None apply',
      training: 'Lapsed or missing',
    });
    await saveScreenshot(app.page, 'pp-01-registered-code-once');
    await expectNoSeriousAccessibilityViolations(app.page, 'people, enrolment code shown');

    // Once hidden, it is gone: nobody can show it again (a new one can be issued from their page).
    await shown.getByTestId('enrolment-code-done').click();
    expect(await people.enrolmentCode.count()).toBe(0);
    expect(await app.page.getByText(code).count()).toBe(0);
  }, 60_000);

  it("opens a person's page by keyboard: their record and history, newest first, in words", async () => {
    await people.openPerson('new-analyst');

    expect(app.page.url()).toMatch(/#\/admin\/people\/new-analyst$/);
    expect(await app.page.evaluate('document.activeElement?.dataset.testid')).toBe('person-name');
    expect(await app.page.getByTestId('person-status').innerText()).toMatch(/^Invited/);
    expect(await app.page.getByTestId('person-identity').innerText()).toBe('Not bound yet: they enrol with their code');
    expect(await app.page.getByTestId('person-record').innerText()).toContain('Passport seen in person, by demo-admin');
    expect(await people.history()).toEqual([
      { what: 'Enrolment code issued', actor: 'demo-admin', details: expect.stringMatching(/^Valid until /) as unknown },
      {
        what: 'Registered',
        actor: 'demo-admin',
        details:
          'Roles: Analyst. Identity checked: Passport seen in person. Accreditation: ONS Accredited Researcher 2024-1234. Invited: an enrolment code was issued.',
      },
    ]);
    // Someone invited can be given a new code (the old one stops working), or bound directly.
    expect(await app.page.getByTestId('person-change-bind').count()).toBe(1);
    await app.page.getByTestId('issue-enrolment-code').click();
    expect(await people.enrolmentCode.getByTestId('enrolment-code-value').inputValue()).toMatch(/^[A-Z2-9-]{23}$/);
    await saveScreenshot(app.page, 'pp-02-person-invited');
    await expectNoSeriousAccessibilityViolations(app.page, 'person');
    await people.backToList();
  }, 60_000);

  it('grants a role at once while Dana is the only administrator, and says so in the platform’s words', async () => {
    await people.openPerson('demo-analyst-2');
    await people.change({ kind: 'grant', role: 'admin', reason: 'Ben covers administration while Dana is away.' });

    expect(await people.changeAnswer.innerText()).toContain('Ben Analyst now holds the Administrator role.');
    expect(await app.page.getByTestId('person-roles').innerText()).toBe('Administrator, Analyst');
    expect((await people.history())[0]).toEqual({
      what: 'Role granted',
      actor: 'demo-admin',
      details: 'Administrator (roles now: Administrator, Analyst). Reason: Ben covers administration while Dana is away.',
    });
    await saveScreenshot(app.page, 'pp-03-role-granted');
    await people.backToList();
  }, 60_000);

  it('records the training the new administrator needs, and changes the courses a role needs', async () => {
    await training.open();
    expect(await training.stateOf('demo-analyst-2', 'admin', 'Information Governance Training')).toBe('Missing');
    expect(await training.stateOf('demo-analyst', 'analyst', 'Safe Researcher Training')).toBe('Valid');

    await training.record({
      userId: 'demo-analyst-2',
      course: 'Information Governance Training',
      completed: day(-1),
      expires: day(20),
      evidence: 'Certificate IGT-0042',
    });
    expect(await app.page.getByTestId('training-recorded').innerText()).toContain(
      'Recorded: Ben Analyst completed Information Governance Training',
    );
    expect(await training.stateOf('demo-analyst-2', 'admin', 'Information Governance Training')).toBe('Expires within 30 days');

    await training.setCourses('output_checker', ['Output Checking Training', 'Statistical disclosure control refresher']);
    expect(await app.page.getByTestId('role-courses-output_checker-news').innerText()).toBe(
      'Saved: Output Checking Training, Statistical disclosure control refresher.',
    );
    expect(await training.stateOf('demo-checker-1', 'output_checker', 'Statistical disclosure control refresher')).toBe('Missing');
    // Those that need attention come first.
    expect((await training.rows())[0].state).toBe('Missing');
    await saveScreenshot(app.page, 'pp-04-training');
    await expectNoSeriousAccessibilityViolations(app.page, 'training');
  }, 60_000);

  it('approves a grant of admin another administrator asked for; her own waits for someone else', async () => {
    // Ben, now an administrator with his training recorded, asks to make Chidi one: with two administrators, it waits.
    const asked = (await asPlatform('demo-analyst-2', {
      path: '/admin/users/demo-checker-2/grant',
      body: {
        role: 'admin',
        reason: 'Chidi joins the administrators’ rota.',
      },
    })) as { pending: { status: string } | null };
    expect(asked.pending?.status).toBe('pending');

    // Dana asks to make Chloe one: that waits too, and is not hers to decide.
    await people.open();
    await people.openPerson('demo-checker-1');
    await people.change({ kind: 'grant', role: 'admin', reason: 'Chloe covers the night shift.' });
    expect(await people.changeAnswer.innerText()).toContain(
      'Granting Administrator to Chloe Checker waits for another administrator to approve it.',
    );
    expect(await people.personPage.getByTestId('pending-change-yours').innerText()).toBe(
      'You asked for this: another administrator approves or refuses it.',
    );
    await people.backToList();
    await people.readAgain();

    const chidi = people.pendingChange(/Chidi Checker/);
    expect(await chidi.getByTestId('pending-change-text').innerText()).toMatch(
      /Grant Administrator to Chidi Checker \(demo-checker-2\), asked by Ben Analyst on /,
    );
    expect(
      await people
        .pendingChange(/Chloe Checker/)
        .getByTestId('pending-approve')
        .count(),
    ).toBe(0);
    await people.startDecision(chidi, true);
    await saveScreenshot(app.page, 'pp-05-pending-approve');
    await expectNoSeriousAccessibilityViolations(app.page, 'people, approving');
    await people.confirmDecision(chidi, 'Agreed at the team meeting.');

    await expect
      .poll(() => app.page.getByTestId('pending-decision').innerText())
      .toContain('Chidi Checker now holds the Administrator role');
    expect((await people.rowOf('demo-checker-2')).roles).toBe('Administrator, Output checker');
    expect(await people.pendingChange(/Chidi Checker/).count()).toBe(0);
    expect(await people.pendingChange(/Chloe Checker/).count()).toBe(1);
  }, 90_000);

  it("shows the platform's refusal in its own words, and disables and enables someone with a reason", async () => {
    await people.openPerson('demo-analyst');
    await people.change({ kind: 'revoke', role: 'analyst', reason: 'Trying to remove the only role.' });
    expect(await people.changeError.innerText()).toContain("This is Ada Analyst's only role: disable them instead, if they have left.");

    await people.change({ kind: 'disable', reason: 'Ada has left the organisation.' });
    expect(await people.changeAnswer.innerText()).toContain(
      'Ada Analyst is disabled: every sign-in has ended and every route refuses them. Their history stays readable.',
    );
    expect(await app.page.getByTestId('person-status').innerText()).toMatch(/^Disabled/);
    expect(await app.page.getByTestId('person-change-enable').count()).toBe(1);
    await saveScreenshot(app.page, 'pp-06-disabled');

    await people.change({ kind: 'enable', reason: 'Ada has come back on a new contract.' });
    expect(await people.changeAnswer.innerText()).toContain('Ada Analyst is active again and can sign in.');
    expect((await people.history()).slice(0, 2).map((row) => row.what)).toEqual(['Enabled', 'Disabled']);
    await people.backToList();
    expect((await people.rowOf('demo-analyst')).status).toBe('Active');

    // Dana's own page: nobody changes their own roles or status.
    await people.openPerson('demo-admin');
    expect(await app.page.getByTestId('person-is-me').innerText()).toContain('Nobody changes their own roles or status');
    expect(await app.page.getByTestId('person-change-form').count()).toBe(0);
    await people.backToList();
  }, 90_000);

  it("publishes the analysts' terms twice; every version stays readable, newest first, with its sha256", async () => {
    await terms.open();
    expect(await app.page.getByTestId('terms-none').innerText()).toContain('No terms of use have been published');
    await expectNoSeriousAccessibilityViolations(app.page, 'terms, none');

    await terms.publish({ audience: 'analyst', text: TERMS_V1, summary: 'First terms for analysts.', requiresAcceptance: true });
    expect(await app.page.getByTestId('terms-published').innerText()).toContain('Published: Analyst terms, version 1');
    await terms.publish({ audience: 'analyst', text: TERMS_V2, summary: 'Added: report breaches at once.', requiresAcceptance: true });

    expect(await terms.versions('analyst')).toEqual([
      [2, 'In force'],
      [1, 'Replaced'],
    ]);
    const older = terms.version('analyst', 1);
    expect(await older.getByTestId('terms-version-sha').innerText()).toBe(createHash('sha256').update(TERMS_V1, 'utf8').digest('hex'));
    expect(await terms.version('analyst', 2).getByTestId('terms-version-sha').innerText()).toBe(
      createHash('sha256').update(TERMS_V2, 'utf8').digest('hex'),
    );
    expect(await older.getByTestId('terms-version-text').isVisible()).toBe(false);
    await older.getByTestId('terms-version-read').locator('summary').click();
    expect(await older.getByTestId('terms-version-text').textContent()).toBe(TERMS_V1);
    await saveScreenshot(app.page, 'pp-07-terms');
    await expectNoSeriousAccessibilityViolations(app.page, 'terms');

    // Publishing everyone's terms would stop everybody, Dana included, until accepted: the form says so first.
    await app.page.getByTestId('terms-audience').selectOption('everyone');
    expect(await app.page.getByTestId('terms-everyone-warning').innerText()).toContain('you included');

    // The analysts have not accepted them yet; Dana (no analyst) still works.
    await people.open();
    expect((await people.rowOf('demo-analyst')).terms).toBe('Not accepted yet');
    expect((await people.rowOf('demo-admin')).terms).toBe('None apply');
  }, 90_000);

  it('keeps the kill switch’s banner over these screens while anything is in force', async () => {
    const incident = (await asPlatform('demo-admin', {
      path: '/admin/incidents',
      body: {
        summary: 'Lost laptop reported by a checker',
        severity: 'medium',
        detectedAt: new Date().toISOString(),
        personalData: false,
      },
    })) as { id: string };
    await asPlatform('demo-admin', {
      path: '/admin/actions',
      body: {
        action: 'suspend_user',
        userId: 'demo-checker-1',
        incidentId: incident.id,
        reason: 'Until the laptop is found.',
      },
    });

    for (const open of [() => training.open(), () => terms.open(), () => people.open()]) {
      await open();
      await expect.poll(() => app.page.getByTestId('restrictions-banner').count()).toBe(1);
    }
    expect(await app.page.getByTestId('restrictions-banner').innerText()).toContain('1 person suspended');
    expect((await people.rowOf('demo-checker-1')).status).toBe('Suspended');
    await saveScreenshot(app.page, 'pp-08-people-banner');
    await expectNoSeriousAccessibilityViolations(app.page, 'people, kill switch in force');
  }, 60_000);
});
