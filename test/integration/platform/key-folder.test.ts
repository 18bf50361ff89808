// The identity keys folder every instance on one PostgreSQL database shares (issue 19 C.2, src/platform/key-folder.ts):
// made once by `enclave platform keys create` (0700, four 0600 files), only read by the platform, which refuses a folder
// others could write, a file others could read or that another user owns, a missing or damaged file; rotated by the
// operator in three steps; and its fingerprint (never a key) recorded in the database at the first start.
import { chmod, chown, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPlatformKeys } from '../../../src/cli/platform-keys.ts';
import {
  createKeyFolder,
  describeFingerprint,
  KEY_FOLDER_FILES,
  readKeyFolder,
  rotateKeyFolder,
} from '../../../src/platform/key-folder.ts';
import { otherUser } from '../../support/other-user.ts';
import { captureCli } from './serve-process.ts';

const mode = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;

describe('the identity keys folder', () => {
  let parent: string;
  let folder: string;

  beforeEach(async () => {
    parent = await mkdtemp(path.join(os.tmpdir(), 'enclave-key-folder-'));
    folder = path.join(parent, 'keys');
  });

  afterEach(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('is made once, 0700 with four 0600 files, and a second create writes nothing', async () => {
    const made = await captureCli(runPlatformKeys, ['create', '--identity-keys-dir', folder]);
    expect(made.code, made.stderr).toBe(0);
    expect((await readdir(folder)).sort()).toEqual([...KEY_FOLDER_FILES].sort());
    expect(await mode(folder)).toBe(0o700);
    for (const name of KEY_FOLDER_FILES) expect(await mode(path.join(folder, name))).toBe(0o600);
    const keys = await readKeyFolder(folder);
    // What it prints is the fingerprint: no key, whole or in part.
    expect(made.stdout).toContain(describeFingerprint(keys.fingerprint));
    const secrets = [
      keys.auditKey.toString('base64url'),
      ...keys.identity.cookieKeys,
      keys.identity.artifactKeys.encryption.toString('base64url'),
      String(keys.identity.signing[0]?.d),
    ];
    for (const secret of secrets) expect(made.stdout).not.toContain(secret.slice(0, 12));

    const before = await Promise.all(KEY_FOLDER_FILES.map((name) => readFile(path.join(folder, name), 'utf8')));
    const again = await captureCli(runPlatformKeys, ['create', '--identity-keys-dir', folder]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already holds');
    expect(again.stderr).toContain('nothing was written');
    expect(await Promise.all(KEY_FOLDER_FILES.map((name) => readFile(path.join(folder, name), 'utf8')))).toEqual(before);
  });

  it('is refused, naming the file and what to do, when a file is missing, damaged, readable by others or the folder writable by others', async () => {
    await createKeyFolder(folder);
    await rm(path.join(folder, 'cookie-keys.json'));
    await expect(readKeyFolder(folder)).rejects.toThrow(/lacks cookie-keys\.json, and the platform never makes shared keys: .*keys create/);

    await rm(folder, { recursive: true });
    await createKeyFolder(folder);
    await writeFile(path.join(folder, 'artifact-keys.json'), '{"encryption": "short"}\n', { mode: 0o600 });
    await expect(readKeyFolder(folder)).rejects.toThrow(/artifact-keys\.json is damaged/);

    await rm(folder, { recursive: true });
    await createKeyFolder(folder);
    await chmod(path.join(folder, 'audit-key.json'), 0o644);
    await expect(readKeyFolder(folder)).rejects.toThrow(/audit-key\.json can be read by other users \(mode 0644\)/);
    await chmod(path.join(folder, 'audit-key.json'), 0o600);
    await chmod(folder, 0o777);
    await expect(readKeyFolder(folder)).rejects.toThrow(/can be written by other users \(mode 0777\)/);
    await chmod(folder, 0o700);
    await expect(readKeyFolder(folder)).resolves.toMatchObject({ folder });
    await expect(readKeyFolder(path.join(parent, 'nowhere'))).rejects.toThrow(/nowhere does not exist/);
  });

  it('is refused when a file or the folder belongs to another OS user, who could replace the keys', async (context) => {
    const other = otherUser();
    if (typeof other === 'string') {
      console.log(`Skipped: the other-user ownership case (${other})`);
      context.skip();
      return;
    }
    if (process.getuid?.() !== 0) {
      console.log('Skipped: the other-user ownership case (only root can give a file to another user)');
      context.skip();
      return;
    }
    await createKeyFolder(folder);
    await chown(path.join(folder, 'signing-keys.json'), other.uid, other.gid);
    await expect(readKeyFolder(folder)).rejects.toThrow(/signing-keys\.json belongs to another OS user/);
    await chown(path.join(folder, 'signing-keys.json'), 0, 0);
    await chown(folder, other.uid, other.gid);
    await expect(readKeyFolder(folder)).rejects.toThrow(/belongs to another OS user .*who could put other keys in it/);
  });

  it('rotates in three steps: add last, move first, retire the old; the audit and artifact keys never change', async () => {
    await createKeyFolder(folder);
    const first = (await readKeyFolder(folder)).fingerprint;
    const step = (name: string) => captureCli(runPlatformKeys, [name, '--identity-keys-dir', folder]);

    const promotedTooSoon = await step('promote');
    expect(promotedTooSoon.code).toBe(2);
    expect(promotedTooSoon.stderr).toContain('No rotation is under way');

    const added = await step('add');
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('Next: copy the folder to every instance, record it');
    const afterAdd = (await readKeyFolder(folder)).fingerprint;
    expect(afterAdd.signing).toHaveLength(2);
    expect(afterAdd.signing[0]).toBe(first.signing[0]);
    expect(afterAdd.cookies).not.toBe(first.cookies);
    expect((await step('add')).stderr).toContain('A rotation is under way');

    expect((await step('promote')).code).toBe(0);
    const afterPromote = (await readKeyFolder(folder)).fingerprint;
    expect(afterPromote.signing).toEqual([afterAdd.signing[1], afterAdd.signing[0]]);

    expect((await step('retire')).code).toBe(0);
    const afterRetire = (await readKeyFolder(folder)).fingerprint;
    expect(afterRetire.signing).toEqual([afterAdd.signing[1]]);
    expect(afterRetire.audit).toBe(first.audit);
    expect(afterRetire.artifacts).toBe(first.artifacts);
    // Every file stays private through the rewrites.
    for (const name of KEY_FOLDER_FILES) expect(await mode(path.join(folder, name))).toBe(0o600);
    expect((await readdir(folder)).sort()).toEqual([...KEY_FOLDER_FILES].sort());
  });

  it('rotateKeyFolder refuses a folder it cannot read, changing nothing', async () => {
    await createKeyFolder(folder);
    await chmod(path.join(folder, 'cookie-keys.json'), 0o640);
    const before = await readFile(path.join(folder, 'signing-keys.json'), 'utf8');
    await expect(rotateKeyFolder(folder, 'add')).rejects.toThrow(/can be read by other users/);
    expect(await readFile(path.join(folder, 'signing-keys.json'), 'utf8')).toBe(before);
  });
});
