// The output checkers' screen (issue 16): the queue, one request's review, its files, cells, votes and decisions, by their test ids.
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';

/** The checker's screen, by its test ids. */
export class CheckingPage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get queue(): Locator {
    return this.page.getByTestId('checking-queue');
  }
  row(requestId: string): Locator {
    return this.page.locator(`[data-testid="queue-row"][data-request-id="${requestId}"]`);
  }
  get review(): Locator {
    return this.page.getByTestId('review-page');
  }
  get state(): Locator {
    return this.page.getByTestId('review-state');
  }
  file(name: string): Locator {
    return this.page.locator(`[data-testid="review-file"][data-file-name="${name}"]`);
  }
  get fileReview(): Locator {
    return this.page.getByTestId('file-review');
  }
  cell(key: Record<string, string>): Locator {
    const id = JSON.stringify(
      Object.keys(key)
        .sort()
        .map((d) => [d, key[d]]),
    );
    return this.fileReview.locator(`[data-testid="published-cell"][data-cell='${id}']`);
  }
  get voteForm(): Locator {
    return this.fileReview.getByTestId('vote-form');
  }
  get decision(): Locator {
    return this.page.getByTestId('decision-panel');
  }

  async openFromQueue(requestId: string): Promise<void> {
    await this.page.getByTestId('queue-refresh').click();
    await this.row(requestId).getByTestId('queue-open').click();
    await this.review.waitFor();
    await this.state.waitFor();
  }

  async chooseFile(name: string): Promise<void> {
    await this.file(name).click();
    await this.fileReview.locator(`[data-testid="three-words"]`).waitFor();
    await expect.poll(() => this.fileReview.getAttribute('data-file-id')).toBe(await this.file(name).getAttribute('data-file-id'));
  }

  async stateIs(state: string): Promise<void> {
    await expect.poll(() => this.state.getAttribute('data-state'), { timeout: 15_000 }).toBe(state);
  }
}
