// The workstation's session state machine, with a fake clock, a fake identity provider (the core's IdP seam) and a
// fake platform: sign-in through the real loopback listener, idle lock, unlock, the session bound, refusals.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Session } from '../../../../src/common/contract.ts';
import { handledElsewhere } from '../../../../src/common/detached.ts';
import { createWorkstationCore, type WorkstationCore } from '../../../../src/workstation/core.ts';
import { createMemoryTokenStore, keychainAccount, type TokenStore } from '../../../../src/workstation/tokens/token-store.ts';
import {
  browserGet,
  callbackFor,
  CLIENT_ID,
  createFakeIdp,
  deferred,
  fakeDiscover,
  fakePlatformFetch,
  startFakeCore,
  ISSUER,
  type FakeIdp,
  type FakePlatformFetch,
} from '../fake-idp.ts';
import { errorOf } from '../../../support/error-of.ts';

const ACCOUNT = keychainAccount({ issuer: ISSUER, clientId: CLIENT_ID });
const IDLE = 900;
const MAX = 12 * 3600;

let idp: FakeIdp;
let platform: FakePlatformFetch;
let store: TokenStore;
let cores: WorkstationCore[];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2026-11-27T08:00:00Z') });
  idp = createFakeIdp();
  platform = fakePlatformFetch(idp);
  store = createMemoryTokenStore();
  cores = [];
});

afterEach(() => {
  for (const core of cores) core.close();
  vi.useRealTimers();
});

function startCore(extra: { signInTimeoutMs?: number } = {}): WorkstationCore {
  const core = startFakeCore({ idp, platform, store }, { idleLockSeconds: IDLE, sessionMaxSeconds: MAX, ...extra });
  cores.push(core);
  return core;
}

async function session(core: WorkstationCore): Promise<Session> {
  return core.handlers['session.get']({});
}

/** Signs in through the loopback listener as the fake IdP's next user; returns the browser's page. */
async function signIn(core: WorkstationCore, as = 'demo-analyst') {
  idp.nextUser = as;
  const { authorizationUrl } = await core.handlers['session.signIn']({});
  return { authorizationUrl, page: await browserGet(callbackFor(authorizationUrl)) };
}

/** The states a listener heard, repeats collapsed (the platform's name arriving re-announces the same state). */
function statesOf(core: WorkstationCore): string[] {
  const states: string[] = [];
  core.events.on('session.changed', (s) => {
    if (states.at(-1) !== s.state) states.push(s.state);
  });
  return states;
}

describe('signing in', () => {
  it('starts signed out, and refuses every non-session method as unauthenticated', async () => {
    const core = startCore();

    expect(await session(core)).toMatchObject({
      state: 'signed_out',
      user: null,
      sessionEndsAt: null,
      idleLockSeconds: IDLE,
      issuer: ISSUER,
    });
    for (const call of [
      core.handlers['projects.list']({}),
      core.handlers['checking.rules']({}),
      core.handlers['catalogue.get']({ projectId: 'p1' }),
      core.handlers['dataset.sample']({ projectId: 'p1', datasetId: 'd1', limit: 1 }),
    ]) {
      expect((await errorOf(call)).code).toBe('unauthenticated');
    }
    expect(platform.bearers).toEqual([]);
  });

  it('signs in through the loopback listener: user from the platform, 12 h bound, refresh token stored, audit event', async () => {
    const core = startCore();
    const states = statesOf(core);

    const { authorizationUrl, page } = await signIn(core);

    expect(new URL(new URL(authorizationUrl).searchParams.get('redirect_uri') ?? '').href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(page.status).toBe(200);
    expect(page.body).toContain('You are signed in');
    expect(page.body).not.toContain('<script');
    const signedIn = await session(core);
    expect(signedIn).toMatchObject({
      state: 'signed_in',
      user: { id: 'demo-analyst', displayName: 'Ada Analyst', role: 'analyst' },
      message: null,
    });
    expect(signedIn.sessionEndsAt).toBe('2026-11-27T20:00:00.000Z');
    expect(states).toEqual(['signed_out', 'signing_in', 'signed_in']);
    expect((await store.load(ACCOUNT))?.sub).toBe('demo-analyst');
    await vi.waitFor(() => expect(platform.sessionEvents).toEqual([{ event: 'signed_in', sub: 'demo-analyst' }]));
    expect(await core.handlers['projects.list']({})).toEqual([]);
  });

  it('never puts a token in the session the renderer sees', async () => {
    const core = startCore();
    await signIn(core);

    const seen = JSON.stringify(await session(core));

    for (const value of [...idp.accessOwners.keys(), ...idp.refreshOwners.keys()]) expect(seen).not.toContain(value);
  });

  it('accepts exactly one callback: a replay is refused and changes nothing', async () => {
    const core = startCore();
    const { authorizationUrl } = await signIn(core);

    const replay = await browserGet(callbackFor(authorizationUrl)).catch((err: NodeJS.ErrnoException) => ({
      status: 0,
      body: err.code ?? '',
    }));

    expect(replay.status === 409 || replay.body === 'ECONNREFUSED').toBe(true);
    expect((await session(core)).state).toBe('signed_in');
  });

  it("refuses a callback without this sign-in's state, and keeps waiting for the real one (a local page cannot end it)", async () => {
    const core = startCore();
    const { authorizationUrl } = await core.handlers['session.signIn']({});
    const redirectUri = new URL(authorizationUrl).searchParams.get('redirect_uri') ?? '';

    const forged = await browserGet(callbackFor(authorizationUrl, { state: 'forged-state' }));
    const stateless = await browserGet(
      `${redirectUri}?error=access_denied&error_description=${encodeURIComponent('<b>Call 0800 to fix</b>')}`,
    );
    const during = await session(core);
    const page = await browserGet(callbackFor(authorizationUrl));

    for (const refused of [forged, stateless]) {
      expect(refused.status).toBe(400);
      expect(refused.body).toContain('ignored');
      expect(refused.body).not.toContain('0800');
    }
    expect(during).toMatchObject({ state: 'signing_in', message: null });
    expect(page.status).toBe(200);
    expect((await session(core)).state).toBe('signed_in');
  });

  it("reports an error from the identity provider (with this sign-in's state), and ends the sign-in", async () => {
    const core = startCore();
    const { authorizationUrl } = await core.handlers['session.signIn']({});

    const page = await browserGet(callbackFor(authorizationUrl, { error: 'access_denied' }));

    expect(page.status).toBe(400);
    expect(await session(core)).toMatchObject({
      state: 'signed_out',
      message: { kind: 'error', text: expect.stringContaining('access_denied') },
    });
  });

  it("does not show text of the identity provider's that is not a plain error code", async () => {
    const core = startCore();
    const { authorizationUrl } = await core.handlers['session.signIn']({});

    const page = await browserGet(
      callbackFor(authorizationUrl, { error: '<b>Your account is suspended: call 0800 123 to restore it</b>' }),
    );

    expect(page.status).toBe(400);
    expect(page.body).not.toMatch(/0800|<b>/);
    const after = await session(core);
    expect(after).toMatchObject({ state: 'signed_out', message: { kind: 'error', text: expect.stringContaining('refused') } });
    expect(after.message?.text).not.toContain('0800');
  });

  it('cancelSignIn closes the listener: a late callback cannot sign in', async () => {
    const core = startCore();
    const { authorizationUrl } = await core.handlers['session.signIn']({});

    const cancelled = await core.handlers['session.cancelSignIn']({});
    const late = await browserGet(callbackFor(authorizationUrl)).catch(() => ({ status: 0, body: '' }));

    expect(cancelled).toMatchObject({ state: 'signed_out', message: { text: 'Sign-in was cancelled.' } });
    expect(late.status).not.toBe(200);
    expect((await session(core)).state).toBe('signed_out');
  });

  it('gives up on a sign-in that does not come back in time', async () => {
    const core = startCore({ signInTimeoutMs: 120_000 });
    await core.handlers['session.signIn']({});

    await vi.advanceTimersByTimeAsync(120_000);

    expect(await session(core)).toMatchObject({
      state: 'signed_out',
      message: { kind: 'error', text: expect.stringContaining('timed out') },
    });
  });

  it('a second sign-in replaces the first: the first listener is closed', async () => {
    const core = startCore();
    const first = await core.handlers['session.signIn']({});
    const second = await core.handlers['session.signIn']({});

    const stale = await browserGet(callbackFor(first.authorizationUrl)).catch(() => ({ status: 0, body: '' }));
    const page = await browserGet(callbackFor(second.authorizationUrl));

    expect(stale.status).not.toBe(200);
    expect(page.status).toBe(200);
    expect((await session(core)).state).toBe('signed_in');
  });
});

it('two sign-ins started at once: the newer one wins, the older is refused as cancelled', async () => {
  const core = startCore();

  const [first, second] = await Promise.allSettled([core.handlers['session.signIn']({}), core.handlers['session.signIn']({})]);

  expect(first).toMatchObject({ status: 'rejected', reason: { code: 'cancelled' } });
  expect(second.status).toBe('fulfilled');
  const page = await browserGet(callbackFor((second as PromiseFulfilledResult<{ authorizationUrl: string }>).value.authorizationUrl));
  expect(page.status).toBe(200);
});

describe('idle lock and unlock', () => {
  it('locks after idleLockSeconds without activity; activity postpones it', async () => {
    const core = startCore();
    await signIn(core);

    await vi.advanceTimersByTimeAsync((IDLE - 60) * 1000);
    await core.handlers['session.activity']({});
    await vi.advanceTimersByTimeAsync((IDLE - 60) * 1000);
    const stillIn = (await session(core)).state;
    await vi.advanceTimersByTimeAsync(61 * 1000);

    expect(stillIn).toBe('signed_in');
    await vi.waitFor(async () => expect((await session(core)).state).toBe('locked'));
    expect(await session(core)).toMatchObject({ user: { id: 'demo-analyst' }, message: { text: expect.stringContaining('15 min') } });
    // The access token had expired by then: the report went out with a renewed one, then the grant was revoked.
    await vi.waitFor(() => expect(platform.sessionEvents.map((e) => e.event)).toEqual(['signed_in', 'locked']));
    expect([...idp.refreshOwners.keys()].every((token) => idp.revoked.has(token))).toBe(true);
  });

  it('locks at once, even while the identity provider is slow to renew the token for the report', async () => {
    const core = startCore();
    await signIn(core);
    await vi.advanceTimersByTimeAsync(600_000); // the access token has expired
    await core.handlers['session.activity']({});
    idp.refresh = () => new Promise(() => {});

    // Not awaited: its report waits for the renewal that never ends; the checks below judge the lock.
    handledElsewhere(core.handlers['session.lock']({}));
    await vi.advanceTimersByTimeAsync(0);

    expect((await session(core)).state).toBe('locked');
    expect((await errorOf(core.handlers['projects.list']({}))).code).toBe('locked');
  });

  it('locking reports, forgets the stored token and revokes the refresh token, so a restart cannot bypass the lock', async () => {
    const core = startCore();
    await signIn(core);
    const stored = await store.load(ACCOUNT);

    const locked = await core.handlers['session.lock']({});

    expect(locked.state).toBe('locked');
    expect(platform.sessionEvents.map((e) => e.event)).toEqual(['signed_in', 'locked']);
    expect(idp.revoked.has(stored?.refreshToken ?? '')).toBe(true);
    expect(await store.load(ACCOUNT)).toBeNull();
    const restarted = startCore();
    expect((await session(restarted)).state).toBe('signed_out');
  });

  it('refuses every non-session method while locked, with the locked code', async () => {
    const core = startCore();
    await signIn(core);
    await core.handlers['session.lock']({});

    const error = await errorOf(core.handlers['projects.list']({}));

    expect(error.code).toBe('locked');
    expect(error.message).toContain('Ada Analyst');
  });

  it('unlocks with a fresh login as the same user; the session bound does not move', async () => {
    const core = startCore();
    await signIn(core);
    const endsAt = (await session(core)).sessionEndsAt;
    await core.handlers['session.lock']({});
    await vi.advanceTimersByTimeAsync(3600_000);

    const { page } = await signIn(core, 'demo-analyst');

    expect(page.body).toContain('Enclave is unlocked');
    expect(idp.requests.at(-1)).toMatchObject({ fresh: true, loginHint: 'demo-analyst' });
    expect(await session(core)).toMatchObject({ state: 'signed_in', sessionEndsAt: endsAt });
    await vi.waitFor(() => expect(platform.sessionEvents.map((e) => e.event)).toEqual(['signed_in', 'locked', 'unlocked']));
    expect(await core.handlers['projects.list']({})).toEqual([]);
  });

  it('refuses to unlock as another user: stays locked with a clear message, the other sign-in revoked', async () => {
    const core = startCore();
    await signIn(core, 'demo-analyst');
    await core.handlers['session.lock']({});

    const { page } = await signIn(core, 'demo-analyst-2');

    expect(page.status).toBe(400);
    expect(page.body).toContain('stays locked');
    const after = await session(core);
    expect(after).toMatchObject({ state: 'locked', user: { id: 'demo-analyst' }, message: { kind: 'error' } });
    expect(after.message?.text).toContain('Ben Analyst');
    expect((await errorOf(core.handlers['projects.list']({}))).code).toBe('locked');
    const bens = [...idp.refreshOwners].filter(([, sub]) => sub === 'demo-analyst-2').map(([value]) => value);
    await vi.waitFor(() => expect(bens.every((value) => idp.revoked.has(value))).toBe(true));
  });

  it("records a refused unlock with the other person's own token, before their sign-in is revoked", async () => {
    const core = startCore();
    await signIn(core, 'demo-analyst');
    await core.handlers['session.lock']({});
    const revoke = idp.revoke;
    const recordedBeforeRevoke: boolean[] = [];
    idp.revoke = async (value, hint) => {
      if (idp.refreshOwners.get(value) === 'demo-analyst-2')
        recordedBeforeRevoke.push(platform.sessionEvents.some((e) => e.event === 'unlock_refused'));
      await revoke(value, hint);
    };

    await signIn(core, 'demo-analyst-2');

    await vi.waitFor(() => expect(recordedBeforeRevoke).toEqual([true]));
    expect(platform.sessionEvents).toEqual([
      { event: 'signed_in', sub: 'demo-analyst' },
      { event: 'locked', sub: 'demo-analyst' },
      { event: 'unlock_refused', sub: 'demo-analyst-2' },
    ]);
    expect((await session(core)).state).toBe('locked');
  });

  it('cancelling an unlock leaves the workstation locked', async () => {
    const core = startCore();
    await signIn(core);
    await core.handlers['session.lock']({});
    await core.handlers['session.signIn']({});

    const during = await errorOf(core.handlers['projects.list']({}));
    const after = await core.handlers['session.cancelSignIn']({});

    expect(during.code).toBe('locked');
    expect(after).toMatchObject({ state: 'locked', user: { id: 'demo-analyst' } });
  });
});

describe('the session bound and tokens', () => {
  it('ends the session at sessionEndsAt whatever the activity, and says why', async () => {
    const core = startCore();
    await signIn(core);
    const stored = await store.load(ACCOUNT);

    // A user busy every 10 minutes for 12 hours: never idle, so only the bound can end it.
    for (let step = 0; step < 72; step += 1) {
      if ((await session(core)).state !== 'signed_in') break;
      await core.handlers['session.activity']({});
      await core.handlers['projects.list']({});
      await vi.advanceTimersByTimeAsync(600_000);
    }

    await vi.waitFor(async () => expect((await session(core)).state).toBe('signed_out'));
    expect((await session(core)).message?.text).toContain('12 h');
    expect(platform.sessionEvents.map((e) => e.event)).toContain('session_expired');
    expect(await store.load(ACCOUNT)).toBeNull();
    expect(idp.revoked.has(stored?.refreshToken ?? '')).toBe(true);
  });

  it('refreshes the access token shortly before it expires and stores the rotated refresh token', async () => {
    const core = startCore();
    await signIn(core);
    const first = await store.load(ACCOUNT);

    await vi.advanceTimersByTimeAsync(290_000);
    await core.handlers['session.activity']({});
    await core.handlers['projects.list']({});

    expect(idp.refreshes).toBe(1);
    const second = await store.load(ACCOUNT);
    expect(second?.refreshToken).not.toBe(first?.refreshToken);
    expect(second?.sessionEndsAt).toBe(first?.sessionEndsAt);
  });

  it('refreshes once on a 401 and retries the call', async () => {
    const core = startCore();
    await signIn(core);
    idp.accessOwners.clear(); // the platform no longer accepts the current access token

    expect(await core.handlers['projects.list']({})).toEqual([]);
    expect(idp.refreshes).toBe(1);
  });

  it('signs out with a message when the refresh token was revoked', async () => {
    const core = startCore();
    await signIn(core);
    idp.accessOwners.clear();
    idp.revokeAllRefreshTokens();

    const error = await errorOf(core.handlers['projects.list']({}));

    expect(error.code).toBe('unauthenticated');
    expect(await session(core)).toMatchObject({
      state: 'signed_out',
      message: { kind: 'error', text: expect.stringContaining('no longer valid') },
    });
    expect(await store.load(ACCOUNT)).toBeNull();
  });

  it('lets concurrent calls share one refresh (a rotated token is never used twice)', async () => {
    const core = startCore();
    await signIn(core);
    idp.accessOwners.clear();

    await Promise.all([core.handlers['projects.list']({}), core.handlers['projects.list']({}), core.handlers['projects.list']({})]);

    expect(idp.refreshes).toBe(1);
  });
});

describe('restoring and signing out', () => {
  it('restores a stored, unexpired sign-in at start-up', async () => {
    const first = startCore();
    await signIn(first);
    first.close();

    const second = startCore();

    expect(await session(second)).toMatchObject({ state: 'signed_in', user: { id: 'demo-analyst' } });
    expect(await second.handlers['projects.list']({})).toEqual([]);
  });

  it('keeps the session bound across a restart', async () => {
    const first = startCore();
    await signIn(first);
    const endsAt = (await session(first)).sessionEndsAt;
    first.close();
    await vi.advanceTimersByTimeAsync(3 * 3600_000);

    const second = startCore();

    expect((await session(second)).sessionEndsAt).toBe(endsAt);
  });

  it('does not restore a sign-in whose session has ended', async () => {
    const first = startCore();
    await signIn(first);
    first.close();
    vi.setSystemTime(Date.now() + (MAX + 1) * 1000);

    const second = startCore();

    expect(await session(second)).toMatchObject({ state: 'signed_out', message: { text: expect.stringContaining('ended') } });
    expect(await store.load(ACCOUNT)).toBeNull();
  });

  it('does not restore a revoked sign-in, and says so', async () => {
    const first = startCore();
    await signIn(first);
    first.close();
    idp.revokeAllRefreshTokens();

    const second = startCore();

    expect(await session(second)).toMatchObject({
      state: 'signed_out',
      message: { kind: 'error', text: expect.stringContaining('revoked') },
    });
    expect(await store.load(ACCOUNT)).toBeNull();
  });

  it('restores once the platform answers, when it could not be reached at start-up', async () => {
    const refreshToken = idp.issueRefresh('demo-analyst');
    await store.save(ACCOUNT, {
      version: 1,
      refreshToken,
      sub: 'demo-analyst',
      signedInAt: new Date().toISOString(),
      sessionEndsAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    let up = false;
    const core = startFakeCore(
      { idp, platform, store },
      { fetch: async (input, init) => (up ? platform.fetch(input, init) : Promise.reject(new TypeError('fetch failed'))) },
    );
    cores.push(core);
    const atStart = (await session(core)).state;

    up = true;
    await core.checkPlatform();

    expect(atStart).toBe('signed_out');
    await vi.waitFor(async () => expect(await session(core)).toMatchObject({ state: 'signed_in', user: { id: 'demo-analyst' } }));
    expect(idp.refreshes).toBe(1);
  });

  it('signs out: reports, revokes, forgets the stored token', async () => {
    const core = startCore();
    await signIn(core);
    const stored = await store.load(ACCOUNT);

    const after = await core.handlers['session.signOut']({});

    expect(after).toMatchObject({ state: 'signed_out', user: null, sessionEndsAt: null, message: { text: 'You have signed out.' } });
    expect(platform.sessionEvents.map((e) => e.event)).toEqual(['signed_in', 'signed_out']);
    expect(idp.revoked.has(stored?.refreshToken ?? '')).toBe(true);
    expect(await store.load(ACCOUNT)).toBeNull();
    expect((await errorOf(core.handlers['projects.list']({}))).code).toBe('unauthenticated');
  });

  it('signing out while locked forgets who was signed in', async () => {
    const core = startCore();
    await signIn(core);
    await core.handlers['session.lock']({});

    const after = await core.handlers['session.signOut']({});

    expect(after).toMatchObject({ state: 'signed_out', user: null });
  });

  it('refuses session.signIn while signed in', async () => {
    const core = startCore();
    await signIn(core);

    expect((await errorOf(core.handlers['session.signIn']({}))).code).toBe('invalid_input');
  });
});

describe('review findings: races, restarts and waking up', () => {
  const allRevoked = () => [...idp.refreshOwners.keys()].every((token) => idp.revoked.has(token));

  it('locking removes the stored sign-in at once: a restart while the report is on its way does not bypass the lock', async () => {
    const core = startCore();
    await signIn(core);
    await vi.waitFor(() => expect(platform.sessionEvents).toHaveLength(1));
    const report = platform.holdNext('/api/v1/session-events');

    const locking = core.handlers['session.lock']({});
    await report.reached;
    const restarted = startCore();
    const afterRestart = await session(restarted);
    report.release();
    await locking;

    expect(afterRestart.state).toBe('signed_out');
    expect(await store.load(ACCOUNT)).toBeNull();
    expect(platform.sessionEvents.map((e) => e.event)).toEqual(['signed_in', 'locked']);
    expect(allRevoked()).toBe(true);
  });

  it('signing out removes the stored sign-in before the report is sent', async () => {
    const core = startCore();
    await signIn(core);
    await vi.waitFor(() => expect(platform.sessionEvents).toHaveLength(1));
    const report = platform.holdNext('/api/v1/session-events');

    const signingOut = core.handlers['session.signOut']({});
    await report.reached;
    const storedDuringReport = await store.load(ACCOUNT);
    report.release();
    await signingOut;

    expect(storedDuringReport).toBeNull();
    expect(platform.sessionEvents.map((e) => e.event)).toEqual(['signed_in', 'signed_out']);
  });

  for (const interruption of ['session.signOut', 'session.cancelSignIn'] as const) {
    it(`a ${interruption} while the platform confirms a sign-in: tokens revoked, nothing stored or recorded, state left alone`, async () => {
      const core = startCore();
      const { authorizationUrl } = await core.handlers['session.signIn']({});
      const me = platform.holdNext('/api/v1/me');

      const page = browserGet(callbackFor(authorizationUrl));
      await me.reached;
      const interrupted = await core.handlers[interruption]({});
      me.release();
      const answered = await page;

      expect(answered.status).toBe(400);
      expect(answered.body).toContain('no longer wanted');
      expect(await session(core)).toMatchObject({ state: 'signed_out', user: null, message: interrupted.message });
      expect(await store.load(ACCOUNT)).toBeNull();
      expect(platform.sessionEvents).toEqual([]);
      await vi.waitFor(() => expect(allRevoked()).toBe(true));
      expect((await errorOf(core.handlers['projects.list']({}))).code).toBe('unauthenticated');
    });
  }

  it('a sign-out while an unlock is being confirmed leaves the workstation signed out', async () => {
    const core = startCore();
    await signIn(core);
    await core.handlers['session.lock']({});
    const { authorizationUrl } = await core.handlers['session.signIn']({});
    const me = platform.holdNext('/api/v1/me');

    const page = browserGet(callbackFor(authorizationUrl));
    await me.reached;
    await core.handlers['session.signOut']({});
    me.release();
    await page;

    expect(await session(core)).toMatchObject({ state: 'signed_out', user: null });
    expect(await store.load(ACCOUNT)).toBeNull();
    expect(platform.sessionEvents.map((e) => e.event)).toEqual(['signed_in', 'locked']);
    await vi.waitFor(() => expect(allRevoked()).toBe(true));
  });

  it('after a suspend, the first keypress locks when the idle limit has passed (it does not postpone the lock)', async () => {
    const core = startCore();
    await signIn(core);

    vi.setSystemTime(Date.now() + (IDLE + 60) * 1000); // asleep: the clock moved on, no timer ran
    await core.handlers['session.activity']({});

    expect((await session(core)).state).toBe('locked');
    expect((await errorOf(core.handlers['projects.list']({}))).code).toBe('locked');
  });

  it('after a suspend, a call is refused as locked when the idle limit has passed', async () => {
    const core = startCore();
    await signIn(core);

    vi.setSystemTime(Date.now() + (IDLE + 60) * 1000);
    const error = await errorOf(core.handlers['projects.list']({}));

    expect(error.code).toBe('locked');
    expect((await session(core)).state).toBe('locked');
  });

  it('after a long suspend, the session has ended: a keypress ends it and says why', async () => {
    const core = startCore();
    await signIn(core);

    vi.setSystemTime(Date.now() + (MAX + 60) * 1000);
    await core.handlers['session.activity']({});

    expect(await session(core)).toMatchObject({ state: 'signed_out', message: { text: expect.stringContaining('12 h') } });
    expect((await errorOf(core.handlers['projects.list']({}))).code).toBe('unauthenticated');
  });

  it('core.lock() locks (the Electron shell calls it on suspend and on screen lock); signed out it does nothing', async () => {
    const core = startCore();
    await core.lock();
    const before = (await session(core)).state;
    await signIn(core);

    await core.lock();

    expect(before).toBe('signed_out');
    expect((await session(core)).state).toBe('locked');
  });

  it('restoring while the platform is down keeps the renewed refresh token, so the next start can restore', async () => {
    const first = startCore();
    await signIn(first);
    first.close();
    platform.failing.add('/api/v1/me');

    const second = startCore();
    const whileDown = await session(second);
    const kept = await store.load(ACCOUNT);
    platform.failing.delete('/api/v1/me');
    second.close();
    const third = startCore();

    expect(whileDown).toMatchObject({
      state: 'signed_out',
      message: { kind: 'error', text: expect.stringContaining('could not be restored now') },
    });
    expect(idp.revoked.has(kept?.refreshToken ?? '')).toBe(false);
    expect(await session(third)).toMatchObject({ state: 'signed_in', user: { id: 'demo-analyst' } });
  });

  it('a lock during a renewal: the renewed tokens report the lock and are revoked; the spent token is not tried again', async () => {
    const core = startCore();
    await signIn(core);
    await vi.advanceTimersByTimeAsync(600_000); // the access token has expired
    await core.handlers['session.activity']({});
    const refresh = idp.refresh;
    const gate = deferred();
    const tried: string[] = [];
    idp.refresh = async (token) => {
      tried.push(token);
      await gate.promise;
      return refresh(token);
    };

    const call = errorOf(core.handlers['projects.list']({}));
    await vi.waitFor(() => expect(tried).toHaveLength(1));
    const locking = core.handlers['session.lock']({});
    gate.resolve();
    await locking;

    expect((await call).code).toBe('locked');
    expect(tried).toHaveLength(1);
    expect(platform.sessionEvents.map((e) => e.event)).toEqual(['signed_in', 'locked']);
    expect(await store.load(ACCOUNT)).toBeNull();
    expect(allRevoked()).toBe(true);
  });

  it('reports a lock with the access token while it has any life left, without renewing it', async () => {
    const core = startCore();
    await signIn(core);
    await vi.advanceTimersByTimeAsync(290_000); // 10 s left: inside the renewal margin, still valid
    await core.handlers['session.activity']({});

    await core.handlers['session.lock']({});

    expect(idp.refreshes).toBe(0);
    expect(platform.sessionEvents.map((e) => e.event)).toEqual(['signed_in', 'locked']);
  });
});

describe('a sign-out or a lock wins over work in flight', () => {
  it('a restore begun before a sign-in and a sign-out does not bring the earlier sign-in back after the sign-out', async () => {
    // An earlier run's sign-in is stored, and the platform is down at start: the restore waits until it answers.
    const refreshToken = idp.issueRefresh('demo-analyst');
    await store.save(ACCOUNT, {
      version: 1,
      refreshToken,
      sub: 'demo-analyst',
      signedInAt: new Date().toISOString(),
      sessionEndsAt: new Date(Date.now() + 3600_000).toISOString(),
    });
    let up = false;
    const core = startFakeCore(
      { idp, platform, store },
      {
        fetch: async (input, init) => (up ? platform.fetch(input, init) : Promise.reject(new TypeError('fetch failed'))),
        idleLockSeconds: IDLE,
        sessionMaxSeconds: MAX,
      },
    );
    cores.push(core);
    await session(core);
    up = true;
    const restoring = platform.holdNext('/api/v1/me');
    await core.checkPlatform();
    await restoring.reached;
    const renewedByRestore = (await store.load(ACCOUNT))?.refreshToken ?? '';

    await signIn(core);
    await core.handlers['session.signOut']({});
    restoring.release();

    await vi.waitFor(() => expect(idp.revoked.has(renewedByRestore)).toBe(true));
    expect(await session(core)).toMatchObject({ state: 'signed_out', user: null, message: { text: 'You have signed out.' } });
    expect(await store.load(ACCOUNT)).toBeNull();
    expect((await errorOf(core.handlers['projects.list']({}))).code).toBe('unauthenticated');
  });

  it('the platform answering again while a sign-out is still removing the stored sign-in does not restore it', async () => {
    // The identity provider could not be found at start (so no restore was tried); the sign-in finds it.
    let discoveries = 0;
    const removal = deferred();
    const slowRemoval: TokenStore = {
      get kind() {
        return store.kind;
      },
      load: (account) => store.load(account),
      save: (account, record) => store.save(account, record),
      remove: async (account) => {
        await removal.promise;
        await store.remove(account);
      },
    };
    let up = true;
    const core = createWorkstationCore({
      platformUrl: 'http://platform.test',
      fetch: async (input, init) => (up ? platform.fetch(input, init) : Promise.reject(new TypeError('fetch failed'))),
      healthIntervalMs: 2_000_000_000,
      discover: async (settings) => {
        discoveries += 1;
        if (discoveries === 1) throw new Error('The identity provider is starting.');
        return fakeDiscover(idp)(settings);
      },
      tokenStore: slowRemoval,
      idleLockSeconds: IDLE,
      sessionMaxSeconds: MAX,
    });
    cores.push(core);
    await signIn(core);
    const stored = await store.load(ACCOUNT);

    const signingOut = core.handlers['session.signOut']({});
    up = false;
    await core.checkPlatform();
    up = true;
    await core.checkPlatform();
    await vi.advanceTimersByTimeAsync(0);
    removal.resolve();
    await signingOut;

    expect(await session(core)).toMatchObject({ state: 'signed_out', user: null, message: { text: 'You have signed out.' } });
    expect(await store.load(ACCOUNT)).toBeNull();
    expect(idp.revoked.has(stored?.refreshToken ?? '')).toBe(true);
    expect(idp.refreshes).toBe(0);
  });

  it('a sign-out while an unlock is starting stops it: the caller is told, Enclave stays signed out', async () => {
    const core = startCore();
    await signIn(core);
    await core.handlers['session.lock']({});
    const asked = deferred();
    const release = deferred();
    const authorizationRequest = idp.authorizationRequest;
    idp.authorizationRequest = async (request) => {
      asked.resolve();
      await release.promise;
      return authorizationRequest(request);
    };

    const unlocking = errorOf(core.handlers['session.signIn']({}));
    await asked.promise;
    await core.handlers['session.signOut']({});
    release.resolve();

    expect((await unlocking).code).toBe('cancelled');
    expect(await session(core)).toMatchObject({ state: 'signed_out', user: null, message: { text: 'You have signed out.' } });
  });
});
