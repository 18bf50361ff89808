// Someone signed in at an external identity provider whom the platform does not know yet (issue 18): instead of failing,
// the session waits for the one-time enrolment code their administrator sent them, holding their tokens for that one
// call; a good code signs them in, a bad one is refused with the platform's words, and signing out (or the session's
// end) forgets the tokens. With the fake identity provider and platform of ../fake-idp.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Session, User } from '../../../../src/common/contract.ts';
import type { WorkstationCore } from '../../../../src/workstation/core.ts';
import { createMemoryTokenStore, keychainAccount, type TokenStore } from '../../../../src/workstation/tokens/token-store.ts';
import { errorOf } from '../../../support/error-of.ts';
import {
  browserGet,
  callbackFor,
  CLIENT_ID,
  createFakeIdp,
  fakePlatformFetch,
  startFakeCore,
  ISSUER,
  type FakeIdp,
  type FakePlatformFetch,
} from '../fake-idp.ts';

const ACCOUNT = keychainAccount({ issuer: ISSUER, clientId: CLIENT_ID });
const MAX = 12 * 3600;
/** The subject the external identity provider gives the new analyst; the platform knows nobody by it yet. */
const SUBJECT = 'ext-7f3a9c';
const EVE: User = { id: 'eve-newcomer', displayName: 'Eve Newcomer', role: 'analyst', roles: ['analyst'] };
const CODE = 'ABCDE23456FGHJK7MNPQ';

let idp: FakeIdp;
let platform: FakePlatformFetch;
let store: TokenStore;
let cores: WorkstationCore[];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2026-12-04T09:00:00Z') });
  idp = createFakeIdp();
  platform = fakePlatformFetch(idp);
  platform.enrolmentCodes.set(CODE, EVE);
  store = createMemoryTokenStore();
  cores = [];
});

afterEach(() => {
  for (const core of cores) core.close();
  vi.useRealTimers();
});

function startCore(): WorkstationCore {
  const core = startFakeCore({ idp, platform, store }, { sessionMaxSeconds: MAX });
  cores.push(core);
  return core;
}

async function session(core: WorkstationCore): Promise<Session> {
  return core.handlers['session.get']({});
}

async function signInAsNewcomer(core: WorkstationCore) {
  idp.nextUser = SUBJECT;
  const { authorizationUrl } = await core.handlers['session.signIn']({});
  return browserGet(callbackFor(authorizationUrl));
}

describe('signing in as someone the platform does not know yet', () => {
  it('waits for the enrolment code instead of failing: the platform’s words, no user yet, the browser sent back to Enclave', async () => {
    const core = startCore();

    const page = await signInAsNewcomer(core);

    expect(page.status).toBe(200);
    expect(page.body).toContain('Enter your enrolment code in Enclave');
    expect(await session(core)).toMatchObject({
      state: 'enrolling',
      user: null,
      sessionEndsAt: '2026-12-04T21:00:00.000Z',
      message: { kind: 'info', text: expect.stringContaining('does not know you yet') },
    });
  });

  it('refuses every platform call itself while enrolling (nothing reaches the platform), and there is nothing to lock', async () => {
    const core = startCore();
    await signInAsNewcomer(core);
    const asked = platform.paths.length;

    for (const refused of [core.handlers['projects.list']({}), core.handlers['terms.mine']({}), core.handlers['me.training']({})]) {
      expect(await errorOf(refused)).toMatchObject({ code: 'enrolment_required', message: expect.stringContaining('enrolment code') });
    }
    expect(await core.handlers['session.lock']({})).toMatchObject({ state: 'enrolling' });

    expect(platform.paths.length).toBe(asked);
  });

  it('a good code, typed in lower case with dashes, signs the person in as whom the platform bound them to, and works', async () => {
    const core = startCore();
    await signInAsNewcomer(core);

    const after = await core.handlers['session.enrol']({ code: 'abcde-23456-fghjk-7mnpq' });

    expect(after).toMatchObject({ state: 'signed_in', user: EVE, message: null, sessionEndsAt: '2026-12-04T21:00:00.000Z' });
    expect(platform.enrolled.get(SUBJECT)).toEqual(EVE);
    expect(await core.handlers['projects.list']({})).toEqual([]);
    // The session begins on the platform's record once the person is known.
    await vi.waitFor(() => expect(platform.sessionEvents).toEqual([{ event: 'signed_in', sub: SUBJECT }]));
  });

  it('a bad code is refused in the platform’s words, and the person may try again', async () => {
    const core = startCore();
    await signInAsNewcomer(core);

    const error = await errorOf(core.handlers['session.enrol']({ code: 'ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ' }));

    expect(error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('This enrolment code is not valid') });
    expect(await session(core)).toMatchObject({ state: 'enrolling', user: null });
    expect(await core.handlers['session.enrol']({ code: CODE })).toMatchObject({ state: 'signed_in', user: EVE });
  });

  it('renews an expired access token for the enrolment', async () => {
    const core = startCore();
    await signInAsNewcomer(core);
    await vi.advanceTimersByTimeAsync(idp.accessLifetimeSeconds * 1000 + 1000);

    expect(await core.handlers['session.enrol']({ code: CODE })).toMatchObject({ state: 'signed_in', user: EVE });
    expect(idp.refreshes).toBe(1);
  });

  it('signing out while enrolling forgets the tokens: the stored sign-in removed, the refresh token revoked', async () => {
    const core = startCore();
    await signInAsNewcomer(core);
    const stored = await store.load(ACCOUNT);
    expect(stored).toMatchObject({ sub: SUBJECT });

    expect(await core.handlers['session.signOut']({})).toMatchObject({ state: 'signed_out', user: null });

    expect(await store.load(ACCOUNT)).toBeNull();
    await vi.waitFor(() => expect(idp.revoked.has(stored?.refreshToken ?? '')).toBe(true));
    expect((await errorOf(core.handlers['session.enrol']({ code: CODE }))).code).toBe('invalid_input');
  });

  it('a sign-in is refused while enrolling (the tokens would be left behind), and so is an enrolment once signed in', async () => {
    const core = startCore();
    await signInAsNewcomer(core);

    expect(await errorOf(core.handlers['session.signIn']({}))).toMatchObject({
      code: 'invalid_input',
      message: 'Enter your enrolment code, or sign out first.',
    });
    await core.handlers['session.enrol']({ code: CODE });
    expect(await errorOf(core.handlers['session.enrol']({ code: CODE }))).toMatchObject({
      code: 'invalid_input',
      message: 'You are enrolled already.',
    });
  });

  it('the session’s bound ends the wait too', async () => {
    const core = startCore();
    await signInAsNewcomer(core);

    await vi.advanceTimersByTimeAsync(MAX * 1000);

    expect(await session(core)).toMatchObject({ state: 'signed_out', message: { kind: 'info', text: expect.stringContaining('ended') } });
    expect(await store.load(ACCOUNT)).toBeNull();
  });

  it('a restart does not restore a sign-in that never enrolled: it asks the person to sign in again and enrol', async () => {
    const first = startCore();
    await signInAsNewcomer(first);
    first.close();

    const second = startCore();

    expect(await session(second)).toMatchObject({
      state: 'signed_out',
      message: { kind: 'info', text: expect.stringContaining('had not enrolled yet') },
    });
    expect(await store.load(ACCOUNT)).toBeNull();
  });

  it('a person the platform knows signs in as before', async () => {
    const core = startCore();
    idp.nextUser = 'demo-analyst';
    const { authorizationUrl } = await core.handlers['session.signIn']({});
    await browserGet(callbackFor(authorizationUrl));

    expect(await session(core)).toMatchObject({ state: 'signed_in', user: { id: 'demo-analyst' } });
  });
});
