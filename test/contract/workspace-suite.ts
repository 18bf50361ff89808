// The workspace methods of the contract, over every transport (in-process, HTTP browser shell, Electron IPC): the
// real core with its workspace service, the real native engine and state store in a temp folder per test, and the
// fake platform (which lists one 'disk' project and one 'memory' project for the signed-in analyst).
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, type Client, type Transport } from '../../src/common/client.ts';
import type { MethodName } from '../../src/common/contract.ts';
import type { Layout } from '../../src/common/workspace.ts';
import { PAGE_TOTAL_ROWS_KEY, type LocalEngine } from '../../src/common/local-engine.ts';
import { createWorkstationCore, type WorkstationCore } from '../../src/workstation/core.ts';
import { openNativeEngine } from '../../src/workstation/workspace/native-engine.ts';
import { errorOf } from '../support/error-of.ts';
import { browserGet, callbackFor, createFakeIdp, fakeDiscover, type FakeIdp } from '../unit/workstation/fake-idp.ts';
import { LOCKED_PROJECT_ID, startFakePlatform, type FakePlatform } from './fake-platform.ts';
import type { ConnectedTransport, TransportFactory } from './transports/index.ts';

const DISK = 'covid-outcomes';
const MEMORY = 'opt-out-monitoring';
const LAYOUT: Layout = { arrangement: 'stacked', sizes: [30, 70], schemaTreeOpen: false };

/** Resolves when the next run reaches the engine (the engine is real; the test only sees when a run starts). */
let runStarted: (() => void) | null = null;
function nextRun(): Promise<void> {
  return new Promise((resolve) => (runStarted = resolve));
}

/** The engine as it is, with each run() announced to nextRun(). */
function watchRuns(engine: LocalEngine): LocalEngine {
  return new Proxy(engine, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property !== 'run') return (value as (...args: unknown[]) => unknown).bind(target);
      return (request: Parameters<LocalEngine['run']>[0]) => {
        const running = engine.run(request);
        runStarted?.();
        runStarted = null;
        return running;
      };
    },
  });
}

/** Every file below a folder, relative to it. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true }).catch(() => []);
  return entries.map(String).sort();
}

// The engine's methods a 'memory' project refuses (its tables live in the window), each with a valid input.
const ENGINE_CALLS: Array<{ method: MethodName; input: Record<string, unknown> }> = [
  { method: 'workspace.tables', input: {} },
  { method: 'workspace.run', input: { sql: 'SELECT 1' } },
  { method: 'workspace.page', input: { page: { resultId: 'result-1', offset: 0, limit: 10 } } },
  { method: 'workspace.summarise', input: { resultId: 'result-1', column: 'x' } },
  { method: 'workspace.release', input: { resultId: 'result-1' } },
  { method: 'workspace.drop', input: { table: 'admissions' } },
  { method: 'workspace.loadSample', input: { datasetId: 'national_opt_outs', limit: 5, table: 'opt_outs', replace: false } },
  { method: 'workspace.loadQuery', input: { sql: 'SELECT * FROM national_opt_outs', table: 'opt_outs', replace: false } },
];

// Refused by the contract's schema before the core sees them, each naming the field at fault.
const INVALID: Array<{ method: MethodName; input: unknown; field: string }> = [
  { method: 'workspace.open', input: { projectId: '../../other-user' }, field: 'projectId' },
  { method: 'workspace.open', input: { projectId: 'covid-outcomes/../../x' }, field: 'projectId' },
  { method: 'workspace.saveTab', input: { projectId: DISK, tab: { id: 'a/b', sql: '' } }, field: 'tab.id' },
  { method: 'workspace.saveTab', input: { projectId: DISK, tab: { id: 't1', sql: '', title: 'a\u0007b' } }, field: 'tab.title' },
  { method: 'workspace.run', input: { projectId: DISK, sql: 42 }, field: 'sql' },
  { method: 'workspace.run', input: { projectId: DISK, sql: '' }, field: 'sql' },
  { method: 'workspace.drop', input: { projectId: DISK, table: 'x"; DROP TABLE y; --' }, field: 'table' },
  {
    method: 'workspace.loadSample',
    input: { projectId: DISK, datasetId: 'patients', limit: 0, table: 't', replace: false },
    field: 'limit',
  },
  { method: 'workspace.loadQuery', input: { projectId: DISK, sql: 'SELECT 1', table: 'Result 1', replace: false }, field: 'table' },
  { method: 'workspace.loadQuery', input: { projectId: DISK, sql: '', table: 'result_1', replace: false }, field: 'sql' },
  { method: 'workspace.loadQuery', input: { projectId: DISK, sql: 'SELECT 1', table: 'result_1' }, field: 'replace' },
  { method: 'workspace.page', input: { projectId: DISK, page: { resultId: 'r', offset: 0, limit: 5_001 } }, field: 'page.limit' },
  { method: 'workspace.removeLocalData', input: { projectId: DISK, scope: 'all' }, field: 'scope' },
  { method: 'workspace.saveLayout', input: { projectId: DISK, layout: { ...LAYOUT, sizes: [] } }, field: 'layout.sizes' },
];

export function runWorkspaceContractSuite(label: string, connect: TransportFactory): void {
  describe(`the workspace methods over ${label}`, () => {
    let platform: FakePlatform;
    let idp: FakeIdp;
    let root: string;
    let core: WorkstationCore;
    let connected: ConnectedTransport;
    let transport: Transport;
    let client: Client;

    async function signIn(): Promise<void> {
      const { authorizationUrl } = await client.invoke('session.signIn', {});
      expect((await browserGet(callbackFor(authorizationUrl))).status).toBe(200);
    }

    beforeEach(async () => {
      idp = createFakeIdp();
      platform = await startFakePlatform({ tokenOwner: (token) => idp.accessOwners.get(token)?.sub ?? null });
      root = await mkdtemp(path.join(tmpdir(), 'enclave-workspace-contract-'));
      core = createWorkstationCore({
        platformUrl: platform.url,
        healthIntervalMs: 3_600_000,
        tokenStore: 'memory',
        discover: fakeDiscover(idp),
        workspaces: { root, openEngine: async (folder) => watchRuns(await openNativeEngine({ dir: folder.folder })) },
      });
      await core.checkPlatform();
      connected = await connect(core);
      transport = connected.transport;
      client = createClient(transport);
      await signIn();
    });

    afterEach(async () => {
      await connected.close();
      core.close();
      await core.closed();
      await platform.close();
      await rm(root, { recursive: true, force: true });
    });

    it('open restores what was saved: tabs, the active tab, saved queries, layout and tables, after sign-out and in again', async () => {
      await client.invoke('workspace.saveTab', { projectId: DISK, tab: { id: 'tab-a', sql: 'SELECT 1' } });
      await client.invoke('workspace.saveTab', { projectId: DISK, tab: { id: 'tab-b', sql: 'SELECT 2', title: 'Admissions' } });
      await client.invoke('workspace.activateTab', { projectId: DISK, tabId: 'tab-b' });
      const saved = await client.invoke('workspace.saveQuery', {
        projectId: DISK,
        query: { name: 'Counts', sql: 'SELECT count(*) FROM t' },
      });
      await client.invoke('workspace.saveLayout', { projectId: DISK, layout: LAYOUT });
      await client.invoke('workspace.run', { projectId: DISK, sql: 'CREATE TABLE t AS SELECT range AS i FROM range(3)' });

      await client.invoke('session.signOut', {});
      await signIn();
      const workspace = await client.invoke('workspace.open', { projectId: DISK });

      expect(workspace).toMatchObject({ projectId: DISK, mode: 'disk', layout: LAYOUT, saved: [saved], notice: null });
      expect(workspace.tabs.activeTabId).toBe('tab-b');
      expect(workspace.tabs.tabs.map((tab) => [tab.id, tab.title, tab.sql, tab.position])).toEqual([
        ['tab-a', 'Query 1', 'SELECT 1', 0],
        ['tab-b', 'Admissions', 'SELECT 2', 1],
      ]);
      expect(workspace.tables).toEqual([{ name: 't', rows: 3, columns: [{ name: 'i', type: 'BIGINT' }] }]);
    });

    it('a run returns a result whose pages come back sorted and filtered by the engine, and the run is in the history', async () => {
      await client.invoke('workspace.run', {
        projectId: DISK,
        sql: "CREATE TABLE episodes AS SELECT range AS id, CASE WHEN range % 2 = 0 THEN 'even' ELSE 'odd' END AS kind FROM range(100)",
      });

      const result = await client.invoke('workspace.run', { projectId: DISK, sql: 'SELECT * FROM episodes' });
      const bytes = await client.invoke('workspace.page', {
        projectId: DISK,
        page: {
          resultId: result.resultId ?? '',
          offset: 0,
          limit: 3,
          sort: [{ column: 'id', descending: true }],
          filters: [{ column: 'kind', op: '=', value: 'odd' }],
        },
      });
      const summary = await client.invoke('workspace.summarise', { projectId: DISK, resultId: result.resultId ?? '', column: 'id' });
      const history = await client.invoke('workspace.history', { projectId: DISK, query: {} });

      expect(result).toMatchObject({ rowCount: 100, statement: 'SELECT', columns: [{ name: 'id' }, { name: 'kind' }] });
      const page = tableFromIPC(bytes);
      expect(page.getChild('id')?.toArray()).toEqual(new BigInt64Array([99n, 97n, 95n]));
      expect(page.schema.metadata.get(PAGE_TOTAL_ROWS_KEY)).toBe('50');
      expect(summary).toMatchObject({ column: 'id', rows: 100, nulls: 0, distinct: 100, min: '0', max: '99' });
      expect(history.total).toBe(2);
      expect(history.entries[0]).toMatchObject({ sql: 'SELECT * FROM episodes', outcome: 'ok', rows: 100, engine: 'local' });
      expect(history.entries[1]).toMatchObject({ outcome: 'ok', message: expect.stringMatching(/^Created episodes/) });
    });

    it("a run the window makes for itself (record: false, a chart's query) answers as any other and is not in the history", async () => {
      await client.invoke('workspace.run', { projectId: DISK, sql: 'CREATE TABLE kinds AS SELECT range % 3 AS k FROM range(30)' });

      const chart = await client.invoke('workspace.run', {
        projectId: DISK,
        sql: 'SELECT k, count(*) AS n FROM kinds GROUP BY k ORDER BY k',
        record: false,
      });
      const history = await client.invoke('workspace.history', { projectId: DISK, query: {} });

      expect(chart).toMatchObject({ rowCount: 3, columns: [{ name: 'k' }, { name: 'n' }] });
      expect(history.entries.map((entry) => entry.sql)).toEqual(['CREATE TABLE kinds AS SELECT range % 3 AS k FROM range(30)']);
    });

    it(
      'a cancel at any moment (as the run reaches the engine, 0, 1, 2, 5 ms after the call) stops it within a second, recorded as cancelled, 50 times',
      { timeout: 120_000 },
      async () => {
        await client.invoke('workspace.open', { projectId: DISK });
        const sql = 'SELECT sum(a.range * b.range) FROM range(100000000) a, range(100000000) b';
        const moments: Array<number | 'reached'> = ['reached', 0, 1, 2, 5];
        const slow: string[] = [];
        for (let round = 0; round < 50; round += 1) {
          for (const moment of moments) {
            const controller = new AbortController();
            const id = randomUUID();
            const reached = nextRun();
            const running = errorOf(transport.invoke('workspace.run', { projectId: DISK, sql }, { id, signal: controller.signal }));
            await (moment === 'reached' ? reached : new Promise((resolve) => setTimeout(resolve, moment)));
            const aborted = performance.now();
            controller.abort();
            expect((await running).code, `round ${round}, ${moment}`).toBe('cancelled');
            await vi.waitFor(() => expect(core.calls.isRunning(id)).toBe(false));
            const ms = performance.now() - aborted;
            if (ms >= 1_000) slow.push(`round ${round}, ${moment}: ${ms.toFixed(0)} ms`);
          }
        }
        expect(slow).toEqual([]);
        // Each run that reached the engine is in the history, as cancelled (one aborted before it got there is not).
        const history = await client.invoke('workspace.history', { projectId: DISK, query: { limit: 500 } });
        expect(history.total).toBeGreaterThanOrEqual(50);
        expect(history.entries.every((entry) => entry.sql === sql && entry.outcome === 'cancelled' && entry.rows === null)).toBe(true);
        expect(history.entries[0]).toMatchObject({ message: 'The query was cancelled.' });
        // The engine is free again.
        const next = performance.now();
        expect(await client.invoke('workspace.run', { projectId: DISK, sql: 'SELECT 42 AS answer' })).toMatchObject({ rowCount: 1 });
        expect(performance.now() - next).toBeLessThan(1_000);
      },
    );

    it('an error in the SQL is answered with its position and recorded as an error', async () => {
      const error = await errorOf(client.invoke('workspace.run', { projectId: DISK, sql: 'SELECT * FROM no_such_table' }));
      const history = await client.invoke('workspace.history', { projectId: DISK, query: { search: 'no_such' } });

      expect(error.code).toBe('invalid_input');
      expect(history.entries).toEqual([expect.objectContaining({ outcome: 'error', rows: null, message: error.message })]);
    });

    it("a 'memory' project's state methods work from the memory store, and nothing is written to disk", async () => {
      const tab = await client.invoke('workspace.saveTab', { projectId: MEMORY, tab: { id: 'm1', sql: 'SELECT 1' } });
      const run = await client.invoke('workspace.recordRun', {
        projectId: MEMORY,
        run: {
          sql: 'SELECT 1',
          startedAt: new Date().toISOString(),
          durationMs: 3,
          rows: 1,
          outcome: 'ok',
          message: '1 row, 1 column',
          engine: 'local',
        },
      });
      await client.invoke('workspace.saveLayout', { projectId: MEMORY, layout: LAYOUT });
      const workspace = await client.invoke('workspace.open', { projectId: MEMORY });

      expect(workspace).toMatchObject({ mode: 'memory', tables: [], layout: LAYOUT, tabs: { tabs: [tab] } });
      expect((await client.invoke('workspace.history', { projectId: MEMORY, query: {} })).entries).toEqual([run]);
      expect(await filesUnder(root)).toEqual([]);
    });

    for (const { method, input } of ENGINE_CALLS) {
      it(`${method} on a 'memory' project is refused: its tables live in the window`, async () => {
        const rowRequests = () => platform.requests.filter((request) => request.includes('/sample') || request.includes('/query'));
        const before = rowRequests().length;

        const error = await errorOf(transport.invoke(method, { projectId: MEMORY, ...input }));

        expect(error.code).toBe('invalid_input');
        expect(error.message).toMatch(/keeps its tables in the window only/);
        expect(rowRequests()).toHaveLength(before);
        expect(await filesUnder(root)).toEqual([]);
      });
    }

    for (const { method, input, field } of INVALID) {
      it(`${method} refuses ${field} before the core sees it, and nothing is made`, async () => {
        const error = await errorOf(transport.invoke(method, input));

        expect(error.code).toBe('invalid_input');
        expect(error.message).toContain(field);
        expect(await filesUnder(root)).toEqual([]);
      });
    }

    it('bad input the store refuses changes nothing: a duplicate name, a closed tab, a missing saved query', async () => {
      await client.invoke('workspace.saveTab', { projectId: DISK, tab: { id: 'tab-a', sql: 'SELECT 1' } });
      const saved = await client.invoke('workspace.saveQuery', { projectId: DISK, query: { name: 'Counts', sql: 'SELECT 1' } });
      const before = await client.invoke('workspace.open', { projectId: DISK });

      const taken = await errorOf(client.invoke('workspace.saveQuery', { projectId: DISK, query: { name: 'COUNTS', sql: 'SELECT 2' } }));
      const notOpen = await errorOf(client.invoke('workspace.moveTab', { projectId: DISK, move: { id: 'tab-z', position: 0 } }));
      const gone = await errorOf(client.invoke('workspace.deleteQuery', { projectId: DISK, id: randomUUID() }));
      const noTable = await errorOf(client.invoke('workspace.drop', { projectId: DISK, table: 'no_such_table' }));

      expect([taken.code, notOpen.code, gone.code]).toEqual(['invalid_input', 'not_found', 'not_found']);
      expect(['invalid_input', 'not_found']).toContain(noTable.code);
      expect(await client.invoke('workspace.open', { projectId: DISK })).toEqual(before);
      expect(before.saved).toEqual([saved]);
    });

    it('a project the user is not a member of is not_found, and no folder is made for it', async () => {
      for (const projectId of [LOCKED_PROJECT_ID, 'no-such-project']) {
        const error = await errorOf(client.invoke('workspace.saveTab', { projectId, tab: { id: 't', sql: 'SELECT 1' } }));

        expect(error.code).toBe('not_found');
        expect(error.message).toBe(`There is no project "${projectId}" among yours.`);
      }
      expect(await filesUnder(root)).toEqual([]);
    });

    it('every workspace method is refused while locked, an open workspace included', async () => {
      await client.invoke('workspace.saveTab', { projectId: DISK, tab: { id: 'tab-a', sql: 'SELECT 1' } });
      await client.invoke('session.lock', {});

      for (const method of ['workspace.open', 'workspace.tables', 'workspace.history'] as const) {
        expect(
          (await errorOf(transport.invoke(method, { projectId: DISK, ...(method === 'workspace.history' ? { query: {} } : {}) }))).code,
        ).toBe('locked');
      }
      const save = await errorOf(client.invoke('workspace.saveTab', { projectId: DISK, tab: { id: 'tab-a', sql: 'SELECT 2' } }));
      expect(save.code).toBe('locked');

      await signIn();
      const workspace = await client.invoke('workspace.open', { projectId: DISK });
      expect(workspace.tabs.tabs.map((tab) => tab.sql)).toEqual(['SELECT 1']);
    });

    it('a query running when the lock comes is stopped, and recorded as cancelled', async () => {
      await client.invoke('workspace.open', { projectId: DISK });
      const id = randomUUID();
      const sql = 'SELECT sum(a.range * b.range) FROM range(100000000) a, range(100000000) b';
      const started = nextRun();
      const stopped = errorOf(transport.invoke('workspace.run', { projectId: DISK, sql }, { id, signal: new AbortController().signal }));
      // At the moment it reaches the engine: the lock stops it wherever it has got to.
      await started;

      await client.invoke('session.lock', {});

      expect((await stopped).code).toBe('cancelled');
      await signIn();
      const history = await client.invoke('workspace.history', { projectId: DISK, query: {} });
      expect(history.entries[0]).toMatchObject({ sql, outcome: 'cancelled' });
    });

    it('removeLocalData closes the workspace first, removes its files and says which', async () => {
      await client.invoke('workspace.run', { projectId: DISK, sql: 'CREATE TABLE t AS SELECT 1 AS x' });
      await client.invoke('workspace.saveTab', { projectId: DISK, tab: { id: 'tab-a', sql: 'SELECT 1' } });

      const tables = await client.invoke('workspace.removeLocalData', { projectId: DISK, scope: 'tables' });
      const after = await client.invoke('workspace.open', { projectId: DISK });
      const everything = await client.invoke('workspace.removeLocalData', { projectId: DISK, scope: 'everything' });

      expect(tables.removed.length).toBeGreaterThan(0);
      expect(tables.summary).toMatch(/^Removed \d+ files? \(.+\) of this project's local tables: /);
      expect(tables.removed.map((file) => file.name).some((name) => name.endsWith('.duckdb'))).toBe(true);
      expect(tables.removed.map((file) => file.name).some((name) => name.startsWith('state.sqlite'))).toBe(false);
      expect(after.tables).toEqual([]);
      expect(after.tabs.tabs.map((tab) => tab.id)).toEqual(['tab-a']);
      expect(everything.removed.map((file) => file.name)).toContain('state.sqlite');
      expect(await filesUnder(root)).toEqual([]);
    });
  });
}
