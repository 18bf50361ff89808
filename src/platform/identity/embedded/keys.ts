// The embedded identity provider's secrets, kept in the platform's data folder so a restart neither signs
// everybody out (cookie keys, artifact keys) nor invalidates issued tokens (signing key). The artifact keys
// are kept here rather than in the database so that a copy of metadata.sqlite alone reveals no device code. Files are created 0600 in a 0700
// folder, and refused if anyone else can read them.
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

const PrivateJwksSchema = z.object({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string(), d: z.string() })).min(1) });
const CookieKeysSchema = z.object({ keys: z.array(z.string().min(32)).min(1) });
const KEY_32_BYTES = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
const ArtifactKeysSchema = z.object({ encryption: KEY_32_BYTES, index: KEY_32_BYTES });

async function createSigningKeys(): Promise<unknown> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  return { keys: [{ ...jwk, kid: await calculateJwkThumbprint(jwk), alg: SIGNING_ALGORITHM, use: 'sig' }] };
}

async function createCookieKeys(): Promise<unknown> {
  return { keys: [randomBytes(32).toString('base64url')] };
}

async function createArtifactKeys(): Promise<unknown> {
  return { encryption: randomBytes(32).toString('base64url'), index: randomBytes(32).toString('base64url') };
}

function publicPart(jwk: JWK): JWK {
  const { kty, kid, alg, use, n, e, crv, x, y } = jwk;
  return Object.fromEntries(Object.entries({ kty, kid, alg, use, n, e, crv, x, y }).filter(([, value]) => value !== undefined));
}

export async function loadIdentityKeys(dataDir: string): Promise<IdentityKeys> {
  const folder = path.join(dataDir, 'identity');
  await ensurePrivateFolder(folder);
  const what = "the identity provider's key file";
  const whenDamaged = 'Remove it to make new keys (everybody will have to sign in again).';
  const signing = await readOrCreateSecretFile({
    file: path.join(folder, 'signing-keys.json'),
    what,
    whenDamaged,
    schema: PrivateJwksSchema,
    create: createSigningKeys,
  });
  const cookies = await readOrCreateSecretFile({
    file: path.join(folder, 'cookie-keys.json'),
    what,
    whenDamaged,
    schema: CookieKeysSchema,
    create: createCookieKeys,
  });
  const artifacts = await readOrCreateSecretFile({
    file: path.join(folder, 'artifact-keys.json'),
    what,
    whenDamaged,
    schema: ArtifactKeysSchema,
    create: createArtifactKeys,
  });
  const keys = signing.keys as JWK[];
  return {
    signing: keys,
    verification: { keys: keys.map(publicPart) },
    cookieKeys: cookies.keys,
    artifactKeys: { encryption: Buffer.from(artifacts.encryption, 'base64url'), index: Buffer.from(artifacts.index, 'base64url') },
  };
}
