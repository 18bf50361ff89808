// The sync engine stopped at every step of a transfer (issue 17), over any world: the workstation "killed" by a throw
// at each step (a new engine then opens the same journal) and the platform "killed" by a request that fails. Each time
// the file is the old content or the new, never empty or partial, and the transfer resumes from where it stopped.
// Bodies damaged in transit (a flipped byte, a cut) are never installed, and are fetched again.
import { readdir, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TransferStep } from '../../../../../src/workstation/drives/transfers.ts';
import { stage } from './stage.ts';
import { putRemote, readLocal, readRemote, remoteEntries, syncedLocal, writeLocal, type Desk, type WorldFactory } from './sync-kit.ts';

/** 20 KiB of one letter: five chunks of 4 KiB, so a stop after the first chunk is mid-file. */
const v1 = 'a'.repeat(20 * 1024);
const v2 = 'b'.repeat(20 * 1024);
const CHUNK = 4096;

class Crash extends Error {}

function crashAt(step: TransferStep): { onStep: (at: TransferStep) => void; crashed: () => boolean } {
  let crashed = false;
  return {
    onStep: (at) => {
      if (at === step && !crashed) {
        crashed = true;
        throw new Crash(`killed at ${step}`);
      }
    },
    crashed: () => crashed,
  };
}

async function partFiles(desk: Desk): Promise<string[]> {
  const found: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) await visit(path.join(dir, entry.name));
      else if (entry.name.startsWith('.enclave-part-')) found.push(entry.name);
    }
  };
  await visit(desk.root);
  return found;
}

const DOWNLOAD_STEPS: TransferStep[] = [
  'download:start',
  'download:chunk',
  'download:fsync',
  'download:verify',
  'download:rename',
  'download:fsync-folder',
  'download:journal',
];
const UPLOAD_STEPS: TransferStep[] = ['upload:start', 'upload:chunk', 'upload:commit', 'upload:journal'];

export function crashScenarios(makeWorld: WorldFactory): void {
  describe('a crash at every step of a transfer', () => {
    for (const step of DOWNLOAD_STEPS) {
      it(`leaves the old or the new file, never a partial one, when the workstation dies at ${step}, and resumes`, async () => {
        const s = await stage(makeWorld);
        await putRemote(s.bob, 'data/big.bin', v1);
        const first = await s.open({ chunkBytes: CHUNK });
        await first.syncNow();
        await putRemote(s.bob, 'data/big.bin', v2);
        await first.close();
        const crash = crashAt(step);
        const dying = await s.open({ chunkBytes: CHUNK, onStep: crash.onStep });
        await dying.syncNow();
        expect(crash.crashed()).toBe(true);
        expect([v1, v2]).toContain(await readLocal(s.desk, 'data/big.bin'));
        await dying.close();
        const before = s.ada.sent.length;
        const next = await s.open({ chunkBytes: CHUNK });
        const status = await next.syncNow();
        expect(await readLocal(s.desk, 'data/big.bin')).toBe(v2);
        expect(await syncedLocal(s.desk)).toEqual(['data/big.bin']);
        expect(await partFiles(s.desk)).toEqual([]);
        expect(status.notices).toEqual([]);
        const downloads = s.ada.sent.slice(before).filter((each) => each.op === 'download');
        if (step === 'download:chunk') expect(downloads).toEqual([{ op: 'download', path: 'data/big.bin', offset: CHUNK }]);
        // Verified and waiting for its rename, or installed already: nothing is fetched again.
        if (['download:rename', 'download:fsync-folder', 'download:journal'].includes(step)) expect(downloads).toEqual([]);
      });
    }

    for (const step of UPLOAD_STEPS) {
      it(`leaves the drive with the old or the new content when the workstation dies at ${step}, and resumes`, async () => {
        const s = await stage(makeWorld);
        await putRemote(s.bob, 'big.bin', v1);
        const first = await s.open({ chunkBytes: CHUNK });
        await first.syncNow();
        await first.close();
        await writeLocal(s.desk, 'big.bin', v2);
        const crash = crashAt(step);
        const dying = await s.open({ chunkBytes: CHUNK, onStep: crash.onStep });
        await dying.syncNow();
        expect(crash.crashed()).toBe(true);
        expect([v1, v2]).toContain(await readRemote(s.bob, 'big.bin'));
        await dying.close();
        const before = s.ada.sent.length;
        const next = await s.open({ chunkBytes: CHUNK });
        await next.syncNow();
        expect(await readRemote(s.bob, 'big.bin')).toBe(v2);
        expect(await readLocal(s.desk, 'big.bin')).toBe(v2);
        expect([...(await remoteEntries(s.bob)).keys()]).toEqual(['big.bin']);
        const sent = s.ada.sent.slice(before);
        if (step === 'upload:chunk') {
          // The session is picked up where the platform says it stands: the first chunk was not sent again.
          expect(sent.filter((each) => each.op === 'startUpload')).toEqual([]);
          expect(sent.filter((each) => each.op === 'uploadChunk')[0]?.offset).toBe(CHUNK);
        }
        if (step === 'upload:journal') expect(sent.filter((each) => each.op === 'startUpload')).toEqual([]);
      });
    }

    for (const op of ['download', 'startUpload', 'uploadChunk', 'commitUpload', 'tree'] as const) {
      it(`loses nothing when the platform dies at ${op}, and syncs on the next pass`, async () => {
        const s = await stage(makeWorld);
        await putRemote(s.bob, 'down.bin', v1);
        await putRemote(s.bob, 'up.bin', v1);
        const sync = await s.open({ chunkBytes: CHUNK });
        await sync.syncNow();
        await putRemote(s.bob, 'down.bin', v2);
        await writeLocal(s.desk, 'up.bin', v2);
        s.ada.failNext(op);
        const failed = await sync.syncNow();
        if (op === 'tree') expect(failed.phase).toBe('offline');
        expect([v1, v2]).toContain(await readLocal(s.desk, 'down.bin'));
        expect([v1, v2]).toContain(await readRemote(s.bob, 'up.bin'));
        const status = await sync.syncNow();
        expect(status.phase).toBe('idle');
        expect(await readLocal(s.desk, 'down.bin')).toBe(v2);
        expect(await readRemote(s.bob, 'up.bin')).toBe(v2);
        expect(await partFiles(s.desk)).toEqual([]);
      });
    }
  });

  describe('bodies damaged in transit', () => {
    it('does not install a body with a flipped byte, and fetches it again', async () => {
      const s = await stage(makeWorld);
      await putRemote(s.bob, 'x.bin', v1);
      let flips = 1;
      s.ada.downloadFault = () => (flips-- > 0 ? 'flip' : null);
      const sync = await s.open();
      await sync.syncNow();
      expect(await readLocal(s.desk, 'x.bin')).toBe(v1);
      expect(s.ada.count('download', 'x.bin')).toBe(2);
    });

    it('never installs a body that keeps arriving damaged, says so, and installs it once it arrives whole', async () => {
      const s = await stage(makeWorld);
      await putRemote(s.bob, 'x.bin', v1);
      const sync = await s.open();
      await sync.syncNow();
      await putRemote(s.bob, 'x.bin', v2);
      s.ada.downloadFault = () => 'flip';
      const status = await sync.syncNow();
      expect(await readLocal(s.desk, 'x.bin')).toBe(v1);
      expect(await partFiles(s.desk)).toEqual([]);
      const file = status.files.find((each) => each.path === 'x.bin');
      expect(file?.state).toBe('error');
      expect(file?.detail).toMatch(/did not arrive intact/);
      s.ada.downloadFault = () => null;
      await sync.syncNow();
      expect(await readLocal(s.desk, 'x.bin')).toBe(v2);
    });

    for (const fault of ['cut', 'cut-error'] as const) {
      it(`resumes a body ${fault === 'cut' ? 'that ends early' : 'whose connection breaks'} from what arrived, and installs it whole`, async () => {
        const s = await stage(makeWorld);
        await putRemote(s.bob, 'x.bin', v2);
        let cuts = 1;
        s.ada.downloadFault = () => (cuts-- > 0 ? fault : null);
        const sync = await s.open();
        await sync.syncNow();
        expect(await readLocal(s.desk, 'x.bin')).toBe(v2);
        const offsets = s.ada.sent.filter((each) => each.op === 'download').map((each) => each.offset);
        expect(offsets).toEqual([0, v2.length / 2]);
      });
    }
  });

  describe('changes the clock cannot tell apart', () => {
    it('sees two writes of the same size within one second, here (same mtime) and on the drive (different ETags)', async () => {
      const s = await stage(makeWorld);
      await writeLocal(s.desk, 'local.txt', 'aaaa');
      await putRemote(s.bob, 'remote.txt', 'cccc');
      const sync = await s.open();
      await sync.syncNow();
      const { mtime } = await stat(path.join(s.desk.root, 'local.txt'));
      await writeLocal(s.desk, 'local.txt', 'bbbb');
      await utimes(path.join(s.desk.root, 'local.txt'), mtime, mtime);
      const first = (await remoteEntries(s.bob)).get('remote.txt')?.etag;
      await putRemote(s.bob, 'remote.txt', 'dddd');
      const second = (await remoteEntries(s.bob)).get('remote.txt')?.etag;
      await putRemote(s.bob, 'remote.txt', 'eeee');
      expect(new Set([first, second, (await remoteEntries(s.bob)).get('remote.txt')?.etag]).size).toBe(3);
      await sync.syncNow();
      expect(await readRemote(s.bob, 'local.txt')).toBe('bbbb');
      expect(await readLocal(s.desk, 'remote.txt')).toBe('eeee');
    });

    for (const [label, seconds] of [
      ['0 (1970-01-01)', 0],
      ['before 1970', -1_000_000_000],
      ['far in the future (year 3000)', 32_503_680_000],
    ] as const) {
      it(`syncs files whose modification time is ${label}, once, and sees later edits`, async () => {
        const s = await stage(makeWorld);
        await writeLocal(s.desk, 'odd-time.txt', 'first');
        await utimes(path.join(s.desk.root, 'odd-time.txt'), seconds, seconds);
        const sync = await s.open();
        await sync.syncNow();
        expect(await readRemote(s.bob, 'odd-time.txt')).toBe('first');
        const before = s.ada.sent.length;
        await sync.syncNow();
        expect(s.ada.sent.slice(before).filter((each) => each.op !== 'tree')).toEqual([]);
        await writeLocal(s.desk, 'odd-time.txt', 'second');
        await utimes(path.join(s.desk.root, 'odd-time.txt'), seconds, seconds);
        await putRemote(s.bob, 'other.txt', 'x');
        await sync.syncNow();
        expect(await readRemote(s.bob, 'odd-time.txt')).toBe('second');
        expect(await readLocal(s.desk, 'other.txt')).toBe('x');
      });
    }
  });
}
