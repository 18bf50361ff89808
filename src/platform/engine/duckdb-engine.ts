// The embedded implementation of the engine seam: an in-memory DuckDB with one read-only view per verified
// Parquet file. Nothing outside src/platform/engine imports this module except the server's composition root.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { EnclaveError } from '../../common/errors.ts';
// Identifiers reach SQL only quoted, and only names the engine itself read from the data files.
import { quoteIdentifier, quoteString } from '../../common/sql-identifiers.ts';
import { columnBuilderFor, toArrowIpcStream } from './arrow-columns.ts';
import { scrubbedEngineError } from './engine-errors.ts';
import type { DataEngine, EngineColumn, EngineDataset, SampleFile, SampleRequest } from './data-engine.ts';
import { verifyDataDir, type VerifiedDataFile } from './manifest.ts';
import { openParquetSampler, type ParquetSampler } from './parquet-samples.ts';

/** Keeps the engine's own message for the server log (Error.cause), away from the answer. */
function withCause(error: EnclaveError, cause: unknown): EnclaveError {
  Object.defineProperty(error, 'cause', { value: cause, enumerable: false });
  return error;
}

/** A sample's column names are plain lower-case SQL names; anything else is a fault of the layer above. */
const COLUMN_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** A VARCHAR with at most this many distinct values travels dictionary-encoded (see arrow-columns.ts). */
export const DICTIONARY_MAX_DISTINCT = 65_536;

interface ServedDataset extends EngineDataset {
  /** VARCHAR columns to dictionary-encode, decided once here so every sample has the same Arrow schema. */
  readonly dictionaryColumns: ReadonlySet<string>;
}

async function describeView(connection: DuckDBConnection, file: VerifiedDataFile): Promise<ServedDataset> {
  const view = quoteIdentifier(file.datasetId);
  const shape = await connection.runAndReadAll(`SELECT * FROM ${view} LIMIT 0`);
  const columns: EngineColumn[] = shape.columnNames().map((name, i) => ({ name, type: shape.columnType(i).toString().toUpperCase() }));
  const text = columns.filter((column) => column.type === 'VARCHAR').map((column) => column.name);
  // One scan: the row count, and an estimate (HyperLogLog) of each text column's distinct values.
  const measures = ['count(*)', ...text.map((name) => `approx_count_distinct(${quoteIdentifier(name)})`)].join(', ');
  const [counts] = (await connection.runAndReadAll(`SELECT ${measures} FROM ${view}`)).getRows();
  const rowCount = Number(counts?.[0] ?? -1);
  if (rowCount !== file.rows) {
    throw new EnclaveError(
      'unavailable',
      `The platform's data folder cannot be served: ${file.datasetId} has ${rowCount} rows but the manifest says ${file.rows}.`,
    );
  }
  const dictionaryColumns = new Set(text.filter((_name, i) => Number(counts?.[i + 1] ?? Infinity) <= DICTIONARY_MAX_DISTINCT));
  return { id: file.datasetId, rowCount, columns, dictionaryColumns };
}

/**
 * Locks the database down once the views exist. `enable_external_access=false` alone also blocks the views
 * (they read their Parquet file at every query), so the exact verified files are listed in `allowed_paths`
 * first: the measured result is that the views still read, while every other path (read_csv('/etc/passwd'),
 * ATTACH, COPY TO elsewhere, INSTALL) is refused and `lock_configuration` stops anyone turning it back.
 * Caveat for the query issue: `allowed_paths` also permits writing those files (COPY … TO with
 * USE_TMP_FILE false), so analyst SQL must still be checked to be one read-only SELECT.
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
  /** The platform's data folder: the verified files are read from it, and Parquet samples are written inside it. */
  readonly dataDir: string;
}

/** Verifies DIR/manifest.json and every file's sha256, then serves the files. Refuses (throws) otherwise. */
export async function openDuckDbEngine(options: DuckDbEngineOptions): Promise<DataEngine> {
  const files = await verifyDataDir(options.dataDir);
  const instance = await DuckDBInstance.create(':memory:');
  const datasets = new Map<string, ServedDataset>();
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
    instance.closeSync();
    if (err instanceof EnclaveError) throw err;
    throw new EnclaveError('unavailable', "The platform's data folder cannot be served: a data file could not be read as Parquet.");
  }
  let parquet: ParquetSampler;
  try {
    parquet = await openParquetSampler({ files, dataDir: options.dataDir });
  } catch (err) {
    instance.closeSync();
    throw withCause(new EnclaveError('unavailable', `The platform cannot prepare Parquet samples in ${options.dataDir}.`), err);
  }
  return new DuckDbEngine({ instance, served: datasets, parquet });
}

class DuckDbEngine implements DataEngine {
  readonly name = 'duckdb-embedded';
  private readonly instance: DuckDBInstance;
  private readonly served: ReadonlyMap<string, ServedDataset>;
  /** Queries in flight, so close() can interrupt them and wait before the instance goes away. */
  private readonly running = new Map<DuckDBConnection, Promise<unknown>>();
  private readonly parquet: ParquetSampler;
  private closed = false;

  constructor(parts: { instance: DuckDBInstance; served: ReadonlyMap<string, ServedDataset>; parquet: ParquetSampler }) {
    this.instance = parts.instance;
    this.served = parts.served;
    this.parquet = parts.parquet;
  }

  datasets(): readonly EngineDataset[] {
    return [...this.served.values()].map(({ id, rowCount, columns }) => ({ id, rowCount, columns }));
  }

  private dataset(datasetId: string): ServedDataset {
    const dataset = this.served.get(datasetId);
    if (dataset === undefined) throw new EnclaveError('not_found', 'That dataset is not on this platform.');
    return dataset;
  }

  rowCount(datasetId: string): number {
    return this.dataset(datasetId).rowCount;
  }

  /** Checks a sample request against what the engine serves; the one SELECT both formats run. */
  private sampleSelect(request: SampleRequest): { dataset: ServedDataset; sql: string } {
    if (this.closed) throw new EnclaveError('unavailable', 'The data engine is shutting down.');
    const dataset = this.dataset(request.datasetId);
    const names = new Set(request.columns.map((column) => column.name));
    if (names.size !== request.columns.length || ![...names].every((name) => COLUMN_NAME.test(name))) {
      // Never echoed: the request is the platform's own, and a wrong one is its fault.
      throw new EnclaveError('internal', 'The sample asked for malformed columns.');
    }
    if (!request.orderBy.every((name) => names.has(name))) {
      // Rows are ordered by what the sample returns (treated values), never by a column it leaves out.
      throw new EnclaveError('internal', 'A sample can only be ordered by columns it returns.');
    }
    if (request.columns.length === 0) {
      throw new EnclaveError('forbidden', 'No field of this dataset is available to this project.');
    }
    if (!Number.isSafeInteger(request.limit) || request.limit < 1)
      throw new EnclaveError('invalid_input', 'limit must be a positive integer.');
    if (request.signal?.aborted) throw new EnclaveError('cancelled', 'The sample was cancelled.');

    const select = request.columns.map((column) => `${column.sql} AS ${quoteIdentifier(column.name)}`).join(', ');
    const order = request.orderBy.length > 0 ? ` ORDER BY ${request.orderBy.map(quoteIdentifier).join(', ')}` : '';
    // The expressions read the raw columns inside; the ordering sees only their results, by the subquery's names.
    // The limit is a checked safe integer: written out, since COPY (the Parquet path) takes no parameters.
    return {
      dataset,
      sql: `SELECT * FROM (SELECT ${select} FROM ${quoteIdentifier(dataset.id)}) AS sample${order} LIMIT ${request.limit}`,
    };
  }

  async sampleParquet(request: SampleRequest): Promise<SampleFile> {
    const { sql } = this.sampleSelect(request);
    return this.parquet.write({ select: sql, signal: request.signal });
  }

  async sample(request: SampleRequest): Promise<Uint8Array> {
    const { dataset, sql } = this.sampleSelect(request);

    const connection = await this.instance.connect();
    const onAbort = (): void => connection.interrupt();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    let finished!: () => void;
    this.running.set(connection, new Promise<void>((resolve) => (finished = resolve)));
    try {
      const result = await connection.stream(sql);
      // The builders follow the result's (treated) types: a date coarsened to a month is text, a top-coded age too.
      // Only a column returned as it is stored keeps the dataset's dictionary decision.
      const builders = request.columns.map(({ name, sql }, i) => ({
        name,
        builder: columnBuilderFor({
          typeId: result.columnTypeId(i),
          typeName: result.columnType(i).toString(),
          index: i,
          dictionary: sql === quoteIdentifier(name) && dataset.dictionaryColumns.has(name),
        }),
      }));
      for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        if (request.signal?.aborted) break;
        builders.forEach((column, i) => column.builder.append(chunk.getColumnVector(i), chunk.rowCount));
      }
      if (request.signal?.aborted) throw new EnclaveError('cancelled', 'The sample was cancelled.');
      return toArrowIpcStream(builders);
    } catch (err) {
      if (request.signal?.aborted) throw new EnclaveError('cancelled', 'The sample was cancelled.');
      if (err instanceof EnclaveError) throw err;
      // DuckDB's messages can quote SQL and values; they go to the log via the caller, never to the client.
      throw withCause(new EnclaveError('internal', 'The data engine could not read the sample.'), scrubbedEngineError(err));
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
      connection.closeSync();
      this.running.delete(connection);
      finished();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const connection of this.running.keys()) connection.interrupt();
    await Promise.allSettled([...this.running.values(), this.parquet.close()]);
    this.instance.closeSync();
  }
}
