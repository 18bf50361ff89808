// THE ONE ENGINE SEAM (DESIGN.md "One engine seam"). Everything outside src/platform/engine reaches data only
// through this interface, so the embedded DuckDB can be swapped for a distributed engine (Spark SQL on
// Databricks, as the national service runs) without touching routes, identity or the catalogue.
//
// The seam serves verified datasets, builds each project's minimised copy from them, and runs checked SELECTs and
// samples on a copy, answering Arrow or Parquet.
import type { RowsFormat } from '../../common/platform-api.ts';

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

/**
 * One column of a project's minimised copy: an expression over the raw dataset's columns (a treatment, built by the
 * minimisation layer), or the project pseudonym of a raw column, which the engine looks up in a map it builds with
 * the spec's `pseudonymKey` (bound as parameters of its own build connection, so no key is ever in SQL text).
 */
export type CopyColumn =
  | { readonly name: string; readonly sql: string }
  | {
      readonly name: string;
      readonly pseudonymOf: string;
      /**
       * Whose values these are: columns of one domain share pseudonyms (a person's NHS number in every dataset), and
       * the same value in two domains (episode 1, test 1) gets two unrelated ones.
       */
      readonly domain: string;
    };

/**
 * Which raw rows enter the copy. Data, never SQL: each engine writes its own query.
 * date_from: the column's date is on or after `from` (YYYY-MM-DD). in / not_in: the column's value is (is not) one of
 * `dataset.column`'s values (optionally only of its rows whose `where.column` is one of `where.oneOf`).
 */
export type RowFilter =
  | { readonly kind: 'date_from'; readonly column: string; readonly from: string }
  | {
      readonly kind: 'in' | 'not_in';
      readonly column: string;
      readonly dataset: string;
      readonly datasetColumn: string;
      readonly where?: { readonly column: string; readonly oneOf: readonly string[] };
    };

export interface CopyRelation {
  /** The relation's name in the copy: what the analyst writes in FROM. A plain lower-case SQL name. */
  readonly name: string;
  /** The raw dataset it is made from. */
  readonly datasetId: string;
  /** In this order; at least one. */
  readonly columns: readonly CopyColumn[];
  readonly filters: readonly RowFilter[];
  /** Columns of the relation (treated values) that order a sample, so the same request always gives the same rows. */
  readonly sampleOrder: readonly string[];
}

export interface CopySpec {
  readonly projectId: string;
  /** Names everything the copy is made from (data, agreement, policy); a different version is built afresh. */
  readonly version: string;
  readonly relations: readonly CopyRelation[];
  /** What the project pseudonym of a raw value in a domain is computed with (holds the key: the engine never writes it anywhere). */
  readonly pseudonymKey: PseudonymKey;
}

/**
 * The project pseudonym, as every engine computes it: 'P' and the first 20 hex digits of
 * HMAC-SHA-256(key, prefix(domain) ‖ the value's text in UTF-8) = SHA-256(outer ‖ SHA-256(inner ‖ prefix ‖ value)),
 * each digit written as the letter of PSEUDONYM_LETTERS (src/platform/minimisation/pseudonym.ts) at its value.
 * An engine binds the blocks as parameters of its own connection: never in SQL text, a file, a log or a message.
 */
export interface PseudonymKey {
  /** The key zero-padded to SHA-256's 64-byte block, XORed with ipad (0x36). */
  readonly inner: Uint8Array;
  /** The same, XORed with opad (0x5c). */
  readonly outer: Uint8Array;
  /** The bytes a domain's messages start with, before the value (none for a person: theirs is the HMAC of the value). */
  readonly prefix: (domain: string) => Uint8Array;
  /** The letters hex digits 0–f are written as. */
  readonly letters: string;
}

export interface CopyProgress {
  readonly stage: string;
  readonly done: number;
  readonly total: number;
}

/** A project's minimised copy, ready: the only data the project's queries and samples reach. */
export interface ProjectCopy {
  readonly projectId: string;
  readonly version: string;
  readonly relations: readonly EngineDataset[];
  /** The engine's parse of `sql` (DuckDB: json_serialize_sql), for the query checks. */
  parse(sql: string): Promise<string>;
  /**
   * Runs a checked SELECT (`sql` exactly as `parse` saw it, and its parse) and writes the whole result in `format`
   * before the first byte goes: more than `rowCap` rows, the time limit or an engine error answer an error and nothing
   * else. Engine errors carry the engine's message as `cause` for the caller to sanitise; nothing else of it.
   */
  query(request: CopyQuery): Promise<CopyAnswer>;
  /** The first `limit` rows of a relation in its sample order. */
  sample(request: { relation: string; limit: number; format: RowsFormat; signal?: AbortSignal }): Promise<CopyAnswer>;
}

export interface CopyQuery {
  readonly sql: string;
  readonly parsed: string;
  readonly format: RowsFormat;
  readonly rowCap: number;
  readonly signal?: AbortSignal;
}

/** An answer written whole, opened for streaming. */
export interface CopyAnswer extends SampleFile {
  readonly format: RowsFormat;
  readonly rows: number;
}

/** A file opened for streaming; its name is already gone from the disk. */
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
  /** Names the data the engine serves (its files' hashes): a copy spec's version includes it. */
  readonly dataVersion: string;
  /** The datasets this engine serves, with the row counts and columns it verified at start-up. */
  datasets(): readonly EngineDataset[];
  /** Throws EnclaveError('not_found') for a dataset the engine does not serve. */
  rowCount(datasetId: string): number;
  /**
   * The project's minimised copy for this spec: the one already built when its version matches, else built now (with
   * progress), switched to atomically, and the older one closed once its queries are over.
   */
  copy(spec: CopySpec, options?: { onProgress?: (progress: CopyProgress) => void }): Promise<ProjectCopy>;
  /** Stops running queries and releases the engine. Safe to call twice. */
  close(): Promise<void>;
}
