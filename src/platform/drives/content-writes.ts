// Writing a file's content (issue 17): a new blob first (written, fsynced, renamed into place), then, under the drive's
// lock and in one transaction, the checks again (the name policy's twins, the parent folder, the write condition
// against the current ETag, other people's WebDAV locks, the quota with the real size) and the compare-and-swap of the
// version pointer. Of two writes made on the same ETag exactly one happens; the other is `conflict` and changes nothing.
// Earlier versions are kept up to the drive's count, oldest dropped first; what no version holds any more is deleted.
// A restore of a version is a new version with its content. `write` (WebDAV PUT), the upload sessions' commit and
// the demo's files all go through here. A PUT's body is a transfer the kill switch can stop (transfers.ts) until all of
// it has arrived: stopped, nothing is committed.
import type { Readable } from 'node:stream';
import { EnclaveError } from '../../common/errors.ts';
import { driveEtag, drivePathKey, type DriveEntry, type WriteCondition } from '../../common/drives.ts';
import type { DriveQueries, StoredDrive, StoredEntry, StoredVersion } from '../store/drives.ts';
import { newDriveRecordId } from '../store/drives.ts';
import type { StoredBlob } from './blob-store.ts';
import { checkedPath, childPath, noSpace, twinRefusal, type DriveContext } from './drive-context.ts';
import type { DriveCaller } from './service-api.ts';
import { startCheckedTransfer, type Transfer } from './transfers.ts';

/** What a write would do, as checked on the records now. */
export interface WritePlan {
  readonly drive: StoredDrive;
  /** The path the entry has (the parent folder's stored spelling, the name as sent). */
  readonly drivePath: string;
  readonly parent: StoredEntry;
  readonly existing: StoredEntry | undefined;
  readonly used: number;
  /**
   * Bytes promised but not yet kept: the declared sizes of the drive's open upload sessions and of the PUTs streaming
   * into it now. They count against the quota like kept bytes, so parked sessions cannot hold more than it.
   */
  readonly reserved: number;
  /** Earlier versions that this write pushes past the drive's count (dropped with it), and their bytes. */
  readonly drop: readonly number[];
  readonly freed: number;
}

const changed = (drivePath: string, what: string) =>
  new EnclaveError(
    'conflict',
    `“${drivePath}” changed since you read it: ${what}. Nothing was written: look at it again, then save again.`,
  );

/** Checks a write of `size` bytes at `drivePath` against the records; refuses as the write would be refused. */
/**
 * The most entries (files and folders, live and in the trash) one drive may hold: every listing, tree and sync pass
 * reads them all, so a drive of millions of tiny files would stall the platform for everyone.
 */
export const DRIVE_ENTRIES_MAX = 100_000;

/** Refuses (507) a change that would bring `adding` new entries into a drive past DRIVE_ENTRIES_MAX. */
export async function requireRoomForEntries(
  q: DriveQueries,
  call: { projectId: string; adding: number; doing: 'written' | 'created' | 'copied' },
): Promise<void> {
  const held = await q.entryCount(call.projectId);
  if (held + call.adding > DRIVE_ENTRIES_MAX) {
    throw new EnclaveError(
      'insufficient_storage',
      `The drive holds ${held.toLocaleString('en-GB')} files and folders (the trash included), and may hold at most ` +
        `${DRIVE_ENTRIES_MAX.toLocaleString('en-GB')}: empty the trash or remove some first. Nothing was ${call.doing}.`,
    );
  }
}

export async function planWrite(
  ctx: DriveContext,
  q: DriveQueries,
  call: { caller: DriveCaller | null; projectId: string; drivePath: string; condition: WriteCondition; size: number | null },
): Promise<WritePlan> {
  const { projectId } = call;
  const drive = await q.drive(projectId);
  if (drive === undefined) throw new EnclaveError('not_found', 'This project has no drive. Nothing was written.');
  const parent = await ctx.requireParent(q, { projectId, drivePath: call.drivePath, doing: 'saved' });
  const drivePath = childPath(parent, call.drivePath.slice(call.drivePath.lastIndexOf('/') + 1));
  const existing = await q.entry(projectId, drivePathKey(drivePath));
  if (existing !== undefined && existing.path !== drivePath) throw twinRefusal(drivePath, existing, 'saved');
  if (existing?.kind === 'folder') {
    throw new EnclaveError('conflict', `“${drivePath}” is a folder: a file cannot be saved in its place. Nothing was written.`);
  }
  const { condition } = call;
  if ('ifMatch' in condition) {
    if (existing === undefined) throw changed(drivePath, 'it was deleted or moved away');
    if (existing.sha256 === null || driveEtag(existing.sha256, existing.version) !== condition.ifMatch) {
      const by = (await q.displayName(existing.modified_by)) ?? existing.modified_by;
      throw changed(drivePath, `version ${existing.version} was saved by ${by} at ${existing.modified_at}`);
    }
  } else if ('ifAbsent' in condition && existing !== undefined) {
    const by = (await q.displayName(existing.modified_by)) ?? existing.modified_by;
    throw changed(drivePath, `a file of that name was saved there by ${by} at ${existing.modified_at}`);
  }
  if (call.caller !== null) {
    await ctx.requireUnlocked(q, {
      caller: call.caller,
      projectId,
      entryPath: drivePath,
      subtree: false,
      membershipOf: existing === undefined ? parent.path : null,
    });
  }
  if (existing === undefined) await requireRoomForEntries(q, { projectId, adding: 1, doing: 'written' });
  const used = await q.usedBytes(projectId);
  let drop: number[] = [];
  let freed = 0;
  if (existing !== undefined) {
    // After this write every version now kept is an earlier one: the oldest past the count go.
    const earlier = await q.versions(existing.id);
    const dropped = earlier.slice(drive.keep_versions);
    drop = dropped.map((version) => version.version);
    freed = dropped.reduce((sum, version) => sum + version.size, 0);
  }
  const reserved = (await q.openUploadBytes(projectId, ctx.stamp())) + ctx.writingBytes(projectId);
  if (call.size !== null && used + reserved - freed + call.size > drive.quota_bytes) {
    throw noSpace({ total: used + reserved, reserved }, call.size, drive.quota_bytes);
  }
  return { drive, drivePath, parent, existing, used, reserved, drop, freed };
}

/** The most bytes a write at this plan may bring without going over the quota. */
export function roomFor(plan: WritePlan): number {
  return Math.max(0, plan.drive.quota_bytes - plan.used - plan.reserved + plan.freed);
}

export interface CommittedContent {
  readonly entry: StoredEntry;
  readonly created: boolean;
  readonly change: 'created' | 'written' | 'restored';
}

/** What one new version needs. */
export interface NewVersion {
  readonly caller: DriveCaller | null;
  readonly actorId: string;
  readonly projectId: string;
  readonly drivePath: string;
  readonly blob: StoredBlob;
  readonly condition: WriteCondition;
  readonly restored?: boolean;
  readonly mediaType?: string | null;
}

/**
 * Inside a change's transaction: checks everything again with the blob's real size, then moves the version pointer.
 * Answers the versions it dropped (their blobs are for `collect` once the transaction is over).
 */
export async function applyVersion(
  ctx: DriveContext,
  change: { q: DriveQueries; seq: number },
  call: NewVersion,
): Promise<CommittedContent & { dropped: StoredVersion[] }> {
  const { q, seq } = change;
  const { projectId, blob } = call;
  const plan = await planWrite(ctx, q, { ...call, size: blob.size });
  const at = ctx.stamp();
  const version = plan.existing === undefined ? 1 : plan.existing.version + 1;
  const made = call.restored === true ? 'restored' : plan.existing === undefined ? 'created' : 'written';
  const entry: StoredEntry = {
    id: plan.existing?.id ?? newDriveRecordId('ent'),
    project_id: projectId,
    path: plan.drivePath,
    path_key: drivePathKey(plan.drivePath),
    parent_key: plan.parent.path_key,
    kind: 'file',
    version,
    sha256: blob.sha256,
    size: blob.size,
    modified_at: at,
    modified_by: call.actorId,
    trash_id: null,
    changed_seq: seq,
  };
  if (plan.existing === undefined) await q.insertEntry(entry);
  else {
    await q.updateEntry(entry.id, {
      version,
      sha256: blob.sha256,
      size: blob.size,
      modified_at: at,
      modified_by: call.actorId,
      changed_seq: seq,
    });
  }
  await q.addVersion({
    entry_id: entry.id,
    version,
    project_id: projectId,
    sha256: blob.sha256,
    size: blob.size,
    media_type: call.mediaType ?? null,
    at,
    by: call.actorId,
    change: made,
  });
  const dropped = await q.dropVersions(entry.id, plan.drop);
  return { entry, created: plan.existing === undefined, change: made, dropped };
}

/**
 * Moves the version pointer to a stored blob, if everything still holds (checked again inside the transaction). The
 * caller keeps the blob pinned until this returns; blobs of versions dropped here are collected after the commit.
 */
export async function commitVersion(ctx: DriveContext, call: NewVersion): Promise<CommittedContent> {
  const outcome = await ctx.driveLocks.run(call.projectId, () =>
    ctx.records.change(call.projectId, (q, seq) => applyVersion(ctx, { q, seq }, call)),
  );
  await ctx.collect(outcome.dropped.map((version) => version.sha256));
  return { entry: outcome.entry, created: outcome.created, change: outcome.change };
}

/**
 * Commits a stored blob, then lets it go: pinned until the commit is over, deleted if the commit was refused. The pin
 * waits for any collect of the blob under way, and its hold keeps other instances' collects off it; a blob a collect
 * took meanwhile (a restore of a version dropped at that moment) is refused rather than named by a version with no content.
 */
export async function commitPinned(ctx: DriveContext, call: NewVersion): Promise<CommittedContent> {
  await ctx.pinForCommit(call.blob.sha256);
  try {
    if (!(await ctx.blobs.has(call.blob.sha256))) {
      throw new EnclaveError(
        'not_found',
        `The content to save at “${call.drivePath}” is no longer stored (its version was dropped meanwhile). Nothing was changed.`,
      );
    }
    return await commitVersion(ctx, call);
  } finally {
    await ctx.unpinCommit(call.blob.sha256);
    // Nothing but this write held it if the write was refused: then no version names it and it goes.
    await ctx.collect([call.blob.sha256]);
  }
}

export function contentWrites(ctx: DriveContext) {
  return {
    // eslint-disable-next-line max-params -- DriveService's signature (service-api.ts), not ours
    async write(
      caller: DriveCaller,
      projectId: string,
      rawPath: string,
      body: Readable,
      declaredLength: number | null,
      condition: WriteCondition,
      mediaType?: string,
    ): Promise<DriveEntry> {
      return ctx.audited(
        { type: 'drive.write', caller, projectId, details: { path: rawPath, declaredBytes: declaredLength } },
        async () => {
          await ctx.access(caller, projectId);
          const drivePath = checkedPath(rawPath, { root: 'refused' });
          await ctx.driveOf(projectId, caller.principal.user.id);
          if (declaredLength !== null && (!Number.isSafeInteger(declaredLength) || declaredLength < 0)) {
            throw new EnclaveError('invalid_input', 'The declared length of the file is not a whole number of bytes. Nothing was written.');
          }
          // Before a byte is read: the name, the condition, the locks and the quota from the declared length.
          const plan = await planWrite(ctx, ctx.records, { caller, projectId, drivePath, condition, size: declaredLength });
          const room = roomFor(plan);
          // Its declared length counts against the quota while it streams (a body of unknown length is bounded by the
          // room there is now); the commit checks the quota again with the real size, once this hold is let go.
          const letGo = ctx.holdWriting(projectId, declaredLength ?? 0);
          let transfer: Transfer;
          try {
            transfer = await startCheckedTransfer(ctx.deps.operations, ctx.deps.killSwitch, { caller, projectId, flow: body });
          } catch (err) {
            letGo();
            throw err;
          }
          let blob: StoredBlob;
          try {
            blob = await ctx.storeBlob(body, {
              maxBytes: declaredLength ?? room,
              tooLarge: () =>
                declaredLength === null
                  ? noSpace({ total: plan.used + plan.reserved - plan.freed, reserved: plan.reserved }, room + 1, plan.drive.quota_bytes)
                  : new EnclaveError('invalid_input', 'The file is longer than its declared length. Nothing was written.'),
              ...(declaredLength === null ? {} : { expectedBytes: declaredLength }),
            });
          } catch (err) {
            throw transfer.stoppedBy() ?? err;
          } finally {
            transfer.end();
            letGo();
          }
          // Stopped by the kill switch as its last bytes arrived: nothing is committed, and the blob goes.
          const stopped = transfer.stoppedBy();
          if (stopped !== undefined) {
            await ctx.release(blob.sha256);
            throw stopped;
          }
          let committed: CommittedContent;
          try {
            committed = await commitPinned(ctx, {
              caller,
              actorId: caller.principal.user.id,
              projectId,
              drivePath,
              blob,
              condition,
              mediaType: mediaType ?? null,
            });
          } finally {
            await ctx.release(blob.sha256);
          }
          return {
            result: await ctx.shown(projectId, committed.entry),
            details: {
              path: committed.entry.path,
              version: committed.entry.version,
              sha256: blob.sha256,
              bytes: blob.size,
              change: committed.change,
            },
          };
        },
      );
    },

    // eslint-disable-next-line max-params -- DriveService's signature (service-api.ts), not ours
    async restoreVersion(caller: DriveCaller, projectId: string, rawPath: string, version: number): Promise<DriveEntry> {
      return ctx.audited(
        { type: 'drive.restore_version', caller, projectId, details: { path: rawPath, restoredVersion: version } },
        async () => {
          await ctx.access(caller, projectId);
          const drivePath = checkedPath(rawPath, { root: 'refused' });
          await ctx.driveOf(projectId, caller.principal.user.id);
          const entry = await ctx.requireEntry(ctx.records, projectId, drivePath);
          if (entry.kind !== 'file')
            throw new EnclaveError('invalid_input', `“${entry.path}” is a folder: folders have no versions. Nothing was changed.`);
          const kept = await ctx.records.version(entry.id, version);
          if (kept === undefined) {
            throw new EnclaveError(
              'not_found',
              `“${entry.path}” has no version ${version} any more (the drive keeps the latest ones). Nothing was changed.`,
            );
          }
          // The restored version is the condition: if the file moved on meanwhile, the restore is made on what is there now.
          const committed = await commitPinned(ctx, {
            caller,
            actorId: caller.principal.user.id,
            projectId,
            drivePath: entry.path,
            blob: { sha256: kept.sha256, size: kept.size },
            condition: { any: true },
            restored: true,
            mediaType: kept.media_type,
          });
          return {
            result: await ctx.shown(projectId, committed.entry),
            details: {
              path: committed.entry.path,
              version: committed.entry.version,
              sha256: kept.sha256,
              bytes: kept.size,
              change: 'restored',
            },
          };
        },
      );
    },
  };
}
