// The keys every instance of the platform shares (issue 19 C.2): `--identity-keys-dir DIR`, a folder the platform only
// reads, made once by `enclave platform keys create` and given to every instance. It holds the embedded identity
// provider's signing keys (tokens signed by one instance are checked by the others), its cookie keys (a sign-in begun on
// one instance ends on another), its artifact keys (sessions and refresh tokens sealed by one are opened by another)
// and the audit key (every instance chains the one log with it).
//
// The database remembers what the keys were (a fingerprint: thumbprints and hashes, never a key), written by the first
// start on it; an instance whose folder holds other keys is refused before it serves, since it would sign tokens the
// others refuse and seal audit events that do not verify. A deliberate change (a rotation step) is recorded by the
// operator with `enclave platform keys record`. Rotation keeps two signing (and cookie) keys while it runs: the new one
// is added last (every instance accepts it, none signs with it), then moved first (every instance signs with it, and
// still accepts the old), then the old one is retired. The audit key never changes: events sealed with it would no
// longer verify.
import { createHash } from 'node:crypto';
import { chown, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { z } from 'zod';
import { EnclaveError } from '../common/errors.ts';
import { AUDIT_KEY_FILE, AuditKeySchema, newAuditKeyFile } from './audit/audit-key.ts';
import type { AuditEventInput, AuditLog } from './audit/audit-log.ts';
import {
  ArtifactKeysSchema,
  CookieKeysSchema,
  createArtifactKeys,
  createCookieKeys,
  createSigningKeys,
  IDENTITY_KEY_FILES,
  identityKeysFrom,
  newCookieKey,
  newSigningKey,
  PrivateJwksSchema,
  type IdentityKeys,
} from './identity/embedded/keys.ts';
import { checkReadOnlySecretFolder, readReadOnlySecretFile } from './secret-file.ts';
import type { MetadataStore } from './store/metadata-store.ts';

/** The folder's files: the identity provider's three and the audit key. */
export const KEY_FOLDER_FILES = [
  IDENTITY_KEY_FILES.signing,
  IDENTITY_KEY_FILES.cookies,
  IDENTITY_KEY_FILES.artifacts,
  AUDIT_KEY_FILE,
] as const;

/** What a set of keys is, without any of them: compared between instances, recorded in the database, printed. */
export interface KeysFingerprint {
  /** The signing keys' JWK thumbprints (RFC 7638), in order: the first signs. */
  readonly signing: readonly string[];
  /** SHA-256 of the cookie keys, in order (the first signs). */
  readonly cookies: string;
  readonly artifacts: string;
  readonly audit: string;
}

export interface KeyFolder {
  readonly folder: string;
  readonly identity: IdentityKeys;
  readonly auditKey: Buffer;
  readonly fingerprint: KeysFingerprint;
}

const WHAT_FOLDER = 'the identity keys folder';
const WHAT_FILE = 'the identity key file';

function digest(label: string, ...parts: Array<string | Buffer>): string {
  const hash = createHash('sha256').update(`enclave identity keys fingerprint\u0000${label}\u0000`);
  for (const part of parts) hash.update(part).update('\u0000');
  return hash.digest('hex');
}

/** The fingerprint of the keys; the cookie and artifact keys and the audit key only as hashes. */
export async function fingerprintOf(identity: IdentityKeys, auditKey: Buffer): Promise<KeysFingerprint> {
  return {
    signing: await Promise.all(identity.verification.keys.map((jwk) => calculateJwkThumbprint(jwk))),
    cookies: digest('cookies', ...identity.cookieKeys),
    artifacts: digest('artifacts', identity.artifactKeys.encryption, identity.artifactKeys.index),
    audit: digest('audit', auditKey),
  };
}

/** One line for people: the thumbprints whole, the hashes shortened. */
export function describeFingerprint(fingerprint: KeysFingerprint): string {
  const short = (hash: string): string => `${hash.slice(0, 16)}…`;
  return `signing keys ${fingerprint.signing.join(', ')}; cookie keys ${short(fingerprint.cookies)}; artifact keys ${short(fingerprint.artifacts)}; audit key ${short(fingerprint.audit)}`;
}

/** As stored in the database: canonical (fixed key order), so equal keys give equal text. */
function storedForm(fingerprint: KeysFingerprint): string {
  const { signing, cookies, artifacts, audit } = fingerprint;
  return JSON.stringify({ signing, cookies, artifacts, audit });
}

function parseStored(text: string): KeysFingerprint | null {
  try {
    const value = JSON.parse(text) as Partial<KeysFingerprint>;
    const hex = (item: unknown): item is string => typeof item === 'string' && /^[0-9a-f]{64}$/.test(item);
    if (!Array.isArray(value.signing) || !value.signing.every((item) => typeof item === 'string')) return null;
    if (!hex(value.cookies) || !hex(value.artifacts) || !hex(value.audit)) return null;
    return { signing: value.signing, cookies: value.cookies, artifacts: value.artifacts, audit: value.audit };
  } catch {
    return null;
  }
}

async function readKeyFile<T>(file: string, schema: z.ZodType<T>, uid: number | null | undefined): Promise<T> {
  const text = await readReadOnlySecretFile(file, WHAT_FILE, uid);
  let parsed: z.ZodSafeParseResult<T>;
  try {
    parsed = schema.safeParse(JSON.parse(text));
  } catch {
    parsed = { success: false } as z.ZodSafeParseResult<T>;
  }
  if (!parsed.success) {
    throw new EnclaveError('unavailable', `The identity key file ${file} is damaged. Restore it from the copy the other instances use.`);
  }
  return parsed.data;
}

async function missingFiles(folder: string): Promise<string[]> {
  const present = await Promise.all(
    KEY_FOLDER_FILES.map((name) =>
      stat(path.join(folder, name)).then(
        () => true,
        (err: unknown) => (err as NodeJS.ErrnoException).code !== 'ENOENT',
      ),
    ),
  );
  return KEY_FOLDER_FILES.filter((_, index) => !present[index]);
}

/**
 * Reads the shared keys. The platform never writes this folder, so it refuses one that others could write, files
 * others could read or that belong to another user, a missing file (it never makes keys here) and a damaged one.
 */
export async function readKeyFolder(folder: string, options: { uid?: number | null } = {}): Promise<KeyFolder> {
  await checkReadOnlySecretFolder(folder, WHAT_FOLDER, options.uid);
  const missing = await missingFiles(folder);
  if (missing.length > 0) {
    throw new EnclaveError(
      'unavailable',
      `The identity keys folder ${folder} lacks ${missing.join(', ')}, and the platform never makes shared keys: make the folder once with \`enclave platform keys create --identity-keys-dir ${folder}\` and give the same copy to every instance.`,
    );
  }
  const [signing, cookies, artifacts, audit] = await Promise.all([
    readKeyFile(path.join(folder, IDENTITY_KEY_FILES.signing), PrivateJwksSchema, options.uid),
    readKeyFile(path.join(folder, IDENTITY_KEY_FILES.cookies), CookieKeysSchema, options.uid),
    readKeyFile(path.join(folder, IDENTITY_KEY_FILES.artifacts), ArtifactKeysSchema, options.uid),
    readKeyFile(path.join(folder, AUDIT_KEY_FILE), AuditKeySchema, options.uid),
  ]);
  const identity = identityKeysFrom({ signing, cookies, artifacts });
  const auditKey = Buffer.from(audit.key, 'base64url');
  return { folder, identity, auditKey, fingerprint: await fingerprintOf(identity, auditKey) };
}

/** Writes a key file, 0600, in place of the old one at once (a reader sees the old file or the new, never half). */
async function replaceKeyFile(file: string, content: unknown): Promise<void> {
  const before = await stat(file).catch(() => null);
  const temporary = `${file}.${process.pid}.new`;
  await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    // Run as root for a platform user's files: the new file keeps the owner the platform reads it as.
    if (before !== null && process.getuid?.() === 0) await chown(temporary, before.uid, before.gid);
    await rename(temporary, file);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}

/** Makes the folder (0700) and its four files (0600); refuses to touch a folder that holds any of them. Answers the files. */
export async function createKeyFolder(folder: string): Promise<string[]> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const missing = await missingFiles(folder);
  if (missing.length < KEY_FOLDER_FILES.length) {
    throw new EnclaveError(
      'invalid_input',
      `${folder} already holds ${KEY_FOLDER_FILES.filter((name) => !missing.includes(name)).join(', ')}: nothing was written. Shared keys are made once; to change the signing and cookie keys, use \`enclave platform keys add\`.`,
    );
  }
  const contents: Array<[string, unknown]> = [
    [IDENTITY_KEY_FILES.signing, await createSigningKeys()],
    [IDENTITY_KEY_FILES.cookies, await createCookieKeys()],
    [IDENTITY_KEY_FILES.artifacts, await createArtifactKeys()],
    [AUDIT_KEY_FILE, newAuditKeyFile()],
  ];
  const written: string[] = [];
  for (const [name, content] of contents) {
    const file = path.join(folder, name);
    await writeFile(file, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    written.push(file);
  }
  return written;
}

/** The steps of a rotation of the signing and cookie keys, in the order they are taken. */
export type RotationStep = 'add' | 'promote' | 'retire';

/**
 * One step of a rotation, on the folder (the operator's copy; every instance needs the result, then a restart):
 * `add` puts a new signing key and a new cookie key last; `promote` moves them first; `retire` drops the old ones.
 * Answers the folder's fingerprint after the step.
 */
export async function rotateKeyFolder(folder: string, step: RotationStep): Promise<KeysFingerprint> {
  const current = await readKeyFolder(folder);
  const signing = [...current.identity.signing] as JWK[];
  const cookies = [...current.identity.cookieKeys];
  const pair = signing.length === 2 && cookies.length === 2;
  if (step === 'add') {
    if (signing.length !== 1 || cookies.length !== 1) {
      throw new EnclaveError(
        'invalid_input',
        `A rotation is under way in ${folder} (${signing.length} signing and ${cookies.length} cookie keys): finish it with \`promote\` and \`retire\` first.`,
      );
    }
    signing.push(await newSigningKey());
    cookies.push(newCookieKey());
  } else {
    if (!pair) {
      throw new EnclaveError('invalid_input', `No rotation is under way in ${folder}: \`add\` a new key first.`);
    }
    if (step === 'promote') {
      signing.reverse();
      cookies.reverse();
    } else {
      signing.pop();
      cookies.pop();
    }
  }
  await replaceKeyFile(path.join(folder, IDENTITY_KEY_FILES.signing), { keys: signing });
  await replaceKeyFile(path.join(folder, IDENTITY_KEY_FILES.cookies), { keys: cookies });
  return (await readKeyFolder(folder)).fingerprint;
}

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
 * Compares the keys with those recorded in the database, recording them when none are (the first start). Throws
 * EnclaveError('unavailable') when they differ. Of several instances starting at once on a new database, one records
 * and the others compare with what it recorded. The caller records a first recording in the audit log
 * (recordedEvent), once the log has been checked at start.
 */
export async function checkRecordedKeys(options: {
  store: MetadataStore;
  keys: KeyFolder;
  now?: () => Date;
}): Promise<'recorded' | 'same'> {
  const { store, keys } = options;
  const now = options.now ?? (() => new Date());
  const stored = storedForm(keys.fingerprint);
  let recorded = await store.identityKeys.read();
  let first = false;
  if (recorded === undefined) {
    first = await store.identityKeys.recordFirst(stored, now());
    recorded = await store.identityKeys.read();
  }
  if (recorded === undefined) throw new EnclaveError('unavailable', 'The identity keys could not be recorded in the database.');
  if (recorded.fingerprint !== stored) {
    throw mismatch({ keys, recorded: parseStored(recorded.fingerprint), recordedAt: recorded.recordedAt });
  }
  return first ? 'recorded' : 'same';
}

const fingerprintJson = (fingerprint: KeysFingerprint) => ({ ...fingerprint, signing: [...fingerprint.signing] });

/** The audit event of a first recording (checkRecordedKeys answered 'recorded'). */
export function recordedEvent(keys: KeyFolder): AuditEventInput {
  return {
    type: KEYS_RECORDED_EVENT,
    actor: null,
    outcome: 'success',
    details: { first: true, folder: keys.folder, fingerprint: fingerprintJson(keys.fingerprint) },
  };
}

export const KEYS_RECORDED_EVENT = 'platform.identity_keys_recorded';

/**
 * The operator records the folder's keys as the ones every instance must have (after a rotation step), as an audit
 * event with both fingerprints. Refused when the audit key differs: the log's events were sealed with the recorded one.
 */
export async function recordKeys(options: {
  store: MetadataStore;
  audit: AuditLog;
  keys: KeyFolder;
  operator: string;
  now?: () => Date;
}): Promise<{ before: KeysFingerprint | null; after: KeysFingerprint }> {
  const { store, audit, keys } = options;
  const now = options.now ?? (() => new Date());
  const current = await store.identityKeys.read();
  const before = current === undefined ? null : parseStored(current.fingerprint);
  if (before !== null && before.audit !== keys.fingerprint.audit) {
    throw new EnclaveError(
      'invalid_input',
      `The audit key in ${keys.folder} is not the one recorded (${before.audit.slice(0, 16)}…, here ${keys.fingerprint.audit.slice(0, 16)}…): the audit log was sealed with the recorded one, which never changes. Nothing was recorded.`,
    );
  }
  await store.identityKeys.replace(storedForm(keys.fingerprint), now());
  await audit.append({
    type: KEYS_RECORDED_EVENT,
    actor: null,
    outcome: 'success',
    details: {
      operator: options.operator,
      via: 'host',
      folder: keys.folder,
      before: before === null ? null : fingerprintJson(before),
      after: fingerprintJson(keys.fingerprint),
    },
  });
  return { before, after: keys.fingerprint };
}
