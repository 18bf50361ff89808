// What WebDAV keeps beside the files (issue 17): locks (RFC 4918 class 2) and dead properties (PROPPATCH), stored in the
// platform's database so they survive a restart. The WebDAV adapter (./webdav/) applies the RFC's rules to them; this
// side stores, lists and removes them, only for members of the drive's project, only as the lock's own holder, and
// ignores (then cleans away) expired locks. A lock covering an entry is what `DriveEntry.lockedBy` shows, and what
// makes the service refuse a change by anyone else (423, "locked by …").
import { EnclaveError } from '../../common/errors.ts';
import { drivePathKey } from '../../common/drives.ts';
import type { StoredLockRow } from '../store/drives.ts';
import { checkedPath, MissingEntry, type DriveContext } from './drive-context.ts';
import type { DriveCaller, StoredDriveLock } from './service-api.ts';

/** The longest a lock may be granted or refreshed for: a client that asks for longer (or for ever) gets this. */
export const LOCK_TIMEOUT_MAX_MS = 7 * 24 * 60 * 60 * 1000;
/** How many live WebDAV locks one person may hold in one drive (each is a row kept until it expires). */
export const LOCKS_PER_PERSON = 1_000;
/** Dead properties: the longest name, and the most bytes of values one entry may hold. */
const PROPERTY_NAME_MAX = 1024;
const PROPERTY_BYTES_MAX = 1024 * 1024;

const lockView = (row: StoredLockRow): StoredDriveLock => ({
  token: row.token,
  projectId: row.project_id,
  path: row.path,
  userId: row.user_id,
  scope: row.scope,
  depth: row.depth,
  provisional: row.provisional !== 0,
  owner: row.owner,
  date: row.granted_at,
  timeout: row.timeout_ms,
});

export function davRecords(ctx: DriveContext) {
  const { records } = ctx;

  async function entryAt(caller: DriveCaller, projectId: string, rawPath: string) {
    await ctx.access(caller, projectId);
    const drivePath = checkedPath(rawPath, { root: 'allowed' });
    await ctx.driveOf(projectId, caller.principal.user.id);
    const entry = await records.entry(projectId, drivePathKey(drivePath));
    if (entry === undefined) throw new MissingEntry(drivePath);
    return entry;
  }

  return {
    async locks(projectId: string, rawPath: string, options: { descendants: boolean; ancestors: boolean }): Promise<StoredDriveLock[]> {
      const key = drivePathKey(checkedPath(rawPath, { root: 'allowed' }));
      const live = await records.locks(projectId, ctx.now().getTime());
      return live
        .filter(
          (lock) =>
            lock.path_key === key ||
            (options.descendants && (key === '' || lock.path_key.startsWith(`${key}/`))) ||
            (options.ancestors && key !== '' && (lock.path_key === '' || key.startsWith(`${lock.path_key}/`))),
        )
        .map(lockView);
    },

    async saveLock(caller: DriveCaller, lock: StoredDriveLock): Promise<void> {
      const refresh = (await records.lockByToken(lock.token)) !== undefined;
      const audit = !lock.provisional;
      const work = async () => {
        await ctx.access(caller, lock.projectId);
        await ctx.driveOf(lock.projectId, caller.principal.user.id);
        if (lock.userId !== caller.principal.user.id) {
          throw new EnclaveError('forbidden', 'A lock can only be taken in your own name. Nothing was locked.');
        }
        if (lock.token.length === 0 || lock.token.length > 255)
          throw new EnclaveError('invalid_input', 'A lock token must be 1–255 characters.');
        const drivePath = checkedPath(lock.path, { root: 'allowed' });
        const held = await records.lockByToken(lock.token);
        if (held !== undefined && (held.user_id !== caller.principal.user.id || held.project_id !== lock.projectId)) {
          throw new EnclaveError('forbidden', 'That lock is not yours. Nothing was locked.');
        }
        if (held === undefined) {
          const mine = (await records.locks(lock.projectId, ctx.now().getTime())).filter((row) => row.user_id === caller.principal.user.id);
          if (mine.length >= LOCKS_PER_PERSON) {
            throw new EnclaveError(
              'rate_limited',
              `You hold ${LOCKS_PER_PERSON.toLocaleString('en-GB')} locks in this drive: unlock some first (or wait for them to expire). Nothing was locked.`,
            );
          }
        }
        const timeout = Number.isFinite(lock.timeout) ? Math.min(Math.max(0, lock.timeout), LOCK_TIMEOUT_MAX_MS) : LOCK_TIMEOUT_MAX_MS;
        await records.saveLock({
          token: lock.token,
          project_id: lock.projectId,
          path: drivePath,
          path_key: drivePathKey(drivePath),
          user_id: lock.userId,
          scope: lock.scope,
          depth: lock.depth,
          provisional: lock.provisional ? 1 : 0,
          owner: lock.owner,
          granted_at: lock.date,
          timeout_ms: timeout,
          expires_at: lock.date + timeout,
        });
        return { result: undefined, details: { path: drivePath, scope: lock.scope, depth: lock.depth, refresh, timeoutMs: timeout } };
      };
      // A provisional lock is the adapter's own step on the way to a lock: only the lock granted is recorded.
      if (!audit) {
        await work();
        return;
      }
      await ctx.audited({ type: 'drive.lock', caller, projectId: lock.projectId, details: { path: lock.path } }, work);
    },

    async deleteLock(caller: DriveCaller, projectId: string, token: string): Promise<void> {
      const held = await records.lockByToken(token);
      const work = async () => {
        await ctx.access(caller, projectId);
        if (held === undefined || held.project_id !== projectId) return { result: undefined, details: { path: null, found: false } };
        if (held.user_id !== caller.principal.user.id) {
          throw new EnclaveError('forbidden', 'That lock is someone else’s: only its holder can release it. Nothing was changed.');
        }
        await records.deleteLock(projectId, token);
        return { result: undefined, details: { path: held.path, found: true } };
      };
      if (held?.provisional === 1) {
        await work();
        return;
      }
      await ctx.audited({ type: 'drive.unlock', caller, projectId, details: { path: held?.path ?? null } }, work);
    },

    async properties(caller: DriveCaller, projectId: string, rawPath: string): Promise<Record<string, string>> {
      const entry = await entryAt(caller, projectId, rawPath);
      return records.properties(entry.id);
    },

    // eslint-disable-next-line max-params -- DriveService's signature (service-api.ts), not ours
    async setProperties(
      caller: DriveCaller,
      projectId: string,
      rawPath: string,
      changes: ReadonlyArray<{ name: string; value: string | null }>,
    ): Promise<void> {
      const entry = await entryAt(caller, projectId, rawPath);
      for (const { name } of changes) {
        if (name.length === 0 || name.length > PROPERTY_NAME_MAX) {
          throw new EnclaveError('invalid_input', `A property name must be 1–${PROPERTY_NAME_MAX} characters. Nothing was changed.`);
        }
      }
      await ctx.driveLocks.run(projectId, () =>
        records.transaction(async (q) => {
          await ctx.requireUnlocked(q, { caller, projectId, entryPath: entry.path, subtree: false });
          const now = await q.properties(entry.id);
          for (const { name, value } of changes) {
            if (value === null) delete now[name];
            else now[name] = value;
          }
          const bytes = Object.entries(now).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value), 0);
          if (bytes > PROPERTY_BYTES_MAX) {
            throw new EnclaveError(
              'insufficient_storage',
              'Not enough space for these properties: one entry may hold at most 1 MiB of them. Nothing was changed.',
            );
          }
          await q.setProperties({ id: entry.id, projectId }, changes);
        }),
      );
    },
  };
}
