// The sync engine's decisions (issue 17) as a table: for each combination of base, local and drive, what is done. Made
// on content hashes; an ETag or a hint that moved with the same content is only recorded.
import { describe, expect, it } from 'vitest';
import { driveEtag, drivePathKey, type DriveEntry } from '../../../../src/common/drives.ts';
import type { BaseRecord } from '../../../../src/workstation/drives/journal.ts';
import { planSync, type Blocked, type HashedEntry, type HashedFile, type PlanInput } from '../../../../src/workstation/drives/plan.ts';

const H = (letter: string): string => letter.repeat(64);

function base(entryPath: string, sha: string | null, version = 1): BaseRecord {
  return {
    key: drivePathKey(entryPath),
    path: entryPath,
    kind: sha === null ? 'folder' : 'file',
    sha256: sha,
    etag: sha === null ? null : driveEtag(sha, version),
    size: 1,
    fingerprint: sha === null ? null : `1:1:1:${entryPath.length}`,
    hashedAt: 0,
  };
}

function local(entryPath: string, sha: string | null, disk = entryPath): HashedEntry {
  if (sha === null) return { kind: 'folder', path: entryPath, disk, key: drivePathKey(entryPath) };
  return {
    kind: 'file',
    path: entryPath,
    disk,
    key: drivePathKey(entryPath),
    size: 1,
    fingerprint: `1:1:1:${entryPath.length}`,
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

function input(parts: {
  base?: BaseRecord[];
  local?: HashedEntry[];
  remote?: DriveEntry[];
  blocked?: Blocked;
  remoteBlocked?: string[];
}): PlanInput {
  return {
    base: new Map((parts.base ?? []).map((each) => [each.key, each])),
    local: new Map((parts.local ?? []).map((each) => [each.key, each])),
    remote: new Map((parts.remote ?? []).map((each) => [drivePathKey(each.path), each])),
    blocked: parts.blocked ?? new Map(),
    remoteBlocked: new Set(parts.remoteBlocked ?? []),
  };
}

const kinds = (parts: Parameters<typeof input>[0]): string[] =>
  planSync(input(parts)).actions.map((action) => `${action.kind} ${'path' in action ? action.path : action.key}`);

describe('planSync', () => {
  it('does nothing when neither side changed', () => {
    expect(kinds({ base: [base('a', H('1'))], local: [local('a', H('1'))], remote: [remote('a', H('1'))] })).toEqual([]);
  });

  it('uploads a local change on the ETag the drive has now', () => {
    const plan = planSync(input({ base: [base('a', H('1'))], local: [local('a', H('2'))], remote: [remote('a', H('1'))] }));
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'upload', path: 'a', condition: { ifMatch: driveEtag(H('1'), 1) } })]);
  });

  it('downloads a change on the drive, over the local file as it was hashed', () => {
    const plan = planSync(input({ base: [base('a', H('1'))], local: [local('a', H('1'))], remote: [remote('a', H('2'), 2)] }));
    expect(plan.actions).toEqual([
      expect.objectContaining({ kind: 'download', path: 'a', replaces: expect.objectContaining({ sha256: H('1') }) }),
    ]);
  });

  it('records, not transfers, the same content on both sides, and an ETag that moved with the same content', () => {
    expect(kinds({ base: [base('a', H('1'))], local: [local('a', H('2'))], remote: [remote('a', H('2'), 2)] })).toEqual(['record a']);
    expect(kinds({ base: [base('a', H('1'))], local: [local('a', H('1'))], remote: [remote('a', H('1'), 5)] })).toEqual(['record a']);
    expect(kinds({ local: [local('a', H('3'))], remote: [remote('a', H('3'))] })).toEqual(['record a']);
  });

  it('makes a conflict when both changed differently, or both are new and differ', () => {
    expect(kinds({ base: [base('a', H('1'))], local: [local('a', H('2'))], remote: [remote('a', H('3'), 2)] })).toEqual(['conflict a']);
    expect(kinds({ local: [local('a', H('2'))], remote: [remote('a', H('3'))] })).toEqual(['conflict a']);
  });

  it('deletes on the other side only what is unchanged there, and lets an edit win over a deletion', () => {
    expect(planSync(input({ base: [base('a', H('1'))], remote: [remote('a', H('1'))] })).actions).toEqual([
      expect.objectContaining({ kind: 'deleteRemote', path: 'a', ifMatch: driveEtag(H('1'), 1) }),
    ]);
    expect(kinds({ base: [base('a', H('1'))], local: [local('a', H('1'))] })).toEqual(['deleteLocal a']);
    expect(kinds({ base: [base('a', H('1'))], remote: [remote('a', H('2'), 2)] })).toEqual(['download a']);
    expect(planSync(input({ base: [base('a', H('1'))], local: [local('a', H('2'))] })).actions).toEqual([
      expect.objectContaining({ kind: 'upload', condition: { ifAbsent: true }, note: expect.stringContaining('deleted on the drive') }),
    ]);
    expect(kinds({ base: [base('a', H('1'))] })).toEqual(['forget a']);
  });

  it('deletes nothing without a base (a first sync or a resync): one side only is copied to the other', () => {
    const plan = planSync(input({ local: [local('mine', H('1'))], remote: [remote('theirs', H('2'))] }));
    expect(plan.actions.map((action) => action.kind).sort()).toEqual(['download', 'upload']);
    expect(plan.remoteDeletes + plan.localDeletes).toBe(0);
  });

  it('sends one delete for a folder deleted here whose content is unchanged on the drive, and counts its files', () => {
    const plan = planSync(
      input({
        base: [base('d', null), base('d/x', H('1')), base('d/y', H('2')), base('d/e', null), base('d/e/z', H('3'))],
        remote: [remote('d', null), remote('d/x', H('1')), remote('d/y', H('2')), remote('d/e', null), remote('d/e/z', H('3'))],
      }),
    );
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'deleteRemote', path: 'd', folder: true, files: 3 })]);
    expect(plan.remoteDeletes).toBe(3);
  });

  it('keeps a folder deleted here when something in it changed on the drive: that file comes back', () => {
    const actions = kinds({
      base: [base('d', null), base('d/x', H('1')), base('d/y', H('2'))],
      remote: [remote('d', null), remote('d/x', H('1')), remote('d/y', H('9'), 2)],
    });
    expect(actions).toEqual(['mkdirLocal d', 'download d/y', 'deleteRemote d/x']);
  });

  it('keeps a folder deleted on the drive when something new is in it here, and makes it there again', () => {
    const actions = kinds({
      base: [base('d', null), base('d/x', H('1'))],
      local: [local('d', null), local('d/x', H('1')), local('d/new', H('5'))],
    });
    expect(actions).toEqual(['mkdirRemote d', 'upload d/new', 'deleteLocal d/x']);
  });

  it('makes folders parents first and deletes children first', () => {
    const actions = kinds({ local: [local('p', null), local('p/q', null), local('p/q/f', H('1'))] });
    expect(actions).toEqual(['mkdirRemote p', 'mkdirRemote p/q', 'upload p/q/f']);
  });

  it('never uploads or deletes for a link here, but lets the drive’s new content replace it', () => {
    const blocked: Blocked = new Map([['l', 'replaceable']]);
    expect(kinds({ base: [base('l', H('1'))], remote: [remote('l', H('1'))], blocked })).toEqual([]);
    expect(kinds({ base: [base('l', H('1'))], remote: [remote('l', H('2'), 2)], blocked })).toEqual(['download l']);
    expect(kinds({ base: [base('l/x', H('1'))], remote: [remote('l/x', H('1'))], blocked })).toEqual([]);
    expect(
      kinds({
        local: [local('b', H('1'))],
        base: [base('b', H('1'))],
        remote: [remote('b', H('2'), 2)],
        blocked: new Map([['b', 'hands-off']]),
      }),
    ).toEqual([]);
  });

  it('deletes nothing here for an entry the drive sent but the engine refused', () => {
    expect(kinds({ base: [base('a', H('1'))], local: [local('a', H('1'))], remoteBlocked: ['a'] })).toEqual([]);
  });

  it('reports a file on one side and a folder on the other as a clash, and does nothing else with it', () => {
    expect(kinds({ local: [local('x', H('1'))], remote: [remote('x', null)] })).toEqual(['clash x']);
  });

  it('writes a new file from the drive below the local spelling of its folder (an NFD folder name stays NFD)', () => {
    const nfd = 're\u0301sume\u0301';
    const plan = planSync(
      input({
        base: [base('r\u00e9sum\u00e9', null)],
        local: [local('r\u00e9sum\u00e9', null, nfd)],
        remote: [remote('r\u00e9sum\u00e9', null), remote('r\u00e9sum\u00e9/n.txt', H('1'))],
      }),
    );
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'download', disk: `${nfd}/n.txt` })]);
  });
});
