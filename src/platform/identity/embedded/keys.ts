// The embedded identity provider's secrets. A platform on SQLite (one instance) keeps them in its data folder, made at
// its first start, so a restart neither signs everybody out (cookie keys, artifact keys) nor invalidates issued tokens
// (signing key); on PostgreSQL every instance reads the same ones from the shared keys folder (key-folder.ts), which the
// platform never writes. The artifact keys are kept in files rather than in the database so that a copy of the store
// alone reveals no device code. Files are created 0600 in a 0700 folder, and refused if anyone else can read them.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { z } from 'zod';
import { ensurePrivateFolder, readOrCreateSecretFile } from '../../secret-file.ts';

export const SIGNING_ALGORITHM = 'RS256';

export interface IdentityKeys {
  /** Private signing keys, newest first (oidc-provider signs with the first). */
  readonly signing: readonly JWK[];
  /** The same keys without their private parts: what the platform verifies access tokens with. */
  readonly verification: { keys: JWK[] };
  /** Secrets oidc-provider signs its cookies with, newest first. */
  readonly cookieKeys: readonly string[];
  /** Keys for the provider's stored artifacts (see artifact-sealing.ts): one encrypts payloads, one keys look-up hashes. */
  readonly artifactKeys: { readonly encryption: Buffer; readonly index: Buffer };
}

/** The three files, by name, in the folder they are kept in (DIR/identity, or the shared --identity-keys-dir). */
export const IDENTITY_KEY_FILES = {
  signing: 'signing-keys.json',
  cookies: 'cookie-keys.json',
  artifacts: 'artifact-keys.json',
} as const;

export const PrivateJwksSchema = z.object({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string(), d: z.string() })).min(1) });
export const CookieKeysSchema = z.object({ keys: z.array(z.string().min(32)).min(1) });
const KEY_32_BYTES = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
export const ArtifactKeysSchema = z.object({ encryption: KEY_32_BYTES, index: KEY_32_BYTES });

/** A new private signing key as a JWK, named by its thumbprint. */
export async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: SIGNING_ALGORITHM, use: 'sig' };
}

/** A new secret to sign the provider's cookies with. */
export function newCookieKey(): string {
  return randomBytes(32).toString('base64url');
}

export async function createSigningKeys(): Promise<{ keys: JWK[] }> {
  return { keys: [await newSigningKey()] };
}

export async function createCookieKeys(): Promise<{ keys: string[] }> {
  return { keys: [newCookieKey()] };
}

export async function createArtifactKeys(): Promise<{ encryption: string; index: string }> {
  return { encryption: randomBytes(32).toString('base64url'), index: randomBytes(32).toString('base64url') };
}

function publicPart(jwk: JWK): JWK {
  const { kty, kid, alg, use, n, e, crv, x, y } = jwk;
  return Object.fromEntries(Object.entries({ kty, kid, alg, use, n, e, crv, x, y }).filter(([, value]) => value !== undefined));
}

/** The keys as the files hold them (each already checked against its schema). */
export function identityKeysFrom(files: {
  signing: z.infer<typeof PrivateJwksSchema>;
  cookies: z.infer<typeof CookieKeysSchema>;
  artifacts: z.infer<typeof ArtifactKeysSchema>;
}): IdentityKeys {
  const keys = files.signing.keys as JWK[];
  return {
    signing: keys,
    verification: { keys: keys.map(publicPart) },
    cookieKeys: files.cookies.keys,
    artifactKeys: {
      encryption: Buffer.from(files.artifacts.encryption, 'base64url'),
      index: Buffer.from(files.artifacts.index, 'base64url'),
    },
  };
}

/** The keys of a platform that keeps its own (one instance on SQLite): DIR/identity, made at its first start. */
export async function loadIdentityKeys(dataDir: string): Promise<IdentityKeys> {
  const folder = path.join(dataDir, 'identity');
  await ensurePrivateFolder(folder);
  const what = "the identity provider's key file";
  const whenDamaged = 'Remove it to make new keys (everybody will have to sign in again).';
  const signing = await readOrCreateSecretFile({
    file: path.join(folder, IDENTITY_KEY_FILES.signing),
    what,
    whenDamaged,
    schema: PrivateJwksSchema,
    create: createSigningKeys,
  });
  const cookies = await readOrCreateSecretFile({
    file: path.join(folder, IDENTITY_KEY_FILES.cookies),
    what,
    whenDamaged,
    schema: CookieKeysSchema,
    create: createCookieKeys,
  });
  const artifacts = await readOrCreateSecretFile({
    file: path.join(folder, IDENTITY_KEY_FILES.artifacts),
    what,
    whenDamaged,
    schema: ArtifactKeysSchema,
    create: createArtifactKeys,
  });
  return identityKeysFrom({ signing, cookies, artifacts });
}
