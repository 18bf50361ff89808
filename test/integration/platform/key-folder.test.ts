// The identity keys folder every instance on one PostgreSQL database shares (issue 19 C.2, src/platform/key-folder.ts):
// made once by `enclave platform keys create` (0700, four 0600 files), only read by the platform, which refuses a folder
// others could write, a file others could read or that another user owns, a missing or damaged file, and anything on the
// way to the folder or its files that someone else could swap; rotated by the operator in three steps, each of which a
// crash may cut short and a second run finishes; and its fingerprint (never a key) recorded in the database at the
// first start.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, lchown, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest';
import { runPlatformKeys } from '../../../src/cli/platform-keys.ts';
import { describeFingerprint, KEY_FOLDER_FILES, readKeyFolder } from '../../../src/platform/key-folder.ts';
import { createKeyFolder, ROTATION_FILE, rotateKeyFolder, type RotationStep } from '../../../src/platform/key-rotation.ts';
import { otherUser, runNodeAsOtherUser, type OtherUser } from '../../support/other-user.ts';
import { captureCli } from './serve-process.ts';

const ENCLAVE = fileURLToPath(new URL('../../../src/cli/enclave.ts', import.meta.url));
const KEY_FOLDER_MODULE = new URL('../../../src/platform/key-folder.ts', import.meta.url).href;
const STRACE = '/usr/bin/strace';

const mode = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;
const keysCli = (step: string, folder: string, ...more: string[]) =>
  captureCli(runPlatformKeys, [step, '--identity-keys-dir', folder, ...more]);

/** The folder's rotation as its files hold it, read directly (as the tests' root may). */
interface FolderView {
  readonly signing: string[];
  readonly cookies: string[];
  readonly marker: { signing: string; cookie: string } | null;
  readonly names: string[];
}

async function view(folder: string): Promise<FolderView> {
  const json = async (name: string) => JSON.parse(await readFile(path.join(folder, name), 'utf8')) as Record<string, unknown>;
  const signing = ((await json('signing-keys.json')).keys as Array<{ kid: string }>).map((key) => key.kid);
  const cookies = (await json('cookie-keys.json')).keys as string[];
  const names = (await readdir(folder)).sort();
  const marker = names.includes(ROTATION_FILE) ? ((await json(ROTATION_FILE)) as { signing: string; cookie: string }) : null;
  return { signing, cookies, marker, names };
}

/** Every file's bytes, by name: to show that a refused step changed nothing. */
async function contents(folder: string): Promise<Record<string, string>> {
  const names = (await readdir(folder)).sort();
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, await readFile(path.join(folder, name), 'utf8')] as const)));
}

/** Skips (saying why) unless this runs as root with a second real OS user. */
function rootWithOtherUser(context: TestContext, what: string): OtherUser | null {
  const other = otherUser();
  const why = typeof other === 'string' ? other : process.getuid?.() !== 0 ? 'only root can give a file to another user' : null;
  if (why === null && typeof other !== 'string') return other;
  console.log(`Skipped: ${what} (${why})`);
  context.skip();
  return null;
}

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
    const made = await keysCli('create', folder, '--owner', os.userInfo().username);
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

    const before = await contents(folder);
    const again = await keysCli('create', folder, '--owner', os.userInfo().username);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already holds');
    expect(again.stderr).toContain('nothing was written');
    expect(await contents(folder)).toEqual(before);

    // One that a crash cut short is not completed over: it may be one an instance uses, with files lost.
    await rm(path.join(folder, 'audit-key.json'));
    const partial = await keysCli('create', folder, '--owner', os.userInfo().username);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(
      /holds signing-keys\.json, cookie-keys\.json, artifact-keys\.json but not audit-key\.json: .*If no instance has used it, remove the folder/,
    );
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
    const other = rootWithOtherUser(context, 'the other-user ownership case');
    if (other === null) return;
    await createKeyFolder(folder);
    await chown(path.join(folder, 'signing-keys.json'), other.uid, other.gid);
    await expect(readKeyFolder(folder)).rejects.toThrow(/signing-keys\.json belongs to another OS user/);
    await chown(path.join(folder, 'signing-keys.json'), 0, 0);
    await chown(folder, other.uid, other.gid);
    await expect(readKeyFolder(folder)).rejects.toThrow(/belongs to another OS user .*who could put other keys in it/);
  });

  describe('on the way to it', () => {
    it('every folder must be closed to others, unless sticky: someone who may write one could put another folder in its place', async () => {
      await createKeyFolder(folder);
      const outer = path.join(parent, 'outer');
      await mkdir(outer, { mode: 0o755 });
      const inner = path.join(outer, 'keys');
      await cp(folder, inner, { recursive: true });

      for (const open of [0o777, 0o775, 0o757]) {
        await chmod(outer, open);
        const refused = readKeyFolder(inner);
        await expect(refused).rejects.toThrow(
          `The folder ${outer}, on the way to the identity keys folder ${inner}, can be written by other users`,
        );
        await expect(refused).rejects.toThrow(`Run \`chmod go-w ${outer}\``);
      }
      // Sticky (as /tmp is): others may add names, but not rename or remove the folder that is not theirs.
      await chmod(outer, 0o1777);
      await expect(readKeyFolder(inner)).resolves.toMatchObject({ folder: inner });
      // The same keys read through a link, which is followed (and checked): the folder is named as it was given.
      const link = path.join(parent, 'link-to-keys');
      await symlink(inner, link);
      expect((await readKeyFolder(link)).fingerprint).toEqual((await readKeyFolder(folder)).fingerprint);
      // A link that lies in a folder others may write: they could point it at keys of their own.
      const open = path.join(parent, 'open');
      await mkdir(open);
      await chmod(open, 0o777);
      await symlink(folder, path.join(open, 'keys'));
      await expect(readKeyFolder(path.join(open, 'keys'))).rejects.toThrow(`The folder ${open}, on the way to the identity keys folder`);
    });

    it('every folder and link must belong to the platform’s user or root', async (context) => {
      const other = rootWithOtherUser(context, 'folders and links of another user on the way');
      if (other === null) return;
      await createKeyFolder(folder);
      const theirs = path.join(parent, 'theirs');
      await mkdir(theirs, { mode: 0o755 });
      await cp(folder, path.join(theirs, 'keys'), { recursive: true });
      await chown(theirs, other.uid, other.gid);
      await expect(readKeyFolder(path.join(theirs, 'keys'))).rejects.toThrow(
        `The folder ${theirs}, on the way to the identity keys folder ${path.join(theirs, 'keys')}, belongs to another OS user (uid ${other.uid})`,
      );
      // A link of theirs, in a folder of root's.
      const link = path.join(parent, 'their-link');
      await symlink(folder, link);
      await lchown(link, other.uid, other.gid);
      await expect(readKeyFolder(link)).rejects.toThrow(
        `The link ${link}, on the way to the identity keys folder ${link}, belongs to another OS user`,
      );
      // The platform running as that user may use what it owns.
      await expect(readKeyFolder(link, { uid: other.uid })).resolves.toMatchObject({ folder: link });
    });

    it('a Kubernetes secret volume (a sticky folder of root’s, each file a link into ..data/) is read, and the files the links lead to are checked', async () => {
      await createKeyFolder(folder);
      const volume = path.join(parent, 'volume');
      const stamp = '..2026_12_03_10_00_00.000000001';
      await mkdir(path.join(volume, stamp), { recursive: true, mode: 0o755 });
      await chmod(volume, 0o1777);
      await chmod(path.join(volume, stamp), 0o755);
      for (const name of KEY_FOLDER_FILES) {
        await cp(path.join(folder, name), path.join(volume, stamp, name));
        await symlink(path.join('..data', name), path.join(volume, name));
      }
      await symlink(stamp, path.join(volume, '..data'));
      expect((await readKeyFolder(volume)).fingerprint).toEqual((await readKeyFolder(folder)).fingerprint);

      // What a link leads to passes the same checks as the folder: a file others may read is refused, naming both.
      const target = path.join(volume, stamp, 'cookie-keys.json');
      await chmod(target, 0o640);
      await expect(readKeyFolder(volume)).rejects.toThrow(
        `The identity key file ${path.join(volume, 'cookie-keys.json')} (a link to ${target}) can be read by other users (mode 0640). Run \`chmod 600 ${target}\``,
      );
      await chmod(target, 0o600);
      // And a folder on the way that others may write, where they could put other keys.
      await chmod(path.join(volume, stamp), 0o777);
      await expect(readKeyFolder(volume)).rejects.toThrow(
        `The folder ${path.join(volume, stamp)}, on the way to the identity key file ${volume}/`,
      );
      await chmod(path.join(volume, stamp), 0o755);
      // A link that leads out of the folder, into a folder others may write.
      const open = path.join(parent, 'open');
      await mkdir(open);
      await chmod(open, 0o777);
      await cp(path.join(folder, 'audit-key.json'), path.join(open, 'audit-key.json'));
      await rm(path.join(volume, 'audit-key.json'));
      await symlink(path.join(open, 'audit-key.json'), path.join(volume, 'audit-key.json'));
      await expect(readKeyFolder(volume)).rejects.toThrow(`The folder ${open}, on the way to the identity key file`);
    });
  });

  describe('rotation', () => {
    const step = (name: string) => keysCli(name, folder);

    it('takes three steps: add last, move first, retire the old; each run again changes nothing, and the audit and artifact keys never change', async () => {
      await createKeyFolder(folder);
      const first = (await readKeyFolder(folder)).fingerprint;

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
      // The marker names the new keys, and holds none of them.
      const keys = await readKeyFolder(folder);
      const marker = await readFile(path.join(folder, ROTATION_FILE), 'utf8');
      expect(JSON.parse(marker)).toMatchObject({ signing: afterAdd.signing[1] });
      for (const key of keys.identity.signing) expect(marker).not.toContain(String(key.d).slice(0, 12));
      for (const key of keys.identity.cookieKeys) expect(marker).not.toContain(key.slice(0, 12));
      expect(await mode(path.join(folder, ROTATION_FILE))).toBe(0o600);
      const retiredTooSoon = await step('retire');
      expect(retiredTooSoon.code).toBe(2);
      expect(retiredTooSoon.stderr).toContain('are not first yet: `promote` them');

      const addedAgain = await step('add');
      expect(addedAgain.code, addedAgain.stderr).toBe(0);
      expect(addedAgain.stdout).toContain('nothing to do');
      expect((await readKeyFolder(folder)).fingerprint).toEqual(afterAdd);

      expect((await step('promote')).code).toBe(0);
      const afterPromote = (await readKeyFolder(folder)).fingerprint;
      expect(afterPromote.signing).toEqual([afterAdd.signing[1], afterAdd.signing[0]]);
      expect((await step('add')).stderr).toContain('A rotation is under way');
      // Promoted twice: the new keys stay first (a second run once swapped them back, and retire then dropped the new).
      const promotedAgain = await step('promote');
      expect(promotedAgain.code, promotedAgain.stderr).toBe(0);
      expect(promotedAgain.stdout).toContain('nothing to do');
      expect((await readKeyFolder(folder)).fingerprint).toEqual(afterPromote);

      expect((await step('retire')).code).toBe(0);
      const afterRetire = (await readKeyFolder(folder)).fingerprint;
      expect(afterRetire.signing).toEqual([afterAdd.signing[1]]);
      expect((await readKeyFolder(folder)).identity.cookieKeys).toEqual([keys.identity.cookieKeys[1]]);
      expect(afterRetire.audit).toBe(first.audit);
      expect(afterRetire.artifacts).toBe(first.artifacts);
      // Every file stays private through the rewrites, and the marker is gone.
      for (const name of KEY_FOLDER_FILES) expect(await mode(path.join(folder, name))).toBe(0o600);
      expect((await readdir(folder)).sort()).toEqual([...KEY_FOLDER_FILES].sort());
      // A second retire: nothing under way any more.
      expect((await step('retire')).stderr).toContain('No rotation is under way');
    });

    it('rotateKeyFolder refuses a folder it cannot read, changing nothing', async () => {
      await createKeyFolder(folder);
      await chmod(path.join(folder, 'cookie-keys.json'), 0o640);
      const before = await readFile(path.join(folder, 'signing-keys.json'), 'utf8');
      await expect(rotateKeyFolder(folder, 'add')).rejects.toThrow(/can be read by other users/);
      expect(await readFile(path.join(folder, 'signing-keys.json'), 'utf8')).toBe(before);
    });

    /** Takes the rotation from a new folder to just before `step`. */
    async function readyFor(target: RotationStep): Promise<void> {
      await createKeyFolder(folder);
      for (const each of ['add', 'promote'] as const) {
        if (each === target) return;
        await rotateKeyFolder(folder, each);
      }
    }

    /**
     * After `step` was cut short (`cut`: the folder then), and run again to its end: the folder is what the step
     * makes of `start`; running it once more changes nothing; and the rotation goes on to its end with the keys `add`
     * put in.
     */
    async function expectFinished(options: { step: RotationStep; start: FolderView; cut: FolderView }): Promise<void> {
      const { step: name, start, cut } = options;
      const again = await step(name);
      expect(again.code, again.stderr).toBe(0);
      const now = await view(folder);
      expect(now.names.filter((each) => each.endsWith('.new'))).toEqual([]);
      for (const each of now.names) expect(await mode(path.join(folder, each))).toBe(0o600);
      if (name === 'add') {
        expect(now.signing).toHaveLength(2);
        expect(now.cookies).toHaveLength(2);
        expect([now.signing[0], now.cookies[0]]).toEqual([start.signing[0], start.cookies[0]]);
        expect(now.marker?.signing).toBe(now.signing[1]);
        // A new signing key written before the cut is the one kept.
        if (cut.signing.length === 2) expect(now.signing[1]).toBe(cut.signing[1]);
      } else if (name === 'promote') {
        expect(now).toEqual({ ...start, signing: [...start.signing].reverse(), cookies: [...start.cookies].reverse() });
      } else {
        expect(now).toEqual({
          signing: [start.signing[0]],
          cookies: [start.cookies[0]],
          marker: null,
          names: [...KEY_FOLDER_FILES].sort(),
        });
      }
      const settled = await contents(folder);
      const once = await step(name);
      expect(once.code, once.stderr).toBe(name === 'retire' ? 2 : 0);
      expect(await contents(folder)).toEqual(settled);
      // The rest of the rotation: the keys left at its end are the ones `add` put last.
      const added = name === 'add' ? now : name === 'promote' ? start : null;
      if (added === null) return;
      if (name === 'add') expect((await step('promote')).code).toBe(0);
      expect((await step('retire')).code).toBe(0);
      expect(await view(folder)).toMatchObject({ signing: [added.signing[1]], cookies: [added.cookies[1]], marker: null });
    }

    /** The files each step rewrites, in the order it writes them (key-rotation.ts); `retire` then removes the marker. */
    const WRITES: Record<RotationStep, string[]> = {
      add: [ROTATION_FILE, 'signing-keys.json', 'cookie-keys.json'],
      promote: ['signing-keys.json', 'cookie-keys.json'],
      retire: ['signing-keys.json', 'cookie-keys.json', ROTATION_FILE],
    };
    const OTHERS: Record<RotationStep, RotationStep[]> = {
      add: ['promote', 'retire'],
      promote: ['add', 'retire'],
      retire: ['add', 'promote'],
    };

    it.each(['add', 'promote', 'retire'] as const)(
      '`%s` cut short after any of its writes is finished by running it again; the other steps say to',
      async (name) => {
        await readyFor(name);
        const start = await view(folder);
        const before = await contents(folder);
        // The step run whole on a copy: what each of its writes puts in place.
        const whole = path.join(parent, 'whole');
        await cp(folder, whole, { recursive: true });
        await rotateKeyFolder(whole, name);
        const after = await contents(whole);
        for (let done = 1; done < WRITES[name].length; done += 1) {
          // The folder as a crash after `done` writes leaves it.
          await rm(folder, { recursive: true });
          await mkdir(folder, { mode: 0o700 });
          const written = new Set(WRITES[name].slice(0, done));
          for (const file of new Set([...Object.keys(before), ...Object.keys(after)])) {
            const text = written.has(file) ? after[file] : before[file];
            if (text !== undefined) await writeFile(path.join(folder, file), text, { mode: 0o600 });
          }
          const cut = await view(folder);
          // The platform still reads it (it ignores the marker); no other step goes on from it.
          await expect(readKeyFolder(folder)).resolves.toMatchObject({ folder });
          const state = await contents(folder);
          for (const other of OTHERS[name]) {
            const refused = await step(other);
            expect(refused.code, `${other} after ${name} cut after ${done}`).toBe(2);
            expect(refused.stderr).toContain(
              `\`${name}\` was cut short in ${folder}: run \`enclave platform keys ${name}\` again to finish it`,
            );
          }
          expect(await contents(folder)).toEqual(state);
          await expectFinished({ step: name, start, cut });
        }
      },
    );

    it.for(['add', 'promote', 'retire'] as const)(
      '`%s` killed at each of its writes (a real SIGKILL, by strace) is finished by running it again',
      { timeout: 60_000 },
      async (name, context) => {
        if (!existsSync(STRACE)) {
          console.log(`Skipped: killing a step at each write (${STRACE} is not installed; apt-get install strace)`);
          context.skip();
          return;
        }
        await readyFor(name);
        const start = await view(folder);
        const pristine = path.join(parent, 'pristine');
        await cp(folder, pristine, { recursive: true });
        const renames = WRITES[name].filter((file, index) => !(name === 'retire' && index === 2)).length;
        for (let at = 1; at <= WRITES[name].length; at += 1) {
          await rm(folder, { recursive: true });
          await cp(pristine, folder, { recursive: true });
          // Killed as it calls rename(2) for its at-th file (or unlink(2) for the marker): the ones before are written.
          const removing = at > renames;
          const calls = removing ? 'unlink,unlinkat' : 'rename,renameat,renameat2';
          const child = spawn(
            STRACE,
            [
              ...['-f', '-qq', '-o', '/dev/null', '-e', `trace=${calls}`],
              ...['-e', `inject=${calls}:signal=SIGKILL:when=${removing ? 1 : at}`],
              ...[process.execPath, ENCLAVE, 'platform', 'keys', name, '--identity-keys-dir', folder],
            ],
            // One thread does the file work, so the count of calls is the count of this step's writes.
            { stdio: 'ignore', env: { ...process.env, UV_THREADPOOL_SIZE: '1' } },
          );
          const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
          expect(signal === 'SIGKILL' || code === 128 + 9, `${name} killed at write ${at}: exit ${code} ${signal}`).toBe(true);
          const cut = await view(folder);
          // Cut short indeed: a temporary file left, or the marker not yet removed.
          if (removing) expect(cut.marker).not.toBeNull();
          else expect(cut.names.filter((each) => each.endsWith('.new'))).toHaveLength(1);
          await expectFinished({ step: name, start, cut });
        }
      },
    );

    it('says plainly when the marker is lost or damaged and no step can tell the new keys from the old', async () => {
      await readyFor('promote');
      const marker = await readFile(path.join(folder, ROTATION_FILE), 'utf8');
      await rm(path.join(folder, ROTATION_FILE));
      const before = await contents(folder);
      for (const name of ['add', 'promote', 'retire']) {
        const refused = await step(name);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(`${folder} holds 2 signing keys and 2 cookie keys but no rotation.json`);
        expect(refused.stderr).toContain('Put rotation.json back from a copy of the folder made after `add`');
        expect(await contents(folder)).toEqual(before);
      }
      await writeFile(path.join(folder, ROTATION_FILE), '{"signing": 1}\n', { mode: 0o600 });
      expect((await step('promote')).stderr).toContain(`The rotation marker file ${path.join(folder, ROTATION_FILE)} is damaged`);
      // Put back, the rotation goes on.
      await writeFile(path.join(folder, ROTATION_FILE), marker, { mode: 0o600 });
      expect((await step('promote')).code).toBe(0);
    });

    it('without the marker, still finishes an `add` or a `retire` that was cut short, as the files alone tell it', async () => {
      await readyFor('promote');
      const added = await view(folder);
      // `add` cut short after the signing keys: the new one is last; the cookie keys not written.
      await writeFile(path.join(folder, 'cookie-keys.json'), JSON.stringify({ keys: [added.cookies[0]] }), { mode: 0o600 });
      await rm(path.join(folder, ROTATION_FILE));
      expect((await step('promote')).stderr).toContain('`add` was cut short');
      const finished = await step('add');
      expect(finished.code, finished.stderr).toBe(0);
      expect(finished.stdout).toContain('add: finished');
      const now = await view(folder);
      expect(now).toMatchObject({ signing: added.signing, marker: { signing: added.signing[1] } });
      expect(now.cookies[0]).toBe(added.cookies[0]);

      // `retire` cut short after the signing keys: only the new one is left; the cookie keys not written.
      expect((await step('promote')).code).toBe(0);
      const promoted = JSON.parse(await readFile(path.join(folder, 'signing-keys.json'), 'utf8')) as { keys: unknown[] };
      await writeFile(path.join(folder, 'signing-keys.json'), JSON.stringify({ keys: [promoted.keys[0]] }), { mode: 0o600 });
      await rm(path.join(folder, ROTATION_FILE));
      expect((await step('add')).stderr).toContain('`retire` was cut short');
      expect((await step('retire')).code).toBe(0);
      expect(await view(folder)).toEqual({
        signing: [added.signing[1]],
        cookies: [now.cookies[1]],
        marker: null,
        names: [...KEY_FOLDER_FILES].sort(),
      });
    });
  });

  describe('run as root for the platform’s own OS user', () => {
    /** What the platform, running as that user, makes of the folder: the fingerprint line, or its refusal. */
    async function asThePlatform(other: OtherUser, keys: string): Promise<string> {
      const source = `import { describeFingerprint, readKeyFolder } from ${JSON.stringify(KEY_FOLDER_MODULE)};
        try { console.log(describeFingerprint((await readKeyFolder(${JSON.stringify(keys)})).fingerprint)); }
        catch (err) { console.log(String(err)); }`;
      const run = await runNodeAsOtherUser(other, source);
      return run.stdout.trim() || run.stderr.trim();
    }

    it('`create --owner USER` gives the folder and files to that user, who can read them; without --owner root is refused', async (context) => {
      const other = rootWithOtherUser(context, 'making keys for another user');
      if (other === null) return;
      await chmod(parent, 0o755);
      const refused = await keysCli('create', folder);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('run as root, say which OS user the platform runs as with --owner USER');
      expect(existsSync(folder)).toBe(false);

      const made = await keysCli('create', folder, '--owner', other.name);
      expect(made.code, made.stderr).toBe(0);
      for (const each of [folder, ...KEY_FOLDER_FILES.map((name) => path.join(folder, name))]) {
        expect((await stat(each)).uid, each).toBe(other.uid);
      }
      const shown = await keysCli('show', folder);
      expect(shown.code, shown.stderr).toBe(0);
      expect(await asThePlatform(other, folder)).toBe(shown.stdout.trim());
      expect((await keysCli('create', path.join(parent, 'nobody'), '--owner', 'no-such-user-here')).stderr).toContain('no such OS user');
    });

    it('the rotation steps accept the files the folder’s owner owns, and keep them that user’s, 0600', async (context) => {
      const other = rootWithOtherUser(context, 'rotating another user’s keys as root');
      if (other === null) return;
      await chmod(parent, 0o755);
      // Made by the operator for the platform's user beforehand: create gives the files to the folder's owner.
      await mkdir(folder, { mode: 0o700 });
      await chown(folder, other.uid, other.gid);
      expect((await keysCli('create', folder)).code).toBe(0);
      for (const name of ['add', 'promote', 'retire']) {
        const ran = await keysCli(name, folder);
        expect(ran.code, `${name}: ${ran.stderr}`).toBe(0);
        for (const each of await readdir(folder)) {
          const info = await stat(path.join(folder, each));
          expect([each, info.uid, info.mode & 0o777]).toEqual([each, other.uid, 0o600]);
        }
        expect(await asThePlatform(other, folder)).toBe(describeFingerprint((await readKeyFolder(folder, { uid: other.uid })).fingerprint));
      }
      // The platform itself, as root, still refuses a folder another user could change.
      await expect(readKeyFolder(folder)).rejects.toThrow(/belongs to another OS user/);
    });
  });
});
