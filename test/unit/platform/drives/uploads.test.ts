// Resumable uploads (issue 17): a session and its bytes survive a platform restart (its offset is the bytes on disk),
// a chunk at the wrong offset is refused with the session, the commit checks the SHA-256 (a damaged file is refused and
// the session dropped) and the write condition again, and an expired session goes with its bytes.
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OPEN_UPLOADS_PER_PERSON, UploadOffsetMismatch } from '../../../../src/platform/drives/uploads.ts';
import { callerOf, createDriveHarness, put, readAll, refusalOf, sha256, PROJECT, type DriveHarness } from './support.ts';

let h: DriveHarness;
beforeEach(async () => {
  h = await createDriveHarness();
});
afterEach(async () => {
  await h.close();
});

const ada = callerOf('ada');
const chunk = (text: string) => Readable.from([Buffer.from(text)]);

describe('an upload session', () => {
  it('survives a restart of the platform and goes on from the bytes on disk', async () => {
    const content = 'hello, drive: twenty-nine bytes';
    const session = await h.service.startUpload(ada, PROJECT, {
      path: 'resumed.txt',
      size: content.length,
      sha256: sha256(content),
      condition: { ifAbsent: true },
    });
    await h.service.uploadChunk(ada, PROJECT, session.uploadId, 0, chunk(content.slice(0, 10)), 10);
    await h.reopen();
    const status = await h.service.uploadStatus(ada, PROJECT, session.uploadId);
    expect(status).toMatchObject({ uploadId: session.uploadId, offset: 10, size: content.length, path: 'resumed.txt' });
    await h.service.uploadChunk(ada, PROJECT, session.uploadId, 10, chunk(content.slice(10)), content.length - 10);
    const entry = await h.service.commitUpload(ada, PROJECT, session.uploadId);
    expect(entry).toMatchObject({ path: 'resumed.txt', version: 1, sha256: sha256(content) });
    expect(await readAll(h.service, 'ada', 'resumed.txt')).toEqual(Buffer.from(content));
    expect(await h.files('uploads')).toEqual([]);
    expect((await refusalOf(h.service.uploadStatus(ada, PROJECT, session.uploadId))).code).toBe('not_found');
  });

  it('refuses a chunk at another offset with the session, whose offset says where to go on', async () => {
    const session = await h.service.startUpload(ada, PROJECT, {
      path: 'x.bin',
      size: 8,
      sha256: sha256('abcdefgh'),
      condition: { any: true },
    });
    await h.service.uploadChunk(ada, PROJECT, session.uploadId, 0, chunk('abcd'), 4);
    const refusal = await refusalOf(h.service.uploadChunk(ada, PROJECT, session.uploadId, 0, chunk('abcd'), 4));
    expect(refusal).toBeInstanceOf(UploadOffsetMismatch);
    expect((refusal as UploadOffsetMismatch).session).toMatchObject({ offset: 4, size: 8 });
    expect((await refusalOf(h.service.uploadChunk(ada, PROJECT, session.uploadId, 4, chunk('efghi'), 5))).code).toBe('invalid_input');
  });

  it('refuses to commit bytes whose SHA-256 is not the one declared, and drops the session', async () => {
    const session = await h.service.startUpload(ada, PROJECT, { path: 'd.txt', size: 4, sha256: sha256('good'), condition: { any: true } });
    await h.service.uploadChunk(ada, PROJECT, session.uploadId, 0, chunk('goad'), 4);
    const refusal = await refusalOf(h.service.commitUpload(ada, PROJECT, session.uploadId));
    expect(refusal).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('arrived damaged') });
    expect((await refusalOf(h.service.uploadStatus(ada, PROJECT, session.uploadId))).code).toBe('not_found');
    expect(await h.files('uploads')).toEqual([]);
    expect(await h.files('blobs')).toEqual([]);
    expect((await refusalOf(h.service.entry(ada, PROJECT, 'd.txt'))).code).toBe('not_found');
  });

  it('refuses a commit before every byte arrived', async () => {
    const session = await h.service.startUpload(ada, PROJECT, { path: 'e.txt', size: 4, sha256: sha256('full'), condition: { any: true } });
    await h.service.uploadChunk(ada, PROJECT, session.uploadId, 0, chunk('fu'), 2);
    expect((await refusalOf(h.service.commitUpload(ada, PROJECT, session.uploadId))).message).toContain('Only 2 of 4 bytes');
  });

  it('checks the condition again at the commit: the file changed meanwhile, nothing is written', async () => {
    const v1 = await put(h.service, { who: 'ada', path: 'c.txt', content: 'one' });
    const session = await h.service.startUpload(ada, PROJECT, {
      path: 'c.txt',
      size: 3,
      sha256: sha256('two'),
      condition: { ifMatch: v1.etag ?? '' },
    });
    await h.service.uploadChunk(ada, PROJECT, session.uploadId, 0, chunk('two'), 3);
    await put(h.service, { who: 'bob', path: 'c.txt', content: 'bob' });
    const refusal = await refusalOf(h.service.commitUpload(ada, PROJECT, session.uploadId));
    expect(refusal.code).toBe('conflict');
    expect(await readAll(h.service, 'ada', 'c.txt')).toEqual(Buffer.from('bob'));
    expect(await h.files('blobs')).toHaveLength(2);
  });

  it('is another person’s to use only: theirs is not found', async () => {
    const session = await h.service.startUpload(ada, PROJECT, { path: 'f.txt', size: 1, sha256: sha256('f'), condition: { any: true } });
    expect((await refusalOf(h.service.uploadStatus(callerOf('bob'), PROJECT, session.uploadId))).code).toBe('not_found');
    expect((await refusalOf(h.service.uploadChunk(callerOf('bob'), PROJECT, session.uploadId, 0, chunk('f'), 1))).code).toBe('not_found');
  });

  it('expires a day after its last chunk, with its bytes', async () => {
    const session = await h.service.startUpload(ada, PROJECT, { path: 'g.txt', size: 2, sha256: sha256('gg'), condition: { any: true } });
    await h.service.uploadChunk(ada, PROJECT, session.uploadId, 0, chunk('g'), 1);
    h.advance(23 * 3600 * 1000);
    expect((await h.service.uploadStatus(ada, PROJECT, session.uploadId)).offset).toBe(1);
    h.advance(2 * 3600 * 1000);
    expect((await h.service.sweep()).uploadsExpired).toBe(1);
    expect(await h.files('uploads')).toEqual([]);
    expect((await refusalOf(h.service.uploadStatus(ada, PROJECT, session.uploadId))).code).toBe('not_found');
  });

  it('commits an empty file with no chunk at all', async () => {
    const session = await h.service.startUpload(ada, PROJECT, {
      path: 'empty.txt',
      size: 0,
      sha256: sha256(''),
      condition: { ifAbsent: true },
    });
    expect(await h.service.commitUpload(ada, PROJECT, session.uploadId)).toMatchObject({ size: 0, sha256: sha256('') });
    expect(await readAll(h.service, 'ada', 'empty.txt')).toEqual(Buffer.alloc(0));
  });
});

describe('unfinished uploads and the quota', () => {
  // A drive of 1,000 bytes, on a harness of its own.
  let small: DriveHarness;
  beforeEach(async () => {
    small = await createDriveHarness({ quotaBytes: 1000 });
  });
  afterEach(async () => {
    await small.close();
  });
  const start = (path: string, content: Buffer, who = ada) =>
    small.service.startUpload(who, PROJECT, { path, size: content.length, sha256: sha256(content), condition: { any: true } });

  it('counts the declared size of every open session, anyone’s, until it is committed or expires', async () => {
    const first = Buffer.alloc(600, 1);
    const session = await start('first.bin', first);
    const second = await refusalOf(start('second.bin', Buffer.alloc(600, 2), callerOf('bob')));
    expect(second.code).toBe('insufficient_storage');
    expect(second.message).toMatch(
      /^Not enough space in the drive: 600 bytes used \(600 bytes of it held by uploads not finished yet\), 600 bytes needed, limit 1,000 bytes\./,
    );
    expect((await refusalOf(put(small.service, { who: 'bob', path: 'direct.bin', content: Buffer.alloc(401, 3) }))).code).toBe(
      'insufficient_storage',
    );
    expect((await small.files('uploads')).length).toBe(1);
    // What is left beside the session can still be written, and the session still commits (its own bytes held once).
    await put(small.service, { who: 'bob', path: 'direct.bin', content: Buffer.alloc(400, 3) });
    await small.service.uploadChunk(ada, PROJECT, session.uploadId, 0, Readable.from([first]), first.length);
    expect((await small.service.commitUpload(ada, PROJECT, session.uploadId)).size).toBe(600);
    expect((await small.service.info(ada, PROJECT)).usedBytes).toBe(1000);
  });

  it('lets an expired session hold nothing', async () => {
    await start('parked.bin', Buffer.alloc(900, 1));
    expect((await refusalOf(start('next.bin', Buffer.alloc(200, 2)))).code).toBe('insufficient_storage');
    small.advance(25 * 3600 * 1000);
    await start('next.bin', Buffer.alloc(200, 2));
  });

  it('counts a PUT’s declared length while its body is still arriving', async () => {
    const body = new PassThrough();
    const streaming = small.service.write(ada, PROJECT, 'slow.bin', body, 600, { any: true });
    body.write(Buffer.alloc(100, 1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const meanwhile = await refusalOf(start('other.bin', Buffer.alloc(600, 2)));
    expect(meanwhile.message).toContain('600 bytes of it held by uploads not finished yet');
    body.end(Buffer.alloc(500, 1));
    expect((await streaming).size).toBe(600);
    // Once it is kept, it counts as kept bytes (once): 400 more fit.
    await start('other.bin', Buffer.alloc(400, 2));
    expect((await refusalOf(start('third.bin', Buffer.alloc(1, 2)))).code).toBe('insufficient_storage');
  });

  it(`caps one person’s open sessions in a drive at ${OPEN_UPLOADS_PER_PERSON}`, async () => {
    for (let i = 0; i < OPEN_UPLOADS_PER_PERSON; i += 1) await start(`f${i}.bin`, Buffer.alloc(1, i));
    const refusal = await refusalOf(start('one-more.bin', Buffer.alloc(1, 0)));
    expect(refusal.code).toBe('rate_limited');
    expect(refusal.message).toContain(`You have ${OPEN_UPLOADS_PER_PERSON} unfinished uploads in this drive`);
    await start('bobs.bin', Buffer.alloc(1, 0), callerOf('bob'));
  });
});
