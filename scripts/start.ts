// `npm start`: builds the app if its sources changed, starts the embedded demo platform (generating its
// synthetic data on first start), then the workstation: the Electron window where Electron's binary is
// installed, otherwise the browser shell (in Chromium's app mode where a display and Chromium exist, or a
// printed URL to open).
// Other users of the same computer can read every process's arguments and, often, its files: nothing secret goes
// into a child's arguments or environment (Chromium gets the path of a private launch page, not the one-time
// URL), and everything written is the user's alone (umask 077, 0700 folders).
// Settings: ENCLAVE_DATA_DIR (where the data lives), ENCLAVE_SHELL=browser (the browser shell even where Electron
// is installed), ENCLAVE_SKIP_BUILD=1 (run out/ as it is), CHROMIUM_PATH, and the workstation's ENCLAVE_* settings.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { appDataDir, chromiumProfileDir, ensurePrivateDir, launchPageDir } from './app-paths.ts';
import { findElectronBinary } from './electron-binary.ts';

// Before anything is created: files and folders of this run and of every child are the user's alone.
process.umask(0o077);

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'src', 'cli', 'enclave.ts');
const children: ChildProcess[] = [];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

function buildIfStale(): void {
  if (process.env.ENCLAVE_SKIP_BUILD === '1') return;
  const stamp = join(root, 'out', '.build-stamp');
  const sources = ['src', 'main', 'preload', 'renderer', 'electron.vite.config.ts', 'package-lock.json'].map((p) => join(root, p));
  const newest = Math.max(...sources.filter(existsSync).map(newestMtime));
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newest) return;
  console.log('enclave: building the app (electron-vite build)…');
  const result = spawnSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('The build failed; see the messages above.');
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}

/** Starts a child that announces itself with one JSON line {"event":"listening", …} on stdout. */
function startAnnouncing(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Record<string, string>> {
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolveLine, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      try {
        const message = JSON.parse(line) as Record<string, string>;
        if (message.event === 'listening') resolveLine(message);
      } catch {
        process.stdout.write(`${line}\n`);
      }
    });
    child.once('exit', (code) => reject(new Error(`${args[1] ?? args[0]} stopped before it was ready (exit ${code}).`)));
  });
}

/**
 * The demo platform's folder is this user's own, made by `npm start`: an earlier Enclave left its files readable by
 * others (0644/0755), which `platform serve` now refuses. Tighten them (the platform refuses a folder others can
 * read, it does not fix one it did not make).
 */
function tightenDemoData(dataDir: string): void {
  let changed = 0;
  const walk = (path: string): void => {
    const info = lstatSync(path);
    if (info.isSymbolicLink() || info.uid !== process.getuid?.()) return;
    if ((info.mode & 0o077) !== 0) {
      chmodSync(path, info.isDirectory() ? 0o700 : 0o600);
      changed += 1;
    }
    if (info.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  walk(dataDir);
  if (changed > 0)
    console.log(
      `enclave: made ${changed} files and folders of the demo platform private to you (an earlier Enclave left them readable by others).`,
    );
}

function ensureDemoData(dataDir: string): void {
  if (existsSync(join(dataDir, 'manifest.json'))) {
    if (process.platform !== 'win32') tightenDemoData(dataDir);
    return;
  }
  ensurePrivateDir(dataDir);
  console.log(`enclave: first start — generating the synthetic demo data into ${dataDir}`);
  const result = spawnSync(process.execPath, [cli, 'platform', 'init', '--data-dir', dataDir, '--scale', '10000', '--seed', '1'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('Generating the demo data failed; see the messages above.');
}

/**
 * The demo platform's usual port. Its address is part of the identity provider's issuer, and the workstation
 * keeps a sign-in under that issuer: a stable port lets "closing and reopening keeps you signed in" hold across
 * `npm start`s. When the port is taken, any free one is used (and the user signs in again).
 */
const DEMO_PLATFORM_PORT = 4100;

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const probe = createServer();
    probe.once('error', () => resolveFree(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolveFree(true)));
  });
}

const ROLE_NAMES: Record<string, string> = { analyst: 'analyst', output_checker: 'output checker', admin: 'administrator' };

/** The embedded platform's demo accounts, printed so a new user can sign in. Their passwords are demo-only. */
function printDemoAccounts(): void {
  let users: { id: string; displayName: string; role: string; password?: string }[];
  try {
    users = JSON.parse(readFileSync(join(root, 'resources', 'demo', 'users.json'), 'utf8')) as typeof users;
  } catch {
    console.log('enclave: the demo accounts are listed in README.md.');
    return;
  }
  const rows = users.filter((u) => u.password).map((u) => [u.id, u.password ?? '', `${u.displayName} (${ROLE_NAMES[u.role] ?? u.role})`]);
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => row[i].length), i === 0 ? 'Username'.length : 'Password'.length));
  const line = (cells: string[]): string => `    ${cells[0].padEnd(widths[0])}  ${cells[1].padEnd(widths[1])}  ${cells[2]}`;
  console.log('enclave: demo accounts (synthetic data; these passwords are for the demo platform only, never for real use):');
  console.log(line(['Username', 'Password', 'Who']));
  for (const row of rows) console.log(line(row));
}

function findChromium(): string | null {
  for (const candidate of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    if (candidate && existsSync(candidate)) return candidate;
  }
  return null;
}

function stopAll(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}

async function main(): Promise<void> {
  buildIfStale();
  const home = appDataDir();
  ensurePrivateDir(home);
  const dataDir = join(home, 'platform');
  ensureDemoData(dataDir);

  // Warnings and errors only: request logs would bury the one line a user needs (the address).
  const free = await portIsFree(DEMO_PLATFORM_PORT);
  if (!free)
    console.log(`enclave: port ${DEMO_PLATFORM_PORT} is taken; the demo platform uses another, so you will have to sign in again.`);
  const port = free ? String(DEMO_PLATFORM_PORT) : '0';
  const platform = await startAnnouncing([cli, 'platform', 'serve', '--data-dir', dataDir, '--port', port, '--log-level', 'warn']);
  console.log(`enclave: demo platform at ${platform.url}`);
  printDemoAccounts();
  // The platform address is the demo platform's; every other ENCLAVE_* setting given to `npm start` passes through
  // to the workstation (ENCLAVE_IDLE_LOCK_SECONDS, ENCLAVE_SESSION_MAX_HOURS, ENCLAVE_TOKEN_STORE,
  // ENCLAVE_OIDC_ISSUER / _CLIENT_ID, ENCLAVE_API_AUDIENCE, ENCLAVE_IDP_ORIGINS; see src/workstation/env-config.ts).
  const workstationEnv: NodeJS.ProcessEnv = { ...process.env, ENCLAVE_PLATFORM_URL: platform.url };
  const settings = Object.keys(process.env).filter((name) => name.startsWith('ENCLAVE_') && name !== 'ENCLAVE_PLATFORM_URL');
  if (settings.length > 0) console.log(`enclave: passing to the workstation: ${settings.sort().join(', ')}`);

  const electron = process.env.ENCLAVE_SHELL === 'browser' ? { path: null, reason: 'ENCLAVE_SHELL=browser' } : findElectronBinary();
  if (electron.path !== null) {
    console.log('enclave: opening the Electron window');
    // The app folder, not the entry file: Electron then takes the app's name (and its user-data folder and
    // single-instance lock) from package.json, whose "main" is out/main/index.js.
    const args = process.getuid?.() === 0 ? [root, '--no-sandbox'] : [root];
    const app = spawn(electron.path, args, { cwd: root, env: workstationEnv, stdio: 'inherit' });
    children.push(app);
    app.once('exit', stopAll);
    return;
  }

  console.log(`enclave: ${electron.reason}; starting the browser shell.`);
  const chromium = findChromium();
  const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  const inChromium = chromium !== null && hasDisplay;
  // Chromium is given a private launch page's path; without it the URL is printed on this terminal only.
  const shellArgs = [join(root, 'src', 'web', 'run.ts'), ...(inChromium ? ['--launch-page-dir', launchPageDir(home)] : [])];
  const shell = await startAnnouncing(shellArgs, workstationEnv);
  if (inChromium && shell.launchPage) {
    console.log('enclave: opening the workstation in Chromium (app mode)');
    const profile = chromiumProfileDir(home);
    ensurePrivateDir(profile);
    const flags = [
      `--app=${pathToFileURL(shell.launchPage).href}`,
      `--user-data-dir=${profile}`,
      '--no-first-run',
      '--disable-background-networking',
      '--disable-sync',
      '--disable-component-update',
    ];
    if (process.getuid?.() === 0) flags.push('--no-sandbox');
    const browser = spawn(chromium, flags, { stdio: 'ignore' });
    children.push(browser);
    browser.once('exit', stopAll);
  } else {
    const why = chromium ? 'no display' : 'Chromium is not installed';
    console.log(`enclave: ${why}. Open this one-time address in a browser on this machine (it works once):`);
    console.log(`\n    ${shell.launchUrl}\n`);
    console.log('enclave: press Ctrl+C to stop.');
  }
}

process.once('SIGINT', stopAll);
process.once('SIGTERM', stopAll);
try {
  await main();
} catch (err) {
  console.error(`enclave: ${(err as Error).message}`);
  stopAll();
  process.exitCode = 1;
}
