// A finished file (the local engine's export, in its own incoming/ folder) moved whole into a project drive's local
// folder (issue 17), so the drive's sync sees it only once it is complete: copied to a hidden temporary file in the
// target folder (a name the sync leaves alone), flushed to disk, then linked (or, to replace, renamed) into place and
// the folder flushed. Nothing is written outside the drive's folder: no link is followed on the way, folders that
// are missing are made (0700), and a name that clashes with another (case, Unicode form) is refused with its reason.
import { randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { link, lstat, mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { bestEffort } from '../../common/detached.ts';
import { driveBaseName, driveNameKey, drivePathProblem, drivePathSegments, parentDrivePath } from '../../common/drives.ts';
import { EnclaveError } from '../../common/errors.ts';
// The prefix of the sync engine's own temporary files, which it never syncs.
import { PART_PREFIX } from '../drives/local-fs.ts';

const COPY_CHUNK_BYTES = 1024 * 1024;

async function lstatOrNull(file: string): Promise<Stats | null> {
  try {
    return await lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function mine(info: Stats): boolean {
  return typeof process.getuid !== 'function' || info.uid === process.getuid();
}

const nothingSaved = (message: string, code: 'invalid_input' | 'conflict' | 'forbidden' | 'unavailable' = 'invalid_input') =>
  new EnclaveError(code, `${message} Nothing was saved.`);

/** The entry of `dir` whose name is a twin of `name` under another spelling (case, Unicode form), if any. */
async function twinOf(dir: string, name: string): Promise<string | null> {
  const key = driveNameKey(name);
  for (const entry of await readdir(dir)) {
    if (entry !== name && driveNameKey(entry) === key) return entry;
  }
  return null;
}

/** The folder for `folderPath` below `root`, made where missing; every step a plain folder of this user's, never a link. */
async function targetFolder(root: string, folderPath: string): Promise<string> {
  const top = await lstatOrNull(root);
  if (top === null) {
    throw nothingSaved(`The drive's local folder ${root} is not there (its sync makes it on its first pass).`, 'unavailable');
  }
  if (!top.isDirectory() || top.isSymbolicLink() || !mine(top)) {
    throw nothingSaved(`The drive's local folder ${root} is not a plain folder of yours, so Enclave will not write in it.`, 'forbidden');
  }
  let dir = root;
  for (const segment of drivePathSegments(folderPath)) {
    const twin = await twinOf(dir, segment);
    if (twin !== null) {
      throw nothingSaved(
        `The folder "${segment}" clashes with "${twin}" beside it (names that differ only in case or Unicode form are one name in a drive).`,
      );
    }
    const next = path.join(dir, segment);
    const info = await lstatOrNull(next);
    if (info === null) {
      await mkdir(next, { mode: 0o700 });
    } else if (!info.isDirectory() || info.isSymbolicLink() || !mine(info)) {
      throw nothingSaved(`"${segment}" in the drive's local folder is not a plain folder of yours.`, 'forbidden');
    }
    dir = next;
  }
  return dir;
}

/** Copies `source` to a new file (never an existing one, never through a link), flushed to disk before it is closed. */
async function copyFlushed(source: string, target: string): Promise<void> {
  const input = await open(source, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const output = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      const buffer = Buffer.alloc(COPY_CHUNK_BYTES);
      for (;;) {
        const { bytesRead } = await input.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        await output.write(buffer, 0, bytesRead);
      }
      await output.sync();
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}

async function flushFolder(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Puts the file at `file` into the drive's local folder `root` at `drivePath` (its names checked by the drive's name
 * policy), whole or not at all; `replace` lets it take the place of a file of that name. Answers the local path.
 */
export async function placeInDriveFolder(options: { root: string; drivePath: string; file: string; replace: boolean }): Promise<string> {
  const problem = drivePathProblem(options.drivePath);
  if (problem !== null || options.drivePath === '') throw nothingSaved(`That is not a path in the drive: ${problem ?? 'it is empty'}.`);
  const name = driveBaseName(options.drivePath);
  const dir = await targetFolder(path.resolve(options.root), parentDrivePath(options.drivePath));
  const twin = await twinOf(dir, name);
  if (twin !== null) {
    throw nothingSaved(
      `"${name}" clashes with "${twin}" beside it (names that differ only in case or Unicode form are one name in a drive).`,
    );
  }
  const target = path.join(dir, name);
  const existing = await lstatOrNull(target);
  if (existing !== null) {
    if (!existing.isFile() || existing.isSymbolicLink()) throw nothingSaved(`"${name}" in the drive is not a file.`, 'conflict');
    if (!options.replace) {
      throw nothingSaved(`A file named "${name}" is already in that folder of the drive. Choose another name, or replace it.`, 'conflict');
    }
  }
  const part = path.join(dir, `${PART_PREFIX}${randomBytes(12).toString('hex')}`);
  try {
    await copyFlushed(options.file, part);
    if (options.replace) {
      await rename(part, target);
    } else {
      // link() never replaces: a file of that name made meanwhile (by the sync, or a desktop tool) is kept.
      try {
        await link(part, target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          throw nothingSaved(
            `A file named "${name}" appeared in that folder of the drive meanwhile. Choose another name, or replace it.`,
            'conflict',
          );
        }
        // A file system without hard links: checked again, then renamed (which would replace).
        if ((await lstatOrNull(target)) !== null) {
          throw nothingSaved(
            `A file named "${name}" appeared in that folder of the drive meanwhile. Choose another name, or replace it.`,
            'conflict',
          );
        }
        await rename(part, target);
      }
    }
    await flushFolder(dir);
    return target;
  } finally {
    // After a link, the temporary name goes; after a rename or a failure, whatever is left of it.
    await bestEffort(unlink(part));
  }
}
