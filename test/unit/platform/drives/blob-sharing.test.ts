// The blob store shared by several instances on one data folder (src/platform/drives/blob-sharing.ts): a collect sets
// the blob aside, checks again, and deletes only on a decision. What another instance does while it decides wins: a hold
// or a version made meanwhile keeps the blob (and the collect says it deleted nothing), and a read or a write that finds
// the blob missing puts back a copy set aside rather than calling it missing (what a collect that stopped there leaves).
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileBlobStore, type BlobStore } from '../../../../src/platform/drives/blob-store.ts';

const sha256 = (content: string): string => createHash('sha256').update(content).digest('hex');

describe('a blob another instance may want while a collect decides on it', () => {
  let root: string;
  let blobs: BlobStore;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'enclave-blob-sharing-'));
    blobs = createFileBlobStore(path.join(root, 'drives'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const store = (content: string) =>
    blobs.put(Readable.from([Buffer.from(content)]), { maxBytes: 1024, tooLarge: () => new Error('too large') });
  const folderOf = (sha: string): string => path.join(root, 'drives', 'blobs', sha.slice(0, 2));

  it('is kept when a writer holds it and asks for it after the collect set it aside; the collect deleted nothing', async () => {
    const { sha256: sha } = await store('held meanwhile');
    let hold: string | undefined;
    let found: boolean | undefined;
    const deleted = await blobs.deleteUnlessHeld(sha, {
      inUse: async () => {
        // Another instance's write, as it goes: hold the blob, then make sure it is there (after both of the collect's
        // looks at the holds, while the blob is set aside).
        hold = await blobs.hold(sha);
        found = await blobs.has(sha);
        return false;
      },
    });
    expect(found).toBe(true);
    expect(deleted).toBe(false);
    expect(await readdir(folderOf(sha))).toEqual([sha]);
    await blobs.letGo(hold!);
    expect(await blobs.deleteUnlessHeld(sha, { inUse: async () => false })).toBe(true);
    expect(await readdir(folderOf(sha))).toEqual([]);
  });

  it('is kept when a version names it by the time the collect checks, and says so', async () => {
    const { sha256: sha } = await store('named meanwhile');
    expect(await blobs.deleteUnlessHeld(sha, { inUse: async () => true })).toBe(false);
    expect(await text(await blobs.open(sha))).toBe('named meanwhile');
  });

  it('is put back by a read or a write that finds only the copy a collect set aside', async () => {
    const { sha256: sha } = await store('set aside');
    // What a collect that stopped between its two looks leaves: the blob under its set-aside name.
    await rename(path.join(folderOf(sha), sha), path.join(folderOf(sha), `${sha}.aside-${'0'.repeat(24)}`));
    expect(await text(await blobs.open(sha))).toBe('set aside');
    expect(await readdir(folderOf(sha))).toEqual([sha]);
    await rename(path.join(folderOf(sha), sha), path.join(folderOf(sha), `${sha}.aside-${'1'.repeat(24)}`));
    expect(await blobs.has(sha)).toBe(true);
    expect(await readdir(folderOf(sha))).toEqual([sha]);
    // And one never stored is still missing.
    await expect(blobs.open(sha256('never stored'))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('is settled once when two instances settle the same set-aside copy at the same moment', async () => {
    const { sha256: sha } = await store('settled twice');
    const name = `${sha}.aside-${'2'.repeat(24)}`;
    await rename(path.join(folderOf(sha), sha), path.join(folderOf(sha), name));
    const other = createFileBlobStore(path.join(root, 'drives'));
    const outcomes = await Promise.allSettled([
      blobs.settleSetAside({ sha256: sha, name, changedMs: 0 }, 'restore'),
      other.settleSetAside({ sha256: sha, name, changedMs: 0 }, 'restore'),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(await readdir(folderOf(sha))).toEqual([sha]);
  });
});
