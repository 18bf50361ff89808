// WebDAV locks (class 2) between two members of a project: a lock held by Ada refuses Grace's changes with 423 naming
// Ada; Ada changes the file by sending her lock token (If header); once she unlocks, Grace can. Locks are kept by the
// drive service, and a folder's depth-infinity lock guards everything in it, also against a whole-folder MOVE or DELETE.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorCode, errorMessage, startDavHarness, type DavAnswer, type DavHarness } from './dav-harness.ts';

let dav: DavHarness;

beforeEach(async () => {
  dav = await startDavHarness();
  await dav.drives.seed('alpha', 'report.docx', 'draft 1');
  await dav.drives.seed('alpha', 'shared', null);
  await dav.drives.seed('alpha', 'shared/table.csv', 'a,b');
});

afterEach(async () => {
  await dav.close();
});

const LOCKINFO = (scope: 'exclusive' | 'shared') =>
  `<?xml version="1.0" encoding="utf-8"?><lockinfo xmlns="DAV:"><lockscope><${scope}/></lockscope><locktype><write/></locktype>` +
  '<owner><href>mailto:ada@example.org</href></owner></lockinfo>';

async function lock(path: string, options: { as?: 'ada' | 'grace'; depth?: string; scope?: 'exclusive' | 'shared' } = {}): Promise<string> {
  const answer = await dav.request({
    method: 'LOCK',
    path,
    as: options.as ?? 'ada',
    headers: { 'content-type': 'application/xml', depth: options.depth ?? '0', timeout: 'Second-600' },
    body: LOCKINFO(options.scope ?? 'exclusive'),
  });
  expect([200, 201]).toContain(answer.status);
  const token = /^<(urn:uuid:[0-9a-f-]+)>$/.exec(String(answer.headers['lock-token']))?.[1];
  if (token === undefined) throw new Error(`LOCK answered no lock token: ${answer.status} ${answer.text}`);
  return token;
}

function expectLockedBy(answer: DavAnswer, name: string): void {
  expect(answer.status).toBe(423);
  expect(errorCode(answer)).toBe('locked');
  expect(errorMessage(answer)).toContain(`locked by ${name}`);
  expect(errorMessage(answer)).toContain('nothing was changed');
}

describe('a file locked by one member', () => {
  it('keeps the lock in the drive service, and shows it in lockdiscovery with its owner', async () => {
    const token = await lock('/dav/alpha/report.docx');
    expect(dav.drives.storedLocks.map((stored) => [stored.path, stored.userId, stored.token, stored.provisional])).toEqual([
      ['report.docx', 'ada', token, false],
    ]);
    const found = await dav.request({
      method: 'PROPFIND',
      path: '/dav/alpha/report.docx',
      as: 'grace',
      headers: { depth: '0', 'content-type': 'application/xml' },
      body: '<?xml version="1.0"?><propfind xmlns="DAV:"><prop><lockdiscovery/></prop></propfind>',
    });
    expect(found.text).toContain(token);
    expect(found.text).toContain('mailto:ada@example.org');
  });

  it('refuses another member\u2019s PUT, DELETE, MOVE and PROPPATCH with 423 naming the holder, changing nothing', async () => {
    await lock('/dav/alpha/report.docx');
    expectLockedBy(
      await dav.request({ method: 'PUT', path: '/dav/alpha/report.docx', as: 'grace', body: 'grace was here' }),
      'Ada Lovelace',
    );
    expectLockedBy(await dav.request({ method: 'DELETE', path: '/dav/alpha/report.docx', as: 'grace' }), 'Ada Lovelace');
    expectLockedBy(
      await dav.request({
        method: 'MOVE',
        path: '/dav/alpha/report.docx',
        as: 'grace',
        headers: { destination: '/dav/alpha/renamed.docx' },
      }),
      'Ada Lovelace',
    );
    const patch = '<?xml version="1.0"?><propertyupdate xmlns="DAV:" xmlns:e="urn:e"><set><prop><e:x>1</e:x></prop></set></propertyupdate>';
    expectLockedBy(
      await dav.request({
        method: 'PROPPATCH',
        path: '/dav/alpha/report.docx',
        as: 'grace',
        headers: { 'content-type': 'application/xml' },
        body: patch,
      }),
      'Ada Lovelace',
    );
    expect(dav.drives.contentOf('alpha', 'report.docx')).toBe('draft 1');
    expect([...dav.drives.callsOf('write'), ...dav.drives.callsOf('delete'), ...dav.drives.callsOf('move')]).toEqual([]);
  });

  it('refuses even the holder when the request does not send the lock token, and says so', async () => {
    await lock('/dav/alpha/report.docx');
    const answer = await dav.request({ method: 'PUT', path: '/dav/alpha/report.docx', body: 'draft 2' });
    expectLockedBy(answer, 'you (Ada Lovelace');
  });

  it('lets the holder write with the token in the If header', async () => {
    const token = await lock('/dav/alpha/report.docx');
    const answer = await dav.request({ method: 'PUT', path: '/dav/alpha/report.docx', headers: { if: `(<${token}>)` }, body: 'draft 2' });
    expect(answer.status).toBe(204);
    expect(dav.drives.contentOf('alpha', 'report.docx')).toBe('draft 2');
  });

  it('does not let another member use the holder\u2019s token', async () => {
    const token = await lock('/dav/alpha/report.docx');
    const answer = await dav.request({
      method: 'PUT',
      path: '/dav/alpha/report.docx',
      as: 'grace',
      headers: { if: `(<${token}>)` },
      body: 'x',
    });
    expect(answer.status).toBe(423);
    const unlock = await dav.request({
      method: 'UNLOCK',
      path: '/dav/alpha/report.docx',
      as: 'grace',
      headers: { 'lock-token': `<${token}>` },
    });
    expect(unlock.status).toBe(403);
    expect(dav.drives.storedLocks).toHaveLength(1);
  });

  it('lets the other member write once the holder unlocks', async () => {
    const token = await lock('/dav/alpha/report.docx');
    const unlock = await dav.request({ method: 'UNLOCK', path: '/dav/alpha/report.docx', headers: { 'lock-token': `<${token}>` } });
    expect(unlock.status).toBe(204);
    expect(dav.drives.storedLocks).toEqual([]);
    const answer = await dav.request({ method: 'PUT', path: '/dav/alpha/report.docx', as: 'grace', body: 'grace was here' });
    expect(answer.status).toBe(204);
    expect(dav.drives.contentOf('alpha', 'report.docx')).toBe('grace was here');
  });

  it('answers an UNLOCK with a token that names no lock here with 409, unlocking nothing', async () => {
    const token = await lock('/dav/alpha/report.docx');
    const other = `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`;
    const bogus = await dav.request({ method: 'UNLOCK', path: '/dav/alpha/report.docx', headers: { 'lock-token': `<${other}>` } });
    expect(bogus.status).toBe(409);
    const elsewhere = await dav.request({ method: 'UNLOCK', path: '/dav/alpha/shared/', headers: { 'lock-token': `<${token}>` } });
    expect(elsewhere.status).toBe(409);
    expect(dav.drives.storedLocks).toHaveLength(1);
  });

  it('refuses a second exclusive lock to another member with 423', async () => {
    await lock('/dav/alpha/report.docx');
    const answer = await dav.request({
      method: 'LOCK',
      path: '/dav/alpha/report.docx',
      as: 'grace',
      headers: { 'content-type': 'application/xml', depth: '0' },
      body: LOCKINFO('exclusive'),
    });
    expectLockedBy(answer, 'Ada Lovelace');
  });

  it('lets both members hold shared locks, each writing with their own token', async () => {
    const adas = await lock('/dav/alpha/report.docx', { scope: 'shared' });
    const graces = await lock('/dav/alpha/report.docx', { scope: 'shared', as: 'grace' });
    const answer = await dav.request({
      method: 'PUT',
      path: '/dav/alpha/report.docx',
      as: 'grace',
      headers: { if: `(<${graces}>)` },
      body: 'g',
    });
    expect(answer.status).toBe(204);
    expect(adas).not.toBe(graces);
  });

  it('makes an empty file when locking an address where nothing is yet (201)', async () => {
    const token = await lock('/dav/alpha/placeholder.txt');
    expect(dav.drives.contentOf('alpha', 'placeholder.txt')).toBe('');
    expect(token).toMatch(/^urn:uuid:/);
  });
});

describe('a folder locked with depth infinity', () => {
  it('guards everything in it against another member, whole-folder moves and deletes included', async () => {
    await lock('/dav/alpha/shared/', { depth: 'infinity' });
    expectLockedBy(await dav.request({ method: 'PUT', path: '/dav/alpha/shared/table.csv', as: 'grace', body: 'x' }), 'Ada Lovelace');
    expectLockedBy(await dav.request({ method: 'PUT', path: '/dav/alpha/shared/new.csv', as: 'grace', body: 'x' }), 'Ada Lovelace');
    expectLockedBy(await dav.request({ method: 'DELETE', path: '/dav/alpha/shared/', as: 'grace' }), 'Ada Lovelace');
    expectLockedBy(
      await dav.request({ method: 'MOVE', path: '/dav/alpha/shared/', as: 'grace', headers: { destination: '/dav/alpha/moved/' } }),
      'Ada Lovelace',
    );
    expect(dav.drives.contentOf('alpha', 'shared/table.csv')).toBe('a,b');
  });

  it('guards the folder\u2019s entries under every spelling of their names', async () => {
    await lock('/dav/alpha/shared/', { depth: 'infinity' });
    expectLockedBy(await dav.request({ method: 'PUT', path: '/dav/alpha/SHARED/table.csv', as: 'grace', body: 'x' }), 'Ada Lovelace');
    expectLockedBy(await dav.request({ method: 'PUT', path: '/dav/alpha/Shared/new.csv', as: 'grace', body: 'x' }), 'Ada Lovelace');
    expectLockedBy(await dav.request({ method: 'DELETE', path: '/dav/alpha/SHARED/', as: 'grace' }), 'Ada Lovelace');
    expectLockedBy(
      await dav.request({ method: 'MOVE', path: '/dav/alpha/Shared/', as: 'grace', headers: { destination: '/dav/alpha/moved/' } }),
      'Ada Lovelace',
    );
    expect(dav.drives.contentOf('alpha', 'shared/table.csv')).toBe('a,b');
    expect(dav.drives.stored('alpha', 'shared/new.csv')).toBeUndefined();
  });

  it('refuses a whole-folder MOVE when a file inside is locked by someone else', async () => {
    await lock('/dav/alpha/shared/table.csv', { as: 'grace' });
    const answer = await dav.request({ method: 'MOVE', path: '/dav/alpha/shared/', headers: { destination: '/dav/alpha/moved/' } });
    expectLockedBy(answer, 'Grace Hopper');
    expect(dav.drives.callsOf('move')).toEqual([]);
  });

  it('lets the holder move the folder with the token, and the lock does not follow it', async () => {
    const token = await lock('/dav/alpha/shared/', { depth: 'infinity' });
    const answer = await dav.request({
      method: 'MOVE',
      path: '/dav/alpha/shared/',
      headers: { destination: '/dav/alpha/moved/', if: `(<${token}>)` },
    });
    expect(answer.status).toBe(201);
    expect(dav.drives.contentOf('alpha', 'moved/table.csv')).toBe('a,b');
    expect(dav.drives.storedLocks).toEqual([]);
  });
});
