// An in-memory project drive with the platform's semantics (issue 17), for the sync engine's tests: strong ETags
// (`"<sha256>-<version>"`, the version moving on with every write and move of a path), write conditions (If-Match,
// absent), the name policy (no twins in a folder, parents must exist), a quota counted from the declared size before
// a byte is taken (current files only: this fake keeps no old versions), resumable upload sessions whose commit checks
// the SHA-256, soft deletes (a folder's on condition that nothing in it changed since a cursor), Range and If-Range
// downloads, a change counter and an epoch that a restore from a backup moves on. Every request is logged, so a test can say "no DELETE was sent" or "one move, no upload".
import { createHash, randomBytes } from 'node:crypto';
import {
  canonicalDrivePath,
  driveBaseName,
  driveEtag,
  drivePathKey,
  drivePathProblem,
  parentDrivePath,
  type DriveEntry,
  type DriveTrashEntry,
  type StartUpload,
  type UploadSession,
  type WriteCondition,
} from '../../../../../src/common/drives.ts';
import { EnclaveError } from '../../../../../src/common/errors.ts';
import { checkRemoteTree } from '../../../../../src/workstation/drives/remote-check.ts';
import type { DriveRemote, RemoteContent } from '../../../../../src/workstation/drives/remote.ts';

export interface Person {
  readonly id: string;
  readonly name: string;
}

interface Node {
  readonly path: string;
  readonly kind: 'file' | 'folder';
  readonly content: Uint8Array;
  readonly sha256: string | null;
  readonly version: number;
  readonly modifiedAt: string;
  readonly modifiedBy: Person;
  /** The change counter's value when it was last written, made or moved (a folder delete's `unchangedSince` checks it). */
  readonly changed: number;
}

interface Session {
  readonly uploadId: string;
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  readonly condition: WriteCondition;
  readonly chunks: Uint8Array[];
  offset: number;
}

export interface DriveCall {
  readonly op: 'tree' | 'download' | 'startUpload' | 'uploadChunk' | 'uploadStatus' | 'commitUpload' | 'mkdir' | 'move' | 'delete';
  readonly by: string;
  readonly path?: string;
  readonly to?: string;
  readonly offset?: number;
  readonly ifMatch?: string | null;
  readonly unchangedSince?: number;
}

export const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function refuse(code: 'conflict' | 'not_found' | 'invalid_input' | 'insufficient_storage', message: string): never {
  throw new EnclaveError(code, message);
}

export interface MemoryDriveOptions {
  readonly projectId?: string;
  readonly quotaBytes?: number;
  /** The size of the pieces a download's body comes in. */
  readonly chunkBytes?: number;
}

export class MemoryDrive {
  readonly projectId: string;
  driveId = `drive-${randomBytes(6).toString('hex')}`;
  epoch = 1;
  cursor = 0;
  quotaBytes: number;
  readonly calls: DriveCall[] = [];
  readonly trash: DriveTrashEntry[] = [];
  /** Entries the tree adds as they are (for attacks: names no honest platform would send). */
  readonly extraEntries: DriveEntry[] = [];
  readonly #chunkBytes: number;
  #nodes = new Map<string, Node>();
  readonly #sessions = new Map<string, Session>();
  #clock = Date.parse('2026-12-03T09:00:00Z');

  constructor(options: MemoryDriveOptions = {}) {
    this.projectId = options.projectId ?? 'covid-outcomes';
    this.quotaBytes = options.quotaBytes ?? 10 * 1024 ** 3;
    this.#chunkBytes = options.chunkBytes ?? 64 * 1024;
  }

  get usedBytes(): number {
    let used = 0;
    for (const node of this.#nodes.values()) used += node.content.byteLength;
    return used;
  }

  #at(): string {
    this.#clock += 1000;
    return new Date(this.#clock).toISOString();
  }

  #entry(node: Node): DriveEntry {
    return {
      path: node.path,
      name: driveBaseName(node.path),
      kind: node.kind,
      size: node.content.byteLength,
      sha256: node.sha256,
      etag: node.sha256 === null ? null : driveEtag(node.sha256, node.version),
      version: node.version,
      modifiedAt: node.modifiedAt,
      modifiedBy: node.modifiedBy,
      lockedBy: null,
    };
  }

  #checkPath(drivePath: string): string {
    const problem = drivePathProblem(drivePath);
    if (problem !== null || drivePath === '') refuse('invalid_input', `The path is not valid: ${problem ?? 'empty'}.`);
    return canonicalDrivePath(drivePath);
  }

  #parentMustExist(drivePath: string): void {
    const parent = parentDrivePath(drivePath);
    if (parent === '') return;
    const node = this.#nodes.get(drivePathKey(parent));
    if (node?.kind !== 'folder' || node.path !== parent) refuse('conflict', `The folder "${parent}" does not exist on the drive.`);
  }

  #changed(): void {
    this.cursor += 1;
  }

  /** The node at a path spelled exactly so; a twin spelling is refused. */
  #node(drivePath: string): Node | undefined {
    const node = this.#nodes.get(drivePathKey(drivePath));
    if (node !== undefined && node.path !== drivePath)
      refuse('conflict', `"${node.path}" already exists with another spelling of that name.`);
    return node;
  }

  #holds(node: Node | undefined, condition: WriteCondition): boolean {
    if ('any' in condition) return true;
    if ('ifAbsent' in condition) return node === undefined;
    return node !== undefined && node.sha256 !== null && driveEtag(node.sha256, node.version) === condition.ifMatch;
  }

  #quota(needed: number, replacing: number): void {
    if (this.usedBytes - replacing + needed > this.quotaBytes) {
      refuse(
        'insufficient_storage',
        `Not enough space in the drive: ${this.usedBytes} bytes used, ${needed} needed, limit ${this.quotaBytes}. Nothing was written.`,
      );
    }
  }

  /** Writes a file as `by` (another member, or a commit), on the condition given. */
  write(drivePath: string, bytes: Uint8Array, options: { by: Person; condition?: WriteCondition }): DriveEntry {
    const path = this.#checkPath(drivePath);
    this.#parentMustExist(path);
    const existing = this.#node(path);
    if (existing?.kind === 'folder') refuse('conflict', `"${path}" is a folder.`);
    if (!this.#holds(existing, options.condition ?? { any: true })) {
      refuse('conflict', `"${path}" changed since it was read; nothing was written.`);
    }
    this.#quota(bytes.byteLength, existing?.content.byteLength ?? 0);
    const node: Node = {
      path,
      kind: 'file',
      content: new Uint8Array(bytes),
      sha256: sha256Of(bytes),
      version: (existing?.version ?? 0) + 1,
      modifiedAt: this.#at(),
      modifiedBy: options.by,
      changed: this.cursor + 1,
    };
    this.#nodes.set(drivePathKey(path), node);
    this.#changed();
    return this.#entry(node);
  }

  mkdir(drivePath: string, by: Person): DriveEntry {
    const path = this.#checkPath(drivePath);
    this.#parentMustExist(path);
    if (this.#node(path) !== undefined) refuse('conflict', `"${path}" already exists.`);
    const node: Node = {
      path,
      kind: 'folder',
      content: new Uint8Array(),
      sha256: null,
      version: 1,
      modifiedAt: this.#at(),
      modifiedBy: by,
      changed: this.cursor + 1,
    };
    this.#nodes.set(drivePathKey(path), node);
    this.#changed();
    return this.#entry(node);
  }

  #subtree(key: string): Array<[string, Node]> {
    return [...this.#nodes].filter(([each]) => each === key || each.startsWith(`${key}/`));
  }

  move(from: string, to: string, options: { by: Person; ifMatch?: string | null }): DriveEntry {
    const source = this.#checkPath(from);
    const target = this.#checkPath(to);
    const node = this.#node(source);
    if (node === undefined) refuse('not_found', `"${source}" is not on the drive.`);
    if (options.ifMatch !== undefined && options.ifMatch !== null && !this.#holds(node, { ifMatch: options.ifMatch })) {
      refuse('conflict', `"${source}" changed since it was read; nothing was moved.`);
    }
    const sameEntry = drivePathKey(source) === drivePathKey(target);
    if (!sameEntry && this.#nodes.has(drivePathKey(target))) refuse('conflict', `"${target}" already exists.`);
    this.#parentMustExist(target);
    const sourceKey = drivePathKey(source);
    const depth = source.split('/').length;
    const moved = this.#subtree(sourceKey);
    for (const [key] of moved) this.#nodes.delete(key);
    for (const [, each] of moved) {
      const path = [target, ...each.path.split('/').slice(depth)].join('/');
      this.#nodes.set(drivePathKey(path), {
        ...each,
        path,
        version: each.version + 1,
        modifiedAt: this.#at(),
        modifiedBy: options.by,
        changed: this.cursor + 1,
      });
    }
    this.#changed();
    const result = this.#nodes.get(drivePathKey(target));
    if (result === undefined) throw new Error('moved entry missing');
    return this.#entry(result);
  }

  delete(drivePath: string, options: { by: Person; ifMatch?: string | null; unchangedSince?: number }): DriveTrashEntry {
    const path = this.#checkPath(drivePath);
    const node = this.#node(path);
    if (node === undefined) refuse('not_found', `"${path}" is not on the drive.`);
    if (options.ifMatch !== undefined && options.ifMatch !== null && !this.#holds(node, { ifMatch: options.ifMatch })) {
      refuse('conflict', `"${path}" changed since it was read; nothing was deleted.`);
    }
    const removed = this.#subtree(drivePathKey(path));
    const since = options.unchangedSince;
    if (since !== undefined && removed.some(([, each]) => each.changed > since)) {
      refuse('conflict', `"${path}" changed since it was read (something in it was written, made or moved in); nothing was deleted.`);
    }
    for (const [key] of removed) this.#nodes.delete(key);
    this.#changed();
    const at = this.#at();
    const trashed: DriveTrashEntry = {
      trashId: `trash-${randomBytes(10).toString('hex')}`,
      path,
      kind: node.kind,
      size: removed.reduce((sum, [, each]) => sum + each.content.byteLength, 0),
      deletedAt: at,
      deletedBy: options.by,
      purgeAt: at,
    };
    this.trash.push(trashed);
    return trashed;
  }

  read(drivePath: string): Uint8Array | null {
    const node = this.#nodes.get(drivePathKey(drivePath));
    return node?.kind === 'file' && node.path === drivePath ? node.content : null;
  }

  entry(drivePath: string): DriveEntry | null {
    const node = this.#nodes.get(drivePathKey(drivePath));
    return node === undefined ? null : this.#entry(node);
  }

  paths(): string[] {
    return [...this.#nodes.values()].map((node) => node.path).sort();
  }

  /** A copy of the drive as it is now, for a later restore. */
  backup(): { nodes: Map<string, Node>; cursor: number } {
    return { nodes: new Map(this.#nodes), cursor: this.cursor };
  }

  /** Puts a backup back, as an operator restoring the platform would; `bumpEpoch` as the platform does (or forgets to). */
  restore(backup: { nodes: Map<string, Node>; cursor: number }, options: { bumpEpoch: boolean }): void {
    this.#nodes = new Map(backup.nodes);
    this.cursor = backup.cursor;
    if (options.bumpEpoch) this.epoch += 1;
  }

  #sessionOf(uploadId: string): Session {
    const session = this.#sessions.get(uploadId);
    if (session === undefined) refuse('not_found', 'That upload is not known (it may have expired).');
    return session;
  }

  #sessionValue(session: Session): UploadSession {
    return {
      uploadId: session.uploadId,
      path: session.path,
      size: session.size,
      sha256: session.sha256,
      offset: session.offset,
      expiresAt: new Date(this.#clock + 86_400_000).toISOString(),
    };
  }

  /** The drive as one member reaches it. */
  remoteFor(person: Person): DriveRemote {
    const log = (call: Omit<DriveCall, 'by'>): void => {
      this.calls.push({ ...call, by: person.id });
    };
    return {
      tree: async () => {
        log({ op: 'tree' });
        const entries = [...this.#nodes.values()].map((node) => this.#entry(node));
        return checkRemoteTree({
          drive: {
            projectId: this.projectId,
            driveId: this.driveId,
            epoch: this.epoch,
            quotaBytes: this.quotaBytes,
            usedBytes: this.usedBytes,
            keepVersions: 20,
            trashDays: 30,
            files: entries.filter((entry) => entry.kind === 'file').length,
          },
          cursor: this.cursor,
          entries: [...entries, ...this.extraEntries],
        });
      },
      download: async (request): Promise<RemoteContent> => {
        log({ op: 'download', path: request.path, offset: request.offset });
        const node = this.#node(this.#checkPath(request.path));
        if (node?.kind !== 'file' || node.sha256 === null) refuse('not_found', `"${request.path}" is not on the drive.`);
        const etag = driveEtag(node.sha256, node.version);
        const start = request.offset > 0 && request.etag === etag && request.offset <= node.content.byteLength ? request.offset : 0;
        const content = node.content;
        const chunkBytes = this.#chunkBytes;
        async function* body(): AsyncGenerator<Uint8Array> {
          for (let at = start; at < content.byteLength; at += chunkBytes)
            yield content.slice(at, Math.min(at + chunkBytes, content.byteLength));
        }
        return { start, size: content.byteLength, etag, body: body() };
      },
      startUpload: async (upload: StartUpload) => {
        log({ op: 'startUpload', path: upload.path });
        const path = this.#checkPath(upload.path);
        this.#parentMustExist(path);
        const existing = this.#node(path);
        if (!this.#holds(existing, upload.condition)) refuse('conflict', `"${path}" changed since it was read; nothing was written.`);
        this.#quota(upload.size, existing?.content.byteLength ?? 0);
        const session: Session = {
          uploadId: `up-${randomBytes(12).toString('hex')}`,
          path,
          size: upload.size,
          sha256: upload.sha256,
          condition: upload.condition,
          chunks: [],
          offset: 0,
        };
        this.#sessions.set(session.uploadId, session);
        return this.#sessionValue(session);
      },
      uploadChunk: async (chunk) => {
        log({ op: 'uploadChunk', offset: chunk.offset });
        const session = this.#sessionOf(chunk.uploadId);
        // Anywhere but the session's offset: the session as it stands (the platform's 409 with the session).
        if (chunk.offset !== session.offset || chunk.offset + chunk.bytes.byteLength > session.size) return this.#sessionValue(session);
        session.chunks.push(new Uint8Array(chunk.bytes));
        session.offset += chunk.bytes.byteLength;
        return this.#sessionValue(session);
      },
      uploadStatus: async (uploadId) => {
        log({ op: 'uploadStatus' });
        return this.#sessionValue(this.#sessionOf(uploadId));
      },
      commitUpload: async (uploadId) => {
        const session = this.#sessionOf(uploadId);
        log({ op: 'commitUpload', path: session.path });
        const bytes = Buffer.concat(session.chunks);
        if (bytes.byteLength !== session.size || sha256Of(bytes) !== session.sha256) {
          refuse('conflict', 'The bytes received do not match the upload as it was declared; nothing was written.');
        }
        const entry = this.write(session.path, bytes, { by: person, condition: session.condition });
        this.#sessions.delete(uploadId);
        return entry;
      },
      mkdir: async (drivePath) => {
        log({ op: 'mkdir', path: drivePath });
        return this.mkdir(drivePath, person);
      },
      move: async ({ from, to, ifMatch }) => {
        log({ op: 'move', path: from, to, ifMatch });
        return this.move(from, to, { by: person, ifMatch });
      },
      delete: async ({ path, ifMatch, unchangedSince }) => {
        log({ op: 'delete', path, ifMatch, unchangedSince });
        return this.delete(path, { by: person, ifMatch, unchangedSince });
      },
    };
  }
}
