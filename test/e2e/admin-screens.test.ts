// The administrators' screens in Chromium through the browser shell, at 1366×768 (issue 15): an admin signs in, finds
// Agreements and Audit log beside the role's screens, reads every agreement (standing, members, who may see what),
// sees an edit with a mistake refused with its file, line and field while the version before stays in force, reads
// the audit log and filters it by type, user, project and time. Then the agreement as members read it, from the
// catalogue: the admin's own project, and an analyst's, who is offered no administration screen and is refused one
// reached by its address. Screenshots in test-results/e2e/2x-*.png.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdminPage } from './pages/admin-page.ts';
import { CataloguePage } from './pages/catalogue-page.ts';
import { ADA, DANA, SessionPage, type LoginPage } from './pages/session-page.ts';
import { saveScreenshot } from './support/artifacts.ts';
import { expectNoSeriousAccessibilityViolations } from './support/axe.ts';
import { startBrowserApp, type BrowserApp } from './support/browser-app.ts';
import { invokeAsPage } from './support/shell-api.ts';

const DEMO = { scale: 10_000, seed: 1 };
/** The smallest screen the users work on. */
const SMALL_SCREEN = { width: 1366, height: 768 };

/** A moment as a datetime-local input takes it, in this computer's time (the browser's too). */
function localInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

describe('browser shell: the administrators’ agreements and audit log', () => {
  let app: BrowserApp;
  let session: SessionPage;
  let catalogue: CataloguePage;
  let admin: AdminPage;
  let login: LoginPage | null = null;

  beforeAll(async () => {
    app = await startBrowserApp(DEMO);
    await app.page.setViewportSize(SMALL_SCREEN);
    session = new SessionPage(app.page, app.problems);
    catalogue = new CataloguePage(app.page);
    admin = new AdminPage(app.page);
    await app.page.goto(app.shell.launchUrl);
    await session.waitForSignInScreen();
  });

  afterEach(async (context) => {
    await login?.page.close();
    login = null;
    app.problems.assertNone(`during "${context.task.name}"`);
  });

  afterAll(async () => {
    await app?.close();
  });

  it("offers an admin the administration screens beside the role's own", async () => {
    login = await session.signIn(app.context, DANA);
    await session.keychainNotice.getByRole('button', { name: 'Dismiss' }).click();

    expect(await session.navLabels()).toEqual(['Catalogue', 'Drive', 'Outputs', 'Output checking']);
    expect(await admin.adminNavLabels()).toEqual(['Agreements', 'Audit log', 'Incidents', 'Oversight', 'People', 'Terms', 'Training']);
  }, 90_000);

  it('lists every agreement with its standing, says they are files and where, and shows the chosen one in full', async () => {
    await admin.openAgreements();

    for (const projectId of ['cardio-admissions', 'covid-outcomes', 'opt-out-monitoring']) {
      expect(await admin.entryBadges(projectId), projectId).toEqual(['In force']);
    }
    expect(await app.page.getByTestId('agreements-read-only').innerText()).toMatch(/^Read-only\. Each agreement is a file/);
    expect(await app.page.getByTestId('agreements-folder').innerText()).toBe(join(app.dataDir, 'agreements'));
    expect(app.page.url()).toMatch(/#\/admin\/agreements$/);

    await admin.chooseAgreement('covid-outcomes');
    const chosen = admin.selectedAgreement;
    expect(await chosen.getByRole('heading', { level: 2 }).innerText()).toBe('COVID-19 outcomes');
    expect(await chosen.getByTestId('agreement-status').innerText()).toBe('In force');
    expect(await chosen.getByTestId('agreement-status-text').innerText()).toBe('In force until 2029-03-31.');
    expect(await chosen.getByTestId('agreement-member-demo-analyst').innerText()).toMatch(/Ada Analyst.*Lead.*2028-06-30.*In force/s);
    expect(await chosen.getByTestId('agreement-field-patients-nhs_number').innerText()).toMatch(/NHS number → project pseudonym/);
    expect(await chosen.getByTestId('agreement-field-patients-postcode').innerText()).toMatch(/Not available to this project/);
    expect(await chosen.getByTestId('agreement-dataset-hospital_episodes').getByTestId('row-conditions').innerText()).toMatch(
      /admission date is on or after 2020-03-01/,
    );
    await saveScreenshot(app.page, '20-admin-agreements');
    await expectNoSeriousAccessibilityViolations(app.page, 'agreements');
  }, 60_000);

  it('shows an edit with a mistake refused, naming file, line and field, while the version before stays in force', async () => {
    const file = join(app.dataDir, 'agreements', 'cardio-admissions.json');
    const original = await readFile(file, 'utf8');
    const broken = original.replace('"end": "2029-03-31"', '"end": "31 March 2029"');
    expect(broken).not.toBe(original);
    const line = broken.split('\n').findIndex((text) => text.includes('31 March 2029')) + 1;
    try {
      await writeFile(file, broken);
      // The platform watches its folder; the screen reads what it knows when asked.
      await expect
        .poll(
          async () => {
            await admin.readAgain();
            return admin.entryBadges('cardio-admissions');
          },
          { timeout: 15_000, interval: 500 },
        )
        .toEqual(['In force', 'Newer file refused']);
      await admin.chooseAgreement('cardio-admissions');
      const refusal = admin.refusal;
      expect(await refusal.innerText()).toContain('The file cardio-admissions.json was refused');
      expect(await refusal.innerText()).toContain('Version 1 stays in force until the file is corrected.');
      expect(await refusal.getByTestId('agreement-problem').innerText()).toMatch(
        new RegExp(`^cardio-admissions\\.json, line ${line}, column \\d+, members\\[0\\]\\.end: must be a date like 2026-03-31$`),
      );
      expect(await admin.selectedAgreement.getByTestId('agreement-version').innerText()).toBe('Version 1');
      await saveScreenshot(app.page, '21-admin-agreement-refused');
      await expectNoSeriousAccessibilityViolations(app.page, 'agreements with a refused file');
    } finally {
      await writeFile(file, original);
    }
    await expect
      .poll(
        async () => {
          await admin.readAgain();
          return admin.entryBadges('cardio-admissions');
        },
        { timeout: 15_000, interval: 500 },
      )
      .toEqual(['In force']);
  }, 60_000);

  it('reads the audit log newest first, and filters it by type, user, project and time', async () => {
    await admin.openAuditLog();
    expect(app.page.url()).toMatch(/#\/admin\/audit$/);
    const all = await admin.auditRows();
    expect(all.length).toBeGreaterThan(0);
    // Her own sign-in is there, as the workstation reported it.
    expect(all).toEqual(expect.arrayContaining([expect.objectContaining({ actor: 'demo-admin', type: 'session.signed_in' })]));

    await admin.filterAudit({ type: 'agreement.' });
    const agreementEvents = await admin.auditRows();
    expect(agreementEvents.every((row) => row.type.startsWith('agreement.'))).toBe(true);
    const refused = agreementEvents.find((row) => row.type === 'agreement.refused');
    expect(refused?.outcome).toBe('Failure');
    expect(refused?.details).toMatch(/project cardio-admissions · file cardio-admissions\.json/);
    expect(await admin.auditCount.innerText()).toMatch(/events? matching the filter, newest first/);

    await admin.filterAudit({ actor: 'demo-admin', type: 'session.' });
    const hers = await admin.auditRows();
    expect(hers.length).toBeGreaterThan(0);
    expect(hers.every((row) => row.actor === 'demo-admin' && row.type.startsWith('session.'))).toBe(true);

    await admin.filterAudit({ project: 'cardio-admissions' });
    const cardio = await admin.auditRows();
    expect(cardio.length).toBeGreaterThanOrEqual(3);
    expect(cardio.every((row) => row.details.includes('project cardio-admissions'))).toBe(true);
    await saveScreenshot(app.page, '22-admin-audit-filtered');
    await expectNoSeriousAccessibilityViolations(app.page, 'audit log');

    const tomorrow = new Date(Date.now() + 86_400_000);
    await admin.filterAudit({ from: localInput(tomorrow) });
    expect(await admin.auditCount.innerText()).toBe('No event matches the filter.');
    expect(await admin.auditRows()).toEqual([]);
    const yesterday = new Date(Date.now() - 86_400_000);
    await admin.filterAudit({ from: localInput(yesterday), type: 'session.signed_in' });
    expect((await admin.auditRows()).length).toBeGreaterThan(0);

    // A range that ends before it starts is caught before anything is asked.
    await app.page.getByTestId('audit-filter-from').fill(localInput(tomorrow));
    await app.page.getByTestId('audit-filter-to').fill(localInput(yesterday));
    await app.page.getByTestId('audit-apply').click();
    expect(await app.page.getByTestId('audit-filter-error').innerText()).toContain('To must be later than From.');

    await admin.whenAnswered(() => app.page.getByTestId('audit-clear').click());
    expect((await admin.auditRows()).length).toBeGreaterThanOrEqual(all.length);
    expect(await app.page.getByTestId('audit-filter-error').innerText()).toBe('');
    await saveScreenshot(app.page, '23-admin-audit');
  }, 60_000);

  it('shows an admin who is a member their project’s agreement from the catalogue, read-only', async () => {
    await catalogue.tab.click();
    await catalogue.pickProject('opt-out-monitoring');
    await admin.openAgreementButton.click();
    const agreement = admin.projectAgreement;
    await agreement.getByTestId('agreement-details').waitFor();
    expect(await agreement.getByRole('heading', { level: 2 }).innerText()).toBe('Data-sharing agreement: National data opt-out monitoring');
    expect(await agreement.getByTestId('agreement-opt-out').innerText()).toBe(
      "Does not apply: the project's legal basis (a statutory direction) sets it aside.",
    );
    expect(await agreement.getByRole('button').count()).toBe(0);
    await saveScreenshot(app.page, '24-admin-catalogue-agreement');
    await session.signOut();
  }, 60_000);

  it('shows an analyst her project’s agreement from the catalogue, and no administration screen', async () => {
    login = await session.signIn(app.context, ADA);
    expect(await admin.adminNav.count()).toBe(0);

    await catalogue.pickProject('covid-outcomes');
    await admin.openAgreementButton.click();
    const agreement = admin.projectAgreement;
    await agreement.getByTestId('agreement-details').waitFor();
    expect(await admin.openAgreementButton.getAttribute('aria-pressed')).toBe('true');
    expect(await agreement.getByTestId('agreement-field-covid_tests-nhs_number').innerText()).toMatch(/NHS number → project pseudonym/);
    expect(await agreement.getByTestId('agreement-members').innerText()).toContain('Ada Analyst');
    await saveScreenshot(app.page, '25-analyst-agreement');
    await expectNoSeriousAccessibilityViolations(app.page, 'project agreement');

    // A dataset again: the agreement gives way to it.
    await catalogue.dataset('patients').click();
    await catalogue.fieldsTable.waitFor();
    expect(await agreement.count()).toBe(0);

    await app.page.evaluate(`location.hash = '#/admin/audit'`);
    const refused = app.page.getByTestId('screen-refused');
    await refused.waitFor();
    expect(await refused.getByRole('heading').innerText()).toBe('This screen is for administrators');
    expect(await app.page.getByTestId('audit-log').count()).toBe(0);
    const audit = await invokeAsPage(app, 'admin.audit', { filter: {} });
    expect(audit).toMatchObject({ status: 403, body: { ok: false, error: { code: 'forbidden' } } });
    const agreements = await invokeAsPage(app, 'admin.agreements', {});
    expect(agreements).toMatchObject({ status: 403, body: { ok: false, error: { code: 'forbidden' } } });
    await saveScreenshot(app.page, '26-analyst-refused-audit');
    await app.page.getByTestId('refused-go-home').click();
    await app.page.getByTestId('panel-catalogue').waitFor();
    await session.signOut();
  }, 90_000);
});
