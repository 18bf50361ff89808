// The Drive screen's sync line when the platform's certificate is refused (issue 19, A.6), in Chromium with the app's
// own styles: the real sync engine runs against a real https server whose certificate (from a test CA) this process
// does not trust, and the status it reports is drawn by the Drive screen's own component (SyncPanel) and looked at.
// It must read "Stopped: A certificate is not trusted — …", naming the problem and ENCLAVE_CA_FILE, and nowhere
// "Offline" or "cannot be reached". Signing in over TLS the workstation does not trust is impossible, so the Drive
// screen itself cannot reach this state in the app; the component is the screen's, the status the engine's.
// Screenshots: test-results/e2e/drive-sync-not-trusted.png (1366×768) and -320.png (320 wide); axe checks it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createElement, type ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../../src/common/client.ts';
import { DriveSyncViewSchema, type DriveSyncView } from '../../src/common/contract.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/chromium.ts';
import { makeTestCa, type TestCa } from '../support/test-ca.ts';
import { DRIVE_PROJECT, openSyncOver, startDriveHttps, type DriveHttps } from '../integration/drive-tls-support.ts';
import { newDesk, removeDesk, type Desk } from '../unit/workstation/drives/support/sync-kit.ts';
import { saveScreenshot } from './support/artifacts.ts';
import { expectNoSeriousAccessibilityViolations } from './support/axe.ts';
import { REPO_ROOT } from './support/paths.ts';

const STYLES = ['renderer/src/shell/app.css', 'renderer/src/drives/drive.css'];

/**
 * The Drive screen's own component. Named by a variable: the Node side's types do not compile JSX
 * (tsconfig.node.json), while Vitest transforms the module as the renderer's build does.
 */
const DRIVE_STATUS_MODULE = '../../renderer/src/drives/DriveStatus.tsx';
type SyncPanelProps = { client: Client; projectId: string; view: DriveSyncView; onView: (view: DriveSyncView) => void };
const { SyncPanel } = (await import(DRIVE_STATUS_MODULE)) as { SyncPanel: (props: SyncPanelProps) => ReactNode };

/** The component is drawn once, statically: it never calls the workstation. */
const NO_CLIENT = {
  invoke: () => Promise.reject(new Error('not in this test')),
  listen: () => () => undefined,
} as unknown as Client;

let ca: TestCa;
let server: DriveHttps;
let desk: Desk;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  ca = makeTestCa('Enclave Drive Test CA');
  server = await startDriveHttps(ca.issue('platform'));
  desk = await newDesk('tls-screen');
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (desk !== undefined) await removeDesk(desk);
  ca?.remove();
});

describe("the Drive screen's sync line, the platform's certificate not trusted", () => {
  it('says Stopped: A certificate is not trusted — the problem and ENCLAVE_CA_FILE; never Offline', async () => {
    const sync = await openSyncOver({ url: server.url, localRoot: desk.root, stateDir: desk.stateDir, intervalMs: 0 });
    let status;
    try {
      status = await sync.syncNow();
    } finally {
      await sync.close();
    }
    const view = DriveSyncViewSchema.parse({ projectId: DRIVE_PROJECT, mode: 'disk', localRoot: desk.root, problem: null, status });
    const panel = renderToStaticMarkup(
      createElement(SyncPanel, { client: NO_CLIENT, projectId: DRIVE_PROJECT, view, onView: () => undefined }),
    );
    const css = (await Promise.all(STYLES.map((file) => readFile(join(REPO_ROOT, file), 'utf8')))).join('\n');
    await page.setContent(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Drive — Enclave</title><style>${css}</style></head>` +
        `<body><main style="padding: 1.5rem; max-width: 72rem"><h1>Drive</h1>${panel}</main></body></html>`,
    );

    const line = page.getByTestId('drive-sync-phase');
    await expect.poll(() => line.textContent()).toMatch(/^Stopped: A certificate is not trusted — The certificate of the platform at /);
    const text = (await line.textContent()) ?? '';
    expect(text).toContain('(UNABLE_TO_VERIFY_LEAF_SIGNATURE)');
    expect(text).toContain('set ENCLAVE_CA_FILE');
    expect(await page.getByTestId('drive-sync').getAttribute('data-phase')).toBe('stopped');
    expect(await page.locator('main').innerText()).not.toMatch(/offline|cannot be reached/i);
    expect(await page.getByTestId('drive-notice').getAttribute('data-kind')).toBe('root_missing');

    await saveScreenshot(page, 'drive-sync-not-trusted');
    await expectNoSeriousAccessibilityViolations(page, 'Drive (certificate not trusted)');

    // WCAG 2.2 reflow (1.4.10): at 320 CSS pixels the few sentences wrap, nothing scrolls sideways.
    await page.setViewportSize({ width: 320, height: 768 });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320);
    await saveScreenshot(page, 'drive-sync-not-trusted-320');
  });
});
