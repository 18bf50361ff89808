// Where the project drives live on this computer (issue 17): their local folders under ENCLAVE_DRIVES_DIR (an absolute
// path) or ~/Enclave, one per project id; the sync journals under the data dir's drive-sync/, per user and project. An
// id that could climb out of its folder is refused before anything is made.
import { homedir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { driveFolder, drivesRoot, driveSyncRoot, driveSyncStateDir } from '../../../src/workstation/workspace-state/locations.ts';
import { errorOf } from '../../support/error-of.ts';

describe('the drives’ folders', () => {
  it('keeps local folders in ENCLAVE_DRIVES_DIR, else ~/Enclave, one per project', () => {
    expect(drivesRoot({})).toBe(path.join(homedir(), 'Enclave'));
    expect(drivesRoot({ ENCLAVE_DRIVES_DIR: ' /srv/drives/ ' })).toBe('/srv/drives/');
    expect(driveFolder('/srv/drives', 'covid-outcomes')).toBe('/srv/drives/covid-outcomes');
  });

  it('refuses a relative ENCLAVE_DRIVES_DIR', async () => {
    const error = await errorOf(Promise.resolve().then(() => drivesRoot({ ENCLAVE_DRIVES_DIR: 'Enclave' })));
    expect(error).toMatchObject({ code: 'invalid_input', message: 'ENCLAVE_DRIVES_DIR must be an absolute path, not "Enclave".' });
  });

  it('keeps the journals in the data dir’s drive-sync/, per user and project', () => {
    expect(driveSyncRoot({ ENCLAVE_DATA_DIR: '/data/enclave' }, 'linux')).toBe('/data/enclave/drive-sync');
    expect(driveSyncStateDir({ root: '/data/enclave/drive-sync', userId: 'demo-analyst', projectId: 'covid-outcomes' })).toBe(
      '/data/enclave/drive-sync/demo-analyst/covid-outcomes',
    );
  });

  it('refuses an id that is not one (it could climb out of its folder)', async () => {
    for (const id of ['..', '../x', 'a/b', '', '.hidden', 'A']) {
      expect((await errorOf(Promise.resolve().then(() => driveFolder('/srv/drives', id)))).code).toBe('invalid_input');
      expect((await errorOf(Promise.resolve().then(() => driveSyncStateDir({ root: '/d', userId: id, projectId: 'p' })))).code).toBe(
        'invalid_input',
      );
    }
  });
});
