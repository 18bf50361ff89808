// The file blob store's plain file-system steps (./blob-store.ts, ./blob-sharing.ts): what a name of the store may look
// like, how its files are opened (never through a symbolic link, a new file never over an existing one), whose they
// must be, and how bytes reach them.
import type { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { EnclaveError } from '../../common/errors.ts';

export const SHA256 = /^[0-9a-f]{64}$/;
export const UPLOAD_ID = /^up-[0-9a-f]{24}$/;
/** Open a path for reading, never through a symbolic link at its end. */
export const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW;
/** Create a new file (never an existing one, never through a symbolic link). */
export const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export function damaged(what: string): EnclaveError {
  return new EnclaveError('internal', `The drive store's ${what} is not a plain file or folder of the platform's own. Nothing was read.`);
}

export function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Whether a stat's owner is this process's user (always true where the platform cannot tell). */
export function ownedHere(info: Stats): boolean {
  const uid = process.getuid?.();
  return uid === undefined || info.uid === uid;
}

export async function fsyncFolder(folder: string): Promise<void> {
  const handle = await open(folder, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes every chunk to the file handle at its position; answers the bytes written. Stops at `limit` + 1. */
export async function copyInto(
  handle: FileHandle,
  body: AsyncIterable<Uint8Array>,
  options: { position: number; limit: number; hash?: ReturnType<typeof createHash> },
): Promise<{ bytes: number; over: boolean }> {
  let bytes = 0;
  for await (const chunk of body) {
    if (bytes + chunk.byteLength > options.limit) return { bytes: bytes + chunk.byteLength, over: true };
    options.hash?.update(chunk);
    let written = 0;
    while (written < chunk.byteLength) {
      const { bytesWritten } = await handle.write(chunk, written, chunk.byteLength - written, options.position + bytes + written);
      written += bytesWritten;
    }
    bytes += chunk.byteLength;
  }
  return { bytes, over: false };
}

/** Drains nothing more from a body that is refused: its source is destroyed if it can be. */
export function drop(body: AsyncIterable<Uint8Array>): void {
  const destroyable = body as Partial<Readable>;
  if (typeof destroyable.destroy === 'function') destroyable.destroy();
}
