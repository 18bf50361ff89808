// The drives' JSON routes and byte routes over HTTP (issue 17), on a real platform (the fixture's data folder, the
// demo's people and agreements): a member works in the drive end to end (folders, a resumable upload, a conflicting
// write refused, versions and a restore, a move, a delete and its restore from the trash, app passwords), a member
// of another project is refused without learning anything, and the upload-chunk route refuses a chunk at the wrong
// offset (409 with the session) and every malformed Content-Range. SATRE 3.2.03: project data for members only.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriveEntry, DriveFolder, DriveTree, UploadSession } from '../../../../src/common/drives.ts';
import { createPlatformServer, type PlatformServer } from '../../../../src/platform/server.ts';
import { createPlatformFixture, mintAccessToken, TEST_PUBLIC_URL, type PlatformFixture } from '../fixture.ts';

const PROJECT = 'opt-out-monitoring';
const API = `/api/v1/drives/${PROJECT}`;

let fixture: PlatformFixture;
let server: PlatformServer;

beforeAll(async () => {
  fixture = await createPlatformFixture();
  server = await createPlatformServer({ dataDir: fixture.dataDir, cataloguePath: fixture.cataloguePath, publicUrl: TEST_PUBLIC_URL });
});

afterAll(async () => {
  await server?.close();
  await fixture?.cleanup();
});

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

interface Request {
  readonly json?: unknown;
  readonly body?: Buffer | string;
  readonly headers?: Record<string, string>;
}

/** `who` calls `METHOD url` with a fresh token of theirs. */
async function call(who: string, route: `${'GET' | 'POST' | 'PUT'} ${string}`, options: Request = {}) {
  const [method, url] = route.split(' ', 2) as ['GET' | 'POST' | 'PUT', string];
  const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: who });
  return server.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${token}`,
      ...(options.json === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/octet-stream' }),
      ...options.headers,
    },
    ...(options.json === undefined ? {} : { payload: JSON.stringify(options.json) }),
    ...(options.body === undefined ? {} : { payload: options.body }),
  });
}

interface Upload {
  readonly path: string;
  readonly content: Buffer;
  readonly condition: unknown;
}

/** Sends a whole file through a new session, in chunks of 4 bytes; answers the session, not yet committed. */
async function send(who: string, { path, content, condition }: Upload): Promise<string> {
  const chunk = 4;
  const started = await call(who, `POST ${API}/uploads`, {
    json: { path, size: content.length, sha256: sha256(content), condition },
  });
  expect(started.statusCode, started.body).toBe(200);
  const session = started.json<UploadSession>();
  for (let at = 0; at < content.length; at += chunk) {
    const part = content.subarray(at, Math.min(content.length, at + chunk));
    const sent = await call(who, `PUT ${API}/uploads/${session.uploadId}`, {
      body: part,
      headers: { 'content-range': `bytes ${at}-${at + part.length - 1}/${content.length}` },
    });
    expect(sent.statusCode, sent.body).toBe(200);
    expect(sent.json<UploadSession>().offset).toBe(at + part.length);
  }
  return session.uploadId;
}

/** Uploads a whole file through a session and commits it. */
async function upload(who: string, file: Upload) {
  return call(who, `POST ${API}/uploads/${await send(who, file)}/commit`);
}

describe('a drive over the API', () => {
  it('starts with the demo files and lists the member drives', async () => {
    const list = await call('demo-analyst-2', `GET /api/v1/drives`);
    expect(list.statusCode, list.body).toBe(200);
    expect(
      list
        .json<Array<{ projectId: string }>>()
        .map((drive) => drive.projectId)
        .sort(),
    ).toEqual(['cardio-admissions', PROJECT]);
    const root = await call('demo-analyst-2', `GET ${API}/folder`);
    expect(root.statusCode, root.body).toBe(200);
    const names = root.json<DriveFolder>().entries.map((entry) => entry.name);
    expect(names).toEqual(expect.arrayContaining(['README.md', 'example-aggregates.csv']));
  });

  it('makes folders, uploads in chunks, refuses a write on a stale ETag, keeps versions and restores one', async () => {
    const folder = await call('demo-analyst-2', `POST ${API}/folders`, { json: { path: 'results' } });
    expect(folder.statusCode, folder.body).toBe(200);
    expect(folder.json<DriveEntry>()).toMatchObject({ path: 'results', kind: 'folder', etag: null });

    const first = Buffer.from('region,count\nLondon,15\n');
    const created = await upload('demo-analyst-2', { path: 'results/table.csv', content: first, condition: { ifAbsent: true } });
    expect(created.statusCode, created.body).toBe(200);
    const v1 = created.json<DriveEntry>();
    expect(v1).toMatchObject({ path: 'results/table.csv', version: 1, size: first.length, sha256: sha256(first) });
    expect(v1.etag).toBe(`"${sha256(first)}-1"`);

    // Two people upload an edit of v1: the admin's commit lands first, the analyst's (on the same ETag) is refused.
    const adminEdit = Buffer.from('region,count\nLondon,20\n');
    const analystEdit = Buffer.from('region,count\nLondon,25\n');
    const adminUpload = await send('demo-admin', { path: 'results/table.csv', content: adminEdit, condition: { ifMatch: v1.etag } });
    const analystUpload = await send('demo-analyst-2', {
      path: 'results/table.csv',
      content: analystEdit,
      condition: { ifMatch: v1.etag },
    });
    const second = await call('demo-admin', `POST ${API}/uploads/${adminUpload}/commit`);
    expect(second.statusCode, second.body).toBe(200);
    const refused = await call('demo-analyst-2', `POST ${API}/uploads/${analystUpload}/commit`);
    expect(refused.statusCode).toBe(409);
    // A new session on the stale ETag is refused before a byte is sent.
    const late = await call('demo-analyst-2', `POST ${API}/uploads`, {
      json: { path: 'results/table.csv', size: analystEdit.length, sha256: sha256(analystEdit), condition: { ifMatch: v1.etag } },
    });
    expect(late.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({
      error: { code: 'conflict', message: expect.stringMatching(/changed since you read it.*Nothing was written/) },
    });

    const versions = await call('demo-analyst-2', `GET ${API}/versions?path=results/table.csv`);
    expect(versions.statusCode, versions.body).toBe(200);
    expect(versions.json()).toMatchObject({
      path: 'results/table.csv',
      versions: [
        { version: 2, sha256: sha256(adminEdit), current: true, change: 'written', by: { id: 'demo-admin' } },
        { version: 1, sha256: sha256(first), current: false, change: 'created', by: { id: 'demo-analyst-2' } },
      ],
    });
    const old = await call('demo-analyst-2', `GET ${API}/versions/1/content?path=results/table.csv`);
    expect(old.statusCode).toBe(200);
    expect(old.rawPayload.equals(first)).toBe(true);

    const restored = await call('demo-analyst-2', `POST ${API}/versions/restore`, { json: { path: 'results/table.csv', version: 1 } });
    expect(restored.statusCode, restored.body).toBe(200);
    expect(restored.json<DriveEntry>()).toMatchObject({ version: 3, sha256: sha256(first) });
    const after = await call('demo-analyst-2', `GET ${API}/versions?path=results/table.csv`);
    expect(after.json<{ versions: Array<{ change: string }> }>().versions[0]).toMatchObject({ version: 3, change: 'restored' });
  });

  it('moves a folder, deletes it to the trash and restores it', async () => {
    await call('demo-analyst-2', `POST ${API}/folders`, { json: { path: 'drafts' } });
    const made = await upload('demo-analyst-2', { path: 'drafts/notes.txt', content: Buffer.from('notes'), condition: { ifAbsent: true } });
    expect(made.statusCode, made.body).toBe(200);
    const before = (await call('demo-analyst-2', `GET ${API}/tree`)).json<DriveTree>();
    const moved = await call('demo-analyst-2', `POST ${API}/move`, { json: { from: 'drafts', to: 'old drafts', ifMatch: null } });
    expect(moved.statusCode, moved.body).toBe(200);
    const tree = (await call('demo-analyst-2', `GET ${API}/tree`)).json<DriveTree>();
    expect(tree.cursor).toBe(before.cursor + 1);
    expect(tree.entries.map((entry) => entry.path)).toEqual(expect.arrayContaining(['old drafts', 'old drafts/notes.txt']));
    expect(tree.entries.map((entry) => entry.path)).not.toContain('drafts/notes.txt');

    const deleted = await call('demo-analyst-2', `POST ${API}/delete`, { json: { path: 'old drafts', ifMatch: null } });
    expect(deleted.statusCode, deleted.body).toBe(200);
    const trashId = deleted.json<{ trashId: string }>().trashId;
    const trash = await call('demo-analyst-2', `GET ${API}/trash`);
    expect(trash.json()).toEqual([expect.objectContaining({ trashId, path: 'old drafts', kind: 'folder', size: 5 })]);
    const back = await call('demo-analyst-2', `POST ${API}/trash/restore`, { json: { trashId } });
    expect(back.statusCode, back.body).toBe(200);
    const folder = (await call('demo-analyst-2', `GET ${API}/folder?path=old%20drafts`)).json<DriveFolder>();
    expect(folder.entries.map((entry) => entry.name)).toEqual(['notes.txt']);
  });

  it('deletes a folder on a tree cursor only while nothing in it changed after it (409 otherwise, nothing deleted)', async () => {
    await call('demo-analyst-2', `POST ${API}/folders`, { json: { path: 'cursor' } });
    const seen = (await call('demo-analyst-2', `GET ${API}/tree`)).json<DriveTree>().cursor;
    const made = await upload('demo-analyst-2', { path: 'cursor/late.txt', content: Buffer.from('late'), condition: { ifAbsent: true } });
    expect(made.statusCode, made.body).toBe(200);
    const refused = await call('demo-analyst-2', `POST ${API}/delete`, { json: { path: 'cursor', ifMatch: null, unchangedSince: seen } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/^“cursor” changed since you read it: .* saved “cursor\/late\.txt” .*; nothing was deleted\./),
    });
    expect((await call('demo-analyst-2', `GET ${API}/folder?path=cursor`)).json<DriveFolder>().entries.map((e) => e.name)).toEqual([
      'late.txt',
    ]);
    const malformed = await call('demo-analyst-2', `POST ${API}/delete`, { json: { path: 'cursor', ifMatch: null, unchangedSince: -1 } });
    expect(malformed.statusCode).toBe(400);
    const now = (await call('demo-analyst-2', `GET ${API}/tree`)).json<DriveTree>().cursor;
    const deleted = await call('demo-analyst-2', `POST ${API}/delete`, { json: { path: 'cursor', ifMatch: null, unchangedSince: now } });
    expect(deleted.statusCode, deleted.body).toBe(200);
  });

  it('refuses a twin name, naming both, and a name another system cannot hold, saying why', async () => {
    const twin = await call('demo-analyst-2', `POST ${API}/folders`, { json: { path: 'Results' } });
    expect(twin.statusCode).toBe(409);
    expect(twin.json<{ error: { message: string } }>().error.message).toMatch(/“Results”.*“results”/);
    const bad = await call('demo-analyst-2', `POST ${API}/folders`, { json: { path: 'a:b' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { message: string } }>().error.message).toContain(':');
  });

  it('makes an app password shown once, lists it with its last use, and revokes it', async () => {
    const made = await call('demo-analyst-2', `POST ${API}/app-passwords`, { json: { label: 'Laptop Finder' } });
    expect(made.statusCode, made.body).toBe(200);
    const { appPassword, secret, davUrl } = made.json<{ appPassword: { id: string; username: string }; secret: string; davUrl: string }>();
    expect(davUrl).toBe(`${TEST_PUBLIC_URL}/dav/${PROJECT}/`);
    expect(appPassword.username).toBe('demo-analyst-2');
    expect(secret.length).toBeGreaterThanOrEqual(43);
    const listed = await call('demo-analyst-2', `GET ${API}/app-passwords`);
    expect(listed.body).not.toContain(secret);
    expect(listed.json()).toEqual([
      expect.objectContaining({ id: appPassword.id, label: 'Laptop Finder', lastUsedAt: null, revokedAt: null }),
    ]);
    const revoked = await call('demo-analyst-2', `POST ${API}/app-passwords/${appPassword.id}/revoke`);
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(revoked.json<{ revokedAt: string | null }>().revokedAt).not.toBeNull();
  });
});

describe('a member of another project', () => {
  it.each([
    ['GET', `${API}`],
    ['GET', `${API}/tree`],
    ['GET', `${API}/folder`],
    ['GET', `${API}/versions?path=README.md`],
    ['GET', `${API}/versions/1/content?path=README.md`],
    ['GET', `${API}/trash`],
    ['GET', `${API}/app-passwords`],
  ] as const)('is refused %s %s as if the project did not exist', async (method, url) => {
    // demo-analyst is a member of covid-outcomes and cardio-admissions, not of opt-out-monitoring.
    const response = await call('demo-analyst', `${method} ${url}`);
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'not_found', message: 'There is no such project, or you are not a member of it.' } });
  });

  it('cannot write, upload, move or delete', async () => {
    for (const [url, json] of [
      [`${API}/folders`, { path: 'mine' }],
      [`${API}/uploads`, { path: 'x.csv', size: 1, sha256: sha256('x'), condition: { any: true } }],
      [`${API}/move`, { from: 'README.md', to: 'R.md', ifMatch: null }],
      [`${API}/delete`, { path: 'README.md', ifMatch: null }],
    ] as const) {
      const response = await call('demo-analyst', `POST ${url}`, { json });
      expect(response.statusCode, url).toBe(404);
    }
    const readme = await call('demo-analyst-2', `GET ${API}/versions?path=README.md`);
    expect(readme.json<{ versions: unknown[] }>().versions).toHaveLength(1);
  });
});

describe('the upload-chunk route', () => {
  async function session(size: number): Promise<UploadSession> {
    const content = Buffer.alloc(size, 7);
    const started = await call('demo-analyst-2', `POST ${API}/uploads`, {
      json: { path: `chunks-${Math.random().toString(36).slice(2)}.bin`, size, sha256: sha256(content), condition: { ifAbsent: true } },
    });
    expect(started.statusCode, started.body).toBe(200);
    return started.json<UploadSession>();
  }
  const put = (uploadId: string, range: string | undefined, body: Buffer) =>
    call('demo-analyst-2', `PUT ${API}/uploads/${uploadId}`, { body, headers: range === undefined ? {} : { 'content-range': range } });

  it('answers a chunk at the wrong offset with 409 and the session, keeping nothing of it', async () => {
    const { uploadId } = await session(10);
    expect((await put(uploadId, 'bytes 0-3/10', Buffer.alloc(4, 7))).statusCode).toBe(200);
    const wrong = await put(uploadId, 'bytes 6-9/10', Buffer.alloc(4, 7));
    expect(wrong.statusCode).toBe(409);
    expect(wrong.json()).toMatchObject({ uploadId, offset: 4, size: 10, error: { code: 'conflict' } });
    const again = await put(uploadId, 'bytes 0-3/10', Buffer.alloc(4, 7));
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ offset: 4 });
    const status = await call('demo-analyst-2', `GET ${API}/uploads/${uploadId}`);
    expect(status.json<UploadSession>().offset).toBe(4);
  });

  it.each([
    ['no header', undefined],
    ['a negative start', 'bytes -1-3/10'],
    ['a start past its end', 'bytes 5-3/10'],
    ['an end at the total', 'bytes 0-10/10'],
    ['an end beyond the total', 'bytes 0-99/10'],
    ['numbers past 2^53', 'bytes 0-3/99999999999999999'],
    ['an exponent', 'bytes 0-3/1e1'],
    ['spaces', 'bytes 0 - 3/10'],
    ['another unit', 'items 0-3/10'],
    ['an unknown total', 'bytes 0-3/*'],
    ['two ranges', 'bytes 0-1/10, 2-3/10'],
    ['a total other than the upload size', 'bytes 0-3/11'],
  ])('refuses a Content-Range with %s, keeping nothing', async (_label, range) => {
    const { uploadId } = await session(10);
    const response = await put(uploadId, range, Buffer.alloc(4, 7));
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toMatchObject({ error: { code: 'invalid_input' } });
    expect((await call('demo-analyst-2', `GET ${API}/uploads/${uploadId}`)).json<UploadSession>().offset).toBe(0);
  });

  it('refuses a body shorter or longer than its Content-Range, keeping nothing of it', async () => {
    const { uploadId } = await session(10);
    expect((await put(uploadId, 'bytes 0-3/10', Buffer.alloc(3, 7))).statusCode).toBe(400);
    expect((await put(uploadId, 'bytes 0-3/10', Buffer.alloc(5, 7))).statusCode).toBe(400);
    expect((await call('demo-analyst-2', `GET ${API}/uploads/${uploadId}`)).json<UploadSession>().offset).toBe(0);
  });

  it('refuses a chunk of another person’s upload as if there were none', async () => {
    const { uploadId } = await session(4);
    const response = await call('demo-admin', `PUT ${API}/uploads/${uploadId}`, {
      body: Buffer.alloc(4, 7),
      headers: { 'content-range': 'bytes 0-3/4' },
    });
    expect(response.statusCode).toBe(404);
  });

  it('refuses the commit of bytes whose SHA-256 is not the declared one, and drops the session', async () => {
    const content = Buffer.from('the real bytes');
    const started = await call('demo-analyst-2', `POST ${API}/uploads`, {
      json: { path: 'damaged.txt', size: content.length, sha256: sha256(content), condition: { ifAbsent: true } },
    });
    const { uploadId } = started.json<UploadSession>();
    const flipped = Buffer.from(content);
    flipped[3] ^= 1;
    expect((await put(uploadId, `bytes 0-${content.length - 1}/${content.length}`, flipped)).statusCode).toBe(200);
    const commit = await call('demo-analyst-2', `POST ${API}/uploads/${uploadId}/commit`);
    expect(commit.statusCode).toBe(400);
    expect(commit.json<{ error: { message: string } }>().error.message).toContain('arrived damaged');
    expect((await call('demo-analyst-2', `GET ${API}/uploads/${uploadId}`)).statusCode).toBe(404);
    expect((await call('demo-analyst-2', `GET ${API}/folder`)).json<DriveFolder>().entries.map((entry) => entry.name)).not.toContain(
      'damaged.txt',
    );
  });
});

describe('WebDAV behind the platform’s hook', () => {
  it('answers only on the platform’s own address, whatever the credentials (a rebound DNS name is refused)', async () => {
    const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: 'demo-analyst-2' });
    const response = await server.app.inject({
      method: 'GET',
      url: `/dav/${PROJECT}/README.md`,
      headers: { host: 'attacker.example', authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ error: { code: 'forbidden', message: 'This platform answers only on its own address.' } });
  });
});
