// The automated accessibility check DESIGN.md asks for: axe-core on each screen, failing on serious or critical
// violations (WCAG 2.2 AA rules plus axe's best practices), printing every violation it finds.
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { AXE_SCRIPT } from './paths.ts';

interface AxeNode {
  target: unknown[];
  html: string;
  failureSummary?: string;
}

export interface AxeViolation {
  id: string;
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  helpUrl: string;
  nodes: AxeNode[];
}

const FAILING_IMPACTS = new Set(['serious', 'critical']);
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

let axeSource: Promise<string> | undefined;

/**
 * Loads axe into the page. Playwright's evaluate runs through the DevTools protocol, which the page's CSP
 * (script-src 'self') does not govern, so no <script> tag and no CSP change are needed.
 */
async function injectAxe(page: Page): Promise<void> {
  const loaded = await page.evaluate<boolean>('typeof globalThis.axe === "object"');
  if (loaded) return;
  axeSource ??= readFile(AXE_SCRIPT, 'utf8');
  await page.evaluate(await axeSource);
}

function describe(violation: AxeViolation): string {
  const nodes = violation.nodes
    .slice(0, 5)
    .map(
      (node) =>
        `      ${JSON.stringify(node.target)} ${node.html.slice(0, 160)}${node.failureSummary ? `\n        ${node.failureSummary.replaceAll('\n', '\n        ')}` : ''}`,
    )
    .join('\n');
  const more = violation.nodes.length > 5 ? `\n      … and ${violation.nodes.length - 5} more` : '';
  return `  [${violation.impact ?? 'unknown'}] ${violation.id}: ${violation.help} (${violation.helpUrl})\n${nodes}${more}`;
}

/** Runs axe on the whole page as it is now; returns its violations and prints them all. */
export async function runAxe(page: Page, screen: string): Promise<AxeViolation[]> {
  await injectAxe(page);
  const violations = await page.evaluate<AxeViolation[]>(
    `globalThis.axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(TAGS)} }, resultTypes: ['violations'] })
      .then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, failureSummary: n.failureSummary })) })))`,
  );
  if (violations.length > 0) {
    console.log(`axe on the ${screen} screen: ${violations.length} violation(s)\n${violations.map(describe).join('\n')}`);
  } else {
    console.log(`axe on the ${screen} screen: no violations`);
  }
  return violations;
}

/** Fails (with the list) if axe finds a serious or critical violation on the page. */
export async function expectNoSeriousAccessibilityViolations(page: Page, screen: string): Promise<void> {
  const serious = (await runAxe(page, screen)).filter((v) => v.impact !== null && FAILING_IMPACTS.has(v.impact));
  if (serious.length > 0) {
    throw new Error(
      `axe found ${serious.length} serious or critical accessibility violation(s) on the ${screen} screen:\n${serious.map(describe).join('\n')}`,
    );
  }
}
