// The device authorization grant (RFC 8628) for `enclave login` on a terminal: the CLI asks for a code, the
// user enters it on the platform's page, confirms, signs in on the same login page, and the CLI's polling
// then gets tokens for that user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Browser,
  CLIENT_ID,
  createPlatformFixture,
  loginFormAction,
  SCOPE,
  startPlatform,
  submitLogin,
  tokenRequest,
  type PlatformFixture,
  type RunningPlatform,
} from './support.ts';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

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

interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval?: number;
}

async function startDeviceAuthorization(): Promise<DeviceAuthorization> {
  const response = await fetch(`${platform.issuer}/device/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: CLIENT_ID, scope: SCOPE }).toString(),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as DeviceAuthorization;
}

function formOf(html: string, base: string): { action: string; fields: URLSearchParams } {
  const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(html);
  if (form === null) throw new Error(`no form in ${html.slice(0, 400)}`);
  const fields = new URLSearchParams([...form[2]!.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m): [string, string] => [m[1]!, m[2]!]));
  return { action: new URL(form[1]!.replaceAll('&amp;', '&'), base).href, fields };
}

async function postForm(browser: Browser, url: string, fields: URLSearchParams) {
  return browser.follow(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields.toString() }, platform.url);
}

describe('device authorization grant', () => {
  it('signs the command line in: code entered, confirmed, password given, then the poll gets tokens', async () => {
    const device = await startDeviceAuthorization();
    expect(device.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(device.verification_uri).toBe(`${platform.issuer}/device`);

    const pending = await tokenRequest(platform.issuer, { grant_type: DEVICE_GRANT, device_code: device.device_code });
    expect(pending.body.error).toBe('authorization_pending');

    const browser = new Browser();
    const input = await browser.follow(device.verification_uri);
    const inputHtml = await input.response.text();
    expect(inputHtml).toContain('<label for="user_code">Code</label>');
    expect(input.response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const entry = formOf(inputHtml, input.url);
    entry.fields.set('user_code', device.user_code);
    const confirm = await postForm(browser, entry.action, entry.fields);
    const confirmHtml = await confirm.response.text();
    expect(confirmHtml).toContain(device.user_code);
    const confirmForm = formOf(confirmHtml, confirm.url);
    expect(confirmForm.fields.get('confirm')).toBe('yes');
    const login = await postForm(browser, confirmForm.action, confirmForm.fields);
    const loginHtml = await login.response.text();
    const action = loginFormAction(loginHtml, login.url);
    expect(action).toBeDefined();
    const done = await submitLogin({ browser, action: action!, username: 'demo-checker-1', password: 'chloe-demo-pass', platformUrl: platform.url });
    expect(done.response.status).toBe(200);
    expect(await done.response.text()).toContain('The command line is signed in');

    const granted = await tokenRequest(platform.issuer, { grant_type: DEVICE_GRANT, device_code: device.device_code });
    expect(granted.status).toBe(200);
    expect(granted.body.refresh_token).toEqual(expect.any(String));
    const me = await fetch(`${platform.url}/api/v1/me`, { headers: { authorization: `Bearer ${granted.body.access_token}` } });
    expect(await me.json()).toMatchObject({ id: 'demo-checker-1', role: 'output_checker' });

    const again = await tokenRequest(platform.issuer, { grant_type: DEVICE_GRANT, device_code: device.device_code });
    expect(again.body.error).toBe('invalid_grant');
  });

  it('says so when the code is wrong, and gives nothing to the poll', async () => {
    const device = await startDeviceAuthorization();
    const browser = new Browser();
    const input = await browser.follow(device.verification_uri);
    const entry = formOf(await input.response.text(), input.url);
    entry.fields.set('user_code', 'ZZZZ-ZZZZ');
    const wrong = await postForm(browser, entry.action, entry.fields);
    expect(await wrong.response.text()).toContain('role="alert">That code is not right.');
    expect((await tokenRequest(platform.issuer, { grant_type: DEVICE_GRANT, device_code: device.device_code })).body.error).toBe('authorization_pending');
  });

  it('lets the user cancel, and the poll is then refused', async () => {
    const device = await startDeviceAuthorization();
    const browser = new Browser();
    const input = await browser.follow(device.verification_uri);
    const entry = formOf(await input.response.text(), input.url);
    entry.fields.set('user_code', device.user_code);
    const confirm = await postForm(browser, entry.action, entry.fields);
    const html = await confirm.response.text();
    const abortForm = [...html.matchAll(/<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/g)][1]!;
    const fields = new URLSearchParams([...abortForm[2]!.matchAll(/type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m): [string, string] => [m[1]!, m[2]!]));
    expect(fields.get('abort')).toBe('yes');
    const aborted = await postForm(browser, new URL(abortForm[1]!, confirm.url).href, fields);
    expect(await aborted.response.text()).toContain('cancelled');
    expect((await tokenRequest(platform.issuer, { grant_type: DEVICE_GRANT, device_code: device.device_code })).body.error).toBe('access_denied');
  });
});
