// No keychain at all (no D-Bus session bus): the workstation keeps tokens in memory only and says so through
// Session.tokenStorage; a keychain that hangs (a locked keyring waiting for a prompt) does not hang it either.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWorkstationCore, type WorkstationCore } from '../../../src/workstation/core.ts';
import { browserGet, callbackFor, createFakeIdp, fakeDiscover, fakePlatformFetch } from '../../unit/workstation/fake-idp.ts';

const saved = { bus: process.env.DBUS_SESSION_BUS_ADDRESS, display: process.env.DISPLAY };
const cores: WorkstationCore[] = [];

beforeAll(() => {
  // A bus address where nothing listens, and no X display to autolaunch one: libsecret fails at once.
  process.env.DBUS_SESSION_BUS_ADDRESS = 'unix:path=/nonexistent/enclave-test-bus';
  delete process.env.DISPLAY;
});

afterAll(() => {
  for (const core of cores) core.close();
  if (saved.bus === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
  else process.env.DBUS_SESSION_BUS_ADDRESS = saved.bus;
  if (saved.display !== undefined) process.env.DISPLAY = saved.display;
});

function startCore(extra: Parameters<typeof createWorkstationCore>[0] extends infer O ? Partial<O> : never = {}) {
  const idp = createFakeIdp();
  const core = createWorkstationCore({
    platformUrl: 'http://platform.test',
    fetch: fakePlatformFetch(idp).fetch,
    discover: fakeDiscover(idp),
    healthIntervalMs: 3_600_000,
    ...extra,
  });
  cores.push(core);
  return core;
}

it('with no D-Bus, the real keytar fails fast: tokens stay in memory, and the session says so', async () => {
  const core = startCore();
  const changes: string[] = [];
  core.events.on('session.changed', (s) => changes.push(s.tokenStorage));

  await core.ready;
  const { authorizationUrl } = await core.handlers['session.signIn']({});
  await browserGet(callbackFor(authorizationUrl));

  expect(await core.handlers['session.get']({})).toMatchObject({ state: 'signed_in', tokenStorage: 'memory', message: null });
  expect(changes).toContain('memory');
});

it('a keychain that never answers is given up after its deadline; sign-in still works, in memory', async () => {
  const hanging = {
    getPassword: () => new Promise<string | null>(() => {}),
    setPassword: () => new Promise<void>(() => {}),
    deletePassword: () => new Promise<boolean>(() => {}),
  };
  const core = startCore({ keytar: async () => hanging, keychainTimeoutMs: 200 });

  await core.ready;
  const { authorizationUrl } = await core.handlers['session.signIn']({});
  const page = await browserGet(callbackFor(authorizationUrl));

  expect(page.status).toBe(200);
  expect(await core.handlers['session.get']({})).toMatchObject({ state: 'signed_in', tokenStorage: 'memory' });
});
