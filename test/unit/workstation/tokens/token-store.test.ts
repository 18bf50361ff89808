// Where the refresh token is kept: the keychain (through a keytar stand-in here; the real one is in
// test/integration/workstation/keychain.test.ts) with a deadline on every call, and memory when it fails.
import { describe, expect, it, vi } from 'vitest';
import {
  createFallbackTokenStore,
  createKeychainTokenStore,
  KEYCHAIN_SERVICE,
  keychainAccount,
  KeychainUnavailable,
  type KeytarLike,
  type StoredSession,
} from '../../../../src/workstation/tokens/token-store.ts';

const RECORD: StoredSession = {
  version: 1,
  refreshToken: 'rt-1',
  sub: 'demo-analyst',
  signedInAt: '2026-11-27T08:00:00.000Z',
  sessionEndsAt: '2026-11-27T20:00:00.000Z',
};

function mapKeytar(): KeytarLike & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    getPassword: async (service, account) => entries.get(`${service}/${account}`) ?? null,
    setPassword: async (service, account, password) => {
      entries.set(`${service}/${account}`, password);
    },
    deletePassword: async (service, account) => entries.delete(`${service}/${account}`),
  };
}

const never = <T>() => new Promise<T>(() => {});
const hangingKeytar: KeytarLike = { getPassword: never, setPassword: never, deletePassword: never };

describe('the keychain store', () => {
  it('keeps one entry per issuer and client under the service "Enclave"; the CLI has its own', async () => {
    const keytar = mapKeytar();
    const store = createKeychainTokenStore({ keytar: async () => keytar });
    const account = keychainAccount({ issuer: 'https://idp.test/oidc', clientId: 'enclave-workstation' });

    await store.save(account, RECORD);

    expect([...keytar.entries.keys()]).toEqual([`${KEYCHAIN_SERVICE}/https://idp.test/oidc enclave-workstation`]);
    expect(await store.load(account)).toEqual(RECORD);
    expect(keychainAccount({ issuer: 'https://idp.test/oidc', clientId: 'enclave-workstation', purpose: 'cli' })).not.toBe(account);
  });

  it('treats an entry it cannot read as no sign-in', async () => {
    const keytar = mapKeytar();
    keytar.entries.set(`${KEYCHAIN_SERVICE}/a`, 'not json');
    keytar.entries.set(`${KEYCHAIN_SERVICE}/b`, JSON.stringify({ refreshToken: 'x' }));
    const store = createKeychainTokenStore({ keytar: async () => keytar });

    expect([await store.load('a'), await store.load('b')]).toEqual([null, null]);
  });

  it('gives up on a keychain that does not answer within its deadline (a locked keyring must not hang the app)', async () => {
    const store = createKeychainTokenStore({ keytar: async () => hangingKeytar, timeoutMs: 50 });

    await expect(store.load('a')).rejects.toBeInstanceOf(KeychainUnavailable);
    await expect(store.save('a', RECORD)).rejects.toThrow(/did not answer within 50 ms/);
  });

  it('reports a keytar that cannot be loaded or fails as unavailable', async () => {
    const missing = createKeychainTokenStore({ keytar: async () => Promise.reject(new Error('Cannot find module keytar')) });
    const failing = createKeychainTokenStore({
      keytar: async () => ({ ...mapKeytar(), getPassword: async () => Promise.reject(new Error('Cannot autolaunch D-Bus')) }),
    });

    await expect(missing.probe()).rejects.toThrow(/Cannot find module keytar/);
    await expect(failing.probe()).rejects.toThrow(/Cannot autolaunch D-Bus/);
  });
});

describe('the fallback store', () => {
  it('uses the keychain while it works', async () => {
    const keytar = mapKeytar();
    const onFallback = vi.fn();
    const store = createFallbackTokenStore({ keytar: async () => keytar, onFallback });
    await store.ready;

    await store.save('a', RECORD);

    expect(store.kind).toBe('keychain');
    expect(keytar.entries.size).toBe(1);
    expect(onFallback).not.toHaveBeenCalled();
  });

  it('moves to memory, once, when the keychain fails, and keeps working there', async () => {
    const onFallback = vi.fn();
    const store = createFallbackTokenStore({ keytar: async () => hangingKeytar, timeoutMs: 30, onFallback });
    await store.ready;

    await store.save('a', RECORD);
    const loaded = await store.load('a');
    await store.remove('a');

    expect(store.kind).toBe('memory');
    expect(onFallback).toHaveBeenCalledTimes(1);
    expect(onFallback.mock.calls[0]?.[0]).toMatch(/may be locked/);
    expect(loaded).toEqual(RECORD);
    expect(await store.load('a')).toBeNull();
  });

  it('a record saved in memory after a mid-run failure is not lost', async () => {
    const keytar = mapKeytar();
    let broken = false;
    const flaky: KeytarLike = {
      getPassword: (s, a) => (broken ? Promise.reject(new Error('gone')) : keytar.getPassword(s, a)),
      setPassword: (s, a, p) => (broken ? Promise.reject(new Error('gone')) : keytar.setPassword(s, a, p)),
      deletePassword: (s, a) => keytar.deletePassword(s, a),
    };
    const store = createFallbackTokenStore({ keytar: async () => flaky, onFallback: () => {} });
    await store.ready;

    broken = true;
    await store.save('a', RECORD);

    expect(store.kind).toBe('memory');
    expect(await store.load('a')).toEqual(RECORD);
  });

  it('after falling back, a removal still deletes the keychain entry, even one written by a write that timed out and landed late', async () => {
    const keytar = mapKeytar();
    let releaseWrite: () => void = () => {};
    const slowWrite = new Promise<void>((resolve) => (releaseWrite = resolve));
    const slow: KeytarLike = {
      ...keytar,
      setPassword: async (service, account, password) => {
        await slowWrite;
        await keytar.setPassword(service, account, password);
      },
    };
    const store = createFallbackTokenStore({ keytar: async () => slow, timeoutMs: 30, onFallback: () => {} });
    await store.ready;
    keytar.entries.set(`${KEYCHAIN_SERVICE}/b`, JSON.stringify(RECORD)); // written before the keychain failed

    await store.save('a', RECORD); // times out: memory from now on
    await store.remove('a');
    await store.remove('b');
    releaseWrite(); // the timed-out write lands after the removal

    expect(store.kind).toBe('memory');
    expect(keytar.entries.has(`${KEYCHAIN_SERVICE}/b`)).toBe(false);
    await vi.waitFor(() => expect(keytar.entries.size).toBe(0));
    expect(await store.load('a')).toBeNull();
  });
});
