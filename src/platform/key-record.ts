// The keys' fingerprint in the database (key-folder.ts): recorded at the first start on it, compared at every start,
// and recorded again by the operator after a rotation step.
import { EnclaveError } from '../common/errors.ts';
import type { AuditEventInput, AuditLog } from './audit/audit-log.ts';
import { describeFingerprint, parseStored, storedForm, type KeyFolder, type KeysFingerprint } from './key-folder.ts';
import { readIdentityKeysRecord, writeIdentityKeysRecord } from './store/identity-keys-record.ts';
import type { MetadataStore } from './store/metadata-store.ts';

/** Why an instance with these keys may not serve this database, and what the operator can do. */
function mismatch(options: { keys: KeyFolder; recorded: KeysFingerprint | null; recordedAt: string }): EnclaveError {
  const { keys, recorded, recordedAt } = options;
  const was = recorded === null ? 'a fingerprint this version cannot read' : describeFingerprint(recorded);
  return new EnclaveError(
    'unavailable',
    `The identity keys in ${keys.folder} are not the ones recorded for this platform's database on ${recordedAt} (recorded: ${was}; here: ${describeFingerprint(keys.fingerprint)}). Every instance must start with the same keys: tokens signed here would be refused by the others, and audit events sealed here would not verify. Give this instance the folder the others use; after a deliberate rotation step, record the folder's keys with \`enclave platform keys record --identity-keys-dir ${keys.folder}\` (with the database options serve has), then restart the instances.`,
  );
}

/**
 * Compares the keys with those recorded in the database: 'same', or 'none' when nothing is recorded yet (the first
 * start, or a database from before the record existed). Throws EnclaveError('unavailable') when they differ; called
 * before the audit log's check at start, so that other keys are named as such rather than as a broken log.
 */
export async function checkRecordedKeys(options: { store: MetadataStore; keys: KeyFolder }): Promise<'none' | 'same'> {
  const { store, keys } = options;
  const recorded = await store.identityKeys.read();
  if (recorded === undefined) return 'none';
  if (recorded.fingerprint !== storedForm(keys.fingerprint)) {
    throw mismatch({ keys, recorded: parseStored(recorded.fingerprint), recordedAt: recorded.recordedAt });
  }
  return 'same';
}

export const KEYS_RECORDED_EVENT = 'platform.identity_keys_recorded';

const fingerprintJson = (fingerprint: KeysFingerprint) => ({ ...fingerprint, signing: [...fingerprint.signing] });

/** Another instance recorded the keys first: this one's append is given up, and it compares with theirs. */
class RecordedMeanwhile extends Error {}

/**
 * The first start's recording (checkRecordedKeys answered 'none'), after the audit log's check: the record and its
 * audit event in one transaction, under the log's write lock, so several instances starting at once record once, and
 * no record exists without its event. A log that shows an earlier recording while the record is gone is refused: someone
 * with the database removed it, and recording whatever keys come next would hide that.
 */
export async function recordFirstKeys(options: {
  store: MetadataStore;
  audit: AuditLog;
  keys: KeyFolder;
  now?: () => Date;
}): Promise<void> {
  const { store, audit, keys } = options;
  const now = options.now ?? (() => new Date());
  try {
    await audit.appendWithin(async (conn) => {
      if ((await readIdentityKeysRecord(conn)) !== undefined) throw new RecordedMeanwhile();
      const earlier = await conn
        .selectFrom('audit_events')
        .select('seq')
        .where('type', '=', KEYS_RECORDED_EVENT)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (earlier !== undefined) {
        throw new EnclaveError(
          'unavailable',
          `The identity keys recorded for this platform's database are gone, though audit event ${earlier.seq} recorded them: someone with write access to the database removed the record. Find out who first; then, if the keys in ${keys.folder} are the right ones, record them with \`enclave platform keys record --identity-keys-dir ${keys.folder}\` (with the database options serve has).`,
        );
      }
      await writeIdentityKeysRecord(conn, storedForm(keys.fingerprint), now());
      return {
        type: KEYS_RECORDED_EVENT,
        actor: null,
        outcome: 'success',
        details: { first: true, folder: keys.folder, fingerprint: fingerprintJson(keys.fingerprint) },
      } satisfies AuditEventInput;
    });
  } catch (err) {
    if (!(err instanceof RecordedMeanwhile)) throw err;
  }
  if ((await checkRecordedKeys({ store, keys })) !== 'same') {
    throw new EnclaveError('unavailable', 'The identity keys could not be recorded in the database.');
  }
}

/**
 * The operator records the folder's keys as the ones every instance must have (after a rotation step): the record and
 * an audit event with both fingerprints, in one transaction. Refused, changing nothing: another audit key (the log was
 * sealed with the recorded one, which never changes); and, unless `force`, a set that shares no signing key with the
 * recorded one or has other artifact keys, which would sign everybody out (the rotation steps never do either).
 */
export async function recordKeys(options: {
  audit: AuditLog;
  keys: KeyFolder;
  operator: string;
  force?: boolean;
  now?: () => Date;
}): Promise<{ before: KeysFingerprint | null; after: KeysFingerprint }> {
  const { audit, keys } = options;
  const now = options.now ?? (() => new Date());
  const after = keys.fingerprint;
  const seen: { before: KeysFingerprint | null } = { before: null };
  await audit.appendWithin(async (conn) => {
    const current = await readIdentityKeysRecord(conn);
    const before = current === undefined ? null : parseStored(current.fingerprint);
    seen.before = before;
    const refuse = (why: string): never => {
      throw new EnclaveError('invalid_input', `${why} Nothing was recorded.`);
    };
    if (before !== null && before.audit !== after.audit) {
      refuse(
        `The audit key in ${keys.folder} is not the one recorded (${before.audit.slice(0, 16)}…, here ${after.audit.slice(0, 16)}…): the audit log was sealed with the recorded one, which never changes.`,
      );
    }
    if (before !== null && options.force !== true) {
      if (!before.signing.some((kid) => after.signing.includes(kid))) {
        refuse(
          `The signing keys in ${keys.folder} share none with those recorded (${before.signing.join(', ')}): while the instances restart, the ones still running would refuse every token the restarted ones sign, and after it every token signed before. Take the rotation's steps one at a time (add, record; promote, record; retire, record), or give --force to sign everybody out on purpose.`,
        );
      }
      if (before.artifacts !== after.artifacts) {
        refuse(
          `The artifact keys in ${keys.folder} are not the ones recorded: every stored session and refresh token would become unreadable, signing everybody out. Give --force to do that on purpose.`,
        );
      }
    }
    await writeIdentityKeysRecord(conn, storedForm(after), now());
    return {
      type: KEYS_RECORDED_EVENT,
      actor: null,
      outcome: 'success',
      details: {
        operator: options.operator,
        via: 'host',
        folder: keys.folder,
        force: options.force === true,
        before: before === null ? null : fingerprintJson(before),
        after: fingerprintJson(after),
      },
    } satisfies AuditEventInput;
  });
  return { before: seen.before, after };
}
