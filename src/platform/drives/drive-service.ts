// The platform's workspace drives (issue 17): a shared folder per project that a team can trust with a day's work. One
// service behind the JSON routes (src/platform/api/drive-routes.ts), the byte routes and WebDAV (./webdav/): every call
// checks that its caller is a member of the project now, the name policy (src/common/drives.ts), the quota and the
// write condition, and is recorded in the audit log. Bytes are content-addressed blobs (./blob-store.ts); the records
// (src/platform/store/drives.ts) hold which version of which entry names which blob. Nothing is lost: every overwrite
// keeps the version before it, a delete goes to the trash, and a write either happens whole or changes nothing.
import path from 'node:path';
import { createFileBlobStore, type BlobStore } from './blob-store.ts';
import { appPasswords } from './app-passwords.ts';
import { contentWrites } from './content-writes.ts';
import { davRecords } from './dav-records.ts';
import { createDriveContext, type DriveContext, type DriveServiceDependencies } from './drive-context.ts';
import { driveReads } from './reads.ts';
import type { DriveService } from './service-api.ts';
import { treeWrites } from './tree-writes.ts';
import { driveUpkeep, type SweepReport } from './upkeep.ts';
import { driveUploads } from './uploads.ts';

export type { DriveServiceDependencies, SweepReport };
export type { DriveService } from './service-api.ts';

/** The service, with what only the platform itself calls: the sweep and the epoch after a restore. */
export interface DriveServiceRuntime extends DriveService {
  /** Purges the trash past its time, expired uploads and locks, and what a stop left a day ago or more (every blob looked over at start). */
  sweep(options?: { atStart?: boolean }): Promise<SweepReport>;
  /** Moves every drive's epoch on (the drive store was restored from a backup): every sync journal resyncs. */
  restoredFromBackup(): Promise<number>;
  /** What the demo's files and the tests build on. */
  readonly context: DriveContext;
}

/** Where a platform's drives keep their bytes: `<data dir>/drives`. */
export function drivesFolder(dataDir: string): string {
  return path.join(dataDir, 'drives');
}

export function createDriveService(
  deps: Omit<DriveServiceDependencies, 'blobs'> & { readonly root: string; readonly blobs?: BlobStore },
): DriveServiceRuntime {
  const blobs = deps.blobs ?? createFileBlobStore(deps.root);
  const ctx = createDriveContext({ ...deps, blobs });
  const upkeep = driveUpkeep(ctx);
  return {
    ...driveReads(ctx),
    ...contentWrites(ctx),
    ...treeWrites(ctx),
    ...driveUploads(ctx),
    ...appPasswords(ctx),
    ...davRecords(ctx),
    sweep: (options) => upkeep.sweep(options),
    restoredFromBackup: () => upkeep.restoredFromBackup(),
    context: ctx,
  };
}
