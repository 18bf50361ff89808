// `npm start`: builds the app if its sources changed, starts the embedded demo platform (generating its
// synthetic data on first start), then the workstation: the Electron window where Electron's binary is
// installed, otherwise the browser shell (in Chromium's app mode where a display and Chromium exist, or a
// printed URL to open).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { appDataDir } from './app-paths.ts';
import { findElectronBinary } from './electron-binary.ts';

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
    const lines = createInterface({ input: child.stdout! });
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

function ensureDemoData(dataDir: string): void {
  if (existsSync(join(dataDir, 'manifest.json'))) return;
  mkdirSync(dataDir, { recursive: true });
  console.log(`enclave: first start — generating the synthetic demo data into ${dataDir}`);
  const result = spawnSync(process.execPath, [cli, 'platform', 'init', '--data-dir', dataDir, '--scale', '10000', '--seed', '1'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('Generating the demo data failed; see the messages above.');
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
  const dataDir = join(home, 'platform');
  ensureDemoData(dataDir);

  // Warnings and errors only: request logs would bury the one line a user needs (the address).
  const platform = await startAnnouncing([cli, 'platform', 'serve', '--data-dir', dataDir, '--port', '0', '--log-level', 'warn']);
  console.log(`enclave: demo platform at ${platform.url}`);
  const workstationEnv = { ...process.env, ENCLAVE_PLATFORM_URL: platform.url };

  const electron = findElectronBinary();
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
  const shell = await startAnnouncing([join(root, 'src', 'web', 'run.ts')], workstationEnv);
  const chromium = findChromium();
  const hasDisplay = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  if (chromium && hasDisplay) {
    console.log('enclave: opening the workstation in Chromium (app mode)');
    const profile = join(home, 'chromium-profile');
    const flags = [`--app=${shell.launchUrl}`, `--user-data-dir=${profile}`, '--no-first-run', '--disable-background-networking', '--disable-sync', '--disable-component-update'];
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
