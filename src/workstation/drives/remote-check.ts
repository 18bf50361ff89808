// The gate every answer of the platform's drive passes before the sync engine believes it (issue 17). The platform is
// untrusted: a path from the tree that is absolute, climbs with "..", carries a backslash, a NUL or a drive letter, is
// not in its canonical form, fails the name policy (src/common/drives.ts), twins another entry, sits below a file or a
// refused entry, or has a segment named like the engine's own files is refused here, with the reason, and never
// written. Used by createHttpDriveRemote and again by the engine itself.
import {
  canonicalDrivePath,
  driveBaseName,
  drivePathKey,
  drivePathProblem,
  drivePathSegments,
  type DriveEntry,
  type DriveTree,
} from '../../common/drives.ts';
import { MARKER_NAME, isPartName } from './local-fs.ts';
import type { RefusedEntry, RemoteTree } from './remote.ts';

/** A value made safe to show: control characters (NUL, newlines …) escaped, and cut to a readable length. */
export function printable(value: string): string {
  const escaped = JSON.stringify(value).slice(1, -1);
  return escaped.length > 200 ? `${escaped.slice(0, 200)}…` : escaped;
}

/**
 * Why a path the platform sent cannot be used on this computer, or null. Stricter than the name policy alone: the
 * path must already be canonical, since the engine writes exactly the names it is given.
 */
export function remotePathProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'the path is not text';
  if (value === '') return 'the path is empty';
  if (value.includes('\0')) return 'the path contains a NUL character';
  if (value.includes('\\')) return 'the path contains a backslash';
  if (value.startsWith('/')) return 'the path is absolute';
  if (/^[A-Za-z]:/.test(value)) return 'the path starts with a drive letter';
  if (value.split('/').some((segment) => segment === '..' || segment === '.')) return 'the path climbs out of its folder ("." or "..")';
  const problem = drivePathProblem(value);
  if (problem !== null) return problem;
  if (canonicalDrivePath(value) !== value) return 'the path is not in its canonical (NFC) form';
  return null;
}

function entryProblem(entry: DriveEntry): string | null {
  const pathProblem = remotePathProblem(entry.path);
  if (pathProblem !== null) return pathProblem;
  // Any segment, not only the last: a folder named like a temporary file would otherwise bring its contents along.
  if (entry.path === MARKER_NAME || drivePathSegments(entry.path).some(isPartName))
    return "the name is kept for the sync engine's own files";
  if (entry.name !== driveBaseName(entry.path)) return 'its name is not the last part of its path';
  if (entry.kind === 'file') {
    if (entry.sha256 === null || entry.etag === null) return 'a file without its SHA-256 or ETag';
    if (!entry.etag.startsWith(`"${entry.sha256}-`)) return 'its ETag does not name its SHA-256';
  }
  return null;
}

/**
 * The tree's entries that are safe to mirror, each path once (by its key: no case or Unicode twins), none below a
 * file; the rest refused with the reason. Parents come before children, so a refused folder takes its contents along.
 */
export function checkRemoteTree(tree: DriveTree, alreadyRefused: readonly RefusedEntry[] = []): RemoteTree {
  const refused: RefusedEntry[] = [...alreadyRefused];
  /** The keys of refused entries whose path was usable: nothing below them is kept either. */
  const refusedKeys = new Set(alreadyRefused.flatMap((each) => (each.key === null ? [] : [each.key])));
  const kept: DriveEntry[] = [];
  /** The entries kept so far, by key: their kind and their exact path. */
  const keptByKey = new Map<string, DriveEntry>();
  const ordered = [...tree.entries].sort((a, b) => depth(a.path) - depth(b.path));
  for (const entry of ordered) {
    const problem = entryProblem(entry) ?? belowRefusedProblem(entry.path, refusedKeys) ?? placeProblem(entry.path, keptByKey);
    if (problem !== null) {
      const key = usableKey(entry.path);
      // A twin's key stays its kept twin's (placeProblem refuses what is below the twin's own spelling).
      if (key !== null && !keptByKey.has(key)) refusedKeys.add(key);
      refused.push({ path: printable(String(entry.path)), key, reason: problem });
      continue;
    }
    keptByKey.set(drivePathKey(entry.path), entry);
    kept.push(entry);
  }
  return { drive: tree.drive, cursor: tree.cursor, entries: kept, refused };
}

/** Why a well-formed path cannot be kept because a folder above it was refused, or null. */
function belowRefusedProblem(entryPath: string, refusedKeys: ReadonlySet<string>): string | null {
  const segments = drivePathKey(entryPath).split('/');
  for (let index = 1; index < segments.length; index += 1) {
    if (refusedKeys.has(segments.slice(0, index).join('/'))) return 'a folder above it was refused';
  }
  return null;
}

/** Why a well-formed path cannot stand beside the entries kept so far (its parents' and its own), or null. */
function placeProblem(entryPath: string, keptByKey: ReadonlyMap<string, DriveEntry>): string | null {
  const segments = drivePathSegments(entryPath);
  for (let index = 1; index < segments.length; index += 1) {
    const ancestor = segments.slice(0, index).join('/');
    const found = keptByKey.get(drivePathKey(ancestor));
    if (found === undefined) continue;
    if (found.kind === 'file') return 'it is below a file';
    // A folder kept under another spelling: this one was refused as its twin, and so is everything in it.
    if (found.path !== ancestor) return 'a folder above it has the same name as another but for case or Unicode form';
  }
  if (keptByKey.has(drivePathKey(entryPath))) return 'another entry of its folder has the same name but for case or Unicode form';
  return null;
}

function usableKey(value: unknown): string | null {
  return typeof value === 'string' && drivePathProblem(value) === null ? drivePathKey(canonicalDrivePath(value)) : null;
}

function depth(value: unknown): number {
  return typeof value === 'string' ? value.split('/').length : 0;
}
