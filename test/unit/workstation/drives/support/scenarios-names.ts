// Names, links, attacks, quota and busy files (issue 17), over any world: case and Unicode twins made here (the second
// is a name clash, the first syncs), names some operating system refuses, an NFD name that must not come back as an
// NFC twin, symbolic links in the folder (never followed, never written through), a platform that sends traversal
// names (nothing read or written outside the folder), a drive at its quota (that file waits, the rest sync), and a
// file open for writing (left alone until it is closed).
import { lstat, mkdir, open, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { driveEtag, type DriveEntry } from '../../../../../src/common/drives.ts';
import { stage } from './stage.ts';
import { putRemote, readLocal, readRemote, remoteEntries, syncedLocal, writeLocal, type WorldFactory } from './sync-kit.ts';
import type { MemoryDrive } from './memory-drive.ts';

const SHA = 'a'.repeat(64);

function hostileEntry(entryPath: string, overrides: Partial<DriveEntry> = {}): DriveEntry {
  return {
    path: entryPath,
    name: entryPath.slice(entryPath.lastIndexOf('/') + 1),
    kind: 'file',
    size: 4,
    sha256: SHA,
    etag: driveEtag(SHA, 1),
    version: 1,
    modifiedAt: '2026-12-03T09:00:00.000Z',
    modifiedBy: { id: 'mallory', name: 'Mallory' },
    lockedBy: null,
    ...overrides,
  };
}

async function everythingUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (relative: string): Promise<void> => {
    for (const entry of await readdir(path.join(dir, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      found.push(child);
      if (entry.isDirectory()) await visit(child);
    }
  };
  await visit('');
  return found.sort();
}

export function nameScenarios(makeWorld: WorldFactory): void {
  describe('names the drive keeps one of', () => {
    it('syncs one of two case twins made here and reports the other as a name clash', async () => {
      const s = await stage(makeWorld);
      await writeLocal(s.desk, 'Report.csv', 'upper');
      await writeLocal(s.desk, 'report.csv', 'lower');
      await writeLocal(s.desk, 'other.txt', 'other');
      const sync = await s.open();
      const status = await sync.syncNow();
      expect([...(await remoteEntries(s.bob)).keys()].sort()).toEqual(['Report.csv', 'other.txt']);
      expect(await readRemote(s.bob, 'Report.csv')).toBe('upper');
      const clash = status.files.find((each) => each.path === 'report.csv');
      expect(clash?.state).toBe('name_clash');
      expect(clash?.detail).toMatch(/only by case or Unicode form/);
      expect(status.notices.filter((each) => each.kind === 'name_clash').map((each) => each.paths)).toEqual([['report.csv']]);
      // The one already synced keeps its place when a twin appears later.
      await writeLocal(s.desk, 'OTHER.TXT', 'twin');
      const later = await sync.syncNow();
      expect(later.files.find((each) => each.path === 'OTHER.TXT')?.state).toBe('name_clash');
      expect(await readRemote(s.bob, 'other.txt')).toBe('other');
      expect((await remoteEntries(s.bob)).has('OTHER.TXT')).toBe(false);
    });

    it('syncs one of an NFC and an NFD spelling of a name, and reports the other', async () => {
      const s = await stage(makeWorld);
      await writeLocal(s.desk, 'caf\u00e9.txt', 'nfc');
      await writeLocal(s.desk, 'cafe\u0301.txt', 'nfd');
      const sync = await s.open();
      const status = await sync.syncNow();
      expect([...(await remoteEntries(s.bob)).keys()]).toEqual(['caf\u00e9.txt']);
      expect(await readRemote(s.bob, 'caf\u00e9.txt')).toBe('nfc');
      expect(status.files.find((each) => each.path === 'cafe\u0301.txt')?.state).toBe('name_clash');
    });

    it('keeps an NFD name as it is on disk, syncs it under its NFC form, and never brings back an NFC twin', async () => {
      const s = await stage(makeWorld);
      const nfd = 're\u0301sume\u0301/note.txt';
      await writeLocal(s.desk, nfd, 'v1');
      const sync = await s.open();
      await sync.syncNow();
      expect([...(await remoteEntries(s.bob)).keys()].sort()).toEqual(['r\u00e9sum\u00e9', 'r\u00e9sum\u00e9/note.txt']);
      await putRemote(s.bob, 'r\u00e9sum\u00e9/note.txt', 'v2');
      await sync.syncNow();
      expect(await syncedLocal(s.desk)).toEqual([nfd]);
      expect(await readLocal(s.desk, nfd)).toBe('v2');
    });

    it('reports names another operating system refuses, with the reason, and syncs the rest', async () => {
      const s = await stage(makeWorld);
      const refused = ['CON.txt', 'a:b.txt', 'trailing.', 'what?.csv', 'pipe|name', 'ends with space '];
      for (const name of refused) await writeLocal(s.desk, name, 'x');
      await writeLocal(s.desk, 'fine.txt', 'fine');
      const sync = await s.open();
      const status = await sync.syncNow();
      expect([...(await remoteEntries(s.bob)).keys()]).toEqual(['fine.txt']);
      for (const name of refused) {
        const state = status.files.find((each) => each.path === name);
        expect(state?.state, name).toBe('name_clash');
        expect(state?.detail, name).toMatch(/Not synced: /);
      }
      expect(status.files.find((each) => each.path === 'CON.txt')?.detail).toMatch(/device name on Windows/);
    });
  });

  describe('links and a hostile platform', () => {
    it('never follows or uploads a link here, and replaces (never writes through) a link where the drive has a file or folder', async () => {
      const s = await stage(makeWorld);
      await writeFile(path.join(s.desk.outside, 'secret.txt'), 'outside secret');
      await writeFile(path.join(s.desk.outside, 'target.txt'), 'outside target');
      await putRemote(s.bob, 'planted.txt', 'from the drive');
      await putRemote(s.bob, 'dir/x.txt', 'inside');
      await mkdir(s.desk.root, { recursive: true });
      await symlink(path.join(s.desk.outside, 'secret.txt'), path.join(s.desk.root, 'link.txt'));
      await symlink(s.desk.outside, path.join(s.desk.root, 'shared'));
      await symlink(path.join(s.desk.outside, 'target.txt'), path.join(s.desk.root, 'planted.txt'));
      await symlink(s.desk.outside, path.join(s.desk.root, 'dir'));
      const before = await everythingUnder(s.desk.outside);
      const sync = await s.open();
      const status = await sync.syncNow();
      // Outside: nothing new, nothing changed.
      expect(await everythingUnder(s.desk.outside)).toEqual(before);
      expect(await readFile(path.join(s.desk.outside, 'target.txt'), 'utf8')).toBe('outside target');
      expect(await readFile(path.join(s.desk.outside, 'secret.txt'), 'utf8')).toBe('outside secret');
      // The drive: no outside content.
      const entries = await remoteEntries(s.bob);
      expect([...entries.keys()].sort()).toEqual(['dir', 'dir/x.txt', 'planted.txt']);
      for (const entry of entries.values()) if (entry.kind === 'file') expect(await readRemote(s.bob, entry.path)).not.toMatch(/outside/);
      // Here: the links where the drive has entries are real files and folders now; the others are reported.
      expect((await lstat(path.join(s.desk.root, 'planted.txt'))).isFile()).toBe(true);
      expect(await readLocal(s.desk, 'planted.txt')).toBe('from the drive');
      expect((await lstat(path.join(s.desk.root, 'dir'))).isDirectory()).toBe(true);
      expect(await readLocal(s.desk, 'dir/x.txt')).toBe('inside');
      expect(status.files.find((each) => each.path === 'link.txt')?.detail).toMatch(/symbolic link/);
      expect(status.files.find((each) => each.path === 'shared')?.detail).toMatch(/symbolic link/);
    });

    it('refuses traversal and malformed names from the platform, writes nothing outside the folder, and deletes nothing for them', async (context) => {
      const s = await stage(makeWorld);
      const drive = (s.world as unknown as { drive?: MemoryDrive }).drive;
      if (drive === undefined) {
        console.log('Skipped: this world cannot make the platform send hostile names (the HTTP fixture test covers them).');
        context.skip();
        return;
      }
      await putRemote(s.bob, 'ok.txt', 'fine');
      await putRemote(s.bob, 'keep.txt', 'keep');
      const sync = await s.open();
      await sync.syncNow();
      // The platform now lies: hostile names, and keep.txt with an ETag that does not name its content.
      const keep = (await remoteEntries(s.bob)).get('keep.txt');
      await s.bob.delete({ path: 'keep.txt', ifMatch: keep?.etag ?? null });
      drive.extraEntries.push(
        hostileEntry('../escape.txt'),
        hostileEntry('/etc/passwd'),
        hostileEntry('a/../../b.txt'),
        hostileEntry('back\\slash.txt'),
        hostileEntry('nul\u0000.txt'),
        hostileEntry('C:/windows.txt'),
        hostileEntry('link -> /etc/passwd'),
        hostileEntry('cafe\u0301-not-canonical.txt'),
        hostileEntry('ok.txt/below-a-file.txt'),
        hostileEntry('OK.TXT'),
        hostileEntry('keep.txt', { etag: driveEtag('b'.repeat(64), 2) }),
      );
      const outsideBefore = await everythingUnder(s.desk.dir);
      const status = await sync.syncNow();
      expect(await everythingUnder(s.desk.dir)).toEqual(outsideBefore);
      expect(await readLocal(s.desk, 'keep.txt')).toBe('keep');
      expect(await readLocal(s.desk, 'ok.txt')).toBe('fine');
      const refused = status.files.filter((each) => each.detail?.includes('refuses'));
      expect(refused.length).toBe(11);
      expect(status.notices.filter((each) => each.kind === 'error').map((each) => each.paths.length)).toEqual([11]);
      // Said once: the next pass sees the same lies and adds no second notice.
      expect((await sync.syncNow()).notices.filter((each) => each.kind === 'error')).toHaveLength(1);
      expect(s.ada.sent.filter((each) => each.op === 'download' && each.path !== 'ok.txt' && each.path !== 'keep.txt')).toEqual([]);
    });
  });

  describe('quota and busy files', () => {
    it('syncs a file that fills the drive to its limit less one byte, reports the one that would not fit, and syncs the rest', async () => {
      const s = await stage(makeWorld);
      const sync = await s.open();
      await s.world.setQuota(1000);
      await writeLocal(s.desk, 'almost.bin', 'x'.repeat(999));
      await sync.syncNow();
      expect((await remoteEntries(s.bob)).get('almost.bin')?.size).toBe(999);
      await writeLocal(s.desk, 'too-big.bin', 'yy');
      await writeLocal(s.desk, 'one.txt', 'z');
      const status = await sync.syncNow();
      const over = status.files.find((each) => each.path === 'too-big.bin');
      expect(over?.state).toBe('over_quota');
      expect(over?.detail).toMatch(/^Not enough space in the drive:/);
      expect(status.notices.map((each) => each.kind)).toContain('over_quota');
      expect(await readRemote(s.bob, 'one.txt')).toBe('z');
      expect((await remoteEntries(s.bob)).has('too-big.bin')).toBe(false);
      expect(await readLocal(s.desk, 'too-big.bin')).toBe('yy');
    });

    it('leaves a file open for writing alone (no upload, no replacement) until it is closed', async (context) => {
      if (process.platform !== 'linux') {
        console.log('Skipped: the exact open-for-writing check reads /proc (Linux); elsewhere a settle time stands in (unit-tested).');
        context.skip();
        return;
      }
      const s = await stage(makeWorld);
      await putRemote(s.bob, 'shared.csv', 'v1');
      const sync = await s.open();
      await sync.syncNow();
      await writeLocal(s.desk, 'mine.csv', 'half-written');
      const writing = await open(path.join(s.desk.root, 'mine.csv'), 'r+');
      const editing = await open(path.join(s.desk.root, 'shared.csv'), 'r+');
      try {
        await putRemote(s.bob, 'shared.csv', 'v2 from Bob');
        const status = await sync.syncNow();
        expect(status.files.find((each) => each.path === 'mine.csv')?.state).toBe('busy');
        expect(status.files.find((each) => each.path === 'shared.csv')?.state).toBe('busy');
        expect((await remoteEntries(s.bob)).has('mine.csv')).toBe(false);
        expect(await readLocal(s.desk, 'shared.csv')).toBe('v1');
      } finally {
        await writing.close();
        await editing.close();
      }
      const status = await sync.syncNow();
      expect(status.files).toEqual([]);
      expect(await readRemote(s.bob, 'mine.csv')).toBe('half-written');
      expect(await readLocal(s.desk, 'shared.csv')).toBe('v2 from Bob');
    });
  });
}
