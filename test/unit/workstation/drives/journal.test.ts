// The sync journal (issue 17): private files, one engine at a time (also from another process), checked at start
// (a damaged file kept aside, a fresh one started), bound to its person and project, and a rebind that forgets the base
// (so nothing can look deleted) while notices survive a restart.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JOURNAL_FILE, openJournal } from '../../../../src/workstation/drives/journal.ts';
import { errorOf } from '../../../support/error-of.ts';

let dir: string;
const now = (): Date => new Date('2026-12-03T09:00:00Z');
const options = (): Parameters<typeof openJournal>[0] => ({
  stateDir: path.join(dir, 'state'),
  projectId: 'p1',
  userId: 'ada',
  deviceId: 'dev',
  now,
});

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'enclave-journal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the sync journal', () => {
  it('is created 0600 in a 0700 folder, and binds to the drive', async () => {
    const { journal, movedAside } = openJournal(options());
    expect(movedAside).toBeNull();
    if (process.platform !== 'win32') {
      expect((await stat(path.join(dir, 'state'))).mode & 0o777).toBe(0o700);
      expect((await stat(path.join(dir, 'state', JOURNAL_FILE))).mode & 0o777).toBe(0o600);
    }
    expect(journal.binding()).toMatchObject({ driveId: null, epoch: null, cursor: null, generation: 0, syncedOnce: false });
    journal.putBase({ key: 'a', path: 'a', kind: 'file', sha256: 'x', etag: 'y', size: 1, fingerprint: 'f', hashedAt: 1 });
    journal.rebind({ driveId: 'drive-1', epoch: 3, cursor: 10, resyncReason: 'because' });
    expect(journal.base().size).toBe(0);
    expect(journal.binding()).toMatchObject({ driveId: 'drive-1', epoch: 3, cursor: 10, resyncReason: 'because' });
    journal.markRooted();
    expect(journal.finishPass({ changed: false, resyncDone: true })).toBe(0);
    expect(journal.binding()).toMatchObject({ syncedOnce: true, resyncReason: null, generation: 0 });
    expect(journal.finishPass({ changed: true, resyncDone: true })).toBe(1);
    expect(journal.finishPass({ changed: true, resyncDone: false })).toBe(2);
    journal.close();
  });

  it('refuses a second opening while the first holds it, in this process', () => {
    const { journal } = openJournal(options());
    let message = '';
    try {
      openJournal(options());
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/already being synced by another Enclave/);
    journal.close();
    openJournal(options()).journal.close();
  });

  it('refuses a second opening from another process, and the lock goes with the process that held it', async () => {
    const { journal } = openJournal(options());
    const file = path.join(dir, 'state', JOURNAL_FILE);
    const script = `const { DatabaseSync } = require('node:sqlite'); const db = new DatabaseSync(${JSON.stringify(file)});
      try { db.exec('PRAGMA busy_timeout = 0; BEGIN IMMEDIATE; COMMIT;'); console.log('got it'); } catch (e) { console.log('refused: ' + e.message); }`;
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, ['-e', script]);
    expect(stdout.trim()).toBe('refused: database is locked');
    journal.close();
    const after = await run(process.execPath, ['-e', script]);
    expect(after.stdout.trim()).toBe('got it');
  });

  it('moves a damaged journal aside, keeps it, and starts a fresh one', async () => {
    openJournal(options()).journal.close();
    await writeFile(path.join(dir, 'state', JOURNAL_FILE), Buffer.alloc(8192, 7));
    const { journal, movedAside } = openJournal(options());
    expect(movedAside).toMatch(/journal\.damaged-2026-12-03T09-00-00-000Z\.sqlite$/);
    const kept = (await readdir(path.join(dir, 'state'))).filter((name) => !name.endsWith('-wal') && !name.endsWith('-shm'));
    expect(kept.sort()).toEqual([JOURNAL_FILE, path.basename(movedAside ?? '')].sort());
    expect(journal.binding().driveId).toBeNull();
    journal.close();
  });

  it("refuses another person's or another project's journal, and leaves it as it is", async () => {
    openJournal(options()).journal.close();
    const other = await errorOf(Promise.resolve().then(() => openJournal({ ...options(), userId: 'bob' })));
    expect(other.code).toBe('forbidden');
    const project = await errorOf(Promise.resolve().then(() => openJournal({ ...options(), projectId: 'p2' })));
    expect(project.code).toBe('forbidden');
    const { journal } = openJournal(options());
    expect(journal.binding().journalId).not.toBe('');
    journal.close();
  });

  it('keeps notices across a restart until they are dismissed, and says whether one was ever given', () => {
    const first = openJournal(options()).journal;
    first.addNotice({ id: 'n1', at: 'now', kind: 'conflict', message: 'kept both', paths: ['a', 'a (conflict)'] });
    first.close();
    const second = openJournal(options()).journal;
    expect(second.notices()).toEqual([{ id: 'n1', at: 'now', kind: 'conflict', message: 'kept both', paths: ['a', 'a (conflict)'] }]);
    second.dismissNotice('n1');
    expect(second.notices()).toEqual([]);
    expect(second.hasNotice('conflict', ['a', 'a (conflict)'])).toBe(true);
    expect(second.hasNotice('conflict', ['b'])).toBe(false);
    second.close();
  });
});
