// `enclave platform init`: generates the five synthetic datasets into DIR/datasets/<id>.parquet and writes
// DIR/manifest.json. Work happens in a temporary folder inside DIR that is moved into place at the end, so an
// interrupted run leaves no half dataset; the manifest is written last and is the mark of a finished run.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { EnclaveError } from '../../common/errors.ts';
import { DATASET_IDS, exportSelect, STAGING_COLUMNS } from './datasets.ts';
import type { DatasetId } from './datasets.ts';
import { EPISODES_PER_PERSON } from './episodes.ts';
import { StagingTable } from './staging-table.ts';
import { CancelledError, SyntheticWorld } from './world.ts';

export const MIN_SCALE = 1_000;
export const MAX_SCALE = 10_000_000;
export const MANIFEST_FORMAT = 1;

export interface GenerationProgress {
  dataset: DatasetId;
  /** 'generating' counts people (for every dataset at once); 'writing' counts rows of one Parquet file. */
  stage: 'generating' | 'writing';
  done: number;
  total: number;
}

export interface Manifest {
  format: 1;
  seed: number;
  scale: number;
  datasets: Record<string, { file: string; rows: number; sha256: string }>;
}

export interface PlatformDataOptions {
  dataDir: string;
  /** Number of patients (1,000 … 10,000,000). */
  scale: number;
  seed: number;
  /** Replace the datasets and manifest of an already initialised folder. */
  force?: boolean;
  onProgress?: (progress: GenerationProgress) => void;
  signal?: AbortSignal;
}

export function checkScale(scale: number): void {
  if (!Number.isInteger(scale) || scale < MIN_SCALE || scale > MAX_SCALE) {
    throw new EnclaveError(
      'invalid_input',
      `scale must be a whole number of patients from ${MIN_SCALE.toLocaleString('en-GB')} to ${MAX_SCALE.toLocaleString('en-GB')}.`,
    );
  }
}

export function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed)) throw new EnclaveError('invalid_input', 'seed must be a whole number.');
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Opens a staging database on disk (so ten million people need not fit in memory). */
async function openStaging(dir: string): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(path.join(dir, 'staging.duckdb'), {
    // One thread writes Parquet row groups in a fixed order: same input, same bytes (verified by hashing).
    threads: '1',
    preserve_insertion_order: 'true',
    autoload_known_extensions: 'false',
    autoinstall_known_extensions: 'false',
  });
  return { instance, connection: await instance.connect() };
}

async function copyToParquet(connection: DuckDBConnection, select: string, file: string): Promise<void> {
  await connection.run(`COPY (${select}) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`);
  // DuckDB creates the file with the process's umask; patient-level data is for the platform's OS user only.
  await chmod(file, 0o600);
}

/** Refuses to touch a folder that already holds generated data, unless asked to replace it. */
async function checkTarget(dataDir: string, force: boolean): Promise<void> {
  const manifest = path.join(dataDir, 'manifest.json');
  const datasets = path.join(dataDir, 'datasets');
  const existing = await stat(dataDir).catch(() => null);
  if (existing !== null && !existing.isDirectory()) {
    throw new EnclaveError('invalid_input', `${dataDir} is a file, not a folder.`);
  }
  if (force) return;
  if (await exists(manifest)) {
    throw new EnclaveError('invalid_input', `${dataDir} already holds generated data (manifest.json). Use --force to replace it.`);
  }
  if ((await exists(datasets)) && (await readdir(datasets)).length > 0) {
    throw new EnclaveError('invalid_input', `${datasets} is not empty. Use --force to replace it.`);
  }
}

export async function generatePlatformData(options: PlatformDataOptions): Promise<Manifest> {
  checkScale(options.scale);
  checkSeed(options.seed);
  const dataDir = path.resolve(options.dataDir);
  await checkTarget(dataDir, options.force ?? false);
  // The data folder is the platform's alone (0700), whoever made it and whatever the umask.
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  const work = await mkdtemp(path.join(dataDir, '.init-'));
  try {
    const world = new SyntheticWorld();
    await mkdir(path.join(work, 'datasets'), { mode: 0o700 });
    const { instance, connection } = await openStaging(work);
    const rows: Partial<Record<DatasetId, number>> = {};
    try {
      const tables: Partial<Record<DatasetId, StagingTable>> = {};
      for (const id of DATASET_IDS) tables[id] = await StagingTable.create(connection, `stage_${id}`, STAGING_COLUMNS[id]);
      await world.run({
        seed: options.seed,
        people: options.scale,
        tables,
        signal: options.signal,
        onBatch: (done) => options.onProgress?.({ dataset: 'patients', stage: 'generating', done, total: options.scale }),
      });
      for (const id of DATASET_IDS) {
        const table = tables[id] as StagingTable;
        table.close();
        rows[id] = table.rows;
      }
      for (const id of DATASET_IDS) {
        const total = rows[id] ?? 0;
        options.onProgress?.({ dataset: id, stage: 'writing', done: 0, total });
        await copyToParquet(connection, exportSelect(id, world.ref, world.geo), path.join(work, 'datasets', `${id}.parquet`));
        options.onProgress?.({ dataset: id, stage: 'writing', done: total, total });
        if (options.signal?.aborted) throw new CancelledError();
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    const manifest: Manifest = { format: MANIFEST_FORMAT, seed: options.seed, scale: options.scale, datasets: {} };
    for (const id of DATASET_IDS) {
      const file = `datasets/${id}.parquet`;
      manifest.datasets[id] = { file, rows: rows[id] ?? 0, sha256: await sha256Of(path.join(work, file)) };
    }
    await install(dataDir, work, manifest);
    return manifest;
  } catch (err) {
    if (err instanceof CancelledError) throw new EnclaveError('cancelled', 'Generation was cancelled; the data folder was left as it was.');
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Moves the finished datasets into place. The old manifest goes first and the new one comes last, so at every
 * moment the folder is either a complete old set, a complete new set, or visibly uninitialised.
 */
async function install(dataDir: string, work: string, manifest: Manifest): Promise<void> {
  const manifestPath = path.join(dataDir, 'manifest.json');
  const datasetsPath = path.join(dataDir, 'datasets');
  await rm(manifestPath, { force: true });
  if (await exists(datasetsPath)) {
    const old = path.join(work, 'old-datasets');
    await rename(datasetsPath, old);
  }
  await rename(path.join(work, 'datasets'), datasetsPath);
  const staged = path.join(work, 'manifest.json');
  await writeFile(staged, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  await rename(staged, manifestPath);
}

export interface EpisodesOnlyOptions {
  /** Folder to write hospital_episodes.parquet into (created if missing). */
  dir: string;
  /** Exact number of episode rows to write. */
  rows: number;
  seed: number;
  /** Replace an existing hospital_episodes.parquet in `dir`. */
  force?: boolean;
  onProgress?: (progress: GenerationProgress) => void;
  signal?: AbortSignal;
}

/**
 * Writes only the hospital episodes, exactly `rows` of them, to DIR/hospital_episodes.parquet: the benchmark's
 * data at 1 and 10 million rows. The rows are the first `rows` episodes the full generator makes for that seed.
 */
export async function generateEpisodesOnly(
  options: EpisodesOnlyOptions,
): Promise<{ file: string; rows: number; sha256: string; people: number }> {
  checkSeed(options.seed);
  if (!Number.isInteger(options.rows) || options.rows < 1 || options.rows > 100_000_000) {
    throw new EnclaveError('invalid_input', 'rows must be a whole number from 1 to 100,000,000.');
  }
  const dir = path.resolve(options.dir);
  const file = path.join(dir, 'hospital_episodes.parquet');
  if (!options.force && (await exists(file))) throw new EnclaveError('invalid_input', `${file} already exists.`);
  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(path.join(dir, '.episodes-'));
  try {
    const world = new SyntheticWorld();
    const { instance, connection } = await openStaging(work);
    let people = 0;
    try {
      const table = await StagingTable.create(connection, 'stage_hospital_episodes', STAGING_COLUMNS.hospital_episodes);
      // Enough people for the rows with a wide margin; the loop stops at the row limit.
      const peopleBound = Math.min(Number.MAX_SAFE_INTEGER, Math.ceil((options.rows / EPISODES_PER_PERSON) * 3) + 1_000);
      people = await world.run({
        seed: options.seed,
        people: peopleBound,
        episodeLimit: options.rows,
        tables: { hospital_episodes: table },
        signal: options.signal,
        onBatch: () => options.onProgress?.({ dataset: 'hospital_episodes', stage: 'generating', done: table.rows, total: options.rows }),
      });
      table.close();
      options.onProgress?.({ dataset: 'hospital_episodes', stage: 'writing', done: 0, total: table.rows });
      await copyToParquet(
        connection,
        exportSelect('hospital_episodes', world.ref, world.geo),
        path.join(work, 'hospital_episodes.parquet'),
      );
      options.onProgress?.({ dataset: 'hospital_episodes', stage: 'writing', done: table.rows, total: table.rows });
      if (table.rows !== options.rows) throw new Error(`wrote ${table.rows} episodes, not ${options.rows}`);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    await rename(path.join(work, 'hospital_episodes.parquet'), file);
    return { file, rows: options.rows, sha256: await sha256Of(file), people };
  } catch (err) {
    if (err instanceof CancelledError) throw new EnclaveError('cancelled', 'Generation was cancelled.');
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
