// The defects an attacker's review of the sync engine found (issue 17), each a scenario over any world that failed
// before its fix: a folder deleted here taking another member's new work on the drive with it (deleted with no
// condition, from a tree minutes old), a member's folder named like the engine's temporary files (every sync broke), the
// leftovers of a crashed save (reported as a clash, never cleaned), a person's own files in the engine's namespace
// (removed as if they were the engine's), a file deleted on the drive unlinked here (now kept in a local trash), a download
// checked only against the size the platform declares (now against the free space first).
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCAL_FREE_MARGIN_BYTES } from '../../../../../src/workstation/drives/transfers.ts';
import { stage } from './stage.ts';
import { putRemote, readLocal, readRemote, remoteEntries, writeLocal, type WorldFactory } from './sync-kit.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const ENGINE_PART = '.enclave-part-0123456789abcdef';
const SAVE_PART = '.enclave-part-0123456789abcdef01234567';

export function reviewScenarios(makeWorld: WorldFactory): void {
  describe('a folder deleted here while another member works in it', () => {
    it('does not delete the folder on the drive; their new and changed files come back here, with a notice', async () => {
      const s = await stage(makeWorld);
      await writeLocal(s.desk, 'X/f.txt', 'ada');
      await writeLocal(s.desk, 'X/g.txt', 'nobody changes this');
      const first = await s.open();
      await first.syncNow();
      await first.close();
      await rm(path.join(s.desk.root, 'X'), { recursive: true });
      // Bob saves into X after Ada's engine read the tree and before its delete of X arrives (e.g. while it transfers).
      let raced = false;
      const sync = await s.open({
        remote: {
          ...s.ada.remote,
          delete: async (request) => {
            if (!raced) {
              raced = true;
              await putRemote(s.bob, 'X/bob-results.csv', 'bob: a day of work');
              await putRemote(s.bob, 'X/f.txt', 'bob edited f');
            }
            return s.ada.remote.delete(request);
          },
        },
      });
      const status = await sync.syncNow();
      expect(raced).toBe(true);
      expect(status.reason).toBeNull();
      const drive = await remoteEntries(s.bob);
      expect(await readRemote(s.bob, 'X/bob-results.csv')).toBe('bob: a day of work');
      expect(await readRemote(s.bob, 'X/f.txt')).toBe('bob edited f');
      // The file nobody touched goes, as Ada asked (one delete on its ETag).
      expect(drive.has('X/g.txt')).toBe(false);
      expect(await readLocal(s.desk, 'X/bob-results.csv')).toBe('bob: a day of work');
      expect(await readLocal(s.desk, 'X/f.txt')).toBe('bob edited f');
      expect(await readLocal(s.desk, 'X/g.txt')).toBeNull();
      const notice = status.notices.find((each) => each.kind === 'conflict' && each.paths.includes('X'));
      expect(notice?.message).toMatch(/was deleted here, but someone changed or added files in it on the drive meanwhile/);
      // Settled: the next pass changes nothing on either side.
      const sent = s.ada.sent.length;
      await sync.syncNow();
      expect(s.ada.sent.slice(sent).map((each) => each.op)).toEqual(['tree']);
    });

    it('deletes the folder in one request when nobody changed anything in it, whatever changed elsewhere', async () => {
      const s = await stage(makeWorld);
      await writeLocal(s.desk, 'Y/a.txt', 'a');
      await writeLocal(s.desk, 'Y/b/c.txt', 'c');
      const first = await s.open();
      await first.syncNow();
      await first.close();
      await rm(path.join(s.desk.root, 'Y'), { recursive: true });
      // Bob works elsewhere on the drive after Ada's tree was read: that does not hold up her delete of Y.
      const sync = await s.open({
        remote: {
          ...s.ada.remote,
          delete: async (request) => {
            await putRemote(s.bob, 'elsewhere.txt', 'bob works elsewhere');
            return s.ada.remote.delete(request);
          },
        },
      });
      const status = await sync.syncNow();
      expect(status.notices.filter((each) => each.kind === 'conflict')).toEqual([]);
      expect(s.ada.sent.filter((each) => each.op === 'delete').map((each) => each.path)).toEqual(['Y']);
      expect([...(await remoteEntries(s.bob)).keys()]).toEqual(['elsewhere.txt']);
      await sync.syncNow();
      expect(await readLocal(s.desk, 'elsewhere.txt')).toBe('bob works elsewhere');
    });
  });

  describe('files deleted on the drive', () => {
    it('moves the local copy into the local trash outside the synced folder, and says where it is', async () => {
      const s = await stage(makeWorld);
      await writeLocal(s.desk, 'results/model.csv', 'a day of work');
      await writeLocal(s.desk, 'keep.txt', 'keep');
      const sync = await s.open();
      await sync.syncNow();
      const entry = (await remoteEntries(s.bob)).get('results/model.csv');
      await s.bob.delete({ path: 'results/model.csv', ifMatch: entry?.etag ?? null });
      const status = await sync.syncNow();
      expect(await readLocal(s.desk, 'results/model.csv')).toBeNull();
      expect(status.localTrash).toBe(path.join(s.desk.stateDir, 'trash'));
      const trash = status.localTrash ?? '';
      expect(path.relative(s.desk.root, trash).startsWith('..')).toBe(true);
      const [deletion, ...more] = await readdir(trash);
      expect(more).toEqual([]);
      expect(await readFile(path.join(trash, deletion ?? '', 'results', 'model.csv'), 'utf8')).toBe('a day of work');
      expect(await readLocal(s.desk, 'keep.txt')).toBe('keep');
    });
  });

  describe('a download larger than the space left on this computer', () => {
    it('is refused before a byte is fetched, with a notice, and the files that fit still come', async () => {
      const s = await stage(makeWorld);
      await putRemote(s.bob, 'huge.bin', 'x'.repeat(2000));
      await putRemote(s.bob, 'small.txt', 'small');
      const asked: string[] = [];
      const sync = await s.open({
        freeSpace: async (folder) => {
          asked.push(folder);
          return LOCAL_FREE_MARGIN_BYTES + 1000;
        },
      });
      const status = await sync.syncNow();
      expect(asked.every((folder) => folder === s.desk.root)).toBe(true);
      expect(await readLocal(s.desk, 'small.txt')).toBe('small');
      expect(await readLocal(s.desk, 'huge.bin')).toBeNull();
      expect(s.ada.count('download', 'huge.bin')).toBe(0);
      const file = status.files.find((each) => each.path === 'huge.bin');
      expect(file?.state).toBe('error');
      expect(file?.detail).toMatch(/needs 2000 bytes and this computer's disk has \d+ free.*Nothing was written/);
      expect(status.notices.filter((each) => each.kind === 'error').map((each) => each.paths)).toEqual([['huge.bin']]);
      expect(await readdir(s.desk.root)).toEqual(['.enclave-drive', 'small.txt']);
    });
  });

  describe('names in the engine’s own namespace', () => {
    it('refuses a drive folder named like a temporary file, with everything in it, and keeps syncing the rest', async () => {
      const s = await stage(makeWorld);
      await putRemote(s.bob, 'keep.txt', 'keep');
      await putRemote(s.bob, `${ENGINE_PART}/x.csv`, 'a,b\n1,2\n');
      await putRemote(s.bob, `data/${ENGINE_PART}/deep/y.csv`, 'y');
      const sync = await s.open();
      const first = await sync.syncNow();
      expect(first.reason).toBeNull();
      expect(await readdir(s.desk.root)).not.toContain(ENGINE_PART);
      expect(await readdir(path.join(s.desk.root, 'data'))).toEqual([]);
      const refused = first.files.filter((each) => each.state === 'error').map((each) => each.path);
      expect(refused).toEqual(expect.arrayContaining([ENGINE_PART, `${ENGINE_PART}/x.csv`, `data/${ENGINE_PART}/deep/y.csv`]));
      // Before the fix, the second pass removed a "stray" that was a folder and failed, and so did every pass after.
      await putRemote(s.bob, 'later.txt', 'later');
      const second = await sync.syncNow();
      expect(second.reason).toBeNull();
      expect(await readLocal(s.desk, 'later.txt')).toBe('later');
      const third = await sync.syncNow();
      expect(third.reason).toBeNull();
      // Nothing the member made was deleted on the drive (the tree refuses it to every engine, and keeps it).
      expect((await s.bob.tree()).refused.map((each) => each.path)).toContain(`${ENGINE_PART}/x.csv`);
      expect(s.ada.count('delete')).toBe(0);
    });

    it('reports a local folder or link named like a temporary file as a name clash, and leaves it and its contents', async () => {
      const s = await stage(makeWorld);
      await writeLocal(s.desk, `${ENGINE_PART}/mine.csv`, 'mine');
      await writeLocal(s.desk, 'other.txt', 'other');
      await symlink(s.desk.outside, path.join(s.desk.root, '.enclave-part-fedcba9876543210'));
      const sync = await s.open();
      const status = await sync.syncNow();
      expect(status.reason).toBeNull();
      const states = Object.fromEntries(status.files.map((each) => [each.path, each.state]));
      expect(states[ENGINE_PART]).toBe('name_clash');
      expect(states['.enclave-part-fedcba9876543210']).toBe('name_clash');
      expect(await readLocal(s.desk, `${ENGINE_PART}/mine.csv`)).toBe('mine');
      expect([...(await remoteEntries(s.bob)).keys()]).toEqual(['other.txt']);
      expect((await sync.syncNow()).reason).toBeNull();
      expect(await readLocal(s.desk, `${ENGINE_PART}/mine.csv`)).toBe('mine');
    });

    it('ignores a crashed save’s temporary file for a day, then removes it; never removes a folder or a younger file', async () => {
      const s = await stage(makeWorld);
      let now = Date.now();
      const sync = await s.open({ now: () => new Date(now) });
      await sync.syncNow();
      await writeLocal(s.desk, `results/${SAVE_PART}`, 'half a save');
      await writeLocal(s.desk, ENGINE_PART, 'a file of the same name as the engine’s, unknown to its journal');
      await mkdir(path.join(s.desk.root, '.enclave-part-00000000000000000000000a'));
      await writeFile(path.join(s.desk.root, '.enclave-part-00000000000000000000000a', 'inside.txt'), 'inside');
      const young = await sync.syncNow();
      expect(young.reason).toBeNull();
      // Not reported: a save under way is no clash.
      expect(young.files.map((each) => each.path)).toEqual(['.enclave-part-00000000000000000000000a']);
      expect(await readLocal(s.desk, `results/${SAVE_PART}`)).toBe('half a save');
      expect(await readLocal(s.desk, ENGINE_PART)).not.toBeNull();
      expect((await remoteEntries(s.bob)).has('results')).toBe(true);
      expect([...(await remoteEntries(s.bob)).keys()].filter((each) => each.includes('.enclave-part-'))).toEqual([]);
      // A day later, untouched: the leftovers of a crash, removed; the folder of that name is the person's, and stays.
      now += DAY_MS + 60_000;
      const later = await sync.syncNow();
      expect(later.reason).toBeNull();
      expect(await readLocal(s.desk, `results/${SAVE_PART}`)).toBeNull();
      expect(await readLocal(s.desk, ENGINE_PART)).toBeNull();
      expect(await readLocal(s.desk, '.enclave-part-00000000000000000000000a/inside.txt')).toBe('inside');
    });
  });
}
