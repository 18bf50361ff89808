// Who may reach a drive and what is on record (issue 17): members only (another project's member is told nothing), a
// suspended project refuses its members, an app password reaches its own drive only; app passwords are shown once,
// kept as a hash, revocable, listed with their last use, checked in constant time and limited after failures; WebDAV
// locks survive a restart, show as `lockedBy` and stop everybody else's changes ("locked by …"); and every read of
// content, write, refusal, delete, restore, move, copy, lock, unlock, app-password event and upload commit is a
// `drive.*` audit event naming the actor, the project, the path and the content, never the content itself.
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCKS_PER_PERSON } from '../../../../src/platform/drives/dav-records.ts';
import type { StoredDriveLock } from '../../../../src/platform/drives/service-api.ts';
import { callerOf, createDriveHarness, put, readAll, refusalOf, sha256, OTHER_PROJECT, PROJECT, type DriveHarness } from './support.ts';

let h: DriveHarness;
beforeEach(async () => {
  h = await createDriveHarness();
});
afterEach(async () => {
  await h.close();
});

const ada = callerOf('ada');
const bob = callerOf('bob');
const cy = callerOf('cy');

describe('membership', () => {
  it('refuses a member of another project as if the project did not exist, on every kind of call', async () => {
    await put(h.service, { who: 'ada', path: 'secret.csv', content: 'a,b' });
    const calls = [
      () => h.service.info(cy, PROJECT),
      () => h.service.tree(cy, PROJECT),
      () => h.service.folder(cy, PROJECT, ''),
      () => h.service.read(cy, PROJECT, 'secret.csv'),
      () => h.service.versions(cy, PROJECT, 'secret.csv'),
      () => h.service.write(cy, PROJECT, 'x.csv', Readable.from([Buffer.from('x')]), 1, { any: true }),
      () => h.service.delete(cy, PROJECT, 'secret.csv', null),
      () => h.service.move(cy, PROJECT, 'secret.csv', 'x.csv', { ifMatch: null, overwrite: false }),
      () => h.service.startUpload(cy, PROJECT, { path: 'x.csv', size: 1, sha256: sha256('x'), condition: { any: true } }),
      () => h.service.createAppPassword(cy, PROJECT, 'mine'),
      () => h.service.properties(cy, PROJECT, 'secret.csv'),
    ];
    for (const call of calls) {
      const refusal = await refusalOf(call());
      expect(refusal).toMatchObject({ code: 'not_found', message: 'There is no such project, or you are not a member of it.' });
    }
    expect((await h.service.drives(cy)).map((drive) => drive.projectId)).toEqual([OTHER_PROJECT]);
    expect(await readAll(h.service, 'ada', 'secret.csv')).toEqual(Buffer.from('a,b'));
  });

  it('refuses every member of a suspended project, and lists its drive no more', async () => {
    h.suspended.add(PROJECT);
    expect((await refusalOf(h.service.folder(ada, PROJECT, ''))).message).toContain('suspended');
    expect((await refusalOf(put(h.service, { who: 'ada', path: 'x.txt', content: 'x' }))).message).toContain('suspended');
    expect(await h.service.drives(ada)).toEqual([]);
  });
});

describe('app passwords', () => {
  it('shows the secret once, keeps only its SHA-256, and lets it reach its own drive only', async () => {
    const { appPassword, secret } = await h.service.createAppPassword(ada, PROJECT, 'Finder on my laptop');
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(appPassword).toMatchObject({ username: 'ada', label: 'Finder on my laptop', lastUsedAt: null, revokedAt: null });
    expect(JSON.stringify(await h.service.appPasswords(ada, PROJECT))).not.toContain(secret);
    const stored = await h.records.store.drives.appPassword(appPassword.id);
    expect(stored?.secret_hash).toBe(sha256(secret));
    expect(JSON.stringify(stored)).not.toContain(secret);

    const caller = await h.service.verifyAppPassword(PROJECT, 'ada', secret);
    expect(caller).toMatchObject({
      appPasswordId: appPassword.id,
      via: 'webdav',
      principal: { user: { id: 'ada' }, authenticatedBy: 'app_password' },
    });
    expect((await h.service.appPasswords(ada, PROJECT))[0].lastUsedAt).toBe(h.now().toISOString());
    expect(await h.service.verifyAppPassword(OTHER_PROJECT, 'ada', secret)).toBeNull();
    expect(await h.service.verifyAppPassword(PROJECT, 'bob', secret)).toBeNull();
    if (caller === null) throw new Error('unreachable');
    expect((await h.service.tree(caller, PROJECT)).entries).toEqual([]);
    // Even were the person a member of another drive, this password does not open it.
    expect((await refusalOf(h.service.tree({ ...caller }, OTHER_PROJECT))).code).toBe('not_found');
    expect((await refusalOf(h.service.createAppPassword(caller, PROJECT, 'another'))).code).toBe('forbidden');
  });

  it('stops working once revoked, and only its holder can revoke it', async () => {
    const { appPassword, secret } = await h.service.createAppPassword(ada, PROJECT, 'Phone');
    expect((await refusalOf(h.service.revokeAppPassword(bob, PROJECT, appPassword.id))).code).toBe('not_found');
    const revoked = await h.service.revokeAppPassword(ada, PROJECT, appPassword.id);
    expect(revoked.revokedAt).toBe(h.now().toISOString());
    expect(await h.service.verifyAppPassword(PROJECT, 'ada', secret)).toBeNull();
  });

  it('never refuses the right secret for a stranger’s failures, and counts failures per address and user name', async () => {
    const { secret } = await h.service.createAppPassword(ada, PROJECT, 'Laptop');
    const stranger = '203.0.113.9';
    for (let n = 0; n < 11; n++) expect(await h.service.verifyAppPassword(PROJECT, 'ada', `wrong-${n}`, stranger)).toBeNull();
    // Ada, from her own address or even from the stranger's, is let in with her secret: a match is never refused.
    expect(await h.service.verifyAppPassword(PROJECT, 'ada', secret, '198.51.100.7')).toMatchObject({ principal: { user: { id: 'ada' } } });
    expect(await h.service.verifyAppPassword(PROJECT, 'ada', secret, stranger)).not.toBeNull();
    // Past the limit, the stranger's failures are recorded as too many (at most once a minute per person and drive).
    h.advance(61_000);
    expect(await h.service.verifyAppPassword(PROJECT, 'ada', 'wrong-again', stranger)).toBeNull();
    // A failure from another address is not past its limit.
    h.advance(61_000);
    expect(await h.service.verifyAppPassword(PROJECT, 'ada', 'typo', '198.51.100.7')).toBeNull();
    const refusals = await h.events('drive.app_password_refused');
    expect(refusals.map((event) => [event.parsed.from, event.parsed.reason])).toEqual([
      [stranger, 'no such app password for this drive'],
      [stranger, 'no such app password for this drive (too many failed attempts from this address)'],
      ['198.51.100.7', 'no such app password for this drive'],
    ]);
    expect(JSON.stringify(refusals.map((event) => event.parsed))).not.toContain('wrong-');
  });

  it('ends with the person’s sign-ins, when an administrator ends them after it was made', async () => {
    const { secret } = await h.service.createAppPassword(ada, PROJECT, 'Old laptop');
    await h.records.store.endTokensIssuedBy('ada', Math.floor(h.now().getTime() / 1000) + 1);
    expect(await h.service.verifyAppPassword(PROJECT, 'ada', secret)).toBeNull();
  });
});

describe('WebDAV locks', () => {
  const lockOf = (who: string, drivePath: string, extra: Partial<StoredDriveLock> = {}): StoredDriveLock => ({
    token: `opaquelocktoken:${who}-${drivePath}`,
    projectId: PROJECT,
    path: drivePath,
    userId: who,
    scope: 'exclusive',
    depth: 'infinity',
    provisional: false,
    owner: '"<D:href>mailto:someone</D:href>"',
    date: h.now().getTime(),
    timeout: 600_000,
    ...extra,
  });

  it('survive a restart, show who holds them, and refuse everyone else’s changes, saying who', async () => {
    await h.service.makeFolder(ada, PROJECT, 'shared');
    await put(h.service, { who: 'ada', path: 'shared/plan.txt', content: 'plan' });
    await h.service.saveLock(callerOf('ada', { via: 'webdav' }), lockOf('ada', 'shared'));
    await h.reopen();
    expect(await h.service.locks(PROJECT, 'shared/plan.txt', { descendants: false, ancestors: true })).toEqual([
      expect.objectContaining({ token: 'opaquelocktoken:ada-shared', userId: 'ada', depth: 'infinity' }),
    ]);
    expect((await h.service.entry(bob, PROJECT, 'shared/plan.txt')).lockedBy).toEqual({ id: 'ada', name: 'Ada Lovelace' });
    const refusal = await refusalOf(put(h.service, { who: 'bob', path: 'shared/plan.txt', content: 'mine' }));
    expect(refusal.code).toBe('locked');
    expect(refusal.message).toContain('locked by Ada Lovelace');
    expect((await refusalOf(h.service.delete(bob, PROJECT, 'shared', null))).code).toBe('locked');
    expect((await refusalOf(put(h.service, { who: 'bob', path: 'shared/new.txt', content: 'new' }))).code).toBe('locked');
    // The holder writes; once released, so does everyone.
    await put(h.service, { who: 'ada', path: 'shared/plan.txt', content: 'plan 2' });
    expect((await refusalOf(h.service.deleteLock(bob, PROJECT, 'opaquelocktoken:ada-shared'))).code).toBe('forbidden');
    await h.service.deleteLock(ada, PROJECT, 'opaquelocktoken:ada-shared');
    expect((await put(h.service, { who: 'bob', path: 'shared/plan.txt', content: 'bob' })).lockedBy).toBeNull();
  });

  it('ignores an expired lock, and never lets a lock be taken in another person’s name', async () => {
    await put(h.service, { who: 'ada', path: 'a.txt', content: 'a' });
    await h.service.saveLock(ada, lockOf('ada', 'a.txt', { timeout: 1000 }));
    h.advance(1001);
    expect((await h.service.entry(bob, PROJECT, 'a.txt')).lockedBy).toBeNull();
    await put(h.service, { who: 'bob', path: 'a.txt', content: 'b' });
    expect((await h.service.sweep()).locksExpired).toBe(1);
    expect((await refusalOf(h.service.saveLock(bob, lockOf('ada', 'a.txt')))).code).toBe('forbidden');
  });

  it('caps the live locks one person holds in a drive; a refresh, an expiry or someone else is not held back', async () => {
    for (let i = 0; i < LOCKS_PER_PERSON; i += 1) {
      await h.service.saveLock(ada, lockOf('ada', `held/${i}.txt`, { provisional: true, timeout: 1000 }));
    }
    const refusal = await refusalOf(h.service.saveLock(ada, lockOf('ada', 'one-more.txt')));
    expect(refusal.code).toBe('rate_limited');
    expect(refusal.message).toBe(
      `You hold ${LOCKS_PER_PERSON.toLocaleString('en-GB')} locks in this drive: unlock some first (or wait for them to expire). Nothing was locked.`,
    );
    expect(await h.service.locks(PROJECT, 'one-more.txt', { descendants: false, ancestors: false })).toEqual([]);
    // Refreshing (or granting) a lock already held is not a new one.
    await h.service.saveLock(ada, lockOf('ada', 'held/0.txt', { timeout: 1000 }));
    await h.service.saveLock(bob, lockOf('bob', 'bobs.txt'));
    h.advance(1001);
    await h.service.saveLock(ada, lockOf('ada', 'one-more.txt'));
  });

  it('keeps dead properties per entry, moving with it', async () => {
    await put(h.service, { who: 'ada', path: 'p.txt', content: 'p' });
    await h.service.setProperties(ada, PROJECT, 'p.txt', [
      { name: '{urn:x}colour', value: '"blue"' },
      { name: '{urn:x}size', value: '"big"' },
    ]);
    await h.service.setProperties(ada, PROJECT, 'p.txt', [{ name: '{urn:x}size', value: null }]);
    await h.service.move(ada, PROJECT, 'p.txt', 'q.txt', { ifMatch: null, overwrite: false });
    await h.reopen();
    expect(await h.service.properties(ada, PROJECT, 'q.txt')).toEqual({ '{urn:x}colour': '"blue"' });
  });
});

describe('the audit log', () => {
  it('records every read of content, write, refusal, move, copy, delete, restore, lock, unlock and upload commit', async () => {
    const v1 = await put(h.service, { who: 'ada', path: 'a.txt', content: 'first secret words' });
    await put(h.service, { who: 'bob', path: 'a.txt', content: 'second secret words' });
    await refusalOf(put(h.service, { who: 'bob', path: 'a.txt', content: 'late', condition: { ifMatch: v1.etag ?? '' } }));
    await readAll(h.service, 'ada', 'a.txt');
    await h.service.readVersion(ada, PROJECT, 'a.txt', 1);
    await h.service.restoreVersion(ada, PROJECT, 'a.txt', 1);
    await h.service.copy(ada, PROJECT, 'a.txt', 'b.txt', { overwrite: false, depth: 'infinity' });
    await h.service.move(ada, PROJECT, 'b.txt', 'c.txt', { ifMatch: null, overwrite: false });
    const trashed = await h.service.delete(ada, PROJECT, 'c.txt', null);
    await h.service.restoreTrash(ada, PROJECT, trashed.trashId);
    const session = await h.service.startUpload(ada, PROJECT, { path: 'u.txt', size: 2, sha256: sha256('up'), condition: { any: true } });
    await h.service.uploadChunk(ada, PROJECT, session.uploadId, 0, Readable.from([Buffer.from('up')]), 2);
    await h.service.commitUpload(ada, PROJECT, session.uploadId);
    const token = 'opaquelocktoken:audit';
    const lock: StoredDriveLock = {
      token,
      projectId: PROJECT,
      path: 'u.txt',
      userId: 'ada',
      scope: 'exclusive',
      depth: '0',
      provisional: false,
      owner: '""',
      date: h.now().getTime(),
      timeout: 60_000,
    };
    await h.service.saveLock(callerOf('ada', { via: 'webdav' }), lock);
    await h.service.deleteLock(callerOf('ada', { via: 'webdav' }), PROJECT, token);
    const { appPassword, secret } = await h.service.createAppPassword(ada, PROJECT, 'Laptop');
    await h.service.verifyAppPassword(PROJECT, 'ada', secret);
    await h.service.revokeAppPassword(ada, PROJECT, appPassword.id);

    const events = (await h.events()).filter((event) => event.type.startsWith('drive.'));
    const summary = events.map((event) => [event.type, event.outcome, event.actor]);
    expect(summary).toEqual([
      ['drive.write', 'success', 'ada'],
      ['drive.write', 'success', 'bob'],
      ['drive.write', 'failure', 'bob'],
      ['drive.read', 'success', 'ada'],
      ['drive.read_version', 'success', 'ada'],
      ['drive.restore_version', 'success', 'ada'],
      ['drive.copy', 'success', 'ada'],
      ['drive.move', 'success', 'ada'],
      ['drive.delete', 'success', 'ada'],
      ['drive.restore_trash', 'success', 'ada'],
      ['drive.upload_start', 'success', 'ada'],
      ['drive.upload_commit', 'success', 'ada'],
      ['drive.lock', 'success', 'ada'],
      ['drive.unlock', 'success', 'ada'],
      ['drive.app_password_created', 'success', 'ada'],
      ['drive.app_password_used', 'success', 'ada'],
      ['drive.app_password_revoked', 'success', 'ada'],
    ]);
    expect(events[0].parsed).toMatchObject({
      projectId: PROJECT,
      path: 'a.txt',
      via: 'api',
      version: 1,
      sha256: sha256('first secret words'),
      bytes: 18,
      change: 'created',
    });
    expect(events[2].parsed).toMatchObject({ code: 'conflict', path: 'a.txt' });
    expect(events[3].parsed).toMatchObject({ path: 'a.txt', version: 2, sha256: sha256('second secret words') });
    expect(events[12].parsed).toMatchObject({ via: 'webdav', path: 'u.txt' });
    for (const event of events) {
      expect(event.details).not.toContain('secret words');
      expect(event.details).not.toContain(secret);
    }
  });

  it('does not record a read of a path that holds nothing (a client probing), but does record a refused member', async () => {
    await refusalOf(h.service.read(ada, PROJECT, '._probe'));
    await refusalOf(h.service.read(cy, PROJECT, 'anything.txt'));
    const reads = await h.events('drive.read');
    expect(reads.map((event) => [event.actor, event.outcome, event.parsed.code])).toEqual([['cy', 'failure', 'not_found']]);
  });
});
