// The sync engine's hands on the local folder (issue 17): every read and write it makes there goes through here, so
// that nothing is ever read or written outside the folder. Paths are joined from checked names only and must stay
// below the root; every folder on the way is a real folder (a symbolic link planted there is replaced by a real folder,
// never followed); files are opened with O_NOFOLLOW and must be regular files; new content is written to a temporary
// file beside its target and renamed over it, which replaces a link planted at the target rather than writing
// through it. Files are 0600 and folders 0700, whatever the umask.
import { createHash, randomBytes } from 'node:crypto';
import { constants, type BigIntStats } from 'node:fs';
import { chmod, lstat, mkdir, open, rename, rmdir, statfs, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { EnclaveError } from '../../common/errors.ts';

export const FILE_MODE = 0o600;
export const FOLDER_MODE = 0o700;
/** The hidden prefix of a download under way: never synced, and removed when no journal entry knows it. */
export const PART_PREFIX = '.enclave-part-';
/** The root marker's name (see ./marker.ts): never synced. */
export const MARKER_NAME = '.enclave-drive';

const posix = process.platform !== 'win32';
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;
const READ_CHUNK = 1024 * 1024;

/** Whether a name is in the engine's own namespace (never synced either way). */
export function isPartName(name: string): boolean {
  return name.startsWith(PART_PREFIX);
}

/** Whether a name is exactly one the engine gives its temporary files (16 hex digits). */
export function isOwnPartName(name: string): boolean {
  return /^\.enclave-part-[0-9a-f]{16}$/.test(name);
}

/**
 * Whether a name is one the workstation gives temporary files in the drive folder: the engine's (16 hex digits) or a
 * save's (24, src/workstation/workspace/drive-place.ts). Only a regular file of such a name is ever removed as a leftover.
 */
export function isWorkstationPartName(name: string): boolean {
  return /^\.enclave-part-(?:[0-9a-f]{16}|[0-9a-f]{24})$/.test(name);
}

/**
 * How long a temporary file no download under way knows is left alone: it may be a save or a marker being written, or
 * a person's own file of that name; after a day without a change it is a crash's leftover and removed.
 */
export const STRAY_PART_AGE_MS = 24 * 60 * 60 * 1000;

/** A relative on-disk path ('/'-separated) below `root` → its absolute path; refuses anything that would leave the root. */
export function absolutePath(root: string, relative: string): string {
  if (relative === '') return root;
  const segments = relative.split('/');
  if (
    segments.some((segment) => segment === '' || segment === '.' || segment === '..' || segment.includes('\\') || segment.includes('\0'))
  ) {
    throw new EnclaveError('internal', 'A path that would leave the drive folder was refused; nothing was read or written.');
  }
  const joined = path.join(root, ...segments);
  const back = path.relative(root, joined);
  if (back === '' || back === '..' || back.startsWith(`..${path.sep}`) || path.isAbsolute(back)) {
    throw new EnclaveError('internal', 'A path that would leave the drive folder was refused; nothing was read or written.');
  }
  return joined;
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

export async function lstatOrNull(file: string): Promise<BigIntStats | null> {
  try {
    return await lstat(file, { bigint: true });
  } catch (err) {
    if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return null;
    throw err;
  }
}

/** The hint that says a file has not changed since it was hashed: size, modification and change times, inode. */
export function fingerprintOf(stats: BigIntStats): string {
  return `${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}:${stats.ino}`;
}

/** The inode in a fingerprint (the last part), or null when the file system has none (0). */
export function inodeOf(fingerprint: string | null): string | null {
  const ino = fingerprint?.split(':')[3];
  return ino === undefined || ino === '0' ? null : ino;
}

/**
 * Makes every folder of `relativeDir` below the root a real folder of ours: missing ones are created 0700, and a
 * symbolic link where a folder must be is replaced by a real folder (a file there is never replaced: that is a clash
 * the caller reports). Returns the folder's absolute path.
 */
export async function ensureFolders(root: string, relativeDir: string): Promise<string> {
  let current = root;
  let relative = '';
  if (relativeDir === '') return root;
  for (const segment of relativeDir.split('/')) {
    relative = relative === '' ? segment : `${relative}/${segment}`;
    current = absolutePath(root, relative);
    const info = await lstatOrNull(current);
    if (info?.isDirectory()) continue;
    if (info?.isSymbolicLink()) {
      // Planted where the drive has a folder: the link goes (not what it points at), and a real folder takes its place.
      await unlink(current);
    } else if (info !== null) {
      throw new EnclaveError('conflict', `"${relative}" is a file here and a folder on the drive; nothing was written there.`);
    }
    try {
      await mkdir(current, { mode: FOLDER_MODE });
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
      const again = await lstatOrNull(current);
      if (!again?.isDirectory()) throw new EnclaveError('conflict', `"${relative}" could not be made a folder.`);
    }
    if (posix) await chmod(current, FOLDER_MODE);
  }
  return current;
}

/** Checks without changing anything that every folder of `relativeDir` is a real folder (for reading). */
export async function checkFolders(root: string, relativeDir: string): Promise<boolean> {
  let relative = '';
  for (const segment of relativeDir === '' ? [] : relativeDir.split('/')) {
    relative = relative === '' ? segment : `${relative}/${segment}`;
    const info = await lstatOrNull(absolutePath(root, relative));
    if (!info?.isDirectory()) return false;
  }
  return true;
}

/** Opens a local file of the drive for reading: never through a link, never anything but a regular file. */
export async function openRegular(root: string, relative: string): Promise<{ handle: FileHandle; stats: BigIntStats }> {
  const parent = relative.includes('/') ? relative.slice(0, relative.lastIndexOf('/')) : '';
  if (!(await checkFolders(root, parent))) {
    throw new EnclaveError('conflict', `A folder above "${relative}" is not a real folder; it was not read.`);
  }
  // O_NONBLOCK: opening a named pipe must not wait for a writer.
  const handle = await open(absolutePath(root, relative), constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  try {
    const stats = await handle.stat({ bigint: true });
    if (!stats.isFile()) throw new EnclaveError('conflict', `"${relative}" is not a regular file; it was not read.`);
    return { handle, stats };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

export interface HashedFile {
  readonly sha256: string;
  readonly size: number;
  readonly fingerprint: string;
  /** When it was hashed (epoch ms). */
  readonly hashedAt: number;
}

/** Thrown when a file changed while it was read: it is being written, and is tried again later. */
export class FileInFlux extends EnclaveError {
  constructor(relative: string) {
    super('conflict', `"${relative}" changed while it was being read; it will be synced once it is still.`);
    this.name = 'FileInFlux';
  }
}

/** Hashes a local file (SHA-256) from one open handle; refused when it changed while being read. */
export async function hashFile(root: string, relative: string, now: () => number): Promise<HashedFile> {
  const { handle, stats } = await openRegular(root, relative);
  try {
    const hashedAt = now();
    const hash = createHash('sha256');
    const buffer = Buffer.alloc(READ_CHUNK);
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, position);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
    const after = await handle.stat({ bigint: true });
    if (fingerprintOf(after) !== fingerprintOf(stats) || BigInt(position) !== stats.size) throw new FileInFlux(relative);
    return { sha256: hash.digest('hex'), size: position, fingerprint: fingerprintOf(stats), hashedAt };
  } finally {
    await handle.close();
  }
}

/** The SHA-256 of a whole file by its absolute path (a temporary file of ours), opened without following links. */
export async function hashPart(file: string): Promise<{ sha256: string; size: number }> {
  const handle = await open(file, constants.O_RDONLY | O_NOFOLLOW);
  try {
    const hash = createHash('sha256');
    const buffer = Buffer.alloc(READ_CHUNK);
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, position);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
    return { sha256: hash.digest('hex'), size: position };
  } finally {
    await handle.close();
  }
}

/** A fresh hidden name for a download's temporary file, in the target's folder (same file system: the rename is atomic). */
export function newPartName(relativeDir: string): string {
  const name = `${PART_PREFIX}${randomBytes(8).toString('hex')}`;
  return relativeDir === '' ? name : `${relativeDir}/${name}`;
}

/**
 * Opens a download's temporary file for appending: created 0600 (O_EXCL) when `fresh`, else reopened; never through
 * a link. Returns the handle and how many bytes it already holds.
 */
export async function openPart(root: string, relative: string, fresh: boolean): Promise<{ handle: FileHandle; length: number }> {
  const file = absolutePath(root, relative);
  const flags = fresh
    ? constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW
    : constants.O_WRONLY | constants.O_CREAT | O_NOFOLLOW;
  const handle = await open(file, flags, FILE_MODE);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new EnclaveError('conflict', 'A download could not use its temporary file.');
    if (posix) await handle.chmod(FILE_MODE);
    return { handle, length: stats.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** The bytes this person may still write on the file system of `folder` (statfs: blocks available to non-root). */
export async function freeBytes(folder: string): Promise<number> {
  const info = await statfs(folder);
  return info.bavail * info.bsize;
}

/** Makes a rename or a new entry in a folder durable (POSIX; Windows has no folder handles to sync). */
export async function syncFolder(folder: string): Promise<void> {
  if (!posix) return;
  const handle = await open(folder, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Moves a file of ours over its target in one step (a link planted at the target is replaced, never written through). */
export async function replaceFile(root: string, options: { from: string; to: string }): Promise<void> {
  const target = absolutePath(root, options.to);
  const info = await lstatOrNull(target);
  if (info?.isDirectory())
    throw new EnclaveError('conflict', `"${options.to}" is a folder here and a file on the drive; nothing was written there.`);
  await rename(absolutePath(root, options.from), target);
  await syncFolder(path.dirname(target));
}

/**
 * Renames an entry of the drive folder to a path that must be free (a move, or a conflict copy). On a case-insensitive
 * file system a case-only rename finds its target "taken" by the entry itself (same device and inode): that one is
 * made through a temporary name in the source's folder, since a direct rename may leave the old spelling.
 */
export async function renameEntry(root: string, options: { from: string; to: string }): Promise<void> {
  const target = absolutePath(root, options.to);
  const source = absolutePath(root, options.from);
  const taken = await lstatOrNull(target);
  const itself = taken !== null && (await isSameEntry(source, taken));
  if (taken !== null && !itself) {
    throw new EnclaveError('conflict', `"${options.to}" already exists here; "${options.from}" was not moved.`);
  }
  const parent = options.to.includes('/') ? options.to.slice(0, options.to.lastIndexOf('/')) : '';
  await ensureFolders(root, parent);
  if (itself) {
    // Not a name the stray cleanup removes: after a crash between the two renames the file stays, shown as a clash.
    const temp = path.join(
      path.dirname(source),
      `${PART_PREFIX}renaming-${randomBytes(4).toString('hex')}-${path.basename(source).slice(0, 120)}`,
    );
    await rename(source, temp);
    try {
      const left = await lstatOrNull(target);
      // Still there: a second hard link to the same file (a case-sensitive file system), which already holds it.
      if (left !== null && (await isSameEntry(temp, left))) await unlink(temp);
      else await rename(temp, target);
    } catch (err) {
      await rename(temp, source);
      throw err;
    }
  } else {
    await rename(source, target);
  }
  await syncFolder(path.dirname(target));
  await syncFolder(path.dirname(source));
}

/** Whether `file` is the very entry `other` describes (same device and inode; never on a file system without inodes). */
async function isSameEntry(file: string, other: BigIntStats): Promise<boolean> {
  const info = await lstatOrNull(file);
  return info !== null && other.ino !== 0n && info.ino === other.ino && info.dev === other.dev;
}

/** Removes an empty folder; a folder that is not empty (something new in it) is left, and false answered. */
export async function removeEmptyFolder(root: string, relative: string): Promise<boolean> {
  const folder = absolutePath(root, relative);
  const info = await lstatOrNull(folder);
  if (info === null) return true;
  if (!info.isDirectory()) return false;
  try {
    await rmdir(folder);
  } catch (err) {
    if (errno(err) === 'ENOTEMPTY' || errno(err) === 'EEXIST') return false;
    if (errno(err) === 'ENOENT') return true;
    throw err;
  }
  await syncFolder(path.dirname(folder));
  return true;
}
