// The embedded implementation of the engine seam. At start it verifies the data folder (manifest and hashes) and
// describes each dataset through a locked-down in-memory DuckDB; then it builds each project's minimised copy on
// demand (copy-build.ts) under DIR/minimised, and serves queries and samples from the copy (copy-serve.ts). The raw
// files are read only while a copy is built. Nothing outside src/platform/engine imports this module except the
// server's composition root.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { bestEffort, inBackground } from '../../common/detached.ts';
import { EnclaveError } from '../../common/errors.ts';
import { Serial } from '../../common/serial.ts';
// Identifiers reach SQL only quoted, and only names the engine itself read from the data files.
import { quoteIdentifier, quoteString } from '../../common/sql-identifiers.ts';
import { buildCopyFile } from './copy-build.ts';
import { openServedCopy, type ServedCopy } from './copy-serve.ts';
import type { CopyProgress, CopySpec, DataEngine, EngineColumn, EngineDataset, ProjectCopy } from './data-engine.ts';
import { scrubbedEngineError } from './engine-errors.ts';
import { prepareExportsFolder } from './exports-folder.ts';
import { verifyDataDir, type VerifiedDataFile } from './manifest.ts';

/** Keeps the engine's own message for the server log (Error.cause), away from the answer. */
function withCause(error: EnclaveError, cause: unknown): EnclaveError {
  Object.defineProperty(error, 'cause', { value: cause, enumerable: false });
  return error;
}

/** Below the platform's data folder: each project's minimised copy, and the space copies spill into. */
export const MINIMISED_FOLDER = 'minimised';
/** Raised when the copy's format (what copy-build writes) changes, so older copies are rebuilt. */
const COPY_FORMAT = 'copy-1';
const FOLDER_MODE = 0o700;
/** The longest one platform query may run, unless the operator says otherwise. */
export const DEFAULT_QUERY_TIMEOUT_MS = 10 * 60_000;
/**
 * The share of the machine's memory each project's copy may use for its queries (past it, DuckDB spills to
 * DIR/minimised/tmp or fails the query with an out-of-memory error): several projects at once cannot take it all.
 */
export const DEFAULT_QUERY_MEMORY_SHARE = 0.25;

async function describeView(connection: DuckDBConnection, file: VerifiedDataFile): Promise<EngineDataset> {
  const view = quoteIdentifier(file.datasetId);
  const shape = await connection.runAndReadAll(`SELECT * FROM ${view} LIMIT 0`);
  const columns: EngineColumn[] = shape.columnNames().map((name, i) => ({ name, type: shape.columnType(i).toString().toUpperCase() }));
  const [counts] = (await connection.runAndReadAll(`SELECT count(*) FROM ${view}`)).getRows();
  const rowCount = Number(counts?.[0] ?? -1);
  if (rowCount !== file.rows) {
    throw new EnclaveError(
      'unavailable',
      `The platform's data folder cannot be served: ${file.datasetId} has ${rowCount} rows but the manifest says ${file.rows}.`,
    );
  }
  return { id: file.datasetId, rowCount, columns };
}

/**
 * Locks the database down once the views exist. `enable_external_access=false` alone also blocks the views
 * (they read their Parquet file at every query), so the exact verified files are listed in `allowed_paths`
 * first: the measured result is that the views still read, while every other path (read_csv('/etc/passwd'),
 * ATTACH, COPY TO elsewhere, INSTALL) is refused and `lock_configuration` stops anyone turning it back.
 */
async function lockDown(connection: DuckDBConnection, files: readonly VerifiedDataFile[]): Promise<void> {
  const allowed = files.map((file) => quoteString(file.absolutePath)).join(', ');
  await connection.run('SET autoinstall_known_extensions=false');
  await connection.run('SET autoload_known_extensions=false');
  await connection.run(`SET allowed_paths=[${allowed}]`);
  await connection.run('SET enable_external_access=false');
  await connection.run('SET lock_configuration=true');
}

export interface DuckDbEngineOptions {
  /** The platform's data folder: the verified files are read from it; copies and answers are written inside it. */
  readonly dataDir: string;
  /** The longest one query may run (default DEFAULT_QUERY_TIMEOUT_MS). */
  readonly queryTimeoutMs?: number;
  /** DuckDB's memory_limit for each copy's queries (e.g. '4GB'); default DEFAULT_QUERY_MEMORY_SHARE of the RAM. */
  readonly queryMemoryLimit?: string;
  /** Where failures that only the operator should read go (the copy's engine messages, scrubbed). */
  readonly log?: (message: string, detail?: unknown) => void;
}

/** Creates a folder 0700 whatever the umask. */
async function privateFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: FOLDER_MODE });
  if (process.platform !== 'win32') await chmod(folder, FOLDER_MODE);
}

/** Verifies DIR/manifest.json and every file's sha256, then serves the files. Refuses (throws) otherwise. */
export async function openDuckDbEngine(options: DuckDbEngineOptions): Promise<DataEngine> {
  const files = await verifyDataDir(options.dataDir);
  const datasets = new Map<string, EngineDataset>();
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const setup = await instance.connect();
    try {
      for (const file of files) {
        await setup.run(`CREATE VIEW ${quoteIdentifier(file.datasetId)} AS SELECT * FROM read_parquet(${quoteString(file.absolutePath)})`);
      }
      await lockDown(setup, files);
      // Described after the lock-down, so start-up proves the views still read under it.
      for (const file of files) datasets.set(file.datasetId, await describeView(setup, file));
    } finally {
      setup.closeSync();
    }
  } catch (err) {
    if (err instanceof EnclaveError) throw err;
    throw new EnclaveError('unavailable', "The platform's data folder cannot be served: a data file could not be read as Parquet.");
  } finally {
    instance.closeSync();
  }
  const root = path.resolve(options.dataDir);
  const copiesFolder = path.join(root, MINIMISED_FOLDER);
  const tempDir = path.join(copiesFolder, 'tmp');
  let exportsFolder: string;
  try {
    await privateFolder(copiesFolder);
    await privateFolder(tempDir);
    // A build the platform did not finish (it stopped during it) is removed; finished copies are kept for reuse.
    for (const name of await readdir(copiesFolder)) {
      if (name.includes('.building-')) await rm(path.join(copiesFolder, name), { force: true });
    }
    exportsFolder = await prepareExportsFolder(options.dataDir);
  } catch (err) {
    throw withCause(
      new EnclaveError('unavailable', `The platform cannot prepare its folders for minimised copies in ${options.dataDir}.`),
      err,
    );
  }
  const dataVersion = createHash('sha256')
    .update(files.map((file) => `${file.datasetId}:${file.sha256}`).join('\n'))
    .digest('hex');
  return new DuckDbEngine({
    files,
    datasets,
    dataVersion,
    copiesFolder,
    tempDir,
    exportsFolder,
    queryTimeoutMs: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
    queryMemoryLimit: options.queryMemoryLimit ?? `${Math.floor((os.totalmem() * DEFAULT_QUERY_MEMORY_SHARE) / 2 ** 20)}MB`,
    log: options.log ?? (() => {}),
  });
}

interface CopySlot {
  readonly version: string;
  readonly ready: Promise<ServedCopy>;
}

/** The slot's copy, or undefined when its build failed (that failure was answered to whoever asked for the copy). */
async function readyOrNone(slot: CopySlot): Promise<ServedCopy | undefined> {
  try {
    return await slot.ready;
  } catch {
    return undefined;
  }
}

class DuckDbEngine implements DataEngine {
  readonly name = 'duckdb-embedded';
  readonly dataVersion: string;
  private readonly parts: {
    files: readonly VerifiedDataFile[];
    datasets: ReadonlyMap<string, EngineDataset>;
    copiesFolder: string;
    tempDir: string;
    exportsFolder: string;
    queryTimeoutMs: number;
    queryMemoryLimit: string;
    log: (message: string, detail?: unknown) => void;
  };
  /** Each project's copy: the one being built or served for the current version. */
  private readonly copies = new Map<string, CopySlot>();
  /** One build at a time: a build reads every row of its datasets and uses the machine's cores. */
  private readonly builds = new Serial();
  private readonly stopping = new AbortController();
  private closed = false;

  constructor(parts: DuckDbEngine['parts'] & { dataVersion: string }) {
    this.parts = parts;
    this.dataVersion = parts.dataVersion;
  }

  datasets(): readonly EngineDataset[] {
    return [...this.parts.datasets.values()];
  }

  rowCount(datasetId: string): number {
    const dataset = this.parts.datasets.get(datasetId);
    if (dataset === undefined) throw new EnclaveError('not_found', 'That dataset is not on this platform.');
    return dataset.rowCount;
  }

  copy(spec: CopySpec, options: { onProgress?: (progress: CopyProgress) => void } = {}): Promise<ProjectCopy> {
    if (this.closed) return Promise.reject(new EnclaveError('unavailable', 'The data engine is shutting down.'));
    const version = createHash('sha256').update(`${COPY_FORMAT}\n${this.dataVersion}\n${spec.version}`).digest('hex').slice(0, 32);
    const current = this.copies.get(spec.projectId);
    if (current?.version === version) return current.ready;
    const ready = this.builds.run(() => this.buildOrReuse(spec, version, options.onProgress));
    const slot: CopySlot = { version, ready };
    this.copies.set(spec.projectId, slot);
    ready.then(
      () => {
        // The older copy serves the queries it has begun; it closes when they are over, and its file goes.
        if (current !== undefined)
          inBackground(this.retire(current), (err) => this.parts.log('An older minimised copy did not close.', err));
      },
      () => {
        // A failed build is not kept: the next use tries again.
        if (this.copies.get(spec.projectId) === slot) this.copies.delete(spec.projectId);
      },
    );
    return ready;
  }

  private fileOf(projectId: string, version: string): string {
    return path.join(this.parts.copiesFolder, `${projectId}--${version}.duckdb`);
  }

  private async buildOrReuse(spec: CopySpec, version: string, onProgress?: (progress: CopyProgress) => void): Promise<ServedCopy> {
    if (this.closed) throw new EnclaveError('unavailable', 'The data engine is shutting down.');
    const file = this.fileOf(spec.projectId, version);
    const serve = (): Promise<ServedCopy> =>
      openServedCopy({
        path: file,
        projectId: spec.projectId,
        version,
        exportsFolder: this.parts.exportsFolder,
        tempDir: this.parts.tempDir,
        timeoutMs: this.parts.queryTimeoutMs,
        sampleOrders: new Map(spec.relations.map((relation) => [relation.name, relation.sampleOrder])),
        memoryLimit: this.parts.queryMemoryLimit,
      });
    try {
      // A copy of this exact version built before (by an earlier run of the platform) is served as it is.
      return await serve();
    } catch {
      // Not there, or unreadable: built afresh.
    }
    const building = `${file}.building-${randomBytes(6).toString('hex')}`;
    try {
      await buildCopyFile({
        files: this.parts.files,
        spec,
        target: building,
        tempDir: this.parts.tempDir,
        signal: this.stopping.signal,
        onProgress,
      });
      await chmod(building, 0o600);
      // The switch is one rename: a reader sees the old copy or the whole new one, never a part.
      await rename(building, file);
    } catch (err) {
      await bestEffort(rm(building, { force: true }));
      await bestEffort(rm(`${building}.wal`, { force: true }));
      if (err instanceof EnclaveError && err.code === 'cancelled')
        throw new EnclaveError('unavailable', 'The data engine is shutting down.');
      if (err instanceof EnclaveError && err.code !== 'internal') throw err;
      throw withCause(
        new EnclaveError(
          'unavailable',
          "This project's minimised data could not be prepared. The platform's log says why; tell the data manager.",
        ),
        err instanceof EnclaveError ? err : scrubbedEngineError(err),
      );
    }
    return serve();
  }

  private async retire(slot: CopySlot): Promise<void> {
    const copy = await readyOrNone(slot);
    if (copy === undefined) return;
    await copy.close();
    await rm(this.fileOf(copy.projectId, copy.version), { force: true });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopping.abort();
    const slots = [...this.copies.values()];
    this.copies.clear();
    await Promise.allSettled(
      slots.map(async (slot) => {
        const copy = await readyOrNone(slot);
        await copy?.stop();
      }),
    );
  }
}
