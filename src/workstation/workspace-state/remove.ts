// "Remove this project's local data": deletes what a project's folder holds for the signed-in person and says what
// went, file by file. It never follows a symbolic link (a link is removed as a link; a linked person or project
// folder is refused), never leaves the root, and removes nothing unless everything it would remove is this OS
// user's own. SATRE 1.4.04 (end of a project: deletion of its data).
import type { Stats } from 'node:fs';
import { lstat, readdir, realpath, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { z } from 'zod';
import { EnclaveError } from '../../common/errors.ts';
import { isStateFileOpen } from './disk-store.ts';
import { WORKSPACE_FILES, workspacePaths } from './folder.ts';
import { parseWorkspaceKey } from './owner.ts';
import { folderProblem } from './private-folders.ts';

/**
 * 'tables': the local engine's database, its spill and incoming files (what the analyst loaded and made).
 * 'everything': those, and the editor tabs, query history, saved queries and layout (damaged copies included).
 */
export const RemovalScopeSchema = z.enum(['tables', 'everything']);
export type RemovalScope = z.infer<typeof RemovalScopeSchema>;

export interface RemovedFile {
  /** Relative to the project's folder, e.g. "local.duckdb", "tmp/duckdb_temp_block-1.block". */
  readonly name: string;
  readonly bytes: number;
  /** 'link': a symbolic link, removed as a link (what it pointed at is untouched). */
  readonly kind: 'file' | 'link';
}

export interface RemovedProjectData {
  readonly projectId: string;
  readonly scope: RemovalScope;
  readonly removed: readonly RemovedFile[];
  readonly bytes: number;
  /** What to tell the analyst. */
  readonly summary: string;
}

/** The state store's files (and damaged copies kept aside), which 'tables' keeps. */
const STATE_NAME = new RegExp(`^${path.parse(WORKSPACE_FILES.state).name}(\\.damaged-[^/]+)?\\.sqlite(-wal|-shm)?$`);

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${bytes.toLocaleString('en-GB')} ${bytes === 1 ? 'byte' : 'bytes'}` : `${value.toFixed(1)} ${units[unit]}`;
}

async function lstatOrNull(file: string): Promise<Stats | null> {
  try {
    return await lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new EnclaveError(
      'unavailable',
      `${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); nothing was removed.`,
    );
  }
}

function refuseRemoval(problem: EnclaveError): EnclaveError {
  return new EnclaveError(problem.code, `${problem.message.replace(/ and open the project again\.$/, '.')} Nothing was removed.`);
}

interface Planned {
  readonly file: string;
  readonly name: string;
  readonly info: Stats;
}

/** Everything below the project's folder, children before their folder; refused if any of it is another user's. */
async function plan(folder: string, scope: RemovalScope): Promise<Planned[]> {
  const uid = process.getuid?.();
  const entries: Planned[] = [];
  const visit = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const file = path.join(dir, name);
      const relative = path.relative(folder, file);
      if (scope === 'tables' && dir === folder && STATE_NAME.test(name)) continue;
      const info = await lstat(file);
      if (uid !== undefined && process.platform !== 'win32' && info.uid !== uid) {
        throw new EnclaveError('forbidden', `${file} belongs to another OS user, so Enclave will not remove it. Nothing was removed.`);
      }
      if (info.isDirectory()) await visit(file);
      entries.push({ file, name: relative, info });
    }
  };
  await visit(folder);
  return entries;
}

function summarise(removed: readonly RemovedFile[], scope: RemovalScope): string {
  const what = scope === 'tables' ? "this project's local tables" : "this project's local data";
  if (removed.length === 0) return `There was nothing to remove: ${what} had no files on this computer.`;
  const bytes = removed.reduce((sum, file) => sum + file.bytes, 0);
  const names = removed.slice(0, 5).map((file) => file.name);
  const more = removed.length > names.length ? ` and ${removed.length - names.length} more` : '';
  const count = `${removed.length.toLocaleString('en-GB')} ${removed.length === 1 ? 'file' : 'files'}`;
  return `Removed ${count} (${formatBytes(bytes)}) of ${what}: ${names.join(', ')}${more}.`;
}

/**
 * Removes a project's local data for the signed-in person. Close the project's workspace (its engine and state
 * store) first: an open workspace is refused. A project with nothing on disk is not an error.
 */
export async function removeProjectData(options: {
  root: string;
  owner: unknown;
  projectId: unknown;
  scope: unknown;
}): Promise<RemovedProjectData> {
  const { owner, projectId } = parseWorkspaceKey(options);
  const scopeParsed = RemovalScopeSchema.safeParse(options.scope);
  if (!scopeParsed.success) throw new EnclaveError('invalid_input', 'Say what to remove: "tables" or "everything".');
  const scope = scopeParsed.data;
  const nothing: RemovedProjectData = { projectId, scope, removed: [], bytes: 0, summary: summarise([], scope) };

  if ((await lstatOrNull(path.resolve(options.root))) === null) return nothing;
  const root = await realpath(path.resolve(options.root));
  const { ownerFolder, folder } = workspacePaths({ root, owner, projectId });
  // The id's own rules already forbid "..", "/" and ".": this is the last word on staying inside the root.
  if (path.relative(root, folder).startsWith('..') || path.dirname(path.dirname(folder)) !== root) {
    throw new EnclaveError('invalid_input', 'That project id points outside the workspaces folder. Nothing was removed.');
  }
  for (const dir of [root, ownerFolder, folder]) {
    const info = await lstatOrNull(dir);
    if (info === null) return nothing;
    const problem = folderProblem(dir, info);
    if (problem !== null) throw refuseRemoval(problem);
  }
  if (isStateFileOpen(path.join(folder, WORKSPACE_FILES.state))) {
    throw new EnclaveError('unavailable', "Close this project's workspace before removing its local data. Nothing was removed.");
  }

  const entries = await plan(folder, scope);
  const removed: RemovedFile[] = [];
  for (const entry of entries) {
    try {
      if (entry.info.isDirectory()) await rmdir(entry.file);
      else {
        await unlink(entry.file);
        removed.push({
          name: entry.name,
          bytes: entry.info.isSymbolicLink() ? 0 : entry.info.size,
          kind: entry.info.isSymbolicLink() ? 'link' : 'file',
        });
      }
    } catch (err) {
      const done = removed.length === 0 ? 'Nothing was removed before it.' : summarise(removed, scope);
      throw new EnclaveError(
        'unavailable',
        `${entry.name} could not be removed (${(err as NodeJS.ErrnoException).code ?? 'error'}). ${done} Try again once nothing else uses the project's files.`,
      );
    }
  }
  if (scope === 'everything') {
    // The person's folder goes with their last project; another project's folder keeps it.
    for (const dir of [folder, ownerFolder]) {
      try {
        await rmdir(dir);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST') break;
        throw new EnclaveError(
          'unavailable',
          `${summarise(removed, scope)} The empty folder ${dir} could not be removed (${code ?? 'error'}).`,
        );
      }
    }
  }
  removed.sort((a, b) => a.name.localeCompare(b.name));
  return { projectId, scope, removed, bytes: removed.reduce((sum, file) => sum + file.bytes, 0), summary: summarise(removed, scope) };
}
