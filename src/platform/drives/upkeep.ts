// The drives' housekeeping (issue 17), run at start and then every few minutes, by every platform instance on the data
// folder (issue 19 C): entries whose time in the trash is over are purged with their versions (and the blobs no version
// holds any more), expired upload sessions and their bytes go, partial files no session knows go, expired locks go.
// What a stopped process left in the store goes too, once it is older than LEFTOVER_AGE_MS (blob-sharing.ts):
// temporary files, holds, and blobs no version holds (a write stopped between storing its blob and committing it leaves
// one). Anything younger may be another instance's write under way, so it waits for a later sweep. The blobs are looked
// over at start and then once every ORPHAN_SCAN_EVERY_MS: that reads every blob's name and asks the records about each.
import { bestEffort } from '../../common/detached.ts';
import { LEFTOVER_AGE_MS } from './blob-sharing.ts';
import type { DriveContext } from './drive-context.ts';

/** How often a running instance looks over every blob for leftovers (besides at start): a day, as their age. */
export const ORPHAN_SCAN_EVERY_MS = LEFTOVER_AGE_MS;

export interface SweepReport {
  readonly trashPurged: number;
  readonly uploadsExpired: number;
  readonly locksExpired: number;
  /** Temporary files and holds a stopped process left, a day old or more. */
  readonly leftoversRemoved: number;
  readonly blobsDeleted: number;
}

export function driveUpkeep(ctx: DriveContext) {
  const { records, blobs } = ctx;
  let lastScan: number | null = null;

  /** Deletes the blobs a day old or more that no version holds and no instance pins; mends what a stopped collect left. */
  async function collectOrphans(): Promise<number> {
    const { blobs: found, setAside } = await blobs.scanBlobs();
    const cutoff = Date.now() - LEFTOVER_AGE_MS;
    const old = found.filter((blob) => blob.modifiedMs < cutoff && !ctx.pinned(blob.sha256)).map((blob) => blob.sha256);
    // Each checked again under its lock, as any collect: no version names it, no instance holds it, and it is still old.
    const deleted = await ctx.collect(old, { olderThanMs: LEFTOVER_AGE_MS });
    for (const blob of setAside) {
      // Wanted and missing: back in place at once (a collect deciding on it now would have put it back too). Otherwise
      // removed once a day old: until then it may be an instance's collect deciding on it right now. One blob's trouble
      // (another instance settling it at the same moment) does not stop the others', nor a start.
      await bestEffort(
        (async () => {
          const wanted = (await records.blobReferenced(blob.sha256)) || (await blobs.isHeld(blob.sha256));
          if (wanted) await blobs.settleSetAside(blob, 'restore');
          else if (blob.changedMs < cutoff) await blobs.settleSetAside(blob, 'remove');
        })(),
      );
    }
    return deleted;
  }

  return {
    async sweep(sweepOptions: { atStart?: boolean } = {}): Promise<SweepReport> {
      const stamp = ctx.stamp();
      let trashPurged = 0;
      for (const row of await records.expiredTrash(stamp)) {
        const shas = await ctx.driveLocks.run(row.project_id, () =>
          records.change(row.project_id, async (q) => {
            const still = await q.trashRow(row.project_id, row.id);
            return still === undefined ? null : q.purgeTrash(row.id);
          }),
        );
        // Another instance's sweep purged it first (and recorded it).
        if (shas === null) continue;
        await ctx.audit.append({
          type: 'drive.trash_purged',
          actor: null,
          outcome: 'success',
          details: { projectId: row.project_id, trashId: row.id, path: row.path, bytes: row.size, via: 'platform' },
        });
        await ctx.collect(shas);
        trashPurged += 1;
      }
      let uploadsExpired = 0;
      for (const upload of await records.expiredUploads(stamp)) {
        if (ctx.uploadLocks.busy(upload.id)) continue;
        await records.deleteUpload(upload.id);
        await blobs.discardUpload(upload.id);
        uploadsExpired += 1;
      }
      // The files first, then the records: a session's record is made before its file (uploads.ts), so a file listed
      // here whose record is gone by the time the records are read belongs to no session, whichever instance made it.
      const files = await blobs.uploadIds();
      const known = new Set(await records.uploadIds());
      for (const uploadId of files) {
        if (!known.has(uploadId) && !ctx.uploadLocks.busy(uploadId)) await blobs.discardUpload(uploadId);
      }
      const locksExpired = await records.deleteExpiredLocks(ctx.now().getTime());
      const leftoversRemoved = await blobs.removeLeftovers(LEFTOVER_AGE_MS);
      let blobsDeleted = 0;
      if (sweepOptions.atStart === true || lastScan === null || Date.now() - lastScan >= ORPHAN_SCAN_EVERY_MS) {
        lastScan = Date.now();
        blobsDeleted = await collectOrphans();
      }
      return { trashPurged, uploadsExpired, locksExpired, leftoversRemoved, blobsDeleted };
    },

    /** After the operator restored the drive store from a backup: every drive's epoch moves on, so every sync journal resyncs. */
    async restoredFromBackup(): Promise<number> {
      const drives = await records.bumpEpochs();
      await ctx.audit.append({
        type: 'drive.epoch_bumped',
        actor: null,
        outcome: 'success',
        details: { drives, reason: 'the drive store was restored from a backup', via: 'platform' },
      });
      return drives;
    },
  };
}
