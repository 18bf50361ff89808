// Access ends at once when a sign-in ends, not when its access token (a JWT the platform checks without asking
// the provider) would have expired: sign-out and lock revoke the refresh token, reuse of a rotated refresh token
// is taken as theft, and each ends the grant, which the platform's revocation list then refuses on every call.
// A token of another, live grant of the same person keeps working, and the list forgets each entry once no token
// it refuses can still be valid.
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIENT_ID,
  createPlatformFixture,
  signIn,
  signInWithBrowser,
  startPlatform,
  tokenRequest,
  type Browser,
  type PlatformFixture,
  type RunningPlatform,
} from './support.ts';

const ACCESS_TOKEN_TTL_SECONDS = 120;

let fixture: PlatformFixture;
let platform: RunningPlatform;

beforeAll(async () => {
  fixture = await createPlatformFixture();
  platform = await startPlatform({ fixture, accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS });
});

afterAll(async () => {
  await platform?.stop();
  await fixture?.cleanup();
});

async function me(accessToken: string) {
  const response = await fetch(`${platform.url}/api/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } });
  return {
    status: response.status,
    body: (await response.json()) as { error?: { code: string; message: string } },
    challenge: response.headers.get('www-authenticate'),
  };
}

/** What the workstation does at sign-out and at lock (token-keeper.ts): revoke the refresh token at the provider. */
async function revokeRefreshToken(refreshToken: string): Promise<void> {
  const response = await fetch(`${platform.issuer}/token/revocation`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token', client_id: CLIENT_ID }).toString(),
  });
  expect(response.status).toBe(200);
}

const refresh = (refreshToken: string) => tokenRequest(platform.issuer, { grant_type: 'refresh_token', refresh_token: refreshToken });

async function codeSignIn(options: { username: string; password: string; browser?: Browser }) {
  const { callback, pkce, redirectUri, browser } = await signInWithBrowser({ platform, ...options });
  const { status, body } = await tokenRequest(platform.issuer, {
    grant_type: 'authorization_code',
    code: callback.searchParams.get('code')!,
    redirect_uri: redirectUri,
    code_verifier: pkce.verifier,
  });
  expect(status).toBe(200);
  return { tokens: body, browser };
}

function expectEnded(answer: Awaited<ReturnType<typeof me>>): void {
  expect(answer.status).toBe(401);
  expect(answer.body.error).toEqual({ code: 'unauthenticated', message: expect.stringContaining('Your sign-in has ended') });
  expect(answer.challenge).toContain('error="invalid_token"');
}

function revokedUntil(key: string): number | undefined {
  const db = new DatabaseSync(path.join(fixture.dataDir, 'metadata.sqlite'), { readOnly: true });
  try {
    return (db.prepare('SELECT expires_at FROM revoked_tokens WHERE key = ?').get(key) as { expires_at: number } | undefined)?.expires_at;
  } finally {
    db.close();
  }
}

describe('ending a sign-in ends its access tokens at once', () => {
  it('names the grant in every access token', async () => {
    const tokens = await signIn({ platform, username: 'demo-analyst', password: 'ada-demo-pass' });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ grant_id: expect.any(String), jti: expect.any(String) });
  });

  it('sign-out: the access token is refused as soon as the refresh token is revoked', async () => {
    const tokens = await signIn({ platform, username: 'demo-analyst', password: 'ada-demo-pass' });
    expect((await me(tokens.access_token)).status).toBe(200);
    await revokeRefreshToken(tokens.refresh_token!);
    expectEnded(await me(tokens.access_token));
  });

  it('lock: the access token is refused once the lock revokes the refresh token, and unlocking in the same browser gets a new grant that works', async () => {
    const locked = await codeSignIn({ username: 'demo-analyst-2', password: 'ben-demo-pass' });
    await revokeRefreshToken(locked.tokens.refresh_token!);
    expectEnded(await me(locked.tokens.access_token));

    // Unlock is a fresh sign-in, here in the same browser (same provider session): it must not get the ended grant back.
    const unlocked = await codeSignIn({ username: 'demo-analyst-2', password: 'ben-demo-pass', browser: locked.browser });
    expect(decodeJwt(unlocked.tokens.access_token).grant_id).not.toBe(decodeJwt(locked.tokens.access_token).grant_id);
    expect((await me(unlocked.tokens.access_token)).status).toBe(200);
    expectEnded(await me(locked.tokens.access_token));
  });

  it('refresh-token reuse: replaying a rotated refresh token ends the grant, and every access token of it', async () => {
    const tokens = await signIn({ platform, username: 'demo-checker-2', password: 'chidi-demo-pass' });
    const rotated = await refresh(tokens.refresh_token!);
    expect(rotated.status).toBe(200);
    expect((await me(rotated.body.access_token)).status).toBe(200);

    const replay = await refresh(tokens.refresh_token!);
    expect(replay.body.error).toBe('invalid_grant');
    expectEnded(await me(tokens.access_token));
    expectEnded(await me(rotated.body.access_token));
  });

  it("keeps a token of the same person's other, live grant working", async () => {
    const ending = await signIn({ platform, username: 'demo-admin', password: 'dana-demo-pass' });
    const living = await signIn({ platform, username: 'demo-admin', password: 'dana-demo-pass' });
    expect(decodeJwt(living.access_token).grant_id).not.toBe(decodeJwt(ending.access_token).grant_id);
    await revokeRefreshToken(ending.refresh_token!);
    expectEnded(await me(ending.access_token));
    expect((await me(living.access_token)).status).toBe(200);
    expect((await refresh(living.refresh_token!)).status).toBe(200);
  });

  it('keeps the grant on the list only until its last access token would have expired (lifetime + clock tolerance)', async () => {
    const tokens = await signIn({ platform, username: 'demo-checker-1', password: 'chloe-demo-pass' });
    const grantId = decodeJwt(tokens.access_token).grant_id as string;
    const before = Math.floor(Date.now() / 1000);
    await revokeRefreshToken(tokens.refresh_token!);
    const after = Math.floor(Date.now() / 1000);
    const until = revokedUntil(`grant:${grantId}`);
    expect(until).toBeGreaterThanOrEqual(before + ACCESS_TOKEN_TTL_SECONDS + 5);
    expect(until).toBeLessThanOrEqual(after + ACCESS_TOKEN_TTL_SECONDS + 6);
    // Every access token of the grant expires before the entry does.
    expect(decodeJwt(tokens.access_token).exp! + 5).toBeLessThan(until!);
  });
});
