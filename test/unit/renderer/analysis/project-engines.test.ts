// The window's engines over the real workstation core (in-process transport, native DuckDB in a temp folder, the
// fake platform and identity provider of the contract suite): a 'disk' project's engine is the core's, reached through
// workspace.*; a 'memory' project's is DuckDB-wasm (here its blocking build in Node), whose runs the window records in
// the project's history. The screens hold either and never ask which: both answer the same seam alike.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient, type Client } from '../../../../src/common/client.ts';
import type { CallProgress } from '../../../../src/common/contract.ts';
import { RunRecordSchema, type RunRecord } from '../../../../src/common/workspace.ts';
import { createWorkstationCore, type WorkstationCore } from '../../../../src/workstation/core.ts';
import { createInProcessTransport } from '../../../../src/workstation/in-process-transport.ts';
import { createCoreEngine } from '../../../../renderer/src/analysis/core-engine.ts';
import { createProjectEngines, recordingRuns, type StartedEngine } from '../../../../renderer/src/analysis/project-engines.ts';
import { decodePage } from '../../../../renderer/src/analysis/result-page.ts';
import { createWasmLocalEngine } from '../../../../renderer/src/analysis/wasm-engine.ts';
import { startFakePlatform, LOCKED_PROJECT_ID, type FakePlatform } from '../../../contract/fake-platform.ts';
import { freshWasmDatabase } from '../../../local-engine/support/blocking-wasm.ts';
import { errorOf } from '../../../support/error-of.ts';
import { browserGet, callbackFor, createFakeIdp, fakeDiscover } from '../../workstation/fake-idp.ts';

const DISK = 'covid-outcomes';
const OTHER_DISK = 'cardio-admissions';

/** A DuckDB-wasm engine as the window starts one, ready at once (its start-up is the worker's, tested end to end). */
async function wasmEngine(): Promise<StartedEngine> {
  const engine = await createWasmLocalEngine({ database: await freshWasmDatabase() });
  return { engine, state: () => ({ state: 'ready', label: 'DuckDB ready in this window' }), onState: () => () => undefined };
}

describe('the window’s engines over the workstation core', () => {
  let platform: FakePlatform;
  let core: WorkstationCore;
  let client: Client;
  let root: string;

  beforeEach(async () => {
    const idp = createFakeIdp();
    platform = await startFakePlatform({ tokenOwner: (token) => idp.accessOwners.get(token)?.sub ?? null });
    root = await mkdtemp(path.join(tmpdir(), 'enclave-renderer-engines-'));
    core = createWorkstationCore({
      platformUrl: platform.url,
      healthIntervalMs: 3_600_000,
      tokenStore: 'memory',
      discover: fakeDiscover(idp),
      workspaces: { root },
    });
    await core.checkPlatform();
    client = createClient(createInProcessTransport(core));
    const { authorizationUrl } = await client.invoke('session.signIn', {});
    expect((await browserGet(callbackFor(authorizationUrl))).status).toBe(200);
  });

  afterEach(async () => {
    core.close();
    await core.closed();
    await platform.close();
    await rm(root, { recursive: true, force: true });
  });

  describe("a 'disk' project: the core's native DuckDB", () => {
    // (Samples streaming into the core are the e2e journey's: test/e2e/workspace.test.ts, against the real platform.)
    it('lists its tables with their columns, runs SQL, and reads pages sorted by the engine', async () => {
      const engine = createCoreEngine({ client, projectId: DISK });

      await engine.run({
        sql: "CREATE TABLE patients_sample AS SELECT * FROM (VALUES ('F', 'North'), ('M', 'South'), ('F', 'East')) AS p(sex, region)",
      });
      const tables = await engine.tables();
      const result = await engine.run({ sql: 'SELECT sex, count(*) AS n FROM patients_sample GROUP BY sex ORDER BY sex' });
      const page = decodePage(
        await engine.page({ resultId: result.resultId ?? '', offset: 0, limit: 10, sort: [{ column: 'n', descending: true }] }),
      );
      const summary = await engine.summarise({ resultId: result.resultId ?? '', column: 'n' });

      expect(tables).toEqual([
        {
          name: 'patients_sample',
          rows: 3,
          columns: [
            { name: 'sex', type: 'VARCHAR' },
            { name: 'region', type: 'VARCHAR' },
          ],
        },
      ]);
      expect(await engine.describe('patients_sample')).toEqual(tables[0]);
      expect(page.value(0, 0)).toBe('F');
      expect(result).toMatchObject({ statement: 'SELECT', columns: [{ name: 'sex' }, { name: 'n' }] });
      expect(page.total).toBe(result.rowCount);
      expect(page.rows).toBe(result.rowCount);
      expect(summary).toMatchObject({ column: 'n', rows: result.rowCount, nulls: 0 });
      await engine.close();
    });

    it('keeps each project’s tables apart: SQL in another project cannot reach them', async () => {
      const first = createCoreEngine({ client, projectId: DISK });
      const other = createCoreEngine({ client, projectId: OTHER_DISK });
      await first.run({ sql: 'CREATE TABLE admissions AS SELECT range AS id FROM range(3)' });

      const failed = await errorOf(other.run({ sql: 'SELECT * FROM admissions' }));

      expect(await first.tables()).toHaveLength(1);
      // The fake platform lists one disk project: the other is refused outright; either way nothing of the first is seen.
      expect(failed.code).toMatch(/^(invalid_input|not_found|forbidden)$/);
      expect((await errorOf(createCoreEngine({ client, projectId: LOCKED_PROJECT_ID }).tables())).code).toMatch(/^(not_found|forbidden)$/);
      await first.close();
    });

    it('marks where an error is, says when a table is unknown, and refuses a load from the window, changing nothing', async () => {
      const engine = createCoreEngine({ client, projectId: DISK });

      const failed = await errorOf(engine.run({ sql: 'SELECT nhs_number FROM (SELECT 1 AS x)' }));
      const unknown = await errorOf(engine.describe('nowhere'));
      const refused = await errorOf(engine.load({ table: 'upload', format: 'arrow', chunks: (async function* () {})(), replace: false }));

      expect(failed.code).toBe('invalid_input');
      expect(failed.position).toBe('SELECT '.length);
      expect(unknown).toMatchObject({ code: 'not_found', message: 'There is no local table named nowhere in this project.' });
      expect(refused.message).toMatch(/Open a sample from the catalogue instead/);
      expect(await engine.tables()).toEqual([]);
      await engine.close();
    });

    it('cancels a run when its signal aborts', async () => {
      const engine = createCoreEngine({ client, projectId: DISK });
      const controller = new AbortController();
      const running = engine.run({
        sql: 'SELECT sum(a.range * b.range) FROM range(100000000) a, range(100000000) b',
        signal: controller.signal,
      });

      controller.abort();

      expect((await errorOf(running)).code).toBe('cancelled');
      expect((await engine.run({ sql: 'SELECT 42 AS answer' })).rowCount).toBe(1);
      await engine.close();
    });

    it('clears its tables, and once closed refuses to be used, having released the results it held', async () => {
      const engine = createCoreEngine({ client, projectId: DISK });
      await engine.run({ sql: 'CREATE TABLE a AS SELECT 1 AS x' });
      await engine.run({ sql: 'CREATE TABLE b AS SELECT 2 AS y' });
      const result = await engine.run({ sql: 'SELECT * FROM a' });

      expect(await engine.clear()).toEqual({ tables: 2 });
      expect(await engine.tables()).toEqual([]);
      await engine.close();

      expect((await errorOf(engine.run({ sql: 'SELECT 1' }))).code).toBe('unavailable');
      const page = await errorOf(
        createCoreEngine({ client, projectId: DISK }).page({ resultId: result.resultId ?? '', offset: 0, limit: 1 }),
      );
      expect(page.code).toMatch(/^(not_found|invalid_input)$/);
    });
  });

  describe("a 'memory' project: DuckDB-wasm in the window, its runs recorded by the window", () => {
    it('records every run the analyst makes, as the core would: ok, error and cancelled', async () => {
      const records: RunRecord[] = [];
      const engine = recordingRuns((await wasmEngine()).engine, {
        record: async (run) => records.push(run),
        onRecordFailed: () => undefined,
        now: () => new Date('2026-12-03T10:15:00.000Z'),
      });

      await engine.run({ sql: 'CREATE TABLE t AS SELECT range AS i FROM range(4)' });
      await engine.run({ sql: 'SELECT * FROM t' });
      await errorOf(engine.run({ sql: 'SELECT nope FROM t' }));
      const controller = new AbortController();
      controller.abort();
      await errorOf(engine.run({ sql: 'SELECT 1', signal: controller.signal }));

      expect(records.map((r) => [r.sql, r.outcome, r.rows])).toEqual([
        // A statement without a result: rows only if the engine counted some (its message says what it made).
        ['CREATE TABLE t AS SELECT range AS i FROM range(4)', 'ok', expect.toBeOneOf([4, null])],
        ['SELECT * FROM t', 'ok', 4],
        ['SELECT nope FROM t', 'error', null],
        ['SELECT 1', 'cancelled', null],
      ]);
      expect(records[0].message).toMatch(/^Created t \(4 rows\)/);
      expect(records[3].message).toBe('Cancelled');
      // Each is what workspace.recordRun accepts.
      for (const record of records) expect(RunRecordSchema.safeParse(record).success).toBe(true);
      await engine.close();
    });

    it('does not fail a run whose record cannot be written: it says so instead', async () => {
      const failures: unknown[] = [];
      const engine = recordingRuns((await wasmEngine()).engine, {
        record: async () => {
          throw new Error('the history is unavailable');
        },
        onRecordFailed: (err) => failures.push(err),
      });

      const result = await engine.run({ sql: 'SELECT 1 AS one' });

      expect(result.rowCount).toBe(1);
      await expect.poll(() => failures.length).toBe(1);
      await engine.close();
    });

    it("loads a sample fetched into the window, records runs in the project's history, and keeps projects apart", async () => {
      let started = 0;
      const window = await wasmEngine();
      const engines = createProjectEngines({
        client,
        startWindowEngine: () => {
          started += 1;
          return window;
        },
        onRecordFailed: (err) => {
          throw err;
        },
      });
      const memory = engines.forProject({ id: DISK, localData: 'memory' });
      const disk = engines.forProject({ id: OTHER_DISK, localData: 'disk' });

      const progress: CallProgress[] = [];
      const loaded = await memory.loadSample({
        datasetId: 'patients',
        limit: 5,
        table: 'patients_sample',
        replace: false,
        onProgress: (p) => progress.push(p),
      });
      await memory.analystEngine.run({ sql: 'SELECT count(*) AS n FROM patients_sample' });
      const history = await client.invoke('workspace.history', { projectId: DISK, query: {} });

      expect(loaded).toEqual({ table: 'patients_sample', rows: 5 });
      expect(progress.at(-1)?.unit).toBe('bytes');
      expect(started).toBe(1);
      expect(engines.forProject({ id: DISK, localData: 'memory' })).toBe(memory);
      expect(disk.mode).toBe('disk');
      expect(history.entries.map((entry) => [entry.sql, entry.outcome])).toEqual([['SELECT count(*) AS n FROM patients_sample', 'ok']]);
      // The chart and the grid read through `engine`: their queries are not the analyst's runs.
      await memory.engine.run({ sql: 'SELECT 1' });
      expect((await client.invoke('workspace.history', { projectId: DISK, query: {} })).total).toBe(1);

      expect(await engines.closeAll()).toEqual({ memoryTables: 1 });
    });

    describe('a platform query into the window (platform.query, then the window engine, recorded as the platform’s)', () => {
      const JOINED = 'SELECT t.test_type, count(*) AS n FROM covid_tests AS t JOIN hospital_episodes AS h USING (nhs_number) GROUP BY ALL';

      async function memoryEngine() {
        const window = await wasmEngine();
        const failures: unknown[] = [];
        const engines = createProjectEngines({ client, startWindowEngine: () => window, onRecordFailed: (err) => failures.push(err) });
        return { engines, memory: engines.forProject({ id: DISK, localData: 'memory' }), failures };
      }

      async function platformRuns() {
        return (await client.invoke('workspace.history', { projectId: DISK, query: {} })).entries.filter((e) => e.engine === 'platform');
      }

      it('loads the result into a table of the window, with progress, and records the run', async () => {
        const { engines, memory, failures } = await memoryEngine();
        const progress: CallProgress[] = [];

        const loaded = await memory.loadQuery({
          sql: JOINED,
          table: 'tests_admissions',
          replace: false,
          onProgress: (p) => progress.push(p),
        });

        expect(loaded).toEqual({ table: 'tests_admissions', rows: 3 });
        expect((await memory.engine.tables()).map((t) => t.name)).toEqual(['tests_admissions']);
        expect(progress[0]).toMatchObject({ done: 0, total: null, stage: 'Running on the platform' });
        expect(progress.at(-1)).toMatchObject({ unit: 'bytes', stage: 'Loading into this window' });
        expect(await platformRuns()).toEqual([
          expect.objectContaining({ sql: JOINED, outcome: 'ok', rows: 3, message: 'Created tests_admissions (3 rows) from the platform' }),
        ]);
        expect(platform.requests).toContain('/api/v1/projects/covid-outcomes/query');
        expect(failures).toEqual([]);
        await engines.closeAll();
      });

      it('refuses to replace a table unasked, before the platform is asked; replaces it when asked', async () => {
        const { engines, memory } = await memoryEngine();
        await memory.engine.run({ sql: 'CREATE TABLE kept AS SELECT 42 AS answer' });
        const asked = () => platform.requests.filter((request) => request.endsWith('/query')).length;

        const error = await errorOf(memory.loadQuery({ sql: JOINED, table: 'kept', replace: false }));

        expect(error).toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/already a local table named kept/) });
        expect(asked()).toBe(0);
        expect((await memory.engine.run({ sql: 'SELECT * FROM kept' })).rowCount).toBe(1);
        expect((await platformRuns())[0]).toMatchObject({ outcome: 'error', message: error.message });

        await memory.loadQuery({ sql: JOINED, table: 'kept', replace: true });

        expect((await memory.engine.describe('kept')).rows).toBe(3);
        expect((await platformRuns())[0]?.message).toBe('Replaced kept (3 rows) from the platform');
        await engines.closeAll();
      });

      it("keeps the platform's refusal of the SQL, and records it", async () => {
        const { engines, memory } = await memoryEngine();

        const error = await errorOf(memory.loadQuery({ sql: 'SELECT * FROM nowhere', table: 'result_1', replace: false }));

        expect(error).toMatchObject({ code: 'invalid_input', message: 'Table with name nowhere does not exist.' });
        expect(await memory.engine.tables()).toEqual([]);
        expect((await platformRuns())[0]).toMatchObject({ sql: 'SELECT * FROM nowhere', outcome: 'error', message: error.message });
        await engines.closeAll();
      });

      it('cancelled: no table, and the history says it was cancelled', async () => {
        const { engines, memory } = await memoryEngine();
        const controller = new AbortController();
        controller.abort();

        const error = await errorOf(memory.loadQuery({ sql: JOINED, table: 'result_1', replace: false, signal: controller.signal }));

        expect(error).toMatchObject({ code: 'cancelled', message: 'The platform query was cancelled. Nothing was loaded.' });
        expect(await memory.engine.tables()).toEqual([]);
        expect((await platformRuns())[0]).toMatchObject({ outcome: 'cancelled', rows: null });
        await engines.closeAll();
      });
    });
  });
});
