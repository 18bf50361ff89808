// The embedded provider's login page in a real Chromium, under its own CSP: wrong password, then the right
// one, ending at the loopback callback (Chromium applies form-action to the redirects after the POST), and a
// second user in the same browser (oidc-provider's auto-submitted end-of-session form must run under the CSP).
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../support/chromium.ts';
import { authorizationUrl, createPlatformFixture, pkce, startPlatform, type PlatformFixture, type RunningPlatform } from './support.ts';

const available = existsSync(CHROMIUM_PATH);
if (!available) console.warn(`Skipping the Chromium login test: no Chromium at ${CHROMIUM_PATH} (set CHROMIUM_PATH).`);

let fixture: PlatformFixture;
let platform: RunningPlatform;
let loopback: Server;
let callbacks: string[];
let browser: Browser;

beforeAll(async () => {
  if (!available) return;
  fixture = await createPlatformFixture();
  platform = await startPlatform({ fixture });
  callbacks = [];
  // Stands in for the workstation's one-time loopback listener.
  loopback = createServer((request, response) => {
    // Chromium also asks this origin for /favicon.ico; only the callback counts.
    if (request.url?.startsWith('/callback') === true) callbacks.push(request.url);
    response.end('signed in');
  });
  await new Promise<void>((resolve) => loopback.listen(0, '127.0.0.1', resolve));
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  loopback?.close();
  await platform?.stop();
  await fixture?.cleanup();
});

describe.skipIf(!available)('the login page in Chromium', () => {
  it('refuses a wrong password, accepts the right one, and reaches the loopback callback, for two users in one browser', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    // Any console error counts (a CSP violation, a missing favicon), as in the e2e tests.
    page.on('console', (message) => {
      if (message.type() === 'error' || /Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    const redirectUri = `http://127.0.0.1:${(loopback.address() as { port: number }).port}/callback`;
    for (const [username, password] of [
      ['demo-analyst', 'ada-demo-pass'],
      ['demo-analyst-2', 'ben-demo-pass'],
    ] as const) {
      const before = callbacks.length;
      await page.goto(authorizationUrl({ issuer: platform.issuer, redirectUri, challenge: pkce().challenge, state: `s-${username}` }));
      await expect.poll(() => page.title()).toBe('Sign in — Enclave');
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toBe('The username or password is wrong.');
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => callbacks.length, { timeout: 15_000 }).toBe(before + 1);
      const callback = new URL(callbacks.at(-1)!, redirectUri);
      expect(callback.searchParams.get('state')).toBe(`s-${username}`);
      expect(callback.searchParams.get('code')).toEqual(expect.any(String));
    }
    expect(violations).toEqual([]);
  }, 60_000);
});
