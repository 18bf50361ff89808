// A 423 Locked answer names who holds the lock: "…is locked by Ada Lovelace", so the person refused knows whom to ask.
// Used by this adapter's own checks (whole-folder MOVE, COPY, DELETE) and for the refusals nephele makes itself.
import { LockedError } from 'nephele';
import type { StoredDriveLock } from '../service-api.ts';
import type { DriveDavAdapter } from './drive-adapter.ts';
import { headerOf } from './request-context.ts';
import { listOfNames, locksProtecting, submittedLockTokens, unliftedLocks } from './lock-rules.ts';

/** Refusals whose message already names the lock's holders. */
const named = new WeakSet<Error>();

export function namesHolders(err: unknown): boolean {
  return err instanceof Error && named.has(err);
}

/** The names of the people holding `locks` (the caller's own lock is called theirs). */
async function holderNames(adapter: DriveDavAdapter, locks: readonly StoredDriveLock[]): Promise<string[]> {
  const caller = adapter.caller.principal.user;
  const names = new Map<string, string>();
  for (const lock of locks) {
    if (names.has(lock.userId)) continue;
    if (lock.userId === caller.id) {
      names.set(lock.userId, `you (${caller.displayName}, in a lock whose token this request did not send)`);
      continue;
    }
    const entry =
      lock.path === ''
        ? null
        : await adapter.entryAt(lock.path).then(
            (found) => found,
            // The name is a courtesy: a lock root that cannot be read now is still a lock.
            () => null,
          );
    names.set(lock.userId, entry?.lockedBy?.id === lock.userId ? entry.lockedBy.name : 'another member');
  }
  return [...names.values()];
}

/** The 423 refusal for `path` (what the request would change) held by `locks`. */
export async function lockedRefusal(adapter: DriveDavAdapter, path: string, locks: readonly StoredDriveLock[]): Promise<LockedError> {
  const shown = path === '' ? 'The drive' : `"${path}"`;
  const error = new LockedError(
    `${shown} is locked by ${listOfNames(await holderNames(adapter, locks))}; nothing was changed. ` +
      'It can be changed once the lock is released or expires.',
  );
  named.add(error);
  return error;
}

/**
 * The locks standing in the way of changing `path` (with everything in it when `members`), given the lock tokens this
 * request submitted in its If header.
 */
export async function locksInTheWay(adapter: DriveDavAdapter, target: { path: string; members: boolean }): Promise<StoredDriveLock[]> {
  const protecting = locksProtecting(await adapter.allLocks(), { ...target, mapping: true, now: Date.now() });
  return unliftedLocks(protecting, {
    userId: adapter.caller.principal.user.id,
    submittedTokens: submittedLockTokens(headerOf(adapter.context.headers, 'if')),
  });
}

/** Refuses (423, naming the holders) a change of `path` that a lock the request has not lifted protects. */
export async function assertUnlocked(adapter: DriveDavAdapter, target: { path: string; members: boolean }): Promise<void> {
  const locks = await locksInTheWay(adapter, target);
  if (locks.length > 0) throw await lockedRefusal(adapter, target.path, locks);
}
