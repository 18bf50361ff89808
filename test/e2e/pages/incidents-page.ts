// Page object for the administrators' incidents screen (#/admin/incidents): the restrictions in force and their lifting,
// the incidents, the kill switch's action panel, the access report, and the banner over every administration screen.
// Also the suspended person's screen.
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { attribute, readRows, textOf } from './rows.ts';

export interface IncidentRow {
  summary: string;
  severity: string;
  status: string;
}

export class IncidentsPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get tab(): Locator {
    return this.page.getByTestId('tab-admin-incidents');
  }

  get screen(): Locator {
    return this.page.getByTestId('incidents-screen');
  }

  get banner(): Locator {
    return this.page.getByTestId('restrictions-banner');
  }

  get restrictions(): Locator {
    return this.page.getByTestId('restrictions');
  }

  get actionPanel(): Locator {
    return this.page.getByTestId('action-panel');
  }

  get report(): Locator {
    return this.page.getByTestId('access-report');
  }

  private async answered(): Promise<number> {
    return Number(await this.screen.getAttribute('data-answered'));
  }

  /** Opens the screen from the administration navigation; resolves once the overview is shown. */
  async open(): Promise<void> {
    await this.tab.click();
    await expect.poll(() => this.answered()).toBeGreaterThan(0);
    await this.restrictions.waitFor();
  }

  /** Does `act`, then waits until the overview has been read again (every change reads it again). */
  async thenReadAgain(act: () => Promise<void>): Promise<void> {
    const before = await this.answered();
    await act();
    await expect.poll(() => this.answered()).toBeGreaterThan(before);
  }

  async incidents(): Promise<IncidentRow[]> {
    return readRows(this.page.getByTestId('incident'), {
      summary: textOf('incident-row-summary'),
      severity: textOf('incident-severity-badge'),
      status: textOf('incident-status'),
    });
  }

  async openIncident(incident: { summary: string; severity: string; personalData: boolean }): Promise<void> {
    await this.page.getByTestId('incident-summary').fill(incident.summary);
    await this.page.getByTestId('incident-severity').selectOption(incident.severity);
    if (incident.personalData) await this.page.getByTestId('incident-personal-data').check();
    await this.thenReadAgain(() => this.page.getByTestId('open-incident').click());
  }

  /** Fills the action panel and asks to review it; the confirmation shows what will happen. */
  async review(action: { kind: string; target: string; reason: string }): Promise<void> {
    await this.page.getByTestId(`action-${action.kind}`).check();
    await this.page.getByTestId('action-target').selectOption(action.target);
    await this.page.getByTestId('action-reason').fill(action.reason);
    await this.page.getByTestId('action-review').click();
    await this.page.getByTestId('action-confirm').waitFor();
  }

  async foreseen(): Promise<string> {
    return (await this.page.getByTestId('action-foreseen').innerText()).trim();
  }

  async confirm(): Promise<string[]> {
    await this.thenReadAgain(() => this.page.getByTestId('action-confirm-button').click());
    return this.effectLines('action-effect');
  }

  async effectLines(testId: string): Promise<string[]> {
    const effect = this.page.getByTestId(testId);
    await effect.waitFor();
    return (await effect.getByTestId('effect-line').allInnerTexts()).map((line) => line.trim());
  }

  /** The restrictions in force, as "kind target" (data attributes). */
  async inForce(): Promise<string[]> {
    const rows = await readRows(this.restrictions.getByTestId('restrictions-table').getByTestId('restriction'), {
      kind: attribute('data-kind'),
      target: attribute('data-target'),
    });
    return rows.map((row) => `${row.kind} ${row.target}`);
  }

  async lift(target: string, reason: string): Promise<string[]> {
    const row = this.restrictions.locator(`[data-testid="restriction"][data-target="${target}"]`);
    await row.getByTestId('lift').click();
    await this.page.getByTestId('lift-reason').fill(reason);
    await this.thenReadAgain(() => this.page.getByTestId('lift-confirm').click());
    return this.effectLines('lift-effect');
  }

  async closeIncident(summary: string, resolution: string): Promise<void> {
    const row = this.page.getByTestId('incident').filter({ hasText: summary });
    await row.getByTestId('close-incident').click();
    await this.page.getByTestId('incident-resolution').fill(resolution);
    await this.thenReadAgain(() => this.page.getByTestId('close-incident-confirm').click());
  }

  /** Asks for a person's (or a project's) report over the form's default range; returns the activities listed. */
  async accessReport(subject: 'person' | 'project', id: string): Promise<{ totals: string; activities: string[] }> {
    await this.page.getByTestId(`report-${subject}`).check();
    await this.page.getByTestId('report-id').selectOption(id);
    const before = Number(await this.report.getAttribute('data-answered'));
    await this.page.getByTestId('report-show').click();
    await expect.poll(async () => Number(await this.report.getAttribute('data-answered'))).toBeGreaterThan(before);
    const rows = await readRows(this.page.getByTestId('report-entry'), { activity: attribute('data-activity') });
    const activities = rows.map((row) => row.activity);
    return { totals: (await this.page.getByTestId('report-totals').innerText()).trim(), activities };
  }
}

/** What a suspended person's window shows. */
export class SuspendedPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get screen(): Locator {
    return this.page.getByTestId('suspended-screen');
  }

  get message(): Locator {
    return this.page.getByTestId('suspended-message');
  }

  get heading(): Locator {
    return this.screen.getByRole('heading', { level: 2 });
  }
}
