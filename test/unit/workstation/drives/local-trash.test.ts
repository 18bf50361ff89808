// The local trash (issue 17): a file deleted here because it went on the drive is moved out of the synced folder into
// a private folder beside the journal, under its own path, and kept for a while and within a size; never unlinked.
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../../../src/workstation/drives/local-fs.ts';
import { LOCAL_TRASH_DAYS, localTrashDir, moveToLocalTrash, purgeLocalTrash } from '../../../../src/workstation/drives/local-trash.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const AT = Date.parse('2026-12-03T10:15:00.123Z');

let dir: string;
let root: string;
let trashDir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'enclave-trash-'));
  root = path.join(dir, 'drive');
  trashDir = localTrashDir(path.join(dir, 'state'));
  await mkdir(path.join(root, 'data'), { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function trashed(content: string, at: number, disk = 'data/results.csv'): Promise<string> {
  const file = path.join(root, ...disk.split('/'));
  await writeFile(file, content);
  const info = await lstat(file, { bigint: true });
  return moveToLocalTrash({ root, trashDir, disk, fingerprint: fingerprintOf(info), at });
}

describe('moveToLocalTrash', () => {
  it('moves the file out of the synced folder, under its path, into private folders named by the time', async () => {
    const kept = await trashed('a day of work', AT);
    expect(await readdir(path.join(root, 'data'))).toEqual([]);
    expect(await readFile(kept, 'utf8')).toBe('a day of work');
    expect(path.relative(trashDir, kept)).toMatch(/^2026-12-03T101500123Z-[0-9a-f]{8}\/data\/results\.csv$/);
    if (process.platform !== 'win32') {
      expect((await lstat(trashDir)).mode & 0o777).toBe(0o700);
      expect((await lstat(path.dirname(kept))).mode & 0o777).toBe(0o700);
      expect((await lstat(kept)).mode & 0o777).toBe(0o600);
    }
  });
});

describe('purgeLocalTrash', () => {
  it(`forgets deletions older than ${LOCAL_TRASH_DAYS} days, then the oldest while over the size, and nothing else`, async () => {
    const old = await trashed('old', AT - (LOCAL_TRASH_DAYS + 1) * DAY_MS);
    const middle = await trashed('middle!', AT - 2 * DAY_MS);
    const recent = await trashed('recent', AT - DAY_MS);
    await writeFile(path.join(trashDir, 'not-ours.txt'), 'a file someone put here');
    await purgeLocalTrash({ trashDir, now: AT, maxBytes: 10 });
    const left = (await readdir(trashDir)).sort();
    expect(left).toEqual([path.relative(trashDir, recent).split(path.sep)[0], 'not-ours.txt'].sort());
    expect(left).not.toContain(path.relative(trashDir, old).split(path.sep)[0]);
    expect(left).not.toContain(path.relative(trashDir, middle).split(path.sep)[0]);
    await purgeLocalTrash({ trashDir, now: AT });
    expect(await readFile(recent, 'utf8')).toBe('recent');
  });

  it('has nothing to do when there is no trash yet', async () => {
    await expect(purgeLocalTrash({ trashDir, now: AT })).resolves.toBeUndefined();
  });
});
