// Answers written to a file before the first byte is sent (a query's result, a sample), so an answer is complete or
// absent, never half: the row cap, a time limit or an engine error are found before anything leaves. Each answer is
// written in a folder of its own under DIR/query-exports, opened, and its name removed at once: the open file streams
// to the client, and nothing of it is left in the folder whether the client reads it all, cancels, or goes away (a
// crash is swept at the next start).
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, open, readdir, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { bestEffort } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import type { SampleFile } from './data-engine.ts';

/** Below the platform's data folder (private to the platform's OS user, 0700). */
export const QUERY_EXPORTS_FOLDER = 'query-exports';

const FOLDER_MODE = 0o700;
export const FILE_MODE = 0o600;
/** What one read of the file hands on: large enough to keep the socket busy, small enough to stop promptly. */
const CHUNK_BYTES = 256 * 1024;

/** Creates the exports folder 0700 (whatever the umask) and removes what an earlier run left in it. */
export async function prepareExportsFolder(dataDir: string): Promise<string> {
  const folder = path.join(path.resolve(dataDir), QUERY_EXPORTS_FOLDER);
  await mkdir(folder, { recursive: true, mode: FOLDER_MODE });
  if (process.platform !== 'win32') await chmod(folder, FOLDER_MODE);
  for (const name of await readdir(folder)) await rm(path.join(folder, name), { recursive: true, force: true });
  return folder;
}

/** The file's bytes in chunks; closes it (and removes its folder, if still there) however the reading ends. */
async function* chunksOf(file: { handle: FileHandle; bytes: number; done: () => Promise<void> }): AsyncGenerator<Uint8Array> {
  try {
    let offset = 0;
    while (offset < file.bytes) {
      const buffer = new Uint8Array(Math.min(CHUNK_BYTES, file.bytes - offset));
      const { bytesRead } = await file.handle.read(buffer, 0, buffer.byteLength, offset);
      if (bytesRead === 0) throw new EnclaveError('internal', 'The answer file ended early.');
      offset += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    // Not awaited: the answer ends as soon as its last byte is sent, and the file closes and its folder goes after.
    // (Awaited, the response would stay open meanwhile, and a platform stopping then would wait on its connection.)
    bestEffort(file.done());
  }
}

/**
 * Creates an empty private file (0600, never an existing one) in a new folder of its own, lets `write` fill it, then
 * opens it for streaming and removes its name. Whatever `write` throws is thrown after the folder is gone.
 */
export async function writeThenStream<T>(options: {
  folder: string;
  fileName: string;
  write: (target: string) => Promise<T>;
}): Promise<{ file: SampleFile; written: T }> {
  const dir = path.join(options.folder, randomUUID());
  const target = path.join(dir, options.fileName);
  let removed = false;
  const remove = async (): Promise<void> => {
    if (removed) return;
    await rm(dir, { recursive: true, force: true });
    removed = true;
  };
  let handle: FileHandle | undefined;
  try {
    await mkdir(dir, { mode: FOLDER_MODE });
    await (await open(target, 'wx', FILE_MODE)).close();
    const written = await options.write(target);
    handle = await open(target, 'r');
    const bytes = (await handle.stat()).size;
    // The open file stays readable once its name is gone (POSIX); on Windows the folder goes when it closes.
    await bestEffort(remove());
    const opened = handle;
    let done = false;
    const close = async (): Promise<void> => {
      if (done) return;
      done = true;
      await opened.close();
      await remove();
    };
    return { file: { bytes, chunks: chunksOf({ handle: opened, bytes, done: close }), dispose: close }, written };
  } catch (err) {
    await handle?.close();
    await remove();
    throw err;
  }
}
