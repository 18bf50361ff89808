// The same journey in the Electron shell, driven by Playwright's `_electron`, plus the window's hardening seen
// from outside: no Node in the page, no navigation away, no new windows. Sign-in goes to the system browser:
// the test replaces shell.openExternal in the main process with a recorder and plays the system browser with
// a separate Chromium that fills the platform's real login page. Runs only where Electron's binary is
// installed (its npm package ships a downloader, and this machine may not reach the download): otherwise the
// suite is skipped and the reason printed. The hardening module's own logic is tested without the binary in
// test/unit.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, type Browser, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { findElectronBinary } from '../../scripts/electron-binary.ts';
import { AnalysisPage } from './pages/analysis-page.ts';
import { CataloguePage } from './pages/catalogue-page.ts';
import { ADA, LoginPage, SessionPage } from './pages/session-page.ts';
import { saveScreenshot } from './support/artifacts.ts';
import { expectNoSeriousAccessibilityViolations } from './support/axe.ts';
import { launchChromium, VIEWPORT } from './support/browser-app.ts';
import { prepareDemoData } from './support/demo-data.ts';
import { watchContextForCsp, watchPage, type PageProblems } from './support/page-problems.ts';
import { assertElectronMainBuilt, assertRendererBuilt, ELECTRON_MAIN, REPO_ROOT } from './support/paths.ts';
import { startPlatform, type PlatformProcess } from './support/platform-process.ts';

const DEMO = { scale: 10_000, seed: 1 };
const PROJECT = 'covid-outcomes';
const DATASET = 'hospital_episodes';
const TABLE = 'hospital_episodes_sample';
const APP_URL = 'app://enclave/index.html';
const FOREIGN_URL = 'https://example.com/';

function skipReason(): string | null {
  const binary = findElectronBinary();
  if (binary.path === null) return binary.reason;
  // Electron on Linux needs a display server; CI without one runs this under `xvfb-run`.
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'no display (DISPLAY and WAYLAND_DISPLAY are unset); run the tests under xvfb-run';
  }
  return null;
}

const reason = skipReason();
if (reason !== null) console.log(`electron e2e skipped: ${reason}`);

/** The main process's stderr, where the shell logs what its hardening blocked. */
function collectStderr(app: ElectronApplication): { text(): string; waitFor(pattern: RegExp): Promise<void> } {
  let text = '';
  app
    .process()
    .stderr?.setEncoding('utf8')
    .on('data', (chunk: string) => {
      text += chunk;
    });
  return {
    text: () => text,
    waitFor: (pattern) =>
      vi.waitFor(
        () => {
          if (!pattern.test(text))
            throw new Error(`The Electron main process has not logged ${pattern} yet. Its stderr so far:\n${text.slice(-2000)}`);
        },
        { timeout: 15_000, interval: 50 },
      ),
  };
}

describe.skipIf(reason !== null)('Electron shell: the analyst journey and the hardened window', () => {
  let dataDir: string;
  /** The analyst's workspaces of this run (never the real user's folder). */
  let workspacesDir: string | undefined;
  let platform: PlatformProcess;
  let app: ElectronApplication;
  let page: Page;
  let problems: PageProblems;
  let stderr: ReturnType<typeof collectStderr>;
  let catalogue: CataloguePage;
  let analysis: AnalysisPage;
  let session: SessionPage;
  /** Plays the user's system browser, where the identity provider's login page opens. */
  let systemBrowser: Browser;

  /** The URLs the app asked the system browser to open (recorded in the main process). */
  const openedExternally = (): Promise<string[]> =>
    app.evaluate(() => (globalThis as unknown as { __enclaveOpened?: string[] }).__enclaveOpened ?? []);

  /** Clicks Sign in (or unlock), opens what the app handed to the system browser there, and signs in on the login page. */
  async function signInThroughSystemBrowser(button = session.signInButton): Promise<void> {
    const before = (await openedExternally()).length;
    await button.click();
    const url = await vi.waitFor(
      async () => {
        const opened = await openedExternally();
        if (opened.length <= before) throw new Error('The app has not opened the system browser yet.');
        return opened[opened.length - 1];
      },
      { timeout: 15_000, interval: 100 },
    );
    expect(new URL(url).origin).toBe(new URL(platform.url).origin);
    const context = await systemBrowser.newContext({ viewport: VIEWPORT, locale: 'en-GB' });
    try {
      const login = new LoginPage(await context.newPage());
      await login.page.goto(url);
      await login.fill(ADA);
      await expect.poll(() => session.signedInAs(), { timeout: 30_000 }).toBe(ADA.displayName);
    } finally {
      await context.close();
    }
  }

  beforeAll(async () => {
    assertRendererBuilt();
    assertElectronMainBuilt();
    dataDir = await prepareDemoData(DEMO);
    workspacesDir = await mkdtemp(join(tmpdir(), 'enclave-e2e-workspaces-'));
    platform = await startPlatform(dataDir);
    const env = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
    // Set in some CI images; it would make the binary behave as plain Node instead of starting the app.
    delete env.ELECTRON_RUN_AS_NODE;
    // On Linux Playwright adds --no-sandbox (Chromium's OS sandbox refuses to start as root). The renderer's own
    // sandbox and context isolation are webPreferences and stay on: the tests below check them from the page.
    app = await _electron.launch({
      executablePath: (findElectronBinary() as { path: string }).path,
      args: [ELECTRON_MAIN],
      cwd: REPO_ROOT,
      env: {
        ...env,
        ENCLAVE_PLATFORM_URL: platform.url,
        ENCLAVE_TOKEN_STORE: 'memory',
        ENCLAVE_WORKSPACE_DIR: workspacesDir,
        // Never the real user's drives folder (~/Enclave) or sync journals (the data dir's drive-sync/).
        ENCLAVE_DRIVES_DIR: join(workspacesDir, 'Enclave'),
        ENCLAVE_DATA_DIR: join(workspacesDir, 'data'),
      },
    });
    // The system browser, as far as the app can tell: record what it is asked to open instead of opening it.
    const replaced = await app.evaluate(({ shell }) => {
      const opened: string[] = [];
      (globalThis as unknown as { __enclaveOpened: string[] }).__enclaveOpened = opened;
      const recorder = async (url: string): Promise<void> => {
        opened.push(url);
      };
      shell.openExternal = recorder;
      return shell.openExternal === recorder;
    });
    if (!replaced)
      throw new Error("Could not replace shell.openExternal in Electron's main process; the sign-in test cannot play the system browser.");
    systemBrowser = await launchChromium();
    stderr = collectStderr(app);
    page = await app.firstWindow();
    const watched = watchPage(page);
    problems = watched;
    await watchContextForCsp(app.context(), watched.record);
    // The first load happened before the CSP listener existed: load again under watch (an app:// reload is allowed).
    await page.reload();
    catalogue = new CataloguePage(page);
    analysis = new AnalysisPage(page);
    session = new SessionPage(page, problems);
  }, 120_000);

  afterEach((context) => {
    problems?.assertNone(`during "${context.task.name}"`);
  });

  afterAll(async () => {
    await systemBrowser?.close();
    await app?.close();
    await platform?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    if (workspacesDir) await rm(workspacesDir, { recursive: true, force: true });
  });

  it('shows one window on app://enclave, on the sign-in screen, in demo mode', async () => {
    expect(page.url()).toBe(APP_URL);
    await session.waitForSignInScreen();
    expect(await catalogue.demoBanner.innerText()).toMatch(/^Demo platform — synthetic data and demo accounts only/);
    expect(app.windows()).toHaveLength(1);
    await saveScreenshot(page, 'electron-00-sign-in');
    await expectNoSeriousAccessibilityViolations(page, 'Electron sign-in');
  }, 90_000);

  it('signs in through the system browser and shows who is signed in', async () => {
    await signInThroughSystemBrowser();

    expect(await session.userRole.innerText()).toBe(ADA.role);
    await catalogue.project(PROJECT).waitFor();
    // The sign-in happened outside: the app still has exactly one window.
    expect(app.windows()).toHaveLength(1);
  }, 90_000);

  it('gives the page no Node: context isolation and sandbox, with only invoke/listen exposed', async () => {
    const globals = await page.evaluate<Record<string, unknown>>(`({
      require: typeof require, process: typeof process, module: typeof module, buffer: typeof Buffer,
      enclave: typeof window.enclave === 'object' ? Object.keys(window.enclave).sort() : null,
    })`);

    expect(globals).toEqual({
      require: 'undefined',
      process: 'undefined',
      module: 'undefined',
      buffer: 'undefined',
      enclave: ['invoke', 'listen'],
    });
  });

  it('browses the catalogue: datasets with row counts, fields with tags, each with its treatment for this project', async () => {
    await catalogue.pickProject(PROJECT);
    await catalogue.openDataset(DATASET);

    expect(await catalogue.dataset(DATASET).innerText()).toMatch(/[\d,]+ rows/);
    expect((await catalogue.fieldRow('admission_date')).tags).toEqual(['Quasi-identifier', 'Clinical']);
    expect((await catalogue.fieldRow('nhs_number')).availability).toBe('NHS number → project pseudonym');
    await saveScreenshot(page, 'electron-01-catalogue');
    await expectNoSeriousAccessibilityViolations(page, 'Electron catalogue');
  });

  it('opens a sample into local DuckDB, runs a GROUP BY and draws a bar chart', async () => {
    expect(await catalogue.openSample(1_000)).toMatch(new RegExp(`^Loaded ${TABLE}: 1,000 rows in `));
    await analysis.open();

    const outcome = await analysis.runQuery(
      `SELECT admission_method, count(*) AS episodes FROM ${TABLE} GROUP BY admission_method ORDER BY admission_method`,
    );
    expect(outcome.error).toBe('');
    expect(await analysis.gridRows()).toBe(4);
    const caption = await analysis.drawChart({ type: 'bar', x: 'admission_method', y: 'episodes' });
    expect(caption).toMatch(/^Bar chart: .*, 4 bars\.$/);
    await saveScreenshot(page, 'electron-02-analysis');
    await expectNoSeriousAccessibilityViolations(page, 'Electron analysis');
  }, 120_000);

  it('refuses to navigate the window away from the app', async () => {
    await page.evaluate(`location.href = ${JSON.stringify(FOREIGN_URL)}; true`);

    await stderr.waitFor(/Blocked a navigation away from the app: https:\/\/example\.com\//);
    expect(page.url()).toBe(APP_URL);
    expect(await catalogue.demoBanner.isVisible()).toBe(true);
  });

  it('refuses to open new windows, and does not hand the URL to the system browser', async () => {
    const opened = await page.evaluate(`window.open(${JSON.stringify(FOREIGN_URL)}) === null`);

    expect(opened).toBe(true);
    await stderr.waitFor(/Refused to open an external URL that is not the identity provider's: https:\/\/example\.com\//);
    expect(app.windows()).toHaveLength(1);
    expect(await openedExternally()).not.toContain(FOREIGN_URL);
  });

  it('locks by hand, hiding the work, and unlocks with a fresh sign-in in the system browser', async () => {
    await session.lockButton.click();
    await session.lockScreen.waitFor();
    expect(await session.appShell.getAttribute('inert')).not.toBeNull();
    expect(await analysis.grid.isVisible()).toBe(false);
    await saveScreenshot(page, 'electron-03-locked');
    await expectNoSeriousAccessibilityViolations(page, 'Electron lock');

    await signInThroughSystemBrowser(session.unlockButton);

    expect(await session.lockScreen.count()).toBe(0);
    expect(await analysis.gridRows()).toBe(4);
  }, 90_000);

  it('signs out: the workspace is closed and kept for her, and the sign-in screen is back', async () => {
    await session.signOut();

    await expect
      .poll(() => session.cleared.innerText(), { timeout: 15_000 })
      .toBe(
        'Your projects’ local tables stay on this computer in your private workspace, for your next sign-in. Nothing was kept in this window.',
      );
    expect(await session.workspace.count()).toBe(0);
    await saveScreenshot(page, 'electron-04-signed-out');
  });
});
