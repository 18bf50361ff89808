// An in-memory DriveService for the WebDAV adapter's unit tests: it keeps the contract's promises that the adapter relies
// on (membership, the name policy with twins, conditions checked at the moment of writing, quota checked from the
// declared length before a byte is read, soft delete, whole-folder moves and copies, stored locks, dead properties, app
// passwords per project) and records each call, so a test can see what reached the drive and what did not.
// The operations WebDAV never uses (versions, trash restore, resumable uploads, app password management) refuse with a
// message saying so.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  canonicalDrivePath,
  driveBaseName,
  driveEtag,
  drivePathKey,
  drivePathProblem,
  parentDrivePath,
  type DriveEntry,
  type DriveFolder,
  type DriveInfo,
  type DriveTrashEntry,
  type DriveTree,
  type WriteCondition,
} from '../../../../../src/common/drives.ts';
import { EnclaveError } from '../../../../../src/common/errors.ts';
import type { Principal } from '../../../../../src/platform/identity/principal.ts';
import type {
  ByteRange,
  DriveCaller,
  DriveService,
  OpenedContent,
  StoredDriveLock,
} from '../../../../../src/platform/drives/service-api.ts';

interface StoredEntry {
  entry: DriveEntry;
  content: Buffer;
  properties: Record<string, string>;
}

interface Drive {
  readonly projectId: string;
  readonly members: Set<string>;
  readonly entries: Map<string, StoredEntry>;
  usedBytes: number;
  quotaBytes: number;
  readonly trash: DriveTrashEntry[];
}

export interface FakeAppPassword {
  readonly id: string;
  readonly projectId: string;
  readonly username: string;
  readonly secret: string;
  readonly userId: string;
}

export function principalOf(id: string, displayName: string): Principal {
  return { user: { id, displayName, role: 'analyst', roles: ['analyst'] }, authenticatedBy: 'oidc' };
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

export class FakeDriveService implements DriveService {
  readonly people = new Map<string, Principal>();
  readonly appPasswordList: FakeAppPassword[] = [];
  readonly storedLocks: StoredDriveLock[] = [];
  /** Every call, as "<method> <project> <arguments>". */
  readonly calls: string[] = [];
  /** Bytes the service has read from write bodies. */
  bodyBytesRead = 0;
  /** Runs inside `write`, after the body is read and before the condition is checked: a concurrent writer. */
  beforeCommit: ((projectId: string, path: string) => Promise<void>) | null = null;
  /** Makes the next call to this method fail with an unexpected (non-Enclave) error. */
  failNext: { method: string; error: Error } | null = null;
  private readonly drivesById = new Map<string, Drive>();
  private clock = Date.parse('2026-12-01T09:00:00Z');

  addPerson(id: string, displayName: string): Principal {
    const principal = principalOf(id, displayName);
    this.people.set(id, principal);
    return principal;
  }

  addDrive(projectId: string, members: readonly string[], quotaBytes = 1_000_000): void {
    this.drivesById.set(projectId, { projectId, members: new Set(members), entries: new Map(), usedBytes: 0, quotaBytes, trash: [] });
  }

  addAppPassword(password: Omit<FakeAppPassword, 'id'>): FakeAppPassword {
    const stored = { ...password, id: `app-${randomBytes(10).toString('hex')}` };
    this.appPasswordList.push(stored);
    return stored;
  }

  /** The stored content of a file, for assertions (no membership check). */
  contentOf(projectId: string, path: string): string | undefined {
    return this.drive(projectId).entries.get(drivePathKey(path))?.content.toString('utf8');
  }

  stored(projectId: string, path: string): DriveEntry | undefined {
    return this.drive(projectId).entries.get(drivePathKey(path))?.entry;
  }

  trashOf(projectId: string): readonly DriveTrashEntry[] {
    return this.drive(projectId).trash;
  }

  callsOf(method: string): string[] {
    return this.calls.filter((call) => call.startsWith(`${method} `));
  }

  /** Puts a file or folder in place without a caller (a drive's starting state). */
  async seed(projectId: string, path: string, content: string | null): Promise<DriveEntry> {
    const drive = this.drive(projectId);
    const body = Buffer.from(content ?? '');
    return this.place(drive, { path, kind: content === null ? 'folder' : 'file', content: body, by: { id: 'seed', name: 'Seed' } });
  }

  // ---- DriveService ---------------------------------------------------------------------------------------------------

  async drives(caller: DriveCaller): Promise<DriveInfo[]> {
    return [...this.drivesById.values()].filter((drive) => drive.members.has(caller.principal.user.id)).map((drive) => this.infoOf(drive));
  }

  async info(caller: DriveCaller, projectId: string): Promise<DriveInfo> {
    return this.infoOf(this.memberDrive(caller, projectId, ['info']));
  }

  async entry(caller: DriveCaller, projectId: string, path: string): Promise<DriveEntry> {
    return this.present(projectId, this.existing(this.memberDrive(caller, projectId, ['entry', path]), path).entry);
  }

  async folder(caller: DriveCaller, projectId: string, path: string): Promise<DriveFolder> {
    const drive = this.memberDrive(caller, projectId, ['folder', path]);
    if (path !== '' && this.existing(drive, path).entry.kind !== 'folder')
      throw new EnclaveError('invalid_input', `"${path}" is not a folder.`);
    const entries = [...drive.entries.values()]
      .map((stored) => this.present(projectId, stored.entry))
      .filter((entry) => parentDrivePath(entry.path) === path)
      .sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'folder' ? -1 : 1));
    return { drive: this.infoOf(drive), path, entries };
  }

  async tree(caller: DriveCaller, projectId: string): Promise<DriveTree> {
    const drive = this.memberDrive(caller, projectId, ['tree']);
    return { drive: this.infoOf(drive), cursor: this.calls.length, entries: [...drive.entries.values()].map((stored) => stored.entry) };
  }

  // eslint-disable-next-line max-params -- DriveService's signature (service-api.ts), not ours
  async read(caller: DriveCaller, projectId: string, path: string, range?: ByteRange): Promise<OpenedContent> {
    const drive = this.memberDrive(caller, projectId, ['read', path, range === undefined ? '' : `${range.start}-${range.end}`]);
    const stored = this.existing(drive, path);
    if (stored.entry.kind !== 'file') throw new EnclaveError('invalid_input', `"${path}" is a folder.`);
    const bytes = range === undefined ? stored.content : stored.content.subarray(range.start, range.end + 1);
    return { entry: stored.entry, length: bytes.length, stream: Readable.from([bytes]) };
  }

  async readVersion(): Promise<OpenedContent> {
    throw new EnclaveError('unavailable', 'The WebDAV tests\u2019 fake drive keeps no versions.');
  }

  // eslint-disable-next-line max-params -- DriveService's signature (service-api.ts), not ours
  async write(
    caller: DriveCaller,
    projectId: string,
    path: string,
    body: Readable,
    declaredLength: number | null,
    condition: WriteCondition,
  ): Promise<DriveEntry> {
    const drive = this.memberDrive(caller, projectId, ['write', path, JSON.stringify({ declaredLength, condition })]);
    this.checkNewPath(drive, path);
    if (declaredLength !== null) this.checkQuota(drive, declaredLength);
    const content = await readAll(body);
    this.bodyBytesRead += content.length;
    this.checkQuota(drive, content.length);
    await this.beforeCommit?.(projectId, path);
    const current = drive.entries.get(drivePathKey(path));
    if (current?.entry.kind === 'folder') throw new EnclaveError('invalid_input', `"${path}" is a folder.`);
    if ('ifMatch' in condition && current?.entry.etag !== condition.ifMatch) {
      throw new EnclaveError('conflict', `"${path}" changed since it was read; nothing was written.`);
    }
    if ('ifAbsent' in condition && current !== undefined) {
      throw new EnclaveError('conflict', `"${path}" was created by someone else meanwhile; nothing was written.`);
    }
    return this.place(drive, { path, kind: 'file', content, by: this.personOf(caller) });
  }

  async makeFolder(caller: DriveCaller, projectId: string, path: string): Promise<DriveEntry> {
    const drive = this.memberDrive(caller, projectId, ['makeFolder', path]);
    this.checkNewPath(drive, path);
    if (drive.entries.has(drivePathKey(path))) throw new EnclaveError('conflict', `"${path}" already exists.`);
    return this.place(drive, { path, kind: 'folder', content: Buffer.alloc(0), by: this.personOf(caller) });
  }

  // eslint-disable-next-line max-params -- DriveService's signature (service-api.ts), not ours
  async move(
    caller: DriveCaller,
    projectId: string,
    from: string,
    to: string,
    options: { ifMatch: string | null; overwrite: boolean },
  ): Promise<DriveEntry> {
    const drive = this.memberDrive(caller, projectId, ['move', `${from} -> ${to}`, JSON.stringify(options)]);
    const source = this.existing(drive, from);
    if (options.ifMatch !== null && source.entry.etag !== options.ifMatch)
      throw new EnclaveError('conflict', `"${from}" changed; nothing was moved.`);
    const caseOnly = drivePathKey(from) === drivePathKey(to);
    if (!caseOnly) this.makeRoomAt(drive, { path: to, overwrite: options.overwrite, caller });
    this.checkNewPath(drive, to, caseOnly ? from : undefined);
    const moving = [...drive.entries.values()].filter((stored) => isWithin(stored.entry.path, source.entry.path));
    for (const stored of moving) drive.entries.delete(drivePathKey(stored.entry.path));
    const target = this.storedSpelling(drive, to);
    for (const stored of moving) {
      const path = target + stored.entry.path.slice(source.entry.path.length);
      const entry = { ...stored.entry, path, name: driveBaseName(path), version: stored.entry.version + 1 };
      drive.entries.set(drivePathKey(path), { ...stored, entry: stored.entry.kind === 'file' ? withEtag(entry, stored.content) : entry });
    }
    return this.existing(drive, target).entry;
  }

  // eslint-disable-next-line max-params -- DriveService's signature (service-api.ts), not ours
  async copy(
    caller: DriveCaller,
    projectId: string,
    from: string,
    to: string,
    options: { overwrite: boolean; depth: '0' | 'infinity' },
  ): Promise<DriveEntry> {
    const drive = this.memberDrive(caller, projectId, ['copy', `${from} -> ${to}`, JSON.stringify(options)]);
    const source = this.existing(drive, from);
    this.makeRoomAt(drive, { path: to, overwrite: options.overwrite, caller });
    this.checkNewPath(drive, to);
    const copying = [...drive.entries.values()].filter(
      (stored) =>
        stored.entry.path === source.entry.path || (options.depth === 'infinity' && isWithin(stored.entry.path, source.entry.path)),
    );
    const target = this.storedSpelling(drive, to);
    for (const stored of copying) {
      const path = target + stored.entry.path.slice(source.entry.path.length);
      const placed = this.place(drive, { path, kind: stored.entry.kind, content: stored.content, by: this.personOf(caller) });
      this.existing(drive, placed.path).properties = { ...stored.properties };
    }
    return this.existing(drive, to).entry;
  }

  // eslint-disable-next-line max-params -- DriveService's signature (service-api.ts), not ours
  async delete(caller: DriveCaller, projectId: string, path: string, ifMatch: string | null): Promise<DriveTrashEntry> {
    const drive = this.memberDrive(caller, projectId, ['delete', path, String(ifMatch)]);
    const stored = this.existing(drive, path);
    if (ifMatch !== null && stored.entry.etag !== ifMatch) throw new EnclaveError('conflict', `"${path}" changed; nothing was deleted.`);
    return this.toTrash(drive, stored.entry, caller);
  }

  async versions(): Promise<never> {
    throw new EnclaveError('unavailable', 'The WebDAV tests\u2019 fake drive keeps no versions.');
  }

  async restoreVersion(): Promise<never> {
    throw new EnclaveError('unavailable', 'The WebDAV tests\u2019 fake drive keeps no versions.');
  }

  async trash(caller: DriveCaller, projectId: string): Promise<DriveTrashEntry[]> {
    return [...this.memberDrive(caller, projectId, ['trash']).trash];
  }

  async restoreTrash(): Promise<never> {
    throw new EnclaveError('unavailable', 'The WebDAV tests\u2019 fake drive does not restore from its trash.');
  }

  async startUpload(): Promise<never> {
    throw new EnclaveError('unavailable', 'The WebDAV tests\u2019 fake drive has no resumable uploads.');
  }

  async uploadChunk(): Promise<never> {
    throw new EnclaveError('unavailable', 'The WebDAV tests\u2019 fake drive has no resumable uploads.');
  }

  async uploadStatus(): Promise<never> {
    throw new EnclaveError('unavailable', 'The WebDAV tests\u2019 fake drive has no resumable uploads.');
  }

  async commitUpload(): Promise<never> {
    throw new EnclaveError('unavailable', 'The WebDAV tests\u2019 fake drive has no resumable uploads.');
  }

  async appPasswords(): Promise<never> {
    throw new EnclaveError('unavailable', 'The WebDAV tests\u2019 fake drive makes app passwords with addAppPassword.');
  }

  async createAppPassword(): Promise<never> {
    throw new EnclaveError('unavailable', 'The WebDAV tests\u2019 fake drive makes app passwords with addAppPassword.');
  }

  async revokeAppPassword(): Promise<never> {
    throw new EnclaveError('unavailable', 'The WebDAV tests\u2019 fake drive makes app passwords with addAppPassword.');
  }

  async verifyAppPassword(projectId: string, username: string, secret: string): Promise<DriveCaller | null> {
    this.calls.push(`verifyAppPassword ${projectId} ${username}`);
    const password = this.appPasswordList.find((p) => p.projectId === projectId && p.username === username && p.secret === secret);
    const principal = password === undefined ? undefined : this.people.get(password.userId);
    return password === undefined || principal === undefined ? null : { principal, appPasswordId: password.id, via: 'webdav' };
  }

  async locks(projectId: string, path: string, options: { descendants: boolean; ancestors: boolean }): Promise<StoredDriveLock[]> {
    this.calls.push(`locks ${projectId} ${path}`);
    return this.storedLocks.filter(
      (lock) =>
        lock.projectId === projectId &&
        (lock.path === path || (options.descendants && isWithin(lock.path, path)) || (options.ancestors && isWithin(path, lock.path))),
    );
  }

  async saveLock(caller: DriveCaller, lock: StoredDriveLock): Promise<void> {
    this.memberDrive(caller, lock.projectId, ['saveLock', lock.path, lock.token]);
    if (lock.userId !== caller.principal.user.id) throw new EnclaveError('forbidden', 'A lock is saved by its holder only.');
    const at = this.storedLocks.findIndex((stored) => stored.token === lock.token);
    if (at >= 0) this.storedLocks.splice(at, 1, lock);
    else this.storedLocks.push(lock);
  }

  async deleteLock(caller: DriveCaller, projectId: string, token: string): Promise<void> {
    this.memberDrive(caller, projectId, ['deleteLock', token]);
    const at = this.storedLocks.findIndex((stored) => stored.token === token && stored.projectId === projectId);
    if (at < 0) return;
    if (this.storedLocks[at].userId !== caller.principal.user.id) throw new EnclaveError('forbidden', 'Only its holder removes a lock.');
    this.storedLocks.splice(at, 1);
  }

  async properties(caller: DriveCaller, projectId: string, path: string): Promise<Record<string, string>> {
    return { ...this.existing(this.memberDrive(caller, projectId, ['properties', path]), path).properties };
  }

  // eslint-disable-next-line max-params -- DriveService's signature (service-api.ts), not ours
  async setProperties(
    caller: DriveCaller,
    projectId: string,
    path: string,
    changes: ReadonlyArray<{ name: string; value: string | null }>,
  ): Promise<void> {
    const stored = this.existing(this.memberDrive(caller, projectId, ['setProperties', path]), path);
    for (const { name, value } of changes) {
      if (value === null) delete stored.properties[name];
      else stored.properties[name] = value;
    }
  }

  // ---- The fake's own rules ---------------------------------------------------------------------------------------------

  private drive(projectId: string): Drive {
    const drive = this.drivesById.get(projectId);
    if (drive === undefined) throw new EnclaveError('not_found', `There is no drive for project ${projectId}.`);
    return drive;
  }

  /** The drive of a project the caller is a member of, recording the call (and failing it when a test asked). */
  private memberDrive(caller: DriveCaller, projectId: string, call: readonly [string, ...string[]]): Drive {
    const [method, ...details] = call;
    this.calls.push([method, projectId, ...details].join(' '));
    if (this.failNext?.method === method) {
      const { error } = this.failNext;
      this.failNext = null;
      throw error;
    }
    const drive = this.drive(projectId);
    if (!drive.members.has(caller.principal.user.id)) {
      throw new EnclaveError('forbidden', `You are not a member of project ${projectId}, so its drive is closed to you.`);
    }
    if (
      caller.appPasswordId !== undefined &&
      !this.appPasswordList.some((p) => p.id === caller.appPasswordId && p.projectId === projectId)
    ) {
      throw new EnclaveError('forbidden', 'This app password opens another drive.');
    }
    return drive;
  }

  /** The entry a path names, found by its key (as the platform's drive finds it): any spelling of its names. */
  private existing(drive: Drive, path: string): StoredEntry {
    const stored = drive.entries.get(drivePathKey(path));
    if (stored === undefined) throw new EnclaveError('not_found', `There is no "${path}" in this drive.`);
    return stored;
  }

  /** The policy for a path about to be written or made: its names, its folder, and no twin of another spelling. */
  private checkNewPath(drive: Drive, path: string, renaming?: string): void {
    const problem = path === '' ? 'a path must name a file or folder' : drivePathProblem(path);
    if (problem !== null) throw new EnclaveError('invalid_input', `"${path}" cannot be used: ${problem}. Nothing was changed.`);
    const parent = parentDrivePath(path);
    if (parent !== '' && drive.entries.get(drivePathKey(parent))?.entry.kind !== 'folder') {
      throw new EnclaveError('not_found', `There is no folder "${parent}".`);
    }
    const twin = drive.entries.get(drivePathKey(path));
    const sameName = twin !== undefined && driveBaseName(twin.entry.path) === driveBaseName(canonicalDrivePath(path));
    if (twin !== undefined && !sameName && twin.entry.path !== renaming) {
      // As the platform's drive answers it: a conflict (the WebDAV adapter answers twins itself, 409, before this).
      throw new EnclaveError(
        'conflict',
        `"${driveBaseName(path)}" and "${twin.entry.name}" differ only in case or Unicode form; nothing was changed.`,
      );
    }
  }

  /** A path as stored: its folder's stored spelling, then its own name (NFC). */
  private storedSpelling(drive: Drive, path: string): string {
    const canonical = canonicalDrivePath(path);
    const parent = parentDrivePath(canonical);
    const stored = parent === '' ? undefined : drive.entries.get(drivePathKey(parent));
    return stored === undefined ? canonical : `${stored.entry.path}/${driveBaseName(canonical)}`;
  }

  private checkQuota(drive: Drive, bytes: number): void {
    if (drive.usedBytes + bytes > drive.quotaBytes) {
      throw new EnclaveError(
        'insufficient_storage',
        `Not enough space in the drive: ${drive.usedBytes} bytes used, ${bytes} needed, limit ${drive.quotaBytes}. Nothing was written.`,
      );
    }
  }

  private makeRoomAt(drive: Drive, { path, overwrite, caller }: { path: string; overwrite: boolean; caller: DriveCaller }): void {
    const existing = drive.entries.get(drivePathKey(path));
    if (existing === undefined) return;
    if (!overwrite) throw new EnclaveError('conflict', `"${path}" already exists; nothing was changed.`);
    this.toTrash(drive, existing.entry, caller);
  }

  private toTrash(drive: Drive, entry: DriveEntry, caller: DriveCaller): DriveTrashEntry {
    const removed = [...drive.entries.values()].filter((stored) => isWithin(stored.entry.path, entry.path));
    for (const stored of removed) drive.entries.delete(drivePathKey(stored.entry.path));
    const now = new Date(this.tick());
    const trashed: DriveTrashEntry = {
      trashId: `trash-${randomBytes(10).toString('hex')}`,
      path: entry.path,
      kind: entry.kind,
      size: removed.reduce((sum, stored) => sum + stored.content.length, 0),
      deletedAt: now.toISOString(),
      deletedBy: this.personOf(caller),
      purgeAt: new Date(now.getTime() + 30 * 86_400_000).toISOString(),
    };
    drive.trash.push(trashed);
    return trashed;
  }

  private place(
    drive: Drive,
    item: { path: string; kind: 'file' | 'folder'; content: Buffer; by: { id: string; name: string } },
  ): DriveEntry {
    const path = this.storedSpelling(drive, item.path);
    const previous = drive.entries.get(drivePathKey(path));
    const base: DriveEntry = {
      path,
      name: driveBaseName(path),
      kind: item.kind,
      size: item.kind === 'file' ? item.content.length : 0,
      sha256: null,
      etag: null,
      version: (previous?.entry.version ?? 0) + 1,
      modifiedAt: new Date(this.tick()).toISOString(),
      modifiedBy: item.by,
      lockedBy: null,
    };
    const entry = item.kind === 'file' ? withEtag(base, item.content) : base;
    drive.usedBytes += entry.size;
    drive.entries.set(drivePathKey(path), { entry, content: item.content, properties: previous?.properties ?? {} });
    return entry;
  }

  /** An entry as the service answers it: with who holds a lock on it. */
  private present(projectId: string, entry: DriveEntry): DriveEntry {
    const lock = this.storedLocks.find((stored) => stored.projectId === projectId && stored.path === entry.path && !stored.provisional);
    const holder = lock === undefined ? undefined : this.people.get(lock.userId);
    return { ...entry, lockedBy: holder === undefined ? null : { id: holder.user.id, name: holder.user.displayName } };
  }

  private personOf(caller: DriveCaller): { id: string; name: string } {
    return { id: caller.principal.user.id, name: caller.principal.user.displayName };
  }

  private infoOf(drive: Drive): DriveInfo {
    return {
      projectId: drive.projectId,
      driveId: `drive-${drive.projectId}`,
      epoch: 1,
      quotaBytes: drive.quotaBytes,
      usedBytes: drive.usedBytes,
      keepVersions: 20,
      trashDays: 30,
      files: [...drive.entries.values()].filter((stored) => stored.entry.kind === 'file').length,
    };
  }

  private tick(): number {
    this.clock += 1000;
    return this.clock;
  }
}

function isWithin(path: string, ancestor: string): boolean {
  return ancestor === '' || path === ancestor || path.startsWith(`${ancestor}/`);
}

function withEtag(entry: DriveEntry, content: Buffer): DriveEntry {
  const hash = sha256(content);
  return { ...entry, sha256: hash, etag: driveEtag(hash, entry.version) };
}
