// Builds a project's minimised copy: a DuckDB database file holding one table per relation the project's agreement
// gives it, each column already treated and each row already filtered, and nothing else (no view, no raw column, no
// key). The raw data is reached only through temporary views that die with the build's connection; pseudonyms come
// from a temporary map filled here in Node from the spec's pseudonym function, so the project's key never reaches SQL,
// the file, or an engine message. The caller builds under a temporary name and renames it into place when complete.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { EnclaveError } from '../../common/errors.ts';
import { quoteIdentifier, quoteString } from '../../common/sql-identifiers.ts';
import type { CopyColumn, CopyProgress, CopyRelation, CopySpec, RowFilter } from './data-engine.ts';
import type { VerifiedDataFile } from './manifest.ts';

/** A relation's or column's name in the copy: a plain lower-case SQL name. */
const NAME = /^[a-z][a-z0-9_]{0,62}$/;
const CALENDAR_DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

const PSEUDONYMS = 'enclave_pseudonyms';
/** The raw dataset's temporary view (never in the copy's own catalogue). */
const rawView = (datasetId: string): string => `temp.main.${quoteIdentifier(`enclave_raw_${datasetId}`)}`;

function checkSpec(spec: CopySpec, files: ReadonlyMap<string, VerifiedDataFile>): void {
  const relationNames = new Set<string>();
  for (const relation of spec.relations) {
    const fault = (what: string): never => {
      throw new EnclaveError('internal', `The minimised copy of ${spec.projectId} was asked for ${what} (${relation.name}).`);
    };
    if (!NAME.test(relation.name) || relationNames.has(relation.name)) fault('a malformed or repeated relation');
    relationNames.add(relation.name);
    if (!files.has(relation.datasetId)) fault('a dataset the engine does not serve');
    const columns = new Set(relation.columns.map((column) => column.name));
    if (relation.columns.length === 0 || columns.size !== relation.columns.length || ![...columns].every((name) => NAME.test(name))) {
      fault('malformed columns');
    }
    if (!relation.sampleOrder.every((name) => columns.has(name))) fault('a sample order by columns it does not have');
    for (const filter of relation.filters) {
      if (filter.kind === 'date_from' && !CALENDAR_DATE.test(filter.from)) fault('a malformed date');
      if (filter.kind !== 'date_from' && !files.has(filter.dataset)) fault('a filter on a dataset the engine does not serve');
    }
  }
}

function datasetsUsed(spec: CopySpec): Set<string> {
  const used = new Set<string>();
  for (const relation of spec.relations) {
    used.add(relation.datasetId);
    for (const filter of relation.filters) if (filter.kind !== 'date_from') used.add(filter.dataset);
  }
  return used;
}

/** The raw columns whose values need a pseudonym, with their domains. */
function pseudonymSources(spec: CopySpec): Array<{ datasetId: string; column: string; domain: string }> {
  const seen = new Map<string, { datasetId: string; column: string; domain: string }>();
  for (const relation of spec.relations) {
    for (const column of relation.columns) {
      if ('pseudonymOf' in column) {
        const source = { datasetId: relation.datasetId, column: column.pseudonymOf, domain: column.domain };
        seen.set(JSON.stringify(source), source);
      }
    }
  }
  return [...seen.values()];
}

/** Fills the temporary map (domain, value) → pseudonym with every distinct non-null value of the sources. */
async function fillPseudonyms(options: { connection: DuckDBConnection; spec: CopySpec; signal: AbortSignal | undefined }): Promise<void> {
  const { connection, spec } = options;
  // No key constraint: the values come DISTINCT, and the count below proves none was lost (a primary key made
  // appending four times slower, measured on 10 million values).
  await connection.run(
    `CREATE TEMP TABLE ${PSEUDONYMS} (enclave_domain VARCHAR NOT NULL, enclave_value VARCHAR NOT NULL, enclave_pseudonym VARCHAR NOT NULL)`,
  );
  const sources = pseudonymSources(spec);
  if (sources.length === 0) return;
  const values = sources
    .map(
      ({ datasetId, column, domain }) =>
        `SELECT ${quoteString(domain)} AS d, CAST(${quoteIdentifier(column)} AS VARCHAR) AS v FROM ${rawView(datasetId)}`,
    )
    .join(' UNION ');
  // The distinct values are materialised by DuckDB before the first is appended: an appender flushes by itself (every
  // 204,800 rows), and a flush on the connection ends a result still streaming on it, silently, which left later
  // people without a pseudonym. A materialised result is read in chunks whatever the appender does.
  const result = await connection.run(`SELECT DISTINCT d, v FROM (${values}) WHERE v IS NOT NULL`);
  const appender = await connection.createAppender(PSEUDONYMS, 'main', 'temp');
  let appended = 0;
  try {
    for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      if (options.signal?.aborted) throw cancelled();
      const domains = chunk.getColumnVector(0);
      const raw = chunk.getColumnVector(1);
      for (let i = 0; i < chunk.rowCount; i += 1) {
        const domain = domains.getItem(i) as string;
        const value = raw.getItem(i) as string;
        appender.appendVarchar(domain);
        appender.appendVarchar(value);
        appender.appendVarchar(spec.pseudonym(value, domain));
        appender.endRow();
      }
      appended += chunk.rowCount;
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  // A last check that no value was left out, whatever the engine did: as many appended as the result held, and as
  // many in the map as appended; every value gets a pseudonym or the build fails.
  const [counted] = (await connection.runAndReadAll(`SELECT count(*) FROM temp.main.${PSEUDONYMS}`)).getRows();
  if (Number(counted?.[0] ?? -1) !== appended || appended !== result.rowCount) {
    throw new EnclaveError('internal', 'The pseudonym map is incomplete: the minimised copy was not built.');
  }
}

function filterSql(filter: RowFilter): string {
  const column = `raw.${quoteIdentifier(filter.column)}`;
  if (filter.kind === 'date_from') return `TRY_CAST(${column} AS DATE) >= DATE ${quoteString(filter.from)}`;
  const where =
    filter.where === undefined
      ? ''
      : ` WHERE CAST(${quoteIdentifier(filter.where.column)} AS VARCHAR) IN (${filter.where.oneOf.map(quoteString).join(', ')})`;
  const members = `SELECT ${quoteIdentifier(filter.datasetColumn)} AS member FROM ${rawView(filter.dataset)}${where}`;
  // EXISTS rather than IN: a NULL among the members must not make NOT IN exclude every row.
  const exists = `EXISTS (SELECT 1 FROM (${members}) AS m WHERE m.member = ${column})`;
  return filter.kind === 'in' ? exists : `NOT ${exists}`;
}

/** The CREATE TABLE AS of one relation: treated columns of the filtered raw rows, pseudonyms by a join to the map. */
function relationSql(relation: CopyRelation): string {
  const joins: string[] = [];
  const select = relation.columns.map((column: CopyColumn, i) => {
    if ('sql' in column) return `${column.sql} AS ${quoteIdentifier(column.name)}`;
    const alias = `enclave_p${i}`;
    joins.push(
      ` LEFT JOIN temp.main.${PSEUDONYMS} AS ${alias} ON ${alias}.enclave_domain = ${quoteString(column.domain)} AND ${alias}.enclave_value = CAST(raw.${quoteIdentifier(column.pseudonymOf)} AS VARCHAR)`,
    );
    return `${alias}.enclave_pseudonym AS ${quoteIdentifier(column.name)}`;
  });
  const where = relation.filters.length === 0 ? '' : ` WHERE ${relation.filters.map(filterSql).join(' AND ')}`;
  // Stored in the order of treated values (the pseudonym first), so neither the rows' order nor their rowid says
  // anything of the raw data's order (a file sorted by NHS number would otherwise rank people by it).
  const order = relation.sampleOrder.length > 0 ? relation.sampleOrder.map((name) => quoteIdentifier(name)).join(', ') : 'ALL';
  return `CREATE TABLE main.${quoteIdentifier(relation.name)} AS SELECT ${select.join(', ')} FROM ${rawView(relation.datasetId)} AS raw${joins.join('')}${where} ORDER BY ${order}`;
}

const cancelled = (): EnclaveError => new EnclaveError('cancelled', 'Preparing the minimised copy was stopped.');

/** Writes the copy at `target` (a new file). Throws on any failure; the caller removes what is left. */
export async function buildCopyFile(options: {
  files: readonly VerifiedDataFile[];
  spec: CopySpec;
  target: string;
  /** Where the build may spill. */
  tempDir: string;
  signal?: AbortSignal;
  onProgress?: (progress: CopyProgress) => void;
}): Promise<void> {
  const { spec, signal } = options;
  const files = new Map(options.files.map((file) => [file.datasetId, file]));
  checkSpec(spec, files);
  const used = datasetsUsed(spec);
  const total = spec.relations.length + 1;
  const instance = await DuckDBInstance.create(options.target);
  try {
    const connection = await instance.connect();
    const onAbort = (): void => connection.interrupt();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await connection.run(`SET temp_directory=${quoteString(options.tempDir)}`);
      for (const datasetId of used) {
        const file = files.get(datasetId);
        if (file === undefined) continue;
        await connection.run(
          `CREATE TEMP VIEW ${quoteIdentifier(`enclave_raw_${datasetId}`)} AS SELECT * FROM read_parquet(${quoteString(file.absolutePath)})`,
        );
      }
      // Only the verified files stay readable; nothing else on the disk or the network, and no way to turn it back.
      const allowed = [...used].flatMap((id) => {
        const file = files.get(id);
        return file === undefined ? [] : [quoteString(file.absolutePath)];
      });
      await connection.run('SET autoinstall_known_extensions=false');
      await connection.run('SET autoload_known_extensions=false');
      await connection.run(`SET allowed_paths=[${allowed.join(', ')}]`);
      await connection.run('SET enable_external_access=false');
      await connection.run('SET lock_configuration=true');

      options.onProgress?.({ stage: 'Pseudonyms', done: 0, total });
      await fillPseudonyms({ connection, spec, signal });
      for (const [i, relation] of spec.relations.entries()) {
        if (signal?.aborted) throw cancelled();
        options.onProgress?.({ stage: relation.name, done: i + 1, total });
        await connection.run(relationSql(relation));
      }
      await connection.run('CHECKPOINT');
      options.onProgress?.({ stage: 'Done', done: total, total });
    } catch (err) {
      if (signal?.aborted) throw cancelled();
      throw err;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}
