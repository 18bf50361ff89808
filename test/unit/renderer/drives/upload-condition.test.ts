// The condition a save straight to the platform is uploaded under (renderer/src/drives/upload-condition.ts): decided
// from the folder's listing, as the contract's client answers it. Nothing of that name: only if it stays so. The file
// the person asked to replace: only if it is still the version they saw. A file not to be replaced, a folder, or a twin
// in another case is refused before anything is sent, saying that nothing was saved; an NFD spelling is the same file.
import { describe, expect, it } from 'vitest';
import { createClient, type Client, type Transport } from '../../../../src/common/client.ts';
import { driveEtag, type DriveEntry, type DriveFolder } from '../../../../src/common/drives.ts';
import { uploadCondition } from '../../../../renderer/src/drives/upload-condition.ts';
import { errorOf } from '../../../support/error-of.ts';

const SHA = 'a'.repeat(64);
const ADA = { id: 'ada', name: 'Ada Analyst' };

function entry(path: string, kind: DriveEntry['kind'] = 'file', version = 2): DriveEntry {
  return {
    path,
    name: path.slice(path.lastIndexOf('/') + 1),
    kind,
    size: kind === 'file' ? 40 : 0,
    sha256: kind === 'file' ? SHA : null,
    etag: kind === 'file' ? driveEtag(SHA, version) : null,
    version,
    modifiedAt: '2026-12-03T10:00:00.000Z',
    modifiedBy: ADA,
    lockedBy: null,
  };
}

/** A client whose platform holds one folder: every call is recorded, and only drive.folder is answered. */
function clientWith(folder: string, entries: DriveEntry[]): { client: Client; calls: Array<{ name: string; payload: unknown }> } {
  const calls: Array<{ name: string; payload: unknown }> = [];
  const listing: DriveFolder = {
    drive: {
      projectId: 'covid-outcomes',
      driveId: 'drive-1',
      epoch: 1,
      quotaBytes: 10_000_000,
      usedBytes: 80,
      keepVersions: 10,
      trashDays: 30,
      files: entries.length,
    },
    path: folder,
    entries,
  };
  const transport: Transport = {
    invoke(name, payload) {
      calls.push({ name, payload });
      return name === 'drive.folder' ? Promise.resolve(listing) : Promise.reject(new Error(`unexpected call ${name}`));
    },
    listen: () => () => undefined,
  };
  return { client: createClient(transport), calls };
}

const ASK = { projectId: 'covid-outcomes', folder: 'results' };

describe('the condition of an upload into the drive', () => {
  it('is "only if still absent" for a new name, read from the folder the file goes into', async () => {
    const { client, calls } = clientWith('results', [entry('results/other.csv')]);
    expect(await uploadCondition({ client, ...ASK, name: 'cases.csv', replace: false })).toEqual({ ifAbsent: true });
    expect(calls).toEqual([{ name: 'drive.folder', payload: { projectId: 'covid-outcomes', path: 'results' } }]);
  });

  it('is "only if still the version seen" for a file the person asked to replace', async () => {
    const { client } = clientWith('results', [entry('results/cases.csv', 'file', 3)]);
    expect(await uploadCondition({ client, ...ASK, name: 'cases.csv', replace: true })).toEqual({ ifMatch: driveEtag(SHA, 3) });
  });

  it('refuses a file of that name the person did not ask to replace', async () => {
    const { client } = clientWith('results', [entry('results/cases.csv')]);
    const err = await errorOf(uploadCondition({ client, ...ASK, name: 'cases.csv', replace: false }));
    expect(err.code).toBe('conflict');
    expect(err.message).toBe('A file named “cases.csv” is already in that folder. Choose another name, or replace it. Nothing was saved.');
  });

  it('refuses a twin spelled in another case, and a folder of that name, even when replacing', async () => {
    const { client } = clientWith('results', [entry('results/Cases.csv'), entry('results/charts', 'folder')]);
    for (const name of ['cases.csv', 'charts']) {
      const err = await errorOf(uploadCondition({ client, ...ASK, name, replace: true }));
      expect(err.code).toBe('conflict');
      expect(err.message).toMatch(/^“.+” clashes with “.+” in that folder\. Choose another name\. Nothing was saved\.$/);
    }
  });

  it('takes a name typed in NFD for the same file as its NFC spelling (the drive keeps names in NFC)', async () => {
    const { client } = clientWith('results', [entry('results/r\u00e9gions.csv', 'file', 4)]);
    const typed = 're\u0301gions.csv';
    expect(await uploadCondition({ client, ...ASK, name: typed, replace: true })).toEqual({ ifMatch: driveEtag(SHA, 4) });
    expect((await errorOf(uploadCondition({ client, ...ASK, name: typed, replace: false }))).message).toMatch(/already in that folder/);
  });

  it('asks nothing of the platform once the call is cancelled', async () => {
    const { client, calls } = clientWith('results', []);
    const controller = new AbortController();
    controller.abort();
    const err = await errorOf(uploadCondition({ client, ...ASK, name: 'cases.csv', replace: false, signal: controller.signal }));
    expect(err.code).toBe('cancelled');
    expect(calls).toEqual([]);
  });
});
