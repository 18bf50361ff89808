// Page object for the workstation's header, project picker and catalogue screen (datasets, fields, samples).
import type { Locator, Page } from 'playwright-core';
import { expect, vi } from 'vitest';
import { attribute, readRows } from './rows.ts';

/**
 * A project's local engine may take a while: DuckDB-wasm (a 'memory' project) compiles a 34 MB module at start-up,
 * 5–9 s on a busy two-core machine, more under load. A 'disk' project's engine is the core's, there at once.
 */
export const ENGINE_START_TIMEOUT_MS = 60_000;
const SAMPLE_LOAD_TIMEOUT_MS = 60_000;

export interface FieldRow {
  name: string;
  type: string;
  description: string;
  tags: string[];
  availability: string;
}

interface SampleOutcome {
  kind: 'loaded' | 'error' | 'confirm';
  text: string;
}

export class CataloguePage {
  readonly page: Page;

  constructor(page: Page) {
    this.page = page;
  }

  get demoBanner(): Locator {
    return this.page.getByTestId('demo-banner');
  }

  get tab(): Locator {
    return this.page.getByTestId('tab-catalogue');
  }

  project(id: string): Locator {
    return this.page.getByTestId(`project-${id}`);
  }

  dataset(id: string): Locator {
    return this.page.getByTestId(`dataset-${id}`);
  }

  get datasetButtons(): Locator {
    return this.page.getByTestId('dataset-list').locator('[data-testid^="dataset-"]');
  }

  get fieldsTable(): Locator {
    return this.page.getByTestId('fields-table');
  }

  field(name: string): Locator {
    return this.page.getByTestId(`field-${name}`);
  }

  get sampleSize(): Locator {
    return this.page.getByTestId('sample-size');
  }

  get openSampleButton(): Locator {
    return this.page.getByTestId('open-sample');
  }

  get sampleLoaded(): Locator {
    return this.page.getByTestId('sample-loaded');
  }

  get sampleError(): Locator {
    return this.page.getByTestId('sample-error');
  }

  async pickProject(id: string): Promise<void> {
    await this.project(id).click();
    await expect.poll(() => this.project(id).getAttribute('aria-pressed')).toBe('true');
    // The catalogue arrives after the click: the list shows datasets only once it has loaded.
    await this.datasetButtons.first().waitFor();
  }

  async openDataset(id: string): Promise<void> {
    await this.tab.click();
    await this.dataset(id).click();
    await expect.poll(() => this.dataset(id).getAttribute('aria-pressed')).toBe('true');
    await this.fieldsTable.waitFor();
  }

  async datasetIds(): Promise<string[]> {
    const buttons = await readRows(this.datasetButtons, { testId: attribute('data-testid') });
    return buttons.map((button) => button.testId.replace(/^dataset-/, ''));
  }

  async fieldRow(name: string): Promise<FieldRow> {
    const cells = this.field(name).locator('td');
    const [fieldName, type, description, , availability] = (await cells.allInnerTexts()).map((text) => text.trim());
    const tags = (await cells.nth(3).locator('li').allInnerTexts()).map((text) => text.trim());
    return { name: fieldName, type, description, tags, availability };
  }

  /** What the sample loader shows now: a finished load, an error, or the question whether to replace a table. */
  private async sampleOutcome(previous: string | null): Promise<SampleOutcome | null> {
    const error = (await this.sampleError.innerText()).trim();
    if (error.length > 0) return { kind: 'error', text: error };
    if (await this.page.getByTestId('replace-sample').isVisible()) return { kind: 'confirm', text: '' };
    const loaded = (await this.sampleLoaded.count()) > 0 ? (await this.sampleLoaded.innerText()).trim() : null;
    return loaded !== null && loaded !== previous ? { kind: 'loaded', text: loaded } : null;
  }

  private waitForSampleOutcome(previous: string | null): Promise<SampleOutcome> {
    return vi.waitFor(
      async () => {
        const outcome = await this.sampleOutcome(previous);
        if (outcome === null) throw new Error('The sample loader has not finished.');
        return outcome;
      },
      { timeout: SAMPLE_LOAD_TIMEOUT_MS, interval: 100 },
    );
  }

  /**
   * Opens a sample of `rows` rows, confirming the replacement of an existing local table when the app asks.
   * Returns the loader's closing notice; throws with the app's message if the load failed.
   */
  async openSample(rows: number): Promise<string> {
    await this.sampleSize.selectOption(String(rows));
    await expect.poll(() => this.openSampleButton.isEnabled(), { timeout: ENGINE_START_TIMEOUT_MS }).toBe(true);
    const previous = (await this.sampleLoaded.count()) > 0 ? (await this.sampleLoaded.innerText()).trim() : null;
    await this.openSampleButton.click();
    let outcome = await this.waitForSampleOutcome(previous);
    if (outcome.kind === 'confirm') {
      await this.page.getByTestId('replace-sample').click();
      outcome = await this.waitForSampleOutcome(previous);
    }
    if (outcome.kind !== 'loaded') throw new Error(`The sample did not load: ${outcome.text}`);
    return outcome.text;
  }
}
