// The sync engine against the failures that made other tools delete people's work (issue 17), over any world: the
// synced folder vanished, emptied or swapped for an empty one (sync stops, no DELETE sent); the platform restored from
// a backup, with or without a new epoch, and the journal or the folder restored from an older copy (a resync: nothing
// deleted anywhere); most files deleted at once (paused until the person answers); a damaged journal; a second engine
// on the same journal.
import { cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorOf } from '../../../../support/error-of.ts';
import { stage } from './stage.ts';
import { putRemote, readLocal, readRemote, remoteEntries, syncedLocal, writeLocal, type WorldFactory } from './sync-kit.ts';

const DELETING = ['delete'] as const;

export function safetyScenarios(makeWorld: WorldFactory): void {
  describe('nothing lost when the ground moves', () => {
    for (const [what, change] of [
      [
        'swapped for an empty folder',
        async (root: string) => {
          await rename(root, `${root}-elsewhere`);
          await mkdir(root);
        },
      ],
      [
        'emptied, marker and all',
        async (root: string) => {
          await rm(root, { recursive: true });
          await mkdir(root);
        },
      ],
      ['gone', async (root: string) => rm(root, { recursive: true })],
    ] as const) {
      it(`stops, and sends no DELETE, when the synced folder is ${what}`, async () => {
        const s = await stage(makeWorld);
        for (let index = 0; index < 5; index += 1) await writeLocal(s.desk, `data/f${index}.csv`, `${index}`);
        const sync = await s.open();
        await sync.syncNow();
        await change(s.desk.root);
        const before = s.ada.sent.length;
        const status = await sync.syncNow();
        expect(status.phase).toBe('stopped');
        expect(status.reason).toContain('nothing was deleted');
        expect(status.notices.map((notice) => notice.kind)).toContain('root_missing');
        expect(s.ada.sent.slice(before).map((each) => each.op)).toEqual(['tree']);
        expect((await remoteEntries(s.bob)).size).toBe(6);
        // It stays stopped on the next pass too, and no file appears in the stranger folder.
        await sync.syncNow();
        expect(s.ada.sent.slice(before).filter((each) => DELETING.includes(each.op as 'delete'))).toEqual([]);
      });
    }

    it('stops, and sends no DELETE, when the folder goes away after a first sync that was cut short', async () => {
      const s = await stage(makeWorld);
      for (let index = 0; index < 3; index += 1) await putRemote(s.bob, `f${index}.txt`, `${index}`);
      // The first pass dies on its last file.
      const sync = await s.open({
        onStep: (step, drivePath) => {
          if (step === 'download:start' && drivePath === 'f2.txt') throw new Error('killed');
        },
      });
      await sync.syncNow();
      expect(await syncedLocal(s.desk)).toHaveLength(2);
      await rm(s.desk.root, { recursive: true });
      const status = await sync.syncNow();
      expect(status.phase).toBe('stopped');
      expect(s.ada.sent.filter((each) => each.op === 'delete')).toEqual([]);
      expect((await remoteEntries(s.bob)).size).toBe(3);
    });

    it('goes on once the folder is put back', async () => {
      const s = await stage(makeWorld);
      await writeLocal(s.desk, 'a.txt', 'a');
      const sync = await s.open();
      await sync.syncNow();
      await rename(s.desk.root, `${s.desk.root}-away`);
      expect((await sync.syncNow()).phase).toBe('stopped');
      await rename(`${s.desk.root}-away`, s.desk.root);
      await putRemote(s.bob, 'b.txt', 'b');
      const status = await sync.syncNow();
      expect(status.phase).toBe('idle');
      expect(status.notices.map((notice) => notice.kind)).not.toContain('root_missing');
      expect(await readLocal(s.desk, 'b.txt')).toBe('b');
    });

    for (const bumpEpoch of [true, false]) {
      it(`resyncs without deleting anything when the platform is restored from a backup (${bumpEpoch ? 'new epoch' : 'same epoch, older change counter'})`, async () => {
        const s = await stage(makeWorld);
        await writeLocal(s.desk, 'kept.txt', 'kept');
        const sync = await s.open();
        await sync.syncNow();
        const restore = await s.world.backup();
        // Made after the backup: the restored platform has never heard of it, while the journal says it was synced.
        await writeLocal(s.desk, 'after-backup.txt', 'made later');
        await putRemote(s.bob, 'bob-later.txt', 'also later');
        await sync.syncNow();
        await writeLocal(s.desk, 'kept.txt', 'edited after the backup');
        await sync.syncNow();
        await restore({ bumpEpoch });
        const before = s.ada.sent.length;
        const status = await sync.syncNow();
        const sent = s.ada.sent.slice(before);
        expect(sent.filter((each) => each.op === 'delete')).toEqual([]);
        expect(status.notices.map((notice) => notice.kind)).toContain('resync_needed');
        // Nothing deleted here either: the files the platform lost are uploaded again.
        expect(await readLocal(s.desk, 'after-backup.txt')).toBe('made later');
        expect(await readLocal(s.desk, 'bob-later.txt')).toBe('also later');
        expect(await readRemote(s.bob, 'after-backup.txt')).toBe('made later');
        // The file that differs: the platform's (older) content under its name, Ada's kept as a conflict copy.
        const copy = (await syncedLocal(s.desk)).find((each) => each.startsWith('kept (conflict'));
        expect(copy).toBeDefined();
        expect(await readLocal(s.desk, copy ?? '')).toBe('edited after the backup');
        expect(await readRemote(s.bob, copy ?? '')).toBe('edited after the backup');
      });
    }

    it('resyncs without deleting anything when the journal is restored from an older copy', async () => {
      const s = await stage(makeWorld);
      await writeLocal(s.desk, 'one.txt', '1');
      const sync = await s.open();
      await sync.syncNow();
      await sync.close();
      const saved = `${s.desk.stateDir}-saved`;
      await cp(s.desk.stateDir, saved, { recursive: true });
      const again = await s.open();
      await writeLocal(s.desk, 'two.txt', '2');
      await putRemote(s.bob, 'three.txt', '3');
      await again.syncNow();
      await again.close();
      await rm(s.desk.stateDir, { recursive: true });
      await rename(saved, s.desk.stateDir);
      const restored = await s.open();
      const before = s.ada.sent.length;
      const status = await restored.syncNow();
      expect(s.ada.sent.slice(before).filter((each) => each.op === 'delete')).toEqual([]);
      expect(status.notices.map((notice) => notice.kind)).toContain('resync_needed');
      expect(await syncedLocal(s.desk)).toEqual(['one.txt', 'three.txt', 'two.txt']);
      expect([...(await remoteEntries(s.bob)).keys()].sort()).toEqual(['one.txt', 'three.txt', 'two.txt']);
    });

    it('resyncs without deleting anything when the folder is restored from an older copy', async () => {
      const s = await stage(makeWorld);
      await writeLocal(s.desk, 'one.txt', '1');
      const sync = await s.open();
      await sync.syncNow();
      const saved = `${s.desk.root}-saved`;
      await cp(s.desk.root, saved, { recursive: true });
      await writeLocal(s.desk, 'two.txt', '2');
      await sync.syncNow();
      await rm(s.desk.root, { recursive: true });
      await rename(saved, s.desk.root);
      const before = s.ada.sent.length;
      const status = await sync.syncNow();
      expect(s.ada.sent.slice(before).filter((each) => each.op === 'delete')).toEqual([]);
      expect(status.notices.map((notice) => notice.kind)).toContain('resync_needed');
      expect(await readLocal(s.desk, 'two.txt')).toBe('2');
      expect(await readRemote(s.bob, 'two.txt')).toBe('2');
    });

    it('resyncs, deleting nothing, when the journal was made on another computer', async () => {
      const s = await stage(makeWorld);
      await writeLocal(s.desk, 'a.txt', 'a');
      const sync = await s.open();
      await sync.syncNow();
      await sync.close();
      await writeLocal(s.desk, 'b.txt', 'b');
      await rm(path.join(s.desk.root, 'a.txt'));
      const moved = await s.open({ deviceId: 'device-elsewhere' });
      const status = await moved.syncNow();
      expect(status.notices.find((each) => each.kind === 'resync_needed')?.message).toMatch(/another computer/);
      expect(s.ada.sent.filter((each) => each.op === 'delete')).toEqual([]);
      expect(await syncedLocal(s.desk)).toEqual(['a.txt', 'b.txt']);
    });

    it('resyncs, deleting nothing, when the platform answers with another drive id for the project', async () => {
      const s = await stage(makeWorld);
      await writeLocal(s.desk, 'a.txt', 'a');
      const sync = await s.open();
      await sync.syncNow();
      await s.world.renewDriveId();
      await rm(path.join(s.desk.root, 'a.txt'));
      const status = await sync.syncNow();
      expect(status.notices.find((each) => each.kind === 'resync_needed')?.message).toMatch(/not the one this folder was synced with/);
      expect(s.ada.sent.filter((each) => each.op === 'delete')).toEqual([]);
      expect(await readLocal(s.desk, 'a.txt')).toBe('a');
      // The marker now names the new drive: the next pass is an ordinary one.
      expect((await sync.syncNow()).phase).toBe('idle');
    });

    it('pauses when 60% of the files were deleted here, deletes nothing, and brings them back when asked', async () => {
      const s = await stage(makeWorld);
      for (let index = 0; index < 40; index += 1) await writeLocal(s.desk, `f${index}.txt`, `${index}`);
      const sync = await s.open();
      await sync.syncNow();
      for (let index = 0; index < 24; index += 1) await rm(path.join(s.desk.root, `f${index}.txt`));
      const before = s.ada.sent.length;
      const status = await sync.syncNow();
      expect(status.phase).toBe('paused');
      expect(status.pendingDeletes).toBe(24);
      expect(status.notices.map((notice) => notice.kind)).toContain('delete_paused');
      expect(s.ada.sent.slice(before).filter((each) => each.op === 'delete')).toEqual([]);
      // Still paused on the next pass: a pause waits for the person.
      expect((await sync.syncNow()).phase).toBe('paused');
      expect((await remoteEntries(s.bob)).size).toBe(40);
      const answered = await sync.resolveDeletes('restore');
      expect(answered.phase).toBe('idle');
      expect(answered.pendingDeletes).toBe(0);
      expect(await syncedLocal(s.desk)).toHaveLength(40);
      expect(await readLocal(s.desk, 'f3.txt')).toBe('3');
      expect(s.ada.sent.slice(before).filter((each) => each.op === 'delete')).toEqual([]);
    });

    it('sends the paused deletions when the person applies them', async () => {
      const s = await stage(makeWorld);
      for (let index = 0; index < 30; index += 1) await writeLocal(s.desk, `data/f${index}.txt`, `${index}`);
      await writeLocal(s.desk, 'keep.txt', 'keep');
      const sync = await s.open();
      await sync.syncNow();
      await rm(path.join(s.desk.root, 'data'), { recursive: true });
      expect((await sync.syncNow()).phase).toBe('paused');
      const before = s.ada.sent.length;
      const answered = await sync.resolveDeletes('apply');
      expect(answered.phase).toBe('idle');
      // One request for the folder, whose 30 files had not changed on the drive.
      expect(s.ada.sent.slice(before).filter((each) => each.op === 'delete')).toEqual([{ op: 'delete', path: 'data' }]);
      expect([...(await remoteEntries(s.bob)).keys()]).toEqual(['keep.txt']);
    });

    it('pauses too when most files were deleted on the drive, and brings them back to the drive when asked', async () => {
      const s = await stage(makeWorld);
      for (let index = 0; index < 25; index += 1) await putRemote(s.bob, `d/f${index}.txt`, `${index}`);
      const sync = await s.open();
      await sync.syncNow();
      await s.bob.delete({ path: 'd', ifMatch: null });
      const status = await sync.syncNow();
      expect(status.phase).toBe('paused');
      expect(await syncedLocal(s.desk)).toHaveLength(25);
      await sync.resolveDeletes('restore');
      expect((await remoteEntries(s.bob)).size).toBe(26);
    });

    it('keeps a damaged journal aside and resyncs, deleting nothing', async () => {
      const s = await stage(makeWorld);
      await writeLocal(s.desk, 'a.txt', 'a');
      await putRemote(s.bob, 'b.txt', 'b');
      const sync = await s.open();
      await sync.syncNow();
      await sync.close();
      await writeFile(path.join(s.desk.stateDir, 'journal.sqlite'), 'this is not a database, it is a damaged file'.repeat(200));
      await rm(path.join(s.desk.root, 'a.txt'));
      const reopened = await s.open();
      const before = s.ada.sent.length;
      const status = await reopened.syncNow();
      expect(s.ada.sent.slice(before).filter((each) => each.op === 'delete')).toEqual([]);
      const notice = status.notices.find((each) => each.kind === 'resync_needed');
      expect(notice?.message).toContain('damaged');
      // a.txt deleted here is no deletion without a trustworthy base: it comes back.
      expect(await readLocal(s.desk, 'a.txt')).toBe('a');
      const { readdir } = await import('node:fs/promises');
      expect((await readdir(s.desk.stateDir)).some((name) => name.startsWith('journal.damaged-'))).toBe(true);
    });

    it('refuses a second engine on the same journal, with a clear message, until the first is closed', async () => {
      const s = await stage(makeWorld);
      const first = await s.open();
      const refused = await errorOf(s.open());
      expect(refused.code).toBe('conflict');
      expect(refused.message).toMatch(/already being synced by another Enclave/);
      await first.close();
      const second = await s.open();
      expect((await second.syncNow()).phase).toBe('idle');
    });
  });
}
