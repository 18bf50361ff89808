// Samples as Parquet files, for the workstation's native engine (it loads Parquet far faster than Arrow). DuckDB
// writes Parquet only to a file, so each sample is written to a folder of its own under DIR/sample-exports, opened,
// and removed at once: the open file streams to the client, and nothing of it is left in the folder whether the
// client reads it all, cancels, or goes away (a crash is swept at the next start).
//
// The writing is done by a second, separate DuckDB instance. The engine that serves queries keeps its lockdown as it
// is (its allowed paths are the verified data files, nothing writable); only this instance may write, and only
// inside the exports folder, and it runs nothing but the engine's own sample SELECT.
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, open, readdir, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { bestEffort } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import { quoteIdentifier, quoteString } from '../../common/sql-identifiers.ts';
import type { SampleFile } from './data-engine.ts';
import { scrubbedEngineError } from './engine-errors.ts';
import type { VerifiedDataFile } from './manifest.ts';

/** Below the platform's data folder (private to the platform's OS user, 0700). */
export const SAMPLE_EXPORTS_FOLDER = 'sample-exports';

const FOLDER_MODE = 0o700;
const FILE_MODE = 0o600;
/** What one read of the file hands on: large enough to keep the socket busy, small enough to stop promptly. */
const CHUNK_BYTES = 256 * 1024;

export interface ParquetSampler {
  /** Writes the rows of a sample SELECT (built by the engine) to a Parquet file and opens it for streaming. */
  write(request: { select: string; signal?: AbortSignal }): Promise<SampleFile>;
  /** Interrupts the writes under way and releases the instance. */
  close(): Promise<void>;
}

/** Creates the exports folder 0700 (whatever the umask) and removes what an earlier run left in it. */
async function prepareExportsFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: FOLDER_MODE });
  if (process.platform !== 'win32') await chmod(folder, FOLDER_MODE);
  for (const name of await readdir(folder)) await rm(path.join(folder, name), { recursive: true, force: true });
}

/** The same lockdown as the serving engine, plus the one folder this instance writes into. */
async function lockDown(connection: DuckDBConnection, options: { files: readonly VerifiedDataFile[]; folder: string }): Promise<void> {
  const allowed = options.files.map((file) => quoteString(file.absolutePath)).join(', ');
  await connection.run('SET autoinstall_known_extensions=false');
  await connection.run('SET autoload_known_extensions=false');
  await connection.run(`SET allowed_paths=[${allowed}]`);
  await connection.run(`SET allowed_directories=[${quoteString(`${options.folder}${path.sep}`)}]`);
  await connection.run('SET enable_external_access=false');
  await connection.run('SET lock_configuration=true');
}

const cancelled = (): EnclaveError => new EnclaveError('cancelled', 'The sample was cancelled.');

/** The file's bytes in chunks; closes it (and removes its folder, if still there) however the reading ends. */
async function* chunksOf(file: { handle: FileHandle; bytes: number; done: () => Promise<void> }): AsyncGenerator<Uint8Array> {
  try {
    let offset = 0;
    while (offset < file.bytes) {
      const buffer = new Uint8Array(Math.min(CHUNK_BYTES, file.bytes - offset));
      const { bytesRead } = await file.handle.read(buffer, 0, buffer.byteLength, offset);
      if (bytesRead === 0) throw new EnclaveError('internal', 'The sample file ended early.');
      offset += bytesRead;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.done();
  }
}

export async function openParquetSampler(options: { files: readonly VerifiedDataFile[]; dataDir: string }): Promise<ParquetSampler> {
  const folder = path.join(path.resolve(options.dataDir), SAMPLE_EXPORTS_FOLDER);
  await prepareExportsFolder(folder);
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const setup = await instance.connect();
    try {
      for (const file of options.files) {
        await setup.run(`CREATE VIEW ${quoteIdentifier(file.datasetId)} AS SELECT * FROM read_parquet(${quoteString(file.absolutePath)})`);
      }
      await lockDown(setup, { files: options.files, folder });
    } finally {
      setup.closeSync();
    }
  } catch (err) {
    instance.closeSync();
    throw err;
  }

  const running = new Map<DuckDBConnection, Promise<void>>();
  let closed = false;

  /** Runs the COPY on a connection of its own, interrupted by the signal or by close(). */
  async function copy(request: { select: string; target: string; signal?: AbortSignal }): Promise<void> {
    const connection = await instance.connect();
    const onAbort = (): void => connection.interrupt();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    let finished!: () => void;
    running.set(connection, new Promise<void>((resolve) => (finished = resolve)));
    try {
      if (request.signal?.aborted) throw cancelled();
      // USE_TMP_FILE false: DuckDB writes into the file made 0600 below rather than a new one with the umask's mode.
      await connection.run(`COPY (${request.select}) TO ${quoteString(request.target)} (FORMAT parquet, USE_TMP_FILE false)`);
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
      connection.closeSync();
      running.delete(connection);
      finished();
    }
  }

  return {
    async write(request) {
      if (closed) throw new EnclaveError('unavailable', 'The data engine is shutting down.');
      if (request.signal?.aborted) throw cancelled();
      const dir = path.join(folder, randomUUID());
      const target = path.join(dir, 'sample.parquet');
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
        await copy({ select: request.select, target, signal: request.signal });
        if (request.signal?.aborted) throw cancelled();
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
        return { bytes, chunks: chunksOf({ handle: opened, bytes, done: close }), dispose: close };
      } catch (err) {
        await handle?.close();
        await remove();
        if (request.signal?.aborted) throw cancelled();
        if (err instanceof EnclaveError) throw err;
        // DuckDB's messages can quote SQL and paths; they go to the log via the caller, never to the client.
        const error = new EnclaveError('internal', 'The data engine could not write the sample.');
        Object.defineProperty(error, 'cause', { value: scrubbedEngineError(err), enumerable: false });
        throw error;
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const connection of running.keys()) connection.interrupt();
      await Promise.allSettled([...running.values()]);
      instance.closeSync();
    },
  };
}
