// DuckDB-wasm for the bench: Debian Chromium (headless, through playwright-core) opens the renderer's bench page,
// which runs the app's own local engine (renderer/src/analysis/engine.ts: same bundle, worker and settings) and
// exposes window.enclaveBench. One browser per run, one fresh page (so one fresh engine) per data size.
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

import { bestEffort } from '../../src/common/detached.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../support/chromium.ts';
import { FIRST_PAGE_ROWS } from './options.ts';

/** Loading 10 million rows or running a slow query takes minutes, not Playwright's default 30 s. */
const STEP_TIMEOUT_MS = 20 * 60_000;

/** window.enclaveBench as seen from here (renderer/src/bench/main.ts); this file has no DOM types. */
interface BenchGlobal {
  enclaveBench?: {
    ready: Promise<void>;
    load(name: string, url: string): Promise<{ ms: number; fetchMs: number; rows: number }>;
    run(sql: string): Promise<{ ms: number; rows: number }>;
    runPaged(sql: string, pageRows: number): Promise<{ ms: number; rows: number }>;
  };
}

export interface WasmSession {
  /** Time from navigation to the engine being ready (module download, compile, open). */
  startMs: number;
  load(name: string, path: string): Promise<{ ms: number; fetchMs: number; rows: number }>;
  run(sql: string): Promise<{ ms: number; rows: number }>;
  /** As the app drives it: LocalEngine.run, the result kept in the engine, plus the first page. */
  runPaged(sql: string): Promise<{ ms: number; rows: number }>;
  /** Console errors and CSP violations the page reported (should be none). */
  problems(): string[];
  close(): Promise<void>;
}

export interface WasmBrowser {
  chromiumVersion: string;
  open(url: string): Promise<WasmSession>;
  close(): Promise<void>;
}

function withDeadline<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${STEP_TIMEOUT_MS / 60_000} minutes`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Playwright wraps page errors; the page's own message is the useful part. */
export function pageErrorMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const match = /Error: (.*)$/m.exec(text.replace(/^page\.evaluate: /, ''));
  return (match?.[1] ?? text).split('\n')[0].trim();
}

async function openSession(browser: Browser, url: string): Promise<WasmSession> {
  const context = await browser.newContext();
  const page: Page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('crash', () => problems.push('The page crashed.'));
  const start = performance.now();
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as unknown as BenchGlobal).enclaveBench !== undefined);
  await withDeadline(
    page.evaluate(() => (globalThis as unknown as BenchGlobal).enclaveBench!.ready),
    'Starting DuckDB-wasm',
  );
  const startMs = performance.now() - start;
  return {
    startMs,
    load: (name, path) =>
      withDeadline(
        page.evaluate(([n, p]) => (globalThis as unknown as BenchGlobal).enclaveBench!.load(n, p), [name, path] as const),
        `Loading ${name}`,
      ),
    run: (sql) =>
      withDeadline(
        page.evaluate((s) => (globalThis as unknown as BenchGlobal).enclaveBench!.run(s), sql),
        'A query',
      ),
    runPaged: (sql) =>
      withDeadline(
        page.evaluate(([s, rows]) => (globalThis as unknown as BenchGlobal).enclaveBench!.runPaged(s, rows), [
          sql,
          FIRST_PAGE_ROWS,
        ] as const),
        'A query',
      ),
    problems: () => [...problems],
    close: () => bestEffort(context.close()),
  };
}

export async function launchWasmBrowser(): Promise<WasmBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, timeout: 120_000 });
  return {
    chromiumVersion: browser.version(),
    open: (url) => openSession(browser, url),
    close: () => browser.close(),
  };
}
