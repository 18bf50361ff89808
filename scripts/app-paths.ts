// Where Enclave keeps its data on this machine: the user's app-data directory, or ENCLAVE_DATA_DIR.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function appDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.ENCLAVE_DATA_DIR) return env.ENCLAVE_DATA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Enclave');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Enclave');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'enclave');
}
