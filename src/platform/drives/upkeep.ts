// The drives' housekeeping (issue 17), run at start and then every few minutes: entries whose time in the trash is over
// are purged with their versions (and the blobs no version holds any more), expired upload sessions and their bytes
// go, partial files no session knows go, expired locks go. At start, before anything is served, temporary files a stop
// left behind are removed and every blob no version holds is deleted (a write stopped between storing its blob and
// committing it leaves one).
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DriveContext } from './drive-context.ts';

export interface SweepReport {
  readonly trashPurged: number;
  readonly uploadsExpired: number;
  readonly locksExpired: number;
  readonly blobsDeleted: number;
}

export function driveUpkeep(ctx: DriveContext, options: { root: string }) {
  const { records, blobs } = ctx;

  /** Blobs on disk that no version holds and nobody has pinned (only at start: it reads every blob's name). */
  async function orphanBlobs(): Promise<string[]> {
    const blobsDir = path.join(options.root, 'blobs');
    const prefixes = await readdir(blobsDir).catch(() => [] as string[]);
    const found: string[] = [];
    for (const prefix of prefixes.filter((name) => /^[0-9a-f]{2}$/.test(name))) {
      const names = await readdir(path.join(blobsDir, prefix)).catch(() => [] as string[]);
      for (const name of names) {
        if (!/^[0-9a-f]{64}$/.test(name) || !name.startsWith(prefix) || ctx.pinned(name)) continue;
        if (!(await records.blobReferenced(name))) found.push(name);
      }
    }
    return found;
  }

  return {
    async sweep(sweepOptions: { atStart?: boolean } = {}): Promise<SweepReport> {
      const stamp = ctx.stamp();
      let trashPurged = 0;
      for (const row of await records.expiredTrash(stamp)) {
        const shas = await ctx.driveLocks.run(row.project_id, () =>
          records.change(row.project_id, async (q) => {
            const still = await q.trashRow(row.project_id, row.id);
            return still === undefined ? [] : q.purgeTrash(row.id);
          }),
        );
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
      const known = new Set(await records.uploadIds());
      for (const uploadId of await blobs.uploadIds()) {
        if (!known.has(uploadId) && !ctx.uploadLocks.busy(uploadId)) await blobs.discardUpload(uploadId);
      }
      const locksExpired = await records.deleteExpiredLocks(ctx.now().getTime());
      let blobsDeleted = 0;
      if (sweepOptions.atStart === true) {
        await rm(path.join(options.root, 'tmp'), { recursive: true, force: true });
        // Each checked again under its lock, as any collect: a write may have just pinned the same bytes.
        blobsDeleted = await ctx.collect(await orphanBlobs());
      }
      return { trashPurged, uploadsExpired, locksExpired, blobsDeleted };
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
