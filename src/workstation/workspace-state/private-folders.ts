// The workstation's own check that a workspace is private to this OS user (the platform has its own in
// src/platform/data-dir-privacy.ts, which this layer may not import). Secure environments are shared desktops:
// another user who can enter a workspace folder can read the analyst's local tables and query history.
//   - The chain root → person → project must be real folders (no symbolic links below the root), this user's,
//     and closed to group and others; anything else is refused with what to do about it.
//   - Inside a project's folder, nothing may be a symbolic link (the engine would write where it points) or
//     another user's. A file or folder of this user's that is open to others is tightened (0600 / 0700): nobody
//     could reach it through the closed folder above, and DuckDB creates its files with the process's umask.
// Modes are set explicitly (chmod), whatever the umask. Windows has no POSIX owners or modes: there the folder
// under the user's profile is private by its ACLs, and only the symbolic-link rules apply.
import type { Stats } from 'node:fs';
import { chmod, lstat, mkdir, readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { EnclaveError } from '../../common/errors.ts';

const posix = process.platform !== 'win32';

export const FOLDER_MODE = 0o700;
export const FILE_MODE = 0o600;

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;

function isOthers(info: Stats): boolean {
  const uid = process.getuid?.();
  return posix && uid !== undefined && info.uid !== uid;
}

function isOpen(info: Stats): boolean {
  return posix && (info.mode & 0o077) !== 0;
}

async function lstatOrNull(file: string): Promise<Stats | null> {
  try {
    return await lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new EnclaveError(
      'unavailable',
      `The workspace folder ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
    );
  }
}

function refuse(file: string, why: string, fix: string): EnclaveError {
  return new EnclaveError('unavailable', `Enclave will not use the workspace folder ${file}: ${why}. ${fix}`);
}

/** Why a folder of the chain may not be used, or null. */
export function folderProblem(file: string, info: Stats): EnclaveError | null {
  if (info.isSymbolicLink())
    return refuse(file, 'it is a symbolic link, not a folder Enclave made', 'Move it away and open the project again.');
  if (!info.isDirectory()) return refuse(file, 'it is not a folder', 'Move it away and open the project again.');
  if (isOthers(info))
    return refuse(file, 'it belongs to another OS user', 'Move it away, or give it to your own OS user, and open the project again.');
  if (isOpen(info))
    return refuse(file, `other users can open it (mode ${octal(info.mode)})`, `Run \`chmod -R go= ${file}\` and open the project again.`);
  return null;
}

/** Creates a folder 0700 whatever the umask; `recursive` for the root, whose parents may not exist yet. */
async function createFolder(dir: string, recursive: boolean): Promise<void> {
  try {
    await mkdir(dir, { recursive, mode: FOLDER_MODE });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new EnclaveError(
        'unavailable',
        `The workspace folder ${dir} could not be created (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
      );
    }
  }
  if (posix) await chmod(dir, FOLDER_MODE);
}

/**
 * The workspaces' root, created if missing, as a real path. The root itself may be a symbolic link (an operator may
 * point it at an encrypted volume): its target is judged, and everything below it must be real.
 */
export async function ensurePrivateRoot(root: string): Promise<string> {
  if ((await lstatOrNull(root)) === null) await createFolder(root, true);
  const real = await realpath(root);
  const problem = folderProblem(real, await lstat(real));
  if (problem !== null) throw problem;
  return real;
}

/** A folder below the root (a person's, a project's): created 0700 if missing, refused unless real, ours and closed. */
export async function ensurePrivateFolder(dir: string): Promise<void> {
  let info = await lstatOrNull(dir);
  if (info === null) {
    await createFolder(dir, false);
    info = await lstat(dir);
  }
  const problem = folderProblem(dir, info);
  if (problem !== null) throw problem;
}

/** What is inside a project's folder: refused if anything is a link or another user's; returns what was tightened. */
export async function securePrivateTree(folder: string): Promise<string[]> {
  const tightened: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const file = path.join(dir, name);
      const info = await lstat(file);
      const shown = path.relative(folder, file);
      if (info.isSymbolicLink()) {
        throw refuse(
          file,
          'it is a symbolic link, and the workspace keeps its files only in its own folder',
          'Move it away and open the project again.',
        );
      }
      if (isOthers(info)) throw refuse(file, 'it belongs to another OS user', 'Move it away and open the project again.');
      if (isOpen(info)) {
        await chmod(file, info.isDirectory() ? FOLDER_MODE : FILE_MODE);
        tightened.push(shown);
      }
      if (info.isDirectory()) await visit(file);
    }
  };
  await visit(folder);
  return tightened;
}
