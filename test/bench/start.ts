// Start-up of the browser shell, as a user waits for it: from launching the shell process (`node src/web/run.ts`, as
// `npm start` does once the platform is up) to the sign-in screen being interactive in Chromium (the "Sign in" button
// visible and enabled), through the shell's listening line, Chromium's start and the launch page. Chromium keeps one
// profile across the runs, as the launcher's window does (its HTTP and code caches), so the first run is cold (a new
// profile, a shell started for the first time) and the rest are warm. The demo platform runs throughout (started
// once, not timed here: its start-up is reported beside). Tokens are kept in memory (ENCLAVE_TOKEN_STORE=memory), as
// in the e2e suite, so no keychain is touched and every start shows the sign-in screen.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { bestEffort } from '../../src/common/detached.ts';
import { prepareDemoData } from '../e2e/support/demo-data.ts';
import { startPlatform } from '../e2e/support/platform-process.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/chromium.ts';
import { median } from './measure.ts';

/** The issue's goal for a warm start, in milliseconds. */
export const START_GOAL_MS = 2_000;

/** The demo data `npm start` generates (scripts/start.ts). */
const DEMO = { scale: 10_000, seed: 1 };

const STEP_TIMEOUT_MS = 60_000;

/** The sign-in screen, signed out, with its button ready to press. */
const SIGN_IN_READY = '[data-testid="sign-in-screen"][data-state="signed_out"] [data-testid="sign-in"]:enabled';

export interface StartRun {
  /** Launching the shell process to the sign-in button visible and enabled. */
  ms: number;
  /** … of which the shell process's start until it printed its listening line. */
  shellMs: number;
  /** … Chromium's start (a persistent profile). */
  browserMs: number;
  /** … the launch page, the app's page and its first render until the button is ready. */
  pageMs: number;
}

export interface StartResult {
  runs: number;
  cold: StartRun | null;
  warm: StartRun[];
  warmMedian: StartRun | null;
  platformStartMs: number | null;
  /** The app build the shell served (out/renderer) and whether renderer/ changed after it. */
  build: { builtAt: string | null; olderThanSources: boolean };
  /** Console errors or page errors the app reported while starting (should be none). */
  pageProblems: string[];
  error: string | null;
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts the shell process; resolves with the launch page's path once it prints its listening line. */
function startShell(options: { root: string; env: NodeJS.ProcessEnv; launchDir: string }): { child: ChildProcess; ready: Promise<string> } {
  const child = spawn(process.execPath, [path.join(options.root, 'src', 'web', 'run.ts'), '--launch-page-dir', options.launchDir], {
    cwd: options.root,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`The browser shell did not listen within ${STEP_TIMEOUT_MS / 1000} s.`)),
      STEP_TIMEOUT_MS,
    );
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const message = JSON.parse(line) as { event?: string; launchPage?: string | null };
        if (message.event !== 'listening') return;
        clearTimeout(timer);
        if (typeof message.launchPage === 'string') resolve(message.launchPage);
        else reject(new Error('The browser shell wrote no launch page.'));
      } catch {
        // Not the announcement line.
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The browser shell exited (${code}) before it listened:\n${stderr}`));
    });
  });
  return { child, ready };
}

/** One start: the shell process, Chromium on the given profile, the launch page, the sign-in button ready. */
async function timeStart(options: {
  root: string;
  env: NodeJS.ProcessEnv;
  launchDir: string;
  profileDir: string;
  problems: string[];
}): Promise<StartRun> {
  const start = performance.now();
  const shell = startShell(options);
  try {
    const launchPage = await shell.ready;
    const listening = performance.now();
    const context = await chromium.launchPersistentContext(options.profileDir, {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: { width: 1366, height: 768 },
      locale: 'en-GB',
      timeout: STEP_TIMEOUT_MS,
    });
    try {
      const browserUp = performance.now();
      const page = context.pages()[0] ?? (await context.newPage());
      page.on('console', (message) => {
        if (message.type() === 'error') options.problems.push(message.text());
      });
      page.on('pageerror', (err) => options.problems.push(err.message));
      // As `npm start` opens it (`--app=file:///…launch-….html`); the page sends the browser on to the shell.
      await page.goto(pathToFileURL(launchPage).href, { waitUntil: 'commit', timeout: STEP_TIMEOUT_MS });
      await page.locator(SIGN_IN_READY).waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
      const ready = performance.now();
      return { ms: ready - start, shellMs: listening - start, browserMs: browserUp - listening, pageMs: ready - browserUp };
    } finally {
      await bestEffort(context.close());
    }
  } finally {
    if (shell.child.exitCode === null && shell.child.signalCode === null) shell.child.kill('SIGTERM');
    await waitForExit(shell.child);
  }
}

async function buildFacts(root: string): Promise<StartResult['build']> {
  const index = path.join(root, 'out', 'renderer', 'index.html');
  const built = await stat(index).catch(() => null);
  if (built === null) return { builtAt: null, olderThanSources: true };
  const entries = await readdir(path.join(root, 'renderer'), { recursive: true, withFileTypes: true });
  let newest = 0;
  for (const entry of entries) {
    if (entry.isFile()) newest = Math.max(newest, (await stat(path.join(entry.parentPath, entry.name))).mtimeMs);
  }
  return { builtAt: built.mtime.toISOString(), olderThanSources: built.mtimeMs < newest };
}

function medianRun(runs: readonly StartRun[]): StartRun | null {
  if (runs.length === 0) return null;
  const of = (key: keyof StartRun): number => median(runs.map((run) => run[key]));
  return { ms: of('ms'), shellMs: of('shellMs'), browserMs: of('browserMs'), pageMs: of('pageMs') };
}

/** One cold start, then `runs` warm ones. Needs the app's build in out/renderer (`npm run build`). */
export async function benchStart(options: { root: string; runs: number; log: (line: string) => void }): Promise<StartResult> {
  const { root, runs, log } = options;
  const result: StartResult = {
    runs,
    cold: null,
    warm: [],
    warmMedian: null,
    platformStartMs: null,
    build: await buildFacts(root),
    pageProblems: [],
    error: null,
  };
  if (result.build.builtAt === null) {
    result.error = 'The app is not built (out/renderer/index.html is missing): run `npm run build` first.';
    return result;
  }
  if (!existsSync(CHROMIUM_PATH)) {
    result.error = `Chromium is not at ${CHROMIUM_PATH}.`;
    return result;
  }
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    log('Start-up: preparing the demo platform…');
    const dataDir = await prepareDemoData(DEMO);
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const platformStart = performance.now();
    const platform = await startPlatform(dataDir);
    result.platformStartMs = performance.now() - platformStart;
    cleanups.push(() => platform.stop());
    const home = await mkdtemp(path.join(tmpdir(), 'enclave-bench-start-'));
    cleanups.push(() => rm(home, { recursive: true, force: true }));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ENCLAVE_PLATFORM_URL: platform.url,
      ENCLAVE_DATA_DIR: home,
      ENCLAVE_TOKEN_STORE: 'memory',
    };
    const timing = {
      root,
      env,
      launchDir: path.join(home, 'launch'),
      profileDir: path.join(home, 'chromium-profile'),
      problems: result.pageProblems,
    };
    for (let run = 0; run <= runs; run += 1) {
      log(`  start-up: ${run === 0 ? 'cold (new Chromium profile)' : `warm ${run} of ${runs}`}`);
      const timed = await timeStart(timing);
      if (run === 0) result.cold = timed;
      else result.warm.push(timed);
    }
    result.warmMedian = medianRun(result.warm);
  } catch (err) {
    result.error = err instanceof Error ? err.message.split('\n')[0] : String(err);
  } finally {
    for (const cleanup of cleanups.reverse()) await bestEffort(cleanup());
  }
  return result;
}
