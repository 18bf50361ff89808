// The device authorization grant (RFC 8628) played over HTTP: the command line's requests (authorization,
// polls) and the person's (the code page, the confirmation, the login form). Also the embedded provider on its
// own, on a bare Fastify app with a clock the test controls, for the polling limits.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { expect } from 'vitest';
import { DEFAULT_CATALOGUE_PATH, readCatalogueFile } from '../../../src/platform/catalogue/catalogue-file.ts';
import type { AuditLog } from '../../../src/platform/audit/audit-log.ts';
import { createEmbeddedIdentityProvider } from '../../../src/platform/identity/embedded/embedded-idp.ts';
import { openPlatformRecords } from '../../../src/platform/records.ts';
import { DEFAULT_DEMO_DIR, readDemoSeed } from '../../../src/platform/store/demo-seed.ts';
import { Browser, CLIENT_ID, loginFormAction, SCOPE, submitLogin, tokenRequest } from './support.ts';

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** What the device tests need of a platform: where it answers, and its issuer. */
export interface Issuer {
  readonly url: string;
  readonly issuer: string;
}

export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval?: number;
}

export async function startDeviceAuthorization(platform: Issuer): Promise<DeviceAuthorization> {
  const response = await fetch(`${platform.issuer}/device/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: CLIENT_ID, scope: SCOPE }).toString(),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as DeviceAuthorization;
}

/** One poll of the token endpoint, as the command line makes it. */
export function poll(platform: Issuer, device: DeviceAuthorization) {
  return tokenRequest(platform.issuer, { grant_type: DEVICE_GRANT, device_code: device.device_code });
}

export function formOf(html: string, base: string): { action: string; fields: URLSearchParams } {
  const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(html);
  if (form === null) throw new Error(`no form in ${html.slice(0, 400)}`);
  const fields = new URLSearchParams(
    [...form[2].matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m): [string, string] => [m[1], m[2]]),
  );
  return { action: new URL(form[1].replaceAll('&amp;', '&'), base).href, fields };
}

export async function postForm(options: { platform: Issuer; browser: Browser; url: string; fields: URLSearchParams }) {
  return options.browser.follow(
    options.url,
    { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: options.fields.toString() },
    options.platform.url,
  );
}

/** The person enters the code and confirms it: the login form is next. Returns that page. */
export async function enterAndConfirmCode(options: { platform: Issuer; device: DeviceAuthorization; browser: Browser }) {
  const { platform, device, browser } = options;
  const input = await browser.follow(device.verification_uri);
  const entry = formOf(await input.response.text(), input.url);
  entry.fields.set('user_code', device.user_code);
  const confirm = await postForm({ platform, browser, url: entry.action, fields: entry.fields });
  const confirmForm = formOf(await confirm.response.text(), confirm.url);
  return postForm({ platform, browser, url: confirmForm.action, fields: confirmForm.fields });
}

/** The person's whole part: code, confirmation, password. */
export async function approveDevice(options: { platform: Issuer; device: DeviceAuthorization; username: string; password: string }) {
  const browser = new Browser();
  const login = await enterAndConfirmCode({ platform: options.platform, device: options.device, browser });
  const action = loginFormAction(await login.response.text(), login.url);
  if (action === undefined) throw new Error('no login form after confirming the device code');
  const done = await submitLogin({
    browser,
    action,
    username: options.username,
    password: options.password,
    platformUrl: options.platform.url,
  });
  expect(await done.response.text()).toContain('The command line is signed in');
}

/** The embedded identity provider alone (its routes on a bare Fastify app, a seeded store), with the test's clock. */
export async function startProviderAlone(options: { now: () => number }): Promise<Issuer & { audit: AuditLog; stop(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'enclave-idp-'));
  const catalogue = await readCatalogueFile(DEFAULT_CATALOGUE_PATH);
  const records = await openPlatformRecords({
    file: path.join(dataDir, 'metadata.sqlite'),
    seed: { catalogue, demo: await readDemoSeed({ demoDir: DEFAULT_DEMO_DIR, catalogue }) },
  });
  const idp = await createEmbeddedIdentityProvider({ dataDir, store: records.store, audit: records.audit, now: options.now });
  const app = Fastify();
  idp.register(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the provider is not listening on a port');
  const url = `http://127.0.0.1:${address.port}`;
  idp.attach(url);
  return {
    url,
    issuer: `${url}/oidc`,
    audit: records.audit,
    async stop() {
      await app.close();
      await records.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
