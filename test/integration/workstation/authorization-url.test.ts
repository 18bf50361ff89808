// The sign-in's authorization URL reaches the system browser through xdg-open's arguments (Electron's
// shell.openExternal), which every user of the computer can read in /proc/<pid>/cmdline. Against the real embedded
// provider: where it offers pushed authorization requests (RFC 9126) the URL carries only client_id and a one-time
// request_uri; and with the pushed URL or the plain one, another OS user who takes it and signs in as themselves
// cannot hand their code to the analyst's loopback listener (it refuses their program), nor redeem any code without
// the PKCE verifier, which never leaves the workstation's memory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkstationCore, type WorkstationCore } from '../../../src/workstation/core.ts';
import { discoverIdentityProvider } from '../../../src/workstation/sign-in/oidc.ts';
import { createMemoryTokenStore } from '../../../src/workstation/tokens/token-store.ts';
import { otherUser, runNodeAsOtherUser, type OtherUser } from '../../support/other-user.ts';
import {
  CLIENT_ID,
  createPlatformFixture,
  startPlatform,
  tokenRequest,
  type PlatformFixture,
  type RunningPlatform,
} from '../identity/support.ts';
import { loginAtProvider, playSignIn } from './play-browser.ts';
import { recordPushes, withoutPushedRequests, type PushRecorder } from './pushed-requests.ts';

const SETTINGS = { clientId: CLIENT_ID, audience: 'urn:enclave:platform-api', scopes: ['openid', 'profile', 'offline_access'] };

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

describe('what the authorization URL carries', () => {
  it('pushed where the provider offers it: only client_id and request_uri, the parameters went to the provider', async () => {
    const pushes = recordPushes();
    const idp = await discoverIdentityProvider({ ...SETTINGS, issuer: platform.issuer }, { fetch: pushes.fetch });

    const request = await idp.authorizationRequest({
      redirectUri: 'http://127.0.0.1:50000/callback',
      loginHint: 'demo-analyst',
      fresh: true,
    });

    const url = new URL(request.url);
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    const pushed = pushes.last();
    expect(pushed.get('state')).toBe(request.state);
    expect(pushed.get('nonce')).toBe(request.nonce);
    expect(pushed.get('code_challenge_method')).toBe('S256');
    expect(pushed.get('login_hint')).toBe('demo-analyst');
    // The verifier is never sent anywhere before the code is redeemed: not in the URL, not in the pushed request.
    expect(request.url).not.toContain(request.codeVerifier);
    expect(pushed.toString()).not.toContain(request.codeVerifier);
  });

  it('plain where the provider does not offer pushed requests, still without the PKCE verifier', async () => {
    const idp = await discoverIdentityProvider({ ...SETTINGS, issuer: platform.issuer }, { fetch: withoutPushedRequests() });

    const request = await idp.authorizationRequest({ redirectUri: 'http://127.0.0.1:50000/callback', loginHint: 'demo-analyst' });

    const url = new URL(request.url);
    expect(url.searchParams.get('state')).toBe(request.state);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('login_hint')).toBe('demo-analyst');
    expect(request.url).not.toContain(request.codeVerifier);
  });
});

const user = otherUser();
if (typeof user === 'string') console.log(`[authorization-url] not run as a second OS user: ${user}`);

for (const mode of ['pushed', 'plain'] as const) {
  describe.skipIf(typeof user === 'string')(`another OS user holding the ${mode} authorization URL`, () => {
    let core: WorkstationCore;
    let pushes: PushRecorder | null;

    beforeAll(() => {
      pushes = mode === 'pushed' ? recordPushes() : null;
      core = createWorkstationCore({
        platformUrl: platform.url,
        healthIntervalMs: 3_600_000,
        tokenStore: createMemoryTokenStore(),
        fetch: pushes?.fetch ?? withoutPushedRequests(),
      });
    });

    afterAll(() => core?.close());

    it('signs in as themselves with it, yet cannot deliver their code to the listener nor redeem it, and the analyst still signs in', async () => {
      const { authorizationUrl } = await core.handlers['session.signIn']({});
      if (mode === 'pushed') expect([...new URL(authorizationUrl).searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);

      // The attacker's browser: the provider does not know which OS user drives it, so the test process plays it.
      const attackersCallback = await loginAtProvider({ authorizationUrl, platformUrl: platform.url, username: 'demo-analyst-2' });
      const callback = new URL(attackersCallback);
      const delivered = await runNodeAsOtherUser(
        user as OtherUser,
        `const r = await fetch(${JSON.stringify(attackersCallback)}); console.log(r.status, JSON.stringify(await r.text()));`,
      );
      const withoutVerifier = await tokenRequest(platform.issuer, {
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code') ?? '',
        redirect_uri: `${callback.origin}${callback.pathname}`,
      });
      const guessedVerifier = await tokenRequest(platform.issuer, {
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code') ?? '',
        redirect_uri: `${callback.origin}${callback.pathname}`,
        code_verifier: 'a'.repeat(43),
      });
      const meanwhile = await core.handlers['session.get']({});

      expect(callback.searchParams.get('state')).toBeTruthy();
      expect(delivered.stdout).toMatch(/^403 .*another user of this computer/);
      expect(meanwhile).toMatchObject({ state: 'signing_in', user: null });
      for (const refused of [withoutVerifier, guessedVerifier]) {
        expect(refused.status).toBe(400);
        expect(refused.body.access_token).toBeUndefined();
      }

      if (mode === 'pushed') {
        // The request_uri is one-time: the attacker's use spent it, so the analyst's browser is refused and the
        // analyst starts again (a denial at worst, never a sign-in as someone else).
        await expect(loginAtProvider({ authorizationUrl, platformUrl: platform.url, username: 'demo-analyst' })).rejects.toThrow(
          /HTTP 400/,
        );
        await core.handlers['session.cancelSignIn']({});
        const again = await core.handlers['session.signIn']({});
        expect(
          (await playSignIn({ authorizationUrl: again.authorizationUrl, platformUrl: platform.url, username: 'demo-analyst' })).status,
        ).toBe(200);
      } else {
        expect((await playSignIn({ authorizationUrl, platformUrl: platform.url, username: 'demo-analyst' })).status).toBe(200);
      }
      expect(await core.handlers['session.get']({})).toMatchObject({ state: 'signed_in', user: { id: 'demo-analyst' } });
    });
  });
}
