// The sync engine's decisions (issue 17), made on content hashes against the base (what both sides agreed on last):
// for each path, whether the local side changed, the platform's side changed, both, or neither. No I/O: the engine
// hashes, scans and fetches the tree, then executes what this plans.
//   - One side changed: that side's content goes to the other (upload with If-Match the base's ETag, or download).
//   - Both changed to the same content: no conflict, the base is recorded. To different content: the local file
//     becomes a conflict copy (uploaded like any file) and the platform's content comes down to the name.
//   - Deleted on one side and changed on the other: the change wins (nothing is lost); deleted on one side and
//     unchanged on the other: deleted on both (the platform keeps it in its trash).
//   - No base (first sync, or a resync): nothing can look deleted, so nothing is; differences become conflict copies.
//   - A folder deleted on one side goes in one request when nothing in it changed on the other side.
import {
  driveBaseName,
  drivePathKey,
  drivePathSegments,
  parentDrivePath,
  type DriveEntry,
  type WriteCondition,
} from '../../common/drives.ts';
import type { BaseRecord } from './journal.ts';
import type { LocalFile, LocalFolder } from './local-scan.ts';

/** A local file with its content's hash. */
export interface HashedFile extends LocalFile {
  readonly sha256: string;
  readonly hashedAt: number;
}
export type HashedEntry = HashedFile | LocalFolder;

/**
 * Keys the engine must not act on from the local side: 'replaceable' (a link or special file where the drive may
 * have an entry: never uploaded or deleted, but the drive's content may replace it) or 'hands-off' (unreadable, or
 * changing while read: nothing at all). Everything below such a key is covered too.
 */
export type Blocked = ReadonlyMap<string, 'replaceable' | 'hands-off'>;

export interface PlanInput {
  readonly base: ReadonlyMap<string, BaseRecord>;
  readonly local: ReadonlyMap<string, HashedEntry>;
  readonly remote: ReadonlyMap<string, DriveEntry>;
  readonly blocked: Blocked;
  /** Keys whose entry the platform sent but the engine refused: nothing local is deleted for them. */
  readonly remoteBlocked: ReadonlySet<string>;
}

export type PlannedAction =
  | { readonly kind: 'record'; readonly key: string; readonly record: BaseRecord }
  | { readonly kind: 'forget'; readonly key: string }
  | {
      readonly kind: 'upload';
      readonly key: string;
      readonly path: string;
      readonly local: HashedFile;
      readonly condition: WriteCondition;
      readonly note: string | null;
    }
  | {
      readonly kind: 'download';
      readonly key: string;
      readonly path: string;
      readonly disk: string;
      readonly entry: DriveEntry;
      /** The local file it replaces, as hashed (it must still be so when the new content is installed); null when none. */
      readonly replaces: HashedFile | null;
      readonly note: string | null;
    }
  | { readonly kind: 'conflict'; readonly key: string; readonly path: string; readonly local: HashedFile; readonly entry: DriveEntry }
  | { readonly kind: 'mkdirRemote'; readonly key: string; readonly path: string }
  | { readonly kind: 'mkdirLocal'; readonly key: string; readonly path: string; readonly disk: string }
  | {
      readonly kind: 'deleteRemote';
      readonly key: string;
      readonly path: string;
      readonly ifMatch: string | null;
      readonly folder: boolean;
      /** Files it removes (a folder's, all of them). */
      readonly files: number;
      /** Base keys it settles (the entry and, for a folder, everything in it). */
      readonly covers: readonly string[];
    }
  | { readonly kind: 'deleteLocal'; readonly key: string; readonly path: string; readonly disk: string; readonly local: HashedEntry }
  | { readonly kind: 'clash'; readonly key: string; readonly path: string; readonly detail: string };

export interface Plan {
  readonly actions: PlannedAction[];
  /** Files the plan deletes on the platform (each file of a deleted folder counted). */
  readonly remoteDeletes: number;
  /** Files the plan deletes here. */
  readonly localDeletes: number;
}

const depth = (drivePath: string): number => drivePathSegments(drivePath).length;

/** The keys of a path's ancestors, nearest last. */
export function ancestorKeys(key: string): string[] {
  const segments = key.split('/');
  return segments.slice(0, -1).map((_segment, index) => segments.slice(0, index + 1).join('/'));
}

function blockedOf(blocked: Blocked, key: string): 'replaceable' | 'hands-off' | null {
  let found: 'replaceable' | 'hands-off' | null = null;
  for (const each of [...ancestorKeys(key), key]) {
    const kind = blocked.get(each);
    if (kind === 'hands-off') return kind;
    if (kind !== undefined) found = kind;
  }
  return found;
}

const isUnder = (key: string, folderKey: string): boolean => key.startsWith(`${folderKey}/`);

/** Where a drive path goes on disk: below the local spelling of its nearest folder that exists here. */
export function diskPathFor(drivePath: string, local: ReadonlyMap<string, HashedEntry>): string {
  const own = local.get(drivePathKey(drivePath));
  if (own !== undefined) return own.disk;
  const parent = parentDrivePath(drivePath);
  const name = driveBaseName(drivePath);
  if (parent === '') return name;
  return `${diskPathFor(parent, local)}/${name}`;
}

export function fileRecord(entry: DriveEntry, local: HashedFile): BaseRecord {
  return {
    key: drivePathKey(entry.path),
    path: entry.path,
    kind: 'file',
    sha256: entry.sha256,
    etag: entry.etag,
    size: entry.size,
    fingerprint: local.fingerprint,
    hashedAt: local.hashedAt,
  };
}

export function folderRecord(drivePath: string): BaseRecord {
  return {
    key: drivePathKey(drivePath),
    path: drivePath,
    kind: 'folder',
    sha256: null,
    etag: null,
    size: 0,
    fingerprint: null,
    hashedAt: 0,
  };
}

function planFile(input: PlanInput, key: string, actions: PlannedAction[]): void {
  const b = input.base.get(key);
  const l = input.local.get(key);
  const r = input.remote.get(key);
  const baseFile = b?.kind === 'file' ? b : undefined;
  const localFile = l?.kind === 'file' ? l : undefined;
  const remoteFile = r?.kind === 'file' ? r : undefined;
  const blocked = blockedOf(input.blocked, key);
  if (blocked === 'hands-off') return;
  if (blocked === 'replaceable') {
    // A link (or special file) here: never uploaded, never a reason to delete; the drive's new content replaces it.
    if (remoteFile !== undefined && (baseFile === undefined || remoteFile.sha256 !== baseFile.sha256) && l === undefined) {
      actions.push({
        kind: 'download',
        key,
        path: remoteFile.path,
        disk: diskPathFor(remoteFile.path, input.local),
        entry: remoteFile,
        replaces: null,
        note: null,
      });
    }
    return;
  }
  if (localFile !== undefined && remoteFile !== undefined) {
    const same = localFile.sha256 === remoteFile.sha256;
    if (baseFile === undefined) {
      if (same) actions.push({ kind: 'record', key, record: fileRecord(remoteFile, localFile) });
      else actions.push({ kind: 'conflict', key, path: remoteFile.path, local: localFile, entry: remoteFile });
      return;
    }
    const localChanged = localFile.sha256 !== baseFile.sha256;
    const remoteChanged = remoteFile.sha256 !== baseFile.sha256;
    if (!localChanged && !remoteChanged) {
      // Same content; the ETag (a move, a restore of the same bytes), the spelling or the hint may have moved on.
      if (remoteFile.etag !== baseFile.etag || remoteFile.path !== baseFile.path || localFile.fingerprint !== baseFile.fingerprint) {
        actions.push({ kind: 'record', key, record: fileRecord(remoteFile, localFile) });
      }
    } else if (localChanged && !remoteChanged) {
      // The platform's content is still the base's: write on the ETag it has now, so a change meanwhile is refused.
      actions.push({
        kind: 'upload',
        key,
        path: remoteFile.path,
        local: localFile,
        condition: { ifMatch: remoteFile.etag ?? '' },
        note: null,
      });
    } else if (!localChanged && remoteChanged) {
      actions.push({
        kind: 'download',
        key,
        path: remoteFile.path,
        disk: localFile.disk,
        entry: remoteFile,
        replaces: localFile,
        note: null,
      });
    } else if (same) {
      actions.push({ kind: 'record', key, record: fileRecord(remoteFile, localFile) });
    } else {
      actions.push({ kind: 'conflict', key, path: remoteFile.path, local: localFile, entry: remoteFile });
    }
    return;
  }
  if (localFile !== undefined && r === undefined) {
    if (baseFile !== undefined && localFile.sha256 === baseFile.sha256) {
      if (input.remoteBlocked.has(key)) return;
      actions.push({ kind: 'deleteLocal', key, path: localFile.path, disk: localFile.disk, local: localFile });
      return;
    }
    const note =
      baseFile !== undefined
        ? `"${localFile.path}" was deleted on the drive but changed here: your version was uploaded again, so nothing is lost.`
        : null;
    actions.push({ kind: 'upload', key, path: localFile.path, local: localFile, condition: { ifAbsent: true }, note });
    return;
  }
  if (remoteFile !== undefined && l === undefined) {
    if (baseFile !== undefined && remoteFile.sha256 === baseFile.sha256) {
      actions.push({ kind: 'deleteRemote', key, path: remoteFile.path, ifMatch: remoteFile.etag, folder: false, files: 1, covers: [key] });
      return;
    }
    const note =
      baseFile !== undefined
        ? `"${remoteFile.path}" was deleted here but changed on the drive by ${remoteFile.modifiedBy.name}: it was downloaded again, so nothing is lost.`
        : null;
    actions.push({
      kind: 'download',
      key,
      path: remoteFile.path,
      disk: diskPathFor(remoteFile.path, input.local),
      entry: remoteFile,
      replaces: null,
      note,
    });
    return;
  }
  if (l === undefined && r === undefined) {
    if (b !== undefined) actions.push({ kind: 'forget', key });
    return;
  }
  // A file on one side and a folder on the other.
  const shown = r?.path ?? l?.path ?? key;
  actions.push({
    kind: 'clash',
    key,
    path: shown,
    detail: `"${shown}" is a ${l?.kind} here and a ${r?.kind} on the drive; rename one of them to sync both.`,
  });
}

/** Folders, deepest first, once the files below them are decided. */
function planFolder(input: PlanInput, key: string, actions: PlannedAction[]): void {
  const b = input.base.get(key);
  const l = input.local.get(key);
  const r = input.remote.get(key);
  if (blockedOf(input.blocked, key) !== null) return;
  if (l?.kind === 'folder' && r?.kind === 'folder') {
    if (b === undefined || b.kind !== 'folder' || b.path !== r.path) actions.push({ kind: 'record', key, record: folderRecord(r.path) });
    return;
  }
  if (l?.kind === 'folder' && r === undefined) {
    if (b?.kind !== 'folder') {
      actions.push({ kind: 'mkdirRemote', key, path: l.path });
      return;
    }
    // Deleted on the drive: gone here too, unless something in it stays (changed or new here).
    const inside = [...input.local.keys()].filter((each) => isUnder(each, key));
    const leaving = new Set(actions.filter((action) => action.kind === 'deleteLocal').map((action) => action.key));
    if (!input.remoteBlocked.has(key) && inside.every((each) => leaving.has(each))) {
      actions.push({ kind: 'deleteLocal', key, path: l.path, disk: l.disk, local: l });
    } else {
      actions.push({ kind: 'mkdirRemote', key, path: l.path });
    }
    return;
  }
  if (r?.kind === 'folder' && l === undefined) {
    if (b?.kind !== 'folder') {
      actions.push({ kind: 'mkdirLocal', key, path: r.path, disk: diskPathFor(r.path, input.local) });
      return;
    }
    // Deleted here: one delete for the whole folder when everything in it on the drive is as it was, and goes too.
    const inside = [...input.remote.keys()].filter((each) => isUnder(each, key));
    const deletes = actions.filter(
      (action): action is Extract<PlannedAction, { kind: 'deleteRemote' }> => action.kind === 'deleteRemote' && isUnder(action.key, key),
    );
    const settled = new Set(deletes.flatMap((action) => action.covers));
    if (inside.every((each) => settled.has(each))) {
      const files = deletes.reduce((sum, action) => sum + action.files, 0);
      const covers = [key, ...[...input.base.keys()].filter((each) => isUnder(each, key))];
      for (const each of deletes) actions.splice(actions.indexOf(each), 1);
      actions.push({ kind: 'deleteRemote', key, path: r.path, ifMatch: null, folder: true, files, covers });
    } else {
      actions.push({ kind: 'mkdirLocal', key, path: r.path, disk: diskPathFor(r.path, input.local) });
    }
    return;
  }
  if (l === undefined && r === undefined && b !== undefined) actions.push({ kind: 'forget', key });
}

const ORDER: Record<PlannedAction['kind'], number> = {
  clash: 0,
  mkdirLocal: 1,
  mkdirRemote: 1,
  record: 2,
  forget: 2,
  conflict: 3,
  download: 3,
  upload: 3,
  deleteRemote: 4,
  deleteLocal: 5,
};

function pathOfAction(action: PlannedAction): string {
  return 'path' in action ? action.path : action.kind === 'record' ? action.record.path : action.key;
}

/** The plan for one pass: folders made parents first, transfers, then deletions children first. */
export function planSync(input: PlanInput): Plan {
  const keys = new Set([...input.base.keys(), ...input.local.keys(), ...input.remote.keys()]);
  const isFolder = (key: string): boolean =>
    input.local.get(key)?.kind === 'folder' ||
    input.remote.get(key)?.kind === 'folder' ||
    (input.local.get(key) === undefined && input.remote.get(key) === undefined && input.base.get(key)?.kind === 'folder');
  const mixed = (key: string): boolean => {
    const kinds = new Set([input.local.get(key)?.kind, input.remote.get(key)?.kind].filter((kind) => kind !== undefined));
    return kinds.size > 1;
  };
  const actions: PlannedAction[] = [];
  const folders: string[] = [];
  for (const key of keys) {
    if (!mixed(key) && isFolder(key)) folders.push(key);
    else planFile(input, key, actions);
  }
  folders.sort((a, b) => depth(b) - depth(a));
  for (const key of folders) planFolder(input, key, actions);
  actions.sort((a, b) => {
    const order = ORDER[a.kind] - ORDER[b.kind];
    if (order !== 0) return order;
    const deeper = depth(pathOfAction(a)) - depth(pathOfAction(b));
    // Deletions go children first; everything else parents first.
    return a.kind === 'deleteRemote' || a.kind === 'deleteLocal' ? -deeper : deeper;
  });
  const remoteDeletes = actions.reduce((sum, action) => sum + (action.kind === 'deleteRemote' ? action.files : 0), 0);
  const localDeletes = actions.filter((action) => action.kind === 'deleteLocal' && action.local.kind === 'file').length;
  return { actions, remoteDeletes, localDeletes };
}
