// The platform's secrets on disk (identity keys, the audit key): created once, 0600, in a 0700 folder, and refused
// when anyone else can read them; and the folder of shared keys the platform only reads (ReadOnlySecretFolder),
// refused when anyone else could put other keys in its place. One place, so every secret file is kept the same way.
import { constants, type Stats } from 'node:fs';
import { chmod, lstat, mkdir, open, readFile, readlink, stat, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
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
export function currentUid(): number | null {
  return typeof process.getuid === 'function' ? process.getuid() : null;
}

/** Others may create names in a sticky folder but not rename or remove names that are not theirs. */
const STICKY = 0o1000;
/** As the kernel (MAXSYMLINKS): more links than this on one path is a loop. */
const MAX_LINKS = 40;

const octal = (mode: number): string => `0${(mode & 0o7777).toString(8)}`;
const errorCode = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? 'error';

/**
 * A folder of secrets the platform only reads (the shared identity keys), found once: its real path is followed from
 * the root one name at a time, as the kernel follows it, and every file is then read under that real path, its own
 * links followed the same way. Everything followed is checked, so nobody but the platform's OS user and root can put
 * other secrets in the folder's place, or in a file's, between the checks and the reads:
 * - every folder on the way, the folder itself included, belongs to the platform's user or root, and nobody else may
 *   write to it unless it is sticky (then others cannot rename or remove what is not theirs: a Kubernetes secret volume
 *   is a sticky folder of root's);
 * - every symbolic link on the way belongs to the platform's user or root (Kubernetes makes each file a link into
 *   `..data/`: links are followed, never refused as such);
 * - each file is a regular file, owned by the platform's user or root, that nobody else may read or write (checked on
 *   the descriptor it is read through).
 */
export class ReadOnlySecretFolder {
  /** The folder as it was given: messages name it. */
  readonly folder: string;
  /** The folder's real path (no link in it): every read and write goes under it. */
  readonly realPath: string;
  /** The owner and group of the folder itself. */
  readonly owner: { readonly uid: number; readonly gid: number };
  /** The OS user besides root whose folders, links and files are accepted; null where there are no uids. */
  readonly uid: number | null;
  readonly #what: string;
  /** Folders already checked on this look (real paths). */
  readonly #checked = new Set<string>();

  private constructor(options: {
    folder: string;
    realPath: string;
    owner: { uid: number; gid: number };
    uid: number | null;
    what: string;
  }) {
    this.folder = options.folder;
    this.realPath = options.realPath;
    this.owner = options.owner;
    this.uid = options.uid;
    this.#what = options.what;
  }

  /** Finds and checks the folder; `what` names it in messages ("the identity keys folder"). Throws EnclaveError('unavailable'). */
  static async open(folder: string, what: string, uid = currentUid()): Promise<ReadOnlySecretFolder> {
    const checked = new Set<string>();
    const subject = `${what} ${folder}`;
    const realPath = await follow({ target: path.resolve(folder), subject, uid, checked, folderItself: true });
    const info = await lstat(realPath);
    const found = new ReadOnlySecretFolder({ folder, realPath, owner: { uid: info.uid, gid: info.gid }, uid, what });
    for (const each of checked) found.#checked.add(each);
    return found;
  }

  /** The path of one of its files as messages show it: under the folder as given. */
  shown(name: string): string {
    return path.join(this.folder, name);
  }

  /** Whether the folder holds the name (a link counts, even one that leads nowhere: reading it says so). */
  async has(name: string): Promise<boolean> {
    try {
      await lstat(path.join(this.realPath, name));
      return true;
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return false;
      throw new EnclaveError('unavailable', `${capitalise(this.#what)} ${this.folder} cannot be read (${errorCode(err)}).`);
    }
  }

  /**
   * Reads one file of the folder, refused unless it, and every folder and link on the way to it, passes the checks.
   * `what` names it in messages ("the identity key file").
   */
  async read(name: string, what: string): Promise<string> {
    const shown = this.shown(name);
    const target = await follow({
      target: path.join(this.realPath, name),
      subject: `${what} ${shown}`,
      uid: this.uid,
      checked: this.#checked,
    });
    const via = target === path.join(this.realPath, name) ? '' : ` (a link to ${target})`;
    const opened = await openAndRead(target, `${capitalise(what)} ${shown}${via}`);
    if (this.uid !== null && opened.uid !== this.uid && opened.uid !== 0) {
      throw new EnclaveError(
        'unavailable',
        `${capitalise(what)} ${shown}${via} belongs to another OS user (uid ${opened.uid}), who could read it or replace it. Give it to the platform's own user (uid ${this.uid}) or root, with mode 0600.`,
      );
    }
    if ((opened.mode & 0o077) !== 0) {
      throw new EnclaveError(
        'unavailable',
        `${capitalise(what)} ${shown}${via} can be read by other users (mode ${octal(opened.mode)}). Run \`chmod 600 ${target}\` and start again.`,
      );
    }
    return opened.text;
  }
}

/**
 * Follows an absolute path from the root, one name at a time, checking every folder and link it passes (see
 * ReadOnlySecretFolder); answers its real path. With `folderItself`, the last name must be a folder, checked as the
 * subject (its messages say what someone could do with it); otherwise the last name is left to the caller to open.
 */
async function follow(options: {
  target: string;
  /** What is being looked for, for messages: "the identity keys folder /srv/keys". */
  subject: string;
  uid: number | null;
  checked: Set<string>;
  folderItself?: boolean;
}): Promise<string> {
  const { subject, uid, checked } = options;
  let current = path.parse(options.target).root;
  let pending = options.target.split(path.sep).filter((part) => part !== '');
  let links = 0;
  await checkFolder({ folder: current, subject, uid, checked, itself: options.folderItself === true && pending.length === 0 });
  while (pending.length > 0) {
    const name = pending.shift()!;
    if (name === '.') continue;
    // `current` is a real path (no link in it), so its parent is what `..` names.
    if (name === '..') {
      current = path.dirname(current);
      continue;
    }
    const next = path.join(current, name);
    const last = pending.length === 0;
    let info: Stats;
    try {
      info = await lstat(next);
    } catch (err) {
      const code = errorCode(err);
      const why =
        code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be reached by this OS user' : `cannot be read (${code})`;
      throw new EnclaveError('unavailable', `${capitalise(subject)} ${next === options.target ? why : `cannot be found: ${next} ${why}`}.`);
    }
    if (info.isSymbolicLink()) {
      links += 1;
      if (links > MAX_LINKS)
        throw new EnclaveError('unavailable', `${capitalise(subject)} cannot be found: too many links on the way (a loop?).`);
      if (uid !== null && info.uid !== uid && info.uid !== 0) {
        throw new EnclaveError(
          'unavailable',
          `The link ${next}, on the way to ${subject}, belongs to another OS user (uid ${info.uid}), who could point it elsewhere. Give it to the platform's own user (uid ${uid}) or root.`,
        );
      }
      const points = await readlink(next);
      if (path.isAbsolute(points)) current = path.parse(points).root;
      pending = [...points.split(path.sep).filter((part) => part !== ''), ...pending];
      continue;
    }
    current = next;
    if (info.isDirectory()) {
      await checkFolder({ folder: current, info, subject, uid, checked, itself: options.folderItself === true && pending.length === 0 });
    } else if (!last) {
      throw new EnclaveError('unavailable', `${capitalise(subject)} cannot be found: ${current} is not a folder.`);
    } else if (options.folderItself === true) {
      throw new EnclaveError('unavailable', `${capitalise(subject)} is not a folder.`);
    }
  }
  return current;
}

/** The checks on one folder followed on the way (see ReadOnlySecretFolder); each folder is checked once per look. */
async function checkFolder(options: {
  folder: string;
  info?: Stats;
  subject: string;
  uid: number | null;
  checked: Set<string>;
  /** The folder is the subject itself, not one on the way to it. */
  itself: boolean;
}): Promise<void> {
  const { folder, subject, uid, checked, itself } = options;
  if (checked.has(folder)) return;
  const info = options.info ?? (await lstat(folder));
  const where = itself ? capitalise(subject) : `The folder ${folder}, on the way to ${subject},`;
  const could = itself ? 'put other keys in it' : 'put something else in its place';
  if (uid !== null && info.uid !== uid && info.uid !== 0) {
    throw new EnclaveError(
      'unavailable',
      `${where} belongs to another OS user (uid ${info.uid}), who could ${could}. Give it to the platform's own user (uid ${uid}) or root.`,
    );
  }
  if ((info.mode & 0o022) !== 0 && (info.mode & STICKY) === 0) {
    throw new EnclaveError(
      'unavailable',
      `${where} can be written by other users (mode ${octal(info.mode)}), who could ${could}. Run \`chmod go-w ${folder}\` and start again.`,
    );
  }
  checked.add(folder);
}

/** One file as read through one descriptor: its text, and the owner and mode of that very file. */
export interface OpenedFile {
  readonly text: string;
  readonly uid: number;
  readonly mode: number;
}

/**
 * Opens the file once and asks everything of that descriptor, so the owner and mode checked are those of the bytes
 * read, even if the name is pointed at another file meanwhile. Non-blocking, so a FIFO in its place cannot hang the
 * start; anything but a regular file is refused. `what` names it in messages ("the TLS key file").
 */
export function readOpenedFile(file: string, what: string): Promise<OpenedFile> {
  return openAndRead(file, `${capitalise(what)} ${file}`);
}

/** readOpenedFile, its messages beginning with `shown` ("The identity key file /srv/keys/audit-key.json"). */
async function openAndRead(file: string, shown: string): Promise<OpenedFile> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = errorCode(err);
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read by this OS user' : `cannot be read (${code})`;
    throw new EnclaveError('unavailable', `${shown} ${why}.`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new EnclaveError('unavailable', `${shown} is not a file.`);
    return { text: await handle.readFile('utf8'), uid: info.uid, mode: info.mode & 0o777 };
  } catch (err) {
    if (err instanceof EnclaveError) throw err;
    throw new EnclaveError('unavailable', `${shown} cannot be read (${errorCode(err)}).`);
  } finally {
    await handle.close();
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
