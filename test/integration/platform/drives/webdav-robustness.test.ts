// The WebDAV mount keeps answering whatever a client sends: a compressed body (which nephele would inflate through a
// pipeline whose failure throws outside any handler and ends the process) is refused with 415 on every method before
// anything reads it; a client that goes away midway through a PUT, and a PUT of unknown length refused for the quota
// as its bytes arrive, end that request only; so does a GET of a blob whose bytes were swapped on the platform's disk. Each runs against a real listening platform in this process: an
// exception that escaped every handler is recorded here (and would fail the run), and the server must answer after.
import { createHash } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlatformDrives } from '../../../../src/cli/platform-drives.ts';
import { createPlatformServer, type PlatformServer } from '../../../../src/platform/server.ts';
import { bearerFor, createPlatformFixture, TEST_PUBLIC_URL, type PlatformFixture } from '../fixture.ts';

/** Ada (demo-analyst) is a member of both; covid-outcomes' drive gets a small quota for the quota test. */
const SHARED = 'cardio-admissions';
const SMALL = 'covid-outcomes';

let fixture: PlatformFixture;
let platform: PlatformServer;
let base: URL;
let ada: Record<string, string>;
const escaped: unknown[] = [];
const onEscaped = (err: unknown) => escaped.push(err);

interface Answer {
  readonly status: number;
  readonly text: string;
}

function dav(options: {
  method: string;
  path: string;
  headers?: Record<string, string | number>;
  body?: Buffer | string;
}): Promise<Answer> {
  const headers: Record<string, string | number> = { ...ada, ...(options.headers ?? {}) };
  if (options.body !== undefined && headers['content-length'] === undefined) headers['content-length'] = Buffer.byteLength(options.body);
  return new Promise((resolve, reject) => {
    const sent = http.request(
      { host: base.hostname, port: base.port, method: options.method, path: options.path, headers, agent: false },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => resolve({ status: answer.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    sent.on('error', reject);
    sent.end(options.body);
  });
}

/** The platform still serves: a plain PUT and GET round trip through the same mount. */
async function stillAnswers(): Promise<void> {
  const stamp = `alive ${Date.now()}`;
  expect([201, 204]).toContain((await dav({ method: 'PUT', path: `/dav/${SHARED}/alive.txt`, body: stamp })).status);
  expect(await dav({ method: 'GET', path: `/dav/${SHARED}/alive.txt` })).toEqual({ status: 200, text: stamp });
}

/** Lets anything thrown in a later tick (a stream's callback) surface before the checks. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

beforeAll(async () => {
  fixture = await createPlatformFixture();
  platform = await createPlatformServer({ dataDir: fixture.dataDir, cataloguePath: fixture.cataloguePath, publicUrl: TEST_PUBLIC_URL });
  base = new URL(await platform.listen({ port: 0, host: '127.0.0.1' }));
  ada = await bearerFor(fixture.dataDir, 'demo-analyst');
  process.prependListener('uncaughtException', onEscaped);
}, 120_000);

afterAll(async () => {
  process.removeListener('uncaughtException', onEscaped);
  await platform?.close();
  await fixture?.cleanup();
});

describe('compressed bodies', () => {
  const encodings: Array<[string, (body: Buffer) => Buffer]> = [
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
    ['GZIP', gzipSync],
    ['gzip, identity', gzipSync],
  ];

  it.each(encodings)(
    'refuses a PUT sent with Content-Encoding %s (valid or not) with 415, writes nothing, and keeps answering',
    async (encoding, compress) => {
      for (const body of [compress(Buffer.from('region,admissions\nNorth West,12\n')), Buffer.from('not compressed at all')]) {
        const answer = await dav({ method: 'PUT', path: `/dav/${SHARED}/packed.csv`, headers: { 'content-encoding': encoding }, body });
        expect(answer.status).toBe(415);
        expect(answer.text).toMatch(/must not be compressed \(Content-Encoding\); nothing was done/);
      }
      await settle();
      expect(escaped).toEqual([]);
      expect((await dav({ method: 'HEAD', path: `/dav/${SHARED}/packed.csv` })).status).toBe(404);
      await stillAnswers();
    },
  );

  it('refuses a compressed body on the other methods too', async () => {
    const body = gzipSync('<?xml version="1.0"?><propfind xmlns="DAV:"><allprop/></propfind>');
    for (const method of ['PROPFIND', 'PROPPATCH', 'LOCK', 'MKCOL', 'POST']) {
      const answer = await dav({ method, path: `/dav/${SHARED}/`, headers: { 'content-encoding': 'gzip', depth: '1' }, body });
      expect([method, answer.status]).toEqual([method, 415]);
    }
    await settle();
    expect(escaped).toEqual([]);
    await stillAnswers();
  });

  it('still takes a body that says it is not compressed (identity)', async () => {
    const answer = await dav({
      method: 'PUT',
      path: `/dav/${SHARED}/plain.csv`,
      headers: { 'content-encoding': 'identity' },
      body: 'a,b\n',
    });
    expect(answer.status).toBe(201);
    expect(await dav({ method: 'GET', path: `/dav/${SHARED}/plain.csv` })).toEqual({ status: 200, text: 'a,b\n' });
  });
});

describe('PUTs that end early', () => {
  it('survives clients that go away midway through a body, of a declared length or chunked', async () => {
    for (const headers of [{ 'content-length': 1_000_000 }, { 'transfer-encoding': 'chunked' }]) {
      await new Promise<void>((resolve) => {
        const sent = http.request({
          host: base.hostname,
          port: base.port,
          method: 'PUT',
          path: `/dav/${SHARED}/gone.bin`,
          headers: { ...ada, ...headers },
          agent: false,
        });
        sent.on('error', () => resolve());
        sent.on('close', () => resolve());
        sent.write(Buffer.alloc(200_000, 120), () => setTimeout(() => sent.destroy(), 50));
      });
    }
    await settle();
    expect(escaped).toEqual([]);
    expect((await dav({ method: 'HEAD', path: `/dav/${SHARED}/gone.bin` })).status).toBe(404);
    await stillAnswers();
  });

  it('refuses a chunked PUT that goes past the quota as it arrives, keeps nothing, and keeps answering', async () => {
    // The drive exists once a member has looked at it; then the operator makes its quota about 105 KiB.
    expect((await dav({ method: 'PROPFIND', path: `/dav/${SMALL}/`, headers: { depth: '0' } })).status).toBe(207);
    const out = new PassThrough().resume();
    const code = await runPlatformDrives(
      ['set', '--data-dir', fixture.dataDir, '--project', SMALL, '--quota-gib', '0.0001', '--reason', 'A small drive for the test.'],
      { stdin: new PassThrough(), stdout: out, stderr: out },
    );
    expect(code).toBe(0);
    const outcome = await new Promise<{ status: number; text: string } | 'cut'>((resolve) => {
      const sent = http.request(
        {
          host: base.hostname,
          port: base.port,
          method: 'PUT',
          path: `/dav/${SMALL}/too-big.bin`,
          headers: { ...ada, 'transfer-encoding': 'chunked' },
          agent: false,
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => resolve({ status: answer.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          answer.on('error', () => resolve('cut'));
        },
      );
      sent.on('error', () => resolve('cut'));
      // 400 KB in 16 KB pieces, as a client that does not know the length would send them.
      let left = 25;
      const more = () => {
        if (left-- === 0) {
          sent.end();
          return;
        }
        if (!sent.destroyed) sent.write(Buffer.alloc(16_000, 121), () => setTimeout(more, 5));
      };
      more();
    });
    // The refusal reaches the client before the connection is closed on the rest of its body.
    expect(outcome).toEqual({ status: 507, text: expect.stringMatching(/"Not enough space in the drive:/) });
    await settle();
    expect(escaped).toEqual([]);
    expect((await dav({ method: 'HEAD', path: `/dav/${SMALL}/too-big.bin` })).status).toBe(404);
    await stillAnswers();
  });
});

describe('a blob whose bytes were swapped on the platform', () => {
  it('cuts a GET short before its last bytes, records it, and keeps answering', async () => {
    const saved = 'count\n12\n';
    expect((await dav({ method: 'PUT', path: `/dav/${SHARED}/tampered.csv`, body: saved })).status).toBe(201);
    const hash = createHash('sha256').update(saved).digest('hex');
    const blob = path.join(fixture.dataDir, 'drives', 'blobs', hash.slice(0, 2), hash);
    await chmod(blob, 0o600);
    await writeFile(blob, 'count\n99\n');
    const outcome = await new Promise<{ status: number; received: string; complete: boolean }>((resolve) => {
      const sent = http.request(
        { host: base.hostname, port: base.port, method: 'GET', path: `/dav/${SHARED}/tampered.csv`, headers: ada, agent: false },
        (answer) => {
          let received = '';
          answer.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
          answer.on('end', () => resolve({ status: answer.statusCode ?? 0, received, complete: answer.complete }));
          answer.on('error', () => resolve({ status: answer.statusCode ?? 0, received, complete: false }));
        },
      );
      sent.on('error', () => resolve({ status: 0, received: '', complete: false }));
      sent.end();
    });
    // Either refused before the headers, or cut short after them: never the swapped bytes as a whole answer.
    expect(outcome.received).not.toContain('99');
    expect(outcome.status === 200 && outcome.complete).toBe(false);
    await settle();
    expect(escaped).toEqual([]);
    await stillAnswers();
  });
});
