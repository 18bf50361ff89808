// `enclave platform init` as a user runs it (npx node src/cli/enclave.ts …): the same seed and scale give
// byte-identical folders, another seed gives other data, bad options exit 2 naming the option, and an
// initialised folder is refused without --force and left exactly as it was.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlatformInit } from '../../src/cli/platform-init.ts';
import { pathsOpenToOthers } from '../support/private-tree.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function enclave(args: string[]): Promise<Result> {
  // Through npx, as the README tells users: npx resolves the project's Node 24, which runs .ts directly.
  const child = spawn('npx', ['node', 'src/cli/enclave.ts', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

async function hashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
  }
  return out;
}

let root: string;
const runs: Record<string, Result> = {};

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'enclave-platform-init-'));
  // The three generations are independent; run them side by side.
  const [a, b, c] = await Promise.all([
    enclave(['platform', 'init', '--data-dir', path.join(root, 'a'), '--scale', '10000', '--seed', '7']),
    enclave(['platform', 'init', '--data-dir', path.join(root, 'b'), '--scale', '10000', '--seed', '7']),
    enclave(['platform', 'init', '--data-dir', path.join(root, 'c'), '--scale', '10000', '--seed', '8']),
  ]);
  Object.assign(runs, { a, b, c });
}, 120_000);

afterAll(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe('enclave platform init', () => {
  it('writes the five datasets and a manifest, with a progress line and a summary of rows', async () => {
    const run = runs.a;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/patients 10,000\/10,000/);
    for (const id of ['patients', 'hospital_episodes', 'covid_tests', 'shielded_patients', 'national_opt_outs']) {
      expect(run.stdout).toMatch(new RegExp(`${id}\\s+[\\d,]+ rows`));
    }
    expect(run.stdout).toMatch(/patients\s+10,000 rows/);
    expect(Object.keys(await hashes(path.join(root, 'a'))).sort()).toEqual([
      'datasets/covid_tests.parquet',
      'datasets/hospital_episodes.parquet',
      'datasets/national_opt_outs.parquet',
      'datasets/patients.parquet',
      'datasets/shielded_patients.parquet',
      'manifest.json',
    ]);
  });

  it('gives byte-identical files and manifest for the same seed and scale', async () => {
    expect(runs.b.code, runs.b.stderr).toBe(0);
    expect(await hashes(path.join(root, 'b'))).toEqual(await hashes(path.join(root, 'a')));
  });

  it('gives different data for a different seed', async () => {
    expect(runs.c.code, runs.c.stderr).toBe(0);
    const a = await hashes(path.join(root, 'a'));
    const c = await hashes(path.join(root, 'c'));
    for (const file of Object.keys(a)) expect(c[file], file).not.toBe(a[file]);
  });

  it('exits 2 with a message naming the option when --data-dir is missing', async () => {
    const run = await enclave(['platform', 'init', '--scale', '10000']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--data-dir');
    expect(run.stdout).toBe('');
  });

  it.each([
    [['--scale', '999'], '--scale'],
    [['--scale', '10000001'], '--scale'],
    [['--scale', 'lots'], '--scale'],
    [['--seed', '1.5'], '--seed'],
    [['--seed'], '--seed'],
    [['--force=yes'], '--force'],
    [['--colour', 'red'], '--colour'],
  ])('exits 2 naming the option for %j, creating nothing', async (args, option) => {
    // In process: the same entry point the binary calls, without a process start per case.
    const dataDir = path.join(root, 'bad');
    const stderr = new PassThrough();
    let message = '';
    stderr.on('data', (chunk: Buffer) => (message += chunk.toString('utf8')));
    const code = await runPlatformInit(['--data-dir', dataDir, ...args], { stdin: new PassThrough(), stdout: new PassThrough(), stderr });
    expect(code).toBe(2);
    expect(message).toContain(option);
    expect(await readdir(root)).not.toContain('bad');
  });

  it('stops on Ctrl-C (SIGINT) mid-generation, exits 130 and leaves no half dataset or temporary folder', async () => {
    const dataDir = path.join(root, 'interrupted');
    // Node directly (not npx) so the signal reaches the generator's own process.
    const child = spawn(process.execPath, ['src/cli/enclave.ts', 'platform', 'init', '--data-dir', dataDir, '--scale', '2000000'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const firstProgress = new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        if (/patients [\d,]+\//.test(stderr)) resolve();
      });
    });
    const closed = once(child, 'close');
    await firstProgress;
    child.kill('SIGINT');
    const [code] = (await closed) as [number | null];
    expect(code).toBe(130);
    expect(stderr).toMatch(/cancelled/);
    expect(await readdir(dataDir)).toEqual([]);
  }, 60_000);

  it('makes the data folder private (0700, files 0600) even when the folder already existed open to everyone', async () => {
    // In process, under the test's own umask (not the CLI's 077): the generator sets the modes itself.
    const dataDir = path.join(root, 'existing-open');
    await mkdir(dataDir);
    await chmod(dataDir, 0o777);
    const code = await runPlatformInit(['--data-dir', dataDir, '--scale', '1000'], {
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      stderr: new PassThrough(),
    });
    expect(code).toBe(0);
    expect(await pathsOpenToOthers(dataDir)).toEqual([]);
  });

  it('refuses an initialised folder without --force and changes nothing in it', async () => {
    const dir = path.join(root, 'a');
    const before = await hashes(dir);
    const run = await enclave(['platform', 'init', '--data-dir', dir, '--scale', '1000', '--seed', '1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--force/);
    expect(await hashes(dir)).toEqual(before);
    expect((await readdir(dir)).sort()).toEqual(['datasets', 'manifest.json']);
  });
});
