// Renames and moves (issue 17), found before anything else is decided so that a renamed folder of a thousand files is
// one move on the other side, not a thousand deletions and a thousand uploads.
//   - Here: an entry of the base that is gone from the folder, whose files are found again under a new path that
//     neither the base nor the drive knows, with the same inode (a rename keeps it) or, failing that, the same content
//     at the same place below the new folder. At least half of a folder's files must be found for it to count.
//   - On the drive: an entry of the base that the tree no longer has, whose files are under a new path in the tree
//     with the same SHA-256 (the platform keeps no inode; size and hash are the best it offers), the same way.
//   - A change of spelling only (case or Unicode form) of a name on one side is a move of the same entry.
// A move found here is a proposal: the engine applies it (one remote move, or one local rename), and a move that
// fails is simply not made; the paths are then synced as they are, which loses nothing.
import { drivePathKey, drivePathSegments, type DriveEntry } from '../../common/drives.ts';
import type { BaseRecord } from './journal.ts';
import { inodeOf } from './local-fs.ts';
import { ancestorKeys, type Blocked, type HashedEntry, type HashedFile } from './plan.ts';

export interface MoveInput {
  readonly base: ReadonlyMap<string, BaseRecord>;
  readonly local: ReadonlyMap<string, HashedEntry>;
  readonly remote: ReadonlyMap<string, DriveEntry>;
  readonly blocked: Blocked;
  /** Moves already tried in this pass (`from→to` keys): not proposed again. */
  readonly tried: ReadonlySet<string>;
}

/** A move the local side made, to make on the drive. */
export interface RemoteMove {
  readonly side: 'remote';
  readonly from: string;
  readonly to: string;
  readonly folder: boolean;
  readonly ifMatch: string | null;
}

/** A move the drive made, to make here. */
export interface LocalMove {
  readonly side: 'local';
  readonly from: string;
  readonly to: string;
  readonly folder: boolean;
  /** On-disk paths. */
  readonly fromDisk: string;
  readonly toDisk: string;
}

export type Move = RemoteMove | LocalMove;

export const moveId = (move: { from: string; to: string }): string => `${move.from}\u0000${move.to}`;

const isUnder = (key: string, folderKey: string): boolean => key.startsWith(`${folderKey}/`);
const underAny = (key: string, folders: readonly string[]): boolean => folders.some((folder) => key === folder || isUnder(key, folder));

function isBlocked(blocked: Blocked, key: string): boolean {
  return [...ancestorKeys(key), key].some((each) => blocked.has(each));
}

/** The base's files below a folder, with the rest of their path (from the "/" after the folder's name). */
function filesUnder(base: ReadonlyMap<string, BaseRecord>, folder: BaseRecord): Array<{ record: BaseRecord; rest: string }> {
  return [...base.values()]
    .filter((record) => record.kind === 'file' && isUnder(record.key, folder.key))
    .map((record) => ({ record, rest: record.path.slice(folder.path.length) }));
}

/** The new folder most of `votes` name, when at least half of `total` files voted for it. */
function elect(votes: Map<string, number>, total: number): string | null {
  let best: string | null = null;
  let count = 0;
  for (const [candidate, n] of votes) {
    if (n > count) [best, count] = [candidate, n];
  }
  return best !== null && count >= Math.max(1, Math.ceil(total / 2)) ? best : null;
}

function uniqueBy<T>(items: readonly T[], keyOf: (item: T) => string | null): Map<string, T> {
  const seen = new Map<string, T | null>();
  for (const item of items) {
    const key = keyOf(item);
    if (key === null) continue;
    seen.set(key, seen.has(key) ? null : item);
  }
  return new Map([...seen].filter((pair): pair is [string, T] => pair[1] !== null));
}

/** Moves made here, to make on the drive. */
function localSideMoves(input: MoveInput): RemoteMove[] {
  const { base, local, remote } = input;
  const moves: RemoteMove[] = [];
  const gone = [...base.values()].filter(
    (record) => !local.has(record.key) && remote.get(record.key)?.kind === record.kind && !isBlocked(input.blocked, record.key),
  );
  const fresh = [...local.values()].filter(
    (entry): entry is HashedFile => entry.kind === 'file' && !base.has(entry.key) && !remote.has(entry.key),
  );
  const byInode = uniqueBy(fresh, (entry) => inodeOf(entry.fingerprint));
  const byContent = uniqueBy(fresh, (entry) => entry.sha256);
  const moved: string[] = [];
  const propose = (move: RemoteMove): boolean => {
    if (input.tried.has(moveId(move))) return false;
    moves.push(move);
    return true;
  };

  for (const folder of gone.filter((record) => record.kind === 'folder').sort((a, b) => a.key.length - b.key.length)) {
    if (underAny(folder.key, moved)) continue;
    const files = filesUnder(base, folder);
    const votes = new Map<string, number>();
    for (const { record, rest } of files) {
      const inode = inodeOf(record.fingerprint);
      const found =
        (inode !== null ? byInode.get(inode) : undefined) ?? (record.sha256 !== null ? byContent.get(record.sha256) : undefined);
      if (found === undefined || !found.path.endsWith(rest) || found.path.length === rest.length) continue;
      const to = found.path.slice(0, -rest.length);
      votes.set(to, (votes.get(to) ?? 0) + 1);
    }
    const to = elect(votes, files.length);
    if (to === null) continue;
    const toKey = drivePathKey(to);
    if (local.get(toKey)?.kind !== 'folder' || base.has(toKey) || remote.has(toKey) || isUnder(toKey, folder.key)) continue;
    if (propose({ side: 'remote', from: remote.get(folder.key)?.path ?? folder.path, to, folder: true, ifMatch: null }))
      moved.push(folder.key);
  }

  const taken = new Set<string>();
  for (const record of gone.filter((each) => each.kind === 'file')) {
    if (underAny(record.key, moved)) continue;
    const there = remote.get(record.key);
    // Changed on the drive meanwhile: not a move to make blindly; the paths are synced as they are.
    if (there?.sha256 !== record.sha256 || record.sha256 === null) continue;
    const inode = inodeOf(record.fingerprint);
    const byNode = inode !== null ? byInode.get(inode) : undefined;
    const found = byNode?.sha256 === record.sha256 ? byNode : byContent.get(record.sha256);
    if (found === undefined || taken.has(found.key) || underAny(found.key, moved)) continue;
    if (propose({ side: 'remote', from: there.path, to: found.path, folder: false, ifMatch: there.etag })) taken.add(found.key);
  }

  // The same entry spelled anew here (case or Unicode form only).
  for (const [key, entry] of local) {
    const record = base.get(key);
    const there = remote.get(key);
    if (record === undefined || there === undefined || there.kind !== entry.kind || isBlocked(input.blocked, key)) continue;
    if (entry.path !== record.path && there.path === record.path) {
      propose({
        side: 'remote',
        from: there.path,
        to: entry.path,
        folder: entry.kind === 'folder',
        ifMatch: entry.kind === 'file' ? there.etag : null,
      });
    }
  }
  return moves;
}

/** Moves made on the drive, to make here. */
function remoteSideMoves(input: MoveInput, diskFor: (drivePath: string) => string): LocalMove[] {
  const { base, local, remote } = input;
  const moves: LocalMove[] = [];
  const gone = [...base.values()].filter(
    (record) => !remote.has(record.key) && local.get(record.key)?.kind === record.kind && !isBlocked(input.blocked, record.key),
  );
  const fresh = [...remote.values()].filter(
    (entry) => entry.kind === 'file' && !base.has(drivePathKey(entry.path)) && !local.has(drivePathKey(entry.path)),
  );
  const byContent = uniqueBy(fresh, (entry) => entry.sha256);
  const moved: string[] = [];
  const propose = (move: LocalMove): boolean => {
    if (input.tried.has(moveId(move))) return false;
    moves.push(move);
    return true;
  };

  for (const folder of gone.filter((record) => record.kind === 'folder').sort((a, b) => a.key.length - b.key.length)) {
    if (underAny(folder.key, moved)) continue;
    const files = filesUnder(base, folder);
    const votes = new Map<string, number>();
    for (const { record, rest } of files) {
      const found = record.sha256 !== null ? byContent.get(record.sha256) : undefined;
      if (found === undefined || !found.path.endsWith(rest) || found.path.length === rest.length) continue;
      const to = found.path.slice(0, -rest.length);
      votes.set(to, (votes.get(to) ?? 0) + 1);
    }
    const to = elect(votes, files.length);
    if (to === null) continue;
    const toKey = drivePathKey(to);
    const here = local.get(folder.key);
    if (here === undefined || remote.get(toKey)?.kind !== 'folder' || base.has(toKey) || local.has(toKey) || isUnder(toKey, folder.key))
      continue;
    if (propose({ side: 'local', from: folder.path, to, folder: true, fromDisk: here.disk, toDisk: diskFor(to) })) moved.push(folder.key);
  }

  const taken = new Set<string>();
  for (const record of gone.filter((each) => each.kind === 'file')) {
    if (underAny(record.key, moved) || record.sha256 === null) continue;
    const found = byContent.get(record.sha256);
    const here = local.get(record.key);
    if (found === undefined || here === undefined || taken.has(found.path)) continue;
    if (propose({ side: 'local', from: record.path, to: found.path, folder: false, fromDisk: here.disk, toDisk: diskFor(found.path) }))
      taken.add(found.path);
  }

  // The same entry spelled anew on the drive (case or Unicode form only).
  for (const [key, entry] of remote) {
    const record = base.get(key);
    const here = local.get(key);
    if (record === undefined || here === undefined || here.kind !== entry.kind || isBlocked(input.blocked, key)) continue;
    if (entry.path !== record.path && here.path === record.path) {
      const slash = here.disk.lastIndexOf('/');
      const toDisk = `${slash < 0 ? '' : here.disk.slice(0, slash + 1)}${entry.name}`;
      propose({ side: 'local', from: here.path, to: entry.path, folder: entry.kind === 'folder', fromDisk: here.disk, toDisk });
    }
  }
  return moves;
}

/** The moves to make before anything else is planned: the drive's first (they bring its names here), then ours. */
export function findMoves(input: MoveInput, diskFor: (drivePath: string) => string): Move[] {
  return [...remoteSideMoves(input, diskFor), ...localSideMoves(input)];
}

/** The base after a move: every record at or below `from` now at or below `to`. */
export function movedRecords(
  base: ReadonlyMap<string, BaseRecord>,
  move: { from: string; to: string },
): { removed: string[]; added: BaseRecord[] } {
  const fromKey = drivePathKey(move.from);
  const depth = drivePathSegments(move.from).length;
  const removed: string[] = [];
  const added: BaseRecord[] = [];
  for (const record of base.values()) {
    if (record.key !== fromKey && !isUnder(record.key, fromKey)) continue;
    const movedPath = [move.to, ...drivePathSegments(record.path).slice(depth)].join('/');
    removed.push(record.key);
    added.push({ ...record, key: drivePathKey(movedPath), path: movedPath });
  }
  return { removed, added };
}
