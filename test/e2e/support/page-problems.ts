// Everything a page reports that a user would never want: console errors (from the page and its workers),
// uncaught exceptions, and Content-Security-Policy violations. A test fails if any occur.
import type { BrowserContext, ConsoleMessage, Page } from 'playwright-core';

export interface PageProblems {
  /** Problems seen so far, oldest first. */
  readonly list: readonly string[];
  /** Throws, listing them, if any problem was seen since the last call. */
  assertNone(when: string): void;
  /** Adds a problem (from the CSP listener, or from another tab the app opened). */
  record(text: string): void;
}

const CSP_BINDING = '__enclaveE2eCspViolation';

/**
 * Runs in every page before its own scripts (an init script is injected by the DevTools protocol, so the page's
 * CSP does not apply to it) and reports each violation to the test through a binding.
 */
const CSP_LISTENER = `(() => {
  const report = globalThis[${JSON.stringify(CSP_BINDING)}];
  if (typeof report !== 'function') return;
  document.addEventListener('securitypolicyviolation', (event) => {
    report({
      directive: event.effectiveDirective || event.violatedDirective,
      blocked: event.blockedURI,
      source: event.sourceFile,
      line: event.lineNumber,
      sample: event.sample,
    });
  }, true);
})();`;

interface CspReport {
  directive?: string;
  blocked?: string;
  source?: string;
  line?: number;
  sample?: string;
}

/** Install on a context before any of its pages load (bindings and init scripts apply to later documents). */
export async function watchContextForCsp(context: BrowserContext, onViolation: (text: string) => void): Promise<void> {
  await context.exposeBinding(CSP_BINDING, (_source, report: CspReport) => {
    onViolation(
      `CSP violation: ${report.directive ?? '?'} blocked ${report.blocked || '(inline)'} at ${report.source ?? '?'}:${report.line ?? '?'}${report.sample ? ` sample: ${report.sample}` : ''}`,
    );
  });
  await context.addInitScript({ content: CSP_LISTENER });
}

function describeConsole(message: ConsoleMessage): string {
  const location = message.location();
  const where = location.url ? ` (${location.url}:${location.lineNumber})` : '';
  return `console.${message.type()}${message.worker() ? ' in a worker' : ''}: ${message.text()}${where}`;
}

/**
 * Sends a page's console errors, uncaught exceptions and crashes to `record`: for the watched page, and for pages
 * it opens (the identity provider's login tab), whose problems count as the app's. `label` names the page.
 */
/**
 * Chromium logs every 4xx answer to a fetch as a console error. The browser shell answers a refused call of its API
 * with the error's status (src/common/errors.ts: an analyst's SQL error is a 400, a cancelled call a 499) and an
 * error value the page shows; those are the app working, not a problem. A 5xx, or a 4xx anywhere else, still is.
 */
export function isAnsweredApiRefusal(message: ConsoleMessage): boolean {
  const url = message.location().url;
  return (
    /^Failed to load resource: the server responded with a status of 4\d\d\b/.test(message.text()) &&
    url !== undefined &&
    /^http:\/\/127\.0\.0\.1:\d+\/api\/invoke\/[a-z]+\.[A-Za-z]+$/.test(url)
  );
}

export function listenForProblems(page: Page, record: (text: string) => void, label = ''): void {
  const where = label ? ` [${label}]` : '';
  page.on('console', (message) => {
    if (message.type() === 'error' && !isAnsweredApiRefusal(message)) record(`${describeConsole(message)}${where}`);
    // Chromium reports CSP violations as console errors too; warnings about CSP are worth failing on as well.
    else if (message.type() === 'warning' && /Content.Security.Policy/i.test(message.text())) record(`${describeConsole(message)}${where}`);
  });
  page.on('pageerror', (error) => record(`uncaught exception: ${error.message}${where}`));
  page.on('crash', () => record(`the page crashed${where}`));
}

/** Collects a page's problems. CSP violations arrive through watchContextForCsp's callback (pass `record`). */
export function watchPage(page: Page): PageProblems {
  const list: string[] = [];
  let reported = 0;
  const record = (text: string): void => {
    list.push(text);
  };
  listenForProblems(page, record);
  return {
    get list() {
      return list;
    },
    record,
    assertNone(when: string) {
      const fresh = list.slice(reported);
      reported = list.length;
      if (fresh.length > 0) throw new Error(`The page reported ${fresh.length} problem(s) ${when}:\n  ${fresh.join('\n  ')}`);
    },
  };
}
