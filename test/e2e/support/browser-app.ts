// The e2e fixture for the browser shell: demo data in its own temp folder, the platform as its own process, the
// workstation core and browser shell in this process over the built renderer (with its private launch page, as
// `npm start` has it), and Debian's Chromium driven by Playwright. One per test file (start-up costs seconds);
// close() undoes it all.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createWorkstationCore, type WorkstationCore, type WorkstationCoreOptions } from '../../../src/workstation/core.ts';
import { startBrowserShell, type BrowserShell } from '../../../src/web/browser-shell.ts';
import { prepareDemoData, type DemoDataSpec } from './demo-data.ts';
import { watchContextForCsp, watchPage, type PageProblems } from './page-problems.ts';
import { assertRendererBuilt, RENDERER_DIR } from './paths.ts';
import { startPlatform, type PlatformProcess } from './platform-process.ts';

import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../support/chromium.ts';

export const VIEWPORT = { width: 1440, height: 900 };

export interface BrowserApp {
  dataDir: string;
  /** The analyst's workspaces (local tables, tabs, history) of this run: a temp folder unless the test gave one. */
  workspacesDir: string;
  platform: PlatformProcess;
  core: WorkstationCore;
  shell: BrowserShell;
  browser: Browser;
  /** The context and page for the app (not yet opened: openFromLauncher(app), or page.goto(shell.launchUrl)). */
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not at ${CHROMIUM_PATH}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH.`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** A new context and page whose console errors, exceptions and CSP violations are collected in `problems`. */
export async function newWatchedPage(browser: Browser): Promise<{ context: BrowserContext; page: Page; problems: PageProblems }> {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'en-GB' });
  const page = await context.newPage();
  const problems = watchPage(page);
  // Before the page's first navigation: the listener is in place for every document it loads (popups too).
  await watchContextForCsp(context, problems.record);
  return { context, page, problems };
}

/** What a test may set on the workstation core: the platform address is the fixture's. */
export type CoreSettings = Omit<WorkstationCoreOptions, 'platformUrl'>;

/**
 * Tokens stay in memory (the e2e run must not touch a real keychain; the keychain itself is tested in
 * test/integration), so the app tells the user once that they will have to sign in again.
 */
const DEFAULT_CORE_SETTINGS: CoreSettings = { tokenStore: 'memory' };

export async function startBrowserApp(spec: DemoDataSpec, settings: CoreSettings = {}): Promise<BrowserApp> {
  assertRendererBuilt();
  const cleanups: (() => Promise<unknown> | void)[] = [];
  const close = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (err) {
        console.error('e2e clean-up step failed:', err);
      }
    }
  };
  try {
    const dataDir = await prepareDemoData(spec);
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const platform = await startPlatform(dataDir);
    cleanups.push(() => platform.stop());
    // Never the real user's workspaces folder: each app gets its own, removed at the end.
    let workspacesDir = settings.workspaces?.root;
    if (workspacesDir === undefined) {
      const made = await mkdtemp(join(tmpdir(), 'enclave-e2e-workspaces-'));
      cleanups.push(() => rm(made, { recursive: true, force: true }));
      workspacesDir = made;
    }
    // Nor the real user's drives folder (~/Enclave) or sync journals: a project opened in the window starts its drive's sync.
    let drives = settings.drives;
    if (drives?.root === undefined || drives.stateRoot === undefined) {
      const made = await mkdtemp(join(tmpdir(), 'enclave-e2e-drives-'));
      cleanups.push(() => rm(made, { recursive: true, force: true }));
      drives = { root: join(made, 'Enclave'), stateRoot: join(made, 'drive-sync'), ...drives };
    }
    const core = createWorkstationCore({
      ...DEFAULT_CORE_SETTINGS,
      ...settings,
      workspaces: { ...settings.workspaces, root: workspacesDir },
      drives,
      platformUrl: platform.url,
      log: (message, detail) => console.error(`[workstation] ${message}`, detail ?? ''),
    });
    cleanups.push(async () => {
      core.close();
      await core.closed();
    });
    const launchHome = await mkdtemp(join(tmpdir(), 'enclave-e2e-launch-'));
    cleanups.push(() => rm(launchHome, { recursive: true, force: true }));
    const shell = await startBrowserShell({
      core,
      rendererDir: RENDERER_DIR,
      launchPageDir: join(launchHome, 'launch'),
      log: (message, detail) => console.error(`[browser shell] ${message}`, detail ?? ''),
    });
    cleanups.push(() => shell.close());
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const { context, page, problems } = await newWatchedPage(browser);
    return { dataDir, workspacesDir, platform, core, shell, browser, context, page, problems, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Opens the app as `npm start` has Chromium do it: the private launch page's file URL (`--app=file:///…`). */
export async function openFromLauncher(app: BrowserApp): Promise<void> {
  if (app.shell.launchPage === null) throw new Error('The shell wrote no launch page.');
  await app.page.goto(pathToFileURL(app.shell.launchPage).href);
  // The launch page's meta refresh takes the browser on to the shell, where the page trades the code: done when
  // the page has rendered anything (it renders only once it holds its secret, or knows it has none). A DOM wait,
  // not waitForFunction: that evaluates a string in the page, which the page's CSP (no 'unsafe-eval') refuses.
  await app.page.waitForURL(`${app.shell.url}/`);
  await app.page.locator('#root > *').first().waitFor();
}
