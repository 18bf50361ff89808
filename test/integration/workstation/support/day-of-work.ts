// Issue 17's "Done when", at the core level: two members of one project (Ada and Ben, two workstations: two engines,
// two local folders) work in one drive on one started platform for several passes. Both create, edit, rename and delete
// files; Ben renames a folder of 200 files (one move, no byte sent again); both edit one file at once (the later save
// becomes a conflict copy that both see); a standard WebDAV client (plain fetch, Basic with an app password made
// through the API) writes into the drive in between, once into the very folder Ben is renaming. At the end the two
// folders and the platform's tree hold exactly the same files with the same bytes; every content anyone ever saved is
// on the platform (a kept version, a conflict copy, or the trash), read back byte for byte; and the audit log holds
// the `drive.*` events of each person's work and of the WebDAV client's.
import { createHash } from 'node:crypto';
import { readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { DriveEntry } from '../../../../src/common/drives.ts';
import { syncedLocal, writeLocal } from '../../../unit/workstation/drives/support/sync-kit.ts';
import { MEMBERS, PROJECT, type PlatformWorld } from './platform-world.ts';
import { davClient, openWorkstation, type Workstation } from './workstations.ts';

const sha256 = (bytes: Uint8Array | string): string => createHash('sha256').update(bytes).digest('hex');

/** Every content anyone saved, where and by whom: what must still be on the platform at the end. */
interface Saved {
  readonly path: string;
  readonly content: string;
  readonly by: string;
}

export function dayOfWork(makeWorld: () => Promise<PlatformWorld>): void {
  describe('two workstations and one platform, a day’s work in one drive', () => {
    it('ends with both folders and the drive holding the same bytes, every saved content kept, and the work audited', async () => {
      const world = await makeWorld();
      const { platform } = world;
      onTestFinished(() => world.close());
      const saved: Saved[] = [];
      const ada = await openWorkstation(platform, MEMBERS.ada, { projectId: PROJECT });
      const ben = await openWorkstation(platform, MEMBERS.ben, { projectId: PROJECT });

      async function save(station: Workstation, relative: string, content: string): Promise<void> {
        await writeLocal(station.desk, relative, content);
        saved.push({ path: relative, content, by: station.who });
      }
      /** A pass on each, in this order; each must end well (idle, no file in error). */
      async function passes(...stations: Workstation[]): Promise<void> {
        for (const station of stations) {
          const status = await station.sync.syncNow();
          expect(status.phase, `${station.who}: ${status.reason ?? ''}`).toBe('idle');
          expect(status.files.filter((each) => each.state === 'error')).toEqual([]);
        }
      }

      // ---- A standard WebDAV client, with an app password Ada made in Enclave ----------------------------------------
      const client = await davClient(platform, MEMBERS.ada, PROJECT);
      async function davPut(relative: string, content: string, headers: Record<string, string> = {}): Promise<void> {
        const answer = await client.request('PUT', relative, { body: content, headers });
        expect([201, 204], `PUT ${relative}: ${answer.text}`).toContain(answer.status);
        saved.push({ path: relative, content, by: 'a WebDAV client' });
      }
      const etagOf = async (relative: string): Promise<string> => (await client.request('HEAD', relative)).headers.get('etag') ?? '';

      // ---- 1. Both create; Ben a folder of 200 files -----------------------------------------------------------------
      await save(ada, 'plan.md', '# Plan\n\nv1\n');
      await save(ada, 'data/cohort.csv', 'id,age\n1,40\n');
      await save(ben, 'ben/notes.txt', 'notes, v1\n');
      for (let index = 0; index < 200; index += 1) await save(ben, `batch/part-${String(index).padStart(3, '0')}.csv`, `row,${index}\n`);
      await passes(ada, ben, ada);

      // ---- 2. Edits on both sides, and the WebDAV client writes a new file and overwrites one on its ETag ------------
      await save(ada, 'plan.md', '# Plan\n\nv2, from Ada\n');
      await save(ben, 'ben/notes.txt', 'notes, v2 from Ben\n');
      await save(ben, 'results/table.csv', 'region,n\nLondon,15\n');
      expect((await client.request('MKCOL', 'from-client')).status).toBe(201);
      await davPut('from-client/readme.txt', 'written by a WebDAV client\n', { 'if-none-match': '*' });
      await davPut('data/cohort.csv', 'id,age\n1,40\n2,51\n', { 'if-match': await etagOf('data/cohort.csv') });
      await passes(ben, ada, ben);

      // ---- 3. Renames and a delete; the WebDAV client adds a file to the folder Ben is renaming ---------------------
      await rename(path.join(ben.desk.root, 'batch'), path.join(ben.desk.root, 'batch-2026'));
      await rename(path.join(ada.desk.root, 'results', 'table.csv'), path.join(ada.desk.root, 'results', 'table-final.csv'));
      await rm(path.join(ada.desk.root, 'ben', 'notes.txt'));
      await davPut('batch/part-200.csv', 'row,200\n', { 'if-none-match': '*' });
      const benSentBefore = ben.remote.sent.length;
      await passes(ben);
      const benSent = ben.remote.sent.slice(benSentBefore);
      expect(benSent.filter((each) => each.op === 'move')).toEqual([{ op: 'move', path: 'batch', to: 'batch-2026' }]);
      expect(benSent.filter((each) => each.op === 'startUpload')).toEqual([]);
      await passes(ada, ben);

      // ---- 4. Both edit one file at once: Ada's save lands first, Ben's becomes a conflict copy both see -------------
      await save(ada, 'data/cohort.csv', 'id,age\n1,40\n2,51\n3,62 (Ada)\n');
      await save(ben, 'data/cohort.csv', 'id,age\n1,40\n2,51\n3,29 (Ben)\n');
      await passes(ada);
      const benStatus = await ben.sync.syncNow();
      const conflict = benStatus.notices.find((each) => each.kind === 'conflict');
      const copy = conflict?.paths[1] ?? '';
      expect(copy).toMatch(/^data\/cohort \(conflict Ben Analyst \d{4}-\d{2}-\d{2} \d{6} UTC\)\.csv$/);
      expect(conflict?.message).toContain(MEMBERS.ada.name);
      await passes(ada);
      for (const station of [ada, ben]) {
        expect(await readFile(path.join(station.desk.root, 'data', 'cohort.csv'), 'utf8')).toBe('id,age\n1,40\n2,51\n3,62 (Ada)\n');
        expect(await readFile(path.join(station.desk.root, ...copy.split('/')), 'utf8')).toBe('id,age\n1,40\n2,51\n3,29 (Ben)\n');
      }

      // ---- 5. The rest of the day: a few more rounds of edits on both sides, the client in between ------------------
      for (let round = 3; round <= 5; round += 1) {
        await save(ada, 'plan.md', `# Plan\n\nv${round}, from Ada\n`);
        await save(ben, 'results/table-final.csv', `region,n\nLondon,${15 + round}\n`);
        await save(ben, `batch-2026/part-${String(round).padStart(3, '0')}.csv`, `row,${round},edited by Ben\n`);
        await passes(ada, ben);
        await davPut(`from-client/log-${round}.txt`, `round ${round}\n`, { 'if-none-match': '*' });
      }
      // Until both are quiet: a last pass on each sends nothing but the tree.
      await passes(ada, ben, ada, ben);
      for (const station of [ada, ben]) {
        const before = station.remote.sent.length;
        await passes(station);
        expect(station.remote.sent.slice(before).map((each) => each.op)).toEqual(['tree']);
      }

      // ---- The same files with the same bytes: Ada's folder, Ben's folder and the platform ---------------------------
      const tree = await ada.remote.remote.tree();
      const onDrive = new Map(tree.entries.filter((entry) => entry.kind === 'file').map((entry) => [entry.path, entry.sha256]));
      for (const station of [ada, ben]) {
        const local = new Map<string, string>();
        for (const relative of await syncedLocal(station.desk)) {
          local.set(relative, sha256(await readFile(path.join(station.desk.root, ...relative.split('/')))));
        }
        expect(local, station.who).toEqual(onDrive);
      }
      expect([...onDrive.keys()].filter((each) => each.startsWith('batch-2026/'))).toHaveLength(201);
      expect([...onDrive.keys()].some((each) => each.startsWith('batch/'))).toBe(false);
      expect(onDrive.has('ben/notes.txt')).toBe(false);

      // ---- Nothing lost: every content saved is a version the platform keeps (the trash brought back), byte for byte -
      const api = platform.client();
      const asAda = { token: await platform.token(MEMBERS.ada.id) };
      const params = { projectId: PROJECT };
      const trash = await api.call('drive.trash', { params }, asAda);
      expect(trash.map((each) => each.path)).toContain('ben/notes.txt');
      const restored: DriveEntry[] = [];
      for (const each of trash) restored.push(await api.call('drive.restoreTrash', { params, body: { trashId: each.trashId } }, asAda));
      const kept = new Map<string, { path: string; version: number }>();
      const files = [...onDrive.keys(), ...restored.filter((entry) => entry.kind === 'file').map((entry) => entry.path)];
      for (const file of files) {
        const { versions } = await api.call('drive.versions', { params, query: { path: file } }, asAda);
        for (const version of versions) kept.set(version.sha256, { path: file, version: version.version });
      }
      for (const each of saved) {
        const where = kept.get(sha256(each.content));
        expect(where, `${each.by}'s ${each.path}: ${JSON.stringify(each.content)}`).toBeDefined();
        if (where === undefined) continue;
        const read = await fetch(
          new URL(`/api/v1/drives/${PROJECT}/versions/${where.version}/content?path=${encodeURIComponent(where.path)}`, platform.baseUrl),
          { headers: { authorization: `Bearer ${asAda.token}` } },
        );
        expect(read.status).toBe(200);
        expect(Buffer.from(await read.arrayBuffer()).toString('utf8')).toBe(each.content);
      }

      // ---- Audited: each person's writes, moves and deletes, and the WebDAV client's, as `drive.*` events ------------
      const database = new DatabaseSync(path.join(platform.dataDir, 'metadata.sqlite'), { readOnly: true });
      let events: Array<{ type: string; actor: string | null; outcome: string; details: Record<string, unknown> }>;
      try {
        const rows = database
          .prepare("SELECT type, actor, outcome, details FROM audit_events WHERE type LIKE 'drive.%' ORDER BY seq")
          .all() as Array<{
          type: string;
          actor: string | null;
          outcome: string;
          details: string;
        }>;
        events = rows.map((row) => ({ ...row, details: JSON.parse(row.details) as Record<string, unknown> }));
      } finally {
        database.close();
      }
      const find = (type: string, actor: string, details: Record<string, unknown>) =>
        events.filter(
          (event) =>
            event.type === type &&
            event.actor === actor &&
            event.outcome === 'success' &&
            Object.entries(details).every(([key, value]) => event.details[key] === value),
        );
      expect(find('drive.upload_commit', MEMBERS.ada.id, { path: 'plan.md', via: 'api' }).length).toBeGreaterThanOrEqual(5);
      expect(find('drive.upload_commit', MEMBERS.ben.id, { path: copy })).toHaveLength(1);
      expect(find('drive.upload_commit', MEMBERS.ben.id, { via: 'api' }).length).toBeGreaterThanOrEqual(200);
      expect(find('drive.move', MEMBERS.ben.id, { path: 'batch', to: 'batch-2026' })).toHaveLength(1);
      expect(find('drive.move', MEMBERS.ada.id, { path: 'results/table.csv', to: 'results/table-final.csv' })).toHaveLength(1);
      expect(find('drive.delete', MEMBERS.ada.id, { path: 'ben/notes.txt' })).toHaveLength(1);
      expect(find('drive.read', MEMBERS.ben.id, { path: 'plan.md' }).length).toBeGreaterThanOrEqual(1);
      expect(find('drive.app_password_created', MEMBERS.ada.id, {})).toHaveLength(1);
      const byClient = find('drive.write', MEMBERS.ada.id, { via: 'webdav', appPasswordId: client.appPasswordId });
      expect(byClient.map((event) => event.details.path)).toEqual(
        expect.arrayContaining(['from-client/readme.txt', 'data/cohort.csv', 'batch/part-200.csv', 'from-client/log-5.txt']),
      );
      expect(find('drive.restore_trash', MEMBERS.ada.id, {}).length).toBe(trash.length);
    }, 120_000);
  });
}
