// The platform query check on DuckDB's own parse (json_serialize_sql of a real in-memory DuckDB): what an analyst may
// run (one read-only SELECT over the project's relations, allow-listed functions) and what is refused, with a message
// that says what is wrong and where. SATRE 3.2.03 (a user reaches only the data their work needs) and 3.1.12
// (preventing unauthorised egress): every known route out of the project's relations is refused here; SATRE 2.2.14:
// the relations a query read are reported for the audit log.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnclaveError } from '../../../src/common/errors.ts';
import { AGGREGATE_BY_NAME_FUNCTIONS, ALLOWED_AGGREGATES, ALLOWED_FUNCTIONS } from '../../../src/platform/query/allowed-functions.ts';
import { checkSerializedQuery, type CheckedQuery } from '../../../src/platform/query/sql-check.ts';

const RELATIONS: ReadonlySet<string> = new Set(['patients', 'covid_tests', 'hospital_episodes']);

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  await connection.run(`
    CREATE TABLE patients (nhs_number VARCHAR, sex VARCHAR, age_band VARCHAR, date_of_death VARCHAR);
    CREATE TABLE covid_tests (nhs_number VARCHAR, specimen_date VARCHAR, result VARCHAR);
    CREATE TABLE hospital_episodes (nhs_number VARCHAR, admission_date VARCHAR, primary_diagnosis VARCHAR);
    INSERT INTO patients VALUES ('p-01', 'F', '20-29', NULL), ('p-02', 'M', '70-79', '2020-04');
    INSERT INTO covid_tests VALUES ('p-01', '2020-03', 'positive'), ('p-02', '2020-04', 'negative');
    INSERT INTO hospital_episodes VALUES ('p-01', '2020-03', 'U07.1'), ('p-02', '2020-04', 'J18.9');
  `);
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

/** A text cell of a DuckDB row. */
function asText(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`Expected text, got ${JSON.stringify(value)}`);
  return value;
}

async function serialize(sql: string): Promise<string> {
  const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS parse', [sql]);
  return asText(reader.getRowObjectsJS()[0]?.parse);
}

async function check(sql: string, relations: ReadonlySet<string> = RELATIONS): Promise<CheckedQuery> {
  return checkSerializedQuery(await serialize(sql), { sqlText: sql, relations });
}

/** The refusal of `sql`: the test fails if the check accepts it. */
async function refusal(sql: string): Promise<EnclaveError> {
  try {
    await check(sql);
  } catch (err) {
    if (err instanceof EnclaveError) return err;
    throw err;
  }
  throw new Error(`The check accepted: ${sql}`);
}

describe('accepted: one read-only SELECT over the project relations', () => {
  const accepted: readonly (readonly [string, string, readonly string[]])[] = [
    [
      'a join of tests to admissions through the pseudonym, with a window function and a group by',
      `WITH first_positive AS (
         SELECT nhs_number, specimen_date,
                row_number() OVER (PARTITION BY nhs_number ORDER BY specimen_date) AS n
         FROM covid_tests WHERE result = 'positive'
       )
       SELECT h.primary_diagnosis, count(DISTINCT f.nhs_number) AS patients, min(h.admission_date) AS earliest
       FROM first_positive f JOIN hospital_episodes h ON h.nhs_number = f.nhs_number
       WHERE f.n = 1 AND h.admission_date >= f.specimen_date
       GROUP BY h.primary_diagnosis HAVING count(*) > 0 ORDER BY patients DESC`,
      ['covid_tests', 'hospital_episodes'],
    ],
    ['a count by group', "SELECT sex, count(*) FROM patients WHERE age_band = '20-29' GROUP BY sex", ['patients']],
    ['FROM-first syntax', 'FROM patients SELECT sex', ['patients']],
    ['a bare FROM', 'FROM covid_tests', ['covid_tests']],
    ['VALUES', 'VALUES (1, 2), (3, 4)', []],
    ['the relation qualified by the main schema', 'SELECT count(*) FROM main.patients', ['patients']],
    ['names in another case and quoted', 'SELECT "SEX" FROM "Patients" JOIN COVID_TESTS USING (nhs_number)', ['covid_tests', 'patients']],
    [
      'every join kind',
      `SELECT * FROM patients p JOIN covid_tests c USING (nhs_number) LEFT JOIN hospital_episodes h ON h.nhs_number = p.nhs_number
       SEMI JOIN covid_tests d ON d.nhs_number = p.nhs_number ANTI JOIN covid_tests e ON e.result = 'x'
       ASOF JOIN covid_tests g ON g.nhs_number = p.nhs_number AND g.specimen_date >= p.age_band CROSS JOIN (SELECT 1 AS one) z`,
      ['covid_tests', 'hospital_episodes', 'patients'],
    ],
    ['a LATERAL subquery', 'SELECT l.s FROM patients p, LATERAL (SELECT p.sex AS s) l', ['patients']],
    [
      'set operations',
      "SELECT sex FROM patients UNION SELECT result FROM covid_tests EXCEPT SELECT 'x' INTERSECT ALL SELECT 'y'",
      ['covid_tests', 'patients'],
    ],
    ['UNION BY NAME', 'SELECT sex FROM patients UNION ALL BY NAME SELECT result AS sex FROM covid_tests', ['covid_tests', 'patients']],
    [
      'scalar, EXISTS, IN and ANY subqueries',
      'SELECT (SELECT max(specimen_date) FROM covid_tests), EXISTS (SELECT 1), sex IN (SELECT sex FROM patients), 1 = ANY (SELECT 1) FROM patients',
      ['covid_tests', 'patients'],
    ],
    [
      'a CTE that uses an earlier CTE, shadowing a relation name',
      "WITH patients AS (SELECT * FROM patients WHERE sex = 'F'), older AS (SELECT * FROM patients WHERE age_band > '60') SELECT count(*) FROM older",
      ['patients'],
    ],
    [
      'window functions of every kind, and QUALIFY',
      `SELECT rank() OVER w, dense_rank() OVER w, ntile(4) OVER w, percent_rank() OVER w, cume_dist() OVER w,
              lag(sex) OVER w, lead(sex, 1, 'x') OVER w, first_value(sex) OVER w, last_value(sex IGNORE NULLS) OVER w,
              nth_value(sex, 2) OVER w, count(*) OVER (ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW)
       FROM patients WINDOW w AS (PARTITION BY sex ORDER BY age_band) QUALIFY row_number() OVER w = 1`,
      ['patients'],
    ],
    [
      'aggregates an epidemiologist uses',
      `SELECT count(DISTINCT nhs_number) FILTER (WHERE sex = 'F'), median(length(age_band)), quantile_cont(length(sex), [0.25, 0.75]),
              stddev_samp(1.0), mode(sex), string_agg(sex, ',' ORDER BY sex), list(sex), arg_max(sex, age_band), approx_count_distinct(sex),
              corr(1, 2), regr_slope(1, 2), bool_or(sex = 'F'), first(sex), histogram(sex), count_if(sex = 'M')
       FROM patients`,
      ['patients'],
    ],
    [
      'dates, parts and arithmetic',
      `SELECT date_trunc('month', strptime(specimen_date, '%Y-%m')), date_part('year', DATE '2020-03-01'), extract(month FROM DATE '2020-03-01'),
              strftime(DATE '2020-03-01', '%Y-W%V'), make_date(2020, 3, 1), age(DATE '2020-03-01', DATE '1950-01-01'),
              datediff('day', DATE '2020-03-01', DATE '2020-04-01'), DATE '2020-03-01' + INTERVAL 1 MONTH, current_date, now()
       FROM covid_tests`,
      ['covid_tests'],
    ],
    [
      'text, patterns and conditionals',
      `SELECT upper(primary_diagnosis) || '-' || lower(admission_date), regexp_matches(primary_diagnosis, '^U07'), primary_diagnosis LIKE 'J%',
              primary_diagnosis ILIKE 'j%', primary_diagnosis SIMILAR TO 'J.*', split_part(primary_diagnosis, '.', 1),
              coalesce(admission_date, 'unknown'), nullif(admission_date, ''), greatest(1, 2), least(1, 2), if(true, 1, 2),
              CASE WHEN admission_date IS NULL THEN 0 ELSE 1 END, TRY_CAST(admission_date AS DATE), CAST(1 AS VARCHAR), 2::DOUBLE
       FROM hospital_episodes`,
      ['hospital_episodes'],
    ],
    [
      'lists, structs, lambdas and comprehensions',
      `SELECT [1, 2, 3][2], list_transform([1, 2], x -> x + 1), list_filter([1, 2], lambda y: y > 1), [x * 2 FOR x IN [1, 2] IF x > 1],
              {'a': 1}.a, struct_pack(k := 1), map {'k': 1}, unnest([1, 2]), list_aggregate([1, 2], 'sum'), list_sum([1, 2])`,
      [],
    ],
    [
      'COLUMNS, EXCLUDE, REPLACE and RENAME',
      "SELECT COLUMNS('a.*'), * EXCLUDE (sex), p.* EXCLUDE (p.age_band), * REPLACE (upper(sex) AS sex), * RENAME (sex AS s) FROM patients p",
      ['patients'],
    ],
    [
      'DISTINCT ON, ORDER BY ALL, LIMIT and OFFSET',
      'SELECT DISTINCT ON (sex) sex, age_band FROM patients ORDER BY ALL LIMIT 10 OFFSET 1',
      ['patients'],
    ],
    [
      'GROUPING SETS, ROLLUP and GROUP BY ALL',
      'SELECT sex, age_band, count(*) FROM patients GROUP BY ROLLUP (sex, age_band)',
      ['patients'],
    ],
    ['a sample of a relation', 'SELECT * FROM patients USING SAMPLE 50 PERCENT (bernoulli)', ['patients']],
    ['PIVOT with its values listed', "PIVOT patients ON sex IN ('F', 'M') USING count(*) GROUP BY age_band", ['patients']],
    ['UNPIVOT', 'UNPIVOT covid_tests ON specimen_date, result INTO NAME field VALUE v', ['covid_tests']],
    ['a column qualified by its table, named like a session keyword', 'SELECT p.user FROM (SELECT 1 AS user) p', []],
    ['an ENUM cast', "SELECT sex::ENUM('F', 'M') FROM patients", ['patients']],
    ['comments and a trailing semicolon', 'SELECT 1 -- ; DROP TABLE patients\n/* ; */ FROM patients;', ['patients']],
  ];

  it.each(accepted)('accepts %s, reporting the relations it reads', async (_name, sql, relations) => {
    expect((await check(sql)).relations).toEqual(relations);
  });

  it.each(accepted)('runs %s on the database (the corpus is real SQL)', async (_name, sql) => {
    await expect(connection.runAndReadAll(sql)).resolves.toBeDefined();
  });

  it('reports each relation once, sorted, in lower case, without CTE names (SATRE 2.2.14)', async () => {
    const checked = await check(
      'WITH t AS (SELECT * FROM Hospital_Episodes) SELECT * FROM t, patients a, PATIENTS b, covid_tests WHERE a.sex = b.sex',
    );
    expect(checked.relations).toEqual(['covid_tests', 'hospital_episodes', 'patients']);
  });

  it('compares the project relation names without case', async () => {
    expect((await check('SELECT * FROM patients', new Set(['Patients']))).relations).toEqual(['patients']);
  });
});

/** What is refused, its SQL, a fragment the message must hold, and the text at the position given (null: none). */
type RefusedCase = readonly [string, string, RegExp, string | null];

describe('refused, saying what is wrong and where', () => {
  const refused: readonly RefusedCase[] = [
    ['two statements', 'SELECT 1; SELECT 2', /one statement at a time/, 'SELECT 2'],
    ['a statement after a SELECT', 'SELECT 1; DROP TABLE patients', /one statement at a time/, null],
    ['an empty text', '  -- nothing', /empty/, null],
    ['a syntax error', 'SELEC sex FROM patients', /Syntax error: unexpected "SELEC"/, 'SELEC'],
    ['an unfinished query', 'SELECT * FROM patients WHERE', /ends too early/, null],
    ['SET', "SET search_path = 'raw'", /SET and RESET are not available/, null],
    ['SET VARIABLE', 'SET VARIABLE x = 1', /SET and RESET are not available/, null],
    ['RESET', 'RESET threads', /SET and RESET are not available/, null],
    ['PRAGMA', 'PRAGMA table_info(patients)', /PRAGMA is not available/, null],
    ['COPY', "COPY patients TO 'out.csv'", /COPY, EXPORT and IMPORT/, null],
    ['ATTACH', "ATTACH 'raw.duckdb' AS raw", /ATTACH, DETACH and USE/, null],
    ['USE', 'USE raw', /ATTACH, DETACH and USE/, null],
    ['CREATE', 'CREATE TEMP TABLE patients AS SELECT 1', /read-only: CREATE is not available/, null],
    ['INSERT', "INSERT INTO patients VALUES ('a', 'b', 'c', 'd')", /read-only: INSERT/, null],
    ['INSTALL', 'INSTALL httpfs', /Extensions cannot be installed or loaded/, null],
    ['LOAD', 'LOAD httpfs', /Extensions cannot be installed or loaded/, null],
    ['PREPARE', 'PREPARE q AS SELECT * FROM patients', /Prepared statements/, null],
    ['EXECUTE', 'EXECUTE q', /Prepared statements/, null],
    ['CALL', 'CALL duckdb_tables()', /CALL is not available/, null],
    ['EXPLAIN', 'EXPLAIN SELECT * FROM patients', /EXPLAIN is not available/, null],
    ['a PIVOT statement without values', 'PIVOT patients ON sex USING count(*)', /PIVOT statement without an IN list/, null],
    ['DESCRIBE', 'DESCRIBE patients', /DESCRIBE, SHOW and SUMMARIZE/, 'DESCRIBE'],
    ['SUMMARIZE', 'SUMMARIZE patients', /DESCRIBE, SHOW and SUMMARIZE/, 'SUMMARIZE'],
    ['SHOW TABLES', 'SHOW TABLES', /DESCRIBE, SHOW and SUMMARIZE/, 'SHOW'],
    [
      'a relation outside the project',
      'SELECT * FROM raw_patients',
      /"raw_patients" is not one of this project's relations/,
      'raw_patients',
    ],
    ['a file by replacement scan', "SELECT * FROM 'patients.csv'", /files cannot be read/, "'patients.csv'"],
    [
      'read_csv',
      "SELECT * FROM read_csv('/data/raw.csv')",
      /read_csv is not available in platform queries: only the project's relations/,
      'read_csv',
    ],
    [
      'read_parquet in a subquery',
      "SELECT * FROM patients WHERE nhs_number IN (SELECT * FROM read_parquet('x.parquet'))",
      /read_parquet is not available/,
      'read_parquet',
    ],
    ['query()', "SELECT * FROM query('SELECT * FROM raw')", /query is not available/, 'query'],
    ['query_table()', "SELECT * FROM query_table('raw')", /query_table is not available/, 'query_table'],
    ['a catalogue table function', 'SELECT * FROM duckdb_tables()', /duckdb_tables is not available/, 'duckdb_tables'],
    ['a pragma table function', "SELECT * FROM pragma_table_info('patients')", /pragma_table_info is not available/, 'pragma_table_info'],
    ['range in FROM', 'SELECT * FROM range(10)', /table function.*call it in the SELECT list/, 'range'],
    [
      'a catalogue view by name',
      'SELECT * FROM duckdb_settings',
      /"duckdb_settings" is not one of this project's relations/,
      'duckdb_settings',
    ],
    [
      'a system catalogue view',
      'SELECT * FROM system.main.duckdb_tables',
      /system\.main\.duckdb_tables is not one of this project's relations/,
      'system',
    ],
    ['information_schema', 'SELECT * FROM information_schema.tables', /information_schema\.tables is not one/, 'information_schema'],
    ['a temp object', 'SELECT * FROM temp.main.patients', /write the relation's name alone: patients/, 'temp'],
    ['a catalogue-qualified relation', 'SELECT * FROM memory.main.patients', /write the relation's name alone: patients/, 'memory'],
    [
      'a schema-qualified name that is a CTE',
      'WITH t AS (SELECT 1) SELECT * FROM main.t',
      /"t" is not one of this project's relations/,
      'main.t',
    ],
    ['a CTE used before it is defined', 'WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a', /"b" is not one/, 'b), b AS'],
    [
      'a CTE that names itself',
      'WITH duckdb_settings AS (SELECT * FROM duckdb_settings) SELECT * FROM duckdb_settings',
      /"duckdb_settings" is not one/,
      'duckdb_settings) SELECT',
    ],
    [
      'WITH RECURSIVE',
      'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r',
      /WITH RECURSIVE.*local tables/,
      'RECURSIVE',
    ],
    [
      'getvariable',
      "SELECT getvariable('key')",
      /getvariable is not available in platform queries: it reads the engine's catalogue, settings or session/,
      'getvariable',
    ],
    ['current_setting', "SELECT current_setting('temp_directory')", /current_setting is not available/, 'current_setting'],
    [
      'a catalogue scalar function',
      'SELECT * FROM patients WHERE sex = current_database()',
      /current_database is not available/,
      'current_database',
    ],
    ['a storage statistics function', 'SELECT stats(sex) FROM patients', /stats is not available/, 'stats'],
    [
      'json_serialize_sql',
      "SELECT json_serialize_sql('SELECT 1')",
      /json_serialize_sql is not available.*runs SQL of its own/,
      'json_serialize_sql',
    ],
    ['nextval', "SELECT nextval('seq')", /nextval is not one of the functions/, 'nextval'],
    ['error()', 'SELECT error(sex) FROM patients', /error\(\) is not available/, 'error'],
    ['sleep_ms', 'SELECT sleep_ms(10000)', /sleep_ms is not one of the functions/, 'sleep_ms'],
    ['an unkeyed hash', 'SELECT md5(nhs_number) FROM patients', /md5 is not one of the functions/, 'md5'],
    ['a function in another schema', 'SELECT pg_catalog.lower(sex) FROM patients', /lower must be called by its name alone/, 'pg_catalog'],
    ['a session keyword', 'SELECT current_catalog', /current_catalog reads the engine's session/, 'current_catalog'],
    [
      'a quoted session keyword in WHERE',
      'SELECT sex FROM patients WHERE "CURRENT_SCHEMA" = \'main\'',
      /CURRENT_SCHEMA reads the engine's session.*t\.current_schema/,
      '"CURRENT_SCHEMA"',
    ],
    ['a session keyword behind alias.', 'SELECT alias.user FROM patients', /alias\.user reads the engine's session/, 'alias.user'],
    ['a whole-row reference', 'SELECT p FROM patients p', /p names a whole row.*p\.\*/, 'p FROM'],
    ['a whole row inside a function', 'SELECT to_json(patients) FROM patients', /to_json is not one of the functions/, 'to_json'],
    [
      'a whole row of a relation by name',
      'SELECT count(DISTINCT covid_tests) FROM covid_tests',
      /covid_tests names a whole row/,
      'covid_tests) FROM',
    ],
    ['a schema-qualified whole row', 'SELECT main.patients FROM patients', /main\.patients names a whole row/, 'main.patients'],
    ['a whole row of a subquery', 'SELECT s FROM (SELECT sex FROM patients) s', /s names a whole row/, 's FROM'],
    ['a positional parameter', 'SELECT * FROM patients WHERE sex = $1', /Parameters \(\$1, \?, \$name\) are not available/, null],
    ['a named parameter', 'SELECT * FROM patients WHERE sex = $sex', /Parameters/, null],
    ['time travel', 'SELECT * FROM patients AT (VERSION => 1)', /AT \(…\) reads another version of patients/, 'patients AT'],
    ['EXPORT_STATE', 'SELECT sum(1) EXPORT_STATE FROM patients', /EXPORT_STATE is not available/, 'sum'],
    [
      'an aggregate named by text',
      "SELECT list_aggregate([1], 'bitstring_agg')",
      /list_aggregate must be given the name of an allowed aggregate/,
      'list_aggregate',
    ],
    [
      'an aggregate named by a column',
      'SELECT list_aggr([1], sex) FROM patients',
      /list_aggr must be given the name of an allowed aggregate/,
      'list_aggr',
    ],
    ['a cast to a user type', 'SELECT sex::my_type FROM patients', /The type my_type is not available/, '::my_type'],
    ['a cast to JSON', 'SELECT sex::JSON FROM patients', /The type JSON is not available/, '::JSON'],
    ['the first of two problems, by position', "SELECT getvariable('a') FROM read_csv('x')", /getvariable/, 'getvariable'],
  ];

  it.each(refused)('refuses %s', async (...[, sql, message, at]: RefusedCase) => {
    const err = await refusal(sql);
    expect(err.code).toBe('invalid_input');
    expect(err.message).toMatch(message);
    if (at === null) return;
    expect(err.position).toBeDefined();
    expect(sql.slice(err.position)).toMatch(new RegExp(`^${at.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('gives positions in the analyst’s characters when the text holds accents and emoji before the fault', async () => {
    const sql = "SELECT 'é😀', getvariable('x')";
    expect((await refusal(sql)).position).toBe(sql.indexOf('getvariable'));
    const broken = "SELECT 'é😀' FROM WHERE";
    expect((await refusal(broken)).position).toBe(broken.indexOf('WHERE'));
  });

  it('never offers a relation the project does not have', async () => {
    const err = await refusal('SELECT * FROM raw_patients');
    expect(err.message).toContain('covid_tests, hospital_episodes, patients');
    expect(err.message).not.toContain('duckdb');
  });
});

describe('deny by default', () => {
  async function parse(sql: string): Promise<{ statements: [{ node: Record<string, unknown> }] }> {
    return JSON.parse(await serialize(sql)) as { statements: [{ node: Record<string, unknown> }] };
  }

  it('refuses a node type it does not know', async () => {
    const tree = await parse('SELECT sex FROM patients');
    (tree.statements[0].node.from_table as Record<string, unknown>).type = 'FUTURE_TABLE_REF';
    expect(() => checkSerializedQuery(JSON.stringify(tree), { sqlText: 'SELECT sex FROM patients', relations: RELATIONS })).toThrow(
      /construct \(FUTURE_TABLE_REF\) that platform queries do not accept/,
    );
  });

  it('refuses a key it has not seen, as a later DuckDB might add to an accepted node', async () => {
    const tree = await parse('SELECT sex FROM patients');
    (tree.statements[0].node.from_table as Record<string, unknown>).branch = 'raw';
    expect(() => checkSerializedQuery(JSON.stringify(tree), { sqlText: 'SELECT sex FROM patients', relations: RELATIONS })).toThrow(
      /do not recognise \("branch"\)/,
    );
  });

  it('reports an unreadable parse as its own failure, not as the analyst’s', () => {
    let thrown: unknown;
    try {
      checkSerializedQuery('not json', { sqlText: 'SELECT 1', relations: RELATIONS });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(EnclaveError);
    expect((thrown as EnclaveError).code).toBe('internal');
  });
});

describe('the allow list', () => {
  async function names(sql: string): Promise<Set<string>> {
    const reader = await connection.runAndReadAll(sql);
    return new Set(reader.getRowObjectsJS().map((row) => asText(row.name)));
  }

  it('cannot be changed at run time', () => {
    expect(() => (ALLOWED_FUNCTIONS as Set<string>).add('read_csv')).toThrow(TypeError);
    expect(() => (ALLOWED_FUNCTIONS as Set<string>).delete('sum')).toThrow(TypeError);
    expect(() => (ALLOWED_AGGREGATES as Set<string>).clear()).toThrow(TypeError);
    expect(ALLOWED_FUNCTIONS.has('read_csv')).toBe(false);
  });

  it('names only functions the installed DuckDB has', async () => {
    const known = await names('SELECT DISTINCT function_name AS name FROM duckdb_functions()');
    expect([...ALLOWED_FUNCTIONS].filter((name) => !known.has(name))).toEqual([]);
  });

  it('holds no table function, and nothing that reads files, settings, the catalogue or storage', async () => {
    const tableFunctions = await names(
      "SELECT DISTINCT function_name AS name FROM duckdb_functions() WHERE function_type IN ('table', 'table_macro', 'pragma')",
    );
    // Names that are also scalar or aggregate functions: in FROM they are table functions, which the check refuses.
    const alsoScalar = new Set(['unnest', 'range', 'generate_series', 'histogram']);
    expect([...ALLOWED_FUNCTIONS].filter((name) => tableFunctions.has(name) && !alsoScalar.has(name))).toEqual([]);
    const forbidden =
      /^(read_|duckdb_|pragma_|pg_|current_(setting|schema|database|catalog|query|user|role)|getvariable|glob|query|json_|sql_|version|stats|nextval|currval|setseed|error|sleep|write_log|md5|sha|hash)/;
    expect([...ALLOWED_FUNCTIONS].filter((name) => forbidden.test(name))).toEqual([]);
  });

  it('allows macros only when everything they expand to is allowed', async () => {
    const reader = await connection.runAndReadAll(
      "SELECT DISTINCT function_name AS name, macro_definition AS body FROM duckdb_functions() WHERE function_type = 'macro'",
    );
    const macros = reader.getRowObjectsJS().filter((row) => ALLOWED_FUNCTIONS.has(asText(row.name)));
    expect(macros.length).toBeGreaterThan(20);
    for (const macro of macros) {
      const sql = `SELECT ${asText(macro.body)}`;
      expect(checkSerializedQuery(await serialize(sql), { sqlText: sql, relations: new Set() }).relations).toEqual([]);
    }
  });

  it('lets list_aggregate run only allowed aggregates', () => {
    expect(AGGREGATE_BY_NAME_FUNCTIONS.has('list_aggr')).toBe(true);
    expect([...ALLOWED_AGGREGATES].every((name) => ALLOWED_FUNCTIONS.has(name))).toBe(true);
  });
});
