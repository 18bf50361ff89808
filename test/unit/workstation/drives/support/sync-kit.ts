// What the sync engine's scenarios stand on (issue 17): a "world" (a project drive and a second member, in memory or
// on a started platform), local folders in their own temp directory, an engine opened on them, and wrappers around
// any DriveRemote that record the requests sent and break transfers on purpose (a byte flipped, a body cut, a request
// that fails as a dead platform's would). Everything here talks to the drive through DriveRemote only, so the same
// scenarios run against createHttpDriveRemote and a real platform.
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { drivePathKey, drivePathSegments, type DriveEntry, type WriteCondition } from '../../../../../src/common/drives.ts';
import { EnclaveError } from '../../../../../src/common/errors.ts';
import type { DriveRemote, RemoteContent } from '../../../../../src/workstation/drives/remote.ts';
import { openDriveSync, type DriveSyncOptions } from '../../../../../src/workstation/drives/sync-engine.ts';
import type { DriveSync } from '../../../../../src/workstation/drives/sync-api.ts';
import { sha256Of } from './memory-drive.ts';

/** A project drive to sync with, and what a test may do to it from outside the engine. */
export interface DriveWorld {
  readonly projectId: string;
  /** The other member's name, as the drive shows who changed a file. */
  readonly otherName: string;
  /** The drive as the person whose folder is synced reaches it (what the engine is given). */
  remote(): DriveRemote;
  /** The drive as another member of the project reaches it (their edits, moves and deletions). */
  other(): DriveRemote;
  /** Takes a backup of the platform's drive; the function puts it back (moving the epoch on, or not, as asked). */
  backup(): Promise<(options: { bumpEpoch: boolean }) => Promise<void>>;
  setQuota(bytes: number): Promise<void>;
  /** Gives the project's drive another id, its files as they are (the drive replaced by a copy of it elsewhere). */
  renewDriveId(): Promise<void>;
  close(): Promise<void>;
}

export type WorldFactory = () => Promise<DriveWorld>;

// ---- The drive through DriveRemote -----------------------------------------------------------------------------------

export async function remoteEntries(remote: DriveRemote): Promise<Map<string, DriveEntry>> {
  const tree = await remote.tree();
  return new Map(tree.entries.map((entry) => [entry.path, entry]));
}

/** Makes the folders above a path on the drive (as a member's client would). */
export async function remoteFolders(remote: DriveRemote, drivePath: string): Promise<void> {
  const entries = await remoteEntries(remote);
  const segments = drivePathSegments(drivePath).slice(0, -1);
  for (let index = 1; index <= segments.length; index += 1) {
    const folder = segments.slice(0, index).join('/');
    if (!entries.has(folder)) await remote.mkdir(folder);
  }
}

/** Writes a file on the drive whatever is there (If-Match its current ETag, or absent). */
export async function putRemote(remote: DriveRemote, drivePath: string, content: string | Uint8Array): Promise<DriveEntry> {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  await remoteFolders(remote, drivePath);
  const existing = (await remoteEntries(remote)).get(drivePath);
  const condition: WriteCondition = existing?.etag ? { ifMatch: existing.etag } : { ifAbsent: true };
  const session = await remote.startUpload({ path: drivePath, size: bytes.byteLength, sha256: sha256Of(bytes), condition });
  if (bytes.byteLength > 0) await remote.uploadChunk({ uploadId: session.uploadId, offset: 0, bytes, total: bytes.byteLength });
  return remote.commitUpload(session.uploadId);
}

export async function readRemote(remote: DriveRemote, drivePath: string): Promise<string | null> {
  const entry = (await remoteEntries(remote)).get(drivePath);
  if (entry === undefined || entry.kind !== 'file') return null;
  const content = await remote.download({ path: drivePath, etag: entry.etag, offset: 0 });
  const parts: Uint8Array[] = [];
  for await (const chunk of content.body) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

// ---- Wrappers around a remote ----------------------------------------------------------------------------------------

export interface SentRequest {
  readonly op: keyof DriveRemote;
  readonly path?: string;
  readonly to?: string;
  readonly offset?: number;
}

export type DownloadFault = 'flip' | 'cut' | 'cut-error' | null;

export interface TestRemote {
  readonly remote: DriveRemote;
  readonly sent: SentRequest[];
  /** Decides, per download, whether its body is damaged on the way (a byte flipped, cut short, or cut with an error). */
  downloadFault: (drivePath: string) => DownloadFault;
  /** Makes the next request of this kind fail as an unreachable platform's would. */
  failNext: (op: keyof DriveRemote) => void;
  count(op: keyof DriveRemote, drivePath?: string): number;
}

async function* damaged(content: RemoteContent, fault: Exclude<DownloadFault, null>): AsyncGenerator<Uint8Array> {
  let sent = 0;
  const declared = content.size ?? 0;
  const cutAt = Math.max(1, Math.floor((declared - content.start) / 2));
  for await (const chunk of content.body) {
    if (fault === 'flip') {
      const copy = new Uint8Array(chunk);
      if (sent === 0 && copy.byteLength > 0) copy[0] = (copy[0] ?? 0) ^ 0xff;
      sent += copy.byteLength;
      yield copy;
      continue;
    }
    const room = cutAt - sent;
    if (room <= 0) break;
    const piece = chunk.subarray(0, Math.min(room, chunk.byteLength));
    sent += piece.byteLength;
    yield piece;
    if (sent >= cutAt) break;
  }
  if (fault === 'cut-error') throw new EnclaveError('unavailable', 'The connection was cut (test).');
}

export function testRemote(inner: DriveRemote): TestRemote {
  const sent: SentRequest[] = [];
  const failing = new Set<keyof DriveRemote>();
  const state: TestRemote = {
    remote: undefined as unknown as DriveRemote,
    sent,
    downloadFault: () => null,
    failNext: (op) => failing.add(op),
    count: (op, drivePath) => sent.filter((each) => each.op === op && (drivePath === undefined || each.path === drivePath)).length,
  };
  const gate = (request: SentRequest): void => {
    sent.push(request);
    if (failing.delete(request.op)) throw new EnclaveError('unavailable', 'The platform cannot be reached (test).');
  };
  const remote: DriveRemote = {
    tree: async (signal) => {
      gate({ op: 'tree' });
      return inner.tree(signal);
    },
    download: async (request) => {
      gate({ op: 'download', path: request.path, offset: request.offset });
      const content = await inner.download(request);
      const fault = state.downloadFault(request.path);
      return fault === null ? content : { ...content, body: damaged(content, fault) };
    },
    startUpload: async (upload, signal) => {
      gate({ op: 'startUpload', path: upload.path });
      return inner.startUpload(upload, signal);
    },
    uploadChunk: async (chunk) => {
      gate({ op: 'uploadChunk', offset: chunk.offset });
      return inner.uploadChunk(chunk);
    },
    uploadStatus: async (uploadId, signal) => {
      gate({ op: 'uploadStatus' });
      return inner.uploadStatus(uploadId, signal);
    },
    commitUpload: async (uploadId, signal) => {
      gate({ op: 'commitUpload' });
      return inner.commitUpload(uploadId, signal);
    },
    mkdir: async (drivePath, signal) => {
      gate({ op: 'mkdir', path: drivePath });
      return inner.mkdir(drivePath, signal);
    },
    move: async (request) => {
      gate({ op: 'move', path: request.from, to: request.to });
      return inner.move(request);
    },
    delete: async (request) => {
      gate({ op: 'delete', path: request.path });
      return inner.delete(request);
    },
  };
  return Object.assign(state, { remote });
}

// ---- Local folders ---------------------------------------------------------------------------------------------------

export interface Desk {
  /** A temp directory of the test's own: the synced folder, the state folder and "outside" live in it. */
  readonly dir: string;
  readonly root: string;
  readonly stateDir: string;
  /** A folder outside the synced one, for attacks that point there. */
  readonly outside: string;
}

export async function newDesk(name = 'ada'): Promise<Desk> {
  const dir = await mkdtemp(path.join(tmpdir(), `enclave-drive-${name}-`));
  const outside = path.join(dir, 'outside');
  await mkdir(outside);
  return { dir, root: path.join(dir, 'drive'), stateDir: path.join(dir, 'state'), outside };
}

export async function removeDesk(desk: Desk): Promise<void> {
  await chmod(desk.dir, 0o700);
  await rm(desk.dir, { recursive: true, force: true });
}

export async function writeLocal(desk: Desk, relative: string, content: string | Uint8Array): Promise<void> {
  const file = path.join(desk.root, ...relative.split('/'));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

export async function readLocal(desk: Desk, relative: string): Promise<string | null> {
  try {
    return await readFile(path.join(desk.root, ...relative.split('/')), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Every file below the synced folder ('/'-separated), the marker and temporary files included. */
export async function listLocal(desk: Desk): Promise<string[]> {
  const found: string[] = [];
  const visit = async (relative: string): Promise<void> => {
    for (const entry of await readdir(path.join(desk.root, ...relative.split('/').filter(Boolean)), { withFileTypes: true })) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) await visit(child);
      else found.push(child);
    }
  };
  await visit('');
  return found.sort();
}

/** The synced files only (no marker, no temporary files). */
export async function syncedLocal(desk: Desk): Promise<string[]> {
  return (await listLocal(desk)).filter((each) => each !== '.enclave-drive' && !path.posix.basename(each).startsWith('.enclave-part-'));
}

export const ADA = { id: 'ada', name: 'Ada Lovelace' };
export const BOB = { id: 'bob', name: 'Bob Marley' };

/** Opens an engine for the desk, with no watcher or timer: the test says when a pass runs. */
export function openEngine(
  desk: Desk,
  world: DriveWorld,
  options: Partial<DriveSyncOptions> & { remote: DriveRemote },
): Promise<DriveSync> {
  return openDriveSync({
    projectId: world.projectId,
    userId: ADA.id,
    person: ADA.name,
    localRoot: desk.root,
    stateDir: desk.stateDir,
    deviceId: 'device-ada',
    intervalMs: 0,
    watch: false,
    ...options,
  });
}

export const keyOf = drivePathKey;
