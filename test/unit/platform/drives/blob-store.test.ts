// The drive store on disk (issue 17): blobs named by their SHA-256, files 0600 in folders 0700, nothing opened through a
// symbolic link that someone who can write the platform's files planted (a blob replaced by a link to a secret, the
// blobs' folder replaced by a link elsewhere), and a partial upload cut back when a chunk does not arrive whole.
import { chmod, mkdir, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileBlobStore } from '../../../../src/platform/drives/blob-store.ts';
import { callerOf, createDriveHarness, put, readAll, refusalOf, sha256, PROJECT, type DriveHarness } from './support.ts';

let h: DriveHarness;
beforeEach(async () => {
  h = await createDriveHarness();
});
afterEach(async () => {
  await h.close();
});

async function modes(dir: string): Promise<Array<{ name: string; mode: number; folder: boolean }>> {
  const found: Array<{ name: string; mode: number; folder: boolean }> = [];
  for (const name of await readdir(dir)) {
    const full = path.join(dir, name);
    const info = await stat(full);
    found.push({ name: path.relative(h.root, full), mode: info.mode & 0o777, folder: info.isDirectory() });
    if (info.isDirectory()) found.push(...(await modes(full)));
  }
  return found;
}

describe('the drive store on disk', () => {
  it('keeps files 0600 in folders 0700, named by their content', async () => {
    await put(h.service, { who: 'ada', path: 'a.txt', content: 'private' });
    await h.service.startUpload(callerOf('ada'), PROJECT, { path: 'b.bin', size: 3, sha256: sha256('abc'), condition: { ifAbsent: true } });
    const all = await modes(h.root);
    expect(all.length).toBeGreaterThan(3);
    for (const entry of all)
      expect({ name: entry.name, mode: entry.mode }).toEqual({ name: entry.name, mode: entry.folder ? 0o700 : 0o600 });
    expect(all.map((entry) => entry.name)).toContain(path.join('blobs', sha256('private').slice(0, 2), sha256('private')));
    expect((await stat(h.root)).mode & 0o777).toBe(0o700);
  });

  it('tightens a folder of its own that others could enter', async () => {
    await put(h.service, { who: 'ada', path: 'a.txt', content: 'x' });
    const folder = path.join(h.root, 'blobs', sha256('x').slice(0, 2));
    await chmod(folder, 0o755);
    await put(h.service, { who: 'ada', path: 'b.txt', content: 'x' });
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
  });

  it('does not follow a blob replaced by a symbolic link to a secret', async () => {
    await put(h.service, { who: 'ada', path: 'a.txt', content: 'the real content' });
    const secret = path.join(h.dataDir, 'secret.txt');
    await writeFile(secret, 'SECRET KEY MATERIAL');
    const blob = path.join(h.root, 'blobs', sha256('the real content').slice(0, 2), sha256('the real content'));
    await rm(blob);
    await symlink(secret, blob);
    const refusal = await refusalOf(readAll(h.service, 'ada', 'a.txt'));
    expect(refusal.code).toBe('internal');
    expect(refusal.message).not.toContain('SECRET');
  });

  it('does not follow the blobs folder replaced by a symbolic link elsewhere', async () => {
    await put(h.service, { who: 'ada', path: 'a.txt', content: 'inside' });
    const prefix = path.join(h.root, 'blobs', sha256('inside').slice(0, 2));
    const elsewhere = path.join(h.dataDir, 'elsewhere');
    await rename(prefix, elsewhere);
    await symlink(elsewhere, prefix);
    expect((await refusalOf(readAll(h.service, 'ada', 'a.txt'))).code).toBe('internal');
    // Nor writes through it.
    expect((await refusalOf(put(h.service, { who: 'ada', path: 'b.txt', content: 'inside' }))).code).toBe('internal');
    expect(await readdir(elsewhere)).toEqual([sha256('inside')]);
  });

  it('cuts a partial upload back to its offset when a chunk arrives short or long', async () => {
    const blobs = createFileBlobStore(path.join(h.dataDir, 'other-store'));
    const uploadId = `up-${'1'.repeat(24)}`;
    await blobs.createUpload(uploadId);
    expect(await blobs.appendUpload(uploadId, { offset: 0, body: Readable.from([Buffer.from('abcd')]), length: 4 })).toBe(4);
    await expect(blobs.appendUpload(uploadId, { offset: 4, body: Readable.from([Buffer.from('ef')]), length: 4 })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    expect(await blobs.uploadLength(uploadId)).toBe(4);
    await expect(
      blobs.appendUpload(uploadId, { offset: 4, body: Readable.from([Buffer.from('efghij')]), length: 4 }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
    });
    expect(await blobs.uploadLength(uploadId)).toBe(4);
    await expect(blobs.appendUpload(uploadId, { offset: 2, body: Readable.from([Buffer.from('xx')]), length: 2 })).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(await blobs.hashUpload(uploadId)).toEqual({ sha256: sha256('abcd'), size: 4 });
  });

  it('refuses an upload file that is a symbolic link', async () => {
    const blobs = createFileBlobStore(path.join(h.dataDir, 'other-store'));
    const uploadId = `up-${'2'.repeat(24)}`;
    await mkdir(path.join(h.dataDir, 'other-store', 'uploads'), { recursive: true, mode: 0o700 });
    await writeFile(path.join(h.dataDir, 'target'), 'outside');
    await symlink(path.join(h.dataDir, 'target'), path.join(h.dataDir, 'other-store', 'uploads', uploadId));
    await expect(blobs.appendUpload(uploadId, { offset: 7, body: Readable.from([Buffer.from('!')]), length: 1 })).rejects.toMatchObject({
      code: 'internal',
    });
    await expect(blobs.hashUpload(uploadId)).rejects.toMatchObject({ code: 'internal' });
  });
});
