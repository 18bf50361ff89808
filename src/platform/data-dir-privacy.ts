// The platform's data folder holds patient-level data, the metadata store and the identity keys: on a shared
// computer nobody but the platform's own OS user may read, write or enter any of it. `enclave platform serve`
// refuses a folder where that does not hold, and says how to fix it.
import { lstat, readdir, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { EnclaveError } from '../common/errors.ts';

export interface OpenPath {
  readonly path: string;
  /** Permission bits, e.g. 0o755. */
  readonly mode: number;
  /** 'others' (group or world bits set) or 'owner' (another OS user owns it). */
  readonly problem: 'others' | 'owner';
}

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;

function judge(file: string, info: Stats): OpenPath | null {
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) return { path: file, mode: info.mode & 0o777, problem: 'owner' };
  if ((info.mode & 0o077) !== 0) return { path: file, mode: info.mode & 0o777, problem: 'others' };
  return null;
}

/** Every path in the tree (the folder itself included) that is not private to this OS user. Symbolic links are judged by their target and not followed further. */
export async function findOpenPaths(dataDir: string): Promise<OpenPath[]> {
  const found: OpenPath[] = [];
  const visit = async (file: string): Promise<void> => {
    const own = await lstat(file);
    const info = own.isSymbolicLink() ? await stat(file).catch(() => null) : own;
    if (info === null) return;
    const open = judge(file, info);
    if (open !== null) found.push(open);
    if (own.isDirectory()) {
      for (const name of (await readdir(file)).sort()) await visit(path.join(file, name));
    }
  };
  await visit(dataDir);
  return found;
}

/** Refuses (EnclaveError 'unavailable') a data folder that others can read, write or enter. A missing folder passes: there is nothing to leak, and the manifest check says what to do. */
export async function assertDataDirPrivate(dataDir: string): Promise<void> {
  const root = path.resolve(dataDir);
  if (
    !(await stat(root).then(
      () => true,
      () => false,
    ))
  )
    return;
  const open = await findOpenPaths(root);
  if (open.length === 0) return;
  const shown = open
    .slice(0, 3)
    .map((entry) =>
      entry.problem === 'owner'
        ? `${entry.path} belongs to another OS user`
        : `${entry.path} is open to other users (mode ${octal(entry.mode)})`,
    );
  const more = open.length > shown.length ? ` and ${open.length - shown.length} more` : '';
  const fix = open.some((entry) => entry.problem === 'owner')
    ? `Give the folder to the OS user that runs the platform (chown -R) and run \`chmod -R go= ${root}\``
    : `Run \`chmod -R go= ${root}\``;
  throw new EnclaveError(
    'unavailable',
    `The platform's data folder must be private to the OS user that runs it, but ${shown.join('; ')}${more}. ${fix} and start again.`,
  );
}
