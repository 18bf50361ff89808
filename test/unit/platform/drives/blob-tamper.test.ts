// A blob whose bytes were swapped on the platform's disk (by someone who can write its files but not its keys): a
// whole read of the file, or of a kept version, fails instead of serving them under the old strong ETag, before the
// last of them is sent, and the mismatch is on record as `drive.blob_damaged`. Ranges are served as read (a range
// cannot be checked against the whole content's SHA-256).
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BLOB_DAMAGED_MESSAGE } from '../../../../src/platform/drives/verified-read.ts';
import { callerOf, createDriveHarness, put, readAll, refusalOf, sha256, PROJECT, type DriveHarness } from './support.ts';

let h: DriveHarness;
beforeEach(async () => {
  h = await createDriveHarness();
});
afterEach(async () => {
  await h.close();
});

const bob = callerOf('bob');

async function swapBytes(hash: string, bytes: Buffer | string): Promise<void> {
  const file = path.join(h.root, 'blobs', hash.slice(0, 2), hash);
  await chmod(file, 0o600);
  await writeFile(file, bytes);
}

/** Every chunk a stream gave before it ended or failed, and how it ended. */
async function drain(stream: AsyncIterable<Buffer>): Promise<{ received: Buffer; failure: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
    return { received: Buffer.concat(chunks), failure: null };
  } catch (err) {
    return { received: Buffer.concat(chunks), failure: err };
  }
}

describe('a whole read of swapped bytes', () => {
  it('fails without sending the last of them, and is on record as drive.blob_damaged', async () => {
    const entry = await put(h.service, { who: 'ada', path: 'results.csv', content: 'count\n12\n' });
    await swapBytes(entry.sha256 ?? '', 'count\n99\n');
    const opened = await h.service.read(bob, PROJECT, 'results.csv');
    const { received, failure } = await drain(opened.stream as AsyncIterable<Buffer>);
    expect(received.toString()).not.toContain('99');
    expect(failure).toMatchObject({ code: 'internal', message: BLOB_DAMAGED_MESSAGE('results.csv') });
    const damaged = await h.events('drive.blob_damaged');
    expect(damaged).toHaveLength(1);
    expect(damaged[0]).toMatchObject({ actor: 'bob', outcome: 'failure' });
    expect(damaged[0].parsed).toMatchObject({
      projectId: PROJECT,
      path: 'results.csv',
      version: 1,
      sha256: entry.sha256,
      bytes: 9,
      foundBytes: 9,
      foundSha256: sha256('count\n99\n'),
    });
  });

  it('checks a large content chunk by chunk, sending all but the last chunk before the end', async () => {
    const content = Buffer.alloc(300 * 1024, 7);
    const entry = await put(h.service, { who: 'ada', path: 'big.bin', content });
    expect(await readAll(h.service, 'bob', 'big.bin')).toEqual(content);
    const swapped = Buffer.from(content);
    swapped[swapped.length - 1] = 8;
    await swapBytes(entry.sha256 ?? '', swapped);
    const { received, failure } = await drain((await h.service.read(bob, PROJECT, 'big.bin')).stream as AsyncIterable<Buffer>);
    expect(failure).toMatchObject({ code: 'internal' });
    expect(received.length).toBeLessThan(content.length);
    expect(received.includes(8)).toBe(false);
    expect(await h.events('drive.blob_damaged')).toHaveLength(1);
  });

  it('fails on bytes longer or shorter than the content', async () => {
    const entry = await put(h.service, { who: 'ada', path: 'a.txt', content: 'abc' });
    for (const bytes of ['abcd', 'ab', '']) {
      await swapBytes(entry.sha256 ?? '', bytes);
      const { failure } = await drain((await h.service.read(bob, PROJECT, 'a.txt')).stream as AsyncIterable<Buffer>);
      expect([bytes, failure]).toMatchObject([bytes, { code: 'internal' }]);
    }
    expect((await h.events('drive.blob_damaged')).map((event) => event.parsed.foundBytes)).toEqual([4, 2, 0]);
  });

  it('fails a kept version’s read too', async () => {
    const first = await put(h.service, { who: 'ada', path: 'v.txt', content: 'one' });
    await put(h.service, { who: 'ada', path: 'v.txt', content: 'two' });
    await swapBytes(first.sha256 ?? '', 'uno');
    const opened = await h.service.readVersion(bob, PROJECT, 'v.txt', 1);
    const { received, failure } = await drain(opened.stream as AsyncIterable<Buffer>);
    expect(received.length).toBe(0);
    expect(failure).toMatchObject({ code: 'internal' });
    expect((await h.events('drive.blob_damaged'))[0].parsed).toMatchObject({ path: 'v.txt', version: 1, sha256: first.sha256 });
  });

  it('serves a range as read (it cannot be checked), and an untouched file whole', async () => {
    const entry = await put(h.service, { who: 'ada', path: 'r.txt', content: '0123456789' });
    await put(h.service, { who: 'ada', path: 'ok.txt', content: 'fine' });
    await swapBytes(entry.sha256 ?? '', '01234X6789');
    const ranged = await h.service.read(bob, PROJECT, 'r.txt', { start: 4, end: 6 });
    expect((await drain(ranged.stream as AsyncIterable<Buffer>)).received.toString()).toBe('4X6');
    expect((await readAll(h.service, 'bob', 'ok.txt')).toString()).toBe('fine');
    expect(await h.events('drive.blob_damaged')).toEqual([]);
    expect((await refusalOf(readAll(h.service, 'bob', 'r.txt'))).code).toBe('internal');
  });
});
