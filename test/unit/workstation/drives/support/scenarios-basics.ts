// The sync engine's everyday scenarios (issue 17), over any world: a first sync both ways, edits on one side, the same
// edit on both (no conflict), concurrent edits (both contents survive as a conflict copy with a notice), deletions on
// one side, edits against deletions (the edit wins), and moves: a renamed folder of 1,000 files is one move, a folder
// renamed by another member is one local rename, neither re-sends a byte.
import { readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { errorOf } from '../../../../support/error-of.ts';
import { stage } from './stage.ts';
import {
  BOB,
  putRemote,
  readLocal,
  readRemote,
  remoteEntries,
  remoteFolders,
  syncedLocal,
  writeLocal,
  type WorldFactory,
} from './sync-kit.ts';

export function basicScenarios(makeWorld: WorldFactory): void {
  describe('everyday sync', () => {
    it('brings a first sync both ways, writes the marker, and then has nothing to do', async () => {
      const s = await stage(makeWorld);
      await putRemote(s.bob, 'reports/q1.csv', 'region,n\nLondon,40\n');
      await writeLocal(s.desk, 'notes.txt', 'mine');
      const sync = await s.open();
      const status = await sync.syncNow();
      expect(status.phase).toBe('idle');
      expect(await readLocal(s.desk, 'reports/q1.csv')).toBe('region,n\nLondon,40\n');
      expect(await readRemote(s.bob, 'notes.txt')).toBe('mine');
      expect(await syncedLocal(s.desk)).toEqual(['notes.txt', 'reports/q1.csv']);
      // Private: the folder and the files the engine made, and the journal.
      if (process.platform !== 'win32') {
        expect((await stat(s.desk.root)).mode & 0o777).toBe(0o700);
        expect((await stat(path.join(s.desk.root, 'reports', 'q1.csv'))).mode & 0o777).toBe(0o600);
        expect((await stat(s.desk.stateDir)).mode & 0o777).toBe(0o700);
        expect((await stat(path.join(s.desk.stateDir, 'journal.sqlite'))).mode & 0o777).toBe(0o600);
      }
      expect((await readdir(s.desk.root)).includes('.enclave-drive')).toBe(true);
      const before = s.ada.sent.length;
      await sync.syncNow();
      expect(s.ada.sent.slice(before).map((each) => each.op)).toEqual(['tree']);
    });

    it('uploads a local edit on the ETag it read, and downloads an edit made on the drive', async () => {
      const s = await stage(makeWorld);
      await putRemote(s.bob, 'a.txt', 'one');
      await putRemote(s.bob, 'b.txt', 'one');
      const sync = await s.open();
      await sync.syncNow();
      await writeLocal(s.desk, 'a.txt', 'two, from Ada');
      await putRemote(s.bob, 'b.txt', 'two, from Bob');
      await sync.syncNow();
      expect(await readRemote(s.bob, 'a.txt')).toBe('two, from Ada');
      expect(await readLocal(s.desk, 'b.txt')).toBe('two, from Bob');
      expect(await syncedLocal(s.desk)).toEqual(['a.txt', 'b.txt']);
      expect(sync.status().notices).toEqual([]);
    });

    it('keeps both contents of a concurrent edit: the drive’s under the name, Ada’s as a conflict copy, with a notice', async () => {
      const s = await stage(makeWorld);
      await putRemote(s.bob, 'analysis/model.R', 'base');
      const sync = await s.open({ now: () => new Date('2026-12-03T10:15:00Z') });
      await sync.syncNow();
      await writeLocal(s.desk, 'analysis/model.R', 'Ada’s edit');
      await putRemote(s.bob, 'analysis/model.R', 'Bob’s edit');
      const status = await sync.syncNow();
      const copy = 'analysis/model (conflict Ada Lovelace 2026-12-03 101500 UTC).R';
      expect(await readLocal(s.desk, 'analysis/model.R')).toBe('Bob’s edit');
      expect(await readLocal(s.desk, copy)).toBe('Ada’s edit');
      expect(await readRemote(s.bob, 'analysis/model.R')).toBe('Bob’s edit');
      expect(await readRemote(s.bob, copy)).toBe('Ada’s edit');
      const notice = status.notices.find((each) => each.kind === 'conflict');
      expect(notice?.paths).toEqual(['analysis/model.R', copy]);
      expect(notice?.message).toContain(s.world.otherName);
    });

    it('sees no conflict when both sides made the same edit', async () => {
      const s = await stage(makeWorld);
      await putRemote(s.bob, 'same.txt', 'before');
      const sync = await s.open();
      await sync.syncNow();
      await writeLocal(s.desk, 'same.txt', 'after');
      await putRemote(s.bob, 'same.txt', 'after');
      const before = s.ada.sent.length;
      const status = await sync.syncNow();
      const sent = s.ada.sent.slice(before);
      expect(sent.filter((each) => each.op !== 'tree')).toEqual([]);
      expect(status.notices).toEqual([]);
      expect(await syncedLocal(s.desk)).toEqual(['same.txt']);
    });

    it('keeps both when the drive changes between reading the tree and committing the upload (the If-Match fails)', async () => {
      const s = await stage(makeWorld);
      await putRemote(s.bob, 'race.txt', 'base');
      let raced = false;
      const sync = await s.open({
        onStep: async (step) => {
          if (step === 'upload:commit' && !raced) {
            raced = true;
            await putRemote(s.bob, 'race.txt', 'Bob got there first');
          }
        },
      });
      await sync.syncNow();
      await writeLocal(s.desk, 'race.txt', 'Ada’s version');
      await sync.syncNow();
      expect(raced).toBe(true);
      expect(await readLocal(s.desk, 'race.txt')).toBe('Bob got there first');
      const files = await syncedLocal(s.desk);
      const copy = files.find((each) => each.startsWith('race (conflict Ada Lovelace'));
      expect(copy).toBeDefined();
      expect(await readLocal(s.desk, copy ?? '')).toBe('Ada’s version');
      expect(await readRemote(s.bob, copy ?? '')).toBe('Ada’s version');
    });

    it('deletes on the drive what was deleted here (If-Match), and here what was deleted on the drive', async () => {
      const s = await stage(makeWorld);
      await putRemote(s.bob, 'gone-here.txt', 'x');
      await putRemote(s.bob, 'gone-there.txt', 'y');
      await putRemote(s.bob, 'stays.txt', 'z');
      const sync = await s.open();
      await sync.syncNow();
      await rm(path.join(s.desk.root, 'gone-here.txt'));
      const there = (await remoteEntries(s.bob)).get('gone-there.txt');
      await s.bob.delete({ path: 'gone-there.txt', ifMatch: there?.etag ?? null });
      await sync.syncNow();
      expect([...(await remoteEntries(s.bob)).keys()]).toEqual(['stays.txt']);
      expect(await syncedLocal(s.desk)).toEqual(['stays.txt']);
    });

    it('lets an edit win over a deletion on the other side, and says so', async () => {
      const s = await stage(makeWorld);
      await putRemote(s.bob, 'edited-there.txt', 'v1');
      await putRemote(s.bob, 'edited-here.txt', 'v1');
      const sync = await s.open();
      await sync.syncNow();
      await rm(path.join(s.desk.root, 'edited-there.txt'));
      await putRemote(s.bob, 'edited-there.txt', 'v2 from Bob');
      await writeLocal(s.desk, 'edited-here.txt', 'v2 from Ada');
      const entry = (await remoteEntries(s.bob)).get('edited-here.txt');
      await s.bob.delete({ path: 'edited-here.txt', ifMatch: entry?.etag ?? null });
      const status = await sync.syncNow();
      expect(await readLocal(s.desk, 'edited-there.txt')).toBe('v2 from Bob');
      expect(await readRemote(s.bob, 'edited-here.txt')).toBe('v2 from Ada');
      expect(status.notices.filter((each) => each.kind === 'conflict')).toHaveLength(2);
    });

    it('sends a renamed folder of 1,000 files as one move, with no upload and no deletion', async () => {
      const s = await stage(makeWorld);
      for (let index = 0; index < 1000; index += 1)
        await writeLocal(s.desk, `cohort/part-${String(index).padStart(4, '0')}.csv`, `row ${index}\n`);
      await writeLocal(s.desk, 'cohort/nested/deep.txt', 'deep');
      const sync = await s.open();
      await sync.syncNow();
      expect((await remoteEntries(s.bob)).size).toBe(1003);
      const before = s.ada.sent.length;
      await rename(path.join(s.desk.root, 'cohort'), path.join(s.desk.root, 'cohort-2026'));
      await sync.syncNow();
      const sent = s.ada.sent.slice(before);
      expect(sent.filter((each) => each.op === 'move')).toEqual([{ op: 'move', path: 'cohort', to: 'cohort-2026' }]);
      expect(sent.filter((each) => ['startUpload', 'uploadChunk', 'delete', 'download'].includes(each.op))).toEqual([]);
      const entries = await remoteEntries(s.bob);
      expect(entries.has('cohort-2026/part-0999.csv')).toBe(true);
      expect(entries.has('cohort-2026/nested/deep.txt')).toBe(true);
      expect([...entries.keys()].some((each) => each.startsWith('cohort/'))).toBe(false);
      const again = s.ada.sent.length;
      await sync.syncNow();
      expect(s.ada.sent.slice(again).filter((each) => each.op !== 'tree')).toEqual([]);
      // On a started platform the first sync alone is 3,000 audited requests (a session, a chunk and a commit each).
    }, 120_000);

    it('applies a folder and a file moved by another member as local renames, with no download', async () => {
      const s = await stage(makeWorld);
      for (let index = 0; index < 20; index += 1) await putRemote(s.bob, `raw/file-${index}.csv`, `content ${index}`);
      await putRemote(s.bob, 'draft.md', '# Draft');
      const sync = await s.open();
      await sync.syncNow();
      await s.bob.move({ from: 'raw', to: 'archive', ifMatch: null });
      const draft = (await remoteEntries(s.bob)).get('draft.md');
      await remoteFolders(s.bob, 'papers/x');
      await s.bob.move({ from: 'draft.md', to: 'papers/final.md', ifMatch: draft?.etag ?? null });
      const before = s.ada.sent.length;
      await sync.syncNow();
      const sent = s.ada.sent.slice(before);
      expect(sent.filter((each) => ['download', 'startUpload', 'delete', 'move'].includes(each.op))).toEqual([]);
      const local = await syncedLocal(s.desk);
      expect(local).toContain('archive/file-19.csv');
      expect(local).toContain('papers/final.md');
      expect(local.some((each) => each.startsWith('raw/') || each === 'draft.md')).toBe(false);
      expect(await readLocal(s.desk, 'papers/final.md')).toBe('# Draft');
    });

    it('makes folders on each side, and removes a folder deleted on the drive', async () => {
      const s = await stage(makeWorld);
      await remoteFolders(s.bob, 'empty-there/x');
      await putRemote(s.bob, 'old/only.txt', 'x');
      const sync = await s.open();
      await sync.syncNow();
      expect((await stat(path.join(s.desk.root, 'empty-there'))).isDirectory()).toBe(true);
      const { mkdir } = await import('node:fs/promises');
      await mkdir(path.join(s.desk.root, 'empty-here'));
      await s.bob.delete({ path: 'old', ifMatch: null });
      await sync.syncNow();
      expect((await remoteEntries(s.bob)).get('empty-here')?.kind).toBe('folder');
      await expect(stat(path.join(s.desk.root, 'old'))).rejects.toThrow();
      expect(BOB.id).toBe('bob');
    });
  });

  describe('the engine’s life', () => {
    it('watches the folder: a file saved there is synced without being asked', async () => {
      const s = await stage(makeWorld);
      const sync = await s.open({ watch: true });
      await vi.waitFor(() => expect(sync.status().lastSyncedAt).not.toBeNull(), { timeout: 10_000 });
      await writeLocal(s.desk, 'saved-by-a-tool.csv', 'a,b\n1,2\n');
      await vi.waitFor(async () => expect(await readRemote(s.bob, 'saved-by-a-tool.csv')).toBe('a,b\n1,2\n'), {
        timeout: 10_000,
        interval: 100,
      });
    });

    it('tells its listeners the bytes of a transfer as they go', async () => {
      const s = await stage(makeWorld);
      await putRemote(s.bob, 'big.bin', 'z'.repeat(64 * 1024));
      const sync = await s.open();
      const seen: Array<{ done: number; total: number }> = [];
      const stop = sync.onChange((status) => {
        if (status.transfer !== null) seen.push({ done: status.transfer.done, total: status.transfer.total });
      });
      await sync.syncNow();
      stop();
      expect(seen.at(-1)).toEqual({ done: 64 * 1024, total: 64 * 1024 });
      expect(seen[0]?.done).toBeLessThan(64 * 1024);
      expect(sync.status().transfer).toBeNull();
    });

    it('keeps its journal outside the synced folder, and refuses to start otherwise', async () => {
      const s = await stage(makeWorld);
      const refused = await errorOf(s.open({ stateDir: path.join(s.desk.root, '.state') }));
      expect(refused.code).toBe('invalid_input');
      expect(refused.message).toMatch(/outside the synced folder/);
    });

    it('refuses to sync once closed, and releases its lock', async () => {
      const s = await stage(makeWorld);
      const sync = await s.open();
      await sync.close();
      expect((await errorOf(sync.syncNow())).code).toBe('cancelled');
      const again = await s.open();
      expect((await again.syncNow()).phase).toBe('idle');
    });

    it('keeps a notice until it is dismissed, across a restart', async () => {
      const s = await stage(makeWorld);
      await putRemote(s.bob, 'n.txt', 'base');
      const sync = await s.open();
      await sync.syncNow();
      await writeLocal(s.desk, 'n.txt', 'mine');
      await putRemote(s.bob, 'n.txt', 'theirs');
      const [notice] = (await sync.syncNow()).notices;
      await sync.close();
      const reopened = await s.open();
      expect(reopened.status().notices).toEqual([notice]);
      reopened.dismissNotice(notice?.id ?? '');
      expect(reopened.status().notices).toEqual([]);
    });
  });
}
