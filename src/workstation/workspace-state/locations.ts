// Where Enclave keeps its files on this computer: one convention for the launcher (scripts/app-paths.ts), the
// platform's demo data and the analyst's workspaces.
//   ENCLAVE_DATA_DIR       everything of Enclave's (default: the user's app-data folder, below)
//   ENCLAVE_WORKSPACE_DIR  the analyst's workspaces only (default: <data dir>/workspaces; on Windows the local,
//                          not the roaming, app-data folder, since a workspace's databases can be gigabytes)
import { homedir } from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { EnclaveError } from '../../common/errors.ts';

type Env = Record<string, string | undefined>;

/** The XDG base directory spec: a relative path in these variables is invalid and ignored. */
function absoluteOrUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed && path.isAbsolute(trimmed) ? trimmed : undefined;
}

export function appDataDir(env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.ENCLAVE_DATA_DIR) return env.ENCLAVE_DATA_DIR;
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(homedir(), 'AppData', 'Roaming'), 'Enclave');
  if (platform === 'darwin') return path.join(homedir(), 'Library', 'Application Support', 'Enclave');
  return path.join(absoluteOrUndefined(env.XDG_DATA_HOME) ?? path.join(homedir(), '.local', 'share'), 'enclave');
}

/** The folder that holds every workspace of every person who uses Enclave as this OS user. */
export function workspacesRoot(env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  const configured = env.ENCLAVE_WORKSPACE_DIR?.trim();
  if (configured) {
    if (!path.isAbsolute(configured)) {
      throw new EnclaveError('invalid_input', `ENCLAVE_WORKSPACE_DIR must be an absolute path, not "${configured}".`);
    }
    return path.normalize(configured);
  }
  if (!env.ENCLAVE_DATA_DIR && platform === 'win32') {
    return path.join(env.LOCALAPPDATA ?? path.join(homedir(), 'AppData', 'Local'), 'Enclave', 'workspaces');
  }
  return path.join(appDataDir(env, platform), 'workspaces');
}

/**
 * The folder that holds the project drives' local folders (issue 17), which the person's desktop tools open and save
 * in: ENCLAVE_DRIVES_DIR (absolute), else `Enclave` in their home folder.
 */
export function drivesRoot(env: Env = process.env): string {
  const configured = env.ENCLAVE_DRIVES_DIR?.trim();
  if (configured) {
    if (!path.isAbsolute(configured)) {
      throw new EnclaveError('invalid_input', `ENCLAVE_DRIVES_DIR must be an absolute path, not "${configured}".`);
    }
    return path.normalize(configured);
  }
  return path.join(homedir(), 'Enclave');
}

/** A project id as a folder name: the platform's ids are lower-case letters, digits, "-" and "_" (never "." or "/"). */
function checkedFolderName(kind: string, id: string): string {
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(id)) throw new EnclaveError('invalid_input', `That is not a ${kind} id: "${id}".`);
  return id;
}

/** A project drive's local folder: `<drives root>/<project id>`. */
export function driveFolder(root: string, projectId: string): string {
  return path.join(root, checkedFolderName('project', projectId));
}

/** Where the drives' sync journals live: `<data dir>/drive-sync`, outside every synced folder. */
export function driveSyncRoot(env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  return path.join(appDataDir(env, platform), 'drive-sync');
}

/** One person's sync journal of one project drive: `<sync root>/<user id>/<project id>`. */
export function driveSyncStateDir(options: { root: string; userId: string; projectId: string }): string {
  return path.join(options.root, checkedFolderName('user', options.userId), checkedFolderName('project', options.projectId));
}
