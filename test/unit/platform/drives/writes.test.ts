// The drive service's writes (issue 17), on real records and a real blob store: the name policy enforced on the
// platform (twins in case and in Unicode form, names another system cannot hold, each refused with its reason), the
// compare-and-swap (of two writes on one ETag exactly one happens), the quota at its last byte, the versions kept and
// dropped, a restore as a new version, a body cut short leaving the old content and no garbage, a folder of 1,000 files
// moved in one change without a byte copied, copies sharing blobs, and the soft delete with its trash. On both of the
// store's engines: the moves, the trash and the compare-and-swap are SQL that each must run the same way.
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driveEtag } from '../../../../src/common/drives.ts';
import { DRIVE_ENTRIES_MAX } from '../../../../src/platform/drives/content-writes.ts';
import {
  callerOf,
  createDriveHarness,
  DRIVE_STORE_ENGINES,
  put,
  readAll,
  refusalOf,
  sha256,
  PROJECT,
  type DriveHarness,
} from './support.ts';

describe.each(DRIVE_STORE_ENGINES)('drive writes on $name', (engine) => {
  let h: DriveHarness;
  beforeEach(async () => {
    h = await createDriveHarness({ quotaBytes: 1000, keepVersions: 3, trashDays: 30 }, engine);
  });
  afterEach(async () => {
    await h.close();
  });

  const ada = callerOf('ada');

  describe('the name policy, on the platform', () => {
    it.each([
      ['case', 'Report.csv', 'report.csv'],
      ['case and form together', 'CAFE\u0301.CSV', 'café.csv'],
      ['German sharp s', 'STRASSE.txt', 'straße.txt'],
    ])('refuses a twin in %s, naming both names', async (_label, twin, first) => {
      await put(h.service, { who: 'ada', path: first, content: 'one' });
      const refusal = await refusalOf(put(h.service, { who: 'bob', path: twin, content: 'two' }));
      expect(refusal.code).toBe('conflict');
      expect(refusal.message).toContain(`“${twin.normalize('NFC')}”`);
      expect(refusal.message).toContain(`“${first.normalize('NFC')}”`);
      expect(await readAll(h.service, 'ada', first)).toEqual(Buffer.from('one'));
      // A folder twin and a move onto a twin are refused the same way.
      expect((await refusalOf(h.service.makeFolder(ada, PROJECT, twin))).code).toBe('conflict');
      await put(h.service, { who: 'ada', path: 'other.txt', content: 'x' });
      expect((await refusalOf(h.service.move(ada, PROJECT, 'other.txt', twin, { ifMatch: null, overwrite: false }))).message).toContain(
        `“${first.normalize('NFC')}”`,
      );
    });

    it('stores names as NFC whatever form they were sent in: an NFD spelling is the same entry, never a second one', async () => {
      const entry = await put(h.service, { who: 'ada', path: 'cafe\u0301.csv', content: 'x' });
      expect(entry.path).toBe('café.csv');
      expect((await h.service.entry(ada, PROJECT, 'café.csv')).sha256).toBe(sha256('x'));
      const again = await put(h.service, { who: 'bob', path: 'café.csv', content: 'y', condition: { ifMatch: entry.etag ?? '' } });
      expect(again).toMatchObject({ path: 'café.csv', version: 2 });
      expect((await h.service.folder(ada, PROJECT, '')).entries.map((each) => each.name)).toEqual(['café.csv']);
    });

    it.each([
      ['a colon (Windows)', 'a:b.csv', ':'],
      ['a backslash (Windows)', 'a\\b.csv', '\\'],
      ['a question mark (Windows)', 'why?.txt', '?'],
      ['a control character', 'tab\there.txt', 'control character'],
      ['a trailing full stop (Windows drops it)', 'notes.', 'full stop'],
      ['a trailing space', 'notes ', 'space'],
      ['a device name (Windows)', 'CON.txt', 'device name'],
      ['a device name with a superscript digit', 'com¹', 'device name'],
      ['a name past 255 bytes (ext4, APFS, NTFS)', `${'é'.repeat(128)}.txt`, '255 bytes'],
      ['"."', '.', 'is not a name'],
      ['".." (traversal)', '../escape.txt', 'is not a name'],
      ['an empty part', 'a//b.txt', 'empty part'],
      ['a leading slash', '/etc/passwd', 'empty part'],
    ])('refuses a name with %s, saying why, and writes nothing', async (_label, name, reason) => {
      const refusal = await refusalOf(put(h.service, { who: 'ada', path: name, content: 'x' }));
      expect(refusal.code).toBe('invalid_input');
      expect(refusal.message).toContain(reason);
      expect(refusal.message).toContain('Nothing was changed');
      expect(await h.files('blobs')).toEqual([]);
    });

    it('refuses to write into a folder that does not exist, like WebDAV (409), and into a file', async () => {
      const refusal = await refusalOf(put(h.service, { who: 'ada', path: 'missing/x.csv', content: 'x' }));
      expect(refusal.code).toBe('conflict');
      expect(refusal.message).toContain('The folder “missing” does not exist');
      await put(h.service, { who: 'ada', path: 'file.txt', content: 'x' });
      expect((await refusalOf(put(h.service, { who: 'ada', path: 'file.txt/x.csv', content: 'x' }))).message).toContain('is a file');
    });
  });

  describe('the compare-and-swap of the version pointer', () => {
    it('lets exactly one of two writes on the same ETag happen; the other is a conflict and changes nothing', async () => {
      const first = await put(h.service, { who: 'ada', path: 'table.csv', content: 'v1' });
      for (let round = 0; round < 5; round++) {
        const current = await h.service.entry(ada, PROJECT, 'table.csv');
        const results = await Promise.allSettled([
          put(h.service, { who: 'ada', path: 'table.csv', content: `ada ${round}`, condition: { ifMatch: current.etag ?? '' } }),
          put(h.service, { who: 'bob', path: 'table.csv', content: `bob ${round}`, condition: { ifMatch: current.etag ?? '' } }),
        ]);
        const won = results.filter((result) => result.status === 'fulfilled');
        const lost = results.filter((result) => result.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(lost[0].reason).toMatchObject({
          code: 'conflict',
          message: expect.stringMatching(/changed since you read it.*Nothing was written/),
        });
        const after = await h.service.entry(ada, PROJECT, 'table.csv');
        expect(after.version).toBe(current.version + 1);
      }
      expect(first.version).toBe(1);
      // The loser's blob is not kept: one blob per version that exists.
      const versions = await h.service.versions(ada, PROJECT, 'table.csv');
      expect(new Set(versions.map((version) => version.sha256)).size).toBe(versions.length);
      expect((await h.files('blobs')).length).toBe(versions.length);
    });

    it('refuses ifAbsent when something is there, and ifMatch when the file is gone', async () => {
      const entry = await put(h.service, { who: 'ada', path: 'a.txt', content: 'a' });
      expect((await refusalOf(put(h.service, { who: 'bob', path: 'a.txt', content: 'b', condition: { ifAbsent: true } }))).code).toBe(
        'conflict',
      );
      await h.service.delete(ada, PROJECT, 'a.txt', null);
      const gone = await refusalOf(put(h.service, { who: 'bob', path: 'a.txt', content: 'b', condition: { ifMatch: entry.etag ?? '' } }));
      expect(gone.message).toContain('deleted or moved away');
    });

    it('gives two writes in the same second, of the same size, different ETags', async () => {
      const one = await put(h.service, { who: 'ada', path: 'same.txt', content: 'aaaa' });
      const two = await put(h.service, { who: 'ada', path: 'same.txt', content: 'bbbb' });
      const three = await put(h.service, { who: 'ada', path: 'same.txt', content: 'aaaa' });
      expect(one.modifiedAt).toBe(two.modifiedAt);
      expect(new Set([one.etag, two.etag, three.etag]).size).toBe(3);
      expect(three.etag).toBe(driveEtag(sha256('aaaa'), 3));
    });
  });

  describe('the quota', () => {
    // The harness's drive holds 1,000 bytes.
    it.each([
      ['one byte under the limit', 999, true],
      ['exactly the limit', 1000, true],
      ['one byte over the limit', 1001, false],
    ])('with the declared length %s (%i bytes)', async (_label, size, fits) => {
      const work = put(h.service, { who: 'ada', path: 'big.bin', content: Buffer.alloc(size, 1) });
      if (fits) {
        expect((await work).size).toBe(size);
        expect((await h.service.info(ada, PROJECT)).usedBytes).toBe(size);
        return;
      }
      const refusal = await refusalOf(work);
      expect(refusal.code).toBe('insufficient_storage');
      expect(refusal.message).toMatch(/^Not enough space in the drive: 0 bytes used, 1,001 bytes needed, limit 1,000 bytes\./);
      expect(await h.files('blobs')).toEqual([]);
    });

    it('checks the real size of a body whose length was not declared, and keeps nothing of one too large', async () => {
      await put(h.service, { who: 'ada', path: 'fill.bin', content: Buffer.alloc(600, 1) });
      expect((await put(h.service, { who: 'ada', path: 'fits.bin', content: Buffer.alloc(400, 2), chunked: true })).size).toBe(400);
      const refusal = await refusalOf(put(h.service, { who: 'ada', path: 'over.bin', content: Buffer.alloc(1, 3), chunked: true }));
      expect(refusal.code).toBe('insufficient_storage');
      expect(refusal.message).toContain('1,000 bytes used');
      expect(await h.files('tmp')).toEqual([]);
      expect((await h.files('blobs')).length).toBe(2);
    });

    it('counts kept versions and the trash, and frees what a dropped version held', async () => {
      await put(h.service, { who: 'ada', path: 'a.bin', content: Buffer.alloc(300, 1) });
      await put(h.service, { who: 'ada', path: 'a.bin', content: Buffer.alloc(300, 2) });
      expect((await h.service.info(ada, PROJECT)).usedBytes).toBe(600);
      await h.service.delete(ada, PROJECT, 'a.bin', null);
      expect((await h.service.info(ada, PROJECT)).usedBytes).toBe(600);
      expect((await refusalOf(put(h.service, { who: 'ada', path: 'b.bin', content: Buffer.alloc(401, 3) }))).code).toBe(
        'insufficient_storage',
      );
      // With three earlier versions kept, a fifth write of 250 drops the first (250): 1,000 used stays within the limit.
      await h.service.restoreTrash(ada, PROJECT, (await h.service.trash(ada, PROJECT))[0].trashId);
      await put(h.service, { who: 'ada', path: 'a.bin', content: Buffer.alloc(100, 3) });
      await put(h.service, { who: 'ada', path: 'a.bin', content: Buffer.alloc(100, 4) });
      expect((await h.service.info(ada, PROJECT)).usedBytes).toBe(800);
      await put(h.service, { who: 'ada', path: 'a.bin', content: Buffer.alloc(400, 5) });
      expect((await h.service.info(ada, PROJECT)).usedBytes).toBe(900);
    });

    it('refuses an upload from its declared size before a byte is sent', async () => {
      const refusal = await refusalOf(
        h.service.startUpload(ada, PROJECT, { path: 'up.bin', size: 1001, sha256: sha256(''), condition: { ifAbsent: true } }),
      );
      expect(refusal.code).toBe('insufficient_storage');
      expect(await h.files('uploads')).toEqual([]);
    });
  });

  describe('the entry cap', () => {
    it(`refuses a new file, folder or copy past ${DRIVE_ENTRIES_MAX.toLocaleString('en-GB')} entries, and still saves over a file`, async () => {
      await put(h.service, { who: 'ada', path: 'kept.txt', content: 'v1' });
      await h.service.makeFolder(ada, PROJECT, 'bulk');
      const drives = h.records.store.drives;
      // Filled straight in the records (a hundred thousand saves would take minutes): empty folders under bulk/.
      await drives.change(PROJECT, async (q, seq) => {
        const bulk = await q.entry(PROJECT, 'bulk');
        const missing = DRIVE_ENTRIES_MAX - (await q.entryCount(PROJECT));
        for (let i = 0; i < missing; i += 1) {
          await q.insertEntry({
            id: `ent-bulk-${i}`,
            project_id: PROJECT,
            path: `bulk/f${i}`,
            path_key: `bulk/f${i}`,
            parent_key: bulk?.path_key ?? 'bulk',
            kind: 'folder',
            version: 1,
            sha256: null,
            size: 0,
            modified_at: h.now().toISOString(),
            modified_by: 'ada',
            trash_id: null,
            changed_seq: seq,
          });
        }
      });
      expect(await drives.entryCount(PROJECT)).toBe(DRIVE_ENTRIES_MAX);
      const full = `The drive holds ${DRIVE_ENTRIES_MAX.toLocaleString('en-GB')} files and folders (the trash included), and may hold at most ${DRIVE_ENTRIES_MAX.toLocaleString('en-GB')}: empty the trash or remove some first.`;
      const newFile = await refusalOf(put(h.service, { who: 'ada', path: 'new.txt', content: 'x' }));
      expect([newFile.code, newFile.message]).toEqual(['insufficient_storage', `${full} Nothing was written.`]);
      const newFolder = await refusalOf(h.service.makeFolder(ada, PROJECT, 'more'));
      expect([newFolder.code, newFolder.message]).toEqual(['insufficient_storage', `${full} Nothing was created.`]);
      const copy = await refusalOf(h.service.copy(ada, PROJECT, 'kept.txt', 'copy.txt', { overwrite: false, depth: 'infinity' }));
      expect([copy.code, copy.message]).toEqual(['insufficient_storage', `${full} Nothing was copied.`]);
      expect(await drives.entryCount(PROJECT)).toBe(DRIVE_ENTRIES_MAX);
      // A new version of a file already there is no new entry.
      expect((await put(h.service, { who: 'ada', path: 'kept.txt', content: 'v2' })).version).toBe(2);
    }, 120_000);
  });

  describe('versions', () => {
    it('keeps the drive’s count of earlier versions, drops the oldest first, and deletes what no version holds', async () => {
      for (let n = 1; n <= 6; n++) await put(h.service, { who: 'ada', path: 'v.txt', content: `version ${n}` });
      const versions = await h.service.versions(ada, PROJECT, 'v.txt');
      expect(versions.map((version) => version.version)).toEqual([6, 5, 4, 3]);
      expect(versions[0]).toMatchObject({ current: true, change: 'written', by: { id: 'ada', name: 'Ada Lovelace' } });
      expect((await h.files('blobs')).map((file) => file.slice(3)).sort()).toEqual(versions.map((version) => version.sha256).sort());
      expect((await refusalOf(h.service.readVersion(ada, PROJECT, 'v.txt', 1))).code).toBe('not_found');
    });

    it('restores a version as a new version with its content; the versions between are kept', async () => {
      await put(h.service, { who: 'ada', path: 'r.txt', content: 'first' });
      await put(h.service, { who: 'bob', path: 'r.txt', content: 'second' });
      const restored = await h.service.restoreVersion(ada, PROJECT, 'r.txt', 1);
      expect(restored).toMatchObject({ version: 3, sha256: sha256('first') });
      expect(await readAll(h.service, 'ada', 'r.txt')).toEqual(Buffer.from('first'));
      const versions = await h.service.versions(ada, PROJECT, 'r.txt');
      expect(versions.map((version) => [version.version, version.change])).toEqual([
        [3, 'restored'],
        [2, 'written'],
        [1, 'created'],
      ]);
    });
  });

  describe('a body that does not arrive whole', () => {
    async function* cut(): AsyncGenerator<Buffer> {
      yield Buffer.from('new content, half');
      throw new Error('the connection dropped');
    }

    it('leaves the old content, its version, and no file behind', async () => {
      await put(h.service, { who: 'ada', path: 'keep.txt', content: 'old content' });
      const blobsBefore = await h.files('blobs');
      await expect(h.service.write(ada, PROJECT, 'keep.txt', Readable.from(cut()), 40, { any: true })).rejects.toThrow();
      expect(await readAll(h.service, 'ada', 'keep.txt')).toEqual(Buffer.from('old content'));
      expect((await h.service.entry(ada, PROJECT, 'keep.txt')).version).toBe(1);
      expect(await h.files('blobs')).toEqual(blobsBefore);
      expect(await h.files('tmp')).toEqual([]);
    });

    it('refuses a body shorter than its declared length', async () => {
      await put(h.service, { who: 'ada', path: 'keep.txt', content: 'old content' });
      const refusal = await refusalOf(h.service.write(ada, PROJECT, 'keep.txt', Readable.from([Buffer.from('short')]), 40, { any: true }));
      expect(refusal).toMatchObject({ code: 'invalid_input', message: expect.stringContaining('arrived incomplete') });
      expect(await readAll(h.service, 'ada', 'keep.txt')).toEqual(Buffer.from('old content'));
      expect(await h.files('tmp')).toEqual([]);
    });
  });

  describe('moves and copies', () => {
    it('moves a folder of 1,000 files in one change, copying no byte', async () => {
      const big = await createDriveHarness({ quotaBytes: 10 * 1024 * 1024 }, engine);
      try {
        const service = big.service;
        await service.makeFolder(ada, PROJECT, 'data');
        for (let n = 0; n < 1000; n++) await put(service, { who: 'ada', path: `data/file-${n}.csv`, content: `row ${n}\n` });
        const blobs = await big.files('blobs');
        const before = await service.tree(ada, PROJECT);
        const moved = await service.move(ada, PROJECT, 'data', 'archive', { ifMatch: null, overwrite: false });
        const after = await service.tree(ada, PROJECT);
        expect(moved).toMatchObject({ path: 'archive', kind: 'folder' });
        expect(after.cursor).toBe(before.cursor + 1);
        expect(after.entries.filter((entry) => entry.path.startsWith('archive/'))).toHaveLength(1000);
        expect(after.entries.some((entry) => entry.path.startsWith('data'))).toBe(false);
        // Same content, same versions, same blobs: nothing was copied.
        const was = new Map(before.entries.map((entry) => [entry.path.replace(/^data/, 'archive'), entry]));
        for (const entry of after.entries.filter((each) => each.kind === 'file')) {
          expect({ etag: entry.etag, version: entry.version }).toEqual({
            etag: was.get(entry.path)?.etag,
            version: was.get(entry.path)?.version,
          });
        }
        expect(await big.files('blobs')).toEqual(blobs);
        expect(await readAll(service, 'ada', 'archive/file-999.csv')).toEqual(Buffer.from('row 999\n'));
      } finally {
        await big.close();
      }
    }, 60_000);

    it('renames in case only, refuses a move into itself, and refuses a taken name unless told to replace it (which trashes it)', async () => {
      await h.service.makeFolder(ada, PROJECT, 'docs');
      await put(h.service, { who: 'ada', path: 'docs/a.txt', content: 'a' });
      expect((await h.service.move(ada, PROJECT, 'docs', 'Docs', { ifMatch: null, overwrite: false })).path).toBe('Docs');
      expect((await h.service.entry(ada, PROJECT, 'docs/a.txt')).path).toBe('Docs/a.txt');
      expect((await refusalOf(h.service.move(ada, PROJECT, 'Docs', 'Docs/inner', { ifMatch: null, overwrite: false }))).code).toBe(
        'invalid_input',
      );
      await put(h.service, { who: 'ada', path: 'b.txt', content: 'b' });
      expect((await refusalOf(h.service.move(ada, PROJECT, 'b.txt', 'Docs/a.txt', { ifMatch: null, overwrite: false }))).message).toContain(
        'already exists',
      );
      await h.service.move(ada, PROJECT, 'b.txt', 'Docs/a.txt', { ifMatch: null, overwrite: true });
      expect(await readAll(h.service, 'ada', 'Docs/a.txt')).toEqual(Buffer.from('b'));
      expect((await h.service.trash(ada, PROJECT)).map((entry) => entry.path)).toEqual(['Docs/a.txt']);
    });

    it('moves a file only while its ETag is the one seen', async () => {
      const entry = await put(h.service, { who: 'ada', path: 'm.txt', content: 'one' });
      await put(h.service, { who: 'bob', path: 'm.txt', content: 'two' });
      expect((await refusalOf(h.service.move(ada, PROJECT, 'm.txt', 'n.txt', { ifMatch: entry.etag, overwrite: false }))).code).toBe(
        'conflict',
      );
      expect((await h.service.entry(ada, PROJECT, 'm.txt')).version).toBe(2);
    });

    it('copies a folder with everything in it, sharing blobs; a file copied over a file becomes its new version', async () => {
      await h.service.makeFolder(ada, PROJECT, 'src');
      await put(h.service, { who: 'ada', path: 'src/one.txt', content: 'one' });
      await put(h.service, { who: 'ada', path: 'src/two.txt', content: 'two' });
      const blobs = await h.files('blobs');
      const copy = await h.service.copy(ada, PROJECT, 'src', 'dst', { overwrite: false, depth: 'infinity' });
      expect(copy).toMatchObject({ path: 'dst', kind: 'folder' });
      expect(await readAll(h.service, 'ada', 'dst/two.txt')).toEqual(Buffer.from('two'));
      expect(await h.files('blobs')).toEqual(blobs);
      expect((await h.service.info(ada, PROJECT)).usedBytes).toBe(12);
      const shallow = await h.service.copy(ada, PROJECT, 'src', 'empty', { overwrite: false, depth: '0' });
      expect((await h.service.folder(ada, PROJECT, shallow.path)).entries).toEqual([]);
      const over = await h.service.copy(ada, PROJECT, 'src/one.txt', 'dst/two.txt', { overwrite: true, depth: 'infinity' });
      expect(over).toMatchObject({ version: 2, sha256: sha256('one') });
    });
  });

  describe('delete and the trash', () => {
    it('puts an entry with everything in it in the trash, restores it, and purges it once its days are over', async () => {
      await h.service.makeFolder(ada, PROJECT, 'old');
      await put(h.service, { who: 'ada', path: 'old/x.txt', content: 'xx' });
      const trashed = await h.service.delete(ada, PROJECT, 'old', null);
      expect(trashed).toMatchObject({ path: 'old', kind: 'folder', size: 2, deletedBy: { id: 'ada' } });
      expect((await refusalOf(h.service.entry(ada, PROJECT, 'old/x.txt'))).code).toBe('not_found');
      await h.service.restoreTrash(ada, PROJECT, trashed.trashId);
      expect(await readAll(h.service, 'ada', 'old/x.txt')).toEqual(Buffer.from('xx'));

      const again = await h.service.delete(ada, PROJECT, 'old', null);
      h.advance(29 * 24 * 3600 * 1000);
      expect((await h.service.sweep()).trashPurged).toBe(0);
      h.advance(2 * 24 * 3600 * 1000);
      expect(await h.service.trash(ada, PROJECT)).toEqual([]);
      expect((await refusalOf(h.service.restoreTrash(ada, PROJECT, again.trashId))).code).toBe('not_found');
      expect((await h.service.sweep()).trashPurged).toBe(1);
      expect(await h.files('blobs')).toEqual([]);
      expect((await h.service.info(ada, PROJECT)).usedBytes).toBe(0);
    });

    it('refuses to restore over an entry that took the place, and deletes a file only on the ETag seen', async () => {
      const first = await put(h.service, { who: 'ada', path: 'p.txt', content: 'one' });
      const trashed = await h.service.delete(ada, PROJECT, 'p.txt', first.etag);
      await put(h.service, { who: 'bob', path: 'p.txt', content: 'two' });
      expect((await refusalOf(h.service.restoreTrash(ada, PROJECT, trashed.trashId))).message).toContain('rename or move it');
      expect((await refusalOf(h.service.delete(ada, PROJECT, 'p.txt', first.etag))).code).toBe('conflict');
    });

    it('deletes a folder on a tree cursor only if nothing in it changed after that cursor', async () => {
      await h.service.makeFolder(ada, PROJECT, 'shared');
      await put(h.service, { who: 'ada', path: 'shared/a.txt', content: 'a' });
      const seen = (await h.service.tree(ada, PROJECT)).cursor;
      // Bob saves new work in the folder after Ada's tree was read: her delete made on that tree is refused.
      await h.service.makeFolder(callerOf('bob'), PROJECT, 'shared/deeper');
      await put(h.service, { who: 'bob', path: 'shared/deeper/new.txt', content: 'bob' });
      const refusal = await refusalOf(h.service.delete(ada, PROJECT, 'shared', null, seen));
      expect(refusal.code).toBe('conflict');
      expect(refusal.message).toMatch(/^“shared” changed since you read it: .*“shared\/deeper\/new\.txt”.*; nothing was deleted\./);
      expect(refusal.message).toContain('Bob Hope saved “shared/deeper/new.txt”');
      expect(await readAll(h.service, 'ada', 'shared/deeper/new.txt')).toEqual(Buffer.from('bob'));
      expect(await h.service.trash(ada, PROJECT)).toEqual([]);
      // Moved in after the cursor counts as changed too; a cursor taken after every change lets the delete through.
      const later = (await h.service.tree(ada, PROJECT)).cursor;
      await put(h.service, { who: 'bob', path: 'elsewhere.txt', content: 'e' });
      await h.service.move(callerOf('bob'), PROJECT, 'elsewhere.txt', 'shared/elsewhere.txt', { ifMatch: null, overwrite: false });
      expect((await refusalOf(h.service.delete(ada, PROJECT, 'shared', null, later))).message).toContain('“shared/elsewhere.txt”');
      // A change outside the folder does not stand in the way.
      const now = (await h.service.tree(ada, PROJECT)).cursor;
      await put(h.service, { who: 'bob', path: 'outside.txt', content: 'o' });
      expect(await h.service.delete(ada, PROJECT, 'shared', null, now)).toMatchObject({ path: 'shared', kind: 'folder' });
      // A cursor that is not one is refused before anything is read.
      expect((await refusalOf(h.service.delete(ada, PROJECT, 'outside.txt', null, -1))).code).toBe('invalid_input');
    });
  });
});
