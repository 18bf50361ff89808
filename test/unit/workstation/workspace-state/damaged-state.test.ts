// A state file that cannot be read is kept aside, never deleted (it may hold the only copy of someone's SQL), and a
// fresh one starts with a notice saying where the old one is. A file of a newer Enclave, or of another person or
// project, is refused and left exactly as it is.
import { copyFile, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openWorkspaceStore } from '../../../../src/workstation/workspace-state/disk-store.ts';
import { openWorkspaceFolder, type WorkspaceFolder } from '../../../../src/workstation/workspace-state/folder.ts';
import { errorOf } from '../../../support/error-of.ts';
import { pathsOpenToOthers } from '../../../support/private-tree.ts';

const OWNER = { issuer: 'https://idp.enclave.example', sub: 'analyst-1' };
const PROJECT = 'covid-outcomes';
const AT = new Date('2026-12-03T10:15:00.000Z');

let root: string;
let folder: WorkspaceFolder;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'enclave-damaged-'));
  folder = await openWorkspaceFolder({ root, owner: OWNER, projectId: PROJECT });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function savedOnce(): Promise<void> {
  const { store } = await openWorkspaceStore(folder);
  await store.saveTab({ id: 'a', sql: 'SELECT precious' });
  await store.close();
}

describe('a damaged state file', () => {
  it('that is not SQLite at all is kept aside with its exact bytes, and a fresh store starts with a notice', async () => {
    await writeFile(folder.stateFile, "this is not a database, but it is somebody's file", { mode: 0o600 });

    const opened = await openWorkspaceStore(folder, { now: () => AT });
    const tabs = await opened.store.tabs();
    await opened.store.saveTab({ id: 'b', sql: 'SELECT fresh' });
    await opened.store.close();

    const kept = path.join(folder.folder, 'state.damaged-2026-12-03T10-15-00-000Z.sqlite');
    expect(opened.notice).toBe(
      `This project's saved tabs, history and saved queries could not be read: the file was damaged. It has been kept as state.damaged-2026-12-03T10-15-00-000Z.sqlite in ${folder.folder}, and a fresh one started.`,
    );
    expect(await readFile(kept, 'utf8')).toBe("this is not a database, but it is somebody's file");
    expect(tabs).toEqual({ tabs: [], activeTabId: null });
    expect(await pathsOpenToOthers(root)).toEqual([]);
  });

  it('whose pages are corrupt is kept aside too', async () => {
    await savedOnce();
    const bytes = await readFile(folder.stateFile);
    // Keep the header, scribble over every page after the first.
    bytes.fill(0xa5, 4096);
    await writeFile(folder.stateFile, bytes);

    const opened = await openWorkspaceStore(folder, { now: () => AT });
    await opened.store.close();

    expect(opened.notice).toMatch(/could not be read: the file was damaged/);
    expect(await readdir(folder.folder)).toContain('state.damaged-2026-12-03T10-15-00-000Z.sqlite');
  });

  it('cut short by a full disk is kept aside', async () => {
    await savedOnce();
    await truncate(folder.stateFile, 1000);

    const opened = await openWorkspaceStore(folder, { now: () => AT });
    await opened.store.close();

    expect(opened.notice).not.toBeNull();
  });

  it('that is SQLite but not ours (no tables of ours) is kept aside, not used', async () => {
    const foreign = new DatabaseSync(folder.stateFile);
    foreign.exec("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('keep me')");
    foreign.close();

    const opened = await openWorkspaceStore(folder, { now: () => AT });
    await opened.store.close();
    const kept = new DatabaseSync(path.join(folder.folder, 'state.damaged-2026-12-03T10-15-00-000Z.sqlite'));
    const rows = kept.prepare('SELECT text FROM notes').all();
    kept.close();

    expect(opened.notice).not.toBeNull();
    expect(rows).toEqual([{ text: 'keep me' }]);
  });

  it('keeps with the copy what was only in the WAL when it was damaged (nothing typed is lost)', async () => {
    const { store } = await openWorkspaceStore(folder);
    await store.saveTab({ id: 'a', sql: 'SELECT only-in-the-wal' });
    // A second writer damages the file's header record while the store is open; the change is in the WAL.
    const vandal = new DatabaseSync(folder.stateFile);
    vandal.exec("UPDATE meta SET value = 'garbled' WHERE key = 'schema_version'");
    // As a crash would leave them: the main file and the WAL, before any checkpoint.
    const crashed = path.join(root, 'crashed.sqlite');
    await copyFile(folder.stateFile, crashed);
    await copyFile(`${folder.stateFile}-wal`, `${crashed}-wal`);
    vandal.close();
    await store.close();
    await copyFile(crashed, folder.stateFile);
    await copyFile(`${crashed}-wal`, `${folder.stateFile}-wal`);

    const opened = await openWorkspaceStore(folder, { now: () => AT });
    await opened.store.close();
    const kept = new DatabaseSync(path.join(folder.folder, 'state.damaged-2026-12-03T10-15-00-000Z.sqlite'), { readOnly: true });
    const rows = kept.prepare('SELECT sql FROM tabs').all();
    kept.close();

    expect(opened.notice).toMatch(/the file was damaged/);
    expect(rows).toEqual([{ sql: 'SELECT only-in-the-wal' }]);
  });
});

describe('a state file that is not damaged but not for us', () => {
  it('written by a newer Enclave is refused and left untouched', async () => {
    await savedOnce();
    const db = new DatabaseSync(folder.stateFile);
    db.exec("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
    db.close();
    const before = await readFile(folder.stateFile);

    const refused = await errorOf(openWorkspaceStore(folder));

    expect(refused.code).toBe('unavailable');
    expect(refused.message).toMatch(/written by a newer version of Enclave/);
    expect(await readFile(folder.stateFile)).toEqual(before);
    expect((await readdir(folder.folder)).some((name) => name.startsWith('state.damaged'))).toBe(false);
  });

  it("of another person (copied into this person's folder) is refused and left as it is", async () => {
    const other = await openWorkspaceFolder({ root, owner: { ...OWNER, sub: 'someone-else' }, projectId: PROJECT });
    const { store } = await openWorkspaceStore(other);
    await store.saveTab({ id: 'a', sql: 'SELECT theirs' });
    await store.close();
    await copyFile(other.stateFile, folder.stateFile);

    const refused = await errorOf(openWorkspaceStore(folder));

    expect(refused.code).toBe('forbidden');
    expect(refused.message).toBe('This workspace belongs to someone else, or to another project; Enclave will not open it.');
    expect(await readFile(folder.stateFile)).toEqual(await readFile(other.stateFile));
  });

  it('of another project of the same person is refused', async () => {
    const other = await openWorkspaceFolder({ root, owner: OWNER, projectId: 'other-project' });
    const { store } = await openWorkspaceStore(other);
    await store.close();
    await copyFile(other.stateFile, folder.stateFile);

    expect((await errorOf(openWorkspaceStore(folder))).code).toBe('forbidden');
  });

  it('whose folder was forged (not from openWorkspaceFolder, owner emptied) is refused before the file is touched', async () => {
    const forged = { ...folder, owner: { issuer: OWNER.issuer, sub: '' } } as WorkspaceFolder;

    const refused = await errorOf(openWorkspaceStore(forged));

    expect(refused.code).toBe('unauthenticated');
    expect(await readdir(folder.folder)).toEqual(['incoming', 'tmp']);
  });
});
