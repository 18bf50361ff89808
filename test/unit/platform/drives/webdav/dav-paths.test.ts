// Where a WebDAV address points: the rule that must hold for every address, whatever a client (or an attacker) sends,
// is that one the mount accepts resolves, after any URL parser's normalisation, to a path inside the same drive.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  destinationProblem,
  drivePathOfUrl,
  requestTargetProblem,
  urlOfDrivePath,
} from '../../../../../src/platform/drives/webdav/dav-paths.ts';

const origin = new URL('http://127.0.0.1:4100');

/** Segments built from the pieces traversal attacks are made of, raw and percent-encoded. */
const segment = fc
  .array(
    fc.constantFrom(
      '.',
      '..',
      '%2e',
      '%2E',
      '%2f',
      '%2F',
      '%5c',
      '\\',
      '%00',
      'a',
      'b',
      '%20',
      'caf%C3%A9',
      '%',
      '%e0%a4',
      '~',
      ';',
      ':',
      '@',
      '#',
    ),
    { minLength: 0, maxLength: 4 },
  )
  .map((parts) => parts.join(''));
const target = fc.array(segment, { minLength: 0, maxLength: 6 }).map((segments) => `/dav/alpha/${segments.join('/')}`);

describe('addresses the mount accepts', () => {
  it('always resolve inside the same drive, whatever a URL parser makes of them', () => {
    fc.assert(
      fc.property(target, (raw) => {
        if (requestTargetProblem(raw, 'alpha') !== null) return;
        const resolved = new URL(raw, origin);
        expect(resolved.pathname === '/dav/alpha' || resolved.pathname.startsWith('/dav/alpha/')).toBe(true);
        const located = drivePathOfUrl(resolved, { origin, projectId: 'alpha' });
        expect('outside' in located).toBe(false);
        if ('path' in located) expect(located.path.split('/')).not.toContain('..');
      }),
      { numRuns: 2000 },
    );
  });

  it('always resolve inside the same drive as a Destination too', () => {
    fc.assert(
      fc.property(target, fc.boolean(), (raw, absolute) => {
        const destination = absolute ? `http://127.0.0.1:4100${raw}` : raw;
        if (destinationProblem(destination) !== null) return;
        const located = drivePathOfUrl(new URL(destination, new URL('/dav/alpha/x', origin)), { origin, projectId: 'alpha' });
        expect('outside' in located).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('drivePathOfUrl', () => {
  it('names the canonical (NFC) path, and refuses what the name policy refuses with its reason', () => {
    const at = (path: string) => drivePathOfUrl(new URL(path, origin), { origin, projectId: 'alpha' });
    expect(at('/dav/alpha/')).toEqual({ path: '' });
    expect(at('/dav/alpha')).toEqual({ path: '' });
    expect(at('/dav/alpha/results/')).toEqual({ path: 'results' });
    expect(at(`/dav/alpha/${encodeURIComponent('cafe\u0301')}.txt`)).toEqual({ path: 'caf\u00e9.txt' });
    expect(at('/dav/alpha/CON')).toMatchObject({ refused: expect.stringContaining('device name') });
    expect(at('/dav/alphabet/x')).toEqual({ outside: 'drive' });
    expect(at('/dav/beta/x')).toEqual({ outside: 'drive' });
    expect(drivePathOfUrl(new URL('http://127.0.0.1:4101/dav/alpha/x'), { origin, projectId: 'alpha' })).toEqual({ outside: 'host' });
    expect(drivePathOfUrl(new URL('http://127.0.0.1:80/dav/alpha/x'), { origin: new URL('http://127.0.0.1'), projectId: 'alpha' })).toEqual(
      {
        path: 'x',
      },
    );
  });

  it('round-trips with urlOfDrivePath for names that need encoding', () => {
    for (const path of ['a b/c#d.txt', 'results/100% done.csv', 'caf\u00e9/\u{1F600}.txt', 'semi;colon@at~tilde']) {
      const url = urlOfDrivePath(path, { origin, projectId: 'alpha', folder: false });
      expect(requestTargetProblem(url.pathname, 'alpha')).toBeNull();
      expect(drivePathOfUrl(url, { origin, projectId: 'alpha' })).toEqual({ path });
    }
  });
});
