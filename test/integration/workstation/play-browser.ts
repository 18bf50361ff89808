// "Plays the browser" for the workstation's sign-in against the real embedded provider: follows the authorization
// URL to the login page, posts the demo credentials, follows the redirects to the loopback listener (or stops just
// before it), and the device-code pages for the CLI. Builds on the identity tests' cookie-jar Browser.
import { Browser, loginFormAction, submitLogin } from '../identity/support.ts';

export { Browser };

export const PASSWORDS: Record<string, string> = {
  'demo-analyst': 'ada-demo-pass',
  'demo-analyst-2': 'ben-demo-pass',
  'demo-checker-1': 'chloe-demo-pass',
  'demo-checker-2': 'chidi-demo-pass',
  'demo-admin': 'dana-demo-pass',
};

export interface LoginOptions {
  authorizationUrl: string;
  platformUrl: string;
  username: string;
  password?: string;
  browser?: Browser;
}

/** Logs in at the provider and returns where it redirects the browser (the loopback callback), without going. */
export async function loginAtProvider(options: LoginOptions): Promise<string> {
  const browser = options.browser ?? new Browser();
  const start = await browser.follow(options.authorizationUrl, {}, options.platformUrl);
  const html = await start.response.text();
  const action = loginFormAction(html, start.url);
  if (action === undefined) throw new Error(`No login form at ${start.url} (HTTP ${start.response.status}): ${html.slice(0, 300)}`);
  const done = await submitLogin({
    browser,
    action,
    username: options.username,
    password: options.password ?? PASSWORDS[options.username] ?? '',
    platformUrl: options.platformUrl,
  });
  if (done.url.startsWith(options.platformUrl))
    throw new Error(`The login did not leave the provider (HTTP ${done.response.status} at ${done.url}).`);
  return done.url;
}

/** The whole browser side: log in, then land on the loopback listener and read its page. */
export async function playSignIn(options: LoginOptions): Promise<{ callbackUrl: string; status: number; body: string }> {
  const callbackUrl = await loginAtProvider(options);
  const response = await fetch(callbackUrl, { redirect: 'manual' });
  return { callbackUrl, status: response.status, body: await response.text() };
}

function formOf(html: string, base: string, marker?: string): { action: string; fields: Record<string, string> } {
  const forms = [...html.matchAll(/<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)];
  const form = marker ? forms.find((f) => f[2]?.includes(marker)) : forms[0];
  if (!form) throw new Error(`No form${marker ? ` with ${marker}` : ''} on the page: ${html.slice(0, 300)}`);
  const fields: Record<string, string> = {};
  for (const input of (form[2] ?? '').matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields[input[1] ?? ''] = (input[2] ?? '').replaceAll('&amp;', '&');
  }
  return { action: new URL((form[1] ?? '').replaceAll('&amp;', '&'), base).href, fields };
}

/** A person at the verification page: enters the CLI's code, confirms it, and signs in. */
export async function playDeviceSignIn(options: {
  verificationUri: string;
  userCode: string;
  platformUrl: string;
  username: string;
}): Promise<string> {
  const browser = new Browser();
  const post = (action: string, fields: Record<string, string>) =>
    browser.follow(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });

  const input = await browser.follow(options.verificationUri);
  const entry = formOf(await input.response.text(), input.url);
  const confirmPage = await post(entry.action, { ...entry.fields, user_code: options.userCode });
  const confirm = formOf(await confirmPage.response.text(), confirmPage.url, 'name="confirm"');
  const loginPage = await post(confirm.action, confirm.fields);
  const html = await loginPage.response.text();
  const action = loginFormAction(html, loginPage.url);
  if (action === undefined)
    throw new Error(`No login form after confirming the code (HTTP ${loginPage.response.status}): ${html.slice(0, 300)}`);
  const done = await browser.follow(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: options.username, password: PASSWORDS[options.username] ?? '' }).toString(),
  });
  return done.response.text();
}
