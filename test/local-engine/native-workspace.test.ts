// What only the native engine has: its files (0700 folders, 0600 files, whatever the umask), one database per
// project that no other project can see, tables that outlive a restart, a workspace opened once at a time, the
// machine's cores and a memory limit, and Parquet loads that leave nothing behind in incoming/.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LocalEngine } from '../../src/common/local-engine.ts';
import { openNativeEngine, type NativeEngine } from '../../src/workstation/workspace/native-engine.ts';
import { errorOf } from '../support/error-of.ts';
import { pathsOpenToOthers } from '../support/private-tree.ts';
import { admissions, chunked, ipc, parquetOf, readPage } from './support/data.ts';

const run = promisify(execFile);
const roots: string[] = [];
const engines: LocalEngine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
});
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

async function freshRoot(): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'enclave-workspaces-'));
  roots.push(root);
  return root;
}

async function open(dir: string, options: { memoryLimitBytes?: number } = {}): Promise<NativeEngine> {
  const engine = await openNativeEngine({ dir, memoryLimitBytes: options.memoryLimitBytes ?? 512 * 2 ** 20 });
  engines.push(engine);
  return engine;
}

async function value(engine: LocalEngine, sql: string): Promise<unknown> {
  const run = await engine.run({ sql });
  return readPage(await engine.page({ resultId: run.resultId!, offset: 0, limit: 1 }))
    .table.getChildAt(0)
    ?.get(0);
}

describe('the native workspace on disk', () => {
  it('keeps its folders 0700 and its files 0600 (database and WAL) even under an open umask', async () => {
    const root = await freshRoot();
    const previous = process.umask(0o022);
    try {
      const dir = path.join(root, 'project');
      const engine = await open(dir, { memoryLimitBytes: 128 * 2 ** 20 });
      await engine.load({ table: 'admissions', format: 'arrow', chunks: chunked(ipc(admissions(20_000)), 65_536), replace: false });
      await engine.run({ sql: 'CREATE TABLE wide AS SELECT i, md5(CAST(i AS VARCHAR)) AS h FROM range(2000000) AS t(i)' });
      const names = await readdir(dir);
      expect(names).toEqual(expect.arrayContaining(['local.duckdb', 'tmp', 'incoming']));
      expect(await pathsOpenToOthers(dir)).toEqual([]);
      await engine.close();
      expect(await pathsOpenToOthers(dir)).toEqual([]);
    } finally {
      process.umask(previous);
    }
  });

  it('makes private again a folder and files that were left open, and empties leftovers in tmp/ and incoming/', async () => {
    const root = await freshRoot();
    const dir = path.join(root, 'project');
    await mkdir(path.join(dir, 'incoming'), { recursive: true });
    await mkdir(path.join(dir, 'tmp'), { recursive: true });
    await writeFile(path.join(dir, 'incoming', 'load-left-behind.parquet'), 'half a load');
    await writeFile(path.join(dir, 'tmp', 'duckdb_temp_storage-0.tmp'), 'spill');
    await chmod(dir, 0o755);
    await open(dir);
    expect(await readdir(path.join(dir, 'incoming'))).toEqual([]);
    expect(await readdir(path.join(dir, 'tmp'))).toEqual([]);
    expect(await pathsOpenToOthers(dir)).toEqual([]);
  });

  it('refuses a workspace folder that is a link, or another user’s', async () => {
    const root = await freshRoot();
    await mkdir(path.join(root, 'elsewhere'));
    await symlink(path.join(root, 'elsewhere'), path.join(root, 'linked'));
    const linked = await errorOf(openNativeEngine({ dir: path.join(root, 'linked') }));
    expect(linked.code).toBe('forbidden');
    if (process.getuid?.() !== 0) {
      // chown needs root; the link case above still shows the check.
      console.warn('Not root: the "another user’s folder" case is not run here.');
      return;
    }
    await mkdir(path.join(root, 'theirs'));
    await chown(path.join(root, 'theirs'), 65_534, 65_534);
    const theirs = await errorOf(openNativeEngine({ dir: path.join(root, 'theirs') }));
    expect(theirs.code).toBe('forbidden');
    expect(theirs.message).toMatch(/another user/);
  });

  it('keeps tables across a restart (results do not outlive it)', async () => {
    const dir = path.join(await freshRoot(), 'project');
    const first = await open(dir);
    await first.load({ table: 'admissions', format: 'arrow', chunks: chunked(ipc(admissions(1000)), 8192), replace: false });
    await first.run({ sql: 'CREATE TABLE by_sex AS SELECT sex, count(*) AS n FROM admissions GROUP BY ALL' });
    const kept = await first.run({ sql: 'SELECT * FROM by_sex' });
    await first.close();
    const again = await open(dir);
    expect((await again.tables()).map((table) => [table.name, table.rows])).toEqual([
      ['admissions', 1000],
      ['by_sex', 4],
    ]);
    expect((await errorOf(again.page({ resultId: kept.resultId!, offset: 0, limit: 1 }))).code).toBe('not_found');
  });

  it('is open once at a time: a second open of the same workspace is refused while the first is open', async () => {
    const dir = path.join(await freshRoot(), 'project');
    await open(dir);
    const second = await errorOf(openNativeEngine({ dir }));
    expect(second.code).toBe('unavailable');
    expect(second.message).toBe("This project's local workspace is already open in another Enclave window or process.");
    // Another process (a second Enclave) is kept out by DuckDB's lock on the file.
    const script = `import { DuckDBInstance } from '@duckdb/node-api';
try { await DuckDBInstance.create(process.argv[1]); console.log('opened'); } catch (err) { console.log('refused: ' + err.message); }`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, path.join(dir, 'local.duckdb')], {
      cwd: path.resolve(import.meta.dirname, '..', '..'),
    });
    expect(stdout).toMatch(/^refused: .*lock/i);
  });

  it('gives each project its own database: no project can see, query or attach another’s tables', async () => {
    const root = await freshRoot();
    const a = await open(path.join(root, 'project-a'));
    const b = await open(path.join(root, 'project-b'));
    await a.load({ table: 'admissions', format: 'arrow', chunks: chunked(ipc(admissions(50)), 8192), replace: false });
    expect(await b.tables()).toEqual([]);
    const query = await errorOf(b.run({ sql: 'SELECT * FROM admissions' }));
    expect(query.message).toMatch(/^Catalog Error: Table with name admissions does not exist/);
    const fileOfA = path.join(root, 'project-a', 'local.duckdb');
    expect((await errorOf(b.run({ sql: `ATTACH '${fileOfA}' AS a` }))).code).toBe('forbidden');
    expect((await errorOf(b.run({ sql: `SELECT * FROM read_blob('${fileOfA}')` }))).message).toMatch(/disabled by configuration/);
  });

  it('runs with the machine’s cores, the memory limit it was given, and its configuration locked', async () => {
    const engine = await open(path.join(await freshRoot(), 'project'), { memoryLimitBytes: 300 * 2 ** 20 });
    expect(engine.threads).toBe(os.availableParallelism());
    expect(await value(engine, "SELECT current_setting('threads')")).toBe(BigInt(os.availableParallelism()));
    expect(await value(engine, "SELECT current_setting('memory_limit')")).toMatch(/^(300\.0 MiB|314\.5 MB)$/);
    expect(await value(engine, "SELECT current_setting('temp_directory')")).toBe(path.join(engine.dir, 'tmp'));
    expect(await value(engine, "SELECT current_setting('enable_external_access')")).toBe(false);
    expect(await value(engine, "SELECT current_setting('lock_configuration')")).toBe(true);
    expect(await value(engine, "SELECT current_setting('autoinstall_known_extensions')")).toBe(false);
  });

  it(
    'loads Parquet through a private file in incoming/ that is gone afterwards, and a cancel at any moment of DuckDB’s read leaves nothing',
    { timeout: 120_000 },
    async () => {
      const engine = await open(path.join(await freshRoot(), 'project'));
      const incoming = path.join(engine.dir, 'incoming');
      const bytes = await parquetOf('SELECT i, md5(CAST(i AS VARCHAR)) AS h, i % 1000 AS g FROM range(2000000) AS t(i)');
      const seen: string[] = [];
      await engine.load({
        table: 'hashes',
        format: 'parquet',
        chunks: chunked(bytes, 1 << 20),
        replace: false,
        onProgress: () => seen.push(...readdirSync(incoming)),
      });
      expect(seen.length).toBeGreaterThan(0);
      for (const name of seen) expect(name).toMatch(/^load-[0-9a-f]{24}\.parquet$/);
      expect(await readdir(incoming)).toEqual([]);
      // Every byte has arrived when the last progress is reported; DuckDB then reads the file (for seconds), and the
      // abort lands as it starts or a moment into it: DuckDB must not forget it either way.
      for (const ms of [0, 1, 2, 5, 50]) {
        const controller = new AbortController();
        let arrived = 0;
        let aborted = 0;
        const cancelled = await errorOf(
          engine.load({
            table: 'hashes',
            format: 'parquet',
            chunks: chunked(bytes, 1 << 20),
            replace: true,
            signal: controller.signal,
            onProgress: (progress) => {
              arrived = progress.bytes;
              if (progress.bytes !== bytes.byteLength || progress.rows !== undefined) return;
              setTimeout(() => {
                aborted = performance.now();
                controller.abort();
              }, ms);
            },
          }),
        );
        expect(arrived, `${ms} ms`).toBe(bytes.byteLength);
        expect(cancelled.code, `${ms} ms`).toBe('cancelled');
        expect(performance.now() - aborted, `${ms} ms`).toBeLessThan(1_000);
        expect(await readdir(incoming)).toEqual([]);
        expect((await engine.describe('hashes')).rows).toBe(2_000_000);
      }
    },
  );

  it(
    'closing stops a run and a load at any moment, and closes (a cancel DuckDB forgot once kept a workspace open)',
    { timeout: 120_000 },
    async () => {
      const root = await freshRoot();
      const bytes = await parquetOf('SELECT i, md5(CAST(i AS VARCHAR)) AS h FROM range(1000000) AS t(i)');
      for (const ms of [0, 1, 2, 5]) {
        for (let round = 0; round < 10; round += 1) {
          const engine = await openNativeEngine({ dir: path.join(root, `project-${ms}-${round}`), memoryLimitBytes: 256 * 2 ** 20 });
          const run = errorOf(engine.run({ sql: 'SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b' }));
          const load = errorOf(engine.load({ table: 't', format: 'parquet', chunks: chunked(bytes, 1 << 20), replace: false }));
          await new Promise((resolve) => setTimeout(resolve, ms));
          const started = performance.now();
          await engine.close();
          expect(performance.now() - started, `${ms} ms, round ${round}`).toBeLessThan(2_000);
          expect((await run).code).toBe('cancelled');
          expect(['cancelled', 'unavailable']).toContain((await load).code);
        }
      }
    },
  );
});

describe('a statement that does not stop when interrupted', () => {
  it(
    'does not hold close() up: it answers after its wait, reopening says why it must wait, and the engine closes when the work ends',
    { timeout: 120_000 },
    async () => {
      const dir = path.join(await freshRoot(), 'project');
      const engine = await openNativeEngine({ dir, memoryLimitBytes: 256 * 2 ** 20, closeWaitMs: 200 });
      // levenshtein computes one value without looking at the interrupt: seconds here, however it is cancelled.
      const stuck = errorOf(engine.run({ sql: "SELECT levenshtein(repeat('a', 40000), repeat('b', 40000)) AS d" }));
      await new Promise((resolve) => setTimeout(resolve, 300));

      const started = performance.now();
      await engine.close();
      const closing = performance.now() - started;
      const refused = await errorOf(openNativeEngine({ dir }));

      expect(closing).toBeLessThan(1_500);
      expect(refused).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/still finishing a query/) });
      expect((await stuck).code).toBe('cancelled');
      // Once the work has ended the engine closes, and the workspace opens again with its files as they were.
      let again: NativeEngine | null = null;
      await expect
        .poll(
          async () => {
            again = await openNativeEngine({ dir }).catch(() => null);
            return again !== null;
          },
          { timeout: 60_000, interval: 200 },
        )
        .toBe(true);
      if (again !== null) engines.push(again);
    },
  );
});

describe('refuses what is not a folder it can keep private', () => {
  it('refuses a workspace path that is a file', async () => {
    const root = await freshRoot();
    await writeFile(path.join(root, 'file'), '');
    expect((await errorOf(openNativeEngine({ dir: path.join(root, 'file') }))).code).toBe('forbidden');
    expect((await lstat(path.join(root, 'file'))).isFile()).toBe(true);
  });
});
