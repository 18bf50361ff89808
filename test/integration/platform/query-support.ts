// Helpers for the tests of platform queries over data the real generator wrote: a data folder with a running
// platform (injected requests, no socket), the raw datasets read straight from their files (what must never come
// back), a query sent as an analyst would send it with its answer decoded, and the checks every answer must pass: no
// raw identifier in any byte, and no name of anything the project cannot see.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC, type Table } from 'apache-arrow';
import { runPlatformInit } from '../../../src/cli/platform-init.ts';
import { CatalogueSchema, type Catalogue } from '../../../src/common/contract.ts';
import { ErrorValueSchema, type ErrorValue } from '../../../src/common/errors.ts';
import { quoteString } from '../../../src/common/sql-identifiers.ts';
import { MINIMISED_FOLDER } from '../../../src/platform/engine/duckdb-engine.ts';
import { QUERY_EXPORTS_FOLDER } from '../../../src/platform/engine/exports-folder.ts';
import { openProjectKeys } from '../../../src/platform/minimisation/project-keys.ts';
import { pseudonymOf } from '../../../src/platform/minimisation/pseudonym.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { isValidNhsNumber } from '../../../src/platform/synth/nhs-number.ts';
import { bearerFor, TEST_PUBLIC_URL } from './fixture.ts';

export type Format = 'arrow' | 'parquet';
/** A column of an answer: its values as text, null kept. */
export type Columns = Map<string, Array<string | null>>;

/** What the raw datasets hold, read from their files: the values no answer may carry. */
export interface RawData {
  /** Every raw NHS number of every dataset. */
  readonly nhsNumbers: ReadonlySet<string>;
  /** The unkeyed md5 and sha256 hex digests of every raw NHS number. */
  readonly unkeyedHashes: ReadonlySet<string>;
  /** Every raw full postcode, upper case without spaces. */
  readonly postcodes: ReadonlySet<string>;
  /** Rows of a raw dataset, every value as text. */
  rows(datasetId: string, sql?: string): Promise<Array<Record<string, string | null>>>;
}

export interface DemoPlatform extends DemoData {
  readonly server: PlatformServer;
  /** Stops the platform and removes the temp folder. */
  close(): Promise<void>;
}

function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item));
  return String(value);
}

/** Runs SQL on a private in-memory DuckDB (the test's own, not the platform's) and returns the rows as text. */
export async function duckRows(sql: string): Promise<Array<Record<string, string | null>>> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    const names = reader.columnNames();
    return reader.getRowsJS().map((row) => Object.fromEntries(names.map((name, i) => [name, asText(row[i])])));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

async function readRaw(dataDir: string, manifest: DemoData['manifest']): Promise<RawData> {
  const fileOf = (datasetId: string): string => quoteString(path.join(dataDir, manifest.datasets[datasetId].file));
  const rows: RawData['rows'] = (datasetId, sql) =>
    duckRows((sql ?? 'SELECT * FROM raw').replaceAll('raw', `read_parquet(${fileOf(datasetId)})`));
  const nhsNumbers = new Set<string>();
  for (const datasetId of Object.keys(manifest.datasets)) {
    for (const row of await rows(datasetId, 'SELECT DISTINCT CAST(nhs_number AS VARCHAR) AS nhs_number FROM raw')) {
      if (row.nhs_number !== null) nhsNumbers.add(row.nhs_number);
    }
  }
  const postcodes = new Set(
    (await rows('patients', 'SELECT DISTINCT postcode FROM raw')).flatMap((row) =>
      row.postcode === null ? [] : [row.postcode.replace(/\s/g, '')],
    ),
  );
  const unkeyedHashes = new Set([...nhsNumbers].flatMap((nhsNumber) => [md5(nhsNumber), sha256(nhsNumber)]));
  return { nhsNumbers, unkeyedHashes, postcodes, rows };
}

/** The demo data (2,000 patients, seed 5) written by the real generator into a temp folder, and what it holds raw. */
export interface DemoData {
  readonly root: string;
  readonly dataDir: string;
  readonly raw: RawData;
  /** Each dataset's file and row count, from the manifest. */
  readonly manifest: { datasets: Record<string, { file: string; rows: number }> };
  /** Removes the temp folder. */
  remove(): Promise<void>;
}

export async function writeDemoData(prefix: string): Promise<DemoData> {
  const root = await mkdtemp(path.join(os.tmpdir(), `enclave-${prefix}-`));
  const dataDir = path.join(root, 'data');
  const stderr = new PassThrough();
  let log = '';
  stderr.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const code = await runPlatformInit(['--data-dir', dataDir, '--scale', '2000', '--seed', '5'], {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr,
  });
  if (code !== 0) throw new Error(`platform init failed (${code}): ${log}`);
  const manifest = JSON.parse(await readFile(path.join(dataDir, 'manifest.json'), 'utf8')) as DemoData['manifest'];
  const raw = await readRaw(dataDir, manifest);
  return { root, dataDir, raw, manifest, remove: () => rm(root, { recursive: true, force: true }) };
}

/** Writes the demo data and starts the platform on it (requests are injected; nothing listens). */
export async function startDemoPlatform(prefix: string): Promise<DemoPlatform> {
  const data = await writeDemoData(prefix);
  const server = await createPlatformServer({ dataDir: data.dataDir, publicUrl: TEST_PUBLIC_URL });
  return {
    ...data,
    server,
    async close() {
      await server.close();
      await data.remove();
    },
  };
}

/** A query's answer as the analyst received it. */
export interface QueryAnswer {
  readonly status: number;
  readonly contentType: string;
  /** Every byte of the body. */
  readonly body: Buffer;
  /** The refusal, when the status is not 200. */
  readonly error?: ErrorValue;
  /** The rows, when the status is 200. */
  readonly columns?: Columns;
  readonly rowCount?: number;
}

function arrowColumns(table: Table): Columns {
  const columns: Columns = new Map();
  table.schema.fields.forEach((field, i) => {
    const vector = table.getChildAt(i)!;
    const values: Array<string | null> = [];
    for (let row = 0; row < table.numRows; row += 1) {
      const value: unknown = vector.get(row);
      values.push(
        String(field.type).startsWith('Date') && typeof value === 'number' ? new Date(value).toISOString().slice(0, 10) : asText(value),
      );
    }
    columns.set(field.name, values);
  });
  return columns;
}

async function parquetColumns(bytes: Uint8Array, folder: string): Promise<Columns> {
  const file = path.join(folder, `answer-${Math.random().toString(36).slice(2)}.parquet`);
  await writeFile(file, bytes);
  try {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet(${quoteString(file)})`);
      const names = reader.columnNames();
      const columns: Columns = new Map(names.map((name) => [name, []]));
      for (const row of reader.getRowsJS()) names.forEach((name, i) => columns.get(name)!.push(asText(row[i])));
      return columns;
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  } finally {
    await rm(file, { force: true });
  }
}

/** The columns of an answer's body (a query's or a sample's); a Parquet body is read from a file in `folder`. */
export async function answerColumns(answer: { bytes: Uint8Array; format: Format; folder: string }): Promise<Columns> {
  return answer.format === 'arrow' ? arrowColumns(tableFromIPC(answer.bytes)) : parquetColumns(answer.bytes, answer.folder);
}

/** Sends one query through the HTTP route as `user` and decodes the answer. */
export async function postQuery(
  platform: DemoPlatform,
  request: { sql: string; projectId?: string; user?: string; format?: Format },
): Promise<QueryAnswer> {
  const { projectId = 'covid-outcomes', user = 'demo-analyst', format = 'arrow' } = request;
  const response = await platform.server.app.inject({
    method: 'POST',
    url: `/api/v1/projects/${projectId}/query`,
    headers: await bearerFor(platform.dataDir, user),
    payload: { sql: request.sql, format },
  });
  const body = response.rawPayload;
  const contentType = String(response.headers['content-type'] ?? '');
  if (response.statusCode !== 200) {
    return { status: response.statusCode, contentType, body, error: ErrorValueSchema.parse(response.json<{ error: unknown }>().error) };
  }
  const columns = await answerColumns({ bytes: body, format, folder: platform.root });
  return { status: 200, contentType, body, columns, rowCount: columns.values().next().value?.length ?? 0 };
}

/** The project's catalogue as its analyst reads it. */
export async function catalogueOf(platform: DemoPlatform, projectId: string, user = 'demo-analyst'): Promise<Catalogue> {
  const response = await platform.server.app.inject({
    method: 'GET',
    url: `/api/v1/projects/${projectId}/catalogue`,
    headers: await bearerFor(platform.dataDir, user),
  });
  if (response.statusCode !== 200) throw new Error(`catalogue of ${projectId}: ${response.body}`);
  return CatalogueSchema.parse(response.json());
}

/** A project's pseudonym of a raw NHS number, from the project's key in the data folder. */
export async function pseudonymIn(platform: DemoPlatform, projectId: string, nhsNumber: string): Promise<string> {
  return pseudonymOf(nhsNumber, await openProjectKeys({ dataDir: platform.dataDir }).keyFor(projectId));
}

/**
 * A raw identifier in a text, or null: a raw or valid NHS number, a full postcode, a full date, an LSOA code, or an
 * unkeyed md5/sha256 of an NHS number. Binary answers are read as Latin-1, so a value stored as text is found in them.
 */
export function rawIdentifierIn(text: string, raw: RawData): string | null {
  for (const run of text.match(/\d{10}/g) ?? []) {
    if (isValidNhsNumber(run) || raw.nhsNumbers.has(run)) return `NHS number ${run}`;
  }
  for (const candidate of text.match(/\b[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}\b/g) ?? []) {
    return `full postcode ${candidate}`;
  }
  for (const run of text.match(/\b[A-Z0-9]{5,7}\b/g) ?? []) if (raw.postcodes.has(run)) return `raw postcode ${run}`;
  if (/\d{4}-\d{2}-\d{2}/.test(text)) return `full date in ${text.slice(0, 200)}`;
  if (/[EW]01\d{6}/.test(text)) return `LSOA code in ${text.slice(0, 200)}`;
  for (const hex of text.match(/[0-9a-f]{32,64}/g) ?? []) if (raw.unkeyedHashes.has(hex)) return `unkeyed hash ${hex}`;
  return null;
}

/** The copies' file names (the copies' catalogue names in DuckDB), from DIR/minimised. */
export async function copyNames(dataDir: string): Promise<string[]> {
  const names = await readdir(path.join(dataDir, MINIMISED_FOLDER));
  return names.filter((name) => name.endsWith('.duckdb')).map((name) => name.replace(/\.duckdb$/, ''));
}

/** What DIR/query-exports holds: nothing once every answer is sent or refused. */
export async function exportsLeft(dataDir: string): Promise<string[]> {
  return readdir(path.join(dataDir, QUERY_EXPORTS_FOLDER), { recursive: true });
}

/** What the project cannot see: the platform's datasets outside its catalogue, and the fields it does not get. */
export function hiddenNamesOf(catalogue: Catalogue, allDatasets: readonly string[]): string[] {
  const seen = new Set(catalogue.datasets.map((dataset) => dataset.id));
  const visibleFields = new Set(
    catalogue.datasets.flatMap((dataset) => dataset.fields.filter((field) => field.available).map((field) => field.name)),
  );
  const dropped = catalogue.datasets.flatMap((dataset) => dataset.fields.filter((field) => !field.available).map((field) => field.name));
  // A field dropped in one dataset but visible in another (nhs_number) is not a hidden name.
  return [...new Set([...allDatasets.filter((id) => !seen.has(id)), ...dropped.filter((name) => !visibleFields.has(name))])];
}

/** The project's relation and visible column names, lower case: the only names a hint may offer. */
export function visibleNamesOf(catalogue: Catalogue): Set<string> {
  return new Set(
    catalogue.datasets.flatMap((dataset) => [
      dataset.id,
      ...dataset.fields.filter((field) => field.available).map((field) => field.name.toLowerCase()),
    ]),
  );
}
