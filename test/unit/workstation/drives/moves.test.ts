// Moves (issue 17): a folder renamed here is found by its files' inodes (or content) under a new prefix; a folder or
// file moved on the drive by the same content under a new path; a spelling-only rename is a move of the same entry;
// a file changed on the drive meanwhile, an ambiguous match or a move already tried is not proposed.
import { describe, expect, it } from 'vitest';
import { driveEtag, drivePathKey, type DriveEntry } from '../../../../src/common/drives.ts';
import type { BaseRecord } from '../../../../src/workstation/drives/journal.ts';
import { findMoves, movedRecords, moveId, type MoveInput } from '../../../../src/workstation/drives/moves.ts';
import { diskPathFor, type HashedEntry, type HashedFile } from '../../../../src/workstation/drives/plan.ts';

const H = (n: number): string => n.toString(16).padStart(64, '0');

function base(entryPath: string, sha: string | null, inode = 0): BaseRecord {
  return {
    key: drivePathKey(entryPath),
    path: entryPath,
    kind: sha === null ? 'folder' : 'file',
    sha256: sha,
    etag: sha === null ? null : driveEtag(sha, 1),
    size: 1,
    fingerprint: sha === null ? null : `1:1:1:${inode}`,
    hashedAt: 0,
  };
}
function local(entryPath: string, sha: string | null, inode = 0): HashedEntry {
  if (sha === null) return { kind: 'folder', path: entryPath, disk: entryPath, key: drivePathKey(entryPath) };
  return {
    kind: 'file',
    path: entryPath,
    disk: entryPath,
    key: drivePathKey(entryPath),
    size: 1,
    fingerprint: `1:1:1:${inode}`,
    stats: {} as HashedFile['stats'],
    sha256: sha,
    hashedAt: 0,
  };
}
function remote(entryPath: string, sha: string | null, version = 1): DriveEntry {
  return {
    path: entryPath,
    name: entryPath.slice(entryPath.lastIndexOf('/') + 1),
    kind: sha === null ? 'folder' : 'file',
    size: 1,
    sha256: sha,
    etag: sha === null ? null : driveEtag(sha, version),
    version,
    modifiedAt: '2026-12-03T09:00:00.000Z',
    modifiedBy: { id: 'bob', name: 'Bob' },
    lockedBy: null,
  };
}
function moves(parts: { base: BaseRecord[]; local: HashedEntry[]; remote: DriveEntry[]; tried?: string[] }) {
  const input: MoveInput = {
    base: new Map(parts.base.map((each) => [each.key, each])),
    local: new Map(parts.local.map((each) => [each.key, each])),
    remote: new Map(parts.remote.map((each) => [drivePathKey(each.path), each])),
    blocked: new Map(),
    tried: new Set(parts.tried ?? []),
  };
  return findMoves(input, (drivePath) => diskPathFor(drivePath, input.local));
}

describe('findMoves', () => {
  it('finds a folder renamed here by its files’ inodes, even with some files edited, as one move', () => {
    const files = [1, 2, 3, 4];
    const found = moves({
      base: [base('old', null), ...files.map((n) => base(`old/f${n}`, H(n), 100 + n))],
      local: [local('new', null), ...files.map((n) => local(`new/f${n}`, n === 4 ? H(99) : H(n), 100 + n))],
      remote: [remote('old', null), ...files.map((n) => remote(`old/f${n}`, H(n)))],
    });
    expect(found).toEqual([{ side: 'remote', from: 'old', to: 'new', folder: true, ifMatch: null }]);
  });

  it('needs at least half of a folder’s files found again, and a destination nobody knows', () => {
    const files = [1, 2, 3, 4];
    const fewFound = moves({
      base: [base('old', null), ...files.map((n) => base(`old/f${n}`, H(n), 100 + n))],
      local: [local('new', null), local('new/f1', H(1), 101)],
      remote: [remote('old', null), ...files.map((n) => remote(`old/f${n}`, H(n)))],
    });
    // Not the folder; the one file found is a file's own move (its folder is made on the drive first).
    expect(fewFound).toEqual([{ side: 'remote', from: 'old/f1', to: 'new/f1', folder: false, ifMatch: driveEtag(H(1), 1) }]);
    const taken = moves({
      base: [base('old', null), base('old/f1', H(1), 101)],
      local: [local('new', null), local('new/f1', H(1), 101)],
      remote: [remote('old', null), remote('old/f1', H(1)), remote('new', null)],
    });
    expect(taken.filter((each) => each.folder)).toEqual([]);
  });

  it('finds a file renamed here by inode and content, on the ETag the drive has; not when the drive changed it meanwhile', () => {
    expect(moves({ base: [base('a.txt', H(1), 7)], local: [local('b.txt', H(1), 7)], remote: [remote('a.txt', H(1), 3)] })).toEqual([
      { side: 'remote', from: 'a.txt', to: 'b.txt', folder: false, ifMatch: driveEtag(H(1), 3) },
    ]);
    expect(moves({ base: [base('a.txt', H(1), 7)], local: [local('b.txt', H(1), 7)], remote: [remote('a.txt', H(2), 2)] })).toEqual([]);
  });

  it('does not guess between two new files with the same content and no inode', () => {
    expect(
      moves({ base: [base('a.txt', H(1))], local: [local('b.txt', H(1)), local('c.txt', H(1))], remote: [remote('a.txt', H(1))] }),
    ).toEqual([]);
  });

  it('finds a folder and a file moved on the drive by content, as local renames', () => {
    const found = moves({
      base: [base('raw', null), base('raw/x', H(1)), base('raw/y', H(2)), base('draft.md', H(3))],
      local: [local('raw', null), local('raw/x', H(1)), local('raw/y', H(2)), local('draft.md', H(3))],
      remote: [
        remote('archive', null),
        remote('archive/x', H(1), 2),
        remote('archive/y', H(2), 2),
        remote('papers', null),
        remote('papers/final.md', H(3), 2),
      ],
    });
    expect(found).toEqual([
      { side: 'local', from: 'raw', to: 'archive', folder: true, fromDisk: 'raw', toDisk: 'archive' },
      { side: 'local', from: 'draft.md', to: 'papers/final.md', folder: false, fromDisk: 'draft.md', toDisk: 'papers/final.md' },
    ]);
  });

  it('treats a change of case on one side as a move of the same entry, and does not propose a move already tried', () => {
    const here = moves({ base: [base('report.csv', H(1))], local: [local('Report.csv', H(1))], remote: [remote('report.csv', H(1))] });
    expect(here).toEqual([{ side: 'remote', from: 'report.csv', to: 'Report.csv', folder: false, ifMatch: driveEtag(H(1), 1) }]);
    const there = moves({ base: [base('report.csv', H(1))], local: [local('report.csv', H(1))], remote: [remote('REPORT.csv', H(1))] });
    expect(there).toEqual([
      { side: 'local', from: 'report.csv', to: 'REPORT.csv', folder: false, fromDisk: 'report.csv', toDisk: 'REPORT.csv' },
    ]);
    const again = moves({
      base: [base('report.csv', H(1))],
      local: [local('Report.csv', H(1))],
      remote: [remote('report.csv', H(1))],
      tried: [moveId({ from: 'report.csv', to: 'Report.csv' })],
    });
    expect(again).toEqual([]);
  });
});

describe('movedRecords', () => {
  it('moves every record at or below the old path, keeping hashes and hints', () => {
    const records = new Map(
      [base('old', null), base('old/a', H(1), 5), base('old/sub/b', H(2), 6), base('other', H(3))].map((each) => [each.key, each]),
    );
    const { removed, added } = movedRecords(records, { from: 'old', to: 'new/place' });
    expect(removed.sort()).toEqual(['old', 'old/a', 'old/sub/b']);
    expect(added.map((each) => [each.key, each.path, each.sha256])).toEqual([
      ['new/place', 'new/place', null],
      ['new/place/a', 'new/place/a', H(1)],
      ['new/place/sub/b', 'new/place/sub/b', H(2)],
    ]);
  });
});
