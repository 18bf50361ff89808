// The CLI's renewal of its stored sign-in (src/cli/account.ts) when two commands run at once: both read the same
// rotating refresh token, only one can spend it. The refused one must not throw away the sign-in the other renewed.
import { describe, expect, it } from 'vitest';
import { renewStoredSignIn } from '../../../src/cli/account.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { createMemoryTokenStore, type StoredSession } from '../../../src/workstation/tokens/token-store.ts';
import { createFakeIdp } from './fake-idp.ts';

const ACCOUNT = 'https://idp.test/oidc enclave-workstation cli';
const NOW = Date.parse('2026-11-27T08:00:00Z');

function record(refreshToken: string): StoredSession {
  return {
    version: 1,
    refreshToken,
    sub: 'demo-analyst',
    signedInAt: new Date(NOW).toISOString(),
    sessionEndsAt: new Date(NOW + 3600_000).toISOString(),
  };
}

describe('renewing the CLI sign-in', () => {
  it('refused because another command spent the token first: reads the entry again and retries once with the newer token', async () => {
    const idp = createFakeIdp();
    const store = createMemoryTokenStore();
    const first = idp.issueRefresh('demo-analyst');
    await store.save(ACCOUNT, record(first));
    // The other command renews in between our read and our refresh: it spends `first` and saves its successor.
    const refresh = idp.refresh;
    let raced = false;
    idp.refresh = async (token) => {
      if (!raced) {
        raced = true;
        const theirs = await refresh(first);
        await store.save(ACCOUNT, record(theirs.refreshToken ?? ''));
      }
      return refresh(token);
    };

    const renewed = await renewStoredSignIn({ idp, store, account: ACCOUNT }, NOW);

    expect(idp.accessOwners.has(renewed.token)).toBe(true);
    const kept = await store.load(ACCOUNT);
    expect(kept?.refreshToken).toBe(renewed.record.refreshToken);
    expect(idp.revoked.has(kept?.refreshToken ?? '')).toBe(false);
  });

  it('removes the entry only while it still holds the token that was refused', async () => {
    const idp = createFakeIdp();
    const store = createMemoryTokenStore();
    const revoked = idp.issueRefresh('demo-analyst');
    idp.revokeAllRefreshTokens();
    await store.save(ACCOUNT, record(revoked));

    const error = await renewStoredSignIn({ idp, store, account: ACCOUNT }, NOW).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(EnclaveError);
    expect((error as EnclaveError).code).toBe('unauthenticated');
    expect(await store.load(ACCOUNT)).toBeNull();
  });

  it('keeps an entry replaced by a newer sign-in when its retry also fails', async () => {
    const idp = createFakeIdp();
    const store = createMemoryTokenStore();
    const a = idp.issueRefresh('demo-analyst');
    const b = idp.issueRefresh('demo-analyst');
    const c = idp.issueRefresh('demo-analyst');
    idp.revokeAllRefreshTokens();
    await store.save(ACCOUNT, record(a));
    // Each refusal finds a newer entry: another `enclave login` keeps replacing it.
    const refresh = idp.refresh;
    const next = [b, c];
    idp.refresh = async (token) => {
      const replacement = next.shift();
      if (replacement) await store.save(ACCOUNT, record(replacement));
      return refresh(token);
    };

    await expect(renewStoredSignIn({ idp, store, account: ACCOUNT }, NOW)).rejects.toThrow(/no longer valid/);

    expect((await store.load(ACCOUNT))?.refreshToken).toBe(c);
  });
});
