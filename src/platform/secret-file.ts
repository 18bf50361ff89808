// The platform's secrets on disk (identity keys, the audit key): created once, 0600, in a 0700 folder, and refused
// when anyone else can read them. One place, so every secret file is kept the same way.
import { constants } from 'node:fs';
import { chmod, mkdir, open, readFile, stat, writeFile, type FileHandle } from 'node:fs/promises';
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

/** This process's OS user, or null where there are no uids (Windows). */
function currentUid(): number | null {
  return typeof process.getuid === 'function' ? process.getuid() : null;
}

/**
 * Checks a folder of secrets the platform only reads (the shared identity keys): a folder, owned by the platform's OS
 * user or root, that nobody else may write to (who could write there could put other keys in place).
 */
export async function checkReadOnlySecretFolder(folder: string, what: string, uid = currentUid()): Promise<void> {
  const info = await stat(folder).catch((err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    throw new EnclaveError(
      'unavailable',
      `${capitalise(what)} ${folder} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`}.`,
    );
  });
  if (!info.isDirectory()) throw new EnclaveError('unavailable', `${capitalise(what)} ${folder} is not a folder.`);
  if (uid !== null && info.uid !== uid && info.uid !== 0) {
    throw new EnclaveError(
      'unavailable',
      `${capitalise(what)} ${folder} belongs to another OS user (uid ${info.uid}), who could put other keys in it. Give it to the platform's own user (uid ${uid}) or root.`,
    );
  }
  if ((info.mode & 0o022) !== 0) {
    throw new EnclaveError(
      'unavailable',
      `${capitalise(what)} ${folder} can be written by other users (mode 0${(info.mode & 0o777).toString(8)}), who could put other keys in it. Run \`chmod go-w ${folder}\` and start again.`,
    );
  }
}

/**
 * Reads a secret file the platform never writes: opened once, and its kind, owner and mode asked of that descriptor,
 * so what is checked is what is read. Refused unless it is a regular file owned by the platform's OS user or root
 * that nobody else may read or write.
 */
export async function readReadOnlySecretFile(file: string, what: string, uid = currentUid()): Promise<string> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read by this OS user' : `cannot be read (${code ?? 'error'})`;
    throw new EnclaveError('unavailable', `${capitalise(what)} ${file} ${why}.`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new EnclaveError('unavailable', `${capitalise(what)} ${file} is not a file.`);
    if (uid !== null && info.uid !== uid && info.uid !== 0) {
      throw new EnclaveError(
        'unavailable',
        `${capitalise(what)} ${file} belongs to another OS user (uid ${info.uid}), who could read it or replace it. Give it to the platform's own user (uid ${uid}) or root, with mode 0600.`,
      );
    }
    if ((info.mode & 0o077) !== 0) {
      throw new EnclaveError(
        'unavailable',
        `${capitalise(what)} ${file} can be read by other users (mode 0${(info.mode & 0o777).toString(8)}). Run \`chmod 600 ${file}\` and start again.`,
      );
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
