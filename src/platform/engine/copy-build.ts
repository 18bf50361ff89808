// Builds a project's minimised copy: a DuckDB database file holding one table per relation the project's agreement
// gives it, each column already treated and each row already filtered, and nothing else (no view, no raw column, no
// key). The raw data is reached only through temporary views that die with the build's connection; pseudonyms come
// from a temporary map the engine fills with the spec's pseudonym key bound as parameters of this connection, so the
// project's key never reaches SQL text, the file, or an engine message. The caller builds under a temporary name and renames it into place when complete.
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

/** The letters a pseudonym's hex digits are written as: 16 distinct capitals (they are written into SQL text). */
const LETTERS = /^[A-Z]{16}$/;

/**
 * Fills the temporary map (domain, value) → pseudonym with every distinct non-null value of the sources, the HMAC
 * computed by the engine in one statement: the key's padded blocks and each domain's prefix are bound parameters of
 * this connection (never SQL text), and the NOT NULL columns make a value without a pseudonym fail the build.
 */
async function fillPseudonyms(options: { connection: DuckDBConnection; spec: CopySpec }): Promise<void> {
  const { connection, spec } = options;
  await connection.run(
    `CREATE TEMP TABLE ${PSEUDONYMS} (enclave_domain VARCHAR NOT NULL, enclave_value VARCHAR NOT NULL, enclave_pseudonym VARCHAR NOT NULL)`,
  );
  const sources = pseudonymSources(spec);
  if (sources.length === 0) return;
  const key = spec.pseudonymKey;
  if (!LETTERS.test(key.letters) || new Set(key.letters).size !== 16 || key.inner.length !== 64 || key.outer.length !== 64) {
    throw new EnclaveError('internal', `The minimised copy of ${spec.projectId} was asked for a malformed pseudonym key.`);
  }
  // $1 and $2: the key's inner and outer blocks; $3…: each source's domain prefix.
  const values = sources
    .map(
      ({ datasetId, column, domain }, i) =>
        `SELECT ${quoteString(domain)} AS d, $${i + 3}::BLOB AS pre, CAST(${quoteIdentifier(column)} AS VARCHAR) AS v FROM ${rawView(datasetId)}`,
    )
    .join(' UNION ALL ');
  const digest = 'sha256($2::BLOB || unhex(sha256($1::BLOB || pre || encode(v))))';
  const statement = await connection.prepare(
    `INSERT INTO temp.main.${PSEUDONYMS} SELECT d, v, 'P' || translate(substr(${digest}, 1, 20), '0123456789abcdef', ${quoteString(key.letters)}) ` +
      `FROM (SELECT DISTINCT d, pre, v FROM (${values}) WHERE v IS NOT NULL)`,
  );
  try {
    statement.bindBlob(1, key.inner);
    statement.bindBlob(2, key.outer);
    for (const [i, { domain }] of sources.entries()) statement.bindBlob(i + 3, key.prefix(domain));
    await statement.run();
  } finally {
    statement.destroySync();
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
      await fillPseudonyms({ connection, spec });
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
