// Page object for the administrators' screens (the agreements and the audit log) and for a project's agreement as the
// catalogue shows it to its members.
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { readRows, textOf } from './rows.ts';

export interface AuditRow {
  actor: string;
  type: string;
  outcome: string;
  details: string;
}

export class AdminPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get adminNav(): Locator {
    return this.page.getByTestId('admin-nav');
  }

  /** The administration screens offered, once the navigation is shown (after the terms of use are checked). */
  async adminNavLabels(): Promise<string[]> {
    await this.adminNav.getByRole('link').first().waitFor();
    return (await this.adminNav.getByRole('link').allInnerTexts()).map((text) => text.trim());
  }

  // ---- Agreements

  get agreementsTab(): Locator {
    return this.page.getByTestId('tab-admin-agreements');
  }

  get agreementsList(): Locator {
    return this.page.getByTestId('agreements-list');
  }

  agreementEntry(projectId: string): Locator {
    return this.page.getByTestId(`agreement-${projectId}`);
  }

  get selectedAgreement(): Locator {
    return this.page.getByTestId('agreement-selected');
  }

  get refusal(): Locator {
    return this.page.getByTestId('agreement-refusal');
  }

  async openAgreements(): Promise<void> {
    await this.agreementsTab.click();
    await expect.poll(() => this.answered('agreements-screen')).toBeGreaterThan(0);
  }

  /** How many answers a screen has shown (its data-answered). */
  private async answered(testId: string): Promise<number> {
    return Number(await this.page.getByTestId(testId).getAttribute('data-answered'));
  }

  async chooseAgreement(projectId: string): Promise<void> {
    await this.agreementEntry(projectId).click();
    await expect.poll(() => this.agreementEntry(projectId).getAttribute('aria-pressed')).toBe('true');
    await this.selectedAgreement.waitFor();
  }

  /** The entry's status badges as the list shows them ("In force", "Newer file refused"). */
  async entryBadges(projectId: string): Promise<string[]> {
    return (await this.agreementEntry(projectId).locator('.badge').allInnerTexts()).map((text) => text.trim());
  }

  async readAgain(): Promise<void> {
    const before = await this.answered('agreements-screen');
    await this.page.getByTestId('agreements-refresh').click();
    await expect.poll(() => this.answered('agreements-screen')).toBeGreaterThan(before);
  }

  // ---- Audit log

  get auditTab(): Locator {
    return this.page.getByTestId('tab-admin-audit');
  }

  get auditCount(): Locator {
    return this.page.getByTestId('audit-count');
  }

  async openAuditLog(): Promise<void> {
    await this.auditTab.click();
    await expect.poll(() => this.answered('audit-log')).toBeGreaterThan(0);
  }

  /** Fills the filter (fields not given are emptied) and applies it; resolves once the answer is shown. */
  async filterAudit(filter: { actor?: string; project?: string; type?: string; from?: string; to?: string }): Promise<void> {
    await this.page.getByTestId('audit-filter-actor').fill(filter.actor ?? '');
    await this.page.getByTestId('audit-filter-project').fill(filter.project ?? '');
    await this.page.getByTestId('audit-filter-type').fill(filter.type ?? '');
    await this.page.getByTestId('audit-filter-from').fill(filter.from ?? '');
    await this.page.getByTestId('audit-filter-to').fill(filter.to ?? '');
    await this.whenAnswered(() => this.page.getByTestId('audit-apply').click());
  }

  /** Does `act` and resolves once the audit log has shown the answer it asked for. */
  async whenAnswered(act: () => Promise<void>): Promise<void> {
    const before = await this.answered('audit-log');
    await act();
    await expect.poll(() => this.answered('audit-log')).toBeGreaterThan(before);
  }

  async auditRows(): Promise<AuditRow[]> {
    return readRows(this.page.getByTestId('audit-event'), {
      actor: textOf('audit-actor'),
      type: textOf('audit-type'),
      outcome: textOf('audit-outcome'),
      details: textOf('audit-details'),
    });
  }

  // ---- A project's agreement on the catalogue screen

  get openAgreementButton(): Locator {
    return this.page.getByTestId('open-agreement');
  }

  get projectAgreement(): Locator {
    return this.page.getByTestId('project-agreement');
  }
}
