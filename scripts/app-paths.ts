// Where Enclave keeps its data on this machine: the user's app-data directory, or ENCLAVE_DATA_DIR. Everything
// under it is the user's alone (0700 folders): other users of a shared desktop must not read a launch page, the
// browser profile or the demo platform's files.
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

// One convention for the launcher and the workstation core (which keeps the analyst's workspaces under it).
export { appDataDir } from '../src/workstation/workspace-state/locations.ts';

/** Launch pages (src/web/launch-page.ts): the file a browser is given instead of the one-time launch URL. */
export function launchPageDir(home: string): string {
  return join(home, 'launch');
}

/** The profile of the Chromium window the launcher opens (its cookies, storage and cache). */
export function chromiumProfileDir(home: string): string {
  return join(home, 'chromium-profile');
}

/**
 * Creates a folder 0700, or makes an existing one of this user's 0700 (an older Enclave, or a umask of 022, left it
 * readable by others). A folder that is not this user's is refused: its owner could read what goes in.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const info = lstatSync(dir);
  const uid = process.getuid?.();
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) {
    throw new Error(`${dir} is not a folder of this user's own; move it away and start Enclave again.`);
  }
  if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}
