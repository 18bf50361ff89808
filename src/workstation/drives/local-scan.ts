// What is in the local folder (issue 17), as the sync engine sees it: every file and folder below the root by its
// drive path and key, without following a single link. What cannot be synced is said, not skipped silently:
//   - names the policy refuses (invalid on Windows, macOS or Linux) and case or Unicode twins of a name already in
//     its folder: `name_clash` with the reason; the twin that is synced already (or that the drive has) keeps its
//     place and the other waits;
//   - symbolic links (never followed, never synced) and anything that is not a regular file or a folder: `error`;
//   - names starting ".enclave-part-": a regular file named exactly as the workstation names its temporary files is one
//     (listed in `parts`, never synced); anything else there (a folder, a link, another name) is a `name_clash`.
// Hashing is not done here: the engine hashes only what its hints say may have changed.
import type { BigIntStats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { canonicalDrivePath, drivePathKey, drivePathProblem, driveNameProblem } from '../../common/drives.ts';
import { EnclaveError } from '../../common/errors.ts';
import { MARKER_NAME, PART_PREFIX, absolutePath, fingerprintOf, isPartName, isWorkstationPartName, lstatOrNull } from './local-fs.ts';

export interface LocalFile {
  readonly kind: 'file';
  /** The canonical drive path (each name NFC). */
  readonly path: string;
  /** The path as it is on disk, '/'-separated, relative to the root (a name may be NFD here). */
  readonly disk: string;
  readonly key: string;
  readonly size: number;
  readonly fingerprint: string;
  readonly stats: BigIntStats;
}

export interface LocalFolder {
  readonly kind: 'folder';
  readonly path: string;
  readonly disk: string;
  readonly key: string;
}

export type LocalEntry = LocalFile | LocalFolder;

/** A temporary file of the workstation's (a regular file named as its own), left for removeStrayParts to judge. */
export interface LocalPart {
  /** Its relative on-disk path. */
  readonly disk: string;
  /** When it last changed, content or place (the later of mtime and ctime, epoch ms). */
  readonly changedAt: number;
}

/** A local entry that is not synced, and why. */
export interface LocalProblem {
  readonly disk: string;
  /** Its key when it has one (a link or a special file where the drive may have an entry). */
  readonly key: string | null;
  /**
   * What the engine may do at its key: 'replaceable' (a link or special file: never uploaded or a reason to delete, but
   * the drive's content may replace it), 'hands-off' (unreadable: nothing at all), or null (a name the drive cannot have).
   */
  readonly blocks: 'replaceable' | 'hands-off' | null;
  readonly state: 'name_clash' | 'error';
  readonly detail: string;
}

export interface LocalScan {
  readonly entries: Map<string, LocalEntry>;
  readonly problems: LocalProblem[];
  /** Temporary files of downloads and saves (regular files only; a folder or link of such a name is a name clash). */
  readonly parts: LocalPart[];
}

/** Which spelling of a key the engine already knows (the journal's or the drive's), to keep that one on a twin. */
export type KnownSpelling = (key: string) => string | undefined;

const codepointOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Walks the folder below `root`. The root itself must exist (the engine checks it and its marker first). */
export async function scanLocal(root: string, known: KnownSpelling): Promise<LocalScan> {
  const entries = new Map<string, LocalEntry>();
  const problems: LocalProblem[] = [];
  const parts: LocalPart[] = [];

  /** A name in the engine's namespace: a temporary file of ours when it is a regular file so named, else a clash. */
  async function visitReserved(name: string, childDisk: string): Promise<void> {
    const info = isWorkstationPartName(name) ? await lstatOrNull(absolutePath(root, childDisk)) : null;
    if (info?.isFile() === true) {
      const changed = info.mtimeMs > info.ctimeMs ? info.mtimeMs : info.ctimeMs;
      parts.push({ disk: childDisk, changedAt: Number(changed) });
      return;
    }
    problems.push({
      disk: childDisk,
      key: null,
      blocks: null,
      state: 'name_clash',
      detail: `Not synced: names starting with "${PART_PREFIX}" are kept for the sync engine's own files.`,
    });
  }

  async function visit(disk: string, canonical: string): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(absolutePath(root, disk))).sort(codepointOrder);
    } catch (err) {
      // The root unreadable would make every file look deleted: the pass stops instead.
      if (disk === '') throw new EnclaveError('unavailable', `The drive's folder ${root} cannot be read; nothing was synced.`);
      problems.push({
        disk,
        key: drivePathKey(canonical),
        blocks: 'hands-off',
        state: 'error',
        detail: `This folder cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
      });
      return;
    }
    const candidates: Array<{ name: string; disk: string; path: string; key: string }> = [];
    for (const name of names) {
      const childDisk = disk === '' ? name : `${disk}/${name}`;
      if (disk === '' && name === MARKER_NAME) continue;
      if (isPartName(name)) {
        await visitReserved(name, childDisk);
        continue;
      }
      const problem = driveNameProblem(name);
      if (problem !== null) {
        problems.push({ disk: childDisk, key: null, blocks: null, state: 'name_clash', detail: `Not synced: ${problem}.` });
        continue;
      }
      const childPath = canonical === '' ? canonicalDrivePath(name) : `${canonical}/${canonicalDrivePath(name)}`;
      const pathProblem = drivePathProblem(childPath);
      if (pathProblem !== null) {
        problems.push({ disk: childDisk, key: null, blocks: null, state: 'name_clash', detail: `Not synced: ${pathProblem}.` });
        continue;
      }
      candidates.push({ name, disk: childDisk, path: childPath, key: drivePathKey(childPath) });
    }
    // Twins: one name per key. The spelling already known wins, then the canonical (NFC) one, then the first in order.
    const byKey = new Map<string, Array<(typeof candidates)[number]>>();
    for (const candidate of candidates) byKey.set(candidate.key, [...(byKey.get(candidate.key) ?? []), candidate]);
    for (const [key, group] of byKey) {
      const knownPath = known(key);
      const rank = (candidate: (typeof group)[number]): number =>
        (candidate.path === knownPath ? 0 : 2) + (candidate.name === candidate.name.normalize('NFC') ? 0 : 1);
      const ranked = [...group].sort((a, b) => rank(a) - rank(b) || codepointOrder(a.name, b.name));
      const [chosen, ...twins] = ranked;
      if (chosen === undefined) continue;
      for (const twin of twins) {
        problems.push({
          disk: twin.disk,
          key: null,
          blocks: null,
          state: 'name_clash',
          detail: `Not synced: "${twin.name}" differs from "${chosen.name}" in the same folder only by case or Unicode form, and the drive keeps one name for both. Rename one of them.`,
        });
      }
      await visitEntry(chosen);
    }
  }

  async function visitEntry(entry: { disk: string; path: string; key: string }): Promise<void> {
    const info = await lstatOrNull(absolutePath(root, entry.disk));
    if (info === null) return; // gone meanwhile
    if (info.isSymbolicLink()) {
      problems.push({
        disk: entry.disk,
        key: entry.key,
        blocks: 'replaceable',
        state: 'error',
        detail: 'Not synced: a symbolic link (Enclave never follows links).',
      });
      return;
    }
    if (info.isDirectory()) {
      entries.set(entry.key, { kind: 'folder', path: entry.path, disk: entry.disk, key: entry.key });
      await visit(entry.disk, entry.path);
      return;
    }
    if (!info.isFile()) {
      problems.push({
        disk: entry.disk,
        key: entry.key,
        blocks: 'replaceable',
        state: 'error',
        detail: 'Not synced: not a regular file or folder.',
      });
      return;
    }
    entries.set(entry.key, {
      kind: 'file',
      path: entry.path,
      disk: entry.disk,
      key: entry.key,
      size: Number(info.size),
      fingerprint: fingerprintOf(info),
      stats: info,
    });
  }

  await visit('', '');
  return { entries, problems, parts };
}
