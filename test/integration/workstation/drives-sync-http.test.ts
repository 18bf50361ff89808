// createHttpDriveRemote against a hostile server (issue 17; SATRE 3.1.12 is about egress, this is its mirror: nothing
// the platform sends may write outside the synced folder). A local HTTP server answers the drive's wire protocol
// (the JSON routes through the real platform client, WebDAV GET, the raw upload-chunk route) and lies: traversal
// names (`../x`, `/etc/passwd`, `a/../../b`), backslashes, NUL, a drive letter, a link-like name, a body with a
// flipped byte, a body cut short. The remote must refuse the names, send what the protocol says (Bearer token, each
// segment encoded, Range with If-Range, Content-Range), map the errors, and the engine on top must install only
// intact files inside its folder.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { driveEtag, type DriveEntry, type DriveTree } from '../../../src/common/drives.ts';
import { createPlatformClient } from '../../../src/workstation/platform-client.ts';
import { createHttpDriveRemote } from '../../../src/workstation/drives/remote-http.ts';
import type { DriveRemote } from '../../../src/workstation/drives/remote.ts';
import { openDriveSync } from '../../../src/workstation/drives/sync-engine.ts';
import { errorOf } from '../../support/error-of.ts';
import { newDesk, readLocal, removeDesk } from '../../unit/workstation/drives/support/sync-kit.ts';

const PROJECT = 'covid-outcomes';
const TOKEN = 'tok-secret-1';
const sha = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

const GOOD = 'good content\n';
const CUT = 'c'.repeat(10_000);
const FLIP = 'f'.repeat(4000);
const ODD_NAME = 'dir/a b#%.txt';

function entry(entryPath: string, content: string | null, overrides: Partial<DriveEntry> = {}): DriveEntry {
  const hash = content === null ? null : sha(content);
  return {
    path: entryPath,
    name: entryPath.slice(entryPath.lastIndexOf('/') + 1),
    kind: content === null ? 'folder' : 'file',
    size: content === null ? 0 : Buffer.byteLength(content),
    sha256: hash,
    etag: hash === null ? null : driveEtag(hash, 1),
    version: 1,
    modifiedAt: '2026-12-03T09:00:00.000Z',
    modifiedBy: { id: 'mallory', name: 'Mallory' },
    lockedBy: null,
    ...overrides,
  };
}

const HOSTILE = [
  '../x',
  '/etc/passwd',
  'a/../../b',
  'back\\slash.txt',
  'nul\u0000byte.txt',
  'C:/windows/system.ini',
  'link -> /etc/passwd',
  './here.txt',
  'cafe\u0301.txt',
];

const CONTENT: Record<string, string> = { 'good.txt': GOOD, 'cut.bin': CUT, 'flip.bin': FLIP, [ODD_NAME]: GOOD, '..%2F..%2Fetc': GOOD };

function tree(): DriveTree {
  const entries = [
    entry('dir', null),
    ...Object.entries(CONTENT).map(([entryPath, content]) => entry(entryPath, content)),
    ...HOSTILE.map((hostile) => entry(hostile, GOOD)),
  ];
  return {
    drive: {
      projectId: PROJECT,
      driveId: 'drive-1',
      epoch: 1,
      quotaBytes: 1_000_000,
      usedBytes: 0,
      keepVersions: 20,
      trashDays: 30,
      files: 0,
    },
    cursor: 7,
    entries,
  };
}

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  range: string | undefined;
  ifRange: string | undefined;
  contentRange: string | undefined;
}

let server: Server;
let baseUrl: string;
const seen: Seen[] = [];
/** The JSON bodies of the delete requests received. */
const deleteBodies: unknown[] = [];
let cuts = 0;
/** What the next upload-chunk answer is: the honest session, a 409 with the session elsewhere, or a 507. */
let chunkAnswer: 'ok' | 'moved' | 'full' = 'ok';
const session = {
  uploadId: `up-${'0'.repeat(24)}`,
  path: 'new.txt',
  size: 5,
  sha256: sha('hello'),
  offset: 0,
  expiresAt: '2026-12-04T09:00:00.000Z',
};

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function handle(request: IncomingMessage, response: ServerResponse): void {
  const url = request.url ?? '';
  seen.push({
    method: request.method ?? '',
    url,
    authorization: request.headers.authorization,
    range: request.headers.range,
    ifRange: request.headers['if-range'] as string | undefined,
    contentRange: request.headers['content-range'],
  });
  if (request.headers.authorization !== `Bearer ${TOKEN}`)
    return json(response, 401, { ok: false, error: { code: 'unauthenticated', message: 'Sign in.' } });
  if (url === `/api/v1/drives/${PROJECT}/tree`) return json(response, 200, tree());
  if (url === `/api/v1/drives/${PROJECT}/delete` && request.method === 'POST') {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { path: string };
      deleteBodies.push(body);
      json(response, 200, {
        trashId: `trash-${'0'.repeat(20)}`,
        path: body.path,
        kind: 'folder',
        size: 0,
        deletedAt: '2026-12-03T09:00:00.000Z',
        deletedBy: { id: 'ada', name: 'Ada' },
        purgeAt: '2026-12-03T09:00:00.000Z',
      });
    });
    return;
  }
  if (url === `/api/v1/drives/${PROJECT}/uploads` && request.method === 'POST') return json(response, 200, session);
  if (url === `/api/v1/drives/${PROJECT}/uploads/${session.uploadId}` && request.method === 'PUT') {
    request.resume();
    if (chunkAnswer === 'moved') return json(response, 409, { ...session, offset: 3 });
    if (chunkAnswer === 'full') {
      return json(response, 507, {
        ok: false,
        error: { code: 'insufficient_storage', message: 'Not enough space in the drive: used 9, needed 5, limit 10.' },
      });
    }
    return json(response, 200, { ...session, offset: 5 });
  }
  const dav = `/dav/${PROJECT}/`;
  if (request.method === 'GET' && url.startsWith(dav)) {
    const drivePath = url
      .slice(dav.length)
      .split('/')
      .map((segment) => decodeURIComponent(segment))
      .join('/');
    const content = CONTENT[drivePath];
    if (content === undefined) return json(response, 404, { ok: false, error: { code: 'not_found', message: 'No such file.' } });
    const bytes = Buffer.from(content);
    const etag = driveEtag(sha(content), 1);
    const range = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
    if (range && request.headers['if-range'] === etag) {
      const start = Number(range[1]);
      response.writeHead(206, {
        etag,
        'content-length': bytes.length - start,
        'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}`,
      });
      response.end(bytes.subarray(start));
      return;
    }
    if (drivePath === 'flip.bin') {
      const flipped = Buffer.from(bytes);
      flipped[100] = (flipped[100] ?? 0) ^ 0x01;
      response.writeHead(200, { etag, 'content-length': bytes.length });
      response.end(flipped);
      return;
    }
    if (drivePath === 'cut.bin' && cuts > 0) {
      cuts -= 1;
      response.writeHead(200, { etag, 'content-length': bytes.length });
      response.write(bytes.subarray(0, 4000), () => response.socket?.destroy());
      return;
    }
    response.writeHead(200, { etag, 'content-length': bytes.length });
    response.end(bytes);
    return;
  }
  json(response, 404, { ok: false, error: { code: 'not_found', message: 'No such route.' } });
}

function remote(): DriveRemote {
  return createHttpDriveRemote({
    client: createPlatformClient({ baseUrl }),
    baseUrl,
    token: async () => TOKEN,
    projectId: PROJECT,
  });
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen.length = 0;
  deleteBodies.length = 0;
  cuts = 0;
  chunkAnswer = 'ok';
});

describe('createHttpDriveRemote against a hostile server', () => {
  it('refuses every traversal, malformed or non-canonical path in the tree, with the reason, and keeps the rest', async () => {
    const answer = await remote().tree();
    expect(answer.entries.map((each) => each.path).sort()).toEqual(
      ['..%2F..%2Fetc', 'cut.bin', 'dir', ODD_NAME, 'flip.bin', 'good.txt'].sort(),
    );
    const reasons = new Map(answer.refused.map((each) => [each.path, each.reason]));
    expect(reasons.get('../x')).toMatch(/climbs out/);
    expect(reasons.get('/etc/passwd')).toMatch(/absolute/);
    expect(reasons.get('a/../../b')).toMatch(/climbs out/);
    expect(reasons.get('back\\\\slash.txt')).toMatch(/backslash/);
    expect(reasons.get('nul\\u0000byte.txt')).toMatch(/NUL/);
    expect(reasons.get('C:/windows/system.ini')).toMatch(/drive letter/);
    expect(reasons.get('link -> /etc/passwd')).toMatch(/">"/);
    expect(reasons.get('./here.txt')).toMatch(/climbs out/);
    expect(reasons.get('cafe\u0301.txt')).toMatch(/canonical/);
    expect(answer.refused).toHaveLength(HOSTILE.length);
    expect(seen.every((request) => request.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('downloads over WebDAV with each path segment encoded, and resumes with Range and If-Range', async () => {
    const drive = remote();
    const whole = await drive.download({ path: ODD_NAME, etag: null, offset: 0 });
    const parts: Uint8Array[] = [];
    for await (const chunk of whole.body) parts.push(chunk);
    expect(Buffer.concat(parts).toString()).toBe(GOOD);
    expect(seen.at(-1)?.url).toBe(`/dav/${PROJECT}/dir/a%20b%23%25.txt`);
    const etag = driveEtag(sha(CUT), 1);
    const rest = await drive.download({ path: 'cut.bin', etag, offset: 6000 });
    expect(rest.start).toBe(6000);
    expect(rest.size).toBe(CUT.length);
    expect(seen.at(-1)).toMatchObject({ range: 'bytes=6000-', ifRange: etag });
    for await (const _chunk of rest.body) continue;
    // An ETag that no longer matches: the whole content comes back, from 0.
    const changed = await drive.download({ path: 'cut.bin', etag: driveEtag('0'.repeat(64), 9), offset: 6000 });
    expect(changed.start).toBe(0);
    for await (const _chunk of changed.body) continue;
    // A path the remote itself refuses is never requested.
    const refused = await errorOf(drive.download({ path: '../x', etag: null, offset: 0 }));
    expect(refused.code).toBe('invalid_input');
    expect(seen.some((request) => request.url.includes('..'))).toBe(false);
  });

  it('sends a folder delete on the tree cursor (unchangedSince), and a file delete on its ETag alone', async () => {
    const drive = remote();
    await drive.delete({ path: 'dir', ifMatch: null, unchangedSince: 42 });
    await drive.delete({ path: 'good.txt', ifMatch: driveEtag(sha(GOOD), 1) });
    expect(deleteBodies).toEqual([
      { path: 'dir', ifMatch: null, unchangedSince: 42 },
      { path: 'good.txt', ifMatch: driveEtag(sha(GOOD), 1) },
    ]);
  });

  it('reports a body cut mid-way as unavailable, not as a whole file', async () => {
    cuts = 1;
    const content = await remote().download({ path: 'cut.bin', etag: null, offset: 0 });
    let received = 0;
    const reading = (async () => {
      for await (const chunk of content.body) received += chunk.byteLength;
    })();
    const failure = await errorOf(reading);
    expect(failure.code).toBe('unavailable');
    expect(received).toBeLessThan(CUT.length);
  });

  it('sends chunks with Content-Range, goes on from the session a 409 carries, and maps a 507 to insufficient_storage', async () => {
    const drive = remote();
    const started = await drive.startUpload({ path: 'new.txt', size: 5, sha256: sha('hello'), condition: { ifAbsent: true } });
    const bytes = new TextEncoder().encode('hello');
    expect((await drive.uploadChunk({ uploadId: started.uploadId, offset: 0, bytes, total: 5 })).offset).toBe(5);
    expect(seen.at(-1)).toMatchObject({ method: 'PUT', contentRange: 'bytes 0-4/5' });
    chunkAnswer = 'moved';
    expect((await drive.uploadChunk({ uploadId: started.uploadId, offset: 0, bytes, total: 5 })).offset).toBe(3);
    chunkAnswer = 'full';
    const full = await errorOf(drive.uploadChunk({ uploadId: started.uploadId, offset: 0, bytes, total: 5 }));
    expect(full.code).toBe('insufficient_storage');
    expect(full.message).toMatch(/^Not enough space in the drive:/);
  });

  it('syncs only intact files, all inside the folder: the flipped body never installed, the cut one resumed', async () => {
    cuts = 1;
    const desk = await newDesk();
    const sync = await openDriveSync({
      projectId: PROJECT,
      userId: 'ada',
      person: 'Ada Lovelace',
      localRoot: desk.root,
      stateDir: desk.stateDir,
      remote: remote(),
      deviceId: 'device-ada',
      intervalMs: 0,
      watch: false,
    });
    try {
      const status = await sync.syncNow();
      expect(await readLocal(desk, 'good.txt')).toBe(GOOD);
      expect(await readLocal(desk, ODD_NAME)).toBe(GOOD);
      expect(await readLocal(desk, '..%2F..%2Fetc')).toBe(GOOD);
      expect(await readLocal(desk, 'cut.bin')).toBe(CUT);
      expect(await readLocal(desk, 'flip.bin')).toBeNull();
      expect(status.files.find((each) => each.path === 'flip.bin')?.detail).toMatch(/did not arrive intact/);
      const resumed = seen.filter((request) => request.url === `/dav/${PROJECT}/cut.bin`);
      expect(resumed.map((request) => request.range)).toEqual([undefined, 'bytes=4000-']);
      // Everything written is inside the synced folder; outside it, only the state folder and the empty "outside".
      expect((await readdir(desk.dir)).sort()).toEqual(['drive', 'outside', 'state']);
      expect(await readdir(desk.outside)).toEqual([]);
      const local = await readdir(desk.root, { recursive: true });
      expect(local.filter((name) => !name.startsWith('.enclave-')).sort()).toEqual(
        ['..%2F..%2Fetc', 'cut.bin', 'dir', path.join('dir', 'a b#%.txt'), 'good.txt'].sort(),
      );
      expect(status.files.filter((each) => each.detail?.includes('refuses'))).toHaveLength(HOSTILE.length);
    } finally {
      await sync.close();
      await removeDesk(desk);
    }
  });
});
