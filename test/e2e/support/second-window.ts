// A second person's workstation (its own core and browser shell) on the same platform as the app's, and its window:
// in a secure environment each person has their own desktop, so tests of two people (an administrator acting on an
// analyst) run two.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { startBrowserShell, type BrowserShell } from '../../../src/web/browser-shell.ts';
import { createWorkstationCore, type WorkstationCore } from '../../../src/workstation/core.ts';
import { newWatchedPage, type BrowserApp } from './browser-app.ts';
import type { PageProblems } from './page-problems.ts';
import { RENDERER_DIR } from './paths.ts';

export interface SecondWindow {
  core: WorkstationCore;
  shell: BrowserShell;
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
  close(): Promise<void>;
}

export async function openSecondWindow(app: BrowserApp, label = 'second workstation'): Promise<SecondWindow> {
  const home = await mkdtemp(join(tmpdir(), 'enclave-e2e-second-'));
  const core = createWorkstationCore({
    tokenStore: 'memory',
    platformUrl: app.platform.url,
    workspaces: { root: join(home, 'workspaces') },
    log: (message, detail) => console.error(`[${label}] ${message}`, detail ?? ''),
  });
  const shell = await startBrowserShell({ core, rendererDir: RENDERER_DIR, launchPageDir: join(home, 'launch') });
  const { context, page, problems } = await newWatchedPage(app.browser);
  return {
    core,
    shell,
    context,
    page,
    problems,
    async close() {
      await context.close();
      await shell.close();
      core.close();
      await core.closed();
      await rm(home, { recursive: true, force: true });
    },
  };
}
