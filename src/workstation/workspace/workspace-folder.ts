// A project's workspace folder on disk: the database file, tmp/ (DuckDB's spill files) and incoming/ (Parquet
// loads on their way in). Another user of the same computer is an attacker (DESIGN.md): the folders are 0700 and
// the files 0600, whatever the process umask, and a folder that is not ours is refused rather than used.
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { EnclaveError } from '../../common/errors.ts';

export interface WorkspaceFolder {
  readonly dir: string;
  readonly database: string;
  readonly tmp: string;
  readonly incoming: string;
}

/** The same name the workspace's folder keeps for it (src/workstation/workspace-state/folder.ts). */
export const DATABASE_FILE = 'local.duckdb';

/**
 * DuckDB creates its files (the WAL, spill files) with the process umask, at moments of its own choosing; the
 * only way to have them private from the start is a umask that makes them so. It is only ever tightened, never
 * loosened: every file the workstation writes should be private anyway (DESIGN.md). Worker threads cannot change
 * it; there the 0700 folders still keep others out, and open/close make the files 0600.
 */
function tightenUmask(): void {
  try {
    const previous = process.umask(0o077);
    process.umask(previous | 0o077);
  } catch {
    // A worker thread: see above.
  }
}

const NOT_A_FOLDER = 'The workspace folder is not a folder (it may be a link to somewhere else), so Enclave will not use it.';

async function privateFolder(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    // A file (or a file on the way) where the folder should be.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
      throw new EnclaveError('forbidden', NOT_A_FOLDER);
    }
    throw err;
  }
  const info = await lstat(dir);
  if (!info.isDirectory() || info.isSymbolicLink()) {
    throw new EnclaveError('forbidden', NOT_A_FOLDER);
  }
  if (typeof process.getuid === 'function' && info.uid !== process.getuid()) {
    throw new EnclaveError('forbidden', 'The workspace folder belongs to another user of this computer, so Enclave will not use it.');
  }
  if ((info.mode & 0o777) !== 0o700) await chmod(dir, 0o700);
}

/** Every regular file directly in `dir` made 0600; folders are left to privateFolder. */
async function privateFiles(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile()) await chmod(path.join(dir, entry.name), 0o600);
  }
}

/** Empties a folder the engine alone fills (leftovers of a crash, or of a load that never finished). */
async function emptied(dir: string): Promise<void> {
  for (const name of await readdir(dir)) await rm(path.join(dir, name), { recursive: true, force: true });
}

/** Creates (or checks and repairs) the folder before DuckDB opens its database there. */
export async function prepareWorkspaceFolder(dir: string): Promise<WorkspaceFolder> {
  tightenUmask();
  const folder: WorkspaceFolder = {
    dir: path.resolve(dir),
    database: path.join(path.resolve(dir), DATABASE_FILE),
    tmp: path.join(path.resolve(dir), 'tmp'),
    incoming: path.join(path.resolve(dir), 'incoming'),
  };
  await privateFolder(folder.dir);
  await privateFolder(folder.tmp);
  await privateFolder(folder.incoming);
  await emptied(folder.tmp);
  await emptied(folder.incoming);
  await privateFiles(folder.dir);
  return folder;
}

/** After DuckDB has opened (or closed) its files: whatever it created is made 0600, and incoming/ emptied. */
export async function tidyWorkspaceFolder(folder: WorkspaceFolder): Promise<void> {
  await privateFiles(folder.dir);
  await emptied(folder.incoming);
}

/** A fresh, unguessable file name in incoming/ for one load. */
export function incomingFile(folder: WorkspaceFolder, extension: 'parquet' | 'csv' = 'parquet'): string {
  return path.join(folder.incoming, `load-${randomBytes(12).toString('hex')}.${extension}`);
}
