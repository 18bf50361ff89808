// Attacks on the WebDAV addresses: every way of naming something outside the drive (dot segments plain and encoded,
// encoded slashes, backslashes, NUL, another project's drive, another host, through the Destination header) is refused
// before the drive service is asked, and nothing outside the drive is read or changed. SATRE 3.1.12 (no unauthorised
// egress): one project's drive is never reachable through another's mount.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorMessage, startDavHarness, type DavHarness } from './dav-harness.ts';

let dav: DavHarness;

beforeEach(async () => {
  dav = await startDavHarness();
  await dav.drives.seed('alpha', 'mine.txt', 'alpha data');
  await dav.drives.seed('alpha', 'sub', null);
  await dav.drives.seed('beta', 'secret.txt', 'beta secret');
});

afterEach(async () => {
  await dav.close();
});

/** No call reached the beta drive, and its file is as it was. */
function betaUntouched(): void {
  expect(dav.drives.calls.filter((call) => / beta\b/.test(call))).toEqual([]);
  expect(dav.drives.contentOf('beta', 'secret.txt')).toBe('beta secret');
}

describe('the request\u2019s own address', () => {
  it.each([
    ['/dav/alpha/../beta/secret.txt', 'a ".." segment'],
    ['/dav/alpha/%2e%2e/beta/secret.txt', 'a ".." segment'],
    ['/dav/alpha/%2E%2E/beta/secret.txt', 'a ".." segment'],
    ['/dav/alpha/sub/%2e/../../beta/secret.txt', 'a "." segment'],
    ['/dav/alpha/..%2fbeta%2fsecret.txt', 'an encoded slash or backslash'],
    ['/dav/alpha/sub%2F..%2F..%2Fbeta%2Fsecret.txt', 'an encoded slash or backslash'],
    ['/dav/alpha/..%5cbeta%5csecret.txt', 'an encoded slash or backslash'],
    ['/dav/alpha/..\\beta\\secret.txt', 'a backslash'],
    ['/dav/alpha/mine.txt%00.csv', 'a NUL character'],
    ['/dav/alpha/sub//mine.txt', 'an empty segment'],
    ['/dav/%61lpha/mine.txt', 'a path outside this drive'],
    ['/dav/alpha/sub/#fragment', 'a fragment'],
  ])('refuses %s (it has %s), reading nothing', async (path, reason) => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PROPFIND']) {
      const answer = await dav.request({ method, path, body: method === 'PUT' ? 'overwrite' : undefined });
      expect(answer.status).toBe(400);
      expect(errorMessage(answer)).toContain(reason);
    }
    expect(dav.drives.calls).toEqual([]);
    betaUntouched();
  });

  it('refuses a malformed percent-encoding (400) before the drive is asked', async () => {
    // Fastify's router already refuses what it cannot decode; the mount would too ("a malformed percent-encoding").
    for (const method of ['GET', 'PUT', 'PROPFIND']) {
      expect((await dav.request({ method, path: '/dav/alpha/%E0%A4%A', body: method === 'PUT' ? 'x' : undefined })).status).toBe(400);
    }
    expect(dav.drives.calls).toEqual([]);
  });

  it('refuses another project\u2019s drive to a member of this one (403), naming no file', async () => {
    const answer = await dav.request({ method: 'GET', path: '/dav/beta/secret.txt' });
    expect(answer.status).toBe(403);
    expect(answer.text).not.toContain('beta secret');
    expect(dav.drives.callsOf('read')).toEqual([]);
  });
});

describe('the Destination of a MOVE or COPY', () => {
  const destinations = (port: number) => [
    { destination: `http://127.0.0.1:${port}/dav/beta/stolen.txt`, status: 403, reason: 'outside this project\u2019s drive' },
    { destination: '/dav/beta/stolen.txt', status: 403, reason: 'outside this project\u2019s drive' },
    { destination: 'http://attacker.example/dav/alpha/stolen.txt', status: 502, reason: 'on another server' },
    { destination: `http://127.0.0.1:${port + 1}/dav/alpha/stolen.txt`, status: 502, reason: 'on another server' },
    { destination: `http://127.0.0.1:${port}/dav/alpha/../beta/stolen.txt`, status: 400, reason: 'a ".." segment' },
    { destination: `http://127.0.0.1:${port}/dav/alpha/%2e%2e/beta/stolen.txt`, status: 400, reason: 'a ".." segment' },
    { destination: '/dav/alpha/sub/%2E%2E/%2e%2e/beta/stolen.txt', status: 400, reason: 'a ".." segment' },
    { destination: '/dav/alpha/..%2f..%2fbeta%2fstolen.txt', status: 400, reason: 'an encoded slash or backslash' },
    { destination: '/dav/alpha/..\\..\\beta\\stolen.txt', status: 400, reason: 'a backslash' },
    { destination: '/dav/alpha/stolen%00.txt', status: 400, reason: 'a NUL character' },
    { destination: 'stolen.txt', status: 400, reason: 'neither an absolute URL nor an absolute path' },
  ];

  it('refuses every Destination outside this drive, moving and copying nothing', async () => {
    for (const { destination, status, reason } of destinations(dav.port)) {
      for (const method of ['MOVE', 'COPY']) {
        const answer = await dav.request({ method, path: '/dav/alpha/mine.txt', headers: { destination } });
        expect({ destination, method, status: answer.status, message: errorMessage(answer) }).toEqual({
          destination,
          method,
          status,
          message: expect.stringContaining(reason),
        });
      }
    }
    expect(dav.drives.callsOf('move')).toEqual([]);
    expect(dav.drives.callsOf('copy')).toEqual([]);
    expect(dav.drives.contentOf('alpha', 'mine.txt')).toBe('alpha data');
    betaUntouched();
  });

  it('refuses a Destination into another drive even to someone who is a member of both', async () => {
    dav.drives.addDrive('gamma', ['ada', 'alan']);
    await dav.drives.seed('gamma', 'shared.txt', 'gamma');
    const answer = await dav.request({ method: 'COPY', path: '/dav/alpha/mine.txt', headers: { destination: '/dav/gamma/copied.txt' } });
    expect(answer.status).toBe(403);
    expect(dav.drives.stored('gamma', 'copied.txt')).toBeUndefined();
  });

  it('still moves within the drive by a full URL to this host', async () => {
    const answer = await dav.request({
      method: 'MOVE',
      path: '/dav/alpha/mine.txt',
      headers: { destination: `http://127.0.0.1:${dav.port}/dav/alpha/sub/mine.txt` },
    });
    expect(answer.status).toBe(201);
    expect(dav.drives.contentOf('alpha', 'sub/mine.txt')).toBe('alpha data');
  });
});

describe('the If header', () => {
  it('refuses a condition about another drive\u2019s resource without reading it', async () => {
    const answer = await dav.request({
      method: 'PUT',
      path: '/dav/alpha/mine.txt',
      headers: { if: `<http://127.0.0.1:${dav.port}/dav/beta/secret.txt> (["anything"])` },
      body: 'x',
    });
    expect(answer.status).toBe(412);
    expect(dav.drives.contentOf('alpha', 'mine.txt')).toBe('alpha data');
    betaUntouched();
  });
});
