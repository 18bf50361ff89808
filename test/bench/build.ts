// Makes sure out/bench-renderer/bench.html is a build of the current renderer: builds with electron-vite (with
// ENCLAVE_BENCH_BUILD=1, the only build that includes the bench page) when it is missing, older than any renderer
// or src/common source, or when asked to.
import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';

async function mtime(file: string): Promise<number | null> {
  return stat(file).then(
    (info) => info.mtimeMs,
    () => null,
  );
}

async function newestSource(dirs: readonly string[]): Promise<number> {
  let newest = 0;
  for (const dir of dirs) {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      newest = Math.max(newest, (await mtime(path.join(entry.parentPath, entry.name))) ?? 0);
    }
  }
  return newest;
}

function runBuild(root: string): Promise<void> {
  const bin = path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  return new Promise((resolve, reject) => {
    // The build's own output goes to stderr, so stdout stays the bench's report.
    const child = spawn(process.execPath, [bin, 'build'], {
      cwd: root,
      env: { ...process.env, ENCLAVE_BENCH_BUILD: '1' },
      stdio: ['ignore', process.stderr, process.stderr],
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`electron-vite build exited with ${code}`))));
  });
}

/** Returns the renderer build folder, building it first when needed. */
export async function ensureRendererBuild(options: { root: string; force: boolean; log: (line: string) => void }): Promise<string> {
  const outDir = path.join(options.root, 'out', 'bench-renderer');
  const page = path.join(outDir, 'bench.html');
  const built = await mtime(page);
  const sources = await newestSource([path.join(options.root, 'renderer'), path.join(options.root, 'src', 'common')]);
  const reason = options.force
    ? 'asked to (--build)'
    : built === null
      ? 'out/bench-renderer/bench.html is missing'
      : built < sources
        ? 'the renderer changed since the last build'
        : null;
  if (reason !== null) {
    options.log(`Building the renderer (${reason}): npx electron-vite build…`);
    await runBuild(options.root);
    if ((await mtime(page)) === null) throw new Error('electron-vite build did not produce out/bench-renderer/bench.html.');
  }
  return outDir;
}
