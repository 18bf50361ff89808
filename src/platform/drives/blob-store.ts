// Where the drives' bytes live (issue 17): content-addressed blobs, named by their SHA-256, and the partial files of
// resumable uploads. Behind an interface an object store could implement later (put a stream, open a range, delete; a
// multipart upload for the sessions). The file implementation keeps everything under `<data dir>/drives/`, folders
// 0700 and files 0600. A blob is written to a temporary file in the same file system, fsynced, renamed to
// `blobs/ab/<sha256>`, and its folder fsynced: a blob either is whole or is not there. Nothing is opened through a
// symbolic link: files are opened with O_NOFOLLOW and the folders on the way are checked with lstat. Several platform
// instances may share the store (one data folder on a volume they all mount): see ./blob-sharing.ts.
import { createHash, randomBytes } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { chmod, lstat, lutimes, mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { bestEffort } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import { copyInto, CREATE_FLAGS, damaged, drop, fsyncFolder, isMissing, ownedHere, READ_FLAGS, SHA256, UPLOAD_ID } from './blob-files.ts';
import { fileBlobSharing, type BlobSharing } from './blob-sharing.ts';

/** A stored blob: its content's SHA-256 (hex) and its length in bytes. */
export interface StoredBlob {
  readonly sha256: string;
  readonly size: number;
}

/** Both ends included, as HTTP's Range. */
export interface BlobRange {
  readonly start: number;
  readonly end: number;
}

export interface BlobStore extends BlobSharing {
  /**
   * Stores a stream as a blob. At most `maxBytes` are read: one more and the stream is dropped and `tooLarge()` thrown.
   * With `expectedBytes`, a stream that ends with another length is refused (a body cut short). Whatever fails, no
   * partial file is left behind.
   */
  put(
    body: AsyncIterable<Uint8Array>,
    limits: {
      maxBytes: number;
      tooLarge: () => Error;
      expectedBytes?: number;
      /** Called once the content is known, before the blob is in place (its user pins it, so nothing deletes it meanwhile). */
      beforeInstall?: (blob: StoredBlob) => void | Promise<void>;
    },
  ): Promise<StoredBlob>;
  /** The blob's bytes (or a range of them). not_found when it is not stored; internal when it is not a plain file. */
  open(sha256: string, range?: BlobRange): Promise<Readable>;
  /** Whether the blob is stored (as a plain file). */
  has(sha256: string): Promise<boolean>;
  /** Deletes the blob whoever holds it: only for a store no other instance uses (deleteUnlessHeld otherwise). */
  delete(sha256: string): Promise<void>;

  /** An empty partial file for an upload session. */
  createUpload(uploadId: string): Promise<void>;
  /** Bytes of the session's partial file, as many as reached the disk (null when there is none). */
  uploadLength(uploadId: string): Promise<number | null>;
  /**
   * Appends exactly `length` bytes at `offset` (which must be the partial file's length), then fsyncs. A body that ends
   * early or runs on is refused and the file cut back to `offset`: a chunk arrives whole or not at all.
   */
  appendUpload(uploadId: string, chunk: { offset: number; body: AsyncIterable<Uint8Array>; length: number }): Promise<number>;
  /** The SHA-256 and length of the session's bytes, read from disk. */
  hashUpload(uploadId: string): Promise<StoredBlob>;
  /**
   * Makes the session's bytes the blob `sha256` (hashed with hashUpload just before), stamped now, then forgets the
   * session's file. not_found when the session's bytes are gone (another instance committed or dropped it meanwhile).
   */
  sealUpload(uploadId: string, blob: StoredBlob): Promise<void>;
  discardUpload(uploadId: string): Promise<void>;
  /** The sessions that have a partial file (to clean up those the records no longer know). */
  uploadIds(): Promise<string[]>;
}

/** The file blob store under `root` (the platform's `<data dir>/drives`). */
export function createFileBlobStore(root: string): BlobStore {
  const blobsDir = path.join(root, 'blobs');
  const tempDir = path.join(root, 'tmp');
  const uploadsDir = path.join(root, 'uploads');
  const holdsDir = path.join(root, 'holds');
  const made = new Set<string>();

  /** Makes sure a folder of the store is a real folder of ours, 0700 (made on first use). */
  async function folder(dir: string): Promise<string> {
    if (made.has(dir)) {
      const info = await lstat(dir).catch(() => null);
      if (info?.isDirectory() === true && !info.isSymbolicLink() && (info.mode & 0o077) === 0) return dir;
      made.delete(dir);
    }
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Every folder from the store's root down must be a real folder of ours, not a link planted to elsewhere.
    for (let at = dir; at.length >= root.length; at = path.dirname(at)) {
      const info = await lstat(at);
      if (info.isSymbolicLink() || !info.isDirectory() || !ownedHere(info)) throw damaged(`folder ${path.relative(root, at) || '.'}`);
      if ((info.mode & 0o077) !== 0) await chmod(at, 0o700);
      if (at === root) break;
    }
    made.add(dir);
    return dir;
  }

  function blobPath(sha256: string): { dir: string; file: string } {
    if (!SHA256.test(sha256)) throw new EnclaveError('internal', 'A blob name is not a SHA-256.');
    const dir = path.join(blobsDir, sha256.slice(0, 2));
    return { dir, file: path.join(dir, sha256) };
  }

  function uploadPath(uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) throw new EnclaveError('internal', 'An upload id is not one.');
    return path.join(uploadsDir, uploadId);
  }

  /** Opens a file of the store for reading: not through a link, and only a plain file of ours. */
  async function openPlain(file: string, what: string): Promise<FileHandle | null> {
    let handle: FileHandle;
    try {
      handle = await open(file, READ_FLAGS);
    } catch (err) {
      if (isMissing(err)) return null;
      if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw damaged(what);
      throw err;
    }
    const info = await handle.stat();
    if (!info.isFile() || !ownedHere(info)) {
      await handle.close();
      throw damaged(what);
    }
    return handle;
  }

  /** Moves a finished temporary file to its blob name, durably. */
  async function install(temp: string, sha256: string): Promise<void> {
    const { dir, file } = blobPath(sha256);
    await folder(dir);
    // Same content, same name: replacing an existing blob changes nothing it holds (and mends a damaged one).
    await rename(temp, file);
    await fsyncFolder(dir);
  }

  const sharing = fileBlobSharing({ blobsDir, tempDir, holdsDir, folder, blobPath });
  return {
    ...sharing,

    async put(body, limits) {
      const dir = await folder(tempDir);
      const temp = path.join(dir, `put-${randomBytes(12).toString('hex')}`);
      const handle = await open(temp, CREATE_FLAGS, 0o600);
      let installed = false;
      try {
        const hash = createHash('sha256');
        const copied = await copyInto(handle, body, { position: 0, limit: limits.maxBytes, hash });
        if (copied.over) {
          drop(body);
          throw limits.tooLarge();
        }
        if (limits.expectedBytes !== undefined && copied.bytes !== limits.expectedBytes) {
          throw new EnclaveError(
            'invalid_input',
            `The file arrived incomplete (${copied.bytes.toLocaleString('en-GB')} of ${limits.expectedBytes.toLocaleString('en-GB')} bytes). Nothing was written: send it again.`,
          );
        }
        await handle.sync();
        await handle.close();
        const blob = { sha256: hash.digest('hex'), size: copied.bytes };
        await limits.beforeInstall?.(blob);
        await install(temp, blob.sha256);
        installed = true;
        return blob;
      } finally {
        if (!installed) {
          await bestEffort(handle.close());
          await bestEffort(rm(temp, { force: true }));
        }
      }
    },

    async open(sha256, range) {
      const { file } = blobPath(sha256);
      await folder(path.dirname(file));
      const what = `blob ${sha256.slice(0, 12)}…`;
      let handle = await openPlain(file, what);
      // Missing: another instance's collect may have it set aside while it decides, or have stopped there.
      if (handle === null && (await sharing.restoreSetAside(sha256))) handle = await openPlain(file, what);
      if (handle === null) throw new EnclaveError('not_found', 'The stored content of this file is missing.');
      // The stream owns the handle from here: it closes it when it ends or is destroyed.
      return createReadStream('', {
        fd: handle,
        autoClose: true,
        ...(range === undefined ? {} : { start: range.start, end: range.end }),
      });
    },

    async has(sha256) {
      const { file } = blobPath(sha256);
      const info = await lstat(file).catch(() => null);
      if (info !== null && info.isFile()) return true;
      // As open(): a copy a collect set aside is put back rather than the blob called missing.
      return sharing.restoreSetAside(sha256);
    },

    async delete(sha256) {
      const { dir, file } = blobPath(sha256);
      await rm(file, { force: true });
      await bestEffort(fsyncFolder(dir));
    },

    async createUpload(uploadId) {
      const file = uploadPath(uploadId);
      await folder(uploadsDir);
      const handle = await open(file, CREATE_FLAGS, 0o600);
      await handle.sync();
      await handle.close();
      await fsyncFolder(uploadsDir);
    },

    async uploadLength(uploadId) {
      const handle = await openPlain(uploadPath(uploadId), 'upload');
      if (handle === null) return null;
      try {
        return (await handle.stat()).size;
      } finally {
        await handle.close();
      }
    },

    async appendUpload(uploadId, { offset, body, length }) {
      const file = uploadPath(uploadId);
      let handle: FileHandle;
      try {
        handle = await open(file, constants.O_WRONLY | constants.O_NOFOLLOW);
      } catch (err) {
        if (isMissing(err)) throw new EnclaveError('not_found', 'This upload has no bytes on the platform any more. Start it again.');
        if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw damaged('upload');
        throw err;
      }
      try {
        const info = await handle.stat();
        if (!info.isFile() || !ownedHere(info)) throw damaged('upload');
        if (info.size !== offset) throw new EnclaveError('conflict', 'The upload is not at that offset. Nothing was written.');
        let copied: { bytes: number; over: boolean };
        try {
          copied = await copyInto(handle, body, { position: offset, limit: length });
        } catch (err) {
          await handle.truncate(offset);
          throw err;
        }
        if (copied.over || copied.bytes !== length) {
          if (copied.over) drop(body);
          await handle.truncate(offset);
          throw new EnclaveError(
            'invalid_input',
            copied.over
              ? 'The chunk is longer than its Content-Range says. Nothing of it was kept: send it again.'
              : `The chunk arrived incomplete (${copied.bytes.toLocaleString('en-GB')} of ${length.toLocaleString('en-GB')} bytes). Nothing of it was kept: send it again from the same offset.`,
          );
        }
        await handle.sync();
        return offset + length;
      } finally {
        await handle.close();
      }
    },

    async hashUpload(uploadId) {
      const handle = await openPlain(uploadPath(uploadId), 'upload');
      if (handle === null) throw new EnclaveError('not_found', 'This upload has no bytes on the platform any more. Start it again.');
      const hash = createHash('sha256');
      let size = 0;
      const stream = handle.createReadStream();
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.byteLength;
      }
      return { sha256: hash.digest('hex'), size };
    },

    async sealUpload(uploadId, blob) {
      const file = uploadPath(uploadId);
      // The blob's time is its install's, as a PUT's is: the housekeeping counts a leftover's age from it, and the
      // session's last chunk may be hours old.
      const at = new Date();
      try {
        await lutimes(file, at, at);
        await install(file, blob.sha256);
      } catch (err) {
        if (!isMissing(err)) throw err;
        throw new EnclaveError('not_found', 'This upload has no bytes on the platform any more (it was committed or dropped meanwhile).');
      }
      await bestEffort(fsyncFolder(uploadsDir));
    },

    async discardUpload(uploadId) {
      await rm(uploadPath(uploadId), { force: true });
    },

    async uploadIds() {
      const names = await readdir(await folder(uploadsDir)).catch((err: unknown) => {
        if (isMissing(err)) return [] as string[];
        throw err;
      });
      return names.filter((name) => UPLOAD_ID.test(name));
    },
  };
}
