// The local trash of one person's copy of one drive (issue 17). A file the engine deletes here because it was deleted on
// the drive is moved here, not unlinked: the trash sits outside the synced folder, in the journal's state folder (0700,
// files 0600), so a compromised or badly restored platform that "deletes" every file cannot destroy the only copy. Each
// deletion gets its own folder, named by when it happened, holding the file under its path in the drive folder. Kept
// LOCAL_TRASH_DAYS, and at most LOCAL_TRASH_MAX_BYTES (the oldest go first).
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, rename, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { EnclaveError } from '../../common/errors.ts';
import { FILE_MODE, FOLDER_MODE, absolutePath, fingerprintOf, openRegular, syncFolder } from './local-fs.ts';

export const LOCAL_TRASH_FOLDER = 'trash';
export const LOCAL_TRASH_DAYS = 30;
export const LOCAL_TRASH_MAX_BYTES = 5 * 1024 ** 3;

const DAY_MS = 24 * 60 * 60 * 1000;
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const COPY_CHUNK = 1024 * 1024;
const posix = process.platform !== 'win32';
/** `2026-12-03T101500123Z-<8 hex>`: when the deletion was made (UTC), and a random tail. */
const ENTRY_NAME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-[0-9a-f]{8}$/;

/** The local trash of the drive whose journal is in `stateDir`. */
export function localTrashDir(stateDir: string): string {
  return path.join(stateDir, LOCAL_TRASH_FOLDER);
}

function entryName(at: number): string {
  const stamp = new Date(at).toISOString().replace(/:/g, '').replace('.', '');
  return `${stamp}-${randomBytes(4).toString('hex')}`;
}

function entryTime(name: string): number | null {
  const match = ENTRY_NAME.exec(name);
  if (match === null) return null;
  const [, year, month, day, hour, minute, second, ms] = match.map(Number);
  return Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second, ms);
}

async function privateFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: FOLDER_MODE });
  if (posix) await chmod(folder, FOLDER_MODE);
}

/** Copies a regular file of the drive folder (never through a link) to a new private file: for a trash on another file system. */
async function copyOut(root: string, options: { disk: string; target: string; fingerprint: string }): Promise<void> {
  const { handle: source, stats } = await openRegular(root, options.disk);
  try {
    if (fingerprintOf(stats) !== options.fingerprint)
      throw new EnclaveError('conflict', `"${options.disk}" changed as it was moved to the local trash; it was left where it is.`);
    const target = await open(options.target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, FILE_MODE);
    try {
      const buffer = Buffer.alloc(COPY_CHUNK);
      for (let position = 0; ;) {
        const { bytesRead } = await source.read(buffer, 0, COPY_CHUNK, position);
        if (bytesRead === 0) break;
        await target.write(buffer, 0, bytesRead, position);
        position += bytesRead;
      }
      await target.sync();
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/**
 * Moves a file of the drive folder into the local trash, keeping its path below a folder of its own; answers where it
 * now is. The file must still be the one that was scanned (its fingerprint), or it is left where it is.
 */
export async function moveToLocalTrash(options: {
  root: string;
  trashDir: string;
  disk: string;
  fingerprint: string;
  at: number;
}): Promise<string> {
  const { root, trashDir, disk } = options;
  const source = absolutePath(root, disk);
  const entry = path.join(trashDir, entryName(options.at));
  const target = path.join(entry, ...disk.split('/'));
  await privateFolder(trashDir);
  await privateFolder(path.dirname(target));
  try {
    await rename(source, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    // The state folder is on another file system: copied out, then removed here.
    await copyOut(root, { disk, target, fingerprint: options.fingerprint });
    await unlink(source);
  }
  if (posix) await chmod(target, FILE_MODE);
  await syncFolder(path.dirname(target));
  await syncFolder(path.dirname(source));
  return target;
}

async function sizeOf(target: string): Promise<number> {
  const info = await lstat(target);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const name of await readdir(target)) total += await sizeOf(path.join(target, name));
  return total;
}

/**
 * Empties the local trash of what is older than LOCAL_TRASH_DAYS, then of the oldest deletions while it holds more than
 * `maxBytes`. Only the trash's own entries (named as it names them) are ever removed.
 */
export async function purgeLocalTrash(options: { trashDir: string; now: number; maxBytes?: number }): Promise<void> {
  let names: string[];
  try {
    names = await readdir(options.trashDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const entries: Array<{ folder: string; at: number; bytes: number }> = [];
  for (const name of names) {
    const at = entryTime(name);
    if (at === null) continue;
    const folder = path.join(options.trashDir, name);
    if (options.now - at > LOCAL_TRASH_DAYS * DAY_MS) {
      await rm(folder, { recursive: true, force: true });
      continue;
    }
    entries.push({ folder, at, bytes: await sizeOf(folder) });
  }
  entries.sort((a, b) => a.at - b.at);
  let total = entries.reduce((sum, each) => sum + each.bytes, 0);
  const maxBytes = options.maxBytes ?? LOCAL_TRASH_MAX_BYTES;
  for (const each of entries) {
    if (total <= maxBytes) break;
    await rm(each.folder, { recursive: true, force: true });
    total -= each.bytes;
  }
}
