// Page object for the workspace screen (the analyst's IDE): the project switch and mode line, the schema tree, the
// history and saved queries, editor tabs and the editor, Run / Run all / Cancel, platform tabs (where a tab runs, its
// destination table, Run on platform), the result and the chart, the splitters, and removing a project's local data.
import type { Locator } from 'playwright-core';
import { expect, vi } from 'vitest';
import { attribute, readRows } from './rows.ts';
import { AnalysisPage } from './analysis-page.ts';

const QUERY_TIMEOUT_MS = 60_000;

export interface RunOutcome {
  /** The run line ("4 rows, 3 columns in 23 ms.", "The query was cancelled. …"). */
  status: string;
  /** The error shown, or ''. */
  error: string;
}

/** The workspace screen holds the analysis screen's editor, grid and chart: those locators are AnalysisPage's. */
export class WorkspacePage extends AnalysisPage {
  get screen(): Locator {
    return this.page.getByTestId('analysis-view');
  }

  get navTab(): Locator {
    return this.page.getByTestId('tab-analysis');
  }

  get projectSwitch(): Locator {
    return this.page.getByTestId('project-switch');
  }

  get mode(): Locator {
    return this.page.getByTestId('mode-indicator');
  }

  get engineStatus(): Locator {
    return this.page.getByTestId('engine-status');
  }

  get resultHeading(): Locator {
    return this.page.getByTestId('result-heading');
  }

  get schemaTree(): Locator {
    return this.page.getByTestId('schema-tree');
  }

  get noTables(): Locator {
    return this.page.getByTestId('no-local-tables');
  }

  get tabButtons(): Locator {
    return this.page.getByTestId('tab-button');
  }

  get saveState(): Locator {
    return this.page.getByTestId('tab-save-state');
  }

  get errorMark(): Locator {
    return this.page.locator('.cm-lintRange-error');
  }

  get completions(): Locator {
    return this.page.locator('.cm-tooltip-autocomplete li');
  }

  table(name: string): Locator {
    return this.page.getByTestId(`local-table-${name}`);
  }

  splitter(id: 'schema' | 'editor' | 'result'): Locator {
    return this.page.getByTestId(`splitter-${id}`);
  }

  sideTab(panel: 'tables' | 'history' | 'saved'): Locator {
    return this.page.getByTestId(`side-tab-${panel}`);
  }

  get historyEntries(): Locator {
    return this.page.getByTestId('history-entry');
  }

  /**
   * The SQL of the runs in the history list, newest first, the analyst's own only. The chart's aggregate queries go
   * through workspace.run too, and the core records every run of a 'disk' project, so they are in the list as well
   * (reported: the contract needs a way to run a query the window makes without recording it).
   */
  async analystRuns(): Promise<string[]> {
    const texts = (await this.page.getByTestId('history-sql').allInnerTexts()).map((text) => text.trim());
    return texts.filter((sql) => !/^WITH source AS \(/.test(sql));
  }

  get savedQueries(): Locator {
    return this.page.getByTestId('saved-query');
  }

  /** Opens the workspace screen and waits until its project's workspace is open with an editor tab. */
  override async open(): Promise<void> {
    await this.navTab.click();
    await this.waitForOpen();
  }

  async waitForOpen(): Promise<void> {
    await this.screen.waitFor();
    await expect.poll(() => this.tabButtons.count(), { timeout: QUERY_TIMEOUT_MS }).toBeGreaterThan(0);
    await this.page.locator('[data-testid="engine-status"][data-state="ready"]').waitFor({ timeout: QUERY_TIMEOUT_MS });
  }

  async tabTitles(): Promise<string[]> {
    return (await this.tabButtons.allInnerTexts()).map((text) => text.trim());
  }

  async activeTabTitle(): Promise<string> {
    return (await this.page.locator('[data-testid="tab-button"][aria-current="true"]').innerText()).trim();
  }

  async tableNames(): Promise<string[]> {
    const items = await readRows(this.schemaTree.locator(':scope > [role="treeitem"]'), { testId: attribute('data-testid') });
    return items.map((item) => item.testId.replace(/^local-table-/, ''));
  }

  /** The editor's text as CodeMirror shows it (its lines joined); an empty editor (showing its placeholder) is ''. */
  async editorText(): Promise<string> {
    if ((await this.editor.locator('.cm-placeholder').count()) > 0) return '';
    return (await this.editor.locator('.cm-line').allTextContents()).join('\n');
  }

  /** Replaces the active tab's text, as a person would: select all, then type (insertText keeps it fast). */
  override async setSql(sql: string): Promise<void> {
    await this.editor.click();
    await this.page.keyboard.press('ControlOrMeta+A');
    await this.page.keyboard.insertText(sql);
    await expect.poll(() => this.editorText()).toBe(sql);
  }

  /** Waits until the active tab's text is saved (the mark beside the tabs says so). */
  async waitForSaved(): Promise<void> {
    await expect.poll(() => this.saveState.innerText(), { timeout: 10_000 }).toBe('Saved');
  }

  async newTab(): Promise<void> {
    const before = await this.tabButtons.count();
    await this.page.getByTestId('new-tab').click();
    await expect.poll(() => this.tabButtons.count()).toBe(before + 1);
    await expect.poll(() => this.editorText()).toBe('');
  }

  async switchToTab(title: string): Promise<void> {
    await this.tabButtons.filter({ hasText: title }).click();
    await expect.poll(() => this.activeTabTitle()).toBe(title);
  }

  async isRunning(): Promise<boolean> {
    return this.cancelButton.isEnabled();
  }

  /** Waits until no query is running, then reads what the screen says about the last one. */
  async waitForRunEnd(timeout = QUERY_TIMEOUT_MS): Promise<RunOutcome> {
    await vi.waitFor(
      async () => {
        if (await this.cancelButton.isEnabled()) throw new Error('The query is still running.');
      },
      { timeout, interval: 50 },
    );
    return { status: (await this.status.innerText()).trim(), error: (await this.error.innerText()).trim() };
  }

  /** Runs with the keyboard: Ctrl+Enter (the statement at the cursor or the selection) or Ctrl+Shift+Enter (all). */
  async runWithKeys(scope: 'statement' | 'all' = 'statement'): Promise<RunOutcome> {
    await this.editor.focus();
    await this.page.keyboard.press(scope === 'all' ? 'Control+Shift+Enter' : 'Control+Enter');
    await expect.poll(async () => (await this.status.innerText()).trim() !== '' || (await this.error.innerText()).trim() !== '').toBe(true);
    return this.waitForRunEnd();
  }

  /** Writes SQL into the active tab and runs all of it with the Run all button. */
  override async runQuery(sql: string): Promise<RunOutcome> {
    await this.setSql(sql);
    await expect.poll(() => this.runButton.isEnabled(), { timeout: QUERY_TIMEOUT_MS }).toBe(true);
    await this.page.getByTestId('run-all').click();
    await expect.poll(() => this.status.innerText()).not.toBe('');
    return this.waitForRunEnd();
  }

  /** Puts the cursor at the end of the line holding `text`. */
  async putCursorAfter(text: string): Promise<void> {
    await this.editor.locator('.cm-line', { hasText: text }).first().click();
    await this.page.keyboard.press('End');
  }

  /** The share a splitter gives its first pane, as it tells assistive technology. */
  async splitterValue(id: 'schema' | 'editor' | 'result'): Promise<number> {
    return Number(await this.splitter(id).getAttribute('aria-valuenow'));
  }

  /** Switches project with the screen's own project list, and waits for that project's workspace. */
  async switchProject(projectId: string): Promise<void> {
    await this.projectSwitch.selectOption(projectId);
    await expect.poll(() => this.screen.getAttribute('data-project')).toBe(projectId);
    await this.waitForOpen();
  }

  // ---- Platform queries (issue 15): a tab that runs on the platform, its destination table, progress and replace ----

  /** The active tab's choice of where it runs. */
  engineChoice(engine: 'local' | 'platform'): Locator {
    return this.page.getByTestId(`engine-${engine}`);
  }

  get platformLabel(): Locator {
    return this.page.getByTestId('platform-label');
  }

  get platformTable(): Locator {
    return this.page.getByTestId('platform-table');
  }

  get runPlatformButton(): Locator {
    return this.page.getByTestId('run-platform');
  }

  get platformProgress(): Locator {
    return this.page.getByTestId('platform-progress');
  }

  get replaceTableConfirm(): Locator {
    return this.page.getByTestId('replace-table-confirm');
  }

  /** Makes the active tab run on the platform, and waits until it says so. */
  async usePlatform(): Promise<void> {
    await this.engineChoice('platform').check();
    await this.platformLabel.waitFor();
  }

  /**
   * Writes SQL into the active (platform) tab, names its table, and runs it on the platform with the button; confirms
   * replacing the table when asked and `replace` allows. Returns what the run line and the error say at the end.
   */
  async runOnPlatform(sql: string, options: { table: string; replace?: boolean }): Promise<RunOutcome> {
    await this.setSql(sql);
    await this.platformTable.fill(options.table);
    await expect.poll(() => this.runPlatformButton.isEnabled(), { timeout: QUERY_TIMEOUT_MS }).toBe(true);
    await this.runPlatformButton.click();
    if (options.replace) {
      await this.replaceTableConfirm.waitFor();
      await this.page.getByTestId('replace-table').click();
    }
    await expect.poll(async () => (await this.status.innerText()).trim() !== '' || (await this.error.innerText()).trim() !== '').toBe(true);
    return this.waitForRunEnd();
  }

  /** The engine labels of the history list, newest first ('Local' or 'Platform'). */
  async historyEngines(): Promise<string[]> {
    return (await this.page.getByTestId('history-engine').allInnerTexts()).map((text) => text.trim());
  }

  /** Removes the project's local data through the confirmation; returns the summary the screen shows. */
  async removeLocalData(scope: 'tables' | 'everything'): Promise<string> {
    await this.page.getByTestId('remove-local-data').click();
    const dialog = this.page.getByTestId('remove-local-data-dialog');
    await dialog.getByTestId(`remove-scope-${scope}`).check();
    await dialog.getByTestId('confirm-remove-local-data').click();
    const summary = this.page.getByTestId('local-data-removed-text');
    await summary.waitFor({ timeout: QUERY_TIMEOUT_MS });
    return (await summary.innerText()).trim();
  }
}
