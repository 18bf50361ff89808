// Page objects for a project's members editor on the agreements screen (#/admin/agreements, "Edit members") and the
// oversight screen (#/admin/oversight): the security review, the expiries and the usage report. Each screen counts the
// answers it has shown (data-answered), so a test waits for the one its action asked for.
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { readRows, textAt } from './rows.ts';

async function answered(page: Page, testId: string): Promise<number> {
  if ((await page.getByTestId(testId).count()) === 0) return 0;
  return Number((await page.getByTestId(testId).getAttribute('data-answered')) ?? 0);
}

async function thenAnswered(page: Page, testId: string, act: () => Promise<void>): Promise<void> {
  const before = await answered(page, testId);
  await act();
  await expect.poll(() => answered(page, testId)).toBeGreaterThan(before);
}

export class MembersEditorPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get editor(): Locator {
    return this.page.getByTestId('members-editor');
  }

  get refusal(): Locator {
    return this.page.getByTestId('members-refusal');
  }

  get saved(): Locator {
    return this.page.getByTestId('members-saved');
  }

  row(userId: string): Locator {
    return this.page.getByTestId(`member-edit-${userId}`);
  }

  /** Opens the editor on the chosen agreement (by keyboard: the button takes Enter). */
  async open(): Promise<void> {
    await this.page.getByTestId('edit-members').focus();
    await this.page.keyboard.press('Enter');
    await this.editor.waitFor();
  }

  /** Adds someone to the list: chosen from the people when the screen lists them, else typed. */
  async add(member: { userId: string; role: string; start?: string; end?: string }): Promise<void> {
    const chooser = this.page.getByTestId('members-add-person');
    // The people list arrives after the editor opens: wait for the person to be offered.
    await expect.poll(() => chooser.locator(`option[value="${member.userId}"]`).count()).toBe(1);
    await chooser.selectOption(member.userId);
    await this.page.getByTestId('members-add-role').selectOption(member.role);
    if (member.start !== undefined) await this.page.getByTestId('members-add-start').fill(member.start);
    if (member.end !== undefined) await this.page.getByTestId('members-add-end').fill(member.end);
    await this.page.getByTestId('members-add-submit').click();
    await this.row(member.userId).waitFor();
  }

  async setEnd(userId: string, end: string): Promise<void> {
    await this.row(userId).getByTestId('member-end').fill(end);
  }

  async setRelease(userId: string, allowed: boolean): Promise<void> {
    await this.row(userId).getByTestId('member-release').setChecked(allowed);
  }

  async changes(): Promise<string[]> {
    return (await this.page.getByTestId('members-change').allInnerTexts()).map((text) => text.trim());
  }

  async refusalLines(): Promise<string[]> {
    return (await this.refusal.getByTestId('members-refusal-line').allInnerTexts()).map((text) => text.trim());
  }

  /**
   * Gives the reason and saves; resolves once the platform has answered: the agreements read again with the new version
   * (the editor closes), or its refusal shown.
   */
  async save(reason: string): Promise<'saved' | 'refused'> {
    await this.page.getByTestId('members-reason').fill(reason);
    await this.page.getByTestId('members-save').click();
    await expect
      .poll(async () => (await this.refusal.getByTestId('members-refusal-line').count()) > 0 || (await this.editor.count()) === 0)
      .toBe(true);
    return (await this.editor.count()) === 0 ? 'saved' : 'refused';
  }

  async cancel(): Promise<void> {
    await this.page.getByTestId('members-cancel').click();
    await expect.poll(() => this.editor.count()).toBe(0);
  }
}

export interface ReviewEventRow {
  seq: number;
  who: string;
  type: string;
  reason: string;
}

export class OversightPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get tab(): Locator {
    return this.page.getByTestId('tab-admin-oversight');
  }

  get screen(): Locator {
    return this.page.getByTestId('oversight-screen');
  }

  get overdue(): Locator {
    return this.page.getByTestId('review-overdue');
  }

  get usage(): Locator {
    return this.page.getByTestId('usage-report');
  }

  /** Opens the screen from the administration navigation; resolves once the review and the usage report are shown. */
  async open(): Promise<void> {
    const usageBefore = await answered(this.page, 'usage-report');
    await thenAnswered(this.page, 'oversight-screen', () => this.tab.click());
    await expect.poll(() => answered(this.page, 'usage-report')).toBeGreaterThan(usageBefore);
    await this.page.getByTestId('security-review').waitFor();
  }

  async readAgain(): Promise<void> {
    await thenAnswered(this.page, 'oversight-screen', () => this.page.getByTestId('review-refresh').click());
  }

  async events(list: 'review-failed-sign-ins' | 'review-refusals' | 'review-suspended'): Promise<ReviewEventRow[]> {
    // The row's cells: event, when, who, what, reason.
    const rows = await readRows(this.page.getByTestId(`${list}-event`), {
      seq: textAt(':scope > td:nth-of-type(1)'),
      who: textAt(':scope > td:nth-of-type(3)'),
      type: textAt(':scope > td:nth-of-type(4)'),
      reason: textAt(':scope > td:nth-of-type(5)'),
    });
    return rows.map((row) => ({ ...row, seq: Number(row.seq) }));
  }

  /** Records a review up to an event with a note; resolves once the review has been read again. */
  async recordReview(review: { upTo?: number; note: string }): Promise<void> {
    const form = this.page.getByTestId('record-review');
    if (review.upTo !== undefined) await form.getByTestId('record-review-upto').fill(String(review.upTo));
    await form.getByTestId('record-review-note').fill(review.note);
    await thenAnswered(this.page, 'oversight-screen', () => form.getByTestId('record-review-submit').click());
  }

  /** A count table of the usage report as [label, count] pairs. */
  async counts(table: 'usage-roles' | 'usage-statuses' | 'usage-projects' | 'usage-incidents'): Promise<Array<[string, string]>> {
    const rows = await readRows(this.page.getByTestId(`${table}-row`), { label: textAt('th'), count: textAt('td') });
    return rows.map((row): [string, string] => [row.label, row.count]);
  }

  /** Shows the usage report for a range of days; resolves once it is shown. */
  async showUsage(range: { from: string; to: string }): Promise<void> {
    await this.page.getByTestId('usage-from').fill(range.from);
    await this.page.getByTestId('usage-to').fill(range.to);
    await thenAnswered(this.page, 'usage-report', () => this.page.getByTestId('usage-show').click());
  }
}
