// App passwords (issue 17): what a standard WebDAV client (Finder, Windows Explorer, a file manager) sends as Basic
// credentials, since it cannot sign in through the identity provider. One per device, per person, per drive: a random
// secret of 256 bits, shown once, stored as its SHA-256 only. A fast hash is enough, and right, here: a secret drawn
// from 2^256 cannot be guessed from its hash however fast the hash, while a WebDAV client sends it with every request, so
// a deliberately slow hash (scrypt) would cost every request tens of milliseconds and hand an attacker an easy way to
// load the platform. The check compares in constant time against each of the person's passwords for the drive, always
// first: a matching secret is never refused for others' failures (a stranger who knows a user name must not be able to
// lock its owner out). Failures are counted per remote address and user name (in a map of bounded size); past the
// limit they are refused as too many, and recorded in the audit log at most once a minute each, like uses, whose time
// is also the password's "last used".
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EnclaveError } from '../../common/errors.ts';
import type { AppPassword } from '../../common/drives.ts';
import type { StoredAppPassword } from '../store/drives.ts';
import { newDriveRecordId } from '../store/drives.ts';
import type { DriveContext } from './drive-context.ts';
import type { DriveCaller } from './service-api.ts';

/** How many unrevoked app passwords one person may hold for one drive. */
export const APP_PASSWORDS_PER_PERSON = 20;
/** Failed checks allowed per remote address and user name in a window; past it, failures are refused as too many. */
export const APP_PASSWORD_FAILURES = { limit: 10, windowMs: 5 * 60_000 } as const;
/** The most (remote address, user name) pairs whose failures are remembered at once; the oldest are forgotten first. */
export const APP_PASSWORD_FAILURE_KEYS = 10_000;

const SECRET_BYTES = 32;

const hashOf = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

function viewOf(row: StoredAppPassword): AppPassword {
  return {
    id: row.id,
    label: row.label,
    username: row.user_id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

export function appPasswords(ctx: DriveContext) {
  const { records, audit } = ctx;
  const clock = () => ctx.now().getTime();
  const createRateLimiter = ctx.deps.rateLimiter;
  /** Failures per (remote address, user name) in their current window, oldest first; never more than the bound. */
  const failures = new Map<string, { start: number; count: number }>();
  /** Counts a failure; answers whether the pair is now past the limit. */
  function failed(key: string): boolean {
    const at = clock();
    let window = failures.get(key);
    if (window === undefined || at - window.start >= APP_PASSWORD_FAILURES.windowMs) {
      failures.delete(key);
      if (failures.size >= APP_PASSWORD_FAILURE_KEYS) {
        for (const [other, old] of failures) if (at - old.start >= APP_PASSWORD_FAILURES.windowMs) failures.delete(other);
      }
      // Still full: the oldest pairs are forgotten (Map keeps insertion order).
      for (const [other] of failures) {
        if (failures.size < APP_PASSWORD_FAILURE_KEYS) break;
        failures.delete(other);
      }
      window = { start: at, count: 0 };
      failures.set(key, window);
    }
    window.count += 1;
    return window.count > APP_PASSWORD_FAILURES.limit;
  }
  const usesRecorded = createRateLimiter({ limit: 1, windowMs: 60_000, now: clock });
  const refusalsRecorded = createRateLimiter({ limit: 1, windowMs: 60_000, now: clock });
  const suspendedRecorded = createRateLimiter({ limit: 1, windowMs: 60_000, now: clock });

  function requireSignedIn(caller: DriveCaller, doing: string): void {
    if (caller.appPasswordId !== undefined) {
      throw new EnclaveError('forbidden', `An app password cannot ${doing}: sign in to Enclave to do it. Nothing was changed.`);
    }
  }

  async function refused(call: { projectId: string; username: string; from: string }, reason: string): Promise<null> {
    const { projectId, username, from } = call;
    const tooMany = failed(`${from}\u0000${username}`);
    if (refusalsRecorded.take(`${projectId}:${username}`).allowed) {
      await audit.append({
        type: 'drive.app_password_refused',
        actor: null,
        outcome: 'failure',
        details: {
          projectId,
          username,
          from,
          reason: tooMany ? `${reason} (too many failed attempts from this address)` : reason,
          via: 'webdav',
          recordedAtMost: 'once a minute per person and drive',
        },
      });
    }
    return null;
  }

  return {
    async appPasswords(caller: DriveCaller, projectId: string): Promise<AppPassword[]> {
      await ctx.access(caller, projectId);
      return (await records.appPasswords(projectId, caller.principal.user.id)).map(viewOf);
    },

    async createAppPassword(caller: DriveCaller, projectId: string, label: string): Promise<{ appPassword: AppPassword; secret: string }> {
      return ctx.audited({ type: 'drive.app_password_created', caller, projectId, details: { label } }, async () => {
        requireSignedIn(caller, 'make another');
        await ctx.access(caller, projectId);
        const userId = caller.principal.user.id;
        const held = (await records.appPasswords(projectId, userId)).filter((row) => row.revoked_at === null);
        if (held.length >= APP_PASSWORDS_PER_PERSON) {
          throw new EnclaveError(
            'conflict',
            `You have ${APP_PASSWORDS_PER_PERSON} app passwords for this drive: revoke one you no longer use first. Nothing was made.`,
          );
        }
        const secret = randomBytes(SECRET_BYTES).toString('base64url');
        const row: StoredAppPassword = {
          id: newDriveRecordId('app'),
          project_id: projectId,
          user_id: userId,
          label: label.trim(),
          secret_hash: hashOf(secret).toString('hex'),
          created_at: ctx.stamp(),
          last_used_at: null,
          revoked_at: null,
        };
        await records.addAppPassword(row);
        return { result: { appPassword: viewOf(row), secret }, details: { appPasswordId: row.id } };
      });
    },

    async revokeAppPassword(caller: DriveCaller, projectId: string, id: string): Promise<AppPassword> {
      return ctx.audited({ type: 'drive.app_password_revoked', caller, projectId, details: { appPasswordId: id } }, async () => {
        await ctx.access(caller, projectId);
        const row = await records.appPassword(id);
        if (row === undefined || row.project_id !== projectId || row.user_id !== caller.principal.user.id) {
          throw new EnclaveError('not_found', 'You have no such app password for this drive.');
        }
        if (row.revoked_at === null) await records.revokeAppPassword(id, ctx.stamp());
        const after = await records.appPassword(id);
        return { result: viewOf(after ?? row) };
      });
    },

    // eslint-disable-next-line max-params -- DriveService's signature (service-api.ts), not ours
    async verifyAppPassword(projectId: string, username: string, secret: string, from = 'unknown'): Promise<DriveCaller | null> {
      const call = { projectId, username, from };
      const user = await ctx.store.getUser(username);
      const candidates =
        user === undefined ? [] : (await records.appPasswords(projectId, username)).filter((row) => row.revoked_at === null);
      const presented = hashOf(secret);
      let match: StoredAppPassword | undefined;
      // Every candidate is compared, in constant time, whichever matches.
      for (const row of candidates) {
        const stored = Buffer.from(row.secret_hash, 'hex');
        if (stored.length === presented.length && timingSafeEqual(stored, presented) && match === undefined) match = row;
      }
      if (user === undefined || match === undefined) return refused(call, 'no such app password for this drive');
      // A suspended person's password is refused as their tokens are (403 suspended, an attempt on record), before the
      // check below would call it ended: the suspension ended their sign-ins, this password's with them.
      const barred = await ctx.deps.killSwitch.refusalFor(user.id);
      if (barred !== null) {
        if (suspendedRecorded.take(user.id).allowed) {
          await audit.append({
            type: 'access.refused',
            actor: user.id,
            outcome: 'failure',
            details: {
              route: 'drive.dav',
              via: 'webdav',
              projectId,
              appPasswordId: match.id,
              code: barred.code,
              reason: barred.message,
              recordedAtMost: 'once a minute per person',
            },
          });
        }
        throw barred;
      }
      // An administrator who ends a person's sign-ins (a lost device, an incident) ends the app passwords made before too.
      const validAfter = await ctx.store.tokensValidAfter(user.id);
      // To the second, as the ending is recorded (and tokens' iat compared): a password made in that second is ended too.
      if (validAfter !== null && Math.floor(Date.parse(match.created_at) / 1000) <= validAfter) {
        return refused(call, "made before the person's sign-ins were ended by an administrator");
      }
      if (usesRecorded.take(match.id).allowed) {
        const at = ctx.stamp();
        await records.appPasswordUsed(match.id, at);
        await audit.append({
          type: 'drive.app_password_used',
          actor: user.id,
          outcome: 'success',
          details: { projectId, appPasswordId: match.id, via: 'webdav', recordedAtMost: 'once a minute per password' },
        });
      }
      return { principal: { user, authenticatedBy: 'app_password' }, appPasswordId: match.id, via: 'webdav' };
    },
  };
}
