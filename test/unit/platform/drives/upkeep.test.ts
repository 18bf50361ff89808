// The drives' housekeeping and first files (issue 17): the sweep at start removes what a stop left behind (a temporary
// file, a blob no version holds, a partial upload no session knows) and nothing else; a restore of the drive store from
// a backup moves every drive's epoch on (so every sync journal resyncs); and the demo's drives start with a README and a
// CSV of synthetic aggregates, once.
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LEFTOVER_AGE_MS } from '../../../../src/platform/drives/blob-sharing.ts';
import { demoAggregatesCsv, seedDemoDrives } from '../../../../src/platform/drives/demo-content.ts';
import { callerOf, createDriveHarness, put, readAll, sha256, OTHER_PROJECT, PROJECT, type DriveHarness } from './support.ts';

let h: DriveHarness;
beforeEach(async () => {
  h = await createDriveHarness();
});
afterEach(async () => {
  await h.close();
});

const ada = callerOf('ada');

describe('the sweep at start', () => {
  it('removes leftovers of a stop once a day old, and keeps every blob a version holds', async () => {
    await put(h.service, { who: 'ada', path: 'kept.txt', content: 'kept' });
    const orphan = sha256('orphan');
    await mkdir(path.join(h.root, 'blobs', orphan.slice(0, 2)), { recursive: true, mode: 0o700 });
    await writeFile(path.join(h.root, 'blobs', orphan.slice(0, 2), orphan), 'orphan', { mode: 0o600 });
    await writeFile(path.join(h.root, 'tmp', 'put-leftover'), 'half a file', { mode: 0o600 });
    await writeFile(path.join(h.root, 'uploads', `up-${'a'.repeat(24)}`), 'nobody knows me', { mode: 0o600 });
    // Younger leftovers may be another instance's writes under way on a shared data folder (blob-sharing.ts).
    const longAgo = new Date(Date.now() - LEFTOVER_AGE_MS - 60_000);
    await utimes(path.join(h.root, 'blobs', orphan.slice(0, 2), orphan), longAgo, longAgo);
    await utimes(path.join(h.root, 'tmp', 'put-leftover'), longAgo, longAgo);
    const report = await h.service.sweep({ atStart: true });
    expect(report.blobsDeleted).toBe(1);
    expect(await h.files('blobs')).toEqual([path.join(sha256('kept').slice(0, 2), sha256('kept'))]);
    expect(await h.files('tmp')).toEqual([]);
    expect(await h.files('uploads')).toEqual([]);
    expect(await readAll(h.service, 'ada', 'kept.txt')).toEqual(Buffer.from('kept'));
  });
});

describe('a restore from a backup', () => {
  it('moves every drive’s epoch on, on record', async () => {
    const before = await h.service.info(ada, PROJECT);
    expect(before.epoch).toBe(1);
    await h.service.info(callerOf('cy'), OTHER_PROJECT);
    expect(await h.service.restoredFromBackup()).toBe(2);
    const after = await h.service.info(ada, PROJECT);
    expect(after).toMatchObject({ epoch: 2, driveId: before.driveId });
    expect((await h.events('drive.epoch_bumped'))[0].parsed).toMatchObject({ drives: 2 });
  });
});

describe('the demo’s drives', () => {
  it('start with a README and synthetic aggregates, written once and left alone after', async () => {
    const project = { id: PROJECT, name: 'Project A', purpose: 'Testing the demo files.' };
    expect(await seedDemoDrives(h.service, [project])).toEqual([PROJECT]);
    const folder = await h.service.folder(ada, PROJECT, '');
    expect(folder.entries.map((entry) => [entry.name, entry.modifiedBy.name])).toEqual([
      ['example-aggregates.csv', 'Enclave'],
      ['README.md', 'Enclave'],
    ]);
    expect((await readAll(h.service, 'ada', 'README.md')).toString()).toContain('Project A');
    const csv = (await readAll(h.service, 'ada', 'example-aggregates.csv')).toString();
    expect(csv).toBe(demoAggregatesCsv(PROJECT));
    // A released table's shape: counts rounded to 5, small ones suppressed.
    for (const line of csv.trim().split('\n').slice(1)) expect(line).toMatch(/,(<10|[1-9][0-9]*[05])$/);
    await h.service.delete(ada, PROJECT, 'README.md', null);
    expect(await seedDemoDrives(h.service, [project])).toEqual([]);
    expect((await h.service.folder(ada, PROJECT, '')).entries.map((entry) => entry.name)).toEqual(['example-aggregates.csv']);
    expect((await h.events('drive.write')).map((event) => [event.actor, event.parsed.via, event.parsed.path])).toEqual([
      [null, 'platform', 'README.md'],
      [null, 'platform', 'example-aggregates.csv'],
    ]);
  });
});
