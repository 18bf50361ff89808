// Declining the terms of use (issue 18): the platform records the refusal and ends the sign-in there; the workstation
// then signs out, says why, and reports no sign-out (there is no sign-in left on the platform to report it with). With
// the fake identity provider and platform of ../fake-idp.ts.
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { WorkstationCore } from '../../../../src/workstation/core.ts';
import { createMemoryTokenStore, keychainAccount, type TokenStore } from '../../../../src/workstation/tokens/token-store.ts';
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

let idp: FakeIdp;
let platform: FakePlatformFetch;
let store: TokenStore;
let core: WorkstationCore;

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2026-12-04T09:00:00Z') });
  idp = createFakeIdp();
  platform = fakePlatformFetch(idp);
  store = createMemoryTokenStore();
  core = startFakeCore({ idp, platform, store });
  const { authorizationUrl } = await core.handlers['session.signIn']({});
  await browserGet(callbackFor(authorizationUrl));
});

afterEach(() => {
  core.close();
  vi.useRealTimers();
});

it('records the refusal, signs out saying why, forgets the sign-in, and reports no sign-out', async () => {
  await vi.waitFor(() => expect(platform.sessionEvents).toEqual([{ event: 'signed_in', sub: 'demo-analyst' }]));

  const after = await core.handlers['terms.decline']({ audience: 'analyst', version: 2 });

  expect(platform.termsDeclined).toEqual([{ sub: 'demo-analyst', body: { audience: 'analyst', version: 2 } }]);
  expect(after).toMatchObject({
    state: 'signed_out',
    user: null,
    message: { kind: 'info', text: expect.stringContaining('You declined the terms of use, so Enclave signed you out.') },
  });
  expect(await store.load(keychainAccount({ issuer: ISSUER, clientId: CLIENT_ID }))).toBeNull();
  await vi.advanceTimersByTimeAsync(1000);
  expect(platform.sessionEvents).toEqual([{ event: 'signed_in', sub: 'demo-analyst' }]);
});
