// RFC 4918's lock rules over the locks the drive stores, for the operations this adapter carries out in one call (a
// whole folder's MOVE, COPY or DELETE): which locks stand in the way of changing a path (and everything in it), given
// the lock tokens the request submitted, and how a refusal names who holds them.
// Paths are compared by their keys (src/common/drives.ts): "Shared/Table.csv" is the entry "shared/table.csv", so a
// request spelling a name in another case is covered by the same locks.
import { drivePathKey, parentDrivePath } from '../../../common/drives.ts';
import type { StoredDriveLock } from '../service-api.ts';

function isWithinKey(key: string, ancestorKey: string): boolean {
  return ancestorKey === '' || key === ancestorKey || key.startsWith(`${ancestorKey}/`);
}

/** Whether `path` is `ancestor` (in any spelling) or lies below it ('' is the drive's root, above everything). */
export function isWithin(path: string, ancestor: string): boolean {
  return isWithinKey(drivePathKey(path), drivePathKey(ancestor));
}

/** Whether two paths name the same entry (one spelling or another). */
export function isSameEntry(a: string, b: string): boolean {
  return drivePathKey(a) === drivePathKey(b);
}

/** A lock in force: granted (not provisional) and not timed out at `now` (epoch ms). */
export function isInForce(lock: StoredDriveLock, now: number): boolean {
  return !lock.provisional && lock.date + lock.timeout > now;
}

/**
 * The locks that protect what an operation changes: the entry at `path` itself (and, with `members`, everything in
 * it), an ancestor's depth-infinity lock, and the parent's depth-0 lock when the operation adds, removes or renames
 * the entry (`mapping`: every MOVE, COPY destination and DELETE; not a change of content).
 */
export function locksProtecting(
  locks: readonly StoredDriveLock[],
  target: { path: string; members: boolean; mapping: boolean; now: number },
): StoredDriveLock[] {
  const key = drivePathKey(target.path);
  const parentKey = drivePathKey(parentDrivePath(target.path));
  return locks.filter((lock) => {
    if (!isInForce(lock, target.now)) return false;
    const lockKey = drivePathKey(lock.path);
    if (lockKey === key) return true;
    if (key !== '' && isWithinKey(key, lockKey)) {
      return lock.depth === 'infinity' || (target.mapping && lockKey === parentKey);
    }
    return target.members && isWithinKey(lockKey, key);
  });
}

/**
 * Of the locks protecting a change, those the request has not lifted. A lock is lifted when the request submits its
 * token and the caller holds it; a shared lock is also lifted when the caller submits their own shared lock on the
 * same root (every holder of a shared lock may write).
 */
export function unliftedLocks(
  protecting: readonly StoredDriveLock[],
  request: { userId: string; submittedTokens: ReadonlySet<string> },
): StoredDriveLock[] {
  const lifted = (lock: StoredDriveLock) => lock.userId === request.userId && request.submittedTokens.has(lock.token);
  const sharedRootsLifted = new Set(
    protecting.filter((lock) => lock.scope === 'shared' && lifted(lock)).map((lock) => drivePathKey(lock.path)),
  );
  return protecting.filter((lock) => !lifted(lock) && !(lock.scope === 'shared' && sharedRootsLifted.has(drivePathKey(lock.path))));
}

/** The lock tokens an `If` header submits (`<urn:uuid:…>` inside its lists). */
export function submittedLockTokens(ifHeader: string | undefined): Set<string> {
  const tokens = new Set<string>();
  for (const match of (ifHeader ?? '').matchAll(/<(urn:uuid:[0-9a-f-]{36})>/gi)) tokens.add(match[1].toLowerCase());
  return tokens;
}

/** "Ada", "Ada and Grace", "Ada, Grace and Alan". */
export function listOfNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? 'another member';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
