// The Drive screen (issue 17): the project's drive, its sync, versions, trash, app passwords and the save and open
// forms, by their test ids; and the dialogs Local analysis saves a result or a chart into the drive from.
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { attribute, readRows } from './rows.ts';

export class DrivePage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get tab(): Locator {
    return this.page.getByTestId('tab-drive');
  }
  get screen(): Locator {
    return this.page.getByTestId('drive-screen');
  }
  get files(): Locator {
    return this.page.getByTestId('drive-files');
  }
  get sync(): Locator {
    return this.page.getByTestId('drive-sync');
  }
  get news(): Locator {
    return this.page.getByTestId('drive-news');
  }
  entry(path: string): Locator {
    return this.page.locator(`[data-testid="drive-entry"][data-path="${path}"]`);
  }
  /** Where a file stands with the local folder, as its row says (its data-state). */
  async syncState(path: string): Promise<string | null> {
    const cell = this.entry(path).getByTestId('drive-entry-sync');
    return (await cell.count()) === 0 ? null : cell.getAttribute('data-state');
  }

  async open(): Promise<void> {
    await this.tab.click();
    await this.screen.waitFor();
    await this.settled();
  }

  /** Waits for the listing's answer to the latest read. */
  async settled(): Promise<void> {
    await expect.poll(() => this.screen.getAttribute('aria-busy'), { timeout: 20_000 }).toBe('false');
  }

  /** The listed entries' paths, in the listing's order (read in one step: the listing changes while it is read). */
  async names(): Promise<string[]> {
    const rows = await readRows(this.page.getByTestId('drive-entry'), { path: attribute('data-path') });
    return rows.map((row) => row.path);
  }

  /** Reads the folder again and waits for the answer. */
  async readAgain(): Promise<void> {
    const before = Number(await this.files.getAttribute('data-answered'));
    await this.page.getByTestId('drive-refresh').click();
    await expect.poll(async () => Number(await this.files.getAttribute('data-answered'))).toBeGreaterThan(before);
  }

  async syncNow(): Promise<void> {
    const button = this.page.getByTestId('drive-sync-now');
    await button.click();
    await expect.poll(() => button.innerText(), { timeout: 30_000 }).toBe('Sync now');
  }

  async openFolder(path: string): Promise<void> {
    await this.entry(path).getByTestId('drive-entry-folder').click();
    await this.page.waitForURL(/#\/drive\//);
    await this.settled();
  }

  action(path: string, action: 'versions' | 'open' | 'rename' | 'delete'): Locator {
    return this.entry(path).getByTestId(`drive-entry-${action}`);
  }

  async rename(path: string, to: string): Promise<void> {
    await this.action(path, 'rename').click();
    const field = this.page.getByTestId('drive-rename-to');
    // The form takes the focus when it opens.
    await expect
      .poll(() => this.page.evaluate<string | null>('document.activeElement?.getAttribute("data-testid") ?? null'))
      .toBe('drive-rename-to');
    await field.fill(to);
    await this.page.getByTestId('drive-rename-save').click();
    await this.news.waitFor();
  }

  get versions(): Locator {
    return this.page.getByTestId('drive-versions');
  }
  version(n: number): Locator {
    return this.page.locator(`[data-testid="drive-version"][data-version="${n}"]`);
  }

  /** Local analysis: "Save to drive" in the result pane's head, and the dialog it opens. */
  get resultSaveButton(): Locator {
    return this.page.getByTestId('result-save-to-drive');
  }
  get resultSaveDialog(): Locator {
    return this.page.getByTestId('result-drive-save');
  }
  /** Local analysis: "Save chart to drive" in the chart's head, and the dialog it opens. */
  get chartSaveButton(): Locator {
    return this.page.getByTestId('chart-save-to-drive');
  }
  get chartSaveDialog(): Locator {
    return this.page.getByTestId('chart-drive-save');
  }

  /** The test id of the element that has the focus, or null. */
  async focusedTestId(): Promise<string | null> {
    return this.page.evaluate<string | null>('document.activeElement?.getAttribute("data-testid") ?? null');
  }

  /** Whether the focus is on the heading of the dialog with that test id (where it goes when the dialog opens). */
  async focusOnHeadingOf(dialogTestId: string): Promise<boolean> {
    return this.page.evaluate<boolean>(
      `document.activeElement?.tagName === 'H2' && document.activeElement.closest('dialog')?.getAttribute('data-testid') === ${JSON.stringify(dialogTestId)}`,
    );
  }
}
