// The platform's secrets on disk (identity keys, the audit key): created once, 0600, in a 0700 folder, and refused
// when anyone else can read them. One place, so every secret file is kept the same way.
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import type { z } from 'zod';
import { EnclaveError } from '../common/errors.ts';

/** Creates the folder (0700) if needed and makes sure nobody else can enter it. */
export async function ensurePrivateFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await chmod(folder, 0o700);
}

/** Reads a secret JSON file, creating it (0600) on first use; `what` names it in messages ("the audit key file"). */
export async function readOrCreateSecretFile<T>(options: {
  file: string;
  what: string;
  schema: z.ZodType<T>;
  create: () => Promise<unknown>;
  /** What to do about a damaged file, added to the message. */
  whenDamaged?: string;
}): Promise<T> {
  const { file, what } = options;
  try {
    await writeFile(file, `${JSON.stringify(await options.create(), null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new EnclaveError('unavailable', `${capitalise(what)} ${file} could not be written.`);
    }
  }
  const info = await stat(file);
  if ((info.mode & 0o077) !== 0) {
    throw new EnclaveError(
      'unavailable',
      `${capitalise(what)} ${file} can be read by other users. Run \`chmod 600 ${file}\` and start again.`,
    );
  }
  let parsed: z.ZodSafeParseResult<T>;
  try {
    parsed = options.schema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    parsed = { success: false } as z.ZodSafeParseResult<T>;
  }
  if (!parsed.success) {
    throw new EnclaveError(
      'unavailable',
      `${capitalise(what)} ${file} is damaged.${options.whenDamaged === undefined ? '' : ` ${options.whenDamaged}`}`,
    );
  }
  return parsed.data;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
