// What must survive a restart of the platform (`enclave platform serve` stopped and started on the same
// data folder): the signing key (access tokens stay valid), the cookie keys and stored interactions (a
// sign-in page opened before the restart still works), and grants and refresh tokens (the workstation stays
// signed in). The secrets are files only their owner can read.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  authorizationUrl,
  Browser,
  createPlatformFixture,
  loginFormAction,
  pkce,
  signIn,
  startPlatform,
  submitLogin,
  tokenRequest,
  type PlatformFixture,
  type RunningPlatform,
} from './support.ts';

let fixture: PlatformFixture;
let platform: RunningPlatform | undefined;

beforeEach(async () => {
  fixture = await createPlatformFixture();
});

afterEach(async () => {
  await platform?.stop();
  platform = undefined;
  await fixture.cleanup();
});

async function restart(): Promise<RunningPlatform> {
  const port = Number(new URL(platform!.url).port);
  await platform!.stop();
  platform = await startPlatform({ fixture, port });
  return platform;
}

describe('a platform restart', () => {
  it('keeps the signing, cookie and artifact keys in the data folder, readable only by their owner', async () => {
    platform = await startPlatform({ fixture });
    const folder = path.join(fixture.dataDir, 'identity');
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    for (const file of ['signing-keys.json', 'cookie-keys.json', 'artifact-keys.json']) {
      expect((await stat(path.join(folder, file))).mode & 0o777).toBe(0o600);
    }
    const before = await readFile(path.join(folder, 'signing-keys.json'), 'utf8');
    const artifactKeysBefore = await readFile(path.join(folder, 'artifact-keys.json'), 'utf8');
    const jwksBefore = await (await fetch(`${platform.issuer}/jwks`)).json();
    await restart();
    expect(await readFile(path.join(folder, 'signing-keys.json'), 'utf8')).toBe(before);
    expect(await readFile(path.join(folder, 'artifact-keys.json'), 'utf8')).toBe(artifactKeysBefore);
    expect(await (await fetch(`${platform.issuer}/jwks`)).json()).toEqual(jwksBefore);
    expect(JSON.stringify(jwksBefore)).not.toMatch(/"d":/);
  });

  it('keeps a signed-in user signed in: the access token still works and the refresh token still refreshes', async () => {
    platform = await startPlatform({ fixture });
    const tokens = await signIn({ platform, username: 'demo-analyst', password: 'ada-demo-pass' });
    await restart();
    const me = await fetch(`${platform.url}/api/v1/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(me.status).toBe(200);
    const refreshed = await tokenRequest(platform.issuer, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });
    expect(refreshed.status).toBe(200);
    expect((await fetch(`${platform.url}/api/v1/me`, { headers: { authorization: `Bearer ${refreshed.body.access_token}` } })).status).toBe(
      200,
    );
  });

  it('keeps the refresh token working when the platform comes back on another port (a new issuer URL)', async () => {
    platform = await startPlatform({ fixture });
    const tokens = await signIn({ platform, username: 'demo-analyst', password: 'ada-demo-pass' });
    await platform.stop();
    platform = await startPlatform({ fixture });
    const refreshed = await tokenRequest(platform.issuer, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });
    expect(refreshed.status).toBe(200);
    expect((await fetch(`${platform.url}/api/v1/me`, { headers: { authorization: `Bearer ${refreshed.body.access_token}` } })).status).toBe(
      200,
    );
    // The old access token names the old issuer, which this platform no longer is.
    expect((await fetch(`${platform.url}/api/v1/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(401);
  });

  it('lets a sign-in page opened before the restart finish after it', async () => {
    platform = await startPlatform({ fixture });
    const browser = new Browser();
    const verifier = pkce();
    const redirectUri = 'http://127.0.0.1:52000/callback';
    const opened = await browser.follow(authorizationUrl({ issuer: platform.issuer, redirectUri, challenge: verifier.challenge }));
    const action = loginFormAction(await opened.response.text(), opened.url)!;
    await restart();
    const done = await submitLogin({ browser, action, username: 'demo-admin', password: 'dana-demo-pass', platformUrl: platform.url });
    const code = new URL(done.url).searchParams.get('code');
    expect(code).toEqual(expect.any(String));
    const tokens = await tokenRequest(platform.issuer, {
      grant_type: 'authorization_code',
      code: code!,
      redirect_uri: redirectUri,
      code_verifier: verifier.verifier,
    });
    expect(tokens.status).toBe(200);
  });

  it.each(['signing-keys.json', 'artifact-keys.json'])('refuses to start when %s can be read by others', async (name) => {
    platform = await startPlatform({ fixture });
    await platform.stop();
    platform = undefined;
    const { chmod } = await import('node:fs/promises');
    const file = path.join(fixture.dataDir, 'identity', name);
    await chmod(file, 0o644);
    await expect(startPlatform({ fixture })).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining(`chmod 600 ${file}`),
    });
  });
});
