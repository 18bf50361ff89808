// The workstation core signing in against the REAL embedded identity provider (oidc-provider in the platform,
// in process, on 127.0.0.1): openid-client discovery, the loopback listener, PKCE, state, nonce, refresh,
// revocation, restore, lock/unlock. The browser is played over fetch (./play-browser.ts).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../../src/common/contract.ts';
import type { EnclaveError } from '../../../src/common/errors.ts';
import { createWorkstationCore, type WorkstationCore, type WorkstationCoreOptions } from '../../../src/workstation/core.ts';
import { discoverIdentityProvider, type IdentityProvider } from '../../../src/workstation/sign-in/oidc.ts';
import { createMemoryTokenStore, keychainAccount, type TokenStore } from '../../../src/workstation/tokens/token-store.ts';
import { createPlatformFixture, startPlatform, type PlatformFixture, type RunningPlatform } from '../identity/support.ts';
import { Browser, loginAtProvider, playSignIn } from './play-browser.ts';
import { recordPushes, withoutPushedRequests } from './pushed-requests.ts';
import { errorOf } from '../../support/error-of.ts';

const CLIENT_ID = 'enclave-workstation';
const AUDIENCE = 'urn:enclave:platform-api';

let fixture: PlatformFixture;
let platform: RunningPlatform;
let store: TokenStore;
let cores: WorkstationCore[] = [];

beforeAll(async () => {
  fixture = await createPlatformFixture();
  // Short-lived access tokens, so "refresh after expiry" happens within a test.
  platform = await startPlatform({ fixture, accessTokenTtlSeconds: 2 });
});

afterAll(async () => {
  await platform?.stop();
  await fixture?.cleanup();
});

afterEach(() => {
  for (const core of cores) core.close();
  cores = [];
});

function startCore(extra: Partial<WorkstationCoreOptions> = {}): WorkstationCore {
  const core = createWorkstationCore({ platformUrl: platform.url, healthIntervalMs: 3_600_000, tokenStore: store, ...extra });
  cores.push(core);
  return core;
}

const account = () => keychainAccount({ issuer: platform.issuer, clientId: CLIENT_ID });

async function session(core: WorkstationCore): Promise<Session> {
  return core.handlers['session.get']({});
}

async function signIn(core: WorkstationCore, username = 'demo-analyst') {
  const { authorizationUrl } = await core.handlers['session.signIn']({});
  return { authorizationUrl, ...(await playSignIn({ authorizationUrl, platformUrl: platform.url, username })) };
}

/** Polls until the check passes or the deadline passes (the provider's clock is real: tokens expire in seconds). */
async function until<T>(check: () => Promise<T | undefined>, deadlineMs = 15_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('Timed out waiting.');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A refresh token as the token endpoint sees it (for the tests that use one directly). */
async function refreshAtProvider(refreshToken: string): Promise<{ status: number; error?: string }> {
  const response = await fetch(`${platform.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID }).toString(),
  });
  const body = (await response.json()) as { error?: string };
  return { status: response.status, ...(body.error ? { error: body.error } : {}) };
}

describe('signing in against the embedded provider', () => {
  beforeAll(() => {
    store = createMemoryTokenStore();
  });

  it('finds the provider from the platform, signs in through the real login page, and works as that user', async () => {
    const pushes = recordPushes();
    const core = startCore({ fetch: pushes.fetch });

    const { authorizationUrl, status, body, callbackUrl } = await signIn(core, 'demo-analyst');

    const auth = new URL(authorizationUrl);
    expect(auth.origin + auth.pathname).toBe(`${platform.issuer}/auth`);
    // Pushed (RFC 9126): the browser's URL only names the request; its parameters went to the provider directly.
    expect([...auth.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(pushes.last().get('code_challenge_method')).toBe('S256');
    expect(pushes.last().get('state')).toBeTruthy();
    expect(pushes.last().get('nonce')).toBeTruthy();
    expect(callbackUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/);
    expect(status).toBe(200);
    expect(body).toContain('You are signed in');
    expect(await session(core)).toMatchObject({
      state: 'signed_in',
      user: { id: 'demo-analyst', displayName: 'Ada Analyst', role: 'analyst' },
      platform: { url: platform.url, mode: 'demo' },
      issuer: platform.issuer,
    });
    expect(Array.isArray(await core.handlers['projects.list']({}))).toBe(true);
    expect(core.identityOrigins()).toEqual([new URL(platform.url).origin]);
  });

  it('an analyst may not read the checking rules; an output checker may', async () => {
    const analyst = startCore({ tokenStore: createMemoryTokenStore() });
    const checker = startCore({ tokenStore: createMemoryTokenStore() });
    await signIn(analyst, 'demo-analyst');
    await signIn(checker, 'demo-checker-1');

    expect((await errorOf(analyst.handlers['checking.rules']({}))).code).toBe('forbidden');
    expect((await checker.handlers['checking.rules']({})).length).toBeGreaterThan(0);
  });

  it('renews the access token after it expires, storing the rotated refresh token', async () => {
    const own = createMemoryTokenStore();
    const core = startCore({ tokenStore: own });
    await signIn(core);
    const before = await own.load(account());
    const endsAt = (await session(core)).sessionEndsAt;

    // Two-second access tokens: keep working until the core has had to renew one (the stored token rotates).
    const after = await until(async () => {
      await core.handlers['projects.list']({});
      const now = await own.load(account());
      return now && now.refreshToken !== before?.refreshToken ? now : undefined;
    });

    expect(after.sessionEndsAt).toBe(before?.sessionEndsAt);
    expect(await session(core)).toMatchObject({ state: 'signed_in', sessionEndsAt: endsAt });
  });

  it('restores the sign-in after a restart (refresh → signed in), and a revoked one is refused with a message', async () => {
    const shared = createMemoryTokenStore();
    const first = startCore({ tokenStore: shared });
    await signIn(first);
    first.close();

    const second = startCore({ tokenStore: shared });
    expect(await session(second)).toMatchObject({ state: 'signed_in', user: { id: 'demo-analyst' } });
    second.close();

    const stored = await shared.load(account());
    await fetch(`${platform.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: stored?.refreshToken ?? '', token_type_hint: 'refresh_token', client_id: CLIENT_ID }).toString(),
    });
    const third = startCore({ tokenStore: shared });

    expect(await session(third)).toMatchObject({
      state: 'signed_out',
      message: { kind: 'error', text: expect.stringContaining('revoked') },
    });
    expect(await shared.load(account())).toBeNull();
  });

  it('a revoked refresh token signs the running workstation out once its access token expires', async () => {
    const own = createMemoryTokenStore();
    const core = startCore({ tokenStore: own });
    await signIn(core);
    const stored = await own.load(account());
    await fetch(`${platform.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: stored?.refreshToken ?? '', token_type_hint: 'refresh_token', client_id: CLIENT_ID }).toString(),
    });

    const error = await until(async () => {
      try {
        await core.handlers['projects.list']({});
        return undefined;
      } catch (err) {
        return err as EnclaveError;
      }
    });

    expect(error.code).toBe('unauthenticated');
    expect(await session(core)).toMatchObject({
      state: 'signed_out',
      message: { kind: 'error', text: expect.stringContaining('no longer valid') },
    });
  });

  it('signing out revokes the refresh token at the provider and forgets it', async () => {
    const own = createMemoryTokenStore();
    const core = startCore({ tokenStore: own });
    await signIn(core);
    const stored = await own.load(account());

    await core.handlers['session.signOut']({});

    expect(await refreshAtProvider(stored?.refreshToken ?? '')).toMatchObject({ status: 400, error: 'invalid_grant' });
    expect(await own.load(account())).toBeNull();
  });

  it('idle lock, then unlock as the same user through a fresh login; another user is refused', async () => {
    const pushes = recordPushes();
    const core = startCore({ tokenStore: createMemoryTokenStore(), idleLockSeconds: 1, fetch: pushes.fetch });
    await signIn(core, 'demo-analyst');

    await until(async () => ((await session(core)).state === 'locked' ? true : undefined));
    expect((await errorOf(core.handlers['projects.list']({}))).code).toBe('locked');

    const wrong = await signIn(core, 'demo-analyst-2');
    expect(wrong.body).toContain('stays locked');
    expect(await session(core)).toMatchObject({ state: 'locked', user: { id: 'demo-analyst' } });

    const unlock = await signIn(core, 'demo-analyst');
    expect(new URL(unlock.authorizationUrl).searchParams.get('login_hint')).toBeNull();
    expect(pushes.last().get('login_hint')).toBe('demo-analyst');
    expect(pushes.last().get('max_age')).toBe('0');
    expect(unlock.body).toContain('Enclave is unlocked');
    expect((await session(core)).state).toBe('signed_in');
  });
});

describe('attacks on the sign-in, each refused with a clear error', () => {
  let idp: IdentityProvider;
  /** The same provider seen without its pushed-request endpoint: the parameters travel in the browser's URL. */
  let plainIdp: IdentityProvider;
  const redirectUri = 'http://127.0.0.1:53999/callback';

  beforeAll(async () => {
    const settings = { issuer: platform.issuer, clientId: CLIENT_ID, audience: AUDIENCE, scopes: ['openid', 'profile', 'offline_access'] };
    idp = await discoverIdentityProvider(settings);
    plainIdp = await discoverIdentityProvider(settings, { fetch: withoutPushedRequests() });
  });

  async function loggedIn() {
    const request = await idp.authorizationRequest({ redirectUri });
    const callbackUrl = new URL(
      await loginAtProvider({ authorizationUrl: request.url, platformUrl: platform.url, username: 'demo-analyst' }),
    );
    return { request, callbackUrl };
  }

  it('the happy path through openid-client gives an access token, a refresh token and checked ID claims', async () => {
    const { request, callbackUrl } = await loggedIn();

    const tokens = await idp.exchangeCode({ callbackUrl, request });

    expect(tokens.idClaims?.sub).toBe('demo-analyst');
    expect(tokens.refreshToken).toBeTruthy();
  });

  it('a PKCE verifier that does not match the challenge', async () => {
    const { request, callbackUrl } = await loggedIn();

    const error = await errorOf(idp.exchangeCode({ callbackUrl, request: { ...request, codeVerifier: 'x'.repeat(43) } }));

    expect(error.code).toBe('unauthenticated');
    expect(error.message).toMatch(/no longer accepts this sign-in|invalid_grant/);
  });

  it('a state that does not match', async () => {
    const { request, callbackUrl } = await loggedIn();

    const error = await errorOf(idp.exchangeCode({ callbackUrl, request: { ...request, state: 'another-state' } }));

    expect(error.message).toContain('state mismatch');
  });

  it('a nonce that does not match the ID token', async () => {
    const { request, callbackUrl } = await loggedIn();

    const error = await errorOf(idp.exchangeCode({ callbackUrl, request: { ...request, nonce: 'another-nonce' } }));

    expect(error.message).toContain('nonce mismatch');
  });

  it('a replayed callback: sent again to a new sign-in, it is refused (state) and that sign-in goes on waiting', async () => {
    const pushes = recordPushes();
    const core = startCore({ tokenStore: createMemoryTokenStore(), fetch: pushes.fetch });
    const first = await signIn(core);
    await core.handlers['session.signOut']({});
    await core.handlers['session.signIn']({});
    const listener = new URL(pushes.last().get('redirect_uri') ?? '');
    const replay = new URL(first.callbackUrl);
    replay.port = listener.port;

    const response = await fetch(replay);

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('ignored');
    // A page that replays or forges a callback must not be able to end someone's sign-in.
    expect(await session(core)).toMatchObject({ state: 'signing_in', message: null });
  });

  it('a second request to the listener after the callback is not served', async () => {
    const core = startCore({ tokenStore: createMemoryTokenStore() });
    const { callbackUrl } = await signIn(core);

    const again = await fetch(callbackUrl).then(
      (response) => response.status,
      () => 'refused',
    );

    expect(again === 'refused' || again === 409).toBe(true);
    expect((await session(core)).state).toBe('signed_in');
  });

  for (const target of ['https://attacker.example/callback', 'http://192.0.2.1:8080/callback', 'http://127.0.0.1:53999/not-callback']) {
    it(`a redirect URI that is not the loopback /callback (${target}) is refused by the provider, which never redirects there`, async () => {
      // Pushed, the provider refuses it before any browser is involved; in a plain URL, at its authorization page.
      expect((await errorOf(idp.authorizationRequest({ redirectUri: target }))).message).toMatch(/redirect_uri/);
      const request = await plainIdp.authorizationRequest({ redirectUri: target });
      const browser = new Browser();

      const { response, url } = await browser.follow(request.url, {}, platform.url);

      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(url.startsWith(platform.url)).toBe(true);
      expect(response.headers.get('location')).toBeNull();
    });
  }

  it('an http issuer off this machine is refused before any request', async () => {
    const error = await errorOf(
      discoverIdentityProvider({ issuer: 'http://idp.example.org/oidc', clientId: CLIENT_ID, audience: null, scopes: ['openid'] }),
    );

    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/https/);
  });
});
