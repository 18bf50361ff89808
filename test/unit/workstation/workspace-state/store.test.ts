// What a project's workspace restores (issue 14, "the persisting desktop"): editor tabs saved as the analyst types,
// saved queries, searchable query history and the layout. One suite over both stores: on disk (a SQLite file in the
// project's folder, reopened as after a restart) and in memory (the 'memory' local mode: nothing on disk).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openWorkspaceStore } from '../../../../src/workstation/workspace-state/disk-store.ts';
import { openWorkspaceFolder } from '../../../../src/workstation/workspace-state/folder.ts';
import { createMemoryWorkspaces, type MemoryWorkspaces } from '../../../../src/workstation/workspace-state/memory-store.ts';
import { MAX_SQL_CHARS, MAX_TABS, type Layout } from '../../../../src/common/workspace.ts';
import type { WorkspaceStore } from '../../../../src/workstation/workspace-state/state-store.ts';
import { errorOf } from '../../../support/error-of.ts';

const OWNER = { issuer: 'https://idp.enclave.example', sub: 'analyst-1' };
const PROJECT = 'covid-outcomes';

/** Opens the store; `reopen` closes it and opens it again the way a restarted app would. */
interface Harness {
  open(options?: { historyLimit?: number; now?: () => Date }): Promise<WorkspaceStore>;
  reopen(store: WorkspaceStore): Promise<WorkspaceStore>;
  cleanUp(): Promise<void>;
}

async function diskHarness(): Promise<Harness> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'enclave-state-'));
  let settings: { historyLimit?: number; now?: () => Date } = {};
  const open = async (options = settings) => {
    settings = options;
    const folder = await openWorkspaceFolder({ root, owner: OWNER, projectId: PROJECT });
    return (await openWorkspaceStore(folder, options)).store;
  };
  return {
    open,
    reopen: async (store) => {
      await store.close();
      return open();
    },
    cleanUp: () => rm(root, { recursive: true, force: true }),
  };
}

async function memoryHarness(): Promise<Harness> {
  let workspaces: MemoryWorkspaces = createMemoryWorkspaces();
  return {
    open: async (options = {}) => {
      if (options.historyLimit !== undefined || options.now !== undefined) workspaces = createMemoryWorkspaces(options);
      return workspaces.open({ owner: OWNER, projectId: PROJECT });
    },
    reopen: async (store) => {
      await store.close();
      return workspaces.open({ owner: OWNER, projectId: PROJECT });
    },
    cleanUp: () => workspaces.closeAll(),
  };
}

const run = (
  sql: string,
  at: string,
  extra: Partial<{ outcome: 'ok' | 'error' | 'cancelled'; message: string; rows: number | null }> = {},
) => ({
  sql,
  startedAt: at,
  durationMs: 12.5,
  rows: extra.rows === undefined ? 3 : extra.rows,
  outcome: extra.outcome ?? ('ok' as const),
  message: extra.message ?? '3 rows, 2 columns',
  engine: 'local' as const,
});

describe.each([
  ['on disk', diskHarness],
  ['in memory', memoryHarness],
] as const)('the workspace store %s', (kind, makeHarness) => {
  let harness: Harness;
  let store: WorkspaceStore;

  beforeEach(async () => {
    harness = await makeHarness();
    store = await harness.open();
  });
  afterEach(async () => {
    await store.close();
    await harness.cleanUp();
  });

  it(`says where it keeps things (${kind})`, () => {
    expect(store.kind).toBe(kind === 'on disk' ? 'disk' : 'memory');
  });

  describe('editor tabs', () => {
    it('restores tabs with their SQL, titles, engines, order and the active tab after a reopen', async () => {
      await store.saveTab({ id: 'tab-a', sql: 'SELECT 1' });
      await store.saveTab({ id: 'tab-b', sql: 'SELECT * FROM admissions', title: 'Admissions', engine: 'platform' });
      await store.setActiveTab('tab-b');

      store = await harness.reopen(store);
      const restored = await store.tabs();

      expect(restored.activeTabId).toBe('tab-b');
      expect(restored.tabs.map(({ id, title, sql, engine, position }) => ({ id, title, sql, engine, position }))).toEqual([
        { id: 'tab-a', title: 'Query 1', sql: 'SELECT 1', engine: 'local', position: 0 },
        { id: 'tab-b', title: 'Admissions', sql: 'SELECT * FROM admissions', engine: 'platform', position: 1 },
      ]);
    });

    it('keeps every keystroke saved as typed: the last save wins and the title and engine stay', async () => {
      await store.saveTab({ id: 'tab-a', sql: '', title: 'Cohort', engine: 'platform' });
      for (const sql of ['S', 'SEL', 'SELECT count(*)', 'SELECT count(*) FROM patients']) await store.saveTab({ id: 'tab-a', sql });

      store = await harness.reopen(store);

      expect((await store.tabs()).tabs).toEqual([
        expect.objectContaining({ id: 'tab-a', title: 'Cohort', engine: 'platform', sql: 'SELECT count(*) FROM patients' }),
      ]);
    });

    it('keeps SQL exactly, whatever it holds (quotes, newlines, Unicode, SQL-looking text)', async () => {
      const sql = "SELECT 'O''Brien', '\u00e9\u{1F600}'\n-- '); DROP TABLE tabs; --\n\tFROM t WHERE x LIKE '%_\\%'";
      await store.saveTab({ id: 'tab-a', sql });

      store = await harness.reopen(store);

      expect((await store.tabs()).tabs[0]?.sql).toBe(sql);
    });

    it('moves a tab and renumbers the rest', async () => {
      for (const id of ['a', 'b', 'c', 'd']) await store.saveTab({ id, sql: id });

      const moved = await store.moveTab({ id: 'd', position: 1 });
      const toEnd = await store.moveTab({ id: 'a', position: 99 });

      expect(moved.tabs.map((tab) => tab.id)).toEqual(['a', 'd', 'b', 'c']);
      expect(toEnd.tabs.map((tab) => [tab.id, tab.position])).toEqual([
        ['d', 0],
        ['b', 1],
        ['c', 2],
        ['a', 3],
      ]);
    });

    it('closing the active tab makes its right-hand neighbour active, or the left one at the end', async () => {
      for (const id of ['a', 'b', 'c']) await store.saveTab({ id, sql: id });
      await store.setActiveTab('b');

      const afterB = await store.closeTab('b');
      const afterC = await store.closeTab('c');
      const afterA = await store.closeTab('a');

      expect([afterB.activeTabId, afterC.activeTabId, afterA.activeTabId]).toEqual(['c', 'a', null]);
      expect(afterA.tabs).toEqual([]);
    });

    it('does not bring back a closed tab when a save typed before the close arrives after it', async () => {
      await store.saveTab({ id: 'a', sql: 'SELECT 1' });
      await store.closeTab('a');

      const late = await errorOf(store.saveTab({ id: 'a', sql: 'SELECT 12' }));

      expect(late.code).toBe('not_found');
      expect(late.message).toMatch(/closed/);
      expect((await store.tabs()).tabs).toEqual([]);
    });

    it('refuses bad tab input with a clear error and changes nothing', async () => {
      await store.saveTab({ id: 'a', sql: 'SELECT 1', title: 'Kept' });
      const before = await store.tabs();

      const refusals = await Promise.all([
        errorOf(store.saveTab({ id: '../a', sql: 'x' })),
        errorOf(store.saveTab({ id: 'a', sql: 'x'.repeat(MAX_SQL_CHARS + 1) })),
        errorOf(store.saveTab({ id: 'a', sql: 'x', title: '   ' })),
        errorOf(store.saveTab({ id: 'a', sql: 'x', title: 'bad\u0000title' })),
        errorOf(store.saveTab({ id: 'a', sql: 'x', engine: 'spark' as 'local' })),
        errorOf(store.saveTab({ id: 'a', sql: 42 as unknown as string })),
        errorOf(store.saveTab({ id: 'a', sql: 'x', position: 3 } as unknown as { id: string; sql: string })),
        errorOf(store.moveTab({ id: 'a', position: -1 })),
        errorOf(store.moveTab({ id: 'nope', position: 0 })),
        errorOf(store.closeTab('nope')),
        errorOf(store.setActiveTab('nope')),
      ]);

      expect(refusals.map((err) => err.code)).toEqual([
        'invalid_input',
        'invalid_input',
        'invalid_input',
        'invalid_input',
        'invalid_input',
        'invalid_input',
        'invalid_input',
        'invalid_input',
        'not_found',
        'not_found',
        'not_found',
      ]);
      expect(refusals[1]?.message).toMatch(/sql: must be at most 1,000,000 characters/);
      expect(refusals[1]?.message).not.toMatch(/xxxx/);
      expect(await store.tabs()).toEqual(before);
    });

    it(`refuses a tab past ${MAX_TABS} and keeps the ones it has`, async () => {
      for (let i = 0; i < MAX_TABS; i += 1) await store.saveTab({ id: `t${i}`, sql: '' });

      const refused = await errorOf(store.saveTab({ id: 'one-too-many', sql: 'SELECT 1' }));

      expect(refused.message).toMatch(/at most 100 editor tabs/);
      expect((await store.tabs()).tabs).toHaveLength(MAX_TABS);
    });
  });

  describe('saved queries', () => {
    it('saves, lists by name, renames, replaces SQL and deletes; all of it survives a reopen', async () => {
      const cohort = await store.saveQuery({ name: 'Cohort', sql: 'SELECT 1' });
      const admissions = await store.saveQuery({ name: 'admissions by month', sql: 'SELECT 2', engine: 'platform' });
      const deaths = await store.saveQuery({ name: 'Deaths', sql: 'SELECT 3' });

      await store.changeSavedQuery({ id: cohort.id, name: 'Zeta cohort' });
      await store.changeSavedQuery({ id: admissions.id, sql: 'SELECT 22' });
      await store.deleteSavedQuery(deaths.id);
      store = await harness.reopen(store);

      expect((await store.savedQueries()).map(({ name, sql, engine }) => ({ name, sql, engine }))).toEqual([
        { name: 'admissions by month', sql: 'SELECT 22', engine: 'platform' },
        { name: 'Zeta cohort', sql: 'SELECT 1', engine: 'local' },
      ]);
    });

    it('keeps names unique in the project whatever their letter case, and overwrites nothing', async () => {
      const first = await store.saveQuery({ name: 'Cohort', sql: 'SELECT 1' });
      const other = await store.saveQuery({ name: 'Other', sql: 'SELECT 2' });

      const dupe = await errorOf(store.saveQuery({ name: '  cOHORT ', sql: 'SELECT 999' }));
      const renameOnto = await errorOf(store.changeSavedQuery({ id: other.id, name: 'COHORT' }));

      expect(dupe.code).toBe('invalid_input');
      expect(dupe.message).toBe('A saved query named "cOHORT" already exists in this project. Choose another name.');
      expect(renameOnto.code).toBe('invalid_input');
      expect(await store.savedQueries()).toEqual([first, other]);
    });

    it('lets a query be renamed to another case of its own name', async () => {
      const query = await store.saveQuery({ name: 'cohort', sql: 'SELECT 1' });

      const renamed = await store.changeSavedQuery({ id: query.id, name: 'Cohort' });

      expect(renamed.name).toBe('Cohort');
    });

    it('refuses bad input and unknown queries with a clear error and changes nothing', async () => {
      const kept = await store.saveQuery({ name: 'Kept', sql: 'SELECT 1' });

      const refusals = await Promise.all([
        errorOf(store.saveQuery({ name: '', sql: 'SELECT 1' })),
        errorOf(store.saveQuery({ name: 'x'.repeat(121), sql: 'SELECT 1' })),
        errorOf(store.saveQuery({ name: 'tab\there', sql: 'SELECT 1' })),
        errorOf(store.changeSavedQuery({ id: kept.id })),
        errorOf(store.changeSavedQuery({ id: 'not-a-uuid', name: 'New' })),
        errorOf(store.changeSavedQuery({ id: '00000000-0000-4000-8000-000000000000', name: 'New' })),
        errorOf(store.deleteSavedQuery('00000000-0000-4000-8000-000000000000')),
      ]);

      expect(refusals.map((err) => err.code)).toEqual([
        'invalid_input',
        'invalid_input',
        'invalid_input',
        'invalid_input',
        'invalid_input',
        'not_found',
        'not_found',
      ]);
      expect(refusals[0]?.message).toBe('The query cannot be saved: name: must not be empty.');
      expect(await store.savedQueries()).toEqual([kept]);
    });
  });

  describe('query history', () => {
    it('records each run (SQL, time, rows, duration, outcome, message, engine) and lists them newest first', async () => {
      await store.recordRun(run('SELECT 1', '2026-12-03T10:00:00.000Z'));
      await store.recordRun(run('SELECT broken', '2026-12-03T10:05:00.000Z', { outcome: 'error', message: 'Parser Error', rows: null }));
      // Started earlier, recorded later (a long query): it sorts by when it started.
      await store.recordRun(run('SELECT slow', '2026-12-03T09:00:00+00:00', { outcome: 'cancelled', message: 'Cancelled', rows: null }));

      store = await harness.reopen(store);
      const page = await store.history();

      expect(page.total).toBe(3);
      expect(
        page.entries.map(({ sql, startedAt, outcome, rows, message, durationMs, engine }) => ({
          sql,
          startedAt,
          outcome,
          rows,
          message,
          durationMs,
          engine,
        })),
      ).toEqual([
        {
          sql: 'SELECT broken',
          startedAt: '2026-12-03T10:05:00.000Z',
          outcome: 'error',
          rows: null,
          message: 'Parser Error',
          durationMs: 12.5,
          engine: 'local',
        },
        {
          sql: 'SELECT 1',
          startedAt: '2026-12-03T10:00:00.000Z',
          outcome: 'ok',
          rows: 3,
          message: '3 rows, 2 columns',
          durationMs: 12.5,
          engine: 'local',
        },
        {
          sql: 'SELECT slow',
          startedAt: '2026-12-03T09:00:00.000Z',
          outcome: 'cancelled',
          rows: null,
          message: 'Cancelled',
          durationMs: 12.5,
          engine: 'local',
        },
      ]);
    });

    it('orders runs started in different time zones by the instant they started', async () => {
      await store.recordRun(run('later', '2026-12-03T10:30:00+01:00'));
      await store.recordRun(run('earlier', '2026-12-03T10:00:00+01:00'));
      await store.recordRun(run('latest', '2026-12-03T09:45:00Z'));

      expect((await store.history()).entries.map((entry) => entry.sql)).toEqual(['latest', 'later', 'earlier']);
    });

    it('finds runs by text in the SQL or the message, any letter case, with % and _ taken literally', async () => {
      await store.recordRun(run('SELECT * FROM admissions', '2026-12-03T10:00:00Z'));
      await store.recordRun(run('SELECT count(*) FROM patients', '2026-12-03T10:01:00Z'));
      await store.recordRun(
        run('SELECT 1', '2026-12-03T10:02:00Z', { outcome: 'error', message: 'Catalog Error: Table admissions_2 does not exist' }),
      );
      await store.recordRun(run("SELECT '50%'", '2026-12-03T10:03:00Z'));

      const byTable = await store.history({ search: 'ADMISSIONS' });
      const underscore = await store.history({ search: 'admissions_' });
      const percent = await store.history({ search: '50%' });
      const none = await store.history({ search: 'episodes' });

      expect(byTable.entries.map((entry) => entry.sql)).toEqual(['SELECT 1', 'SELECT * FROM admissions']);
      expect(underscore.entries.map((entry) => entry.sql)).toEqual(['SELECT 1']);
      expect(percent.entries.map((entry) => entry.sql)).toEqual(["SELECT '50%'"]);
      expect(none).toEqual({ entries: [], total: 0 });
    });

    it('pages through the history with a total', async () => {
      for (let i = 0; i < 7; i += 1) await store.recordRun(run(`SELECT ${i}`, `2026-12-03T10:0${i}:00Z`));

      const first = await store.history({ limit: 3 });
      const last = await store.history({ limit: 3, offset: 6 });

      expect(first.entries.map((entry) => entry.sql)).toEqual(['SELECT 6', 'SELECT 5', 'SELECT 4']);
      expect(last).toEqual({ entries: [expect.objectContaining({ sql: 'SELECT 0' })], total: 7 });
    });

    it('keeps the newest runs up to its limit and forgets the oldest', async () => {
      await store.close();
      store = await harness.open({ historyLimit: 3 });

      for (let i = 0; i < 5; i += 1) await store.recordRun(run(`SELECT ${i}`, `2026-12-03T10:0${i}:00Z`));

      expect((await store.history()).entries.map((entry) => entry.sql)).toEqual(['SELECT 4', 'SELECT 3', 'SELECT 2']);
    });

    it('clears the history and says how many runs went', async () => {
      for (let i = 0; i < 4; i += 1) await store.recordRun(run(`SELECT ${i}`, `2026-12-03T10:0${i}:00Z`));

      expect(await store.clearHistory()).toEqual({ removed: 4 });
      expect(await store.history()).toEqual({ entries: [], total: 0 });
    });

    it('refuses a bad run record with a clear error and records nothing', async () => {
      const refusals = await Promise.all([
        errorOf(store.recordRun({ ...run('SELECT 1', 'yesterday') })),
        errorOf(store.recordRun({ ...run('', '2026-12-03T10:00:00Z') })),
        errorOf(store.recordRun({ ...run('SELECT 1', '2026-12-03T10:00:00Z'), durationMs: -1 })),
        errorOf(store.recordRun({ ...run('SELECT 1', '2026-12-03T10:00:00Z'), rows: 1.5 })),
        errorOf(store.recordRun({ ...run('SELECT 1', '2026-12-03T10:00:00Z'), outcome: 'maybe' as 'ok' })),
        errorOf(store.recordRun({ ...run('SELECT 1', '2026-12-03T10:00:00Z'), durationMs: Number.NaN })),
        errorOf(store.history({ limit: 100_000 })),
        errorOf(store.history({ search: 'x'.repeat(1_001) })),
      ]);

      expect(refusals.every((err) => err.code === 'invalid_input')).toBe(true);
      expect(refusals[0]?.message).toMatch(/^The run cannot be added to the history: startedAt: /);
      expect(await store.history()).toEqual({ entries: [], total: 0 });
    });
  });

  describe('layout', () => {
    const layout: Layout = { arrangement: 'stacked', sizes: [22, 48, 30], schemaTreeOpen: false };

    it('is null until saved, then restored after a reopen', async () => {
      expect(await store.layout()).toBeNull();

      await store.saveLayout(layout);
      store = await harness.reopen(store);

      expect(await store.layout()).toEqual(layout);
    });

    it('refuses a layout that is not the schema, and keeps the last good one', async () => {
      await store.saveLayout(layout);

      const refusals = await Promise.all(
        [
          { ...layout, arrangement: 'tiled' },
          { ...layout, sizes: [] },
          { ...layout, sizes: [1, -2] },
          { ...layout, sizes: [1, Number.POSITIVE_INFINITY] },
          { ...layout, sizes: Array.from({ length: 9 }, () => 1) },
          { ...layout, extra: '<script>' },
          { arrangement: 'stacked' },
          null,
        ].map((bad) => errorOf(store.saveLayout(bad as Layout))),
      );

      expect(refusals.every((err) => err.code === 'invalid_input' && err.message.startsWith('The layout cannot be saved: '))).toBe(true);
      expect(await store.layout()).toEqual(layout);
    });
  });

  it('refuses every call once closed, with a message a person understands', async () => {
    await store.close();

    const refused = await errorOf(store.tabs());

    expect(refused.code).toBe('unavailable');
    expect(refused.message).toBe("Reading the editor tabs failed: this project's workspace has been closed.");
    store = await harness.open();
  });
});
