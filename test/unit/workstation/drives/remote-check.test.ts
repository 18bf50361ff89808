// The gate every tree from the platform passes (issue 17): the platform is not trusted with this computer's files, so
// a path that is absolute, climbs, carries a backslash, a NUL or a drive letter, is not canonical, twins another,
// sits below a file or below a refused folder, or a file whose ETag does not name its content, is refused with why.
import { describe, expect, it } from 'vitest';
import { driveEtag, type DriveEntry, type DriveTree } from '../../../../src/common/drives.ts';
import { checkRemoteTree, printable, remotePathProblem } from '../../../../src/workstation/drives/remote-check.ts';

const SHA = 'e'.repeat(64);

function entry(entryPath: string, kind: 'file' | 'folder' = 'file', overrides: Partial<DriveEntry> = {}): DriveEntry {
  return {
    path: entryPath,
    name: entryPath.slice(entryPath.lastIndexOf('/') + 1),
    kind,
    size: kind === 'file' ? 3 : 0,
    sha256: kind === 'file' ? SHA : null,
    etag: kind === 'file' ? driveEtag(SHA, 1) : null,
    version: 1,
    modifiedAt: '2026-12-03T09:00:00.000Z',
    modifiedBy: { id: 'bob', name: 'Bob' },
    lockedBy: null,
    ...overrides,
  };
}

function tree(entries: DriveEntry[]): DriveTree {
  return {
    drive: { projectId: 'p', driveId: 'd', epoch: 1, quotaBytes: 10, usedBytes: 0, keepVersions: 1, trashDays: 1, files: 0 },
    cursor: 1,
    entries,
  };
}

describe('remotePathProblem', () => {
  it.each([
    ['../x', /climbs out/],
    ['a/../../b', /climbs out/],
    ['a/./b', /climbs out/],
    ['/etc/passwd', /absolute/],
    ['a\\b', /backslash/],
    ['a\u0000b', /NUL/],
    ['C:/x', /drive letter/],
    ['c:x', /drive letter/],
    ['a//b', /empty part/],
    ['con', /device name/],
    ['cafe\u0301', /canonical/],
    ['', /empty/],
  ])('refuses %j', (value, reason) => {
    expect(remotePathProblem(value)).toMatch(reason);
  });

  it('accepts a canonical path, odd-looking but harmless names included', () => {
    for (const value of ['a', 'dir/a b#%.txt', '..%2F..%2Fetc', 'caf\u00e9/r\u00e9sum\u00e9.txt', '...x'])
      expect(remotePathProblem(value)).toBeNull();
    expect(remotePathProblem(42)).toBe('the path is not text');
  });
});

describe('checkRemoteTree', () => {
  it('keeps good entries and refuses twins, entries below a file, below a refused or twin folder, and ETags that do not name the content', () => {
    const checked = checkRemoteTree(
      tree([
        entry('docs', 'folder'),
        entry('docs/a.txt'),
        entry('Docs', 'folder'),
        entry('Docs/b.txt'),
        entry('DOCS/A.TXT'),
        entry('file.txt'),
        entry('file.txt/inside.txt'),
        entry('../up', 'folder'),
        entry('../up/x.txt'),
        entry('liar.txt', 'file', { etag: driveEtag('f'.repeat(64), 1) }),
        entry('nameless.txt', 'file', { sha256: null }),
        entry('wrong-name.txt', 'file', { name: 'other.txt' }),
        entry('.enclave-drive'),
        entry('docs/.enclave-part-0011223344556677'),
      ]),
    );
    expect(checked.entries.map((each) => each.path)).toEqual(['docs', 'file.txt', 'docs/a.txt']);
    const reasons = Object.fromEntries(checked.refused.map((each) => [each.path, each.reason]));
    expect(reasons.Docs).toMatch(/same name but for case/);
    expect(reasons['Docs/b.txt']).toMatch(/folder above it/);
    expect(reasons['DOCS/A.TXT']).toMatch(/folder above it/);
    expect(reasons['file.txt/inside.txt']).toMatch(/below a file/);
    expect(reasons['../up']).toMatch(/climbs out/);
    expect(reasons['../up/x.txt']).toMatch(/climbs out/);
    expect(reasons['liar.txt']).toMatch(/ETag does not name its SHA-256/);
    expect(reasons['nameless.txt']).toMatch(/without its SHA-256/);
    expect(reasons['wrong-name.txt']).toMatch(/not the last part of its path/);
    // The marker and the temporary files are the engine's own: the drive cannot overwrite or plant them.
    expect(reasons['.enclave-drive']).toMatch(/kept for the sync engine/);
    expect(reasons['docs/.enclave-part-0011223344556677']).toMatch(/kept for the sync engine/);
    // A refused entry whose path is usable keeps its key: the engine deletes nothing here for it.
    expect(checked.refused.find((each) => each.path === 'liar.txt')?.key).toBe('liar.txt');
    expect(checked.refused.find((each) => each.path === '../up')?.key).toBeNull();
  });

  it('refuses every entry with a segment named like a temporary file, and everything below a refused folder', () => {
    const checked = checkRemoteTree(
      tree([
        entry('.enclave-part-0123456789abcdef', 'folder'),
        entry('.enclave-part-0123456789abcdef/x.csv'),
        entry('data', 'folder'),
        entry('data/.enclave-part-x', 'folder'),
        entry('data/.enclave-part-x/deep', 'folder'),
        entry('data/.enclave-part-x/deep/y.csv'),
        entry('data/ok.csv'),
        entry('liar/inside.txt'),
      ]),
      [{ path: 'liar', key: 'liar', reason: 'refused by the remote' }],
    );
    expect(checked.entries.map((each) => each.path)).toEqual(['data', 'data/ok.csv']);
    const reasons = Object.fromEntries(checked.refused.map((each) => [each.path, each.reason]));
    expect(reasons['.enclave-part-0123456789abcdef/x.csv']).toMatch(/kept for the sync engine/);
    expect(reasons['data/.enclave-part-x/deep/y.csv']).toMatch(/kept for the sync engine/);
    expect(reasons['liar/inside.txt']).toMatch(/folder above it was refused/);
    // Their keys are kept, so that the engine leaves those paths alone here.
    expect(checked.refused.find((each) => each.path === 'liar/inside.txt')?.key).toBe('liar/inside.txt');
  });

  it('shows refused paths escaped, never raw control characters', () => {
    const checked = checkRemoteTree(tree([entry('bad\u0000\nname')]));
    expect(checked.refused[0]?.path).toBe('bad\\u0000\\nname');
    expect(printable('x'.repeat(300))).toHaveLength(201);
  });
});
