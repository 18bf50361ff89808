// THE ONE ENGINE SEAM (DESIGN.md "One engine seam"). Everything outside src/platform/engine reaches data only
// through this interface, so the embedded DuckDB can be swapped for a distributed engine (Spark SQL on
// Databricks, as the national service runs) without touching routes, identity or the catalogue.
//
// Today the seam serves verified datasets and deterministic samples. The query issue adds, behind the same
// interface: building a project's minimised copy, running a checked SELECT on it, streaming the result as Arrow.

/** One column as the engine sees it in the data files (not as the catalogue describes it). */
export interface EngineColumn {
  readonly name: string;
  /** The engine's type name, upper case, e.g. VARCHAR, DATE, BIGINT, INTEGER, BOOLEAN. */
  readonly type: string;
}

export interface EngineDataset {
  readonly id: string;
  readonly rowCount: number;
  readonly columns: readonly EngineColumn[];
}

/** One column of a sample: its name in the answer, and the expression over the dataset's columns that gives it. */
export interface SampleColumn {
  /** A plain lower-case SQL name (quoted by the engine). */
  readonly name: string;
  /**
   * The SELECT expression, built by the layer above (minimisation: the field's treatment). It may hold a secret (a
   * project's pseudonym key): the engine never puts it, or an engine message that could quote it, in an error.
   */
  readonly sql: string;
}

export interface SampleRequest {
  readonly datasetId: string;
  /** Columns to return, in this order. The caller decides which are allowed and how each is treated. */
  readonly columns: readonly SampleColumn[];
  /**
   * Names of returned columns that order the rows, so the same request always returns the same rows. The rows are
   * ordered by the returned (treated) values, never by a column the sample leaves out.
   */
  readonly orderBy: readonly string[];
  /** 1..SAMPLE_ROW_LIMIT, already validated by the caller. */
  readonly limit: number;
  /** Aborting stops the query and rejects with EnclaveError('cancelled'). */
  readonly signal?: AbortSignal;
}

/** A sample written as a Parquet file, opened for streaming; its name is already gone from the disk. */
export interface SampleFile {
  /** The file's size: the answer's Content-Length. */
  readonly bytes: number;
  /** The bytes in chunks; reading to the end, or stopping early (return), closes the file. */
  readonly chunks: AsyncIterable<Uint8Array>;
  /** Closes the file if it is still open (the client went away before reading it). Safe to call twice. */
  dispose(): Promise<void>;
}

export interface DataEngine {
  /** A short name for logs ("duckdb-embedded"); nothing may branch on it. */
  readonly name: string;
  /** The datasets this engine serves, with the row counts and columns it verified at start-up. */
  datasets(): readonly EngineDataset[];
  /** Throws EnclaveError('not_found') for a dataset the engine does not serve. */
  rowCount(datasetId: string): number;
  /** The first `limit` rows in a deterministic order, as an Arrow IPC stream. */
  sample(request: SampleRequest): Promise<Uint8Array>;
  /** The same rows, columns and order as sample(), as a Parquet file. */
  sampleParquet(request: SampleRequest): Promise<SampleFile>;
  /** Stops running queries and releases the engine. Safe to call twice. */
  close(): Promise<void>;
}
