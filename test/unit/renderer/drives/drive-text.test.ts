// The Drive screen's words and small rules: breadcrumbs, where a file stands with the local folder (a transfer, a
// file not in step with why, else synced; nothing when there is no sync to ask), the phase and a transfer in words,
// the quota, and the names the forms suggest.
import { describe, expect, it } from 'vitest';
import type { DriveSyncView } from '../../../../src/common/contract.ts';
import {
  breadcrumbs,
  childPath,
  fileNameFor,
  fileSyncState,
  opensAsTable,
  phaseText,
  quotaText,
  tableNameFor,
  transferText,
} from '../../../../renderer/src/drives/drive-text.ts';

function view(status: Partial<NonNullable<DriveSyncView['status']>> | null): DriveSyncView {
  return {
    projectId: 'p',
    mode: 'disk',
    localRoot: '/home/ada/Enclave/p',
    problem: null,
    status:
      status === null
        ? null
        : {
            projectId: 'p',
            localRoot: '/home/ada/Enclave/p',
            phase: 'idle',
            reason: null,
            lastSyncedAt: null,
            transfer: null,
            files: [],
            notices: [],
            pendingDeletes: 0,
            localTrash: null,
            ...status,
          },
  };
}

describe('the drive’s words', () => {
  it('crumbs each folder down from the root', () => {
    expect(breadcrumbs('')).toEqual([{ name: 'Drive', path: '' }]);
    expect(breadcrumbs('a/b c')).toEqual([
      { name: 'Drive', path: '' },
      { name: 'a', path: 'a' },
      { name: 'b c', path: 'a/b c' },
    ]);
    expect(childPath('', 'x.csv')).toBe('x.csv');
    expect(childPath('a/b', 'x.csv')).toBe('a/b/x.csv');
  });

  it('says where a file stands: its transfer, the sync’s reason, else synced, matched whatever its case or Unicode form', () => {
    const status = view({
      transfer: { path: 'up/big.parquet', direction: 'up', done: 1, total: 2 },
      files: [
        { path: 'Notes/cafe\u0301.csv', state: 'busy', detail: 'Open in another program: left alone until it is closed.' },
        { path: 'x.csv', state: 'name_clash', detail: 'Not synced: twin of X.csv.' },
      ],
    });
    expect(fileSyncState(status, 'up/big.parquet')).toEqual({ state: 'uploading', detail: null });
    expect(fileSyncState(status, 'notes/caf\u00e9.csv')).toEqual({
      state: 'busy',
      detail: 'Open in another program: left alone until it is closed.',
    });
    expect(fileSyncState(status, 'x.csv')?.state).toBe('name_clash');
    expect(fileSyncState(status, 'other.csv')).toEqual({ state: 'synced', detail: null });
    expect(fileSyncState(view(null), 'other.csv')).toBeNull();
    expect(fileSyncState(view({ phase: 'stopped' }), 'other.csv')).toBeNull();
    expect(fileSyncState(null, 'other.csv')).toBeNull();
  });

  it('says the phase with its reason, and a transfer with its bytes', () => {
    expect(phaseText(view({})?.status ?? never())).toBe('Up to date');
    expect(phaseText(view({ phase: 'stopped', reason: 'the local folder is gone' }).status ?? never())).toBe(
      'Stopped: the local folder is gone',
    );
    expect(transferText({ path: 'a.csv', direction: 'down', done: 1536, total: 3 * 1024 * 1024 })).toBe(
      'Downloading a.csv: 1.5 KB of 3.0 MB',
    );
  });

  it('says the quota as used of limit, with the share', () => {
    expect(quotaText({ usedBytes: 5 * 1024 ** 3, quotaBytes: 10 * 1024 ** 3 })).toBe('5.0 GB used of 10.0 GB (50%)');
    expect(quotaText({ usedBytes: 1000, quotaBytes: 10 * 1024 ** 3 })).toBe('1000 B used of 10.0 GB (<1%)');
    expect(quotaText({ usedBytes: 0, quotaBytes: 1024 })).toBe('0 B used of 1.0 KB (0%)');
  });

  it('suggests a table name a table may have, from any file name', () => {
    expect(tableNameFor('Admissions by Region.csv')).toBe('admissions_by_region');
    expect(tableNameFor('2026 résumé.parquet')).toBe('t_2026_resume');
    expect(tableNameFor('.arrow')).toBe('arrow');
    expect(tableNameFor('***.csv')).toBe('drive_file');
    expect(tableNameFor(`${'x'.repeat(100)}.csv`)).toHaveLength(63);
  });

  it('gives a file name the format’s extension, replacing another table format’s', () => {
    expect(fileNameFor('admissions', 'csv')).toBe('admissions.csv');
    expect(fileNameFor('admissions.csv', 'parquet')).toBe('admissions.parquet');
    expect(fileNameFor('admissions.CSV', 'csv')).toBe('admissions.CSV');
    expect(fileNameFor('v1.2 final', 'arrow')).toBe('v1.2 final.arrow');
    expect(opensAsTable('a.PARQUET')).toBe(true);
    expect(opensAsTable('a.txt')).toBe(false);
  });
});

function never(): never {
  throw new Error('no status');
}
