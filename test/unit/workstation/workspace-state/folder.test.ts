// Where a workspace lives: one folder per person (a hash of issuer and sub: no identifier in a path) and project,
// 0700 folders and 0600 files whatever the umask, refused when linked, another OS user's, or open to others.
// SATRE 2.1.14 (users and data of different projects kept apart), 2.8.01 (data at rest: see the README).
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openWorkspaceStore } from '../../../../src/workstation/workspace-state/disk-store.ts';
import { openWorkspaceFolder, workspacePaths } from '../../../../src/workstation/workspace-state/folder.ts';
import { errorOf } from '../../../support/error-of.ts';
import { otherUser } from '../../../support/other-user.ts';
import { pathsOpenToOthers } from '../../../support/private-tree.ts';

const ALICE = { issuer: 'https://idp.enclave.example', sub: 'alice-0001' };
const BOB = { issuer: 'https://idp.enclave.example', sub: 'bob-0002' };
const PROJECT = 'covid-outcomes';

let root: string;
let previousUmask: number;

beforeAll(() => {
  // The most open umask a caller can have: only the code's own modes keep the files private.
  previousUmask = process.umask(0);
});
afterAll(() => {
  process.umask(previousUmask);
});
beforeEach(async () => {
  root = path.join(await mkdtemp(path.join(os.tmpdir(), 'enclave-folder-')), 'workspaces');
});
afterEach(async () => {
  await rm(path.dirname(root), { recursive: true, force: true });
});

describe('opening a project folder', () => {
  it('creates <root>/<hash of issuer and sub>/<project>/ with tmp/ and incoming/, and paths for the engine and the state', async () => {
    const folder = await openWorkspaceFolder({ root, owner: ALICE, projectId: PROJECT });

    expect(path.relative(root, folder.folder)).toMatch(/^u-[0-9a-f]{32}\/covid-outcomes$/);
    expect(folder).toMatchObject({
      owner: ALICE,
      projectId: PROJECT,
      database: path.join(folder.folder, 'local.duckdb'),
      tmpDir: path.join(folder.folder, 'tmp'),
      incomingDir: path.join(folder.folder, 'incoming'),
      stateFile: path.join(folder.folder, 'state.sqlite'),
      tightened: [],
    });
    expect((await readdir(folder.folder)).sort()).toEqual(['incoming', 'tmp']);
  });

  it('puts no identifier of the person in any path', async () => {
    const owner = { issuer: 'https://login.nhs.example/realms/tre', sub: 'ada.lovelace@nhs.example' };

    const folder = await openWorkspaceFolder({ root, owner, projectId: PROJECT });

    expect(folder.folder).not.toMatch(/ada|lovelace|nhs|login|realms/);
  });

  it('makes every folder 0700 and the state files 0600 under umask 000', async () => {
    const folder = await openWorkspaceFolder({ root, owner: ALICE, projectId: PROJECT });
    const { store } = await openWorkspaceStore(folder);
    await store.saveTab({ id: 'a', sql: 'SELECT 1' });

    const whileOpen = await pathsOpenToOthers(root);
    const names = await readdir(folder.folder);
    await store.close();

    expect(names).toEqual(expect.arrayContaining(['state.sqlite', 'state.sqlite-wal', 'state.sqlite-shm']));
    expect(whileOpen).toEqual([]);
    expect(await pathsOpenToOthers(root)).toEqual([]);
    for (const dir of [root, path.dirname(folder.folder), folder.folder, folder.tmpDir, folder.incomingDir]) {
      expect(((await lstat(dir)).mode & 0o777).toString(8)).toBe('700');
    }
    expect(((await lstat(folder.stateFile)).mode & 0o777).toString(8)).toBe('600');
  });

  it('tightens files the engine left open inside the private folder, and says which', async () => {
    const first = await openWorkspaceFolder({ root, owner: ALICE, projectId: PROJECT });
    // DuckDB creates its files with the process's umask (0644 here).
    await writeFile(first.database, 'duckdb', { mode: 0o644 });
    await writeFile(path.join(first.tmpDir, 'spill.block'), 'x', { mode: 0o666 });
    await chmod(first.incomingDir, 0o755);

    const again = await openWorkspaceFolder({ root, owner: ALICE, projectId: PROJECT });

    expect(again.tightened).toEqual(['incoming', 'local.duckdb', 'tmp/spill.block']);
    expect(await pathsOpenToOthers(root)).toEqual([]);
  });

  it("gives another person the same project in a folder of their own, where the first person's tabs are not", async () => {
    const alice = await openWorkspaceFolder({ root, owner: ALICE, projectId: PROJECT });
    const aliceStore = (await openWorkspaceStore(alice)).store;
    await aliceStore.saveTab({ id: 'a', sql: "SELECT * FROM patients WHERE nhs_number = '9990000018'" });
    await aliceStore.close();

    const bob = await openWorkspaceFolder({ root, owner: BOB, projectId: PROJECT });
    const bobStore = (await openWorkspaceStore(bob)).store;
    const bobTabs = await bobStore.tabs();
    await bobStore.close();

    expect(path.dirname(bob.folder)).not.toBe(path.dirname(alice.folder));
    expect(bob.stateFile).not.toBe(alice.stateFile);
    expect(bobTabs).toEqual({ tabs: [], activeTabId: null });
  });

  it('tells apart the same sub at two issuers, and issuer/sub pairs that would join to the same text', async () => {
    const names = [
      { issuer: 'https://idp-a.example', sub: 'same' },
      { issuer: 'https://idp-b.example', sub: 'same' },
      { issuer: 'https://idp.example/a', sub: 'b' },
      { issuer: 'https://idp.example/', sub: 'ab' },
    ].map((owner) => path.basename(workspacePaths({ root, owner, projectId: PROJECT }).ownerFolder));

    expect(new Set(names).size).toBe(4);
  });

  it('refuses to open without a signed-in person, or with a project id that is a path', async () => {
    const cases: Array<[unknown, unknown, string]> = [
      [undefined, PROJECT, 'unauthenticated'],
      [{ issuer: ALICE.issuer }, PROJECT, 'unauthenticated'],
      [{ issuer: ALICE.issuer, sub: '' }, PROJECT, 'unauthenticated'],
      [{ issuer: ALICE.issuer, sub: 'a\nb' }, PROJECT, 'unauthenticated'],
      [{ issuer: ALICE.issuer, sub: 'x'.repeat(256) }, PROJECT, 'unauthenticated'],
      [{ issuer: 'http://idp.enclave.example', sub: 'alice' }, PROJECT, 'unauthenticated'],
      [{ issuer: 'not a url', sub: 'alice' }, PROJECT, 'unauthenticated'],
      [{ ...ALICE, userId: 'alice' }, PROJECT, 'unauthenticated'],
      [ALICE, '..', 'invalid_input'],
      [ALICE, '../other', 'invalid_input'],
      [ALICE, '.', 'invalid_input'],
      [ALICE, 'a/b', 'invalid_input'],
      [ALICE, '/etc', 'invalid_input'],
      [ALICE, '', 'invalid_input'],
      [ALICE, 'Covid', 'invalid_input'],
      [ALICE, 42, 'invalid_input'],
    ];

    const codes = await Promise.all(
      cases.map(([owner, projectId]) => errorOf(openWorkspaceFolder({ root, owner, projectId })).then((err) => err.code)),
    );

    expect(codes).toEqual(cases.map(([, , code]) => code));
    await expect(lstat(root)).rejects.toThrow(/ENOENT/);
  });

  it('accepts the embedded demo identity provider on loopback http', async () => {
    const folder = await openWorkspaceFolder({
      root,
      owner: { issuer: 'http://127.0.0.1:4100/oidc', sub: 'demo-analyst' },
      projectId: PROJECT,
    });

    expect(folder.projectId).toBe(PROJECT);
  });
});

describe('attacks on the folders', () => {
  it("refuses a project folder that is a symbolic link (to somewhere else of this user's)", async () => {
    const { ownerFolder, folder } = workspacePaths({ root, owner: ALICE, projectId: PROJECT });
    const elsewhere = path.join(path.dirname(root), 'elsewhere');
    await mkdir(elsewhere, { mode: 0o700 });
    await mkdir(ownerFolder, { recursive: true, mode: 0o700 });
    await symlink(elsewhere, folder);

    const refused = await errorOf(openWorkspaceFolder({ root, owner: ALICE, projectId: PROJECT }));

    expect(refused.code).toBe('unavailable');
    expect(refused.message).toMatch(/covid-outcomes: it is a symbolic link/);
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('refuses a person folder that is a symbolic link', async () => {
    const { ownerFolder } = workspacePaths({ root, owner: ALICE, projectId: PROJECT });
    const elsewhere = path.join(path.dirname(root), 'elsewhere');
    await mkdir(elsewhere, { mode: 0o700 });
    await mkdir(root, { mode: 0o700 });
    await symlink(elsewhere, ownerFolder);

    const refused = await errorOf(openWorkspaceFolder({ root, owner: ALICE, projectId: PROJECT }));

    expect(refused.message).toMatch(/it is a symbolic link/);
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('refuses a database file that is a symbolic link (the engine would write where it points)', async () => {
    const first = await openWorkspaceFolder({ root, owner: ALICE, projectId: PROJECT });
    const outside = path.join(path.dirname(root), 'outside.duckdb');
    await writeFile(outside, '', { mode: 0o600 });
    await symlink(outside, first.database);

    const refused = await errorOf(openWorkspaceFolder({ root, owner: ALICE, projectId: PROJECT }));

    expect(refused.message).toBe(
      `Enclave will not use the workspace folder ${first.database}: it is a symbolic link, and the workspace keeps its files only in its own folder. Move it away and open the project again.`,
    );
  });

  it('refuses folders that others can open, and says how to fix it', async () => {
    const first = await openWorkspaceFolder({ root, owner: ALICE, projectId: PROJECT });
    await chmod(first.folder, 0o755);

    const project = await errorOf(openWorkspaceFolder({ root, owner: ALICE, projectId: PROJECT }));
    await chmod(first.folder, 0o700);
    await chmod(root, 0o777);
    const rootOpen = await errorOf(openWorkspaceFolder({ root, owner: ALICE, projectId: PROJECT }));

    expect(project.message).toBe(
      `Enclave will not use the workspace folder ${first.folder}: other users can open it (mode 0755). Run \`chmod -R go= ${first.folder}\` and open the project again.`,
    );
    expect(rootOpen.message).toMatch(/other users can open it \(mode 0777\)/);
  });

  const other = otherUser();
  if (typeof other === 'string') console.log(`Skipping the attacks with folders of another OS user: ${other}`);

  describe.skipIf(typeof other === 'string')('folders and files of another OS user', () => {
    const them = other as Exclude<typeof other, string>;

    it('refuses a project folder that another OS user owns (they could read and plant files)', async () => {
      const first = await openWorkspaceFolder({ root, owner: ALICE, projectId: PROJECT });
      await chown(first.folder, them.uid, them.gid);

      const refused = await errorOf(openWorkspaceFolder({ root, owner: ALICE, projectId: PROJECT }));

      expect(refused.message).toBe(
        `Enclave will not use the workspace folder ${first.folder}: it belongs to another OS user. Move it away, or give it to your own OS user, and open the project again.`,
      );
    });

    it('refuses a root that another OS user owns', async () => {
      await mkdir(root, { mode: 0o700 });
      await chown(root, them.uid, them.gid);

      const refused = await errorOf(openWorkspaceFolder({ root, owner: ALICE, projectId: PROJECT }));

      expect(refused.message).toMatch(/it belongs to another OS user/);
      expect(await readdir(root)).toEqual([]);
    });

    it('refuses a file inside the project folder that another OS user owns', async () => {
      const first = await openWorkspaceFolder({ root, owner: ALICE, projectId: PROJECT });
      await writeFile(first.database, 'planted', { mode: 0o600 });
      await chown(first.database, them.uid, them.gid);

      const refused = await errorOf(openWorkspaceFolder({ root, owner: ALICE, projectId: PROJECT }));

      expect(refused.message).toMatch(/local\.duckdb: it belongs to another OS user/);
    });
  });
});
