// The drives' WebDAV mount on a real platform (its drive service, store and audit, over real HTTP): a standard client
// with an app password, the sync engine's Bearer downloads, two members of one project around a lock, a member of
// another project, stale conditions and a full drive. The adapter's finer rules are unit-tested over a fake service
// (test/unit/platform/drives/webdav/); this shows they hold with the service that stores the bytes.
import { createHash } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DriveEtagSchema } from '../../../../src/common/drives.ts';
import { createPlatformServer, type PlatformServer } from '../../../../src/platform/server.ts';
import { bearerFor, createPlatformFixture, TEST_PUBLIC_URL, type PlatformFixture } from '../fixture.ts';

/** Ada (demo-analyst) and Ben (demo-analyst-2) are members of cardio-admissions; only Ada is of covid-outcomes. */
const SHARED = 'cardio-admissions';
const ADAS_ONLY = 'covid-outcomes';

let fixture: PlatformFixture;
let platform: PlatformServer;
let base: URL;
let ada: Record<string, string>;
let ben: Record<string, string>;
let adaBasic: string;

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

function dav(options: { method: string; path: string; headers?: Record<string, string | number>; body?: string }): Promise<Answer> {
  const headers: Record<string, string | number> = { ...(options.headers ?? {}) };
  if (options.body !== undefined && headers['content-length'] === undefined) headers['content-length'] = Buffer.byteLength(options.body);
  return new Promise((resolve, reject) => {
    const sent = http.request(
      { host: base.hostname, port: base.port, method: options.method, path: options.path, headers, agent: false },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () =>
          resolve({ status: answer.statusCode ?? 0, headers: answer.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    sent.on('error', reject);
    sent.end(options.body);
  });
}

function message(answer: Answer): string {
  return (JSON.parse(answer.text) as { error: { message: string } }).error.message;
}

async function appPassword(headers: Record<string, string>, projectId: string): Promise<string> {
  const made = await fetch(new URL(`/api/v1/drives/${projectId}/app-passwords`, base), {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ label: 'WebDAV test' }),
  });
  expect(made.status).toBe(200);
  const {
    appPassword: made_,
    secret,
    davUrl,
  } = (await made.json()) as { appPassword: { username: string }; secret: string; davUrl: string };
  expect(davUrl).toBe(`${TEST_PUBLIC_URL}/dav/${projectId}/`);
  return `Basic ${Buffer.from(`${made_.username}:${secret}`).toString('base64')}`;
}

beforeAll(async () => {
  fixture = await createPlatformFixture();
  platform = await createPlatformServer({ dataDir: fixture.dataDir, cataloguePath: fixture.cataloguePath, publicUrl: TEST_PUBLIC_URL });
  base = new URL(await platform.listen({ port: 0, host: '127.0.0.1' }));
  ada = await bearerFor(fixture.dataDir, 'demo-analyst');
  ben = await bearerFor(fixture.dataDir, 'demo-analyst-2');
  adaBasic = await appPassword(ada, SHARED);
}, 120_000);

afterAll(async () => {
  await platform?.close();
  await fixture?.cleanup();
});

describe('a standard client with an app password, and the sync engine with its token', () => {
  it('uploads with Basic from this computer and downloads with Bearer, by a strong content ETag', async () => {
    const content = 'region,admissions\nNorth West,12\n';
    const put = await dav({ method: 'PUT', path: `/dav/${SHARED}/admissions.csv`, headers: { authorization: adaBasic }, body: content });
    expect(put.status).toBe(201);
    const get = await dav({ method: 'GET', path: `/dav/${SHARED}/admissions.csv`, headers: ben });
    expect(get.status).toBe(200);
    expect(get.text).toBe(content);
    const etag = String(get.headers.etag);
    expect(DriveEtagSchema.safeParse(etag).success).toBe(true);
    expect(etag.slice(1, 65)).toBe(createHash('sha256').update(content).digest('hex'));
    expect(put.headers.etag).toBe(etag);
    expect(get.headers['cache-control']).toBe('no-store');
    expect(get.headers['x-content-type-options']).toBe('nosniff');
    // Resuming a download: the rest, only while the ETag holds.
    const rest = await dav({
      method: 'GET',
      path: `/dav/${SHARED}/admissions.csv`,
      headers: { ...ben, range: 'bytes=7-', 'if-range': etag },
    });
    expect([rest.status, rest.text]).toEqual([206, content.slice(7)]);
  });

  it('refuses a stale If-Match with 412 and keeps the newer content', async () => {
    const first = await dav({ method: 'PUT', path: `/dav/${SHARED}/notes.txt`, headers: ada, body: 'first' });
    const second = await dav({ method: 'PUT', path: `/dav/${SHARED}/notes.txt`, headers: ben, body: 'second' });
    expect([first.status, second.status]).toEqual([201, 204]);
    const stale = await dav({
      method: 'PUT',
      path: `/dav/${SHARED}/notes.txt`,
      headers: { ...ada, 'if-match': String(first.headers.etag) },
      body: 'overwrite',
    });
    expect(stale.status).toBe(412);
    expect((await dav({ method: 'GET', path: `/dav/${SHARED}/notes.txt`, headers: ada })).text).toBe('second');
  });

  it('answers 507 from the declared length of an upload past the quota, before its body', async () => {
    // 20 GiB announced and nothing sent: the answer comes at once, and nothing is kept.
    const answer = await dav({ method: 'PUT', path: `/dav/${SHARED}/huge.bin`, headers: { ...ada, 'content-length': 20 * 1024 ** 3 } });
    expect(answer.status).toBe(507);
    expect(message(answer)).toMatch(/^Not enough space in the drive:/);
    expect((await dav({ method: 'HEAD', path: `/dav/${SHARED}/huge.bin`, headers: ada })).status).toBe(404);
  });

  it('keeps the old content when an upload is cut off midway, and takes the next one', async () => {
    await dav({ method: 'PUT', path: `/dav/${SHARED}/cut.bin`, headers: ada, body: 'old content' });
    await new Promise<void>((resolve) => {
      const sent = http.request({
        host: base.hostname,
        port: base.port,
        method: 'PUT',
        path: `/dav/${SHARED}/cut.bin`,
        headers: { ...ada, 'content-length': 100_000 },
        agent: false,
      });
      sent.on('error', () => resolve());
      sent.on('close', () => resolve());
      // Half the body reaches the connection, then the client is gone.
      sent.write(Buffer.alloc(50_000, 120), () => sent.destroy());
    });
    expect((await dav({ method: 'GET', path: `/dav/${SHARED}/cut.bin`, headers: ada })).text).toBe('old content');
    const next = await dav({ method: 'PUT', path: `/dav/${SHARED}/cut.bin`, headers: ada, body: 'new content' });
    expect(next.status).toBe(204);
    expect((await dav({ method: 'GET', path: `/dav/${SHARED}/cut.bin`, headers: ada })).text).toBe('new content');
  });

  it('deletes softly: what DELETE removes is in the drive\u2019s trash', async () => {
    await dav({ method: 'MKCOL', path: `/dav/${SHARED}/old`, headers: ada });
    await dav({ method: 'PUT', path: `/dav/${SHARED}/old/a.csv`, headers: ada, body: 'a' });
    expect((await dav({ method: 'DELETE', path: `/dav/${SHARED}/old/`, headers: ada })).status).toBe(204);
    const trash = await fetch(new URL(`/api/v1/drives/${SHARED}/trash`, base), { headers: ada });
    const entries = (await trash.json()) as Array<{ path: string; kind: string }>;
    expect(entries.filter((entry) => entry.path === 'old')).toEqual([expect.objectContaining({ path: 'old', kind: 'folder' })]);
  });

  it('refuses a traversal out of the drive before anything is read', async () => {
    await dav({ method: 'PUT', path: `/dav/${ADAS_ONLY}/private.txt`, headers: ada, body: 'Ada only' });
    for (const path of [`/dav/${SHARED}/%2e%2e/${ADAS_ONLY}/private.txt`, `/dav/${SHARED}/..%2f${ADAS_ONLY}%2fprivate.txt`]) {
      const answer = await dav({ method: 'GET', path, headers: ben });
      expect(answer.status).toBe(400);
      expect(answer.text).not.toContain('Ada only');
    }
  });
});

describe('two members and a lock', () => {
  it('refuses Ben with 423 naming Ada while she holds the lock; she writes with its token; after UNLOCK he writes', async () => {
    await dav({ method: 'PUT', path: `/dav/${SHARED}/report.docx`, headers: ada, body: 'draft 1' });
    const locked = await dav({
      method: 'LOCK',
      path: `/dav/${SHARED}/report.docx`,
      headers: { ...ada, 'content-type': 'application/xml', timeout: 'Second-600' },
      body:
        '<?xml version="1.0"?><lockinfo xmlns="DAV:"><lockscope><exclusive/></lockscope><locktype><write/></locktype>' +
        '<owner>Ada</owner></lockinfo>',
    });
    expect(locked.status).toBe(200);
    const token = String(locked.headers['lock-token']).slice(1, -1);

    const refused = await dav({ method: 'PUT', path: `/dav/${SHARED}/report.docx`, headers: ben, body: 'Ben\u2019s edit' });
    expect(refused.status).toBe(423);
    expect(message(refused)).toContain('locked by Ada Analyst');

    const owner = await dav({
      method: 'PUT',
      path: `/dav/${SHARED}/report.docx`,
      headers: { ...ada, if: `(<${token}>)` },
      body: 'draft 2',
    });
    expect(owner.status).toBe(204);
    const unlocked = await dav({ method: 'UNLOCK', path: `/dav/${SHARED}/report.docx`, headers: { ...ada, 'lock-token': `<${token}>` } });
    expect(unlocked.status).toBe(204);

    const after = await dav({ method: 'PUT', path: `/dav/${SHARED}/report.docx`, headers: ben, body: 'Ben\u2019s edit' });
    expect(after.status).toBe(204);
    expect((await dav({ method: 'GET', path: `/dav/${SHARED}/report.docx`, headers: ada })).text).toBe('Ben\u2019s edit');
  });
});

describe('another project\u2019s drive', () => {
  it('refuses a member of another project as every project route does, and an app password made for another drive (401)', async () => {
    // The platform's project check answers a non-member as it answers a project that does not exist (404): the mount
    // tells nobody which projects there are.
    const notMember = await dav({ method: 'PROPFIND', path: `/dav/${ADAS_ONLY}/`, headers: { ...ben, depth: '1' } });
    expect(notMember.status).toBe(404);
    expect(message(notMember)).toContain('not a member');
    expect(notMember.text).not.toContain('private.txt');
    const otherDrive = await dav({ method: 'PROPFIND', path: `/dav/${ADAS_ONLY}/`, headers: { authorization: adaBasic, depth: '1' } });
    expect(otherDrive.status).toBe(401);
    expect(otherDrive.headers['www-authenticate']).toContain(`Basic realm="Enclave drive ${ADAS_ONLY}"`);
  });
});
