// Vitest global setup: one throwaway PostgreSQL cluster for the whole run (Debian's package, the newest installed
// version), so the metadata store's suite runs on a real PostgreSQL. initdb and pg_ctl refuse root, so as root they run
// as the postgres OS user (runuser) in a folder it owns. The cluster listens on 127.0.0.1 on a free port, with password
// (SCRAM) authentication there; the superuser connects without a password only through the Unix socket, whose folder
// sits inside the cluster's private folder: another user of this computer reaches neither. Everything is stopped and
// removed at the end, also when starting fails. In CI (CI=true) a missing PostgreSQL fails the run; on a developer's
// machine the PostgreSQL tests skip, saying why (test/support/postgres.ts).
import { execFile } from 'node:child_process';
import { chown, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

const run = promisify(execFile);

/** What the tests get (vitest `provide`/`inject`): where the cluster is, or why there is none. */
export type PostgresClusterInfo =
  | {
      readonly available: true;
      /** The folder of the server's Unix socket: the superuser connects through it, without a password. */
      readonly socketDir: string;
      readonly port: number;
      readonly superuser: string;
      /** The server's major version, e.g. 15. */
      readonly version: number;
    }
  | { readonly available: false; readonly reason: string };

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: PostgresClusterInfo;
  }
}

const INSTALL_ROOT = '/usr/lib/postgresql';

/** `ls -d /usr/lib/postgresql/*\/bin | sort -V | tail -1`: the newest installed version's binaries, or null. */
export async function newestPostgresBin(): Promise<{ bin: string; version: number } | null> {
  const versions = await readdir(INSTALL_ROOT).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  const found: Array<{ bin: string; version: number }> = [];
  for (const name of versions) {
    const bin = path.join(INSTALL_ROOT, name, 'bin');
    const present = await readdir(bin).then(
      (names) => names.includes('initdb') && names.includes('pg_ctl'),
      () => false,
    );
    if (present && /^\d+(\.\d+)?$/.test(name)) found.push({ bin, version: Number.parseFloat(name) });
  }
  found.sort((a, b) => a.version - b.version);
  return found.at(-1) ?? null;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port on 127.0.0.1');
  return address.port;
}

interface Owner {
  readonly uid: number;
  readonly gid: number;
  /** The command prefix that runs a PostgreSQL binary as the cluster's owner. */
  readonly prefix: readonly string[];
  readonly name: string;
}

/** Root runs the server as `postgres`; anyone else runs it as themselves. */
async function clusterOwner(): Promise<Owner> {
  if (process.getuid?.() !== 0) {
    const me = os.userInfo();
    return { uid: me.uid, gid: me.gid, prefix: [], name: me.username };
  }
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  return { uid, gid, prefix: ['runuser', '-u', 'postgres', '--'], name: 'postgres' };
}

async function runAs(owner: Owner, command: string, args: readonly string[]): Promise<void> {
  const [file, ...rest] = [...owner.prefix, command, ...args];
  // cwd: the owner must be able to enter it (runuser keeps the caller's, often a folder postgres may not read).
  await run(file, rest, { cwd: os.tmpdir(), timeout: 60_000 });
}

export interface StartedCluster {
  readonly info: Extract<PostgresClusterInfo, { available: true }>;
  /** The cluster's data folder (owned by the cluster's OS user). */
  readonly dataDir: string;
  /** Stops the server (fast: connections are ended) and starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Lines added to postgresql.auto.conf. */
  readonly settings?: readonly string[];
  /** Files written into the data folder before the server starts (owned by the cluster's user, mode 0600). */
  readonly files?: Readonly<Record<string, string>>;
}

/** Starts a cluster of its own (the run's shared one is started by setup below); a test that needs another calls it. */
export async function startCluster(found: { bin: string; version: number }, options: ClusterOptions = {}): Promise<StartedCluster> {
  const owner = await clusterOwner();
  const root = await mkdtemp(path.join(os.tmpdir(), 'enclave-postgres-'));
  const data = path.join(root, 'data');
  const socketDir = path.join(root, 'socket');
  const log = path.join(root, 'server.log');
  const pgCtl = path.join(found.bin, 'pg_ctl');
  let running = false;
  const stop = async (): Promise<void> => {
    try {
      if (running) await runAs(owner, pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  };
  try {
    await mkdir(socketDir, { mode: 0o700 });
    await chown(root, owner.uid, owner.gid);
    await chown(socketDir, owner.uid, owner.gid);
    await runAs(owner, path.join(found.bin, 'initdb'), [
      '-D',
      data,
      '--username',
      owner.name,
      '--encoding',
      'UTF8',
      '--locale',
      'C.UTF-8',
      '--auth-local',
      'trust',
      '--auth-host',
      'scram-sha-256',
      '--no-sync',
    ]);
    // Throwaway data: durability is not wanted, speed is. Many test files and their child processes connect at once.
    await writeFile(
      path.join(data, 'postgresql.auto.conf'),
      ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off', 'max_connections = 300', ...(options.settings ?? []), ''].join(
        '\n',
      ),
    );
    await chown(path.join(data, 'postgresql.auto.conf'), owner.uid, owner.gid);
    for (const [name, content] of Object.entries(options.files ?? {})) {
      await writeFile(path.join(data, name), content, { mode: 0o600 });
      await chown(path.join(data, name), owner.uid, owner.gid);
    }
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await runAs(owner, pgCtl, [
          '-D',
          data,
          '-l',
          log,
          '-w',
          '-t',
          '30',
          '-o',
          `-c listen_addresses=127.0.0.1 -p ${port} -k ${socketDir}`,
          'start',
        ]);
        running = true;
        break;
      } catch (err) {
        // Another process may have taken the port between the probe and the start.
        if (attempt >= 3) throw err;
      }
    }
    const restart = async (): Promise<void> => {
      await runAs(owner, pgCtl, ['-D', data, '-l', log, '-m', 'fast', '-w', '-t', '30', 'restart']);
    };
    return {
      info: { available: true, socketDir, port, superuser: owner.name, version: Math.floor(found.version) },
      dataDir: data,
      restart,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const ci = process.env.CI === 'true';
  const found = await newestPostgresBin();
  if (found === null) {
    const reason = `PostgreSQL is not installed (no ${INSTALL_ROOT}/*/bin/initdb); install the postgresql package to run the metadata store's PostgreSQL tests.`;
    if (ci) throw new Error(`CI needs PostgreSQL: ${reason}`);
    console.log(`Skipped: ${reason}`);
    project.provide('postgres', { available: false, reason });
    return async () => {};
  }
  let started: StartedCluster;
  try {
    started = await startCluster(found);
  } catch (err) {
    const reason = `the test PostgreSQL cluster did not start: ${err instanceof Error ? err.message : String(err)}`;
    if (ci) throw new Error(reason, { cause: err });
    console.log(`Skipped: ${reason}`);
    project.provide('postgres', { available: false, reason });
    return async () => {};
  }
  project.provide('postgres', started.info);
  return () => started.stop();
}
