// One folder per person and project: <root>/<hash of issuer and sub>/<project id>/, private to this OS user.
// The engine's database, its spill and incoming folders and the state file (tabs, history, saved queries, layout)
// all live in it, so removing a project's local data is removing what is in one folder.
import path from 'node:path';
import { ensurePrivateFolder, ensurePrivateRoot, securePrivateTree } from './private-folders.ts';
import { ownerFolderName, parseWorkspaceKey, type WorkspaceOwner } from './owner.ts';

/** The files of a project's folder, by name: the engine's and the state store's (see removeProjectData's scopes). */
export const WORKSPACE_FILES = {
  database: 'local.duckdb',
  tmp: 'tmp',
  incoming: 'incoming',
  state: 'state.sqlite',
} as const;

declare const opened: unique symbol;

/**
 * A project's folder, checked and ready. Only openWorkspaceFolder makes one (the brand), so whatever takes a
 * WorkspaceFolder (the state store, the native engine) was given the signed-in person's issuer and sub.
 */
export interface WorkspaceFolder {
  readonly owner: WorkspaceOwner;
  readonly projectId: string;
  /** The project's folder. */
  readonly folder: string;
  /** The native engine's database file (DuckDB adds its own `.wal` beside it). */
  readonly database: string;
  /** Where the engine spills (DuckDB's temp_directory). */
  readonly tmpDir: string;
  /** Where streams land before they become tables. */
  readonly incomingDir: string;
  /** The state store: tabs, history, saved queries, layout. */
  readonly stateFile: string;
  /** Names (relative to `folder`) whose modes were opened by the umask and have been made private (for the log). */
  readonly tightened: readonly string[];
  readonly [opened]: true;
}

/**
 * Makes private again what was created in the folder with the process's umask (DuckDB creates its database, WAL
 * and spill files that way); refuses links and other users' files. The engine calls it after opening its database;
 * openWorkspaceFolder does it on every open. Returns the names it tightened.
 */
export async function sealWorkspaceFolder(folder: WorkspaceFolder): Promise<readonly string[]> {
  return securePrivateTree(folder.folder);
}

/** The person's and project's folder names under a root, checked; nothing is created. */
export function workspacePaths(options: { root: string; owner: unknown; projectId: unknown }): {
  owner: WorkspaceOwner;
  projectId: string;
  ownerFolder: string;
  folder: string;
} {
  const { owner, projectId } = parseWorkspaceKey(options);
  const ownerFolder = path.join(path.resolve(options.root), ownerFolderName(owner));
  return { owner, projectId, ownerFolder, folder: path.join(ownerFolder, projectId) };
}

/**
 * Opens (creating on first use) the signed-in person's folder for a project. Refuses a root, person or project
 * folder that is a link, another OS user's, or open to others; makes private what the umask left open inside.
 */
export async function openWorkspaceFolder(options: { root: string; owner: unknown; projectId: unknown }): Promise<WorkspaceFolder> {
  const { owner, projectId } = parseWorkspaceKey(options);
  const root = await ensurePrivateRoot(path.resolve(options.root));
  const ownerFolder = path.join(root, ownerFolderName(owner));
  const folder = path.join(ownerFolder, projectId);
  await ensurePrivateFolder(ownerFolder);
  await ensurePrivateFolder(folder);
  const tightened = await securePrivateTree(folder);
  const tmpDir = path.join(folder, WORKSPACE_FILES.tmp);
  const incomingDir = path.join(folder, WORKSPACE_FILES.incoming);
  await ensurePrivateFolder(tmpDir);
  await ensurePrivateFolder(incomingDir);
  return {
    owner,
    projectId,
    folder,
    database: path.join(folder, WORKSPACE_FILES.database),
    tmpDir,
    incomingDir,
    stateFile: path.join(folder, WORKSPACE_FILES.state),
    tightened,
  } as unknown as WorkspaceFolder;
}
