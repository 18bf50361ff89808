// The lifetime of the drives' blobs: a blob is pinned while a write or a read is between storing or finding it and
// committing or opening it, and deleted only once no version of any drive holds it and nobody has it pinned. A
// per-SHA-256 lock makes a collect's look at the pins and the records and its unlink one step that a pin made to commit
// (or install) the blob waits for: a blob a concurrent write has just pinned is never deleted under it. Other platform
// instances on the same data folder cannot see these pins: a pin made to commit also leaves a hold they see, and a
// collect deletes only what no instance holds (blob-sharing.ts).
import type { DriveRecords } from '../store/drives.ts';
import type { BlobStore } from './blob-store.ts';
import { createKeyedLocks } from './path-locks.ts';

export function blobLifetime(deps: {
  readonly blobs: BlobStore;
  readonly records: Pick<DriveRecords, 'blobReferenced'>;
  readonly log: (message: string, detail?: unknown) => void;
}) {
  const { blobs, records, log } = deps;
  /** Per SHA-256: a collect's check-and-delete, and a pin that a commit or an install will rely on. */
  const blobLocks = createKeyedLocks();
  const pins = new Map<string, number>();
  /** Per SHA-256: the holds this instance's commit pins left for the other instances (blob-sharing.ts). */
  const holds = new Map<string, string[]>();

  function pin(sha256: string): void {
    pins.set(sha256, (pins.get(sha256) ?? 0) + 1);
  }
  function unpin(sha256: string): void {
    const count = (pins.get(sha256) ?? 0) - 1;
    if (count > 0) pins.set(sha256, count);
    else pins.delete(sha256);
  }
  /**
   * Pins a blob that is about to be installed or named by a new version: waits for any collect of it that is under way
   * (which may have deleted it: the caller installs it after this, or checks it is still there), and leaves a hold that
   * every instance's collect respects. Let go with unpinCommit.
   */
  async function pinForCommit(sha256: string): Promise<void> {
    await blobLocks.run(sha256, async () => {
      const holdId = await blobs.hold(sha256);
      holds.set(sha256, [...(holds.get(sha256) ?? []), holdId]);
      pin(sha256);
    });
  }
  /** Lets go of a pin made by pinForCommit (its hold too: a hold left behind goes with the leftovers, a day later). */
  async function unpinCommit(sha256: string): Promise<void> {
    unpin(sha256);
    const held = holds.get(sha256) ?? [];
    const holdId = held.pop();
    if (held.length === 0) holds.delete(sha256);
    if (holdId === undefined) return;
    try {
      await blobs.letGo(holdId);
    } catch (err) {
      log('A drive blob hold could not be removed; the housekeeping removes it once it is a day old.', { sha256, err });
    }
  }

  /**
   * Stores a body as a blob, pinned from before it is in place (so a concurrent collect cannot take it between its
   * install and its commit). The caller lets it go with release once its commit is over, whatever the outcome.
   */
  async function storeBlob(body: AsyncIterable<Uint8Array>, limits: Omit<Parameters<BlobStore['put']>[1], 'beforeInstall'>) {
    let pinned: string | null = null;
    try {
      return await blobs.put(body, {
        ...limits,
        beforeInstall: async (blob) => {
          await pinForCommit(blob.sha256);
          pinned = blob.sha256;
        },
      });
    } catch (err) {
      if (pinned !== null) await unpinCommit(pinned);
      throw err;
    }
  }

  /** Lets a stored blob go: unpinned, and deleted unless a version holds it or someone else has it pinned. */
  async function release(sha256: string): Promise<void> {
    await unpinCommit(sha256);
    await collect([sha256]);
  }

  /**
   * Deletes the blobs no version holds any more and nobody has pinned or holds (in any instance), each checked and
   * deleted under its lock (see pinForCommit); answers how many it deleted. With `olderThanMs`, a blob written more
   * recently is kept (the housekeeping's orphans: another instance may be about to commit it). A failure is logged:
   * the blob waits for the sweep.
   */
  async function collect(shas: Iterable<string>, options: { olderThanMs?: number } = {}): Promise<number> {
    let deleted = 0;
    for (const sha256 of new Set(shas)) {
      try {
        await blobLocks.run(sha256, async () => {
          if (pins.has(sha256) || (await records.blobReferenced(sha256))) return;
          const gone = await blobs.deleteUnlessHeld(sha256, {
            inUse: () => records.blobReferenced(sha256),
            ...(options.olderThanMs === undefined ? {} : { olderThanMs: options.olderThanMs }),
          });
          if (gone) deleted += 1;
        });
      } catch (err) {
        log('A drive blob no version holds could not be deleted; the next sweep tries again.', { sha256, err });
      }
    }
    return deleted;
  }

  return {
    pin,
    pinForCommit,
    unpin,
    unpinCommit,
    pinned: (sha256: string) => pins.has(sha256),
    collect,
    storeBlob,
    release,
  };
}
