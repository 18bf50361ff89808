// The analyst's Outputs screen (issue 16): the project's release requests, one request's page and the bell, by their test ids.
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';

/** The Outputs screen and a request's page, by their test ids. */
export class OutputsPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get tab(): Locator {
    return this.page.getByTestId('tab-outputs');
  }
  get overview(): Locator {
    return this.page.getByTestId('outputs-overview');
  }
  get requestPage(): Locator {
    return this.page.getByTestId('request-page');
  }
  get state(): Locator {
    return this.page.getByTestId('request-state');
  }
  file(name: string): Locator {
    return this.page.locator(`[data-testid="request-file"][data-name="${name}"]`);
  }
  get bell(): Locator {
    return this.page.getByTestId('bell');
  }

  async open(): Promise<void> {
    await this.tab.click();
    await this.overview.waitFor();
    await expect.poll(() => this.overview.getAttribute('aria-busy')).toBe('false');
  }

  /** Reads the request again and waits for the answer. */
  async readAgain(): Promise<void> {
    const before = Number(await this.requestPage.getAttribute('data-answered'));
    await this.page.getByTestId('request-refresh').click();
    await expect.poll(async () => Number(await this.requestPage.getAttribute('data-answered'))).toBeGreaterThan(before);
  }

  async words(name: string): Promise<string[]> {
    return (await this.file(name).getByTestId('file-words').locator('.file-word').allInnerTexts()).map((text) =>
      text.replace(/\s+/g, ' ').trim(),
    );
  }
}
