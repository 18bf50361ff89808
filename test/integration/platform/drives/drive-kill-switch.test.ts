// The kill switch reaches the drives (issue 18), on a real platform over real HTTP: a large download in flight, through
// the API (a kept version's content) and through WebDAV (GET), is cut within a second of its person or its project
// being suspended (within 2 s of the operator's break-glass command on the host, which the server applies), while
// another person's download in the same project goes on when only the first is suspended; an upload in flight (a
// WebDAV PUT, a chunk of an upload session) is cut and leaves nothing: no new version, no temporary file, no session,
// the quota as it was. Each stop is an `operation.aborted` event. And a suspended person is refused every WebDAV
// method, with an app password (Basic) as with a token (Bearer), with 403 `suspended`.
// SATRE 2.6.04 (rapid incident response), 3.1.12 (no data leaves once access is withdrawn), 3.2.x (every action recorded).
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ActionEffectSchema, IncidentSchema } from '../../../../src/common/incidents.ts';
import { AuditPageSchema } from '../../../../src/common/agreement-views.ts';
import { runIncidentCommand, type IncidentCommand } from '../../../../src/cli/platform-incidents.ts';
import { createPlatformServer, type PlatformServer } from '../../../../src/platform/server.ts';
import { createPlatformFixture, mintAccessToken, TEST_PUBLIC_URL, type PlatformFixture } from '../fixture.ts';

/** Ada (demo-analyst) and Ben (demo-analyst-2) are members of cardio-admissions. */
const SHARED = 'cardio-admissions';
const ADA = 'demo-analyst';
const BEN = 'demo-analyst-2';
/** Far more than a connection's buffers hold: a cut download cannot have arrived whole. */
const BIG_BYTES = 48 * 1024 * 1024;
const BIG = 'big.bin';
/** How soon after the suspension's answer a transfer must be cut. */
const CUT_WITHIN_MS = 1000;

let fixture: PlatformFixture;
let platform: PlatformServer;
let base: URL;
let bigSha256: string;
let bigVersion: number;

/** A token issued after any earlier suspension of its person ended their sign-ins. */
const tokenOf = async (sub: string): Promise<string> =>
  `Bearer ${await mintAccessToken({ dataDir: fixture.dataDir, sub, issuedAtOffset: 2 })}`;

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

/** One request on its own connection, its body read whole. */
function request(options: {
  method: string;
  path: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
}): Promise<Answer> {
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
        answer.on('error', reject);
      },
    );
    sent.on('error', reject);
    sent.end(options.body);
  });
}

async function api(method: 'GET' | 'POST', url: string, options: { as: string; body?: unknown }): Promise<Answer> {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return request({
    method,
    path: `/api/v1${url}`,
    headers: { authorization: await tokenOf(options.as), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body }),
  });
}

async function adminOk(method: 'GET' | 'POST', url: string, body?: unknown): Promise<unknown> {
  const answer = await api(method, url, { as: 'demo-admin', body });
  expect(answer.status, answer.text).toBe(200);
  return JSON.parse(answer.text) as unknown;
}

async function openIncident(summary: string): Promise<string> {
  const incident = IncidentSchema.parse(
    await adminOk('POST', '/admin/incidents', { summary, severity: 'high', detectedAt: new Date().toISOString(), personalData: true }),
  );
  return incident.id;
}

/** Puts an action in place and answers its id, with when its answer came (the moment it took effect). */
async function act(body: Record<string, unknown>): Promise<{ id: string; at: number; wallClock: number; operationsAborted: number }> {
  const effect = ActionEffectSchema.parse(await adminOk('POST', '/admin/actions', body));
  return { id: effect.restriction?.id ?? '', at: performance.now(), wallClock: Date.now(), operationsAborted: effect.operationsAborted };
}

async function lift(actionId: string): Promise<void> {
  await adminOk('POST', `/admin/actions/${actionId}/lift`, { reason: 'Investigated: no misuse found' });
}

async function auditEvents(type: string) {
  return AuditPageSchema.parse(await adminOk('GET', `/admin/audit?type=${type}&limit=100`)).events;
}

const transfersOf = (userId: string) =>
  platform.operations.running().filter((operation) => operation.kind === 'transfer' && operation.userId === userId);

/** Waits until nobody's transfers are running (a download read whole ends as its stream closes). */
async function idle(): Promise<void> {
  await vi.waitFor(() => expect(platform.operations.running()).toEqual([]), { timeout: 5000, interval: 20 });
}

/** Waits until the platform has `count` transfers of the person registered (the request reached the drive). */
async function registered(userId: string, count = 1): Promise<void> {
  await vi.waitFor(() => expect(transfersOf(userId).length).toBeGreaterThanOrEqual(count), { timeout: 10_000, interval: 20 });
}

/**
 * A download that has begun (its headers and first bytes are in) and is not read further until `rest` is called: the
 * platform's side of it is held by backpressure, as a slow client's is.
 */
async function startDownload(options: { path: string; authorization: string }) {
  const answer = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const sent = http.request(
      {
        host: base.hostname,
        port: base.port,
        method: 'GET',
        path: options.path,
        headers: { authorization: options.authorization },
        agent: false,
      },
      resolve,
    );
    sent.on('error', reject);
    sent.end();
  });
  expect(answer.statusCode).toBe(200);
  const declared = Number(answer.headers['content-length']);
  const hash = createHash('sha256');
  let received = 0;
  const first = await new Promise<Buffer>((resolve) => answer.once('data', resolve));
  answer.pause();
  hash.update(first);
  received += first.byteLength;
  return {
    declared,
    /** Reads on: 'complete' with every byte (and its SHA-256), or 'cut' when the connection ended first, and when. */
    rest(): Promise<{ outcome: 'complete' | 'cut'; received: number; sha256: string; at: number }> {
      return new Promise((resolve) => {
        let settled = false;
        const settle = (outcome: 'complete' | 'cut') => {
          if (settled) return;
          settled = true;
          resolve({ outcome, received, sha256: hash.digest('hex'), at: performance.now() });
        };
        answer.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          received += chunk.byteLength;
        });
        answer.on('end', () => settle(answer.complete && received === declared ? 'complete' : 'cut'));
        answer.on('error', () => settle('cut'));
        answer.on('close', () => settle(answer.complete && received === declared ? 'complete' : 'cut'));
        answer.resume();
      });
    },
  };
}

/**
 * A request whose body is sent in part and then held: `half` bytes of `declared`, the rest never. Answers how its
 * connection ended (the platform cuts it, or answers).
 */
function startUpload(options: { method: string; path: string; headers: Record<string, string | number>; half: number }) {
  const sent = http.request({
    host: base.hostname,
    port: base.port,
    method: options.method,
    path: options.path,
    headers: options.headers,
    agent: false,
  });
  const ended = new Promise<{ outcome: 'cut' | 'answered'; status?: number; at: number }>((resolve) => {
    sent.on('response', (answer) => {
      answer.resume();
      answer.on('end', () => resolve({ outcome: 'answered', status: answer.statusCode ?? 0, at: performance.now() }));
      answer.on('error', () => resolve({ outcome: 'cut', at: performance.now() }));
    });
    sent.on('error', () => resolve({ outcome: 'cut', at: performance.now() }));
  });
  sent.write(randomBytes(options.half));
  return { ended, abandon: () => sent.destroy() };
}

async function usedBytes(as: string): Promise<number> {
  const answer = await api('GET', `/drives/${SHARED}`, { as });
  expect(answer.status, answer.text).toBe(200);
  return (JSON.parse(answer.text) as { usedBytes: number }).usedBytes;
}

async function storeFolder(name: 'tmp' | 'uploads'): Promise<string[]> {
  return readdir(path.join(fixture.dataDir, 'drives', name)).catch(() => []);
}

beforeAll(async () => {
  fixture = await createPlatformFixture();
  platform = await createPlatformServer({ dataDir: fixture.dataDir, cataloguePath: fixture.cataloguePath, publicUrl: TEST_PUBLIC_URL });
  base = new URL(await platform.listen({ port: 0, host: '127.0.0.1' }));
  const content = randomBytes(BIG_BYTES);
  bigSha256 = createHash('sha256').update(content).digest('hex');
  const put = await request({
    method: 'PUT',
    path: `/dav/${SHARED}/${BIG}`,
    headers: { authorization: await tokenOf(BEN) },
    body: content,
  });
  expect(put.status).toBe(201);
  const versions = await api('GET', `/drives/${SHARED}/versions?path=${BIG}`, { as: BEN });
  bigVersion = (JSON.parse(versions.text) as { versions: Array<{ version: number }> }).versions[0].version;
}, 120_000);

afterAll(async () => {
  await platform?.close();
  await fixture?.cleanup();
});

const davGet = `/dav/${SHARED}/${BIG}`;
const apiGet = (): string => `/api/v1/drives/${SHARED}/versions/${bigVersion}/content?path=${BIG}`;

describe('downloads in flight', () => {
  it("cuts a suspended person's downloads, through the API and WebDAV, within a second; another member's goes on", async () => {
    await idle();
    const incidentId = await openIncident('Bulk download of a drive');
    const adaDav = await startDownload({ path: davGet, authorization: await tokenOf(ADA) });
    const adaApi = await startDownload({ path: apiGet(), authorization: await tokenOf(ADA) });
    const benDav = await startDownload({ path: davGet, authorization: await tokenOf(BEN) });
    await registered(ADA, 2);
    await registered(BEN, 1);

    const suspension = await act({ action: 'suspend_user', userId: ADA, incidentId, reason: 'Bulk download of a drive' });
    expect(suspension.operationsAborted).toBe(2);
    const [dav, viaApi] = await Promise.all([adaDav.rest(), adaApi.rest()]);
    for (const cut of [dav, viaApi]) {
      expect(cut.outcome).toBe('cut');
      expect(cut.received).toBeLessThan(BIG_BYTES);
      expect(cut.at - suspension.at).toBeLessThan(CUT_WITHIN_MS);
    }
    expect(transfersOf(ADA)).toEqual([]);
    // Ben is not suspended: his download is whole, and checks.
    const ben = await benDav.rest();
    expect([ben.outcome, ben.received, ben.sha256]).toEqual(['complete', BIG_BYTES, bigSha256]);

    const aborted = (await auditEvents('operation.aborted')).filter((event) => event.details.incidentId === incidentId);
    expect(aborted.map((event) => event.actor)).toEqual([ADA, ADA]);
    for (const event of aborted) {
      expect(event.details).toMatchObject({ operation: 'transfer', projectId: SHARED, incidentId, because: 'user_suspended' });
    }
    await lift(suspension.id);
    const again = await startDownload({ path: davGet, authorization: await tokenOf(ADA) });
    expect(await again.rest()).toMatchObject({ outcome: 'complete', received: BIG_BYTES, sha256: bigSha256 });
  });

  it("cuts everyone's downloads of a suspended project, through the API and WebDAV, within a second", async () => {
    await idle();
    const incidentId = await openIncident('Project data exposed');
    const adaApi = await startDownload({ path: apiGet(), authorization: await tokenOf(ADA) });
    const benDav = await startDownload({ path: davGet, authorization: await tokenOf(BEN) });
    await registered(ADA);
    await registered(BEN);

    const suspension = await act({ action: 'suspend_project', projectId: SHARED, incidentId, reason: 'Project data exposed' });
    expect(suspension.operationsAborted).toBe(2);
    for (const cut of await Promise.all([adaApi.rest(), benDav.rest()])) {
      expect(cut.outcome).toBe('cut');
      expect(cut.received).toBeLessThan(BIG_BYTES);
      expect(cut.at - suspension.at).toBeLessThan(CUT_WITHIN_MS);
    }
    const aborted = (await auditEvents('operation.aborted')).filter((event) => event.details.incidentId === incidentId);
    expect(aborted.map((event) => event.actor).sort()).toEqual([ADA, BEN]);
    expect(aborted.every((event) => event.details.operation === 'transfer' && event.details.incidentId === incidentId)).toBe(true);
    // The drive is blocked for everyone while the project is suspended.
    const blocked = await request({ method: 'GET', path: davGet, headers: { authorization: await tokenOf(BEN) } });
    expect(blocked.status).toBe(403);
    await lift(suspension.id);
    expect((await request({ method: 'HEAD', path: davGet, headers: { authorization: await tokenOf(BEN) } })).status).toBe(200);
  });
});

describe('downloads in flight, stopped from the host', () => {
  /** `enclave platform <command> …` as the operator runs it beside the server: its own records, no registry of work. */
  async function host(command: IncidentCommand, args: string[]): Promise<string> {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const code = await runIncidentCommand(command, ['--data-dir', fixture.dataDir, ...args], {
      stdin: new PassThrough(),
      stdout,
      stderr: new PassThrough(),
    });
    expect(code, out).toBe(0);
    return out;
  }

  it("cuts a person's download within 2 s of the operator's break-glass suspension (the server applies it)", async () => {
    await idle();
    const download = await startDownload({ path: davGet, authorization: await tokenOf(ADA) });
    await registered(ADA);
    const printed = await host('suspend-user', ['--user', ADA, '--reason', 'Laptop reported stolen']);
    const suspendedAt = performance.now();
    const actionId = /Action (act-[0-9a-f]{20})/.exec(printed)?.[1] ?? '';
    try {
      // Not read on meanwhile (a fast client would have it whole before the server's next look at the records).
      await vi.waitFor(() => expect(transfersOf(ADA)).toEqual([]), { timeout: 2000, interval: 10 });
      const cut = await download.rest();
      expect(cut.outcome).toBe('cut');
      expect(cut.received).toBeLessThan(BIG_BYTES);
      expect(cut.at - suspendedAt).toBeLessThan(2000);
      // The server records the stop once it has cut the transfer.
      await vi.waitFor(
        async () => {
          const aborted = (await auditEvents('operation.aborted')).filter((event) => event.details.restrictionId === actionId);
          expect(aborted).toMatchObject([{ actor: ADA, details: { operation: 'transfer', projectId: SHARED, because: 'user_suspended' } }]);
        },
        { timeout: 5000, interval: 50 },
      );
    } finally {
      await host('lift', ['--action', actionId, '--reason', 'Laptop recovered']);
    }
  });
});

describe('uploads in flight', () => {
  it('cuts a WebDAV PUT of a suspended person within a second and keeps nothing of it', async () => {
    await idle();
    const incidentId = await openIncident('Upload of unexpected files');
    const before = await usedBytes(BEN);
    const upload = startUpload({
      method: 'PUT',
      path: `/dav/${SHARED}/incoming.bin`,
      headers: { authorization: await tokenOf(ADA), 'content-length': 16 * 1024 * 1024 },
      half: 4 * 1024 * 1024,
    });
    await registered(ADA);
    // Its bytes are arriving in a temporary file of the drive store.
    await vi.waitFor(async () => expect((await storeFolder('tmp')).length).toBeGreaterThan(0), { timeout: 5000, interval: 20 });

    const suspension = await act({ action: 'suspend_user', userId: ADA, incidentId, reason: 'Upload of unexpected files' });
    const ended = await upload.ended;
    upload.abandon();
    expect(ended.outcome).toBe('cut');
    expect(ended.at - suspension.at).toBeLessThan(CUT_WITHIN_MS);
    // Nothing was committed: no file, no temporary file, the quota as it was.
    expect(
      (await request({ method: 'HEAD', path: `/dav/${SHARED}/incoming.bin`, headers: { authorization: await tokenOf(BEN) } })).status,
    ).toBe(404);
    await vi.waitFor(async () => expect(await storeFolder('tmp')).toEqual([]), { timeout: 5000, interval: 20 });
    expect(await usedBytes(BEN)).toBe(before);
    const write = (await auditEvents('drive.write')).find((event) => event.actor === ADA && event.details.path === 'incoming.bin');
    expect(write).toMatchObject({ outcome: 'failure', details: { code: 'suspended', projectId: SHARED, via: 'webdav' } });
    const aborted = (await auditEvents('operation.aborted')).filter((event) => event.details.incidentId === incidentId);
    expect(aborted).toMatchObject([{ actor: ADA, details: { operation: 'transfer', projectId: SHARED, because: 'user_suspended' } }]);
    await lift(suspension.id);
  });

  it('cuts a chunk of an upload session when the project is suspended and drops the session: nothing is committed', async () => {
    await idle();
    const incidentId = await openIncident('Upload into a suspended project');
    const before = await usedBytes(BEN);
    const content = randomBytes(8 * 1024 * 1024);
    const started = await api('POST', `/drives/${SHARED}/uploads`, {
      as: ADA,
      body: {
        path: 'session.bin',
        size: content.length,
        sha256: createHash('sha256').update(content).digest('hex'),
        condition: { ifAbsent: true },
      },
    });
    expect(started.status, started.text).toBe(200);
    const { uploadId } = JSON.parse(started.text) as { uploadId: string };
    const upload = startUpload({
      method: 'PUT',
      path: `/api/v1/drives/${SHARED}/uploads/${uploadId}`,
      headers: {
        authorization: await tokenOf(ADA),
        'content-type': 'application/octet-stream',
        'content-length': content.length,
        'content-range': `bytes 0-${content.length - 1}/${content.length}`,
      },
      half: content.length / 2,
    });
    await registered(ADA);

    const suspension = await act({ action: 'suspend_project', projectId: SHARED, incidentId, reason: 'Upload into a suspended project' });
    expect(suspension.operationsAborted).toBe(1);
    const ended = await upload.ended;
    upload.abandon();
    expect(ended.outcome).toBe('cut');
    expect(ended.at - suspension.at).toBeLessThan(CUT_WITHIN_MS);
    await vi.waitFor(async () => expect(await storeFolder('uploads')).toEqual([]), { timeout: 5000, interval: 20 });
    const stopped = (await auditEvents('drive.upload_stopped')).find((event) => event.details.uploadId === uploadId);
    expect(stopped).toMatchObject({
      actor: ADA,
      outcome: 'failure',
      details: { projectId: SHARED, path: 'session.bin', code: 'forbidden' },
    });
    await lift(suspension.id);
    // The session is gone (it cannot be committed), nothing is at its path, and the quota is as it was.
    const status = await api('GET', `/drives/${SHARED}/uploads/${uploadId}`, { as: ADA });
    expect(status.status).toBe(404);
    const commit = await api('POST', `/drives/${SHARED}/uploads/${uploadId}/commit`, { as: ADA });
    expect(commit.status).toBe(404);
    expect(
      (await request({ method: 'HEAD', path: `/dav/${SHARED}/session.bin`, headers: { authorization: await tokenOf(BEN) } })).status,
    ).toBe(404);
    expect(await usedBytes(BEN)).toBe(before);
  });
});

describe('a suspended person over WebDAV', () => {
  const at = (name: string): string => `/dav/${SHARED}/${name}`;
  const xml = { 'content-type': 'application/xml; charset=utf-8' };
  /** Every method that reads or changes a drive, each aimed at something it could act on. */
  const methods = (): Array<{ method: string; path: string; headers?: Record<string, string>; body?: string }> => [
    {
      method: 'PROPFIND',
      path: at(''),
      headers: { ...xml, depth: '1' },
      body: '<?xml version="1.0"?><propfind xmlns="DAV:"><allprop/></propfind>',
    },
    { method: 'GET', path: at(BIG) },
    { method: 'HEAD', path: at(BIG) },
    { method: 'PUT', path: at('refused.txt'), body: 'not kept' },
    { method: 'MKCOL', path: at('refused-folder/') },
    { method: 'MOVE', path: at(BIG), headers: { destination: new URL(at('moved.bin'), base).href } },
    { method: 'COPY', path: at(BIG), headers: { destination: new URL(at('copied.bin'), base).href } },
    { method: 'DELETE', path: at(BIG) },
    {
      method: 'LOCK',
      path: at(BIG),
      headers: { ...xml, timeout: 'Second-600' },
      body: '<?xml version="1.0"?><lockinfo xmlns="DAV:"><lockscope><exclusive/></lockscope><locktype><write/></locktype></lockinfo>',
    },
    { method: 'UNLOCK', path: at(BIG), headers: { 'lock-token': '<urn:uuid:00000000-0000-4000-8000-000000000000>' } },
    {
      method: 'PROPPATCH',
      path: at(BIG),
      headers: xml,
      body: '<?xml version="1.0"?><propertyupdate xmlns="DAV:" xmlns:e="urn:enclave-test"><set><prop><e:note>refused</e:note></prop></set></propertyupdate>',
    },
    { method: 'POST', path: at(BIG), body: 'refused' },
  ];

  async function appPassword(as: string): Promise<string> {
    const made = await api('POST', `/drives/${SHARED}/app-passwords`, { as, body: { label: 'Kill switch test' } });
    expect(made.status, made.text).toBe(200);
    const { appPassword: password, secret } = JSON.parse(made.text) as { appPassword: { username: string }; secret: string };
    return `Basic ${Buffer.from(`${password.username}:${secret}`).toString('base64')}`;
  }

  const propfind = async (authorization: string): Promise<number> =>
    (await request({ ...methods()[0], headers: { ...methods()[0].headers, authorization } })).status;

  it('refuses every method with 403 suspended, with an app password and with a token, and changes nothing', async () => {
    const basic = await appPassword(BEN);
    expect(await propfind(basic)).toBe(207);
    const incidentId = await openIncident('Drive misuse');
    const suspension = await act({ action: 'suspend_user', userId: BEN, incidentId, reason: 'Drive misuse' });
    const bearer = await tokenOf(BEN);

    for (const authorization of [basic, bearer]) {
      for (const call of methods()) {
        const answer = await request({ ...call, headers: { ...call.headers, authorization } });
        const scheme = authorization.split(' ')[0];
        expect(answer.status, `${call.method} with ${scheme}`).toBe(403);
        if (call.method !== 'HEAD') {
          expect((JSON.parse(answer.text) as { error: { code: string } }).error.code, `${call.method} with ${scheme}`).toBe('suspended');
        }
      }
    }
    // OPTIONS reads nothing and is answered to anyone without credentials (clients ask it before signing in): the
    // suspended person's credentials are not even looked at, and they learn no more than a stranger.
    const anonymous = await request({ method: 'OPTIONS', path: at('') });
    for (const authorization of [basic, bearer]) {
      const options = await request({ method: 'OPTIONS', path: at(''), headers: { authorization } });
      expect([options.status, options.headers.dav, options.headers.allow, options.text]).toEqual([
        anonymous.status,
        anonymous.headers.dav,
        anonymous.headers.allow,
        anonymous.text,
      ]);
    }

    // Nothing was changed: the file is where it was, with its content; nothing was made, moved, copied or locked.
    const ada = await tokenOf(ADA);
    const still = await startDownload({ path: at(BIG), authorization: ada });
    expect(await still.rest()).toMatchObject({ outcome: 'complete', sha256: bigSha256 });
    for (const name of ['refused.txt', 'refused-folder/', 'moved.bin', 'copied.bin']) {
      expect((await request({ method: 'HEAD', path: at(name), headers: { authorization: ada } })).status, name).toBe(404);
    }
    const put = await request({ method: 'PUT', path: at(BIG), headers: { authorization: ada }, body: 'Ada can still write' });
    expect(put.status).toBe(204);
    // The attempts are on record as a suspended person's (the security review's "attempts by suspended accounts").
    const refused = (await auditEvents('access.refused')).filter((event) => event.actor === BEN);
    expect(refused.some((event) => event.details.route === 'drive.dav' && typeof event.details.appPasswordId === 'string')).toBe(true);
    expect(refused.every((event) => event.details.code === 'suspended')).toBe(true);

    // Lifted: exactly the access before, from a new sign-in. The app password made before the suspension was ended
    // with the person's sign-ins (as their tokens were) and stays refused; a new one works.
    await lift(suspension.id);
    expect(await propfind(basic)).toBe(401);
    expect(await propfind(await tokenOf(BEN))).toBe(207);
    // The end of sign-ins is recorded to the second, so a password made in that second would be ended too.
    const nextSecond = suspension.wallClock - (suspension.wallClock % 1000) + 1000 - Date.now();
    if (nextSecond > 0) await new Promise((resolve) => setTimeout(resolve, nextSecond));
    expect(await propfind(await appPassword(BEN))).toBe(207);
  });
});
