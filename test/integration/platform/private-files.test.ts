// The platform's files are its own OS user's: `enclave platform init` and `serve`, run under umask 000 (the
// most open a caller can be), leave no path in the data folder that group or others can read, write or enter,
// while serving (metadata.sqlite with its -wal and -shm, the identity folder, the audit key and anchor) and after.
// Then another, unprivileged OS user tries to read the metadata store and a dataset and to list the folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otherUser, runNodeAsOtherUser } from '../../support/other-user.ts';
import { allPaths, pathsOpenToOthers } from '../../support/private-tree.ts';
import { signIn, type RunningPlatform } from '../identity/support.ts';
import { copiesBuilt } from './copy-support.ts';

const ENCLAVE = fileURLToPath(new URL('../../../src/cli/enclave.ts', import.meta.url));

/** Runs `enclave …` under umask 000, so nothing but the platform's own modes keeps the files private. */
function enclaveUnderOpenUmask(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn('/bin/sh', ['-c', 'umask 000 && exec "$0" "$@"', process.execPath, ENCLAVE, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return { child, output: () => output, exited: once(child, 'exit').then(([code]) => code as number | null) };
}

async function listeningUrl(run: ReturnType<typeof enclaveUnderOpenUmask>): Promise<string> {
  for (;;) {
    const line = run
      .output()
      .split('\n')
      .find((text) => text.startsWith('{"event":"listening"'));
    if (line !== undefined) return (JSON.parse(line) as { url: string }).url;
    const outcome = await Promise.race([once(run.child.stdout!, 'data').then(() => 'data'), run.exited.then(() => 'exit')]);
    if (outcome === 'exit') throw new Error(`serve exited early: ${run.output()}`);
  }
}

let root: string;
let dataDir: string;
const seenWhileServing: { open: string[]; paths: string[] } = { open: [], paths: [] };

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'enclave-private-'));
  // Others may pass through the parent, so the data folder's own modes are the only barrier.
  await chmod(root, 0o755);
  dataDir = path.join(root, 'data');
  const init = enclaveUnderOpenUmask(['platform', 'init', '--data-dir', dataDir, '--scale', '1000', '--seed', '3']);
  expect(await init.exited, init.output()).toBe(0);
  const serve = enclaveUnderOpenUmask(['platform', 'serve', '--data-dir', dataDir, '--port', '0']);
  try {
    const url = await listeningUrl(serve);
    // A sign-in writes the store, its WAL, the identity provider's keys and the audit key and anchor.
    await signIn({ platform: { url, issuer: `${url}/oidc` } as RunningPlatform, username: 'demo-analyst', password: 'ada-demo-pass' });
    // The three projects' minimised copies, prepared in the background as the platform starts, are among the files.
    await copiesBuilt(dataDir, 3);
    seenWhileServing.paths = await allPaths(dataDir);
    seenWhileServing.open = await pathsOpenToOthers(dataDir);
    serve.child.kill('SIGTERM');
    expect(await serve.exited, serve.output()).toBe(0);
  } finally {
    serve.child.kill('SIGKILL');
  }
}, 180_000);

afterAll(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe('the data folder under umask 000', () => {
  it('has nothing that others can open while the platform serves, its store, WAL, keys, anchor and minimised copies included', () => {
    expect(seenWhileServing.paths).toEqual(
      expect.arrayContaining([
        '.',
        'manifest.json',
        'datasets',
        'datasets/patients.parquet',
        'metadata.sqlite',
        'metadata.sqlite-wal',
        'metadata.sqlite-shm',
        'identity',
        'identity/signing-keys.json',
        'identity/audit-key.json',
        'identity/audit-anchor.jsonl',
        'minimised',
        'minimised/tmp',
        'query-exports',
        'project-keys',
      ]),
    );
    // Each project's minimised copy, and its key, are the platform's alone too.
    expect(seenWhileServing.paths.filter((file) => /^minimised\/[a-z-]+--[0-9a-f]+\.duckdb$/.test(file))).toHaveLength(3);
    expect(seenWhileServing.open).toEqual([]);
  });

  it('has nothing that others can open after it stops', async () => {
    expect(await pathsOpenToOthers(dataDir)).toEqual([]);
  });
});

const user = otherUser();
if (typeof user === 'string') console.log(`Skipping the other-OS-user attacks on the data folder: ${user}`);

describe.skipIf(typeof user === 'string')('another OS user on the same computer', () => {
  /** What the other user manages: 'read', or the error code that stopped them. */
  async function probe(dir: string): Promise<string[]> {
    const run = await runNodeAsOtherUser(
      user as Exclude<typeof user, string>,
      `
      import { readFileSync, readdirSync } from 'node:fs';
      const dir = ${JSON.stringify(dir)};
      const tryIt = (what, run) => { try { run(); return what + ': read'; } catch (err) { return what + ': ' + err.code; } };
      console.log([
        tryIt('list', () => readdirSync(dir)),
        tryIt('metadata', () => readFileSync(dir + '/metadata.sqlite')),
        tryIt('dataset', () => readFileSync(dir + '/datasets/patients.parquet')),
      ].join('\\n'));
      `,
    );
    expect(run.stderr).toBe('');
    return run.stdout.trim().split('\n');
  }

  it('can neither list the data folder nor read the metadata store or a dataset', async () => {
    expect(await probe(dataDir)).toEqual(['list: EACCES', 'metadata: EACCES', 'dataset: EACCES']);
  });

  it('could read all three if the modes were open (the probe itself works)', async () => {
    const open = path.join(root, 'open-copy');
    await cp(dataDir, open, { recursive: true });
    for (const dir of [open, path.join(open, 'datasets')]) await chmod(dir, 0o755);
    for (const file of ['metadata.sqlite', 'datasets/patients.parquet']) await chmod(path.join(open, file), 0o644);
    expect(await probe(open)).toEqual(['list: read', 'metadata: read', 'dataset: read']);
  });
});
