// One drive store shared by several platform instances on one data folder (issue 19 C). Each instance pins in memory
// what it is writing (drive-context.ts), but no instance sees another's memory. So a write about to rely on a blob
// (install it, or name it in a new version) first leaves a *hold*: a small file under `holds/` that every instance sees,
// removed once its commit is over. A collect deletes a blob only through deleteUnlessHeld: it moves the blob aside
// first, then looks for holds and asks whether a version names it, and puts it back if either says so. A write takes
// its hold before it looks at or installs the blob, so either the collect sees the hold, or the write finds the blob
// gone and is refused with nothing written (a new blob is installed afresh, outside what the collect moved aside).
// What a stopped process left (a temporary file, a hold, a blob set aside) goes only once it is older than
// LEFTOVER_AGE_MS: until then another instance may still be writing it.
import { randomBytes } from 'node:crypto';
import { lstat, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { bestEffort } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import { CREATE_FLAGS, fsyncFolder, isMissing, SHA256 } from './blob-files.ts';

/**
 * How long a file of the drive store must have been left alone before the housekeeping may take it for a leftover of a
 * stopped process: a day. Every write keeps its files' times fresh (each chunk written moves a temporary file's time,
 * an upload's bytes are stamped when they become a blob, a hold is made just before the commit it guards), so this is
 * the longest a write may go quiet and still finish. The platform sets no time limit on a request, and keeps an upload
 * session for a day after its last chunk: a day is the same patience. A write quiet for longer is refused when it
 * resumes, with nothing written. Clock differences between hosts on one volume are far smaller.
 */
export const LEFTOVER_AGE_MS = 24 * 60 * 60 * 1000;

const HOLD = /^([0-9a-f]{64})\.[0-9a-f]{24}$/;
const SET_ASIDE = /^([0-9a-f]{64})\.aside-[0-9a-f]{24}$/;

/** A blob moved aside by a collect that did not finish (its process stopped between the move and the decision). */
export interface SetAsideBlob {
  readonly sha256: string;
  readonly name: string;
  /** When it was moved aside (its status change time). */
  readonly changedMs: number;
}

export interface BlobSharing {
  /** Leaves a hold on a blob that every instance's collect respects; answers its id (for letGo). */
  hold(sha256: string): Promise<string>;
  letGo(holdId: string): Promise<void>;
  /** Whether any instance holds the blob now. */
  isHeld(sha256: string): Promise<boolean>;
  /**
   * Deletes the blob unless any instance holds it, `inUse()` says a version names it, or (with `olderThanMs`) it was
   * written more recently than that. Answers whether it deleted it.
   */
  deleteUnlessHeld(sha256: string, check: { inUse: () => Promise<boolean>; olderThanMs?: number }): Promise<boolean>;
  /** Removes temporary files and holds older than `olderThanMs`; answers how many. */
  removeLeftovers(olderThanMs: number): Promise<number>;
  /** Every blob with its modification time, and the blobs a stopped collect left set aside. */
  scanBlobs(): Promise<{ blobs: Array<{ sha256: string; modifiedMs: number }>; setAside: SetAsideBlob[] }>;
  /** Puts a blob set aside back in its place, or removes it; one another instance settled first counts as settled. */
  settleSetAside(blob: SetAsideBlob, outcome: 'restore' | 'remove'): Promise<void>;
  /**
   * Puts back a copy of the blob that a collect set aside (one deciding now, or one that stopped): what a read or a
   * write that finds the blob missing asks before it says so. Answers whether the blob is in place now.
   */
  restoreSetAside(sha256: string): Promise<boolean>;
}

/** The folders of a file blob store, and its checked way to make one (blob-store.ts). */
export interface StoreFolders {
  readonly blobsDir: string;
  readonly tempDir: string;
  readonly holdsDir: string;
  /** Makes sure a folder of the store is a real folder of ours, 0700; answers it. */
  folder(dir: string): Promise<string>;
  blobPath(sha256: string): { dir: string; file: string };
}

async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}

/** Removes the plain files of a folder that were last changed before `before` (ms); answers how many. */
async function removeOlder(dir: string, options: { before: number; names: (name: string) => boolean }): Promise<number> {
  let removed = 0;
  for (const name of await namesIn(dir)) {
    if (!options.names(name)) continue;
    const file = path.join(dir, name);
    const info = await lstat(file).catch(() => null);
    if (info === null || info.isDirectory() || info.mtimeMs >= options.before) continue;
    await rm(file, { force: true });
    removed += 1;
  }
  return removed;
}

export function fileBlobSharing(folders: StoreFolders): BlobSharing {
  const { blobsDir, tempDir, holdsDir } = folders;

  async function heldAnywhere(sha256: string): Promise<boolean> {
    const prefix = `${sha256}.`;
    return (await namesIn(await folders.folder(holdsDir))).some((name) => name.startsWith(prefix));
  }

  const setAsideName = (sha256: string): string => `${sha256}.aside-${randomBytes(12).toString('hex')}`;

  return {
    async hold(sha256) {
      if (!SHA256.test(sha256)) throw new EnclaveError('internal', 'A blob name is not a SHA-256.');
      const holdId = `${sha256}.${randomBytes(12).toString('hex')}`;
      const handle = await open(path.join(await folders.folder(holdsDir), holdId), CREATE_FLAGS, 0o600);
      await handle.close();
      return holdId;
    },

    async letGo(holdId) {
      if (!HOLD.test(holdId)) throw new EnclaveError('internal', 'A hold id is not one.');
      await rm(path.join(holdsDir, holdId), { force: true });
    },

    isHeld: heldAnywhere,

    async deleteUnlessHeld(sha256, check) {
      const { dir, file } = folders.blobPath(sha256);
      await folders.folder(dir);
      if (await heldAnywhere(sha256)) return false;
      const aside = path.join(dir, setAsideName(sha256));
      try {
        await rename(file, aside);
      } catch (err) {
        if (isMissing(err)) return false;
        throw err;
      }
      let keep = true;
      try {
        const info = await lstat(aside);
        const recent = check.olderThanMs !== undefined && Date.now() - info.mtimeMs < check.olderThanMs;
        keep = recent || (await heldAnywhere(sha256)) || (await check.inUse());
      } finally {
        // Back in place whatever failed: a blob is only ever deleted on a decision. Over a copy a write installed
        // meanwhile, it changes nothing (the same name is the same content); gone already, a read or a write that
        // wanted it meanwhile put it back (restoreSetAside).
        if (keep) {
          await rename(aside, file).catch((err: unknown) => {
            if (!isMissing(err)) throw err;
          });
        }
      }
      if (keep) return false;
      // Gone already: a read or a write that wanted it put it back, so it is not deleted.
      const deleted = await rm(aside).then(
        () => true,
        (err: unknown) => {
          if (isMissing(err)) return false;
          throw err;
        },
      );
      await bestEffort(fsyncFolder(dir));
      return deleted;
    },

    async restoreSetAside(sha256) {
      const { dir, file } = folders.blobPath(sha256);
      const prefix = `${sha256}.aside-`;
      for (const name of (await namesIn(await folders.folder(dir))).filter((entry) => entry.startsWith(prefix))) {
        if (!SET_ASIDE.test(name)) continue;
        try {
          await rename(path.join(dir, name), file);
          await bestEffort(fsyncFolder(dir));
          return true;
        } catch (err) {
          if (!isMissing(err)) throw err;
        }
      }
      return (await lstat(file).catch(() => null))?.isFile() === true;
    },

    async removeLeftovers(olderThanMs) {
      const before = Date.now() - olderThanMs;
      // Through the checked folders: never into a link planted in their place.
      const temps = await removeOlder(await folders.folder(tempDir), { before, names: () => true });
      const holds = await removeOlder(await folders.folder(holdsDir), { before, names: (name) => HOLD.test(name) });
      return temps + holds;
    },

    async scanBlobs() {
      const blobs: Array<{ sha256: string; modifiedMs: number }> = [];
      const setAside: SetAsideBlob[] = [];
      // A folder that is not a real one of ours (a link planted in its place) is passed over: nothing is read through it.
      const checked = (dir: string): Promise<string | null> => folders.folder(dir).catch(() => null);
      const top = await checked(blobsDir);
      const prefixes = top === null ? [] : (await namesIn(top)).filter((name) => /^[0-9a-f]{2}$/.test(name));
      for (const prefix of prefixes) {
        const prefixDir = await checked(path.join(blobsDir, prefix));
        if (prefixDir === null) continue;
        for (const name of await namesIn(prefixDir)) {
          const aside = SET_ASIDE.exec(name);
          const sha256 = aside?.[1] ?? (SHA256.test(name) ? name : null);
          if (sha256 === null || !sha256.startsWith(prefix)) continue;
          const info = await lstat(path.join(prefixDir, name)).catch(() => null);
          if (info === null || !info.isFile()) continue;
          if (aside === null) blobs.push({ sha256, modifiedMs: info.mtimeMs });
          else setAside.push({ sha256, name, changedMs: info.ctimeMs });
        }
      }
      return { blobs, setAside };
    },

    async settleSetAside(blob, outcome) {
      if (!SET_ASIDE.test(blob.name)) throw new EnclaveError('internal', 'A blob set aside is not named as one.');
      const { dir, file } = folders.blobPath(blob.sha256);
      const aside = path.join(await folders.folder(dir), blob.name);
      if (outcome === 'restore') {
        await rename(aside, file).catch((err: unknown) => {
          if (!isMissing(err)) throw err;
        });
      } else await rm(aside, { force: true });
      await bestEffort(fsyncFolder(dir));
    },
  };
}
