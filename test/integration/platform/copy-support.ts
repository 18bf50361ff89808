// Helpers for tests of the projects' minimised copies (src/platform/engine/copy-build.ts, copy-serve.ts): copy specs
// written by hand (below the minimisation layer), an answer's bytes, and what a copy FILE holds, read with DuckDB
// directly once the platform has let go of it.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC, type Table } from 'apache-arrow';
import { quoteString } from '../../../src/common/sql-identifiers.ts';
import type { CopyAnswer, CopyColumn, CopyRelation, CopySpec, PseudonymKey, RowFilter } from '../../../src/platform/engine/data-engine.ts';
import { MINIMISED_FOLDER } from '../../../src/platform/engine/duckdb-engine.ts';
import { hmacBlocks, PROJECT_KEY_BYTES, PSEUDONYM_LETTERS, pseudonymOf } from '../../../src/platform/minimisation/pseudonym.ts';

/** Columns copied as stored (no treatment), for engine tests below minimisation. */
export function stored(...names: string[]): CopyColumn[] {
  return names.map((name) => ({ name, sql: `raw."${name}"` }));
}

export function relation(options: {
  name: string;
  datasetId?: string;
  columns: readonly CopyColumn[];
  filters?: readonly RowFilter[];
  sampleOrder?: readonly string[];
}): CopyRelation {
  return {
    name: options.name,
    datasetId: options.datasetId ?? options.name,
    columns: options.columns,
    filters: options.filters ?? [],
    sampleOrder: options.sampleOrder ?? [],
  };
}

/** The key of the specs below unless a test gives its own: 32 bytes 0, 1, 2, …, 31. */
export const TEST_PSEUDONYM_KEY = new Uint8Array(Array.from({ length: PROJECT_KEY_BYTES }, (_, i) => i));

/** The pseudonym key of a spec, as the platform makes it (a person's domain has no prefix; another's is "<domain>\0"). */
export function pseudonymKeyOf(key: Uint8Array = TEST_PSEUDONYM_KEY): PseudonymKey {
  return {
    ...hmacBlocks(key),
    prefix: (domain) => (domain === 'person' ? new Uint8Array() : new TextEncoder().encode(`${domain}\u0000`)),
    letters: PSEUDONYM_LETTERS,
  };
}

/** What the engine must answer for a value: pseudonymOf (Node's HMAC) of the domain's message. */
export function expectedPseudonym(value: string, domain = 'person', key: Uint8Array = TEST_PSEUDONYM_KEY): string {
  return pseudonymOf(domain === 'person' ? value : `${domain}\u0000${value}`, key);
}

/** A spec whose version is its relations (as the platform's is), with the test key unless one is given. */
export function specOf(options: { relations: readonly CopyRelation[]; projectId?: string; version?: string; key?: Uint8Array }): CopySpec {
  return {
    projectId: options.projectId ?? 'engine-test',
    version: options.version ?? JSON.stringify(options.relations),
    relations: options.relations,
    pseudonymKey: pseudonymKeyOf(options.key),
  };
}

/** Every byte of an answer (which closes its file). */
export async function answerBytes(answer: CopyAnswer): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of answer.chunks) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}

export async function arrowOf(answer: CopyAnswer): Promise<Table> {
  return tableFromIPC(await answerBytes(answer));
}

/** The copy files in DIR/minimised (not the builds under way, nor DuckDB's own side files). */
export async function copyFiles(dataDir: string): Promise<string[]> {
  const folder = path.join(dataDir, MINIMISED_FOLDER);
  return (await readdir(folder)).filter((name) => name.endsWith('.duckdb')).map((name) => path.join(folder, name));
}

export interface CopyFileContents {
  /** Every table, schema-qualified, in whichever database of the file (temp included). */
  readonly tables: string[];
  /** Per table (main schema), its columns in order. */
  readonly columns: Record<string, string[]>;
  /** Views the file defines (DuckDB's internal catalogue views excluded). */
  readonly views: string[];
  /** Every other object the file defines: sequences, macros, indexes, types, schemas beyond main. */
  readonly others: string[];
  /** Per table, its rows as plain values. */
  readonly rows: Record<string, unknown[][]>;
}

/** What a copy file holds, read through a read-only instance of its own (the platform must have closed it). */
export async function readCopyFile(file: string): Promise<CopyFileContents> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  const all = async (sql: string): Promise<unknown[][]> => (await connection.runAndReadAll(sql)).getRowsJS();
  try {
    const database = String((await all('SELECT current_database()'))[0]?.[0]);
    // The file's own database, and the temporary one (a build's temporary objects must not have become the file's).
    const inFile = `database_name IN (${quoteString(database)}, 'temp')`;
    const tables = (await all(`SELECT schema_name || '.' || table_name, temporary FROM duckdb_tables() WHERE ${inFile} ORDER BY 1`)).map(
      ([name, temporary]) => (temporary === true ? `temp:${String(name)}` : String(name)),
    );
    const columns: Record<string, string[]> = {};
    for (const [table, column] of await all(
      `SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = ${quoteString(database)} AND schema_name = 'main' ORDER BY table_name, column_index`,
    )) {
      (columns[String(table)] ??= []).push(String(column));
    }
    const views = (await all(`SELECT schema_name || '.' || view_name FROM duckdb_views() WHERE NOT internal AND ${inFile}`)).map(([name]) =>
      String(name),
    );
    const others = [
      ...(await all(`SELECT 'sequence ' || sequence_name FROM duckdb_sequences() WHERE ${inFile}`)),
      ...(await all(`SELECT 'macro ' || function_name FROM duckdb_functions() WHERE NOT internal AND ${inFile}`)),
      ...(await all(`SELECT 'index ' || index_name FROM duckdb_indexes() WHERE ${inFile}`)),
      ...(await all(`SELECT 'type ' || type_name FROM duckdb_types() WHERE NOT internal AND ${inFile}`)),
      ...(await all(`SELECT 'schema ' || schema_name FROM duckdb_schemas() WHERE NOT internal AND ${inFile} AND schema_name <> 'main'`)),
    ].map(([name]) => String(name));
    const rows: Record<string, unknown[][]> = {};
    for (const table of Object.keys(columns)) rows[table] = await all(`SELECT * FROM main."${table}"`);
    return { tables, columns, views, others, rows };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * Waits until `count` copies are built and none is being built: the platform prepares every project's copy in the
 * background when it starts, and a test that times a sample must not share the machine with those builds.
 */
export async function copiesBuilt(dataDir: string, count: number, timeoutMs = 240_000): Promise<void> {
  const folder = path.join(dataDir, MINIMISED_FOLDER);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const names = await readdir(folder).catch(() => []);
    if (names.filter((name) => name.endsWith('.duckdb')).length >= count && !names.some((name) => name.includes('.building-'))) return;
    if (performance.now() > deadline) throw new Error(`${count} minimised copies were not built in ${timeoutMs} ms: ${names.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
