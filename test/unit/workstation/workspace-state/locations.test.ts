// Where the workspaces live on each kind of computer, and the one app-data convention the launcher shares.
import path from 'node:path';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { appDataDir as launcherAppDataDir } from '../../../../scripts/app-paths.ts';
import { appDataDir, workspacesRoot } from '../../../../src/workstation/workspace-state/locations.ts';

const home = os.homedir();

describe('the workspaces folder', () => {
  it('is $XDG_DATA_HOME/enclave/workspaces on Linux, ~/.local/share/enclave/workspaces without it', () => {
    expect(workspacesRoot({ XDG_DATA_HOME: '/data/ada' }, 'linux')).toBe('/data/ada/enclave/workspaces');
    expect(workspacesRoot({}, 'linux')).toBe(path.join(home, '.local', 'share', 'enclave', 'workspaces'));
  });

  it('ignores a relative XDG_DATA_HOME, as the XDG spec says', () => {
    expect(workspacesRoot({ XDG_DATA_HOME: 'relative/data' }, 'linux')).toBe(path.join(home, '.local', 'share', 'enclave', 'workspaces'));
  });

  it('is in Application Support on macOS, and in the local (not roaming) app data on Windows', () => {
    expect(workspacesRoot({}, 'darwin')).toBe(path.join(home, 'Library', 'Application Support', 'Enclave', 'workspaces'));
    expect(workspacesRoot({ LOCALAPPDATA: 'C:/Users/ada/AppData/Local', APPDATA: 'C:/Users/ada/AppData/Roaming' }, 'win32')).toBe(
      path.join('C:/Users/ada/AppData/Local', 'Enclave', 'workspaces'),
    );
  });

  it('follows ENCLAVE_DATA_DIR, and ENCLAVE_WORKSPACE_DIR above everything', () => {
    expect(workspacesRoot({ ENCLAVE_DATA_DIR: '/srv/enclave', XDG_DATA_HOME: '/data' }, 'linux')).toBe('/srv/enclave/workspaces');
    expect(workspacesRoot({ ENCLAVE_DATA_DIR: '/srv/enclave' }, 'win32')).toBe('/srv/enclave/workspaces');
    expect(workspacesRoot({ ENCLAVE_WORKSPACE_DIR: '/secure/ws/', ENCLAVE_DATA_DIR: '/srv/enclave' }, 'linux')).toBe('/secure/ws/');
  });

  it('refuses a relative ENCLAVE_WORKSPACE_DIR with a clear error', () => {
    expect(() => workspacesRoot({ ENCLAVE_WORKSPACE_DIR: 'ws' }, 'linux')).toThrow(
      'ENCLAVE_WORKSPACE_DIR must be an absolute path, not "ws".',
    );
  });

  it('shares its app-data folder with the launcher (scripts/app-paths.ts)', () => {
    for (const env of [{}, { ENCLAVE_DATA_DIR: '/srv/enclave' }, { XDG_DATA_HOME: '/data/ada' }]) {
      expect(launcherAppDataDir(env, 'linux')).toBe(appDataDir(env, 'linux'));
    }
  });
});
