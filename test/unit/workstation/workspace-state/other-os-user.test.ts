// Another user of the same computer (the attacker of a multi-user secure desktop) runs code of their own as their
// own OS user: they can neither list the workspaces, nor open a person's folder, nor read the engine's database or
// the state file (tabs with SQL, query history). The kernel decides, not this code. SATRE 2.1.14.
import { chmod, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkspaceStore } from '../../../../src/workstation/workspace-state/disk-store.ts';
import { openWorkspaceFolder, sealWorkspaceFolder, type WorkspaceFolder } from '../../../../src/workstation/workspace-state/folder.ts';
import { otherUser, runNodeAsOtherUser } from '../../../support/other-user.ts';

const user = otherUser();
if (typeof user === 'string') console.log(`Skipping another OS user's attempts on a workspace: ${user}`);

describe.skipIf(typeof user === 'string')('another OS user on the same computer', () => {
  let base: string;
  let root: string;
  let folder: WorkspaceFolder;

  beforeAll(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'enclave-other-user-'));
    // Others may pass through the parent: the workspace's own modes are the only barrier.
    await chmod(base, 0o755);
    root = path.join(base, 'workspaces');
    folder = await openWorkspaceFolder({ root, owner: { issuer: 'https://idp.enclave.example', sub: 'analyst-1' }, projectId: 'covid' });
    const { store } = await openWorkspaceStore(folder);
    await store.saveTab({ id: 'a', sql: "SELECT * FROM patients WHERE nhs_number = '9990000018'" });
    await store.close();
    // The engine's stand-in writes with the test's umask, as DuckDB does, then seals the folder as the engine must.
    await writeFile(folder.database, 'local tables', { mode: 0o644 });
    expect(await sealWorkspaceFolder(folder)).toEqual(['local.duckdb']);
  });
  afterAll(async () => {
    if (base !== undefined) await rm(base, { recursive: true, force: true });
  });

  /** What the other user manages with each path: 'read', or the error that stopped them. */
  async function probe(paths: { root: string; ownerFolder: string; database: string; state: string }): Promise<string[]> {
    const run = await runNodeAsOtherUser(
      user as Exclude<typeof user, string>,
      `
      import { readFileSync, readdirSync } from 'node:fs';
      const paths = ${JSON.stringify(paths)};
      const tryIt = (what, run) => { try { run(); return what + ': read'; } catch (err) { return what + ': ' + err.code; } };
      console.log([
        tryIt('list root', () => readdirSync(paths.root)),
        tryIt('list person', () => readdirSync(paths.ownerFolder)),
        tryIt('database', () => readFileSync(paths.database)),
        tryIt('state', () => readFileSync(paths.state)),
      ].join('\\n'));
      `,
    );
    expect(run.stderr).toBe('');
    return run.stdout.trim().split('\n');
  }

  const pathsIn = (at: string) => {
    const relative = (file: string) => path.join(at, path.relative(root, file));
    return {
      root: at,
      ownerFolder: relative(path.dirname(folder.folder)),
      database: relative(folder.database),
      state: relative(folder.stateFile),
    };
  };

  it("cannot list the workspaces or a person's folder, nor read the database or the state file", async () => {
    expect(await probe(pathsIn(root))).toEqual(['list root: EACCES', 'list person: EACCES', 'database: EACCES', 'state: EACCES']);
  });

  it('still cannot read the database or the state file if the folders were opened by mistake (0600 files)', async () => {
    const copy = pathsIn(path.join(base, 'folders-open'));
    await cp(root, copy.root, { recursive: true });
    for (const dir of [copy.root, copy.ownerFolder, path.dirname(copy.database)]) await chmod(dir, 0o755);

    expect(await probe(copy)).toEqual(['list root: read', 'list person: read', 'database: EACCES', 'state: EACCES']);
  });

  it('could read all of it if the modes were open (the probe itself works)', async () => {
    const copy = pathsIn(path.join(base, 'open-copy'));
    await cp(root, copy.root, { recursive: true });
    for (const dir of [copy.root, copy.ownerFolder, path.dirname(copy.database)]) await chmod(dir, 0o755);
    for (const file of [copy.database, copy.state]) await chmod(file, 0o644);

    expect(await probe(copy)).toEqual(['list root: read', 'list person: read', 'database: read', 'state: read']);
  });
});
