// Whose workspace it is, on the real parts: the workstation core (session, workspace service, native DuckDB and the
// state store in a temp folder) signed in through the real platform's embedded identity provider. Sign-out closes a
// workspace and leaves its files for the same person; another person signing in on the same computer gets their own,
// empty one; a project that is not theirs is refused before anything is made; removal says what it removed.
// SATRE 1.4.04 (deleting a project's data), 2.2.x (access only for the project's members).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from '../../../src/common/client.ts';
import type { LocalEngine } from '../../../src/common/local-engine.ts';
import { createWorkstationCore, type WorkstationCore } from '../../../src/workstation/core.ts';
import { createInProcessTransport } from '../../../src/workstation/in-process-transport.ts';
import { openNativeEngine } from '../../../src/workstation/workspace/native-engine.ts';
import { ownerFolderName } from '../../../src/workstation/workspace-state/owner.ts';
import { errorOf } from '../../support/error-of.ts';
import { createPlatformFixture, startPlatform, type PlatformFixture, type RunningPlatform } from '../identity/support.ts';
import { playSignIn } from './play-browser.ts';

/** Both analysts are members of it; its local tables are kept on disk. */
const SHARED = 'cardio-admissions';

let fixture: PlatformFixture;
let platform: RunningPlatform;
let root: string;
let core: WorkstationCore;
let client: Client;

async function signIn(username: string): Promise<void> {
  const { authorizationUrl } = await client.invoke('session.signIn', {});
  expect((await playSignIn({ authorizationUrl, platformUrl: platform.url, username })).status).toBe(200);
  expect((await client.invoke('session.get', {})).user?.id).toBe(username);
}

/** The workspace folder of a person and project, as the core names it (a hash of issuer and sub). */
function folderOf(sub: string, projectId: string): string {
  return path.join(root, ownerFolderName({ issuer: platform.issuer, sub }), projectId);
}

/** Resolves when the next native engine has closed (the engine is real; the test only hears when). */
let engineClosed: (() => void) | null = null;
function nextEngineClose(): Promise<void> {
  return new Promise((resolve) => (engineClosed = resolve));
}

function announceClose(engine: LocalEngine): LocalEngine {
  return new Proxy(engine, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      if (property !== 'close') return (value as (...args: unknown[]) => unknown).bind(target);
      return async () => {
        await engine.close();
        engineClosed?.();
      };
    },
  });
}

async function filesIn(folder: string): Promise<string[]> {
  return (await readdir(folder, { recursive: true }).catch(() => [])).map(String).sort();
}

beforeAll(async () => {
  fixture = await createPlatformFixture();
  platform = await startPlatform({ fixture });
  root = await mkdtemp(path.join(tmpdir(), 'enclave-workspace-people-'));
  core = createWorkstationCore({
    platformUrl: platform.url,
    healthIntervalMs: 3_600_000,
    tokenStore: 'memory',
    workspaces: { root, openEngine: async (folder) => announceClose(await openNativeEngine({ dir: folder.folder })) },
  });
  client = createClient(createInProcessTransport(core));
}, 120_000);

afterAll(async () => {
  core?.close();
  await core?.closed();
  await platform?.stop();
  await fixture?.cleanup();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("a person's workspace", () => {
  it('sign-out closes it and keeps its files; another person gets their own, empty one; the first finds theirs again', async () => {
    await signIn('demo-analyst');
    await client.invoke('workspace.saveTab', { projectId: SHARED, tab: { id: 'ada-1', sql: 'SELECT count(*) FROM episodes' } });
    await client.invoke('workspace.loadSample', {
      projectId: SHARED,
      datasetId: 'hospital_episodes',
      limit: 10,
      table: 'episodes',
      replace: false,
    });
    const closed = nextEngineClose();

    await client.invoke('session.signOut', {});
    await closed;

    // The files stay, private, in Ada's folder.
    expect(await filesIn(folderOf('demo-analyst', SHARED))).toEqual(expect.arrayContaining(['state.sqlite']));
    expect((await filesIn(folderOf('demo-analyst', SHARED))).some((name) => name.endsWith('.duckdb'))).toBe(true);
    expect((await errorOf(client.invoke('workspace.open', { projectId: SHARED }))).code).toBe('unauthenticated');

    await signIn('demo-analyst-2');
    const bens = await client.invoke('workspace.open', { projectId: SHARED });
    const bensRun = await errorOf(client.invoke('workspace.run', { projectId: SHARED, sql: 'SELECT * FROM episodes' }));

    expect(bens).toMatchObject({ mode: 'disk', tabs: { tabs: [], activeTabId: null }, saved: [], tables: [], layout: null });
    expect(bensRun.code).toBe('invalid_input');
    expect(await filesIn(folderOf('demo-analyst-2', SHARED))).toContain('state.sqlite');

    await client.invoke('session.signOut', {});
    await signIn('demo-analyst');
    const adas = await client.invoke('workspace.open', { projectId: SHARED });

    expect(adas.tabs.tabs.map((tab) => tab.sql)).toEqual(['SELECT count(*) FROM episodes']);
    expect(adas.tables.map((table) => [table.name, table.rows])).toEqual([['episodes', 3]]);
    expect((await client.invoke('workspace.history', { projectId: SHARED, query: {} })).total).toBe(0);
    await client.invoke('session.signOut', {});
  });

  it("switching project never shows or reaches another project's tables: each has its own database", async () => {
    await signIn('demo-analyst');
    await client.invoke('workspace.run', { projectId: 'covid-outcomes', sql: 'CREATE TABLE only_in_covid AS SELECT 1 AS x' });

    const cardio = await client.invoke('workspace.open', { projectId: SHARED });
    const reach = await errorOf(client.invoke('workspace.run', { projectId: SHARED, sql: 'SELECT * FROM only_in_covid' }));
    const attach = await errorOf(
      client.invoke('workspace.run', {
        projectId: SHARED,
        sql: `ATTACH '${folderOf('demo-analyst', 'covid-outcomes')}/workspace.duckdb' AS c`,
      }),
    );

    expect(cardio.tables.map((table) => table.name)).not.toContain('only_in_covid');
    expect(reach.code).toBe('invalid_input');
    expect(['forbidden', 'invalid_input']).toContain(attach.code);
    expect((await client.invoke('workspace.tables', { projectId: 'covid-outcomes' })).map((table) => table.name)).toContain(
      'only_in_covid',
    );
    await client.invoke('session.signOut', {});
  });

  it('a project the person is not a member of is not_found, and nothing is made for it', async () => {
    await signIn('demo-analyst');

    // opt-out-monitoring is Ben's and the admin's, not Ada's.
    for (const method of ['workspace.open', 'workspace.tables'] as const) {
      const error = await errorOf(client.invoke(method, { projectId: 'opt-out-monitoring' }));
      expect(error).toMatchObject({ code: 'not_found', message: 'There is no project "opt-out-monitoring" among yours.' });
    }
    expect(await filesIn(folderOf('demo-analyst', 'opt-out-monitoring'))).toEqual([]);
    await expect(readdir(folderOf('demo-analyst', 'opt-out-monitoring'))).rejects.toMatchObject({ code: 'ENOENT' });
    await client.invoke('session.signOut', {});
  });

  it("a 'memory' project keeps its tabs in memory only: nothing of it on disk, and its tables are the window's", async () => {
    await signIn('demo-analyst-2');

    await client.invoke('workspace.saveTab', { projectId: 'opt-out-monitoring', tab: { id: 'ben-1', sql: 'SELECT 1' } });
    const workspace = await client.invoke('workspace.open', { projectId: 'opt-out-monitoring' });
    const load = await errorOf(
      client.invoke('workspace.loadSample', {
        projectId: 'opt-out-monitoring',
        datasetId: 'national_opt_outs',
        limit: 5,
        table: 'o',
        replace: false,
      }),
    );

    expect(workspace).toMatchObject({ mode: 'memory', tables: [] });
    expect(workspace.tabs.tabs.map((tab) => tab.id)).toEqual(['ben-1']);
    expect(load.code).toBe('invalid_input');
    await expect(readdir(folderOf('demo-analyst-2', 'opt-out-monitoring'))).rejects.toMatchObject({ code: 'ENOENT' });
    await client.invoke('session.signOut', {});
  });

  it("removal closes the workspace, deletes the person's files of the project, says which, and leaves the other person's", async () => {
    await signIn('demo-analyst');
    await client.invoke('workspace.open', { projectId: SHARED });
    const before = await filesIn(folderOf('demo-analyst', SHARED));

    const removed = await client.invoke('workspace.removeLocalData', { projectId: SHARED, scope: 'everything' });

    const names = removed.removed.map((file) => file.name);
    expect(names).toEqual(expect.arrayContaining(['state.sqlite']));
    expect(names.some((name) => name.endsWith('.duckdb'))).toBe(true);
    expect(names.every((name) => before.includes(name))).toBe(true);
    expect(removed.bytes).toBe(removed.removed.reduce((sum, file) => sum + file.bytes, 0));
    expect(removed.summary).toMatch(/^Removed \d+ files \(.+\) of this project's local data: /);
    await expect(readdir(folderOf('demo-analyst', SHARED))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await filesIn(folderOf('demo-analyst-2', SHARED))).toContain('state.sqlite');
    // Opening it again starts afresh.
    expect(await client.invoke('workspace.open', { projectId: SHARED })).toMatchObject({ tabs: { tabs: [] }, tables: [] });
    await client.invoke('session.signOut', {});
  });
});
