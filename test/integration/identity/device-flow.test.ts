// The device authorization grant (RFC 8628) for `enclave login` on a terminal: the CLI asks for a code, the
// user enters it on the platform's page, confirms, signs in on the same login page, and the CLI's polling
// then gets tokens for that user. The device code is a bearer secret and the user code leads to it: neither is
// kept readable in the platform's database. Polling faster than the interval is answered slow_down (the
// timing itself is tested on a fake clock in device-polling.test.ts).
import { existsSync, readFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Browser,
  createPlatformFixture,
  loginFormAction,
  startPlatform,
  submitLogin,
  type PlatformFixture,
  type RunningPlatform,
} from './support.ts';
import {
  approveDevice,
  enterAndConfirmCode,
  formOf,
  poll,
  postForm,
  startDeviceAuthorization,
  type DeviceAuthorization,
} from './device-support.ts';

let fixture: PlatformFixture;
let platform: RunningPlatform;

beforeAll(async () => {
  fixture = await createPlatformFixture();
  platform = await startPlatform({ fixture });
});

afterAll(async () => {
  await platform?.stop();
  await fixture?.cleanup();
});

/** Everything the platform keeps in its metadata database: the files' bytes (main, WAL, shared memory) and every row of every table. */
function everythingStored(): string {
  const file = path.join(fixture.dataDir, 'metadata.sqlite');
  const files = [file, `${file}-wal`, `${file}-shm`].filter((name) => existsSync(name));
  expect(files).toContain(`${file}-wal`);
  const bytes = files.map((name) => readFileSync(name).toString('latin1'));
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
    expect(tables.map(({ name }) => name)).toContain('oidc_artifacts');
    const rows = tables.map(({ name }) => JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all()));
    return [...bytes, ...rows].join('\n');
  } finally {
    db.close();
  }
}

function expectNoDeviceSecrets(device: DeviceAuthorization): void {
  const stored = everythingStored();
  for (const secret of [device.device_code, device.user_code, device.user_code.replace('-', '')]) expect(stored).not.toContain(secret);
}

describe('device authorization grant', () => {
  it('signs the command line in: code entered, confirmed, password given, then the poll gets tokens', async () => {
    const device = await startDeviceAuthorization(platform);
    expect(device.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(device.verification_uri).toBe(`${platform.issuer}/device`);
    expect(device.interval).toBe(5);

    const pending = await poll(platform, device);
    expect(pending.body.error).toBe('authorization_pending');

    const browser = new Browser();
    const input = await browser.follow(device.verification_uri);
    const inputHtml = await input.response.text();
    expect(inputHtml).toContain('<label for="user_code">Code</label>');
    expect(input.response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const entry = formOf(inputHtml, input.url);
    entry.fields.set('user_code', device.user_code);
    const confirm = await postForm({ platform, browser, url: entry.action, fields: entry.fields });
    const confirmHtml = await confirm.response.text();
    expect(confirmHtml).toContain(device.user_code);
    const confirmForm = formOf(confirmHtml, confirm.url);
    expect(confirmForm.fields.get('confirm')).toBe('yes');
    const login = await postForm({ platform, browser, url: confirmForm.action, fields: confirmForm.fields });
    const loginHtml = await login.response.text();
    const action = loginFormAction(loginHtml, login.url);
    expect(action).toBeDefined();
    const done = await submitLogin({
      browser,
      action: action!,
      username: 'demo-checker-1',
      password: 'chloe-demo-pass',
      platformUrl: platform.url,
    });
    expect(done.response.status).toBe(200);
    expect(await done.response.text()).toContain('The command line is signed in');

    // Approved: the next poll is answered at once, however soon it comes.
    const granted = await poll(platform, device);
    expect(granted.status).toBe(200);
    expect(granted.body.refresh_token).toEqual(expect.any(String));
    const me = await fetch(`${platform.url}/api/v1/me`, { headers: { authorization: `Bearer ${granted.body.access_token}` } });
    expect(await me.json()).toMatchObject({ id: 'demo-checker-1', role: 'output_checker' });

    const again = await poll(platform, device);
    expect(again.body.error).toBe('invalid_grant');
  });

  it('says so when the code is wrong, and gives nothing to the poll', async () => {
    const device = await startDeviceAuthorization(platform);
    const browser = new Browser();
    const input = await browser.follow(device.verification_uri);
    const entry = formOf(await input.response.text(), input.url);
    entry.fields.set('user_code', 'ZZZZ-ZZZZ');
    const wrong = await postForm({ platform, browser, url: entry.action, fields: entry.fields });
    expect(await wrong.response.text()).toContain('role="alert">That code is not right.');
    expect((await poll(platform, device)).body.error).toBe('authorization_pending');
  });

  it('lets the user cancel, and the poll is then refused', async () => {
    const device = await startDeviceAuthorization(platform);
    const browser = new Browser();
    const input = await browser.follow(device.verification_uri);
    const entry = formOf(await input.response.text(), input.url);
    entry.fields.set('user_code', device.user_code);
    const confirm = await postForm({ platform, browser, url: entry.action, fields: entry.fields });
    const html = await confirm.response.text();
    const abortForm = [...html.matchAll(/<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/g)][1];
    const fields = new URLSearchParams(
      [...abortForm[2].matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m): [string, string] => [m[1], m[2]]),
    );
    expect(fields.get('abort')).toBe('yes');
    const aborted = await postForm({ platform, browser, url: new URL(abortForm[1], confirm.url).href, fields });
    expect(await aborted.response.text()).toContain('cancelled');
    expect((await poll(platform, device)).body.error).toBe('access_denied');
  });

  it('answers slow_down to a poll of a pending code sooner than the 5-second interval', async () => {
    const device = await startDeviceAuthorization(platform);
    expect((await poll(platform, device)).body.error).toBe('authorization_pending');
    const tooSoon = await poll(platform, device);
    expect(tooSoon.status).toBe(400);
    expect(tooSoon.body.error).toBe('slow_down');
  });
});

describe('the device grant at rest', () => {
  it('keeps neither the device code nor the user code readable in metadata.sqlite (file, WAL, any row) at any step', async () => {
    const device = await startDeviceAuthorization(platform);
    expect((await poll(platform, device)).body.error).toBe('authorization_pending');
    expectNoDeviceSecrets(device);

    // Code entered and confirmed: the interaction now refers to the device code, and the login form is next.
    const browser = new Browser();
    const login = await enterAndConfirmCode({ platform, device, browser });
    const action = loginFormAction(await login.response.text(), login.url);
    expect(action).toBeDefined();
    expectNoDeviceSecrets(device);

    await submitLogin({ browser, action: action!, username: 'demo-analyst', password: 'ada-demo-pass', platformUrl: platform.url });
    expectNoDeviceSecrets(device);
    const granted = await poll(platform, device);
    expect(granted.status).toBe(200);
    expectNoDeviceSecrets(device);
  });

  it('still completes for another user: the sealed code is found again by its user code and approved', async () => {
    const device = await startDeviceAuthorization(platform);
    await approveDevice({ platform, device, username: 'demo-admin', password: 'dana-demo-pass' });
    const granted = await poll(platform, device);
    expect(granted.status).toBe(200);
    const me = await fetch(`${platform.url}/api/v1/me`, { headers: { authorization: `Bearer ${granted.body.access_token}` } });
    expect(await me.json()).toMatchObject({ id: 'demo-admin' });
  });
});
