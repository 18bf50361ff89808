// "Open for writing" (issue 17): on Linux read from /proc (a descriptor linked to the file, with O_WRONLY or O_RDWR in
// its fdinfo flags; read-only opens and other users' unreadable processes do not count); elsewhere a settle time.
import { mkdir, mkdtemp, open, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProcWriterProbe, createSettleWriterProbe, filesOpenForWriting } from '../../../../src/workstation/drives/open-files.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'enclave-open-files-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A /proc of our making: process 10 writes a.csv and reads b.csv, process 11 has c.csv read-write, 12 is unreadable. */
async function fakeProc(target: string): Promise<string> {
  const proc = path.join(dir, 'proc');
  const fd = async ([pid, n]: [number, number], file: string, flags: string): Promise<void> => {
    await mkdir(path.join(proc, String(pid), 'fd'), { recursive: true });
    await mkdir(path.join(proc, String(pid), 'fdinfo'), { recursive: true });
    await symlink(file, path.join(proc, String(pid), 'fd', String(n)));
    await writeFile(path.join(proc, String(pid), 'fdinfo', String(n)), `pos:\t0\nflags:\t${flags}\nmnt_id:\t1\n`);
  };
  await fd([10, 3], path.join(target, 'a.csv'), '0100001');
  await fd([10, 4], path.join(target, 'b.csv'), '0100000');
  await fd([11, 5], path.join(target, 'c.csv'), '0100002');
  await fd([11, 6], '/elsewhere/d.csv', '0100001');
  await mkdir(path.join(proc, '12'));
  await mkdir(path.join(proc, 'self-not-a-pid'));
  return proc;
}

describe('files open for writing', () => {
  it('reads O_WRONLY and O_RDWR descriptors from /proc, not read-only ones, under the folder only', async () => {
    const proc = await fakeProc('/drive');
    expect([...(await filesOpenForWriting(proc, '/drive'))].sort()).toEqual(['/drive/a.csv', '/drive/c.csv']);
    const probe = createProcWriterProbe({ root: '/drive', procRoot: proc });
    expect(await probe.isOpenForWriting('/drive/a.csv', null)).toBe(true);
    expect(await probe.isOpenForWriting('/drive/b.csv', null)).toBe(false);
  });

  it('sees a file this very process holds open for writing, and no longer once it is closed', async () => {
    if (process.platform !== 'linux') {
      console.log('Skipped: /proc is Linux only.');
      return;
    }
    const file = path.join(dir, 'held.csv');
    await writeFile(file, 'x');
    const probe = createProcWriterProbe({ root: dir });
    const reading = await open(file, 'r');
    expect(await probe.isOpenForWriting(file, null)).toBe(false);
    await reading.close();
    const writing = await open(file, 'r+');
    probe.reset();
    expect(await probe.isOpenForWriting(file, null)).toBe(true);
    await writing.close();
    probe.reset();
    expect(await probe.isOpenForWriting(file, null)).toBe(false);
  });

  it('elsewhere, takes a file changed within the settle time as still being written', async () => {
    const file = path.join(dir, 'fresh.csv');
    await writeFile(file, 'x');
    const stats = await stat(file, { bigint: true });
    const changed = Number(stats.mtimeNs / 1_000_000n);
    expect(await createSettleWriterProbe({ settleMs: 3000, now: () => changed + 1000 }).isOpenForWriting(file, stats)).toBe(true);
    expect(await createSettleWriterProbe({ settleMs: 3000, now: () => changed + 5000 }).isOpenForWriting(file, stats)).toBe(false);
    expect(await createSettleWriterProbe({ settleMs: 3000 }).isOpenForWriting(file, null)).toBe(false);
  });
});
