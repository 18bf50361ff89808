// The one set of rules for a stored sign-in's renewal (src/workstation/tokens/stored-sign-in.ts), used by the app's
// restore at start-up and by every `enclave` command (test/unit/workstation/cli-renew.test.ts covers the CLI's use).
import { describe, expect, it } from 'vitest';
import { afterRefusal, boundsFrom, hasEnded, renewStoredSignIn, storedRecord } from '../../../../src/workstation/tokens/stored-sign-in.ts';
import { createMemoryTokenStore, type StoredSession } from '../../../../src/workstation/tokens/token-store.ts';
import { createFakeIdp } from '../fake-idp.ts';

const ACCOUNT = 'https://idp.test/oidc enclave-workstation';
const NOW = Date.parse('2026-11-27T08:00:00Z');

const entry = (refreshToken: string, sub = 'demo-analyst'): StoredSession => storedRecord(refreshToken, { sub, ...boundsFrom(NOW, 3600) });

describe('the rules', () => {
  it('a session lasts its maximum from the sign-in, and has ended at that instant', () => {
    const record = entry('rt-1');

    expect(record).toEqual({
      version: 1,
      refreshToken: 'rt-1',
      sub: 'demo-analyst',
      signedInAt: '2026-11-27T08:00:00.000Z',
      sessionEndsAt: '2026-11-27T09:00:00.000Z',
    });
    expect(hasEnded(record, NOW + 3600_000 - 1)).toBe(false);
    expect(hasEnded(record, NOW + 3600_000)).toBe(true);
  });

  it.each([
    { case: 'a newer token, first refusal: retry with it', reread: 'rt-2', retried: false, next: { retry: entry('rt-2') } },
    { case: 'a newer token, second refusal: give up, keep the newer entry', reread: 'rt-2', retried: true, next: { removeEntry: false } },
    { case: 'still the refused token: remove it', reread: 'rt-1', retried: false, next: { removeEntry: true } },
    { case: 'nothing stored any more: nothing to remove', reread: null, retried: false, next: { removeEntry: false } },
  ])('after a refusal, $case', ({ reread, retried, next }) => {
    expect(afterRefusal({ refused: 'rt-1', reread: reread === null ? null : entry(reread), retried })).toEqual(next);
  });
});

describe('renewing a stored sign-in', () => {
  it("saves the rotated refresh token and keeps the session's bounds", async () => {
    const idp = createFakeIdp();
    const store = createMemoryTokenStore();
    const record = entry(idp.issueRefresh('demo-analyst'));
    await store.save(ACCOUNT, record);

    const renewal = await renewStoredSignIn({ record, idp, store, account: ACCOUNT, now: NOW });

    expect(renewal.kind).toBe('renewed');
    const saved = await store.load(ACCOUNT);
    expect(saved?.refreshToken).not.toBe(record.refreshToken);
    expect(saved).toEqual({ ...record, refreshToken: saved?.refreshToken });
  });

  it('an ended session is removed without asking the provider', async () => {
    const idp = createFakeIdp();
    const store = createMemoryTokenStore();
    const record = entry(idp.issueRefresh('demo-analyst'));
    await store.save(ACCOUNT, record);

    expect(await renewStoredSignIn({ record, idp, store, account: ACCOUNT, now: NOW + 3600_000 })).toEqual({ kind: 'ended' });
    expect(await store.load(ACCOUNT)).toBeNull();
    expect(idp.refreshes).toBe(0);
  });

  it('a renewal for someone else is refused: the renewed token is revoked and the entry removed', async () => {
    const idp = createFakeIdp();
    const store = createMemoryTokenStore();
    // The entry says Ada, but its token is Ben's.
    const record = entry(idp.issueRefresh('demo-analyst-2'));
    await store.save(ACCOUNT, record);

    const renewal = await renewStoredSignIn({ record, idp, store, account: ACCOUNT, now: NOW });

    expect(renewal).toEqual({ kind: 'refused' });
    expect(await store.load(ACCOUNT)).toBeNull();
    expect([...idp.refreshOwners.keys()].every((token) => idp.revoked.has(token))).toBe(true);
  });

  it('an unreachable provider throws and leaves the entry as it was', async () => {
    const idp = createFakeIdp();
    const store = createMemoryTokenStore();
    const record = entry(idp.issueRefresh('demo-analyst'));
    await store.save(ACCOUNT, record);
    idp.refresh = async () => {
      throw new TypeError('fetch failed');
    };

    await expect(renewStoredSignIn({ record, idp, store, account: ACCOUNT, now: NOW })).rejects.toThrow('fetch failed');
    expect(await store.load(ACCOUNT)).toEqual(record);
  });
});
