// Projects whose local mode is 'memory' ("nothing on this computer's disk"): the same store, kept for the app's
// lifetime and never written to a file. (The shared behaviour is in ./store.test.ts, over both stores.)
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryWorkspaces, type MemoryWorkspaces } from '../../../../src/workstation/workspace-state/memory-store.ts';
import { errorOf } from '../../../support/error-of.ts';

const ALICE = { issuer: 'https://idp.enclave.example', sub: 'alice' };
const BOB = { issuer: 'https://idp.enclave.example', sub: 'bob' };
const PROJECT = 'opt-out-monitoring';

let workspaces: MemoryWorkspaces;
let scratch: string;
let cwd: string;

beforeEach(async () => {
  workspaces = createMemoryWorkspaces();
  // Run from an empty folder: a store that wrote a file by a relative name would leave it here.
  scratch = await mkdtemp(path.join(os.tmpdir(), 'enclave-memory-'));
  cwd = process.cwd();
  process.chdir(scratch);
});
afterEach(async () => {
  process.chdir(cwd);
  await workspaces.closeAll();
  await rm(scratch, { recursive: true, force: true });
});

describe('the memory store', () => {
  it('keeps tabs, history, saved queries and layout across closing and reopening in the same run', async () => {
    const first = await workspaces.open({ owner: ALICE, projectId: PROJECT });
    await first.saveTab({ id: 'a', sql: 'SELECT 1' });
    await first.saveQuery({ name: 'One', sql: 'SELECT 1' });
    await first.recordRun({ sql: 'SELECT 1', startedAt: '2026-12-03T10:00:00Z', durationMs: 1, rows: 1, outcome: 'ok', engine: 'local' });
    await first.saveLayout({ arrangement: 'side-by-side', sizes: [1, 2], schemaTreeOpen: true });
    await first.close();

    const again = await workspaces.open({ owner: ALICE, projectId: PROJECT });

    expect((await again.tabs()).tabs.map((tab) => tab.sql)).toEqual(['SELECT 1']);
    expect((await again.savedQueries()).map((query) => query.name)).toEqual(['One']);
    expect((await again.history()).total).toBe(1);
    expect(await again.layout()).toEqual({ arrangement: 'side-by-side', sizes: [1, 2], schemaTreeOpen: true });
    await again.close();
  });

  it('writes no file, even after enough runs to sort and search', async () => {
    const store = await workspaces.open({ owner: ALICE, projectId: PROJECT });
    for (let i = 0; i < 200; i += 1) {
      await store.recordRun({
        sql: `SELECT ${i}`,
        startedAt: new Date(Date.UTC(2026, 11, 3, 10, 0, i % 60, i)).toISOString(),
        durationMs: 1,
        rows: 1,
        outcome: 'ok',
        engine: 'local',
      });
    }
    await store.history({ search: 'SELECT 1' });
    await store.close();

    expect(await readdir(scratch)).toEqual([]);
  });

  it('gives each person and project a store of their own', async () => {
    const alice = await workspaces.open({ owner: ALICE, projectId: PROJECT });
    await alice.saveTab({ id: 'a', sql: 'SELECT alice' });

    const bob = await workspaces.open({ owner: BOB, projectId: PROJECT });
    const otherProject = await workspaces.open({ owner: ALICE, projectId: 'covid' });

    expect((await bob.tabs()).tabs).toEqual([]);
    expect((await otherProject.tabs()).tabs).toEqual([]);
    for (const store of [alice, bob, otherProject]) await store.close();
  });

  it('forgets a project on removal, but not while its workspace is open', async () => {
    const store = await workspaces.open({ owner: ALICE, projectId: PROJECT });
    await store.saveTab({ id: 'a', sql: 'SELECT 1' });

    const refused = await errorOf(workspaces.remove({ owner: ALICE, projectId: PROJECT }));
    await store.close();
    const removed = await workspaces.remove({ owner: ALICE, projectId: PROJECT });
    const again = await workspaces.remove({ owner: ALICE, projectId: PROJECT });
    const fresh = await workspaces.open({ owner: ALICE, projectId: PROJECT });

    expect(refused.message).toBe("Close this project's workspace before removing its local data; nothing was removed.");
    expect([removed, again]).toEqual([{ removed: true }, { removed: false }]);
    expect((await fresh.tabs()).tabs).toEqual([]);
    await fresh.close();
  });

  it('refuses to open without a signed-in person or with a path for a project id', async () => {
    const codes = await Promise.all(
      [
        { owner: null, projectId: PROJECT },
        { owner: { issuer: ALICE.issuer }, projectId: PROJECT },
        { owner: ALICE, projectId: '../covid' },
      ].map((input) => errorOf(workspaces.open(input)).then((err) => err.code)),
    );

    expect(codes).toEqual(['unauthenticated', 'unauthenticated', 'invalid_input']);
  });
});
