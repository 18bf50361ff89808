// Checks and fixes on file modes for tests about the platform's private files.
import { chmod, lstat, readdir } from 'node:fs/promises';
import path from 'node:path';

/** Every path under `root` (itself included) that group or others can read, write or enter, with its mode. */
export async function pathsOpenToOthers(root: string): Promise<string[]> {
  const open: string[] = [];
  const visit = async (file: string): Promise<void> => {
    // A file the platform removed meanwhile (a finished build's temporary file) is open to nobody.
    const info = await lstat(file).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (info === null) return;
    if (!info.isSymbolicLink() && (info.mode & 0o077) !== 0)
      open.push(`${path.relative(root, file) || '.'} ${(info.mode & 0o777).toString(8)}`);
    if (info.isDirectory()) for (const name of await readdir(file)) await visit(path.join(file, name));
  };
  await visit(root);
  return open;
}

/** Every path under `root`, itself included. */
export async function allPaths(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true });
  return ['.', ...entries.map((entry) => String(entry))];
}

/** `chmod -R go= root`: what the platform's refusal tells the operator to run. */
export async function makePrivate(root: string): Promise<void> {
  const info = await lstat(root);
  await chmod(root, info.mode & 0o700);
  if (info.isDirectory()) for (const name of await readdir(root)) await makePrivate(path.join(root, name));
}
