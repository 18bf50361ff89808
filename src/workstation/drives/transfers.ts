// Moving one file's bytes between the drive and the local folder (issue 17), so that a crash or a cut connection at
// any step leaves each file old or new, never empty or partial, and the transfer resumes where it stopped.
//   - Down: into a hidden temporary file beside the target (its name in the journal first), resumed with Range and
//     If-Range from the temporary file's length; then fsync, the SHA-256 checked against the tree's, the target checked
//     unchanged and not open for writing, a rename over it, the folder fsynced, and only then the journal. A body that
//     is cut is resumed; one whose hash is wrong is thrown away and fetched again, a few times, then reported.
//   - Up: an upload session (its id in the journal), resumed from the offset the platform says it holds; the file is
//     read from one handle and checked unchanged before the commit, which carries the base's ETag (or "absent").
import type { FileHandle } from 'node:fs/promises';
import { rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { drivePathKey, UPLOAD_CHUNK_MAX_BYTES, type DriveEntry, type WriteCondition } from '../../common/drives.ts';
import { EnclaveError } from '../../common/errors.ts';
import { tlsProblemOf } from '../../common/tls-problems.ts';
import type { BaseRecord, PendingDownload, SyncJournal } from './journal.ts';
import {
  absolutePath,
  ensureFolders,
  fingerprintOf,
  hashPart,
  isOwnPartName,
  isWorkstationPartName,
  lstatOrNull,
  newPartName,
  openPart,
  openRegular,
  STRAY_PART_AGE_MS,
  syncFolder,
} from './local-fs.ts';
import type { LocalPart } from './local-scan.ts';
import type { WriterProbe } from './open-files.ts';
import { fileRecord, type HashedFile } from './plan.ts';
import type { DriveRemote } from './remote.ts';

/** The steps of a transfer, named for tests that stop the engine at each of them (a crash there). */
export type TransferStep =
  | 'download:start'
  | 'download:chunk'
  | 'download:fsync'
  | 'download:verify'
  | 'download:rename'
  | 'download:fsync-folder'
  | 'download:journal'
  | 'upload:start'
  | 'upload:chunk'
  | 'upload:commit'
  | 'upload:journal';

export interface TransferProgress {
  readonly path: string;
  readonly direction: 'up' | 'down';
  readonly done: number;
  readonly total: number;
}

export interface TransferContext {
  readonly root: string;
  readonly remote: DriveRemote;
  readonly journal: SyncJournal;
  readonly writers: WriterProbe;
  readonly signal: AbortSignal;
  readonly now: () => number;
  /** Called before each step; a throw there stops the transfer as a crash would (nothing is cleaned up). */
  readonly step: (step: TransferStep, drivePath: string) => Promise<void>;
  readonly progress: (progress: TransferProgress | null) => void;
  /** The largest chunk sent in one request. */
  readonly chunkBytes: number;
  /** How many times a damaged or cut download is tried in one pass. */
  readonly attempts: number;
  /** The bytes free on the file system of a folder (statfs, or a test's). */
  readonly freeSpace: (folder: string) => Promise<number>;
}

/** Why a transfer was not made now, when that is no fault: tried again on a later pass. */
export type Deferred = { readonly deferred: 'busy' | 'changed' | 'race'; readonly detail: string };

export const DEFAULT_ATTEMPTS = 3;
/** Left free on this computer's disk beyond a download's own bytes: a full disk breaks more than the sync. */
export const LOCAL_FREE_MARGIN_BYTES = 64 * 1024 * 1024;

/** A download refused before it started: the file would not fit on this computer's disk. */
export class NoLocalSpace extends EnclaveError {
  constructor(message: string) {
    super('insufficient_storage', message);
    this.name = 'NoLocalSpace';
  }
}
export const DEFAULT_CHUNK_BYTES = UPLOAD_CHUNK_MAX_BYTES;

const parentOf = (relative: string): string => (relative.includes('/') ? relative.slice(0, relative.lastIndexOf('/')) : '');

/** A downloaded body that does not match what the tree promised. */
class DamagedBody extends Error {}

async function removePart(root: string, pending: PendingDownload): Promise<void> {
  if (!isOwnPartName(path.posix.basename(pending.temp))) return;
  try {
    await unlink(absolutePath(root, pending.temp));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Refuses a download that would not fit on this computer's disk (the size the drive declares, less what a resumed
 * temporary file already holds, plus a margin), before a byte is fetched: the size comes from the platform, which may
 * declare anything up to 2^53.
 */
async function mustFit(
  ctx: TransferContext,
  options: { entry: DriveEntry; folderPath: string; pending: PendingDownload | undefined },
): Promise<void> {
  const { entry, pending } = options;
  const partial = pending === undefined ? null : await lstatOrNull(absolutePath(ctx.root, pending.temp));
  const have = partial?.isFile() === true ? Math.min(Number(partial.size), entry.size) : 0;
  const needed = entry.size - have + LOCAL_FREE_MARGIN_BYTES;
  const free = await ctx.freeSpace(options.folderPath);
  if (free >= needed) return;
  throw new NoLocalSpace(
    `"${entry.path}" was not downloaded: it needs ${entry.size - have} bytes and this computer's disk has ${free} free ` +
      `(${LOCAL_FREE_MARGIN_BYTES} are kept free). Nothing was written; it is tried again on every pass.`,
  );
}

/** Appends the platform's bytes from `offset` to the open temporary file; answers the length it now has. */
async function fetchInto(ctx: TransferContext, options: { handle: FileHandle; entry: DriveEntry; offset: number }): Promise<number> {
  const { handle, entry } = options;
  const drivePath = entry.path;
  const content = await ctx.remote.download({ path: drivePath, etag: entry.etag, offset: options.offset, signal: ctx.signal });
  if (content.etag !== null && content.etag !== entry.etag) {
    // Changed on the drive since the tree was read: this is not the content the tree promised.
    for await (const _chunk of content.body) break;
    throw new EnclaveError('conflict', `"${drivePath}" changed on the drive during its download; the new version comes next.`);
  }
  let position = content.start;
  if (position !== options.offset) await handle.truncate(position);
  for await (const chunk of content.body) {
    if (position + chunk.byteLength > entry.size) throw new DamagedBody(`more bytes than the ${entry.size} the drive declared`);
    await handle.write(chunk, 0, chunk.byteLength, position);
    position += chunk.byteLength;
    ctx.progress({ path: drivePath, direction: 'down', done: position, total: entry.size });
    await ctx.step('download:chunk', drivePath);
  }
  return position;
}

/**
 * Downloads the entry's current content to `disk` and records it in the base. The target must still be `replaces`
 * (or absent) when the bytes are installed, and not open for writing; otherwise nothing is installed (deferred).
 */
export async function download(
  ctx: TransferContext,
  request: { key: string; entry: DriveEntry; disk: string; replaces: HashedFile | null },
): Promise<BaseRecord | Deferred> {
  const { key, entry, disk } = request;
  const drivePath = entry.path;
  if (entry.sha256 === null || entry.etag === null) throw new EnclaveError('internal', `"${drivePath}" has no content to download.`);
  const folder = parentOf(disk);
  let pending: PendingDownload | undefined = ctx.journal.downloads().find((each) => each.key === key);
  if (pending !== undefined && (pending.etag !== entry.etag || parentOf(pending.temp) !== folder)) {
    await removePart(ctx.root, pending);
    ctx.journal.deleteDownload(key);
    pending = undefined;
  }
  const folderPath = await ensureFolders(ctx.root, folder);
  await mustFit(ctx, { entry, folderPath, pending });
  let fresh = pending === undefined;
  if (pending === undefined) {
    pending = { key, path: drivePath, temp: newPartName(folder), etag: entry.etag, sha256: entry.sha256, size: entry.size };
    ctx.journal.putDownload(pending);
    await ctx.step('download:start', drivePath);
  }
  let lastProblem = '';
  let verified = false;
  for (let attempt = 1; attempt <= ctx.attempts && !verified; attempt += 1) {
    const { handle, length } = await openPart(ctx.root, pending.temp, fresh);
    fresh = false;
    let position = length;
    try {
      if (position > entry.size) {
        await handle.truncate(0);
        position = 0;
      }
      ctx.progress({ path: drivePath, direction: 'down', done: position, total: entry.size });
      if (position < entry.size) position = await fetchInto(ctx, { handle, entry, offset: position });
      await ctx.step('download:fsync', drivePath);
      await handle.sync();
    } catch (err) {
      if (err instanceof DamagedBody) {
        lastProblem = err.message;
        position = -1;
      } else if (err instanceof EnclaveError && err.code === 'unavailable' && tlsProblemOf(err) === null && !ctx.signal.aborted) {
        // Cut in transit (a certificate refused is no cut: trying again changes nothing, and the pass stops on it): what arrived stays in the temporary file, and the next attempt resumes after it.
        lastProblem = 'the connection was cut';
        continue;
      } else {
        throw err;
      }
    } finally {
      await handle.close();
    }
    if (position >= 0 && position < entry.size) {
      lastProblem = `the body stopped after ${position} of ${entry.size} bytes`;
      continue;
    }
    await ctx.step('download:verify', drivePath);
    const received = position < 0 ? null : await hashPart(absolutePath(ctx.root, pending.temp));
    if (received !== null && received.sha256 === entry.sha256 && received.size === entry.size) {
      verified = true;
      break;
    }
    if (received !== null) lastProblem = 'its SHA-256 did not match the drive’s';
    // Damaged: thrown away, and fetched again from the start under a new name.
    await removePart(ctx.root, pending);
    pending = { ...pending, temp: newPartName(folder) };
    ctx.journal.putDownload(pending);
    fresh = true;
  }
  if (!verified) {
    throw new EnclaveError(
      'unavailable',
      `"${drivePath}" did not arrive intact (${lastProblem}) after ${ctx.attempts} tries; it was not installed, and will be tried again.`,
    );
  }
  ctx.progress(null);
  return install(ctx, { key, entry, disk, replaces: request.replaces, pending });
}

async function install(
  ctx: TransferContext,
  request: { key: string; entry: DriveEntry; disk: string; replaces: HashedFile | null; pending: PendingDownload },
): Promise<BaseRecord | Deferred> {
  const { key, entry, disk, pending } = request;
  const target = absolutePath(ctx.root, disk);
  const current = await lstatOrNull(target);
  if (current?.isDirectory()) {
    throw new EnclaveError('conflict', `"${disk}" is a folder here and a file on the drive; nothing was written there.`);
  }
  if (current?.isFile() === true) {
    if (request.replaces === null || fingerprintOf(current) !== request.replaces.fingerprint) {
      // Written here meanwhile: the downloaded content waits (kept, verified) and the next pass decides.
      return { deferred: 'changed', detail: `"${disk}" changed here during the download; it will be compared again.` };
    }
  }
  if (current?.isFile() === true && (await ctx.writers.isOpenForWriting(target, current))) {
    return {
      deferred: 'busy',
      detail: `"${disk}" is open for writing in another program; the drive's newer version waits until it is closed.`,
    };
  }
  await ctx.step('download:rename', entry.path);
  // A link planted at the target is replaced by the rename, never written through.
  await rename(absolutePath(ctx.root, pending.temp), target);
  await ctx.step('download:fsync-folder', entry.path);
  await syncFolder(path.dirname(target));
  await ctx.step('download:journal', entry.path);
  const installed = await lstatOrNull(target);
  const record: BaseRecord = {
    key,
    path: entry.path,
    kind: 'file',
    sha256: entry.sha256,
    etag: entry.etag,
    size: entry.size,
    fingerprint: installed === null ? null : fingerprintOf(installed),
    hashedAt: ctx.now(),
  };
  ctx.journal.transaction(() => {
    ctx.journal.putBase(record);
    ctx.journal.deleteDownload(key);
  });
  return record;
}

function conditionText(condition: WriteCondition): string {
  return JSON.stringify(condition);
}

/** Uploads a local file as `drivePath` on the condition given, resuming a session of the same content, and records it. */
export async function upload(
  ctx: TransferContext,
  request: { key: string; drivePath: string; local: HashedFile; condition: WriteCondition },
): Promise<BaseRecord | Deferred> {
  const { key, drivePath, local, condition } = request;
  const file = absolutePath(ctx.root, local.disk);
  const now = await lstatOrNull(file);
  if (now === null || !now.isFile() || fingerprintOf(now) !== local.fingerprint) {
    return { deferred: 'changed', detail: `"${local.disk}" changed after it was read; it will be read again.` };
  }
  if (await ctx.writers.isOpenForWriting(file, now)) {
    return { deferred: 'busy', detail: `"${local.disk}" is open for writing in another program; it will be uploaded once it is closed.` };
  }
  const pending = ctx.journal.uploads().find((each) => each.key === key);
  let session = null;
  if (
    pending !== undefined &&
    pending.sha256 === local.sha256 &&
    pending.size === local.size &&
    pending.condition === conditionText(condition) &&
    pending.path === drivePath
  ) {
    try {
      session = await ctx.remote.uploadStatus(pending.uploadId, ctx.signal);
    } catch (err) {
      if (!(err instanceof EnclaveError) || err.code !== 'not_found') throw err;
    }
  }
  if (session === null) {
    session = await ctx.remote.startUpload({ path: drivePath, size: local.size, sha256: local.sha256, condition }, ctx.signal);
    ctx.journal.putUpload({
      key,
      path: drivePath,
      uploadId: session.uploadId,
      sha256: local.sha256,
      size: local.size,
      condition: conditionText(condition),
    });
    await ctx.step('upload:start', drivePath);
  }
  const uploadId = session.uploadId;
  let offset = session.offset;
  if (offset > 0) ctx.progress({ path: drivePath, direction: 'up', done: offset, total: local.size });
  if (offset < local.size) {
    const { handle, stats } = await openRegular(ctx.root, local.disk);
    try {
      if (fingerprintOf(stats) !== local.fingerprint)
        return { deferred: 'changed', detail: `"${local.disk}" changed after it was read; it will be read again.` };
      let stalls = 0;
      while (offset < local.size) {
        const length = Math.min(ctx.chunkBytes, local.size - offset);
        const bytes = Buffer.alloc(length);
        const { bytesRead } = await handle.read(bytes, 0, length, offset);
        if (bytesRead !== length)
          return { deferred: 'changed', detail: `"${local.disk}" got shorter while it was sent; it will be read again.` };
        const answer = await ctx.remote.uploadChunk({ uploadId, offset, bytes, total: local.size, signal: ctx.signal });
        stalls = answer.offset > offset ? 0 : stalls + 1;
        if (stalls > 2 || answer.offset > local.size) {
          throw new EnclaveError(
            'unavailable',
            `The drive did not take the upload of "${drivePath}" at byte ${offset}; it will be tried again.`,
          );
        }
        offset = answer.offset;
        ctx.progress({ path: drivePath, direction: 'up', done: offset, total: local.size });
        await ctx.step('upload:chunk', drivePath);
      }
    } finally {
      await handle.close();
    }
  }
  const after = await lstatOrNull(file);
  if (after === null || fingerprintOf(after) !== local.fingerprint) {
    return { deferred: 'changed', detail: `"${local.disk}" changed while it was sent; it will be sent again.` };
  }
  await ctx.step('upload:commit', drivePath);
  let entry: DriveEntry;
  try {
    entry = await ctx.remote.commitUpload(uploadId, ctx.signal);
  } catch (err) {
    if (err instanceof EnclaveError && err.code === 'not_found') ctx.journal.deleteUpload(key);
    if (err instanceof EnclaveError && err.code === 'conflict') {
      ctx.journal.deleteUpload(key);
      return { deferred: 'race', detail: `"${drivePath}" changed on the drive while it was sent; nothing was overwritten.` };
    }
    throw err;
  }
  if (entry.sha256 !== local.sha256 || drivePathKey(entry.path) !== key) {
    throw new EnclaveError(
      'internal',
      `The drive answered the upload of "${drivePath}" with another file's content; the base was not changed.`,
    );
  }
  await ctx.step('upload:journal', drivePath);
  const record = fileRecord(entry, local);
  ctx.journal.transaction(() => {
    ctx.journal.putBase(record);
    ctx.journal.deleteUpload(key);
  });
  ctx.progress(null);
  return record;
}

/**
 * Removes the leftovers of a crash: temporary files no download under way knows, once they have not changed for a day
 * (younger ones may be a save or a marker being written, or a person's file of that name; they are left, unsynced).
 * Checked again just before: only a regular file is ever removed.
 */
export async function removeStrayParts(
  ctx: { root: string; journal: SyncJournal; now: () => number },
  parts: readonly LocalPart[],
): Promise<void> {
  const known = new Set(ctx.journal.downloads().map((each) => each.temp));
  for (const part of parts) {
    if (known.has(part.disk) || !isWorkstationPartName(path.posix.basename(part.disk))) continue;
    if (ctx.now() - part.changedAt < STRAY_PART_AGE_MS) continue;
    const file = absolutePath(ctx.root, part.disk);
    const info = await lstatOrNull(file);
    if (info?.isFile() !== true) continue;
    try {
      await unlink(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}

export function isDeferred(value: BaseRecord | Deferred): value is Deferred {
  return 'deferred' in value;
}
