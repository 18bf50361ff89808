// Extracts the CSS that Plotly injects as <style> elements at load, so the renderer can ship it as same-origin
// files under a strict CSP (../shared/FACTS.md: Plotly skips injecting when elements with its ids exist).
// Run once, and again after upgrading plotly.js-dist-min:  npx node scripts/extract-plotly-css.ts
// It loads the package in headless Chromium (no CSP there), reads the rules Plotly wrote, writes them under
// renderer/public/plotly/, and rewrites the map library's <link id> in renderer/index.html (the id is a hash
// that changes between Plotly versions).
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const GLOBAL_ID = 'plotly.js-style-global';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface Extracted {
  globalRules: string[];
  others: { id: string; css: string }[];
}

async function extract(source: string): Promise<Extracted> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><head></head><body></body></html>');
    await page.addScriptTag({ content: source });
    // Runs in the page; written as text because this script is type-checked without DOM types.
    return await page.evaluate<Extracted>(`(() => {
      const globalStyle = document.getElementById(${JSON.stringify(GLOBAL_ID)});
      const globalRules = globalStyle && globalStyle.sheet ? Array.from(globalStyle.sheet.cssRules, (rule) => rule.cssText) : [];
      const others = Array.from(document.querySelectorAll('style'))
        .filter((style) => style.id !== ${JSON.stringify(GLOBAL_ID)})
        .map((style) => ({ id: style.id, css: style.textContent || '' }));
      return { globalRules, others };
    })()`);
  } finally {
    await browser.close();
  }
}

async function main(): Promise<void> {
  const bundlePath = require.resolve('plotly.js-dist-min');
  const version = (JSON.parse(await readFile(resolve(bundlePath, '../package.json'), 'utf8')) as { version: string }).version;
  const { globalRules, others } = await extract(await readFile(bundlePath, 'utf8'));
  if (globalRules.length === 0) throw new Error(`No rules found in #${GLOBAL_ID}; has Plotly changed how it injects CSS?`);
  if (others.length !== 1 || !/^[0-9a-f]{16,}$/.test(others[0].id)) {
    throw new Error(`Expected exactly one other <style> (the map library's, with a hash id); found ${others.length}.`);
  }
  const mapStyle = others[0];
  const header = (what: string): string =>
    `/* ${what} extracted from plotly.js-dist-min ${version} by scripts/extract-plotly-css.ts. Do not edit. */\n`;
  const outDir = resolve(root, 'renderer/public/plotly');
  await mkdir(outDir, { recursive: true });
  await writeFile(resolve(outDir, 'plotly-global.css'), header("Plotly's global style") + globalRules.join('\n') + '\n');
  await writeFile(resolve(outDir, 'maplibre.css'), header("The map library's style") + mapStyle.css + '\n');

  const indexPath = resolve(root, 'renderer/index.html');
  const html = await readFile(indexPath, 'utf8');
  const linkPattern = /(<link rel="stylesheet" id=")[0-9a-f]{16,}(" href="\/plotly\/maplibre.css")/;
  if (!linkPattern.test(html)) throw new Error('renderer/index.html has no <link> for /plotly/maplibre.css to update.');
  await writeFile(indexPath, html.replace(linkPattern, `$1${mapStyle.id}$2`));
  process.stdout.write(
    `Plotly ${version}: ${globalRules.length} global rules, map style id ${mapStyle.id} (${mapStyle.css.length} chars).\n`,
  );
}

await main();
