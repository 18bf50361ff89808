// The embedded identity provider's secrets, kept in the platform's data folder so a restart neither signs
// everybody out (cookie keys) nor invalidates issued tokens (signing key). Files are created 0600 in a 0700
// folder, and refused if anyone else can read them.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { z } from 'zod';
import { EnclaveError } from '../../../common/errors.ts';

export const SIGNING_ALGORITHM = 'RS256';

export interface IdentityKeys {
  /** Private signing keys, newest first (oidc-provider signs with the first). */
  readonly signing: readonly JWK[];
  /** The same keys without their private parts: what the platform verifies access tokens with. */
  readonly verification: { keys: JWK[] };
  /** Secrets oidc-provider signs its cookies with, newest first. */
  readonly cookieKeys: readonly string[];
}

const PrivateJwksSchema = z.object({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string(), d: z.string() })).min(1) });
const CookieKeysSchema = z.object({ keys: z.array(z.string().min(32)).min(1) });

async function createSigningKeys(): Promise<unknown> {
  const { privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  return { keys: [{ ...jwk, kid: await calculateJwkThumbprint(jwk), alg: SIGNING_ALGORITHM, use: 'sig' }] };
}

async function createCookieKeys(): Promise<unknown> {
  return { keys: [randomBytes(32).toString('base64url')] };
}

/** Reads a secret file, creating it (0600) on first start. */
async function readOrCreate<T>(options: { file: string; schema: z.ZodType<T>; create: () => Promise<unknown> }): Promise<T> {
  const { file } = options;
  try {
    await writeFile(file, `${JSON.stringify(await options.create(), null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new EnclaveError('unavailable', `The identity provider's key file ${file} could not be written.`);
    }
  }
  const info = await stat(file);
  if ((info.mode & 0o077) !== 0) {
    throw new EnclaveError('unavailable', `The identity provider's key file ${file} can be read by other users. Run \`chmod 600 ${file}\` and start again.`);
  }
  let parsed: z.ZodSafeParseResult<T>;
  try {
    parsed = options.schema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    parsed = { success: false } as z.ZodSafeParseResult<T>;
  }
  if (!parsed.success) {
    throw new EnclaveError('unavailable', `The identity provider's key file ${file} is damaged. Remove it to make new keys (everybody will have to sign in again).`);
  }
  return parsed.data;
}

function publicPart(jwk: JWK): JWK {
  const { kty, kid, alg, use, n, e, crv, x, y } = jwk;
  return Object.fromEntries(Object.entries({ kty, kid, alg, use, n, e, crv, x, y }).filter(([, value]) => value !== undefined)) as JWK;
}

export async function loadIdentityKeys(dataDir: string): Promise<IdentityKeys> {
  const folder = path.join(dataDir, 'identity');
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await chmod(folder, 0o700);
  const signing = await readOrCreate({ file: path.join(folder, 'signing-keys.json'), schema: PrivateJwksSchema, create: createSigningKeys });
  const cookies = await readOrCreate({ file: path.join(folder, 'cookie-keys.json'), schema: CookieKeysSchema, create: createCookieKeys });
  const keys = signing.keys as JWK[];
  return { signing: keys, verification: { keys: keys.map(publicPart) }, cookieKeys: cookies.keys };
}
