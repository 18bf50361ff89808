// The sync scenarios' world on the in-memory drive (./memory-drive.ts): Ada's workstation and Bob, another member.
import { BOB, ADA, type DriveWorld } from './sync-kit.ts';
import { MemoryDrive } from './memory-drive.ts';

export function memoryWorld(options: { chunkBytes?: number } = {}): () => Promise<DriveWorld & { drive: MemoryDrive }> {
  return async () => {
    const drive = new MemoryDrive({ chunkBytes: options.chunkBytes ?? 4096 });
    return {
      drive,
      projectId: drive.projectId,
      otherName: BOB.name,
      remote: () => drive.remoteFor(ADA),
      other: () => drive.remoteFor(BOB),
      backup: async () => {
        const saved = drive.backup();
        return async ({ bumpEpoch }) => drive.restore(saved, { bumpEpoch });
      },
      setQuota: async (bytes) => {
        drive.quotaBytes = bytes;
      },
      renewDriveId: async () => {
        drive.driveId = 'drive-recreated';
      },
      close: async () => undefined,
    };
  };
}
