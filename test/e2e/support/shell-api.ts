// Calls the browser shell's API as the page would (its origin, its session secret in the header), from the test
// process: how a test asks what the workstation answers for the signed-in user without a console error in the page.
import type { BrowserApp } from './browser-app.ts';
import { probe } from './http-probe.ts';

export interface ShellAnswer {
  status: number;
  body: { ok: boolean; value?: unknown; error?: { code: string; message: string } };
}

/** The key renderer/src/session/launch.ts keeps the window's session secret under, in sessionStorage. */
export const SESSION_STORAGE_KEY = 'enclave.browser-shell.session';

/** The session secret the app's page holds (null before the launch link was opened). */
export async function pageSessionSecret(app: BrowserApp): Promise<string | null> {
  return await app.page.evaluate<string | null>(`sessionStorage.getItem(${JSON.stringify(SESSION_STORAGE_KEY)})`);
}

export async function invokeAsPage(app: BrowserApp, method: string, input: unknown = {}): Promise<ShellAnswer> {
  const secret = await pageSessionSecret(app);
  if (!secret) throw new Error('The page has no browser-shell session: open the launch URL first.');
  const answer = await probe(`${app.shell.url}/api/invoke/${encodeURIComponent(method)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: app.shell.url, 'X-Enclave-Session': secret },
    body: JSON.stringify(input),
  });
  return { status: answer.status, body: JSON.parse(answer.body) as ShellAnswer['body'] };
}
