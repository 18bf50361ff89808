// The bench's data: the synthetic hospital episodes at a given row count, as Parquet (read by native DuckDB)
// and as an Arrow IPC stream (loaded by DuckDB-wasm, which reads no Parquet in the app). Both are cached under
// bench-results/data/ keyed by rows and seed, so a second run does not regenerate them; a fingerprint of the
// generator's and the converter's sources tells when a cached file is stale.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { columnBuilderFor, toArrowIpcStream } from '../../src/platform/engine/arrow-columns.ts';
import { generateEpisodesOnly } from '../../src/platform/synth/index.ts';

export interface BenchData {
  rows: number;
  seed: number;
  parquet: string;
  arrow: string;
  parquetBytes: number;
  arrowBytes: number;
  parquetSha256: string;
  /** True when both files came from the cache. */
  cached: boolean;
  /** Time spent generating and converting in this run (0 when cached). */
  prepareMs: number;
}

interface Meta {
  rows: number;
  seed: number;
  parquetSha256: string;
  arrowBytes: number;
  generator: string;
  converter: string;
}

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** sha256 over the paths and contents of the given files and folders (recursively). */
export async function fingerprint(relativePaths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const relative of relativePaths) {
    const full = path.join(repoRoot, relative);
    const info = await stat(full).catch(() => null);
    if (info === null) continue;
    const files = info.isDirectory()
      ? (await readdir(full, { recursive: true, withFileTypes: true }))
          .filter((e) => e.isFile())
          .map((e) => path.join(e.parentPath, e.name))
          .sort()
      : [full];
    for (const file of files)
      hash
        .update(path.relative(repoRoot, file))
        .update('\0')
        .update(await readFile(file))
        .update('\0');
  }
  return hash.digest('hex');
}

export const generatorFingerprint = (): Promise<string> => fingerprint(['src/platform/synth', 'resources/reference']);
const converterFingerprint = (): Promise<string> => fingerprint(['src/platform/engine/arrow-columns.ts', 'test/bench/data.ts']);

const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;

async function size(file: string): Promise<number | null> {
  return stat(file).then(
    (info) => info.size,
    () => null,
  );
}

async function readMeta(file: string): Promise<Meta | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Meta;
  } catch {
    return null;
  }
}

/**
 * Converts the Parquet file to one Arrow IPC stream with the platform's own column conversion (plain strings, as the
 * platform sends them).
 */
async function exportArrow(parquet: string, arrow: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1', autoload_known_extensions: 'false' });
  try {
    const connection = await instance.connect();
    try {
      const source = `read_parquet(${sqlString(parquet)})`;
      // Text travels plain, as the platform sends it (answers are written in record batches, with no dictionaries).
      const result = await connection.stream(`SELECT * FROM ${source}`);
      const builders = result.columnNames().map((name, i) => ({
        name,
        builder: columnBuilderFor({
          typeId: result.columnTypeId(i),
          typeName: result.columnType(i).toString(),
          index: i,
          dictionary: false,
        }),
      }));
      for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        const rows = chunk.rowCount;
        builders.forEach((column, i) => column.builder.append(chunk.getColumnVector(i), rows));
      }
      const bytes = toArrowIpcStream(builders);
      await writeFile(arrow, bytes);
      return bytes.byteLength;
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

export async function prepareData(options: {
  root: string;
  rows: number;
  seed: number;
  regenerate: boolean;
  /** The Arrow IPC file too (for DuckDB-wasm); not made for sizes beyond its ceiling. */
  withArrow: boolean;
  log: (line: string) => void;
}): Promise<BenchData> {
  const dir = path.join(options.root, `episodes-${options.rows}-seed${options.seed}`);
  const parquet = path.join(dir, 'hospital_episodes.parquet');
  const arrow = path.join(dir, 'hospital_episodes.arrows');
  const metaFile = path.join(dir, 'meta.json');
  const meta = options.regenerate ? null : await readMeta(metaFile);
  const generator = await generatorFingerprint();
  const converter = await converterFingerprint();
  const parquetBytes = await size(parquet);
  const arrowBytes = await size(arrow);
  const parquetFresh =
    meta !== null && meta.rows === options.rows && meta.seed === options.seed && meta.generator === generator && parquetBytes !== null;
  if (parquetFresh && meta.converter === converter && arrowBytes === meta.arrowBytes) {
    return {
      rows: options.rows,
      seed: options.seed,
      parquet,
      arrow,
      parquetBytes,
      arrowBytes,
      parquetSha256: meta.parquetSha256,
      cached: true,
      prepareMs: 0,
    };
  }
  if (parquetFresh && !options.withArrow) {
    return {
      rows: options.rows,
      seed: options.seed,
      parquet,
      arrow,
      parquetBytes,
      arrowBytes: 0,
      parquetSha256: meta.parquetSha256,
      cached: true,
      prepareMs: 0,
    };
  }
  const start = performance.now();
  await rm(metaFile, { force: true });
  await mkdir(dir, { recursive: true });
  let parquetSha256: string;
  if (parquetFresh) {
    parquetSha256 = meta.parquetSha256;
  } else {
    options.log(`Generating ${options.rows.toLocaleString('en-GB')} episodes (seed ${options.seed}) into ${dir}…`);
    parquetSha256 = (await generateEpisodesOnly({ dir, rows: options.rows, seed: options.seed, force: true })).sha256;
  }
  if (!options.withArrow) {
    // No Arrow file: the meta's converter stays empty, so a later run that needs one makes it from this Parquet.
    const next: Meta = { rows: options.rows, seed: options.seed, parquetSha256, arrowBytes: -1, generator, converter: '' };
    await writeFile(metaFile, `${JSON.stringify(next, null, 2)}\n`);
    return {
      rows: options.rows,
      seed: options.seed,
      parquet,
      arrow,
      parquetBytes: (await size(parquet)) ?? 0,
      arrowBytes: 0,
      parquetSha256,
      cached: false,
      prepareMs: performance.now() - start,
    };
  }
  options.log('Converting them to an Arrow IPC stream for DuckDB-wasm…');
  const written = await exportArrow(parquet, arrow);
  // The meta file is written last: it marks a complete, usable pair.
  const next: Meta = { rows: options.rows, seed: options.seed, parquetSha256, arrowBytes: written, generator, converter };
  await writeFile(metaFile, `${JSON.stringify(next, null, 2)}\n`);
  return {
    rows: options.rows,
    seed: options.seed,
    parquet,
    arrow,
    parquetBytes: (await size(parquet)) ?? 0,
    arrowBytes: written,
    parquetSha256,
    cached: false,
    prepareMs: performance.now() - start,
  };
}
