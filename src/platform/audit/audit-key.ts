// The audit key: 32 random bytes in DIR/identity/audit-key.json (0600 in a 0700 folder), never in the database,
// so that whoever can write the database cannot re-seal events they changed.
import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { EnclaveError } from '../../common/errors.ts';
import { readOrCreateSecretFile } from '../secret-file.ts';

export const AUDIT_KEY_FILE = 'audit-key.json';

export const AuditKeySchema = z.object({ key: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes, base64url') }).strict();

const WHAT = 'the audit key file';
const WHEN_DAMAGED = 'Restore it from a backup: without it no keyed audit event can be checked.';

/** A new key as its file holds it. */
export function newAuditKeyFile(): { key: string } {
  return { key: randomBytes(32).toString('base64url') };
}

/** Reads the key, creating it on first use; `created` says whether this call made it. */
export async function loadOrCreateAuditKey(folder: string): Promise<{ key: Buffer; created: boolean }> {
  const file = path.join(folder, AUDIT_KEY_FILE);
  const existed = await stat(file).then(
    () => true,
    () => false,
  );
  const { key } = await readOrCreateSecretFile({
    file,
    what: WHAT,
    whenDamaged: WHEN_DAMAGED,
    schema: AuditKeySchema,
    create: async () => newAuditKeyFile(),
  });
  return { key: Buffer.from(key, 'base64url'), created: !existed };
}

/**
 * Reads the key when its file exists, checked as loadOrCreateAuditKey checks it, and never makes one: null when
 * there is none. The audit log decides whether a missing key may be made (a new log) or is a break (a log that
 * holds keyed events, or that was used before).
 */
export async function loadExistingAuditKey(folder: string): Promise<Buffer | null> {
  const present = await stat(path.join(folder, AUDIT_KEY_FILE)).then(
    () => true,
    () => false,
  );
  return present ? (await loadOrCreateAuditKey(folder)).key : null;
}

/** Reads the key without ever creating it (for `enclave audit verify`); null when there is none. */
export async function readAuditKey(folder: string): Promise<{ key: Buffer | null; file: string; warning?: string }> {
  const file = path.join(folder, AUDIT_KEY_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { key: null, file };
    throw new EnclaveError('unavailable', `The audit key file ${file} cannot be read.`);
  }
  let parsed: z.ZodSafeParseResult<z.infer<typeof AuditKeySchema>>;
  try {
    parsed = AuditKeySchema.safeParse(JSON.parse(text));
  } catch {
    parsed = { success: false } as typeof parsed;
  }
  if (!parsed.success) throw new EnclaveError('unavailable', `The audit key file ${file} is damaged. ${WHEN_DAMAGED}`);
  const mode = (await stat(file)).mode;
  const warning = (mode & 0o077) === 0 ? undefined : `the audit key file ${file} can be read by other users: run \`chmod 600 ${file}\``;
  return { key: Buffer.from(parsed.data.key, 'base64url'), file, ...(warning === undefined ? {} : { warning }) };
}
