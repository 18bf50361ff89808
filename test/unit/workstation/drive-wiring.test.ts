// How the core runs the project drives' sync (issue 17): one at a time, for the signed-in person and the project the
// window has open, only for a project that keeps its tables on this disk; its folder and journal where the brief says
// (<drives root>/<project>, <sync root>/<user>/<project>, 0700); its status as `drive.changed`; stopped on sign-out or
// lock and on a switch to another project; a sync that cannot start says why and is tried again.
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DriveSyncView, Project } from '../../../src/common/contract.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import type { DriveSync, DriveSyncStatus } from '../../../src/workstation/drives/sync-api.ts';
import { createCoreDrives, type CoreDrives, type DriveSyncStart } from '../../../src/workstation/drives/wiring.ts';
import { createEventHub } from '../../../src/workstation/event-hub.ts';
import { errorOf } from '../../support/error-of.ts';

const project = (id: string, localData: 'disk' | 'memory'): Project => ({
  id,
  name: id,
  purpose: '',
  datasetIds: [],
  localData,
  clipboardCellLimit: 100,
});
const PROJECTS = [project('covid-outcomes', 'disk'), project('cardio-admissions', 'disk'), project('opt-out-monitoring', 'memory')];

/** A sync that does what it is asked and says so; its status as a test sets it. */
class FakeSync implements DriveSync {
  closed = false;
  passes = 0;
  answers: string[] = [];
  dismissed: string[] = [];
  private readonly listeners = new Set<(status: DriveSyncStatus) => void>();
  current: DriveSyncStatus;
  readonly start: DriveSyncStart;
  constructor(start: DriveSyncStart) {
    this.start = start;
    this.current = {
      projectId: start.projectId,
      localRoot: start.localRoot,
      phase: 'idle',
      reason: null,
      lastSyncedAt: null,
      transfer: null,
      files: [],
      notices: [],
      pendingDeletes: 0,
      localTrash: '/state/covid-outcomes/trash',
    };
  }
  status(): DriveSyncStatus {
    return this.current;
  }
  async syncNow(): Promise<DriveSyncStatus> {
    this.passes += 1;
    return this.current;
  }
  async resolveDeletes(answer: 'apply' | 'restore'): Promise<DriveSyncStatus> {
    this.answers.push(answer);
    return this.current;
  }
  dismissNotice(id: string): void {
    this.dismissed.push(id);
  }
  onChange(listener: (status: DriveSyncStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  change(status: Partial<DriveSyncStatus>): void {
    this.current = { ...this.current, ...status };
    for (const listener of this.listeners) listener(this.current);
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

describe('the core’s drives', () => {
  let dir: string;
  let drives: CoreDrives;
  let started: FakeSync[];
  let events: DriveSyncView[];
  let failStart: Error | null;
  let signedIn: boolean;
  let clock: number;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'enclave-drive-wiring-'));
    started = [];
    events = [];
    failStart = null;
    signedIn = true;
    clock = 1_000_000;
    const hub = createEventHub();
    hub.on('drive.changed', (view) => events.push(view));
    drives = createCoreDrives({
      client: {
        url: 'http://127.0.0.1:4100',
        projects: async () => PROJECTS,
        call: async () => Promise.reject(new Error('unused')),
      } as never,
      asUser: (call) => call({ token: 'token-of-ada' }),
      person: () => {
        if (!signedIn) throw new EnclaveError('locked', 'Enclave is locked.');
        return { id: 'demo-analyst', displayName: 'Ada Lovelace' };
      },
      token: async () => 'token-of-ada',
      hub,
      workspaces: { use: async () => Promise.reject(new Error('unused')) },
      openSync: async (start) => {
        if (failStart !== null) throw failStart;
        const sync = new FakeSync(start);
        started.push(sync);
        return sync;
      },
      root: join(dir, 'Enclave'),
      stateRoot: join(dir, 'data', 'drive-sync'),
      retryAfterMs: 15_000,
      log: () => {},
      now: () => clock,
    });
  });

  afterEach(async () => {
    await drives.close();
    await rm(dir, { recursive: true, force: true });
  });

  const view = (projectId: string) => drives.handlers['drive.sync']({ projectId });

  it('starts a disk project’s sync in <root>/<project>, its journal in <sync root>/<user>/<project> (0700)', async () => {
    const answer = await view('covid-outcomes');

    expect(started).toHaveLength(1);
    expect(started[0]?.start).toMatchObject({
      projectId: 'covid-outcomes',
      userId: 'demo-analyst',
      person: 'Ada Lovelace',
      localRoot: join(dir, 'Enclave', 'covid-outcomes'),
      stateDir: join(dir, 'data', 'drive-sync', 'demo-analyst', 'covid-outcomes'),
    });
    for (const folder of ['Enclave', 'data/drive-sync', 'data/drive-sync/demo-analyst', 'data/drive-sync/demo-analyst/covid-outcomes']) {
      expect((await lstat(join(dir, folder))).mode & 0o777).toBe(0o700);
    }
    // The project's own folder is the sync's to make, on its first pass only.
    expect(await readdir(join(dir, 'Enclave'))).toEqual([]);
    expect(answer).toMatchObject({
      projectId: 'covid-outcomes',
      mode: 'disk',
      localRoot: join(dir, 'Enclave', 'covid-outcomes'),
      problem: null,
    });
    expect(answer.status).toMatchObject({ phase: 'idle', projectId: 'covid-outcomes', localTrash: '/state/covid-outcomes/trash' });
  });

  it('keeps one sync per project: asking again does not start another', async () => {
    await view('covid-outcomes');
    await view('covid-outcomes');
    await drives.handlers['drive.syncNow']({ projectId: 'covid-outcomes' });
    await view('covid-outcomes');

    expect(started).toHaveLength(1);
  });

  it('stops the sync when the window switches project; a project kept in the window has no folder and no sync', async () => {
    await view('covid-outcomes');

    const memory = await view('opt-out-monitoring');

    expect(started[0]?.closed).toBe(true);
    expect(started).toHaveLength(1);
    expect(memory).toEqual({ projectId: 'opt-out-monitoring', mode: 'memory', localRoot: null, status: null, problem: null });
    const error = await errorOf(drives.handlers['drive.resolveDeletes']({ projectId: 'opt-out-monitoring', answer: 'apply' }));
    expect(error).toMatchObject({ code: 'invalid_input' });

    await view('cardio-admissions');
    expect(started.map((sync) => sync.start.projectId)).toEqual(['covid-outcomes', 'cardio-admissions']);
  });

  it('says each change of the sync’s status as drive.changed', async () => {
    await view('covid-outcomes');
    events.length = 0;

    started[0]?.change({ phase: 'syncing', transfer: { path: 'a.csv', direction: 'up', done: 10, total: 100 } });

    expect(events.at(-1)).toMatchObject({
      projectId: 'covid-outcomes',
      status: { phase: 'syncing', transfer: { path: 'a.csv', direction: 'up', done: 10, total: 100 } },
    });
  });

  it('passes a sync now, the person’s answer to a paused delete and a dismissed notice on to the sync', async () => {
    await view('covid-outcomes');

    await drives.handlers['drive.syncNow']({ projectId: 'covid-outcomes' });
    await drives.handlers['drive.resolveDeletes']({ projectId: 'covid-outcomes', answer: 'restore' });
    await drives.handlers['drive.dismissNotice']({ projectId: 'covid-outcomes', noticeId: 'n-1' });

    expect(started[0]).toMatchObject({ passes: 1, answers: ['restore'], dismissed: ['n-1'] });
  });

  it('stops the sync on sign-out or lock, and says so', async () => {
    await view('covid-outcomes');

    drives.sessionLeft();
    await expect.poll(() => started[0]?.closed).toBe(true);

    expect(events.at(-1)).toMatchObject({ projectId: 'covid-outcomes', status: null, problem: expect.stringContaining('Sync stopped') });
    signedIn = false;
    expect(await errorOf(view('covid-outcomes'))).toMatchObject({ code: 'locked' });
    expect(started).toHaveLength(1);
  });

  it('says why a sync could not start, and tries again on a pass asked for or after a while', async () => {
    failStart = new EnclaveError('unavailable', 'Another Enclave is syncing this drive with the same journal.');

    const failed = await view('covid-outcomes');
    expect(failed).toMatchObject({
      status: null,
      problem: 'Its sync could not start: Another Enclave is syncing this drive with the same journal.',
    });
    expect(await view('covid-outcomes')).toMatchObject({ status: null });

    failStart = null;
    expect(await view('covid-outcomes')).toMatchObject({ status: null });
    clock += 15_000;
    expect((await view('covid-outcomes')).status).not.toBeNull();
    expect(started).toHaveLength(1);
  });

  it('refuses a project that is not the person’s, with the same words as one that does not exist', async () => {
    const error = await errorOf(view('someone-elses'));

    expect(error).toMatchObject({ code: 'not_found', message: 'There is no project "someone-elses" among yours.' });
    expect(started).toHaveLength(0);
  });
});
