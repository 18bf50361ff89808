// What the drive service's operations share (src/platform/drives/): who may reach a drive (a member of its project now,
// under its agreement in force, the project not suspended; an app password only its own drive), the drive made on
// first use, the name policy's refusals, the shapes the API answers, the audit record of every call, and the blobs'
// lifetime (blob-lifetime.ts).
import { EnclaveError } from '../../common/errors.ts';
import {
  DRIVE_DEFAULTS,
  canonicalDrivePath,
  driveBaseName,
  driveEtag,
  drivePathKey,
  drivePathProblem,
  type DriveEntry,
  type DriveInfo,
  type DrivePerson,
  type DriveTrashEntry,
} from '../../common/drives.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { JsonValue } from '../audit/canonical-json.ts';
import { requireProjectAccess, type AgreementsInForce } from '../authz/access-policy.ts';
import type { KillSwitch } from '../incidents/kill-switch.ts';
import type { OperationRegistry } from '../incidents/operations.ts';
import type { DriveQueries, DriveSettings, StoredDrive, StoredEntry, StoredLockRow, StoredTrash } from '../store/drives.ts';
import { newDriveRecordId } from '../store/drives.ts';
import type { MetadataStore } from '../store/metadata-store.ts';
import { blobLifetime } from './blob-lifetime.ts';
import type { BlobStore } from './blob-store.ts';
import { createKeyedLocks } from './path-locks.ts';
import type { DriveCaller } from './service-api.ts';

export interface DriveServiceDependencies {
  readonly store: MetadataStore;
  readonly audit: AuditLog;
  readonly agreements: AgreementsInForce;
  readonly killSwitch: KillSwitch;
  /** The kill switch's registry of running work, where byte transfers are registered (absent: nothing can stop them). */
  readonly operations?: Pick<OperationRegistry, 'start'>;
  readonly blobs: BlobStore;
  readonly now?: () => Date;
  /**
   * What a new drive starts with: the platform's setting (DRIVE_DEFAULTS unless the operator gives others). A drive's
   * own settings are changed in its record (store.drives.setDriveSettings).
   */
  readonly defaults?: DriveSettings;
  /** How long an upload session lives after its last chunk (default 24 hours). */
  readonly uploadLifetimeMs?: number;
  /** Where background failures go (the server's log). */
  readonly log?: (message: string, detail?: unknown) => void;
  /** The platform's rate limiter (src/platform/http/rate-limit.ts), for app-password checks and what they record. */
  readonly rateLimiter: (options: { limit: number; windowMs: number; now?: () => number }) => KeyedLimiter;
}

/** A fixed-window limit per key, as the platform's limiter gives it. */
export interface KeyedLimiter {
  take(key: string): { readonly allowed: boolean; readonly firstRefusal: boolean };
}

/** The actor of what the platform does itself (the demo's files). */
export const PLATFORM_ACTOR = { id: 'enclave', name: 'Enclave' } as const;

/** A refusal that a read's audit record leaves out: the path names nothing (a WebDAV client probing for files). */
export class MissingEntry extends EnclaveError {
  constructor(drivePath: string) {
    super('not_found', `There is no “${drivePath}” in this drive.`);
    this.name = 'MissingEntry';
  }
}

/** Bytes as people read them, with the exact count (a quota refusal at the last byte must say which byte). */
export function formatBytes(bytes: number): string {
  const exact = `${bytes.toLocaleString('en-GB')} bytes`;
  if (bytes < 1024) return exact;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]} (${exact})`;
}

/**
 * The quota refusal. `used` counts what is kept and what is held for writes not finished yet (upload sessions, PUTs
 * under way); `{ total, reserved }` says how much of it is held.
 */
export function noSpace(usedBytes: number | { total: number; reserved: number }, needed: number, limit: number): EnclaveError {
  const { total: used, reserved } = typeof usedBytes === 'number' ? { total: usedBytes, reserved: 0 } : usedBytes;
  const held = reserved > 0 ? ` (${formatBytes(reserved)} of it held by uploads not finished yet)` : '';
  return new EnclaveError(
    'insufficient_storage',
    `Not enough space in the drive: ${formatBytes(used)} used${held}, ${formatBytes(needed)} needed, limit ${formatBytes(limit)}. ` +
      'Nothing was written. Deleted files and earlier versions count until they leave the trash: ask an administrator for more space.',
  );
}

/** A path as sent, checked by the name policy and made canonical; invalid_input names the reason. */
export function checkedPath(drivePath: string, options: { root: 'allowed' | 'refused' }): string {
  const problem = drivePathProblem(drivePath);
  if (problem !== null) throw new EnclaveError('invalid_input', `“${drivePath}” cannot be used: ${problem}. Nothing was changed.`);
  const canonical = canonicalDrivePath(drivePath);
  if (canonical === '' && options.root === 'refused') {
    throw new EnclaveError('invalid_input', 'That is the drive itself, not a file or folder in it. Nothing was changed.');
  }
  return canonical;
}

/** The path below `parent` (a stored folder, whose spelling wins) of an entry named `name`. */
export function childPath(parent: StoredEntry, name: string): string {
  return parent.path === '' ? name : `${parent.path}/${name}`;
}

/** A twin's refusal: it names both names. */
export function twinRefusal(wanted: string, existing: StoredEntry, doing: string): EnclaveError {
  return new EnclaveError(
    'conflict',
    `“${driveBaseName(wanted)}” cannot be ${doing}: “${driveBaseName(existing.path)}” is already in this folder, and the two names ` +
      'differ only in upper and lower case or in how their accents are encoded, which Windows and macOS cannot tell apart. ' +
      'Nothing was changed: choose another name.',
  );
}

/** Locks that cover a path: on it, on a folder above it with depth infinity, and (for a subtree) below it. */
export function coveringLocks(
  locks: readonly StoredLockRow[],
  pathKey: string,
  options: { subtree: boolean; membershipOf?: string | null },
): StoredLockRow[] {
  return locks.filter((lock) => {
    if (lock.provisional !== 0) return false;
    if (lock.path_key === pathKey) return true;
    const above = lock.path_key === '' || pathKey.startsWith(`${lock.path_key}/`);
    if (above && lock.depth === 'infinity') return true;
    if (options.subtree && (pathKey === '' || lock.path_key.startsWith(`${pathKey}/`))) return true;
    // Adding or removing a folder's member changes the folder: a lock on the folder itself covers it, at any depth.
    return options.membershipOf !== undefined && options.membershipOf !== null && lock.path_key === options.membershipOf;
  });
}

export type DriveContext = ReturnType<typeof createDriveContext>;

export function createDriveContext(deps: DriveServiceDependencies) {
  const { store, audit, blobs } = deps;
  const records = store.drives;
  const now = deps.now ?? (() => new Date());
  const stamp = (): string => now().toISOString();
  const defaults: DriveSettings = deps.defaults ?? DRIVE_DEFAULTS;
  const driveLocks = createKeyedLocks();
  const uploadLocks = createKeyedLocks();
  /** Per project: the declared bytes of the WebDAV PUTs streaming into it now, counted against its quota. */
  const writing = new Map<string, number>();
  const log = deps.log ?? (() => undefined);
  const lifetime = blobLifetime({ blobs, records, log });

  /** Counts `bytes` of a write under way against a drive's quota until the answer is called (once; later calls do nothing). */
  function holdWriting(projectId: string, bytes: number): () => void {
    if (bytes <= 0) return () => undefined;
    writing.set(projectId, (writing.get(projectId) ?? 0) + bytes);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const left = (writing.get(projectId) ?? 0) - bytes;
      if (left > 0) writing.set(projectId, left);
      else writing.delete(projectId);
    };
  }

  /** The project, if the caller may use its drive now; the same refusals as every project route. */
  async function access(caller: DriveCaller, projectId: string): Promise<{ id: string; name: string }> {
    if (caller.appPasswordId !== undefined) {
      const password = await records.appPassword(caller.appPasswordId);
      if (password === undefined || password.project_id !== projectId || password.revoked_at !== null) {
        throw new EnclaveError('not_found', 'There is no such project, or you are not a member of it.');
      }
    }
    const { project } = await requireProjectAccess({
      store,
      agreements: deps.agreements,
      principal: caller.principal,
      projectId,
      now: now(),
    });
    const suspended = await deps.killSwitch.projectRefusal(project);
    if (suspended !== null) throw suspended;
    return project;
  }

  /** The project's drive, made with the platform's defaults on first use. */
  async function driveOf(projectId: string, by: string): Promise<StoredDrive> {
    return (await openDrive(projectId, by)).drive;
  }

  /**
   * The project's drive, and whether this call made it: of several callers at once (other instances included), exactly
   * one is told it did (the demo's first files are that one's to write).
   */
  async function openDrive(projectId: string, by: string): Promise<{ drive: StoredDrive; created: boolean }> {
    const found = await records.drive(projectId);
    if (found !== undefined) return { drive: found, created: false };
    return records.transaction(async (q) => {
      const again = await q.drive(projectId);
      if (again !== undefined) return { drive: again, created: false };
      const at = stamp();
      const drive: StoredDrive = {
        project_id: projectId,
        drive_id: newDriveRecordId('drv'),
        epoch: 1,
        quota_bytes: defaults.quotaBytes,
        keep_versions: defaults.keepVersions,
        trash_days: defaults.trashDays,
        change_seq: 0,
        created_at: at,
        created_by: by,
      };
      const root: StoredEntry = {
        id: newDriveRecordId('ent'),
        project_id: projectId,
        path: '',
        path_key: '',
        parent_key: null,
        kind: 'folder',
        version: 1,
        sha256: null,
        size: 0,
        modified_at: at,
        modified_by: by,
        trash_id: null,
        changed_seq: 0,
      };
      await q.createDrive(drive, root);
      return { drive, created: true };
    });
  }

  async function names(): Promise<Map<string, string>> {
    const known = new Map((await store.listUsers()).map((person) => [person.id, person.displayName]));
    known.set(PLATFORM_ACTOR.id, PLATFORM_ACTOR.name);
    return known;
  }

  const personOf = (known: ReadonlyMap<string, string>, id: string): DrivePerson => ({ id, name: known.get(id) ?? id });

  async function infoOf(q: DriveQueries, drive: StoredDrive): Promise<DriveInfo> {
    return {
      projectId: drive.project_id,
      driveId: drive.drive_id,
      epoch: drive.epoch,
      quotaBytes: drive.quota_bytes,
      usedBytes: await q.usedBytes(drive.project_id),
      keepVersions: drive.keep_versions,
      trashDays: drive.trash_days,
      files: await q.liveFileCount(drive.project_id),
    };
  }

  /** The entry as the API shows it; `locks` are the drive's live ones (for lockedBy). */
  function entryView(entry: StoredEntry, known: ReadonlyMap<string, string>, locks: readonly StoredLockRow[]): DriveEntry {
    const holder = coveringLocks(locks, entry.path_key, { subtree: false })[0];
    return {
      path: entry.path,
      name: driveBaseName(entry.path),
      kind: entry.kind,
      size: entry.size,
      sha256: entry.sha256,
      etag: entry.kind === 'file' && entry.sha256 !== null ? driveEtag(entry.sha256, entry.version) : null,
      version: entry.version,
      modifiedAt: entry.modified_at,
      modifiedBy: personOf(known, entry.modified_by),
      lockedBy: holder === undefined ? null : personOf(known, holder.user_id),
    };
  }

  function trashView(row: StoredTrash, known: ReadonlyMap<string, string>): DriveTrashEntry {
    return {
      trashId: row.id,
      path: row.path,
      kind: row.kind,
      size: row.size,
      deletedAt: row.deleted_at,
      deletedBy: personOf(known, row.deleted_by),
      purgeAt: row.purge_at,
    };
  }

  /** One entry, shown: after a change, read again outside its transaction. */
  async function shown(projectId: string, entry: StoredEntry): Promise<DriveEntry> {
    return entryView(entry, await names(), await records.locks(projectId, now().getTime()));
  }

  /** The live entry at a path, or MissingEntry. */
  async function requireEntry(q: DriveQueries, projectId: string, drivePath: string): Promise<StoredEntry> {
    const entry = await q.entry(projectId, drivePathKey(drivePath));
    if (entry === undefined) throw new MissingEntry(drivePath);
    return entry;
  }

  /** The folder a new entry goes in (its stored spelling wins), or conflict. */
  async function requireParent(q: DriveQueries, at: { projectId: string; drivePath: string; doing: string }): Promise<StoredEntry> {
    const { projectId, drivePath, doing } = at;
    const parentPath = drivePath.includes('/') ? drivePath.slice(0, drivePath.lastIndexOf('/')) : '';
    const parent = await q.entry(projectId, drivePathKey(parentPath));
    if (parent === undefined) {
      throw new EnclaveError(
        'conflict',
        `The folder “${parentPath}” does not exist, so “${driveBaseName(drivePath)}” cannot be ${doing} there. Nothing was changed.`,
      );
    }
    if (parent.kind !== 'folder') {
      throw new EnclaveError('conflict', `“${parent.path}” is a file, not a folder: nothing can be ${doing} in it. Nothing was changed.`);
    }
    return parent;
  }

  /** Refuses (locked) when another person's WebDAV lock covers the path and the caller holds none of those that do. */
  async function requireUnlocked(
    q: DriveQueries,
    call: { caller: DriveCaller; projectId: string; entryPath: string; subtree: boolean; membershipOf?: string | null },
  ): Promise<void> {
    const locks = await q.locks(call.projectId, now().getTime());
    if (locks.length === 0) return;
    const covering = coveringLocks(locks, drivePathKey(call.entryPath), {
      subtree: call.subtree,
      membershipOf: call.membershipOf === undefined || call.membershipOf === null ? call.membershipOf : drivePathKey(call.membershipOf),
    });
    const mine = covering.some((lock) => lock.user_id === call.caller.principal.user.id);
    const theirs = covering.find((lock) => lock.user_id !== call.caller.principal.user.id);
    if (theirs === undefined || (mine && theirs.scope === 'shared')) return;
    // Through the same queries: inside a change, the store's other reads would wait for it.
    const known = (await q.displayName(theirs.user_id)) ?? theirs.user_id;
    const until = new Date(theirs.expires_at).toISOString().slice(11, 16);
    throw new EnclaveError(
      'locked',
      `${call.entryPath === '' ? 'The drive' : `“${call.entryPath}”`} is locked by ${known} (a WebDAV lock${theirs.path === call.entryPath ? '' : ` on “${theirs.path || 'the drive'}”`}, until ${until} UTC unless it is renewed). Nothing was changed: try again once it is released.`,
    );
  }

  /**
   * Runs a call and records it in the audit log: `success` with what it did, or `failure` with the refusal's code and
   * message (then the refusal is thrown on). A read of a path that holds nothing is not recorded (`quietMissing`).
   */
  async function audited<T>(
    event: { type: string; caller: DriveCaller | null; projectId: string; details: Record<string, JsonValue>; quietMissing?: boolean },
    work: () => Promise<{ result: T; details?: Record<string, JsonValue> }>,
  ): Promise<T> {
    const base = {
      type: event.type,
      actor: event.caller?.principal.user.id ?? null,
    };
    const who: Record<string, JsonValue> = {
      projectId: event.projectId,
      via: event.caller?.via ?? 'platform',
      ...(event.caller?.appPasswordId === undefined ? {} : { appPasswordId: event.caller.appPasswordId }),
    };
    let outcome: { result: T; details?: Record<string, JsonValue> };
    try {
      outcome = await work();
    } catch (err) {
      if (event.quietMissing === true && err instanceof MissingEntry) throw err;
      const refusal = err instanceof EnclaveError ? err : new EnclaveError('internal', 'The drive failed.');
      await audit.append({
        ...base,
        outcome: 'failure',
        details: { ...who, ...event.details, code: refusal.code, reason: refusal.message },
      });
      throw err;
    }
    await audit.append({ ...base, outcome: 'success', details: { ...who, ...event.details, ...outcome.details } });
    return outcome.result;
  }

  return {
    deps,
    store,
    records,
    audit,
    blobs,
    now,
    stamp,
    log,
    driveLocks,
    uploadLocks,
    access,
    driveOf,
    openDrive,
    names,
    personOf,
    infoOf,
    entryView,
    trashView,
    shown,
    requireEntry,
    requireParent,
    requireUnlocked,
    audited,
    ...lifetime,
    uploadLifetimeMs: deps.uploadLifetimeMs ?? 24 * 60 * 60 * 1000,
    holdWriting,
    writingBytes: (projectId: string) => writing.get(projectId) ?? 0,
  };
}
