// A person an administrator suspends during an incident (issue 18): the platform answers every call of theirs with
// 'suspended', and cuts their row transfers. The workstation ends the session at once, forgets the tokens (the stored
// sign-in too) without a word more to the platform, and keeps the platform's reason for the screen that says so. With
// the fake identity provider and platform of ../fake-idp.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Session } from '../../../../src/common/contract.ts';
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
  SAMPLE_BYTES,
  type FakeIdp,
  type FakePlatformFetch,
} from '../fake-idp.ts';

const ACCOUNT = keychainAccount({ issuer: ISSUER, clientId: CLIENT_ID });
const WHY = 'Your access to Enclave is suspended by an administrator: Investigating an unusual download (incident inc-0123).';
const SAMPLE = { projectId: 'p1', datasetId: 'd1', limit: 10 };

let idp: FakeIdp;
let platform: FakePlatformFetch;
let store: TokenStore;
let cores: WorkstationCore[];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: new Date('2026-12-03T09:00:00Z') });
  idp = createFakeIdp();
  platform = fakePlatformFetch(idp);
  store = createMemoryTokenStore();
  cores = [];
});

afterEach(() => {
  for (const core of cores) core.close();
  vi.useRealTimers();
});

function startCore(): WorkstationCore {
  const core = startFakeCore({ idp, platform, store });
  cores.push(core);
  return core;
}

async function session(core: WorkstationCore): Promise<Session> {
  return core.handlers['session.get']({});
}

async function signIn(core: WorkstationCore) {
  idp.nextUser = 'demo-analyst';
  const { authorizationUrl } = await core.handlers['session.signIn']({});
  return browserGet(callbackFor(authorizationUrl));
}

/** The sessions every listener of the core heard, from now on. */
function heard(core: WorkstationCore): Session[] {
  const sessions: Session[] = [];
  core.events.on('session.changed', (s) => sessions.push(s));
  return sessions;
}

describe('a call answered "suspended"', () => {
  it('ends the session at once with the platform’s reason, and the call says so too', async () => {
    const core = startCore();
    await signIn(core);
    const sessions = heard(core);
    platform.suspended.set('demo-analyst', WHY);

    const error = await errorOf(core.handlers['projects.list']({}));

    expect(error).toMatchObject({ code: 'suspended', message: WHY });
    expect(await session(core)).toMatchObject({
      state: 'signed_out',
      user: null,
      sessionEndsAt: null,
      message: { kind: 'suspended', text: WHY },
    });
    expect(sessions.at(-1)).toMatchObject({ state: 'signed_out', message: { kind: 'suspended', text: WHY } });
  });

  it('forgets the tokens, the stored sign-in included, without calling the platform or the provider again', async () => {
    const core = startCore();
    await signIn(core);
    await vi.waitFor(() => expect(platform.sessionEvents).toEqual([{ event: 'signed_in', sub: 'demo-analyst' }]));
    expect(await store.load(ACCOUNT)).not.toBeNull();
    platform.suspended.set('demo-analyst', WHY);

    await errorOf(core.handlers['catalogue.get']({ projectId: 'p1' }));
    const asked = platform.paths.length;

    expect(await store.load(ACCOUNT)).toBeNull();
    expect(idp.revoked.size).toBe(0);
    // Later calls are refused by the workstation itself: nothing more reaches the platform, not even a sign-out report.
    expect((await errorOf(core.handlers['projects.list']({}))).code).toBe('unauthenticated');
    await vi.advanceTimersByTimeAsync(1000);
    expect(platform.paths.length).toBe(asked);
    expect(platform.sessionEvents).toEqual([{ event: 'signed_in', sub: 'demo-analyst' }]);
  });

  it('a restart does not bring the suspended sign-in back', async () => {
    const first = startCore();
    await signIn(first);
    platform.suspended.set('demo-analyst', WHY);
    await errorOf(first.handlers['projects.list']({}));
    first.close();

    const second = startCore();

    expect(await session(second)).toMatchObject({ state: 'signed_out', message: null });
    expect(idp.refreshes).toBe(0);
  });

  it('leaves a session alone that is not the suspended call’s (a sign-out and a new sign-in meanwhile)', async () => {
    const core = startCore();
    await signIn(core);
    const held = platform.holdNext('/api/v1/projects');
    const call = errorOf(core.handlers['projects.list']({}));
    await held.reached;
    await core.handlers['session.signOut']({});
    await signIn(core);
    platform.suspended.set('demo-analyst', WHY);

    held.release();

    // The old call's answer is withheld (as any answer of an ended session), and the new session stays.
    expect((await call).code).toBe('suspended');
    expect(await session(core)).toMatchObject({ state: 'signed_in', user: { id: 'demo-analyst' } });
  });
});

describe('a row transfer cut part-way', () => {
  it('asks the platform once who the person is: suspended, the session ends with the platform’s reason', async () => {
    const core = startCore();
    await signIn(core);
    platform.cutSamples = () => platform.suspended.set('demo-analyst', WHY);

    const error = await errorOf(core.handlers['dataset.sample'](SAMPLE));

    expect(error).toMatchObject({ code: 'suspended', message: WHY });
    expect(platform.paths.filter((path) => path === '/api/v1/me')).toHaveLength(2); // the sign-in's, and this one
    expect(await session(core)).toMatchObject({ state: 'signed_out', message: { kind: 'suspended', text: WHY } });
    expect(await store.load(ACCOUNT)).toBeNull();
  });

  it('not suspended: the transfer’s own error, and the session goes on', async () => {
    const core = startCore();
    await signIn(core);
    platform.cutSamples = () => {};

    const error = await errorOf(core.handlers['dataset.sample'](SAMPLE));

    expect(error.code).toBe('unavailable');
    expect(platform.paths.filter((path) => path === '/api/v1/me')).toHaveLength(2);
    expect(await session(core)).toMatchObject({ state: 'signed_in' });
    platform.cutSamples = null;
    expect(await core.handlers['dataset.sample'](SAMPLE)).toEqual(SAMPLE_BYTES);
  });

  it('a transfer that completes asks nothing more', async () => {
    const core = startCore();
    await signIn(core);

    await core.handlers['dataset.sample'](SAMPLE);

    expect(platform.paths.filter((path) => path === '/api/v1/me')).toHaveLength(1);
  });
});

describe('a sample cut part-way on its way into a local table', () => {
  it('asks the platform once; suspended: the session ends, and the load says so (or that it was stopped)', async () => {
    vi.useRealTimers(); // the native engine and the workspace's files run on real time
    const root = await mkdtemp(join(tmpdir(), 'enclave-suspension-'));
    const core = startFakeCore({ idp, platform, store }, { workspaces: { root } });
    try {
      platform.projects.push({
        id: 'p1',
        name: 'Project 1',
        purpose: 'Tests.',
        datasetIds: ['d1'],
        localData: 'disk',
        clipboardCellLimit: 100,
      });
      await signIn(core);
      await core.handlers['workspace.open']({ projectId: 'p1' });
      platform.cutSamples = () => platform.suspended.set('demo-analyst', WHY);

      const error = await errorOf(
        core.handlers['workspace.loadSample']({ projectId: 'p1', datasetId: 'd1', limit: 10, table: 'sample_d1', replace: false }),
      );

      // The session's end stops every call of the window, this one included: either word is the truth.
      expect(['suspended', 'cancelled']).toContain(error.code);
      expect(platform.paths.filter((path) => path === '/api/v1/me')).toHaveLength(2);
      expect(await session(core)).toMatchObject({ state: 'signed_out', message: { kind: 'suspended', text: WHY } });
      expect(await store.load(ACCOUNT)).toBeNull();
    } finally {
      core.close();
      await core.closed();
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('signing in while suspended', () => {
  it('signs out with the platform’s reason instead of signing in, and stores nothing', async () => {
    const core = startCore();
    platform.suspended.set('demo-analyst', WHY);

    const page = await signIn(core);

    expect(page.status).toBe(400);
    expect(page.body).toContain('suspended');
    expect(await session(core)).toMatchObject({ state: 'signed_out', user: null, message: { kind: 'suspended', text: WHY } });
    expect(await store.load(ACCOUNT)).toBeNull();
  });

  it('an unlock while suspended signs out (the locked workspace goes)', async () => {
    const core = startCore();
    await signIn(core);
    await core.handlers['session.lock']({});
    platform.suspended.set('demo-analyst', WHY);

    await signIn(core);

    expect(await session(core)).toMatchObject({ state: 'signed_out', user: null, message: { kind: 'suspended', text: WHY } });
  });

  it('a stored sign-in of a person suspended since is not restored: the entry goes, and the reason is shown', async () => {
    const first = startCore();
    await signIn(first);
    first.close();
    platform.suspended.set('demo-analyst', WHY);

    const second = startCore();

    expect(await session(second)).toMatchObject({ state: 'signed_out', message: { kind: 'suspended', text: WHY } });
    expect(await store.load(ACCOUNT)).toBeNull();
  });

  it('once lifted, the person signs in again and works', async () => {
    const core = startCore();
    await signIn(core);
    platform.suspended.set('demo-analyst', WHY);
    await errorOf(core.handlers['projects.list']({}));

    platform.suspended.delete('demo-analyst');
    await signIn(core);

    expect(await session(core)).toMatchObject({ state: 'signed_in', message: null });
    expect(await core.handlers['projects.list']({})).toEqual([]);
  });
});
