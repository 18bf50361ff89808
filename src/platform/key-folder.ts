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
// still accepts the old), then the old one is retired (key-rotation.ts; the `rotation.json` it keeps in the folder meanwhile
// names the new keys, holds none, and is ignored here). The audit key never changes: events sealed with it would no
// longer verify.
//
// The folder is found once (ReadOnlySecretFolder: every folder and link on the way checked, from the root down) and its
// files read under its real path, so nobody but the platform's user and root can swap it between the checks and the reads.
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { calculateJwkThumbprint } from 'jose';
import type { z } from 'zod';
import { EnclaveError } from '../common/errors.ts';
import { AUDIT_KEY_FILE, AuditKeySchema } from './audit/audit-key.ts';
import {
  ArtifactKeysSchema,
  CookieKeysSchema,
  IDENTITY_KEY_FILES,
  identityKeysFrom,
  PrivateJwksSchema,
  type IdentityKeys,
} from './identity/embedded/keys.ts';
import { currentUid, ReadOnlySecretFolder } from './secret-file.ts';

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
export function storedForm(fingerprint: KeysFingerprint): string {
  const { signing, cookies, artifacts, audit } = fingerprint;
  return JSON.stringify({ signing, cookies, artifacts, audit });
}

export function parseStored(text: string): KeysFingerprint | null {
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

async function readKeyFile<T>(folder: ReadOnlySecretFolder, name: string, schema: z.ZodType<T>): Promise<T> {
  const text = await folder.read(name, WHAT_FILE);
  let parsed: z.ZodSafeParseResult<T>;
  try {
    parsed = schema.safeParse(JSON.parse(text));
  } catch {
    parsed = { success: false } as z.ZodSafeParseResult<T>;
  }
  if (!parsed.success) {
    throw new EnclaveError(
      'unavailable',
      `The identity key file ${folder.shown(name)} is damaged. Restore it from the copy the other instances use.`,
    );
  }
  return parsed.data;
}

/** The folder's files it lacks. */
export async function missingFiles(folder: ReadOnlySecretFolder): Promise<string[]> {
  const present = await Promise.all(KEY_FOLDER_FILES.map((name) => folder.has(name)));
  return KEY_FOLDER_FILES.filter((_, index) => !present[index]);
}

export interface KeyFolderOptions {
  /** The platform's OS user, whose folders and files are accepted besides root's; by default this process's. */
  readonly uid?: number | null;
  /**
   * Read for the operator's commands (`enclave platform keys`), not by the platform: run as root, they accept what the
   * folder's owner owns (the platform's user, whose folder it is), not only root's.
   */
  readonly operator?: boolean;
}

/** Finds and checks the folder (ReadOnlySecretFolder): its real path, resolved once, is where its files are read. */
export async function findKeyFolder(folder: string, options: KeyFolderOptions = {}): Promise<ReadOnlySecretFolder> {
  let uid = options.uid === undefined ? currentUid() : options.uid;
  if (options.operator === true && uid === 0) {
    // Whose folder it is: the checks that follow hold everything on the way to that user or root.
    uid = await stat(folder).then(
      (info) => info.uid,
      () => uid,
    );
  }
  return ReadOnlySecretFolder.open(folder, WHAT_FOLDER, uid);
}

/** Reads the keys of a folder found with findKeyFolder. */
export async function readKeysIn(found: ReadOnlySecretFolder): Promise<KeyFolder> {
  const missing = await missingFiles(found);
  if (missing.length > 0) {
    throw new EnclaveError(
      'unavailable',
      `The identity keys folder ${found.folder} lacks ${missing.join(', ')}, and the platform never makes shared keys: make the folder once with \`enclave platform keys create --identity-keys-dir ${found.folder}\` and give the same copy to every instance.`,
    );
  }
  const [signing, cookies, artifacts, audit] = await Promise.all([
    readKeyFile(found, IDENTITY_KEY_FILES.signing, PrivateJwksSchema),
    readKeyFile(found, IDENTITY_KEY_FILES.cookies, CookieKeysSchema),
    readKeyFile(found, IDENTITY_KEY_FILES.artifacts, ArtifactKeysSchema),
    readKeyFile(found, AUDIT_KEY_FILE, AuditKeySchema),
  ]);
  const identity = identityKeysFrom({ signing, cookies, artifacts });
  const auditKey = Buffer.from(audit.key, 'base64url');
  return { folder: found.folder, identity, auditKey, fingerprint: await fingerprintOf(identity, auditKey) };
}

/**
 * Reads the shared keys. The platform never writes this folder, so it refuses one that others could write or put
 * another in the place of (any folder or link on the way to it, or to its files), files others could read or that
 * belong to another user, a missing file (it never makes keys here) and a damaged one.
 */
export async function readKeyFolder(folder: string, options: KeyFolderOptions = {}): Promise<KeyFolder> {
  return readKeysIn(await findKeyFolder(folder, options));
}
