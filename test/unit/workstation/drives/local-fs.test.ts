// The engine's renames in the local folder (issue 17): a target that is taken is refused, unless it is the entry
// itself under another spelling (a case-only rename on a case-insensitive file system, where both names reach one
// inode), which is then made through a temporary name. A hard link stands in for the second spelling here.
import { link, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isWorkstationPartName, renameEntry } from '../../../../src/workstation/drives/local-fs.ts';
import { errorOf } from '../../../support/error-of.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'enclave-rename-'));
  await mkdir(path.join(root, 'data'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('renameEntry', () => {
  it('renames onto a target that is the same device and inode (one file, two spellings), leaving one name', async () => {
    await writeFile(path.join(root, 'data', 'report.csv'), 'the only copy');
    await link(path.join(root, 'data', 'report.csv'), path.join(root, 'data', 'Report.csv'));
    await renameEntry(root, { from: 'data/report.csv', to: 'data/Report.csv' });
    expect(await readdir(path.join(root, 'data'))).toEqual(['Report.csv']);
    expect(await readFile(path.join(root, 'data', 'Report.csv'), 'utf8')).toBe('the only copy');
  });

  it('refuses a target that is another file, and changes nothing', async () => {
    await writeFile(path.join(root, 'data', 'report.csv'), 'mine');
    await writeFile(path.join(root, 'data', 'Report.csv'), 'another file');
    const refused = await errorOf(renameEntry(root, { from: 'data/report.csv', to: 'data/Report.csv' }));
    expect(refused.code).toBe('conflict');
    expect(refused.message).toMatch(/already exists here; "data\/report.csv" was not moved/);
    expect((await readdir(path.join(root, 'data'))).sort()).toEqual(['Report.csv', 'report.csv']);
    expect(await readFile(path.join(root, 'data', 'report.csv'), 'utf8')).toBe('mine');
  });
});

describe('isWorkstationPartName', () => {
  it('names only the engine’s and the saves’ temporary files: never a rename’s, which a crash may leave holding a file', () => {
    expect(isWorkstationPartName('.enclave-part-0123456789abcdef')).toBe(true);
    expect(isWorkstationPartName('.enclave-part-0123456789abcdef01234567')).toBe(true);
    expect(isWorkstationPartName('.enclave-part-renaming-01234567-report.csv')).toBe(false);
    expect(isWorkstationPartName('.enclave-part-0123456789ABCDEF')).toBe(false);
    expect(isWorkstationPartName('.enclave-part-0123456789abcdef0')).toBe(false);
  });
});
