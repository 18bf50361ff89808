// Issue 18's terms of use and training in the person's window, in Chromium through the browser shell: an administrator
// publishes terms for analysts through the platform's API; Ada (analyst) signs in and the terms come before anything
// else (rendered from their Markdown, raw HTML shown as text), reachable by keyboard; she declines once (signed out),
// signs in again, accepts and works. New terms published while she works cover the window at her next call, with her
// work kept underneath; her training, expiring soon, is a dismissible notice, and a call refused for a course she lacks
// shows the platform's words. Then someone signed in at an external identity provider whom the platform does not know
// yet enters their enrolment code (the provider and platform are the session tests' stand-ins: the embedded provider
// has its own enrolment page). axe checks each screen. Screenshots in test-results/e2e/terms-*.png and enrol-*.png.
// SATRE 1.5.01 (identity checked before access: the one-time enrolment code), 1.5.02 (onboarding: each role signs its
// terms of use, and confirms its training, before access).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/common/contract.ts';
import { startBrowserShell, type BrowserShell } from '../../src/web/browser-shell.ts';
import { createWorkstationCore, type WorkstationCore } from '../../src/workstation/core.ts';
import { mintAccessToken } from '../integration/platform/fixture.ts';
import {
  browserGet,
  callbackFor,
  createFakeIdp,
  fakeDiscover,
  fakePlatformFetch,
  type FakePlatformFetch,
} from '../unit/workstation/fake-idp.ts';
import { CataloguePage } from './pages/catalogue-page.ts';
import { ADA, EnrolmentPage, SessionPage, TermsPage, TrainingNoticesPage, type LoginPage } from './pages/session-page.ts';
import { saveScreenshot } from './support/artifacts.ts';
import { expectNoSeriousAccessibilityViolations } from './support/axe.ts';
import { launchChromium, newWatchedPage, startBrowserApp, type BrowserApp } from './support/browser-app.ts';
import type { PageProblems } from './support/page-problems.ts';
import { RENDERER_DIR } from './support/paths.ts';

const DEMO = { scale: 10_000, seed: 1 };
const PROJECT = 'covid-outcomes';
const OTHER_PROJECT = 'cardio-admissions';

const ANALYST_TERMS = [
  '# Terms of use for analysts',
  '',
  'By using this Trusted Research Environment you agree to:',
  '',
  '1. **Keep every row inside** the environment: only outputs that passed disclosure control leave it.',
  '2. Never try to *re-identify* anyone, or link the data with other sources.',
  '3. Report a suspected breach to the service desk at once.',
  '',
  '## Monitoring',
  '',
  'Everything you run is recorded in the audit log. Read the [data access policy](https://tre.example/policy).',
  '',
  '<b>Raw HTML is shown as text</b>',
].join('\n');

/** The day `days` from today (YYYY-MM-DD), as the platform judges training. */
function dayFromToday(days: number): string {
  const date = new Date();
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

describe('browser shell: terms of use and training (issue 18)', () => {
  let app: BrowserApp;
  let ada: SessionPage;
  let terms: TermsPage;
  let training: TrainingNoticesPage;
  let catalogue: CataloguePage;
  const logins: LoginPage[] = [];

  /** What the administrator does through the platform's API (a token the platform's key signs, as demo-admin). */
  async function asAdmin(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const token = await mintAccessToken({ dataDir: app.dataDir, sub: 'demo-admin', issuer: `${app.platform.url}/oidc` });
    const response = await fetch(`${app.platform.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.json();
  }

  /** Ada signs in at the identity provider's page; the window then shows the terms (the header is under them). */
  async function signInToTerms(version: number): Promise<void> {
    const login = await ada.openLoginPage(app.context, ada.signInButton);
    logins.push(login);
    await login.fill(ADA);
    await terms.waitFor('analyst', version);
  }

  beforeAll(async () => {
    app = await startBrowserApp(DEMO);
    ada = new SessionPage(app.page, app.problems);
    terms = new TermsPage(app.page);
    training = new TrainingNoticesPage(app.page);
    catalogue = new CataloguePage(app.page);
    await app.page.goto(app.shell.launchUrl);
    await ada.waitForSignInScreen();
    // Nothing for everyone is in force, so the administrator need accept nothing before publishing.
    expect(await asAdmin('GET', '/terms')).toEqual([]);
    await asAdmin('POST', '/admin/terms', {
      audience: 'analyst',
      text: ANALYST_TERMS,
      summary: 'First terms of use for analysts.',
      requiresAcceptance: true,
    });
  }, 120_000);

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail')
      await saveScreenshot(app.page, `terms-failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
    for (const login of logins.splice(0)) await login.page.close();
    app.problems.assertNone(`during "${context.task.name}"`);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('shows the analysts’ terms before anything else: version, date, what changed, and the text from its Markdown', async () => {
    await signInToTerms(1);

    expect(await terms.version.innerText()).toBe('1');
    expect(await terms.summary.innerText()).toBe('First terms of use for analysts.');
    expect(await terms.effective.innerText()).toMatch(/^\d{1,2} [A-Z][a-z]+ \d{4}$/);
    expect(await terms.text.locator('h4').innerText()).toBe('Terms of use for analysts');
    expect(await terms.text.locator('h5').innerText()).toBe('Monitoring');
    expect(await terms.text.locator('ol > li').count()).toBe(3);
    expect(await terms.text.locator('strong').first().innerText()).toBe('Keep every row inside');
    // Raw HTML is text; a link shows its address and goes nowhere.
    expect(await terms.text.locator('b, a, script').count()).toBe(0);
    expect(await terms.text.innerText()).toContain('<b>Raw HTML is shown as text</b>');
    expect(await terms.text.innerText()).toContain('data access policy (https://tre.example/policy)');
    // Nothing of the workspace is reachable meanwhile: the shell is hidden and inert under the terms.
    expect(await ada.appShell.getAttribute('hidden')).not.toBeNull();
    expect(await ada.workspace.count()).toBe(0);
    await saveScreenshot(app.page, 'terms-01-screen');
    await expectNoSeriousAccessibilityViolations(app.page, 'terms of use screen');
  }, 120_000);

  it('is reachable by keyboard: the reader starts at the heading, then the text (scrollable), Accept, Decline', async () => {
    expect(await terms.focused()).toBe('terms-heading');

    await app.page.keyboard.press('Tab');
    expect(await terms.focused()).toBe('terms-text-region');
    await app.page.keyboard.press('Tab');
    expect(await terms.focused()).toBe('accept-terms');
    await app.page.keyboard.press('Tab');
    expect(await terms.focused()).toBe('decline-terms');
    expect(await terms.textRegion.getAttribute('aria-label')).toBe('Terms of use for analysts, version 1');
  });

  it('declining signs her out, and the platform records the refusal', async () => {
    await terms.declineButton.click();

    await ada.waitForSignInScreen();
    expect(await terms.screen.count()).toBe(0);
    expect(await app.page.getByTestId('session-info').innerText()).toContain('You declined the terms of use, so Enclave signed you out.');
    const audit = (await asAdmin('GET', '/admin/audit?type=terms.declined')) as { events: Array<{ actor: string; details: unknown }> };
    expect(audit.events).toEqual([expect.objectContaining({ actor: 'demo-analyst', details: { audience: 'analyst', version: 1 } })]);
    await saveScreenshot(app.page, 'terms-02-declined');
  }, 60_000);

  it('signing in again shows them again; accepting opens her work, and she works', async () => {
    await signInToTerms(1);
    expect(await terms.focused()).toBe('terms-heading');

    await terms.acceptButton.click();

    await expect.poll(() => ada.signedInAs(), { timeout: 30_000 }).toBe(ADA.displayName);
    expect(await terms.screen.count()).toBe(0);
    await ada.keychainNotice.getByRole('button', { name: 'Dismiss' }).click();
    await catalogue.pickProject(PROJECT);
    expect((await catalogue.datasetIds()).length).toBeGreaterThan(0);
    const mine = (await asAdmin('GET', '/admin/audit?type=terms.accepted')) as { events: Array<{ actor: string; details: unknown }> };
    expect(mine.events).toEqual([
      expect.objectContaining({ actor: 'demo-analyst', details: expect.objectContaining({ audience: 'analyst', version: 1 }) }),
    ]);
    await saveScreenshot(app.page, 'terms-03-working');
  }, 120_000);

  it('new terms published while she works cover the window at her next call; accepting them returns her to her work', async () => {
    // Her training is on record, expiring soon; then analysts need it. A second course is not required yet.
    await asAdmin('POST', '/admin/training', {
      userId: 'demo-analyst',
      course: 'Safe Researcher',
      completed: dayFromToday(-700),
      expires: dayFromToday(10),
      evidence: 'Certificate SR-2024-0042',
    });
    await asAdmin('POST', '/admin/training/requirements', { role: 'analyst', courses: ['Safe Researcher'] });
    await asAdmin('POST', '/admin/terms', {
      audience: 'analyst',
      text: `${ANALYST_TERMS}\n\n## Incidents\n\nReport a suspected breach within 24 hours.`,
      summary: 'Breaches are reported within 24 hours.',
      requiresAcceptance: true,
    });

    await catalogue.project(OTHER_PROJECT).click();
    await terms.waitFor('analyst', 2);

    expect(await terms.summary.innerText()).toBe('Breaches are reported within 24 hours.');
    expect(await app.page.getByTestId('terms-facts').innerText()).toContain('You accepted');
    expect(await ada.appShell.getAttribute('hidden')).not.toBeNull();
    // Her work is still there, underneath.
    expect(await ada.workspace.count()).toBe(1);
    await saveScreenshot(app.page, 'terms-04-new-version');
    await expectNoSeriousAccessibilityViolations(app.page, 'terms of use screen, a new version');

    await terms.acceptButton.click();
    await expect.poll(() => ada.signedInAs(), { timeout: 30_000 }).toBe(ADA.displayName);
    await catalogue.pickProject(OTHER_PROJECT);
    expect((await catalogue.datasetIds()).length).toBeGreaterThan(0);
  }, 120_000);

  it('warns of training that expires soon, naming the course and the day, until dismissed', async () => {
    await expect.poll(() => training.warnings.count(), { timeout: 30_000 }).toBe(1);

    const warning = await training.warnings.innerText();
    expect(warning).toContain('Your “Safe Researcher” training expires on');
    expect(warning).toContain('the analyst role');
    await saveScreenshot(app.page, 'terms-05-training-warning');
    await expectNoSeriousAccessibilityViolations(app.page, 'workspace with a training notice');

    await training.warnings.getByRole('button', { name: 'Dismiss the notice about “Safe Researcher”' }).click();
    expect(await training.warnings.count()).toBe(0);
  }, 60_000);

  it('a call refused for a course she lacks shows the platform’s words, naming the course', async () => {
    await asAdmin('POST', '/admin/training/requirements', { role: 'analyst', courses: ['Safe Researcher', 'Data Protection Awareness'] });

    await catalogue.project(PROJECT).click();

    await training.refusal.waitFor({ timeout: 30_000 });
    expect(await training.refusal.innerText()).toContain('Data Protection Awareness');
    await expect
      .poll(() => training.warnings.allInnerTexts())
      .toEqual([expect.stringContaining('No “Data Protection Awareness” training is on record for you')]);
    await saveScreenshot(app.page, 'terms-06-training-refused');
    await expectNoSeriousAccessibilityViolations(app.page, 'workspace with a training refusal');
    await app.page.getByTestId('dismiss-training-refusal').click();
    expect(await training.refusal.count()).toBe(0);
  }, 60_000);
});

describe('browser shell: enrolment with an external identity provider (issue 18)', () => {
  const EVE: User = { id: 'eve-newcomer', displayName: 'Eve Newcomer', role: 'analyst', roles: ['analyst'] };
  const CODE = 'ABCDE-23456-FGHJK-7MNPQ';
  let home: string;
  let platform: FakePlatformFetch;
  let core: WorkstationCore;
  let shell: BrowserShell;
  let browser: Browser;
  let page: Page;
  let problems: PageProblems;
  let enrolment: EnrolmentPage;
  let session: SessionPage;

  /** The person signs in at their organisation's provider (played: the browser's redirect to the loopback listener). */
  async function signInAsNewcomer(): Promise<void> {
    const { authorizationUrl } = await core.handlers['session.signIn']({});
    const page = await browserGet(callbackFor(authorizationUrl));
    expect(page.body).toContain('Enter your enrolment code in Enclave');
  }

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'enclave-e2e-enrol-'));
    const idp = createFakeIdp();
    idp.nextUser = 'ext-7f3a9c';
    platform = fakePlatformFetch(idp);
    platform.enrolmentCodes.set(CODE.replaceAll('-', ''), EVE);
    core = createWorkstationCore({
      platformUrl: 'http://platform.test',
      fetch: platform.fetch,
      discover: fakeDiscover(idp),
      tokenStore: 'memory',
      workspaces: { root: join(home, 'workspaces') },
      log: (message, detail) => console.error(`[workstation] ${message}`, detail ?? ''),
    });
    shell = await startBrowserShell({ core, rendererDir: RENDERER_DIR, launchPageDir: join(home, 'launch') });
    browser = await launchChromium();
    ({ page, problems } = await newWatchedPage(browser));
    enrolment = new EnrolmentPage(page);
    session = new SessionPage(page, problems);
    await page.goto(shell.launchUrl);
    await session.waitForSignInScreen();
  }, 120_000);

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail')
      await saveScreenshot(page, `enrol-failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`);
    problems.assertNone(`during "${context.task.name}"`);
  });

  afterAll(async () => {
    await browser?.close();
    await shell?.close();
    core?.close();
    await core?.closed();
    if (home) await rm(home, { recursive: true, force: true });
  });

  it('asks for the enrolment code instead of failing, with the platform’s words, and takes the reader there', async () => {
    await signInAsNewcomer();

    await enrolment.screen.waitFor();
    expect(await page.getByTestId('enrolment-message').innerText()).toContain('does not know you yet');
    expect(await new TermsPage(page).focused()).toBe('enrolment-heading');
    await saveScreenshot(page, 'enrol-01-screen');
    await expectNoSeriousAccessibilityViolations(page, 'enrolment screen');
  }, 60_000);

  it('says what is wrong with a mistyped code before sending it, and the platform’s refusal of a wrong one', async () => {
    await enrolment.enter('ABCDE-23456');

    expect(await enrolment.problem.innerText()).toContain('20 letters and digits');
    expect(await enrolment.code.getAttribute('aria-invalid')).toBe('true');
    expect(await new TermsPage(page).focused()).toBe('enrolment-code');
    expect(platform.enrolled.size).toBe(0);

    await enrolment.enter('zzzzz-zzzzz-zzzzz-zzzzz');

    await expect.poll(() => enrolment.refusal.innerText()).toContain('This enrolment code is not valid');
    expect(await enrolment.problem.count()).toBe(0);
    await saveScreenshot(page, 'enrol-02-refused');
    await expectNoSeriousAccessibilityViolations(page, 'enrolment screen with a refusal');
  }, 60_000);

  it('a good code, in lower case, signs the person in and opens their work', async () => {
    await enrolment.enter(CODE.toLowerCase());

    await expect.poll(() => session.signedInAs(), { timeout: 30_000 }).toBe(EVE.displayName);
    await session.workspace.waitFor();
    expect(platform.enrolled.get('ext-7f3a9c')).toEqual(EVE);
  }, 60_000);

  it('signing out from the enrolment screen forgets the sign-in', async () => {
    await session.signOut();
    platform.enrolled.clear();
    await signInAsNewcomer();
    await enrolment.screen.waitFor();

    await enrolment.signOutButton.click();

    await session.waitForSignInScreen();
    expect(await core.handlers['session.get']({})).toMatchObject({ state: 'signed_out', user: null });
  }, 60_000);
});
