// Refresh tokens from the embedded provider: rotated on every use (a reused one ends the whole sign-in),
// bounded by an absolute lifetime counted from sign-in however often they rotate, and revocable.
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIENT_ID,
  createPlatformFixture,
  signIn,
  signInWithBrowser,
  startPlatform,
  tokenRequest,
  type PlatformFixture,
  type RunningPlatform,
} from './support.ts';

const SESSION_MAX_SECONDS = 3;

let fixture: PlatformFixture;
let platform: RunningPlatform;

beforeAll(async () => {
  fixture = await createPlatformFixture();
  platform = await startPlatform({ fixture, sessionMaxSeconds: SESSION_MAX_SECONDS, accessTokenTtlSeconds: 60 });
});

afterAll(async () => {
  await platform?.stop();
  await fixture?.cleanup();
});

const refresh = (refreshToken: string) => tokenRequest(platform.issuer, { grant_type: 'refresh_token', refresh_token: refreshToken });

async function me(accessToken: string): Promise<number> {
  return (await fetch(`${platform.url}/api/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

describe('refresh tokens', () => {
  it('rotate on every use: each refresh answers a new refresh token and a working access token', async () => {
    const tokens = await signIn({ platform, username: 'demo-analyst', password: 'ada-demo-pass' });
    const first = await refresh(tokens.refresh_token!);
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).toEqual(expect.any(String));
    expect(first.body.refresh_token).not.toBe(tokens.refresh_token);
    expect(decodeJwt(first.body.access_token)).toMatchObject({ sub: 'demo-analyst', aud: 'urn:enclave:platform-api' });
    expect(await me(first.body.access_token)).toBe(200);
    const second = await refresh(first.body.refresh_token!);
    expect(second.status).toBe(200);
  });

  it('treat a reused (already rotated) refresh token as theft: refused, and the newer one dies with it', async () => {
    const tokens = await signIn({ platform, username: 'demo-analyst', password: 'ada-demo-pass' });
    const rotated = await refresh(tokens.refresh_token!);
    const replay = await refresh(tokens.refresh_token!);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    const afterReplay = await refresh(rotated.body.refresh_token!);
    expect(afterReplay.status).toBe(400);
    expect(afterReplay.body.error).toBe('invalid_grant');
  });

  it('stop working at the session maximum counted from sign-in, however often they rotated', async () => {
    const signedInAt = Date.now();
    const tokens = await signIn({ platform, username: 'demo-analyst-2', password: 'ben-demo-pass' });
    let current = tokens.refresh_token!;
    let refusal: Awaited<ReturnType<typeof refresh>> | undefined;
    const deadline = signedInAt + (SESSION_MAX_SECONDS + 5) * 1000;
    while (refusal === undefined && Date.now() < deadline) {
      const answer = await refresh(current);
      if (answer.status === 200) current = answer.body.refresh_token!;
      else refusal = answer;
      await delay(200);
    }
    expect(refusal?.status).toBe(400);
    expect(refusal?.body.error).toBe('invalid_grant');
    // Rotation did not extend it: it ended close to the maximum after sign-in (second resolution).
    expect(Date.now() - signedInAt).toBeGreaterThanOrEqual((SESSION_MAX_SECONDS - 1) * 1000);
  });

  it('are refused once revoked, and revoking one ends the sign-in it belongs to', async () => {
    const tokens = await signIn({ platform, username: 'demo-admin', password: 'dana-demo-pass' });
    const revoked = await fetch(`${platform.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.refresh_token!, token_type_hint: 'refresh_token', client_id: CLIENT_ID }).toString(),
    });
    expect(revoked.status).toBe(200);
    const after = await refresh(tokens.refresh_token!);
    expect(after.status).toBe(400);
    expect(after.body.error).toBe('invalid_grant');
  });

  it('cannot be used by another client', async () => {
    const tokens = await signIn({ platform, username: 'demo-analyst', password: 'ada-demo-pass' });
    const other = await tokenRequest(platform.issuer, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token!,
      client_id: 'some-other-app',
    });
    expect(other.status).toBe(401);
    expect(other.body.error).toBe('invalid_client');
  });

  it('are kept in the platform database only as hashes: no column holds a token, code or session cookie', async () => {
    const { callback, pkce, redirectUri, browser } = await signInWithBrowser({
      platform,
      username: 'demo-checker-1',
      password: 'chloe-demo-pass',
    });
    const code = callback.searchParams.get('code')!;
    const exchanged = await tokenRequest(platform.issuer, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: pkce.verifier,
    });
    expect(exchanged.status).toBe(200);
    const rotated = await refresh(exchanged.body.refresh_token!);
    expect(rotated.status).toBe(200);
    const cookies = [...browser.cookies.values()].filter((value) => value.length >= 16);
    expect(cookies.length).toBeGreaterThan(0);

    const raw = new DatabaseSync(path.join(fixture.dataDir, 'metadata.sqlite'), { readOnly: true });
    const rows = raw.prepare('SELECT * FROM oidc_artifacts').all() as Array<Record<string, unknown>>;
    const refreshKeys = raw.prepare("SELECT id FROM oidc_artifacts WHERE model = 'RefreshToken'").all() as Array<{ id: string }>;
    raw.close();
    const stored = JSON.stringify(rows);
    expect(rows.length).toBeGreaterThan(0);
    for (const secret of [exchanged.body.refresh_token!, rotated.body.refresh_token!, code, ...cookies])
      expect(stored).not.toContain(secret);

    // What the table does hold is not a token: a stored key presented as a refresh token is refused.
    expect(refreshKeys.length).toBeGreaterThan(0);
    for (const { id } of refreshKeys) {
      const answer = await refresh(id);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid_grant');
    }
    // And the real one still works, found by its hash.
    expect((await refresh(rotated.body.refresh_token!)).status).toBe(200);
  });
});
