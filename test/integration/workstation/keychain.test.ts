// The refresh token in a real OS keychain: keytar against gnome-keyring's Secret Service on a private D-Bus
// session (spawned here, so `npm test` needs no wrapper), and a workstation restart restoring the sign-in from it.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkstationCore, type WorkstationCore } from '../../../src/workstation/core.ts';
import {
  createKeychainTokenStore,
  KEYCHAIN_SERVICE,
  keychainAccount,
  loadKeytar,
  type StoredSession,
} from '../../../src/workstation/tokens/token-store.ts';
import { createPlatformFixture, startPlatform, type PlatformFixture, type RunningPlatform } from '../identity/support.ts';
import { playSignIn } from './play-browser.ts';
import { secretServiceMissing, startSecretService, type SecretService } from './secret-service.ts';

const missing = secretServiceMissing();
if (missing) console.log(`[keychain] skipped: ${missing}`);

const RECORD: StoredSession = {
  version: 1,
  refreshToken: 'refresh-token-under-test',
  sub: 'demo-analyst',
  signedInAt: '2026-11-27T08:00:00.000Z',
  sessionEndsAt: '2026-11-27T20:00:00.000Z',
};

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe.skipIf(missing !== null)('the OS keychain (gnome-keyring over a private D-Bus session)', () => {
  let service: SecretService;
  let saved: { bus?: string; display?: string };
  let fixture: PlatformFixture;
  let platform: RunningPlatform;
  const cores: WorkstationCore[] = [];

  beforeAll(async () => {
    service = await startSecretService();
    saved = { bus: process.env.DBUS_SESSION_BUS_ADDRESS, display: process.env.DISPLAY };
    // keytar (libsecret) reads the bus address when it first connects, in this process.
    process.env.DBUS_SESSION_BUS_ADDRESS = service.address;
    delete process.env.DISPLAY;
    fixture = await createPlatformFixture();
    platform = await startPlatform({ fixture });
  });

  afterAll(async () => {
    for (const core of cores) core.close();
    await platform?.stop();
    await fixture?.cleanup();
    await service?.stop();
    if (saved?.bus === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    else process.env.DBUS_SESSION_BUS_ADDRESS = saved.bus;
    if (saved?.display !== undefined) process.env.DISPLAY = saved.display;
  });

  it('keytar round trip: save, read back, delete', async () => {
    const store = createKeychainTokenStore();
    const account = 'https://idp.test/oidc enclave-workstation round-trip';

    await store.save(account, RECORD);
    const read = await store.load(account);
    const raw = await (await loadKeytar()).getPassword(KEYCHAIN_SERVICE, account);
    await store.remove(account);

    expect(read).toEqual(RECORD);
    expect(JSON.parse(raw ?? '{}')).toEqual(RECORD);
    expect(await store.load(account)).toBeNull();
  });

  it('a workstation restart restores the sign-in from the keychain; the keyring file on disk never holds it in plain text', async () => {
    const first = createWorkstationCore({ platformUrl: platform.url, healthIntervalMs: 3_600_000 });
    cores.push(first);
    const { authorizationUrl } = await first.handlers['session.signIn']({});
    await playSignIn({ authorizationUrl, platformUrl: platform.url, username: 'demo-analyst' });
    expect(await first.handlers['session.get']({})).toMatchObject({ state: 'signed_in', tokenStorage: 'keychain' });
    first.close();
    const stored = await createKeychainTokenStore().load(keychainAccount({ issuer: platform.issuer, clientId: 'enclave-workstation' }));

    const second = createWorkstationCore({ platformUrl: platform.url, healthIntervalMs: 3_600_000 });
    cores.push(second);

    expect(await second.handlers['session.get']({})).toMatchObject({
      state: 'signed_in',
      user: { id: 'demo-analyst' },
      tokenStorage: 'keychain',
    });
    expect(stored?.refreshToken).toBeTruthy();
    for (const file of await filesUnder(service.env.HOME ?? '')) {
      expect((await readFile(file)).includes(Buffer.from(stored?.refreshToken ?? 'x'))).toBe(false);
    }

    await second.handlers['session.signOut']({});
    expect(await createKeychainTokenStore().load(keychainAccount({ issuer: platform.issuer, clientId: 'enclave-workstation' }))).toBeNull();
  });
});
