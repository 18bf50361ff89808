// Workspace drives with several platform instances on one PostgreSQL database and one data folder (issue 19 C). Each
// instance here is a real platform core (openPlatformCore, as `serve` opens it: the app role, the shared keys folder,
// the demo's agreements, and with `drivesAtStart` the drives' start: the sweep, then the demo's first files), each with
// its own connections and its own memory, on one store and one data folder. Writes are held at their commit by the
// drives' own PostgreSQL advisory lock, taken by the test as any other session could take it, so another instance's
// start runs exactly while they are under way.
//
// - An instance starting (its sweep at start) while another has a PUT streaming, PUTs and an upload's commit stored
//   but not yet committed: every one of them succeeds and reads back whole, through either instance; the other
//   instance's collect of the same bytes leaves them be.
// - The demo's drives seeded by three instances at once: each drive once, one README each, and no failure.
// - Two instances' sweeps purging the same expired trash entry: one purge on record.
// - A stop's leftovers still go, once a day old; younger ones stay (they may be another instance's writes).
// - `serve` on a store migrated without the demo's projects starts (no drive is made for a project it does not hold).
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, rename, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEFTOVER_AGE_MS } from '../../../../src/platform/drives/blob-sharing.ts';
import { seedDemoDrives } from '../../../../src/platform/drives/demo-content.ts';
import type { DriveCaller } from '../../../../src/platform/drives/service-api.ts';
import { openPlatformCore, type PlatformCore } from '../../../../src/platform/platform-core.ts';
import { DEFAULT_DEMO_DIR, readDemoSeed } from '../../../../src/platform/store/demo-seed.ts';
import { ADVISORY_LOCK_KEYS } from '../../../../src/platform/store/sql-engine.ts';
import { launchInstance } from '../../../support/platform-instances.ts';
import { createAppRoleStore, type AppRoleStore } from '../../../support/postgres-app-store.ts';
import { postgresCluster, superuserClient, type AvailableCluster } from '../../../support/postgres.ts';
import { makePrivate } from '../../../support/private-tree.ts';
import { createPlatformFixture, type PlatformFixture } from '../fixture.ts';

const cluster = postgresCluster();

const PROJECT = 'covid-outcomes';
/** The demo's lead analyst of covid-outcomes, as the API would pass her on. */
const ADA: DriveCaller = {
  principal: { user: { id: 'demo-analyst', displayName: 'Ada', role: 'analyst' }, authenticatedBy: 'oidc' },
  via: 'api',
};

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/** A data folder and a migrated store (the demo's people and projects with `demo`), as serve is given them. */
interface Platform {
  readonly fixture: PlatformFixture;
  readonly store: AppRoleStore;
  readonly drivesDir: string;
  /** Opens one more instance on them; with `drivesAtStart`, the drives' start runs as serve runs it. */
  open(options: { drivesAtStart: boolean }): Promise<PlatformCore>;
  cleanup(): Promise<void>;
}

async function createPlatform(at: AvailableCluster, options: { demo: boolean }): Promise<Platform> {
  const fixture = await createPlatformFixture();
  await makePrivate(fixture.dataDir);
  const store = await createAppRoleStore(at, { demo: options.demo });
  const opened: PlatformCore[] = [];
  return {
    fixture,
    store,
    drivesDir: path.join(fixture.dataDir, 'drives'),
    async open({ drivesAtStart }) {
      const core = await openPlatformCore({
        dataDir: fixture.dataDir,
        cataloguePath: fixture.cataloguePath,
        database: store.database,
        watchAgreements: false,
        drivesAtStart,
        log: (message, detail) => console.log(message, detail ?? ''),
      });
      opened.push(core);
      return core;
    },
    async cleanup() {
      await Promise.all(opened.map((core) => core.close()));
      await store.cleanup();
      await fixture.cleanup();
    },
  };
}

async function readWhole(core: PlatformCore, drivePath: string): Promise<Buffer> {
  const opened = await core.drives.read(ADA, PROJECT, drivePath);
  const chunks: Buffer[] = [];
  for await (const chunk of opened.stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function put(core: PlatformCore, drivePath: string, content: Buffer): ReturnType<PlatformCore['drives']['write']> {
  return core.drives.write(ADA, PROJECT, drivePath, Readable.from([content]), content.length, { any: true });
}

async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}

const blobFile = (drivesDir: string, sha: string): string => path.join(drivesDir, 'blobs', sha.slice(0, 2), sha);

/** A session of its own on the database that holds the drives' write lock, so every drive commit waits for it. */
async function holdDriveCommits(
  store: AppRoleStore,
  at: AvailableCluster,
): Promise<{ waiting(): Promise<number>; release(): Promise<void> }> {
  const client: pg.Client = await superuserClient(at, store.databaseName);
  await client.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_KEYS.drives]);
  let released = false;
  return {
    async waiting() {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks
          WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      return rows[0].n;
    },
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_KEYS.drives]);
      } finally {
        await client.end();
      }
    },
  };
}

describe.skipIf(cluster === null)('two instances’ drives on one PostgreSQL store and one data folder', () => {
  let platform: Platform;
  let first: PlatformCore;

  beforeAll(async () => {
    platform = await createPlatform(cluster!, { demo: true });
    first = await platform.open({ drivesAtStart: true });
  });
  afterAll(async () => {
    await platform?.cleanup();
  });

  it('keeps every write under way on one instance whole while another starts, and reads it back through both', async () => {
    const streamed = Buffer.alloc(256 * 1024, 7);
    const held = Buffer.from('stored, not yet committed\n');
    const uploaded = Buffer.from('an upload session’s bytes, sealed, not yet committed\n');
    const burst = Array.from({ length: 8 }, (_, n) => Buffer.from(`burst file ${n}\n`));

    // An upload session with every byte sent, to be committed while the commits are held.
    const session = await first.drives.startUpload(ADA, PROJECT, {
      path: 'session.bin',
      size: uploaded.length,
      sha256: sha256(uploaded),
      condition: { ifAbsent: true },
    });
    await first.drives.uploadChunk(ADA, PROJECT, session.uploadId, 0, Readable.from([uploaded]), uploaded.length);

    // A PUT whose body is half sent: its bytes are in a temporary file.
    const body = new PassThrough();
    const streaming = first.drives.write(ADA, PROJECT, 'streamed.bin', body, streamed.length, { ifAbsent: true });
    body.write(streamed.subarray(0, streamed.length / 2));
    const tmp = path.join(platform.drivesDir, 'tmp');
    await expect
      .poll(
        async () => {
          for (const name of await filesIn(tmp)) if ((await lstat(path.join(tmp, name))).size > 0) return true;
          return false;
        },
        { message: 'the streaming PUT has a temporary file' },
      )
      .toBe(true);

    // Writes stored whole but held at their commit: their blobs are on disk, named by no version yet.
    const gate = await holdDriveCommits(platform.store, cluster!);
    try {
      const stored = [
        put(first, 'held.txt', held),
        first.drives.commitUpload(ADA, PROJECT, session.uploadId),
        ...burst.map((content, n) => put(first, `burst-${n}.txt`, content)),
      ];
      const all = Promise.allSettled([streaming, ...stored]);
      await expect
        .poll(
          async () => {
            const present = await Promise.all(
              [held, uploaded].map((content) =>
                lstat(blobFile(platform.drivesDir, sha256(content))).then(
                  () => true,
                  () => false,
                ),
              ),
            );
            return present.every(Boolean) && (await gate.waiting()) >= 1;
          },
          { message: 'the held writes’ blobs are stored and the first commit waits' },
        )
        .toBe(true);

      // Another instance starts meanwhile: its drives' start (the sweep at start, the demo's drives) runs now.
      const second = await platform.open({ drivesAtStart: true });
      // It collects the same bytes (as after a write of its own of them was refused): another instance holds them.
      const collectedMeanwhile = await second.drives.context.collect([sha256(held), sha256(uploaded)]);

      body.end(streamed.subarray(streamed.length / 2));
      await gate.release();
      const outcomes = await all;

      const failures = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      expect(failures.map((failure) => String(failure.reason))).toEqual([]);
      expect(collectedMeanwhile).toBe(0);
      for (const core of [first, second]) {
        expect(await readWhole(core, 'streamed.bin')).toEqual(streamed);
        expect(await readWhole(core, 'held.txt')).toEqual(held);
        expect(await readWhole(core, 'session.bin')).toEqual(uploaded);
        for (const [n, content] of burst.entries()) expect(await readWhole(core, `burst-${n}.txt`)).toEqual(content);
      }
    } finally {
      body.end();
      await gate.release();
    }
    // Nothing of theirs is left behind once they are done: no temporary file, no hold.
    expect(await filesIn(tmp)).toEqual([]);
    expect(await filesIn(path.join(platform.drivesDir, 'holds'))).toEqual([]);
  }, 90_000);

  it('records one purge when two instances’ sweeps find the same expired trash entry', async () => {
    const second = await platform.open({ drivesAtStart: false });
    await put(first, 'to-purge.txt', Buffer.from('deleted, then purged once\n'));
    const trashed = await first.drives.delete(ADA, PROJECT, 'to-purge.txt', null);
    // Its days are over (as if thirty had passed).
    await platform.store.raw(`UPDATE drive_trash SET purge_at = '2000-01-01T00:00:00.000Z' WHERE id = $1`, [trashed.trashId]);
    const reports = await Promise.all([first.drives.sweep(), second.drives.sweep()]);
    expect(reports.map((report) => report.trashPurged).reduce((sum, n) => sum + n, 0)).toBe(1);
    const purges = await platform.store.raw(`SELECT details FROM audit_events WHERE type = 'drive.trash_purged'`);
    expect(purges.filter((row) => String(row.details).includes(trashed.trashId))).toHaveLength(1);
  });

  it('still removes a stop’s leftovers once they are a day old, and leaves younger ones (maybe another instance’s)', async () => {
    const root = platform.drivesDir;
    const dayAndMore = new Date(Date.now() - LEFTOVER_AGE_MS - 60 * 60 * 1000);
    const kept = await put(first, 'kept.txt', Buffer.from('named by a version\n'));
    const orphan = (content: string) => ({ sha: sha256(content), content });
    const [oldOrphan, youngOrphan] = [orphan('a stop left me a day ago'), orphan('a write may be about to commit me')];
    for (const blob of [oldOrphan, youngOrphan]) {
      await mkdir(path.dirname(blobFile(root, blob.sha)), { recursive: true, mode: 0o700 });
      await writeFile(blobFile(root, blob.sha), blob.content, { mode: 0o600 });
    }
    const oldHold = `${sha256('held long ago')}.${'a'.repeat(24)}`;
    const youngHold = `${sha256('held now')}.${'b'.repeat(24)}`;
    for (const [folder, name] of [
      ['tmp', 'put-old'],
      ['tmp', 'put-young'],
      ['holds', oldHold],
      ['holds', youngHold],
    ]) {
      await writeFile(path.join(root, folder, name), 'left behind', { mode: 0o600 });
    }
    for (const file of [
      blobFile(root, oldOrphan.sha),
      blobFile(root, kept.sha256!),
      path.join(root, 'tmp', 'put-old'),
      path.join(root, 'holds', oldHold),
    ]) {
      await utimes(file, dayAndMore, dayAndMore);
    }
    // A blob a collect had set aside when its process stopped, though a version names it: put back at once.
    const aside = `${kept.sha256!}.aside-${'c'.repeat(24)}`;
    await rm(path.join(path.dirname(blobFile(root, kept.sha256!)), aside), { force: true });
    await rename(blobFile(root, kept.sha256!), path.join(path.dirname(blobFile(root, kept.sha256!)), aside));

    const report = await first.drives.sweep({ atStart: true });
    expect(report).toMatchObject({ blobsDeleted: 1, leftoversRemoved: 2 });
    expect(await filesIn(path.join(root, 'tmp'))).toEqual(['put-young']);
    expect(await filesIn(path.join(root, 'holds'))).toEqual([youngHold]);
    expect(await filesIn(path.dirname(blobFile(root, oldOrphan.sha)))).not.toContain(oldOrphan.sha);
    expect(await filesIn(path.dirname(blobFile(root, youngOrphan.sha)))).toContain(youngOrphan.sha);
    expect(await readWhole(first, 'kept.txt')).toEqual(Buffer.from('named by a version\n'));
    await rm(blobFile(root, youngOrphan.sha));
    await rm(path.join(root, 'tmp', 'put-young'));
    await rm(path.join(root, 'holds', youngHold));
  });
});

describe.skipIf(cluster === null)('the demo’s drives when several instances start at once', () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await createPlatform(cluster!, { demo: true });
  });
  afterAll(async () => {
    await platform?.cleanup();
  });

  it('makes each demo drive once, with one README, whichever instances seed at the same moment, and none fails', async () => {
    // Opened one after another (the first start on a store records its keys in the audit log, which the others check
    // as they open); their drives' start is what runs at the same moment below.
    const cores: PlatformCore[] = [];
    for (let n = 0; n < 3; n++) cores.push(await platform.open({ drivesAtStart: false }));
    const { projects } = await readDemoSeed({ demoDir: DEFAULT_DEMO_DIR, catalogue: cores[0].catalogue });
    // The drives' start of three instances at the same moment (platform-core.ts: the sweep, then the demo's files).
    const made = await Promise.all(
      cores.map(async (core) => {
        await core.drives.sweep({ atStart: true });
        return seedDemoDrives(core.drives, projects);
      }),
    );
    expect(made.flat().sort()).toEqual(projects.map((project) => project.id).sort());
    // And three more instances opened together, through the start itself: nothing left to make, nothing fails.
    await Promise.all([1, 2, 3].map(() => platform.open({ drivesAtStart: true })));
    const files = await platform.store.raw(`SELECT project_id, path, version FROM drive_entries WHERE kind = 'file'`);
    expect(files.map((row) => `${String(row.project_id)}/${String(row.path)} v${String(row.version)}`).sort()).toEqual(
      projects.flatMap((project) => [`${project.id}/README.md v1`, `${project.id}/example-aggregates.csv v1`]).sort(),
    );
    const writes = await platform.store.raw(`SELECT outcome FROM audit_events WHERE type = 'drive.write'`);
    expect(writes.map((row) => row.outcome)).toEqual(Array.from({ length: projects.length * 2 }, () => 'success'));
  }, 90_000);
});

describe.skipIf(cluster === null)('serve on a store migrated without the demo’s projects', () => {
  it('starts, and makes no drive for a project the store does not hold', async () => {
    const fixture = await createPlatformFixture();
    let store: AppRoleStore | undefined;
    try {
      await makePrivate(fixture.dataDir);
      store = await createAppRoleStore(cluster!, { demo: false });
      const instance = await launchInstance({ dataDir: fixture.dataDir, publicUrl: 'http://127.0.0.1:4100', store });
      expect(instance.alive()).toBe(true);
      expect(await store.raw('SELECT project_id FROM drives')).toEqual([]);
      expect(await instance.stop(), instance.stderr()).toBe(0);
    } finally {
      await store?.cleanup();
      await fixture.cleanup();
    }
  }, 60_000);
});
