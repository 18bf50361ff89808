// The core's drive methods (issue 17). Those that browse or change the drive call their platform route as the signed-in
// person, the input split back into the route's parts exactly, and a change asks the project's sync for a pass. Saving
// a local result: the project's real native engine writes the file in its own folder, the core moves it whole into the
// drive's local folder (and nowhere else: no link followed, no twin name, nothing half-written, nothing over the quota),
// then syncs. Opening a drive file loads the platform's content into a table only when it hashes to its ETag.
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DriveSyncView, MethodInput } from '../../../src/common/contract.ts';
import { driveEtag, type DriveInfo } from '../../../src/common/drives.ts';
import type { ApiRouteId } from '../../../src/common/platform-api.ts';
import { createDriveHandlers, type DriveLocal } from '../../../src/workstation/drives/handlers.ts';
import type { DownloadRequest, RemoteContent, UploadChunk } from '../../../src/workstation/drives/remote.ts';
import type { CallContext } from '../../../src/workstation/platform-client.ts';
import { openNativeEngine, type NativeEngine } from '../../../src/workstation/workspace/native-engine.ts';
import type { OpenWorkspace } from '../../../src/workstation/workspaces/service.ts';
import { errorOf } from '../../support/error-of.ts';

const PROJECT_ID = 'covid-outcomes';
const SHA = 'a'.repeat(64);
const ETAG = driveEtag(SHA, 3);

const INFO: DriveInfo = {
  projectId: PROJECT_ID,
  driveId: 'drive-1',
  epoch: 1,
  quotaBytes: 10_000_000,
  usedBytes: 1000,
  keepVersions: 20,
  trashDays: 30,
  files: 3,
};

interface Sent {
  route: ApiRouteId;
  input: unknown;
  token: string | undefined;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A platform file as the WebDAV download answers it: its bytes, and the ETag (by default the bytes' own). */
function content(bytes: Uint8Array, etag = driveEtag(sha256(bytes), 1)): RemoteContent {
  return {
    start: 0,
    size: bytes.byteLength,
    etag,
    body: (async function* () {
      yield bytes.subarray(0, Math.floor(bytes.byteLength / 2));
      yield bytes.subarray(Math.floor(bytes.byteLength / 2));
    })(),
  };
}

describe('the drive methods', () => {
  let dir: string;
  let driveRoot: string;
  let engine: NativeEngine;
  let sent: Sent[];
  let answers: Map<string, unknown>;
  let changed: string[];
  let passes: number;
  let mode: 'disk' | 'memory';
  let files: Map<string, RemoteContent>;
  let chunks: UploadChunk[];

  function view(): DriveSyncView {
    return { projectId: PROJECT_ID, mode, localRoot: mode === 'disk' ? driveRoot : null, status: null, problem: null };
  }

  function wired() {
    const client = {
      call: async (route: ApiRouteId, input: unknown, context?: CallContext) => {
        sent.push({ route, input, token: context?.token });
        return answers.has(route) ? answers.get(route) : { answered: route };
      },
    };
    const local: DriveLocal = {
      view: async () => view(),
      syncNow: async () => {
        passes += 1;
        return view();
      },
      resolveDeletes: async () => view(),
      dismissNotice: async () => view(),
      changed: (projectId) => changed.push(projectId),
    };
    const workspace = {
      project: { id: PROJECT_ID },
      mode: 'disk',
      engine: () => engine,
    } as unknown as OpenWorkspace;
    return createDriveHandlers({
      client: client as never,
      asUser: (call) => call({ token: 'token-of-ada' }),
      local,
      remote: () => ({
        download: async (request: DownloadRequest) => {
          const found = files.get(request.path);
          if (found === undefined) throw new Error(`no file ${request.path}`);
          return found;
        },
        uploadChunk: async (chunk: UploadChunk) => {
          chunks.push(chunk);
          return {
            uploadId: chunk.uploadId,
            path: 'x.csv',
            size: chunk.total,
            sha256: SHA,
            offset: chunk.offset + chunk.bytes.byteLength,
            expiresAt: '2026-12-10T00:00:00.000Z',
          };
        },
      }),
      versionContent: async ({ version, maxBytes }) => {
        const whole =
          version === 1
            ? new TextEncoder().encode('région,count\nLondon,12\n')
            : version === 2
              ? new Uint8Array([0x50, 0x41, 0, 1])
              : new Uint8Array(maxBytes * 2).fill(0x61);
        return { bytes: whole.subarray(0, maxBytes), size: whole.byteLength };
      },
      workspaces: { use: async (_request, work) => work(workspace, new AbortController().signal) },
    });
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'enclave-drive-handlers-'));
    driveRoot = join(dir, 'Enclave', PROJECT_ID);
    await mkdir(driveRoot, { recursive: true, mode: 0o700 });
    engine = await openNativeEngine({ dir: join(dir, 'workspace'), threads: 1, memoryLimitBytes: 256 * 2 ** 20 });
    await engine.run({ sql: "CREATE TABLE admissions AS SELECT * FROM (VALUES ('London', 12), ('Leeds', 7)) AS t(region, count)" });
    sent = [];
    answers = new Map([['drive.info', INFO]]);
    changed = [];
    passes = 0;
    mode = 'disk';
    files = new Map();
    chunks = [];
  });

  afterEach(async () => {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('the platform routes', () => {
    const CASES: Array<{ method: string; input: Record<string, unknown>; route: ApiRouteId; parts: unknown; changes: boolean }> = [
      {
        method: 'drive.info',
        input: { projectId: PROJECT_ID },
        route: 'drive.info',
        parts: { params: { projectId: PROJECT_ID } },
        changes: false,
      },
      {
        method: 'drive.folder',
        input: { projectId: PROJECT_ID, path: 'results' },
        route: 'drive.folder',
        parts: { params: { projectId: PROJECT_ID }, query: { path: 'results' } },
        changes: false,
      },
      {
        method: 'drive.versions',
        input: { projectId: PROJECT_ID, path: 'a.csv' },
        route: 'drive.versions',
        parts: { params: { projectId: PROJECT_ID }, query: { path: 'a.csv' } },
        changes: false,
      },
      {
        method: 'drive.restoreVersion',
        input: { projectId: PROJECT_ID, path: 'a.csv', version: 2 },
        route: 'drive.restoreVersion',
        parts: { params: { projectId: PROJECT_ID }, body: { path: 'a.csv', version: 2 } },
        changes: true,
      },
      {
        method: 'drive.trash',
        input: { projectId: PROJECT_ID },
        route: 'drive.trash',
        parts: { params: { projectId: PROJECT_ID } },
        changes: false,
      },
      {
        method: 'drive.restoreTrash',
        input: { projectId: PROJECT_ID, trashId: 'trash-0123456789abcdef0123' },
        route: 'drive.restoreTrash',
        parts: { params: { projectId: PROJECT_ID }, body: { trashId: 'trash-0123456789abcdef0123' } },
        changes: true,
      },
      {
        method: 'drive.mkdir',
        input: { projectId: PROJECT_ID, path: 'results' },
        route: 'drive.mkdir',
        parts: { params: { projectId: PROJECT_ID }, body: { path: 'results' } },
        changes: true,
      },
      {
        method: 'drive.move',
        input: { projectId: PROJECT_ID, from: 'a.csv', to: 'b.csv', ifMatch: ETAG },
        route: 'drive.move',
        parts: { params: { projectId: PROJECT_ID }, body: { from: 'a.csv', to: 'b.csv', ifMatch: ETAG } },
        changes: true,
      },
      {
        method: 'drive.delete',
        input: { projectId: PROJECT_ID, path: 'a.csv', ifMatch: ETAG },
        route: 'drive.delete',
        parts: { params: { projectId: PROJECT_ID }, body: { path: 'a.csv', ifMatch: ETAG } },
        changes: true,
      },
      {
        method: 'drive.appPasswords',
        input: { projectId: PROJECT_ID },
        route: 'drive.appPasswords',
        parts: { params: { projectId: PROJECT_ID } },
        changes: false,
      },
      {
        method: 'drive.createAppPassword',
        input: { projectId: PROJECT_ID, label: 'Laptop' },
        route: 'drive.createAppPassword',
        parts: { params: { projectId: PROJECT_ID }, body: { label: 'Laptop' } },
        changes: false,
      },
      {
        method: 'drive.revokeAppPassword',
        input: { projectId: PROJECT_ID, id: 'app-0123456789abcdef0123' },
        route: 'drive.revokeAppPassword',
        parts: { params: { projectId: PROJECT_ID, id: 'app-0123456789abcdef0123' } },
        changes: false,
      },
      {
        method: 'drive.uploadStart',
        input: { projectId: PROJECT_ID, path: 'a.csv', size: 3, sha256: SHA, condition: { ifAbsent: true } },
        route: 'drive.uploadStart',
        parts: { params: { projectId: PROJECT_ID }, body: { path: 'a.csv', size: 3, sha256: SHA, condition: { ifAbsent: true } } },
        changes: false,
      },
      {
        method: 'drive.uploadCommit',
        input: { projectId: PROJECT_ID, uploadId: `up-${'0'.repeat(24)}` },
        route: 'drive.uploadCommit',
        parts: { params: { projectId: PROJECT_ID, uploadId: `up-${'0'.repeat(24)}` } },
        changes: true,
      },
    ];

    for (const { method, input, route, parts, changes } of CASES) {
      it(`${method} calls ${route} as the signed-in person${changes ? ', then asks the sync for a pass' : ''}`, async () => {
        const handlers = wired();
        const handler = handlers[method as 'drive.info'] as (input: unknown) => Promise<unknown>;

        const answer = await handler(input);

        expect(sent).toEqual([{ route, input: parts, token: 'token-of-ada' }]);
        expect(answer).toEqual(route === 'drive.info' ? INFO : { answered: route });
        expect(changed).toEqual(changes ? [PROJECT_ID] : []);
      });
    }

    it('a refused change does not ask the sync for a pass', async () => {
      const handlers = createDriveHandlers({
        client: { call: async () => Promise.reject(new Error('refused')) } as never,
        asUser: (call) => call({ token: 't' }),
        local: { changed: (projectId: string) => changed.push(projectId) } as unknown as DriveLocal,
        remote: () => ({}) as never,
        versionContent: async () => ({ bytes: new Uint8Array(), size: 0 }),
        workspaces: { use: async () => Promise.reject(new Error('unused')) },
      });

      await expect(handlers['drive.mkdir']({ projectId: PROJECT_ID, path: 'x' })).rejects.toThrow('refused');
      expect(changed).toEqual([]);
    });
  });

  describe('saving a local result into the drive', () => {
    const save = (input: Partial<MethodInput<'drive.saveResult'>> = {}) =>
      wired()['drive.saveResult']({
        projectId: PROJECT_ID,
        source: { table: 'admissions' },
        format: 'csv',
        folder: '',
        name: 'admissions.csv',
        replace: false,
        ...input,
      });

    async function incoming(): Promise<string[]> {
      return readdir(join(dir, 'workspace', 'incoming'));
    }

    it('writes the file whole into the drive folder, leaves nothing behind, then syncs', async () => {
      const saved = await save({ folder: 'results/2026', name: 'admissions.csv' });

      const file = join(driveRoot, 'results', '2026', 'admissions.csv');
      expect(await readFile(file, 'utf8')).toBe('region,count\nLondon,12\nLeeds,7\n');
      expect(saved).toMatchObject({ path: 'results/2026/admissions.csv', rows: 2, localPath: file, sync: { projectId: PROJECT_ID } });
      expect(saved.bytes).toBe((await lstat(file)).size);
      expect((await lstat(file)).mode & 0o777).toBe(0o600);
      expect((await lstat(join(driveRoot, 'results'))).mode & 0o777).toBe(0o700);
      expect(await readdir(join(driveRoot, 'results', '2026'))).toEqual(['admissions.csv']);
      expect(await incoming()).toEqual([]);
      expect(passes).toBe(1);
    });

    it('writes a kept result as Parquet and as Arrow, each of which opens again as a table', async () => {
      const result = await engine.run({ sql: 'SELECT region, count * 2 AS doubled FROM admissions ORDER BY region' });
      await save({ source: { resultId: result.resultId ?? '' }, format: 'parquet', name: 'doubled.parquet' });
      await save({ source: { resultId: result.resultId ?? '' }, format: 'arrow', name: 'doubled.arrow' });
      const handlers = wired();
      for (const name of ['doubled.parquet', 'doubled.arrow']) files.set(name, content(await readFile(join(driveRoot, name))));

      await handlers['drive.openFile']({ projectId: PROJECT_ID, path: 'doubled.parquet', table: 'from_parquet', replace: false });
      await handlers['drive.openFile']({ projectId: PROJECT_ID, path: 'doubled.arrow', table: 'from_arrow', replace: false });

      for (const table of ['from_parquet', 'from_arrow']) {
        const rows = await engine.run({ sql: `SELECT string_agg(region || ':' || doubled, ',' ORDER BY region) AS s FROM ${table}` });
        const page = await engine.page({ resultId: rows.resultId ?? '', offset: 0, limit: 1 });
        expect(new TextDecoder().decode(page)).toContain('Leeds:14,London:24');
      }
    });

    it('refuses a name whose extension is not the format’s, and writes nothing', async () => {
      const error = await errorOf(save({ format: 'parquet', name: 'admissions.csv' }));

      expect(error).toMatchObject({
        code: 'invalid_input',
        message: 'A Parquet file\'s name must end with ".parquet". Nothing was saved.',
      });
      expect(await readdir(driveRoot)).toEqual([]);
    });

    it('keeps a file of the same name unless asked to replace it (the drive keeps the old one as a version)', async () => {
      await writeFile(join(driveRoot, 'admissions.csv'), 'the analyst’s own edit\n');

      const error = await errorOf(save());
      expect(error).toMatchObject({ code: 'conflict' });
      expect(error.message).toContain('Nothing was saved.');
      expect(await readFile(join(driveRoot, 'admissions.csv'), 'utf8')).toBe('the analyst’s own edit\n');

      await save({ replace: true });
      expect(await readFile(join(driveRoot, 'admissions.csv'), 'utf8')).toBe('region,count\nLondon,12\nLeeds,7\n');
      expect(await readdir(driveRoot)).toEqual(['admissions.csv']);
      expect(await incoming()).toEqual([]);
    });

    it('refuses a name that is a case or Unicode twin of one beside it', async () => {
      await writeFile(join(driveRoot, 'Admissions.CSV'), 'theirs');
      await mkdir(join(driveRoot, 'cafe\u0301'));

      expect((await errorOf(save())).message).toContain('clashes with "Admissions.CSV"');
      expect((await errorOf(save({ folder: 'caf\u00e9' }))).message).toContain('clashes with');
      expect((await readdir(driveRoot)).sort()).toEqual(['Admissions.CSV', 'cafe\u0301']);
    });

    it('never writes through a link: a folder in the drive that is a link elsewhere is refused', async () => {
      const outside = join(dir, 'outside');
      await mkdir(outside);
      await symlink(outside, join(driveRoot, 'results'));

      const error = await errorOf(save({ folder: 'results' }));

      expect(error).toMatchObject({ code: 'forbidden' });
      expect(await readdir(outside)).toEqual([]);
    });

    it('refuses a drive folder that is gone (the sync stops rather than make it again) and writes nothing', async () => {
      await rm(driveRoot, { recursive: true });

      const error = await errorOf(save());

      expect(error).toMatchObject({ code: 'unavailable' });
      expect(error.message).toContain('is not there');
      expect(await readdir(join(dir, 'Enclave'))).toEqual([]);
      expect(await incoming()).toEqual([]);
    });

    it('refuses a file the drive has no room for, with used, needed and limit, and writes nothing', async () => {
      answers.set('drive.info', { ...INFO, usedBytes: INFO.quotaBytes - 10 });

      const error = await errorOf(save());

      expect(error.code).toBe('insufficient_storage');
      expect(error.message).toMatch(
        /^Not enough space in the drive: 9999990 bytes used of 10000000, and the file needs \d+ more\. Nothing was saved\.$/,
      );
      expect(await readdir(driveRoot)).toEqual([]);
      expect(await incoming()).toEqual([]);
      expect(passes).toBe(0);
    });

    it('refuses a project kept in the window: the window saves its own results', async () => {
      mode = 'memory';

      const error = await errorOf(save());

      expect(error).toMatchObject({ code: 'invalid_input' });
      expect(error.message).toContain('saves its results to the drive itself');
    });

    it('refuses a table that is not there, clearly', async () => {
      const error = await errorOf(save({ source: { table: 'nothing_here' } }));

      expect(error).toMatchObject({ code: 'not_found' });
      expect(await readdir(driveRoot)).toEqual([]);
    });
  });

  describe('opening a drive file as a local table', () => {
    it('loads a CSV file, with progress in bytes then rows', async () => {
      files.set('in/cases.csv', content(new TextEncoder().encode('region,cases\nLondon,5\nYork,3\n')));
      const progress: string[] = [];

      const opened = await wired()['drive.openFile'](
        { projectId: PROJECT_ID, path: 'in/cases.csv', table: 'cases', replace: false },
        { signal: new AbortController().signal, progress: (p) => progress.push(`${p.unit}:${p.stage}`) },
      );

      expect(opened).toEqual({ table: 'cases', rows: 2 });
      expect(progress[0]).toBe('bytes:Fetching from the drive');
      expect(progress.at(-1)).toBe('rows:Loading into the local table');
      expect(await readdir(join(dir, 'workspace', 'incoming'))).toEqual([]);
    });

    it('loads nothing when the content does not hash to its ETag (a byte flipped on the way)', async () => {
      const bytes = new TextEncoder().encode('region,cases\nLondon,5\n');
      const flipped = Uint8Array.from(bytes);
      flipped[14] ^= 1;
      files.set('cases.csv', content(flipped, driveEtag(sha256(bytes), 1)));

      const error = await errorOf(wired()['drive.openFile']({ projectId: PROJECT_ID, path: 'cases.csv', table: 'cases', replace: false }));

      expect(error).toMatchObject({ code: 'unavailable' });
      expect(error.message).toContain('arrived damaged or incomplete');
      expect((await engine.tables()).map((table) => table.name)).toEqual(['admissions']);
    });

    it('keeps an existing table unless asked to replace it', async () => {
      files.set('cases.csv', content(new TextEncoder().encode('a\n1\n')));

      const error = await errorOf(
        wired()['drive.openFile']({ projectId: PROJECT_ID, path: 'cases.csv', table: 'admissions', replace: false }),
      );

      expect(error.message).toContain('There is already a local table named admissions');
      expect((await engine.describe('admissions')).rows).toBe(2);
    });

    it('refuses a file that is not a table file', async () => {
      const error = await errorOf(wired()['drive.openFile']({ projectId: PROJECT_ID, path: 'notes.txt', table: 'notes', replace: false }));

      expect(error).toMatchObject({
        code: 'invalid_input',
        message: 'Only CSV, Parquet and Arrow files open as local tables. Nothing was changed.',
      });
    });
  });

  describe('for the window’s own engine', () => {
    it('downloads an Arrow file as an Arrow stream, checked against its ETag', async () => {
      const table = tableFromArrays({ region: ['London', 'York'], cases: Int32Array.from([5, 3]) });
      files.set('cases.arrow', content(tableToIPC(table, 'file')));

      const bytes = await wired()['drive.download']({ projectId: PROJECT_ID, path: 'cases.arrow' });

      expect(bytes).toEqual(tableToIPC(table, 'stream'));
    });

    it('sends an upload chunk as bytes, decoded from the window’s base64', async () => {
      await wired()['drive.uploadChunk']({
        projectId: PROJECT_ID,
        uploadId: `up-${'1'.repeat(24)}`,
        offset: 4,
        total: 9,
        data: Buffer.from('hello').toString('base64'),
      });

      expect(chunks).toHaveLength(1);
      expect(chunks[0]).toMatchObject({ uploadId: `up-${'1'.repeat(24)}`, offset: 4, total: 9 });
      expect(new TextDecoder().decode(chunks[0]?.bytes)).toBe('hello');
    });
  });

  describe('a kept version’s preview', () => {
    it('shows text as text, and says when it is cut', async () => {
      const handlers = wired();

      expect(await handlers['drive.viewVersion']({ projectId: PROJECT_ID, path: 'a.csv', version: 1 })).toEqual({
        path: 'a.csv',
        version: 1,
        size: 24,
        text: 'région,count\nLondon,12\n',
        truncated: false,
      });
      expect(await handlers['drive.viewVersion']({ projectId: PROJECT_ID, path: 'a.bin', version: 2 })).toMatchObject({ text: null });
      expect(await handlers['drive.viewVersion']({ projectId: PROJECT_ID, path: 'a.txt', version: 3 })).toMatchObject({ truncated: true });
    });
  });
});
