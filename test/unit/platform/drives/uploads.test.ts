// Resumable uploads (issue 17): a session and its bytes survive a platform restart (its offset is the bytes on disk),
// a chunk at the wrong offset is refused with the session, the commit checks the SHA-256 (a damaged file is refused and
// the session dropped) and the write condition again, and an expired session goes with its bytes.
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UploadOffsetMismatch } from '../../../../src/platform/drives/uploads.ts';
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
