// Who may use a drive over WebDAV: a Bearer token (the sync engine) or Basic with an app password (standard clients),
// the latter only over TLS or from this computer, only for the drive it was made for, and only for someone the platform
// admits (not suspended) who is a member of the project. Each refusal says why, and a 401 says which credentials to send.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { basic, errorCode, errorMessage, startDavHarness, type DavHarness } from './dav-harness.ts';

let dav: DavHarness;

beforeEach(async () => {
  dav = await startDavHarness();
  await dav.drives.seed('alpha', 'notes.txt', 'alpha notes');
});

afterEach(async () => {
  await dav.close();
});

const propfind = { method: 'PROPFIND', path: '/dav/alpha/', headers: { depth: '1' } } as const;

describe('Bearer tokens', () => {
  it('reads and writes with a valid token', async () => {
    expect((await dav.request({ method: 'GET', path: '/dav/alpha/notes.txt', as: 'grace' })).text).toBe('alpha notes');
    expect((await dav.request({ method: 'PUT', path: '/dav/alpha/new.txt', as: 'grace', body: 'x' })).status).toBe(201);
    expect(dav.drives.stored('alpha', 'new.txt')?.modifiedBy.id).toBe('grace');
  });

  it('refuses a token that is not valid with 401 and a Bearer challenge', async () => {
    const answer = await dav.request({ ...propfind, as: null, headers: { ...propfind.headers, authorization: 'Bearer forged' } });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toContain('Bearer');
    expect(errorMessage(answer)).toContain('Sign in again');
  });

  it('refuses a member of another project with 403, and reads nothing', async () => {
    const answer = await dav.request({ method: 'GET', path: '/dav/alpha/notes.txt', as: 'alan' });
    expect(answer.status).toBe(403);
    expect(errorMessage(answer)).toContain('not a member');
    expect(answer.text).not.toContain('alpha notes');
    expect(dav.drives.callsOf('read')).toEqual([]);
  });
});

describe('Basic with an app password', () => {
  it('asks for credentials with a Basic challenge naming the drive', async () => {
    const answer = await dav.request({ ...propfind, as: null });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe('Basic realm="Enclave drive alpha", charset="UTF-8"');
    expect(errorCode(answer)).toBe('unauthenticated');
  });

  it('works from this computer (loopback) with the right password', async () => {
    const answer = await dav.request({ ...propfind, as: null, headers: { ...propfind.headers, authorization: basic(dav.passwords.ada) } });
    expect(answer.status).toBe(207);
    expect(answer.text).toContain('/dav/alpha/notes.txt');
  });

  it.each(['127.0.0.5', '::1', '::ffff:127.0.0.1'])('treats %s as this computer', async (remoteAddress) => {
    dav.transport = { remoteAddress };
    const answer = await dav.request({ ...propfind, as: null, headers: { ...propfind.headers, authorization: basic(dav.passwords.ada) } });
    expect(answer.status).toBe(207);
  });

  it.each(['203.0.113.7', '10.0.0.8', '::ffff:192.168.1.20', '2001:db8::1'])(
    'refuses Basic over plain HTTP from %s without checking the password',
    async (remoteAddress) => {
      dav.transport = { remoteAddress };
      const answer = await dav.request({
        ...propfind,
        as: null,
        headers: { ...propfind.headers, authorization: basic(dav.passwords.ada) },
      });
      expect(answer.status).toBe(401);
      expect(errorMessage(answer)).toContain('only over HTTPS or from this computer');
      // No Basic challenge: a client must not be invited to send the password again in the clear.
      expect(answer.headers['www-authenticate']).not.toContain('Basic');
      expect(dav.drives.callsOf('verifyAppPassword')).toEqual([]);
    },
  );

  it('accepts Basic from another computer over TLS', async () => {
    dav.transport = { remoteAddress: '203.0.113.7', encrypted: true };
    const answer = await dav.request({ ...propfind, as: null, headers: { ...propfind.headers, authorization: basic(dav.passwords.ada) } });
    expect(answer.status).toBe(207);
  });

  it('still accepts a Bearer token from another computer over plain HTTP (the token is the API\u2019s own rule)', async () => {
    dav.transport = { remoteAddress: '203.0.113.7' };
    expect((await dav.request({ ...propfind })).status).toBe(207);
  });

  it('refuses a wrong password with 401 and the Basic challenge again', async () => {
    const answer = await dav.request({
      ...propfind,
      as: null,
      headers: { ...propfind.headers, authorization: basic(dav.passwords.ada, 'guessed') },
    });
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toContain('Basic realm="Enclave drive alpha"');
  });

  it('refuses an app password made for another project\u2019s drive', async () => {
    // Alan's password opens beta only; Ada's opens alpha only, even though both are real passwords.
    const alanOnAlpha = await dav.request({
      ...propfind,
      as: null,
      headers: { ...propfind.headers, authorization: basic(dav.passwords.alan) },
    });
    expect(alanOnAlpha.status).toBe(401);
    const adaOnBeta = await dav.request({
      method: 'PROPFIND',
      path: '/dav/beta/',
      as: null,
      headers: { depth: '1', authorization: basic(dav.passwords.ada) },
    });
    expect(adaOnBeta.status).toBe(401);
    expect(dav.drives.callsOf('folder')).toEqual([]);
  });

  it('refuses a person the platform does not admit (suspended), with the reason', async () => {
    dav.suspended.add('ada');
    const answer = await dav.request({ ...propfind, as: null, headers: { ...propfind.headers, authorization: basic(dav.passwords.ada) } });
    expect(answer.status).toBe(403);
    expect(errorMessage(answer)).toContain('suspended');
    expect(dav.drives.callsOf('folder')).toEqual([]);
  });

  it('refuses other schemes and malformed Basic credentials', async () => {
    for (const authorization of ['Digest username="ada"', 'Basic', `Basic ${Buffer.from('no-colon').toString('base64')}`]) {
      const answer = await dav.request({ ...propfind, as: null, headers: { ...propfind.headers, authorization } });
      expect(answer.status).toBe(401);
    }
  });
});

describe('OPTIONS', () => {
  it('answers without credentials, announcing class 2 (locks), and reads nothing', async () => {
    const answer = await dav.request({ method: 'OPTIONS', path: '/dav/alpha/', as: null });
    expect(answer.status).toBe(200);
    expect(answer.headers.dav).toBe('1, 3, 2');
    expect(answer.headers.allow).toContain('LOCK');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(dav.drives.calls).toEqual([]);
  });
});
