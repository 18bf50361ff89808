// The sync scenarios' world on a REAL started platform (issue 17): createPlatformServer on a copy of the integration
// fixture's data folder, listening on 127.0.0.1, and the drive reached over HTTP by createHttpDriveRemote (the JSON
// routes, WebDAV downloads, the raw upload-chunk route), with tokens signed by the platform's own key. Ada is
// demo-analyst and the other member is Ben (demo-analyst-2): both are members of cardio-admissions (the demo's
// agreements). Each world has its own data folder, copied from a template made once (the platform started once so its
// keys, records and minimised copies exist, and the demo's files taken out of the drive and purged from its trash, so
// every world starts with an empty drive and nothing counted against its quota).
//   - backup(): the platform stopped, its drive store copied (metadata.sqlite, the drives folder, and the audit log's
//     anchor, which must match the restored log or the platform rightly refuses to start on a log cut back), restarted;
//     the restore stops it, puts the copy back, runs the operator's `enclave platform drives restored` when asked to
//     move the epoch on, and starts it again on the same port.
//   - setQuota(): the operator's `enclave platform drives set --quota-gib`, beside the running platform.
//   - The platform can be stopped hard (its connections cut) and started again on the same data folder and port.
import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { PassThrough } from 'node:stream';
import { vi } from 'vitest';
import { settled } from '../../../../src/common/detached.ts';
import { runPlatformDrives } from '../../../../src/cli/platform-drives.ts';
import { openHostRecords } from '../../../../src/cli/host-records.ts';
import { createPlatformServer, type PlatformServer } from '../../../../src/platform/server.ts';
import { newDriveRecordId } from '../../../../src/platform/store/drives.ts';
import { createPlatformClient, type PlatformClient } from '../../../../src/workstation/platform-client.ts';
import { createHttpDriveRemote } from '../../../../src/workstation/drives/remote-http.ts';
import type { DriveRemote } from '../../../../src/workstation/drives/remote.ts';
import { createPlatformFixture, mintAccessToken } from '../../platform/fixture.ts';
import { inPieces } from './in-pieces.ts';
import type { DriveWorld, WorldFactory } from '../../../unit/workstation/drives/support/sync-kit.ts';

export const PROJECT = 'cardio-admissions';
/** The two members of PROJECT whose workstations the tests play: Ada's folder is synced, Ben is "the other member". */
export const MEMBERS = {
  ada: { id: 'demo-analyst', name: 'Ada Analyst' },
  ben: { id: 'demo-analyst-2', name: 'Ben Analyst' },
} as const;

const GIB = 1024 ** 3;
const TOKEN_LIFETIME_S = 600;

/** The files of the data folder that make up the drive store. */
const METADATA = ['metadata.sqlite', 'metadata.sqlite-wal', 'metadata.sqlite-shm'];
const ANCHOR = path.join('identity', 'audit-anchor.jsonl');

/** A platform on its own data folder, that can be stopped (hard, like a killed process) and started again on its port. */
export class RunningPlatform {
  readonly root: string;
  readonly dataDir: string;
  readonly cataloguePath: string;
  #server: PlatformServer | null = null;
  #port = 0;
  #baseUrl = '';
  readonly #tokens = new Map<string, { token: string; until: number }>();

  private constructor(root: string) {
    this.root = root;
    this.dataDir = path.join(root, 'data');
    this.cataloguePath = path.join(root, 'datasets.json');
  }

  static async start(root: string): Promise<RunningPlatform> {
    const platform = new RunningPlatform(root);
    await platform.start();
    return platform;
  }

  get baseUrl(): string {
    return this.#baseUrl;
  }

  async start(): Promise<void> {
    if (this.#server !== null) return;
    const server = await createPlatformServer({ dataDir: this.dataDir, cataloguePath: this.cataloguePath });
    try {
      this.#baseUrl = await server.listen({ port: this.#port, host: '127.0.0.1' });
    } catch (err) {
      await server.close();
      throw err;
    }
    this.#port = Number(new URL(this.#baseUrl).port);
    this.#server = server;
  }

  /** Stops the platform; `hard` cuts every connection first, as a killed process would (answers under way are cut). */
  async stop(options: { hard?: boolean } = {}): Promise<void> {
    const server = this.#server;
    if (server === null) return;
    this.#server = null;
    if (options.hard === true) server.app.server.closeAllConnections();
    await server.close();
  }

  /** A current access token for a person, signed with the platform's key as its embedded provider would. */
  async token(sub: string): Promise<string> {
    const cached = this.#tokens.get(sub);
    if (cached !== undefined && cached.until > Date.now()) return cached.token;
    const token = await mintAccessToken({
      dataDir: this.dataDir,
      sub,
      issuer: `${this.#baseUrl}/oidc`,
      expiresIn: TOKEN_LIFETIME_S,
    });
    this.#tokens.set(sub, { token, until: Date.now() + (TOKEN_LIFETIME_S - 60) * 1000 });
    return token;
  }

  client(): PlatformClient {
    return createPlatformClient({ baseUrl: this.#baseUrl });
  }

  /** A project's drive (PROJECT's unless said) as a person reaches it from a workstation. */
  remoteFor(sub: string, projectId: string = PROJECT): DriveRemote {
    return createHttpDriveRemote({
      client: this.client(),
      baseUrl: this.#baseUrl,
      fetch: globalThis.fetch,
      token: () => this.token(sub),
      projectId,
    });
  }

  /** Runs the operator's `enclave platform drives …` command on this data folder; throws with its output when it fails. */
  async operator(args: string[]): Promise<string> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const [command = '', ...rest] = args;
    const code = await runPlatformDrives([command, '--data-dir', this.dataDir, ...rest], { stdin: new PassThrough(), stdout, stderr });
    if (code !== 0) throw new Error(`enclave platform drives ${command} exited ${code}: ${out}`);
    return out;
  }
}

// ---- The template ----------------------------------------------------------------------------------------------------

let template: Promise<string> | undefined;
const templateRoots: string[] = [];

async function makeTemplate(): Promise<string> {
  const fixture = await createPlatformFixture();
  templateRoots.push(fixture.root);
  const platform = await RunningPlatform.start(fixture.root);
  try {
    const client = platform.client();
    const context = { token: await platform.token(MEMBERS.ada.id) };
    const params = { projectId: PROJECT };
    const tree = await client.call('drive.tree', { params }, context);
    for (const entry of tree.entries.filter((each) => !each.path.includes('/'))) {
      await client.call('drive.delete', { params, body: { path: entry.path, ifMatch: null } }, context);
    }
    // The projects' minimised copies, built in the background at start: once there, every world's platform reuses them.
    const agreements = await readdir(path.join(platform.dataDir, 'agreements'));
    await vi.waitFor(
      async () => {
        const copies = (await readdir(path.join(platform.dataDir, 'minimised'))).filter((name) => /--[0-9a-f]{32}\.duckdb$/.test(name));
        if (copies.length < agreements.length) throw new Error(`${copies.length} of ${agreements.length} minimised copies built so far.`);
      },
      { timeout: 60_000, interval: 50 },
    );
  } finally {
    await platform.stop();
  }
  // Out of the trash too: what a drive's trash holds counts against its quota.
  const records = await openHostRecords({ dataDir: platform.dataDir, create: false });
  try {
    const drives = records.store.drives;
    for (const row of await drives.trash(PROJECT)) await drives.change(PROJECT, (q) => q.purgeTrash(row.id));
  } finally {
    await records.close();
  }
  return fixture.root;
}

/** A data folder of the test's own, with an empty cardio-admissions drive. */
export async function newPlatformRoot(): Promise<string> {
  template ??= makeTemplate();
  const from = await template;
  const root = await mkdtemp(path.join(tmpdir(), 'enclave-drive-platform-'));
  await cp(from, root, { recursive: true });
  return root;
}

/** Removes the template (call once, after the file's tests). */
export async function removePlatformTemplate(): Promise<void> {
  if (template !== undefined) await settled(template);
  template = undefined;
  for (const root of templateRoots.splice(0)) await rm(root, { recursive: true, force: true });
}

// ---- The world -------------------------------------------------------------------------------------------------------

export interface PlatformWorld extends DriveWorld {
  readonly platform: RunningPlatform;
}

async function stashStore(platform: RunningPlatform, into: string): Promise<void> {
  await mkdir(path.join(into, 'identity'), { recursive: true });
  const present = new Set(await readdir(platform.dataDir));
  for (const file of METADATA.filter((name) => present.has(name))) await cp(path.join(platform.dataDir, file), path.join(into, file));
  await cp(path.join(platform.dataDir, 'drives'), path.join(into, 'drives'), { recursive: true });
  await cp(path.join(platform.dataDir, ANCHOR), path.join(into, ANCHOR));
}

async function putStoreBack(platform: RunningPlatform, from: string): Promise<void> {
  for (const file of METADATA) await rm(path.join(platform.dataDir, file), { force: true });
  await rm(path.join(platform.dataDir, 'drives'), { recursive: true, force: true });
  for (const name of await readdir(from)) await cp(path.join(from, name), path.join(platform.dataDir, name), { recursive: true });
}

export function platformWorld(options: { chunkBytes?: number } = {}): WorldFactory & (() => Promise<PlatformWorld>) {
  return async () => {
    const platform = await RunningPlatform.start(await newPlatformRoot());
    const shaped = (remote: DriveRemote): DriveRemote => (options.chunkBytes === undefined ? remote : inPieces(remote, options.chunkBytes));
    const backups: string[] = [];
    return {
      platform,
      projectId: PROJECT,
      otherName: MEMBERS.ben.name,
      remote: () => shaped(platform.remoteFor(MEMBERS.ada.id)),
      other: () => platform.remoteFor(MEMBERS.ben.id),
      backup: async () => {
        const saved = await mkdtemp(path.join(tmpdir(), 'enclave-drive-backup-'));
        backups.push(saved);
        await platform.stop();
        await stashStore(platform, saved);
        await platform.start();
        return async ({ bumpEpoch }) => {
          await platform.stop();
          await putStoreBack(platform, saved);
          if (bumpEpoch) await platform.operator(['restored', '--reason', 'The drive store was restored from last night’s backup.']);
          await platform.start();
        };
      },
      setQuota: async (bytes) => {
        await platform.operator(['set', '--project', PROJECT, '--quota-gib', (bytes / GIB).toFixed(20), '--reason', 'A test sets it.']);
        const { quotaBytes } = await platform
          .client()
          .call('drive.info', { params: { projectId: PROJECT } }, { token: await platform.token(MEMBERS.ada.id) });
        if (quotaBytes !== bytes) throw new Error(`The quota came out as ${quotaBytes} bytes, not ${bytes}.`);
      },
      renewDriveId: async () => {
        // No operation does this: the drive's record is changed with the platform stopped, as a copy of the drive
        // restored under another id (a migration, another platform's backup) would leave it.
        await platform.stop();
        const database = new DatabaseSync(path.join(platform.dataDir, 'metadata.sqlite'));
        try {
          database.prepare('UPDATE drives SET drive_id = ? WHERE project_id = ?').run(newDriveRecordId('drv'), PROJECT);
        } finally {
          database.close();
        }
        await platform.start();
      },
      close: async () => {
        await platform.stop({ hard: true });
        await rm(platform.root, { recursive: true, force: true });
        for (const saved of backups) await rm(saved, { recursive: true, force: true });
      },
    };
  };
}
