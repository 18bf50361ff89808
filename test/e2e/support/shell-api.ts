// Calls the browser shell's API as the page would (its origin, its session cookie), from the test process: how
// a test asks what the workstation answers for the signed-in user without a console error in the page.
import type { BrowserApp } from './browser-app.ts';
import { probe } from './http-probe.ts';

export interface ShellAnswer {
  status: number;
  body: { ok: boolean; value?: unknown; error?: { code: string; message: string } };
}

export async function invokeAsPage(app: BrowserApp, method: string, input: unknown = {}): Promise<ShellAnswer> {
  const cookie = (await app.context.cookies(app.shell.url)).find((c) => c.name === 'enclave_session');
  if (!cookie) throw new Error('The page has no browser-shell session cookie: open the launch URL first.');
  const answer = await probe(`${app.shell.url}/api/invoke/${encodeURIComponent(method)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: app.shell.url, Cookie: `enclave_session=${cookie.value}` },
    body: JSON.stringify(input),
  });
  return { status: answer.status, body: JSON.parse(answer.body) as ShellAnswer['body'] };
}
