// `npm start` (scripts/start.ts) as a user runs it, browser-shell path, with a stand-in for Chromium that records
// its arguments and environment and then does what Chromium does with the launch page. Every user of the computer
// can read any process's /proc/<pid>/cmdline (and a process's environment is one ptrace away from its owner): no
// launch code or session secret may be in the arguments or environment of anything Enclave starts; the launch page
// is 0600 in a 0700 folder, unreadable by another OS user, and gone once its code is used; the app's folders are
// the user's alone.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otherUser, runNodeAsOtherUser, type OtherUser } from '../support/other-user.ts';
import { prepareDemoData } from './support/demo-data.ts';
import { REPO_ROOT } from './support/paths.ts';

interface ChromiumRecord {
  pid: number;
  argv: string[];
  env: Record<string, string>;
  page: string;
  launchUrl: string;
}

/** Chromium's stand-in: records what it was given, then on SIGUSR1 opens the page as Chromium would. */
const FAKE_CHROMIUM = `#!${process.execPath}
import { readFile, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
const dir = process.env.FAKE_CHROMIUM_DIR;
const save = async (name, value) => {
  await writeFile(dir + '/' + name + '.tmp', JSON.stringify(value));
  await rename(dir + '/' + name + '.tmp', dir + '/' + name);
};
const app = process.argv.find((arg) => arg.startsWith('--app='))?.slice('--app='.length) ?? '';
const page = fileURLToPath(app);
const html = await readFile(page, 'utf8');
const launchUrl = /content="0;url=([^"]+)"/.exec(html)[1].replaceAll('&amp;', '&');
process.on('SIGTERM', () => process.exit(0));
process.on('SIGUSR1', async () => {
  // What the page does after the launch page's redirect: the fragment's code, POSTed from its own origin.
  const url = new URL(launchUrl);
  const response = await fetch(url.origin + '/api/session', { method: 'POST', headers: { origin: url.origin, 'x-enclave-launch': url.hash.slice('#launch='.length) } });
  const body = await response.json();
  await save('redeemed.json', { status: response.status, secret: body?.value?.session ?? null });
});
await save('record.json', { pid: process.pid, argv: process.argv.slice(2), env: process.env, page, launchUrl });
setInterval(() => {}, 1 << 30);
`;

/** Resolves once `dir/name` exists (written atomically by rename), or rejects if the launcher stops first. */
function fileAppears(dir: string, name: string, launcher: ChildProcess): Promise<string> {
  const path = join(dir, name);
  return new Promise((resolve, reject) => {
    const watcher = watch(dir, () => {
      if (existsSync(path)) done(() => resolve(path));
    });
    const onExit = (code: number | null) => done(() => reject(new Error(`The launcher stopped (exit ${code}) before ${name} appeared.`)));
    function done(settle: () => void): void {
      watcher.close();
      launcher.off('exit', onExit);
      settle();
    }
    launcher.once('exit', onExit);
    if (existsSync(path)) done(() => resolve(path));
  });
}

/** Every process descended from `root`, from /proc/<pid>/stat's parent field. */
async function descendants(root: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const text = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid …; comm may hold spaces and parentheses, so read after the last ')'.
    const ppid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isInteger(ppid)) parents.set(Number(entry), ppid);
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent !== pid || found.includes(child)) continue;
      found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}

/** What anyone (cmdline) or the owner (environ) can read of each process: the places a secret must not be. */
async function exposedText(pids: number[]): Promise<{ pid: number; cmdline: string; environ: string }[]> {
  return Promise.all(
    pids.map(async (pid) => ({
      pid,
      cmdline: (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' '),
      environ: (await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '')).replaceAll('\0', '\n'),
    })),
  );
}

const user = otherUser();
if (typeof user === 'string') console.log(`[e2e launcher] the launch page is not read as a second OS user: ${user}`);

describe('npm start, browser shell in Chromium: nothing secret in any process, the launch page private', () => {
  let base: string;
  let home: string;
  let chromiumDir: string;
  let launcher: ChildProcess;
  let output = '';
  let record: ChromiumRecord;
  let code: string;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'enclave-e2e-launcher-'));
    // Others may pass through the parent (as through /home): the app's own folders must keep them out.
    await chmod(base, 0o755);
    home = join(base, 'enclave');
    await mkdir(home, { mode: 0o755 });
    await chmod(home, 0o755);
    await rename(await prepareDemoData({ scale: 10_000, seed: 1 }), join(home, 'platform'));
    // As an earlier Enclave left the demo platform's folder: readable by others, which `platform serve` refuses.
    await chmod(join(home, 'platform'), 0o755);
    await chmod(join(home, 'platform', 'manifest.json'), 0o644);
    chromiumDir = join(base, 'chromium');
    await mkdir(chromiumDir);
    await writeFile(join(chromiumDir, 'fake-chromium.mjs'), FAKE_CHROMIUM, { mode: 0o755 });

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ENCLAVE_DATA_DIR: home,
      ENCLAVE_SHELL: 'browser',
      ENCLAVE_SKIP_BUILD: '1',
      ENCLAVE_TOKEN_STORE: 'memory',
      DISPLAY: ':99',
      CHROMIUM_PATH: join(chromiumDir, 'fake-chromium.mjs'),
      FAKE_CHROMIUM_DIR: chromiumDir,
    };
    delete env.WAYLAND_DISPLAY;
    launcher = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'start.ts')], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [launcher.stdout, launcher.stderr])
      stream?.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-8000)));
    try {
      record = JSON.parse(await readFile(await fileAppears(chromiumDir, 'record.json', launcher), 'utf8')) as ChromiumRecord;
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${output}`, { cause: err });
    }
    code = new URL(record.launchUrl).hash.slice('#launch='.length);
  }, 120_000);

  afterAll(async () => {
    if (launcher && launcher.exitCode === null && launcher.signalCode === null) {
      const exited = new Promise((resolve) => launcher.once('exit', resolve));
      launcher.kill('SIGTERM');
      await exited;
    }
    if (base) await rm(base, { recursive: true, force: true });
  });

  it("made the demo platform's folder, left readable by an earlier Enclave, private again, and said so", async () => {
    expect((await stat(join(home, 'platform'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(home, 'platform', 'manifest.json'))).mode & 0o777).toBe(0o600);
    expect(output).toContain('of the demo platform private to you');
  });

  it("gives Chromium the launch page's path only, and no process the launch code", async () => {
    const processes = await exposedText(await descendants(launcher.pid ?? -1));

    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(record.argv[0]).toMatch(/^--app=file:\/\/\/.*\/launch\/launch-[0-9a-f]+\.html$/);
    expect(record.argv.join(' ')).not.toContain('#launch');
    // The platform, the browser shell and Chromium: three processes at least, none showing the code.
    expect(processes.length).toBeGreaterThanOrEqual(3);
    expect(processes.some((p) => p.pid === record.pid)).toBe(true);
    for (const p of processes) {
      expect(p.cmdline).not.toContain(code);
      expect(p.environ).not.toContain(code);
    }
    expect(JSON.stringify(record.env)).not.toContain(code);
  });

  it('keeps the launch page 0600 in a 0700 folder, and the app data and Chromium profile folders 0700', async () => {
    const modes = {
      page: (await stat(record.page)).mode & 0o777,
      launchFolder: (await stat(join(home, 'launch'))).mode & 0o777,
      home: (await stat(home)).mode & 0o777,
      profile: (await stat(join(home, 'chromium-profile'))).mode & 0o777,
    };

    expect(modes).toEqual({ page: 0o600, launchFolder: 0o700, home: 0o700, profile: 0o700 });
    expect(record.argv).toContain(`--user-data-dir=${join(home, 'chromium-profile')}`);
  });

  it.skipIf(typeof user === 'string')('does not let another OS user read the launch page', async () => {
    const read = await runNodeAsOtherUser(
      user as OtherUser,
      `import { readFile } from 'node:fs/promises';
       console.log(await readFile(${JSON.stringify(record.page)}, 'utf8').then(() => 'read', (err) => err.code));`,
    );

    expect(read.stdout.trim()).toBe('EACCES');
  });

  it('deletes the launch page as soon as its code is used, and the session secret is in no process either', async () => {
    const redeemedFile = fileAppears(chromiumDir, 'redeemed.json', launcher);
    process.kill(record.pid, 'SIGUSR1');
    const redeemed = JSON.parse(await readFile(await redeemedFile, 'utf8')) as { status: number; secret: string | null };
    const processes = await exposedText(await descendants(launcher.pid ?? -1));

    expect(redeemed.status).toBe(200);
    expect(redeemed.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(existsSync(record.page)).toBe(false);
    for (const p of processes) {
      for (const secret of [code, redeemed.secret ?? '']) {
        expect(p.cmdline).not.toContain(secret);
        expect(p.environ).not.toContain(secret);
      }
    }
  });
});
