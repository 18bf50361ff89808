// The red team: hostile SQL sent through POST /api/v1/projects/:projectId/query as an analyst of a project, against the
// real platform over data the real generator wrote. Each attack asserts what came back: the exact refusal (status,
// code, message) or the values, and for every answer that no raw identifier is in any byte of it and that it names
// nothing the project cannot see (another dataset, a dropped field, the engine's catalogue, a file, the copy). The
// families are DuckDB's known escape routes (issue 15, "Enforcement, each layer tested"): temporary objects shadowing
// names, search_path and USE, dynamic SQL, variables, prepared statements, PRAGMA and SET, ATTACH, COPY, extensions,
// catalogue and statistics functions, whole rows, files, several statements, comments, recursion, EXPLAIN and
// DESCRIBE, inference through WHERE, error messages, cross-project linkage, the row cap, and texts that would mean
// something else once embedded. SATRE 3.1.x (minimisation: only treated data reaches the analyst) and 3.1.12
// (preventing unauthorised egress: no file, database or setting outside the project's relations is reachable).
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_QUERY_MAX_CHARS, type Catalogue } from '../../../src/common/contract.ts';
import type { ErrorCode, ErrorValue } from '../../../src/common/errors.ts';
import { PSEUDONYM } from './fixture.ts';
import {
  catalogueOf,
  copyNames,
  exportsLeft,
  hiddenNamesOf,
  postQuery,
  pseudonymIn,
  rawIdentifierIn,
  startDemoPlatform,
  visibleNamesOf,
  type DemoPlatform,
  type Format,
  type QueryAnswer,
} from './query-support.ts';

const COVID = 'covid-outcomes';
const CARDIO = 'cardio-admissions';

let platform: DemoPlatform;
const catalogues = new Map<string, Catalogue>();
/** Names that appear in no answer unless the attack itself wrote them: engine internals, files, the copies. */
let internalNames: string[];
/** Every distinct attack text sent, to show the suite's size. */
const sent = new Set<string>();

interface Attack {
  readonly sql: string;
  readonly projectId?: string;
  readonly user?: string;
  readonly format?: Format;
}

beforeAll(async () => {
  platform = await startDemoPlatform('red-team');
  for (const projectId of [COVID, CARDIO]) catalogues.set(projectId, await catalogueOf(platform, projectId));
  internalNames = [
    'enclave_',
    'duckdb_',
    'sqlite_',
    'information_schema',
    'pg_catalog',
    'candidate',
    'LINE 1',
    'SELECT * FROM (',
    'query-exports',
    'minimised',
    'project-keys',
    '.duckdb',
    '.parquet',
    platform.root,
    ...(await copyNames(platform.dataDir)),
  ];
}, 300_000);

afterAll(async () => {
  await platform?.close();
});

/** Checks that an answer carries no raw identifier and names nothing hidden that its SQL did not name itself. */
function expectNothingHidden(answer: QueryAnswer, attack: Attack): void {
  const projectId = attack.projectId ?? COVID;
  const text = answer.body.toString('latin1');
  // A refusal is JSON text; an answer is read value by value (Arrow packs text values end to end, so its bytes hold
  // runs of digits no value holds).
  const texts =
    answer.columns === undefined
      ? [text]
      : [...answer.columns].flatMap(([name, values]) => [name, ...values.flatMap((value) => value ?? [])]);
  for (const piece of texts) {
    const found = rawIdentifierIn(piece, platform.raw);
    if (found !== null) expect.fail(`${JSON.stringify(attack.sql)} answered a raw identifier: ${found}`);
  }
  const catalogue = catalogues.get(projectId);
  const hidden = [...internalNames, ...(catalogue ? hiddenNamesOf(catalogue, Object.keys(platform.manifest.datasets)) : [])];
  const written = attack.sql.toLowerCase();
  for (const name of hidden) {
    if (written.includes(name.toLowerCase())) continue;
    expect(text.toLowerCase(), `${JSON.stringify(attack.sql)} names ${name}`).not.toContain(name.toLowerCase());
  }
  if (answer.error !== undefined && catalogue !== undefined) {
    // Every name in quotes is the analyst's own (written in their SQL) or one the project can see.
    const visible = visibleNamesOf(catalogue);
    for (const [, name] of answer.error.message.matchAll(/"([^"]+)"/g)) {
      if (!visible.has(name.toLowerCase()) && !written.includes(name.toLowerCase())) {
        expect.fail(
          `${JSON.stringify(attack.sql)}: the message names "${name}", which is neither visible nor written: ${answer.error.message}`,
        );
      }
    }
  }
}

async function send(attack: Attack): Promise<QueryAnswer> {
  sent.add(`${attack.projectId ?? COVID}:${attack.sql}`);
  const answer = await postQuery(platform, attack);
  expectNothingHidden(answer, attack);
  return answer;
}

/** Sends an attack that must be refused, and checks the refusal exactly. */
async function refused(
  attack: Attack | string,
  expected: { status?: number; code?: ErrorCode; message: RegExp | string; position?: number | null },
): Promise<ErrorValue> {
  const request = typeof attack === 'string' ? { sql: attack } : attack;
  const answer = await send(request);
  const where = JSON.stringify(request.sql);
  expect(answer.status, `${where}: ${answer.body.toString('utf8').slice(0, 300)}`).toBe(expected.status ?? 400);
  // Nothing of an answer is sent with a refusal: the body is the error and only the error.
  expect(answer.contentType, where).toMatch(/^application\/json/);
  const error = answer.error!;
  expect(error.code, where).toBe(expected.code ?? 'invalid_input');
  if (typeof expected.message === 'string') expect(error.message, where).toBe(expected.message);
  else expect(error.message, where).toMatch(expected.message);
  if (expected.position === null) expect(error.position, where).toBeUndefined();
  else if (expected.position !== undefined) expect(error.position, where).toBe(expected.position);
  return error;
}

/** Sends an attack that must be answered, and returns its columns. */
async function answered(attack: Attack | string): Promise<Map<string, Array<string | null>>> {
  const request = typeof attack === 'string' ? { sql: attack } : attack;
  const answer = await send(request);
  expect(answer.status, `${JSON.stringify(request.sql)}: ${answer.body.toString('utf8').slice(0, 300)}`).toBe(200);
  return answer.columns!;
}

function rowCountOf(projectId: string, datasetId: string): number {
  const dataset = catalogues.get(projectId)?.datasets.find((candidate) => candidate.id === datasetId);
  if (dataset === undefined) throw new Error(`${projectId} has no ${datasetId}`);
  return dataset.rowCount;
}

const relationsOf = (projectId: string): string =>
  catalogues
    .get(projectId)!
    .datasets.map((dataset) => dataset.id)
    .sort()
    .join(', ');

/** An engine-derived message, exactly but for the case of its letters and a closing full stop. */
const engineSays = (text: string): RegExp => new RegExp(`^${text.replace(/\.$/, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.?$`, 'i');

const notARelation = (name: string, projectId = COVID): string =>
  `"${name}" is not one of this project's relations. The project's relations are: ${relationsOf(projectId)}.`;

const READ_ONLY = 'Platform queries are read-only: CREATE is not available. Build tables in your local workspace instead.';
const NO_SET = "SET and RESET are not available in platform queries: the platform fixes the engine's settings, and there are no variables.";
const NO_USE = "ATTACH, DETACH and USE are not available in platform queries: a query reads only the project's relations.";
const NO_PRAGMA = "PRAGMA is not available in platform queries: it reads or changes the engine's settings and catalogue.";
const NO_COPY =
  'COPY, EXPORT and IMPORT are not available in platform queries: results come back to your workspace, where you can save them.';
const NO_EXTENSIONS = 'Extensions cannot be installed or loaded in platform queries.';
const NO_PREPARED = 'Prepared statements (PREPARE, EXECUTE) are not available in platform queries: run the SELECT itself.';
const NO_PARAMETERS = 'Parameters ($1, ?, $name) are not available in platform queries: write the values into the query.';
const NO_SHOW = "DESCRIBE, SHOW and SUMMARIZE are not available in platform queries: the catalogue lists each relation's columns.";
const NOT_A_SELECT =
  'Platform queries run one read-only SELECT, one statement at a time, and this text holds a statement that is not a SELECT.';
const TWO_STATEMENTS = 'Platform queries run one statement at a time, and this text holds 2: run them one by one.';
const NOT_AS_CHECKED = 'The query could not be run as it was checked. Write it as one SELECT, without a comment or semicolon at its end.';
const RECURSION =
  'Recursive queries (WITH RECURSIVE) are not available in platform queries: bring the rows into your workspace and run the recursion on local tables there.';
const tableFunction = (name: string): string => `${name} is not available in platform queries: only the project's relations can be read.`;
const sessionFunction = (name: string): string =>
  `${name} is not available in platform queries: it reads the engine's catalogue, settings or session, which platform queries cannot see.`;
const wholeRow = (name: string): string =>
  `${name} names a whole row, which platform queries cannot return: name the columns you need, or write ${name}.*. For a column of that name, qualify it with its table.`;
const fileRefusal = (name: string): string =>
  `${name} is not available in platform queries: files cannot be read, only the project's relations. The project's relations are: ${relationsOf(COVID)}.`;

describe('name shadowing with temporary objects', () => {
  it('refuses CREATE TEMP VIEW, TABLE and MACRO, alone or before a SELECT in the same text', async () => {
    await refused('CREATE TEMP VIEW patients AS SELECT 1 AS nhs_number', { message: READ_ONLY, position: null });
    await refused("CREATE TEMP TABLE patients AS SELECT 'shadow' AS nhs_number", { message: READ_ONLY });
    await refused('CREATE TEMP MACRO age_band(x) AS x', { message: READ_ONLY });
    await refused('CREATE OR REPLACE TEMP VIEW patients AS SELECT 1 AS x; SELECT * FROM patients', { message: READ_ONLY });
    await refused('SELECT 1; CREATE TEMP VIEW patients AS SELECT 1', { message: NOT_A_SELECT });
  });

  it('leaves nothing behind: the relations answer their own rows afterwards', async () => {
    const count = await answered('SELECT count(*) AS n FROM patients');
    expect(count.get('n')).toEqual([String(rowCountOf(COVID, 'patients'))]);
  });

  it("reads a CTE named like a relation as the analyst's own rows, and one named like a hidden dataset as what it selects", async () => {
    const shadow = await answered("WITH patients AS (SELECT 'shadow' AS nhs_number) SELECT nhs_number FROM patients");
    expect(shadow.get('nhs_number')).toEqual(['shadow']);
    // The "register" here is the project's own patients, not the opt-out register the project does not get.
    const register = await answered(
      'WITH national_opt_outs AS (SELECT nhs_number FROM patients) SELECT count(*) AS n FROM national_opt_outs',
    );
    expect(register.get('n')).toEqual([String(rowCountOf(COVID, 'patients'))]);
    const inside = await answered('WITH patients AS (SELECT * FROM patients) SELECT count(*) AS n FROM patients');
    expect(inside.get('n')).toEqual([String(rowCountOf(COVID, 'patients'))]);
  });
});

describe('search_path, USE and qualified names', () => {
  it('refuses SET search_path and USE', async () => {
    await refused("SET search_path = 'temp,main'", { message: NO_SET });
    await refused("SET schema = 'temp'", { message: NO_SET });
    await refused('USE temp', { message: NO_USE });
  });

  it("refuses a relation qualified with another catalogue or schema, and the build's temporary names", async () => {
    await refused('SELECT * FROM temp.main.enclave_pseudonyms', {
      message: `temp.main.enclave_pseudonyms is not one of this project's relations. The project's relations are: ${relationsOf(COVID)}.`,
      position: 14,
    });
    await refused('SELECT * FROM enclave_raw_patients', { message: notARelation('enclave_raw_patients'), position: 14 });
    await refused('SELECT * FROM memory.main.patients', {
      message: "memory.main.patients is not one of this project's relations: write the relation's name alone: patients.",
    });
    await refused('SELECT * FROM "cardio-admissions".main.patients', {
      message: "cardio-admissions.main.patients is not one of this project's relations: write the relation's name alone: patients.",
    });
  });
});

describe('dynamic SQL, variables and prepared statements', () => {
  it('refuses query() and query_table()', async () => {
    await refused("SELECT * FROM query('SELECT * FROM national_opt_outs')", { message: tableFunction('query'), position: 14 });
    await refused("SELECT * FROM query_table('national_opt_outs')", { message: tableFunction('query_table'), position: 14 });
  });

  it('refuses SET VARIABLE and getvariable()', async () => {
    await refused('SET VARIABLE secret = 42', { message: NO_SET });
    await refused("SELECT getvariable('secret') AS v", { message: sessionFunction('getvariable'), position: 7 });
  });

  it('refuses PREPARE, EXECUTE and parameters', async () => {
    await refused('PREPARE leak AS SELECT * FROM national_opt_outs', { message: NO_PREPARED });
    await refused('EXECUTE leak', { message: NO_PREPARED });
    await refused('SELECT $1', { message: NO_PARAMETERS });
    await refused('SELECT nhs_number FROM patients WHERE sex = ?', { message: NO_PARAMETERS });
  });
});

describe("the engine's settings, databases, files and extensions", () => {
  it('refuses PRAGMA, SET, RESET and CALL', async () => {
    await refused('PRAGMA database_list', { message: NO_PRAGMA });
    await refused('-- a comment first\nPRAGMA show_tables', { message: NO_PRAGMA });
    await refused('SET enable_external_access = true', { message: NO_SET });
    await refused('RESET lock_configuration', { message: NO_SET });
    await refused('CALL pragma_version()', {
      message: "CALL is not available in platform queries: only the project's relations can be read.",
    });
  });

  it('refuses ATTACH and DETACH', async () => {
    await refused({ sql: `ATTACH '${platform.dataDir}/metadata.sqlite' AS meta (TYPE sqlite)` }, { message: NO_USE });
    await refused('DETACH DATABASE meta', { message: NO_USE });
  });

  it('refuses COPY TO, COPY FROM and EXPORT DATABASE', async () => {
    await refused("COPY patients TO '/tmp/enclave-red-team-leak.csv'", { message: NO_COPY });
    await refused("COPY patients FROM '/etc/passwd'", { message: NO_COPY });
    await refused("EXPORT DATABASE '/tmp/enclave-red-team-export'", { message: NO_COPY });
    expect(existsSync('/tmp/enclave-red-team-leak.csv')).toBe(false);
    expect(existsSync('/tmp/enclave-red-team-export')).toBe(false);
  });

  it('refuses INSTALL and LOAD', async () => {
    await refused('INSTALL httpfs', { message: NO_EXTENSIONS });
    await refused('LOAD sqlite_scanner', { message: NO_EXTENSIONS });
  });

  it('refuses file readers, globs, replacement scans and the raw datasets by path', async () => {
    const raw = `${platform.dataDir}/datasets/national_opt_outs.parquet`;
    await refused("SELECT * FROM read_csv('/etc/passwd')", { message: tableFunction('read_csv'), position: 14 });
    await refused(`SELECT * FROM read_parquet('${platform.dataDir}/datasets/patients.parquet')`, {
      message: tableFunction('read_parquet'),
    });
    await refused(`SELECT * FROM glob('${platform.dataDir}/datasets/*')`, { message: tableFunction('glob') });
    await refused(`SELECT * FROM '${raw}'`, { message: fileRefusal(raw), position: 14 });
    await refused("SELECT * FROM 'file.csv'", { message: fileRefusal('file.csv') });
    await refused("SELECT * FROM read_text('/etc/passwd')", { message: tableFunction('read_text') });
    await refused("SELECT * FROM read_blob('/etc/passwd')", { message: tableFunction('read_blob') });
    await refused(`SELECT * FROM parquet_metadata('${raw}')`, { message: tableFunction('parquet_metadata') });
    await refused("SELECT getenv('HOME') AS home", {
      message: 'getenv is not one of the functions platform queries may call.',
      position: 7,
    });
  });
});

describe('catalogue and statistics functions', () => {
  it("refuses every table function that reads the engine's catalogue, storage or settings", async () => {
    for (const fn of ['duckdb_tables', 'duckdb_columns', 'duckdb_views', 'duckdb_settings', 'duckdb_databases']) {
      await refused(`SELECT * FROM ${fn}()`, { message: tableFunction(fn), position: 14 });
    }
    await refused("SELECT sql FROM duckdb_views() WHERE view_name = 'patients'", { message: tableFunction('duckdb_views'), position: 16 });
    await refused("SELECT * FROM pragma_table_info('patients')", { message: tableFunction('pragma_table_info') });
    await refused("SELECT * FROM pragma_storage_info('patients')", { message: tableFunction('pragma_storage_info') });
  });

  it("refuses the catalogue's views and scalar functions, also inside a subquery or a lambda", async () => {
    await refused('SELECT * FROM sqlite_master', { message: notARelation('sqlite_master'), position: 14 });
    await refused('SELECT * FROM duckdb_tables', { message: notARelation('duckdb_tables') });
    await refused('SELECT * FROM information_schema.tables', {
      message: `information_schema.tables is not one of this project's relations. The project's relations are: ${relationsOf(COVID)}.`,
    });
    await refused('SELECT column_name FROM information_schema.columns', {
      message: /^information_schema\.columns is not one of this project's relations\./,
    });
    await refused("SELECT current_setting('allowed_directories') AS d", { message: sessionFunction('current_setting'), position: 7 });
    await refused('SELECT current_database() AS d', { message: sessionFunction('current_database') });
    await refused('SELECT current_user', {
      message:
        "current_user reads the engine's session, which platform queries cannot see. For a column of that name, qualify it with its table (t.current_user).",
    });
    const nested = 'SELECT 1 AS one WHERE EXISTS (FROM duckdb_settings())';
    await refused(nested, { message: tableFunction('duckdb_settings'), position: nested.indexOf('duckdb_settings') });
    await refused('SELECT list_transform([1], x -> (SELECT count(*) FROM duckdb_tables())) AS n', {
      message: tableFunction('duckdb_tables'),
      position: 54,
    });
  });

  it('refuses EXPLAIN, EXPLAIN ANALYZE, DESCRIBE, SHOW and SUMMARIZE', async () => {
    await refused('EXPLAIN SELECT * FROM patients', { message: 'EXPLAIN is not available in platform queries.' });
    await refused('EXPLAIN ANALYZE SELECT * FROM patients', { message: 'EXPLAIN is not available in platform queries.' });
    await refused('DESCRIBE patients', { message: NO_SHOW, position: 0 });
    await refused('SUMMARIZE patients', { message: NO_SHOW, position: 0 });
    await refused('SHOW ALL TABLES', { message: NO_SHOW });
    await refused('SELECT * FROM (DESCRIBE patients)', { message: NO_SHOW });
  });
});

describe('whole-row references', () => {
  it('refuses a table or alias used as a value', async () => {
    await refused('SELECT p FROM patients p', { message: wholeRow('p'), position: 7 });
    await refused('SELECT patients FROM patients', { message: wholeRow('patients'), position: 7 });
    await refused('SELECT (p).nhs_number FROM patients p', { message: wholeRow('p') });
  });

  it('answers p.* and COLUMNS(*) with treated values only', async () => {
    const visible = catalogues
      .get(COVID)!
      .datasets.find((dataset) => dataset.id === 'patients')!
      .fields.filter((field) => field.available)
      .map((field) => field.name);
    for (const sql of ['SELECT p.* FROM patients p', 'SELECT COLUMNS(*) FROM patients']) {
      const rows = await answered(sql);
      expect([...rows.keys()]).toEqual(visible);
      expect(rows.has('postcode')).toBe(false);
      for (const value of rows.get('nhs_number')!) expect(value).toMatch(PSEUDONYM);
      for (const value of rows.get('date_of_birth')!) expect(value).toMatch(/^(\d{1,2}-\d{1,2}|90\+)$/);
      for (const value of rows.get('lsoa_code')!) expect(value).not.toMatch(/^E01/);
    }
  });
});

describe('several statements and comment tricks', () => {
  const patients = (): string => String(rowCountOf(COVID, 'patients'));

  it('refuses two statements, however the second is hidden', async () => {
    await refused('SELECT 1; SELECT 2', { message: TWO_STATEMENTS, position: 10 });
    await refused('SELECT count(*) FROM patients; SELECT * FROM national_opt_outs', { message: TWO_STATEMENTS, position: 31 });
    // DuckDB ends a -- comment at a carriage return too: what follows is a statement.
    await refused('SELECT count(*) FROM patients -- c\r; SELECT 1', { message: TWO_STATEMENTS, position: 37 });
    await refused('SELECT 1 -- comment\r; DROP TABLE patients', { message: NOT_A_SELECT });
    await refused('SELECT count(*) FROM patients /* a /* b */ */ ; SELECT * FROM duckdb_settings()', {
      message: TWO_STATEMENTS,
      position: 48,
    });
    await refused('/* SELECT 1 */ SET threads = 1', { message: NO_SET });
  });

  it('refuses a SELECT followed by only a comment after its semicolon, rather than run something else', async () => {
    await refused('SELECT count(*) FROM patients; -- trailing comment', { message: NOT_AS_CHECKED });
    await refused('SELECT count(*) FROM patients;\n/* x */', { message: NOT_AS_CHECKED });
  });

  it('answers what the parser read: nested comments close where DuckDB closes them, and -- ends at \\r', async () => {
    const nested = await answered('SELECT count(*) AS n FROM patients /* a /* b */ ; SELECT * FROM national_opt_outs */');
    expect(nested.get('n')).toEqual([patients()]);
    const carriage = await answered('SELECT 1 AS one -- x\rFROM patients');
    expect(carriage.get('one')).toEqual(Array.from({ length: rowCountOf(COVID, 'patients') }, () => '1'));
  });

  it('refuses recursive CTEs, and a CTE that reads itself', async () => {
    await refused('WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r', {
      message: RECURSION,
      position: 5,
    });
    await refused('WITH r AS (SELECT * FROM r) SELECT * FROM r', { message: notARelation('r'), position: 25 });
  });
});

describe('a checked text cannot run as something else once embedded', () => {
  /** The answer is the correct rows (those of `same`) or a clean refusal; never anything else. */
  async function cleanOrCorrect(sql: string, same: string): Promise<void> {
    const answer = await send({ sql });
    if (answer.status === 200) {
      const correct = await send({ sql: same });
      expect(answer.columns, JSON.stringify(sql)).toEqual(correct.columns);
      return;
    }
    expect(answer.status, JSON.stringify(sql)).toBe(400);
    expect(answer.error?.code).toBe('invalid_input');
    expect(answer.error?.message).toMatch(/^(Syntax error: |The query could not be run as it was checked|Platform queries run one)/);
  }

  it('a trailing --, an unclosed /*, a ; then text, a closing parenthesis, a NUL', async () => {
    const count = 'SELECT count(*) AS n FROM patients';
    await cleanOrCorrect(`${count} --`, count);
    await cleanOrCorrect(`${count}\n--`, count);
    await cleanOrCorrect(`${count} -- \\`, count);
    await cleanOrCorrect(`${count} /*`, count);
    await cleanOrCorrect(`${count}; /*`, count);
    await cleanOrCorrect(`${count}; garbage`, count);
    await cleanOrCorrect(`${count};;  \n`, count);
    await cleanOrCorrect(`${count}) AS enclave_result, (SELECT nhs_number FROM patients`, count);
    await cleanOrCorrect(`${count}) UNION ALL (SELECT count(*) FROM national_opt_outs`, count);
    await cleanOrCorrect(`${count}\u0000) UNION ALL (SELECT 1`, count);
    await cleanOrCorrect(`${count}\u0000; DROP TABLE patients`, count);
    await cleanOrCorrect("SELECT 'a;' AS x ;;", "SELECT 'a;' AS x");
  });

  it('answers the exact refusals for the plain cases', async () => {
    await refused('SELECT count(*) FROM patients /*', { message: /^Syntax error: .*unterminated \/\* comment/i, position: 30 });
    await refused('SELECT count(*) FROM patients; garbage', { message: /^Syntax error: [^"]*"garbage"\.?$/i, position: 31 });
    const error = await refused('SELECT count(*) FROM patients) AS enclave_result, (SELECT nhs_number FROM patients', {
      message: /^Syntax error: [^"]*"\)"\.?$/i,
      position: 29,
    });
    expect(error.message).not.toContain('enclave_result');
  });
});

describe('inference through WHERE on treated columns', () => {
  /** A patient the project sees, with their raw values and their pseudonym in the project. */
  async function aVisiblePatient(): Promise<{ nhsNumber: string; dateOfBirth: string; pseudonym: string; band: string }> {
    const visible = await answered('SELECT nhs_number, date_of_birth FROM patients ORDER BY nhs_number');
    const bands = new Map(visible.get('nhs_number')!.map((pseudonym, i) => [pseudonym, visible.get('date_of_birth')![i]!]));
    for (const row of await platform.raw.rows(
      'patients',
      'SELECT CAST(nhs_number AS VARCHAR) AS nhs, CAST(date_of_birth AS VARCHAR) AS dob FROM raw',
    )) {
      const pseudonym = await pseudonymIn(platform, COVID, row.nhs!);
      const band = bands.get(pseudonym);
      if (band !== undefined) return { nhsNumber: row.nhs!, dateOfBirth: row.dob!, pseudonym, band };
    }
    throw new Error('no raw patient is visible to covid-outcomes');
  }

  it("matches nothing with a person's exact date of birth, its year, or their NHS number; their band and pseudonym match", async () => {
    const person = await aVisiblePatient();
    const count = async (where: string): Promise<number> =>
      Number((await answered(`SELECT count(*) AS n FROM patients WHERE ${where}`)).get('n')![0]);
    expect(await count(`date_of_birth = '${person.dateOfBirth}'`)).toBe(0);
    expect(await count(`date_of_birth LIKE '${person.dateOfBirth.slice(0, 4)}%'`)).toBe(0);
    expect(await count(`date_of_birth LIKE '%${person.dateOfBirth.slice(5)}'`)).toBe(0);
    expect(await count(`nhs_number = '${person.nhsNumber}'`)).toBe(0);
    expect(await count(`nhs_number = '${person.pseudonym}'`)).toBe(1);
    expect(await count(`date_of_birth = '${person.band}'`)).toBeGreaterThanOrEqual(1);
  });

  it('compares event dates at their resolution: a full specimen date matches nothing, its month matches', async () => {
    const [test] = await platform.raw.rows(
      'covid_tests',
      "SELECT CAST(specimen_date AS VARCHAR) AS d FROM raw WHERE result = 'positive' AND specimen_date >= DATE '2020-03-01' LIMIT 1",
    );
    const count = async (where: string): Promise<number> =>
      Number((await answered(`SELECT count(*) AS n FROM covid_tests WHERE ${where}`)).get('n')![0]);
    expect(await count(`specimen_date = '${test.d}'`)).toBe(0);
    expect(await count(`specimen_date = '${test.d!.slice(0, 7)}'`)).toBeGreaterThanOrEqual(1);
    const small = await answered("SELECT count(*) AS n FROM patients WHERE lsoa_code LIKE 'E01%' OR lsoa_code LIKE 'W01%'");
    expect(small.get('n')).toEqual(['0']);
  });

  it("refuses a filter or an order on a dropped field, naming only the analyst's own identifier and visible columns", async () => {
    const hint =
      /^Binder error: column "postcode" was not found in the FROM clause\.( Did you mean "[a-z_]+"(, "[a-z_]+")*( or "[a-z_]+")?\?)?$/i;
    await refused("SELECT count(*) FROM patients WHERE postcode LIKE 'LS%'", { message: hint, position: 36 });
    await refused('SELECT count(*) FROM patients ORDER BY postcode', { message: hint, position: 39 });
    await refused("SELECT count(*) FROM patients WHERE practice_code = 'M83047'", {
      message: /^Binder error: column "practice_code" was not found in the FROM clause\./i,
    });
    await refused(
      { sql: 'SELECT ethnicity FROM patients', projectId: CARDIO },
      { message: /^Binder error: column "ethnicity" was not found in the FROM clause\./i },
    );
    await refused(
      { sql: 'SELECT secondary_diagnosis FROM hospital_episodes', projectId: CARDIO },
      {
        message: /^Binder error: column "secondary_diagnosis" was not found in the FROM clause\./i,
      },
    );
  });
});

describe('error-message probing', () => {
  it('says a value could not be converted, never which value', async () => {
    const error = await refused('SELECT CAST(nhs_number AS INTEGER) AS n FROM patients', {
      message: engineSays(
        'Conversion error: A value of column "nhs_number" could not be converted to INT32. TRY_CAST gives NULL instead of failing.',
      ),
      position: 7,
    });
    expect(error.message).not.toMatch(/P[BCDFGHJKLMNPQRST]{20}/);
    await refused('SELECT nhs_number::DECIMAL(4,1) AS n FROM patients', {
      message: engineSays(
        'Conversion error: A value of column "nhs_number" could not be converted to DECIMAL(4,1). TRY_CAST gives NULL instead of failing.',
      ),
    });
    await refused('SELECT CAST(date_of_birth AS DATE) AS d FROM patients', {
      message: engineSays(
        'Conversion error: A value of column "date_of_birth" is not a valid date. TRY_CAST gives NULL instead of failing.',
      ),
    });
    await refused("SELECT strptime(nhs_number, '%Y') AS d FROM patients", {
      message: engineSays(
        'Invalid input error: A value does not match the format given to strptime; try_strptime gives NULL instead of failing.',
      ),
    });
    await refused('SELECT error(nhs_number) FROM patients', {
      message: 'error() is not available in platform queries: return NULL with a CASE expression instead.',
    });
  });

  it('hints at a wrong column with visible columns only', async () => {
    await refused('SELECT nhs_numbr FROM patients', {
      message: /^Binder error: column "nhs_numbr" was not found in the FROM clause\. Did you mean "nhs_number"/i,
      position: 7,
    });
    await refused('SELECT p.postcode FROM patients p', { message: /^Binder error: "p" has no column "postcode"\./i });
    await refused('SELECT x.nhs_number FROM patients p', {
      message: engineSays('Binder error: Table or alias "x" is not in the FROM clause. The FROM clause has "p".'),
    });
    await refused('SELECT * EXCLUDE (postcode) FROM patients', {
      message: engineSays('Binder error: a name or expression in the query could not be resolved.'),
    });
  });

  it('names no duckdb_* object or raw name for a wrong table or function', async () => {
    await refused('SELECT * FROM patiens', { message: notARelation('patiens'), position: 14 });
    await refused('SELECT * FROM duckdb_table', { message: notARelation('duckdb_table') });
    await refused('SELECT * FROM patients_raw', { message: notARelation('patients_raw') });
    await refused('SELECT duckdb_tabl() AS t', { message: sessionFunction('duckdb_tabl') });
    await refused('SELECT lowr(sex) AS s FROM patients', {
      message: 'lowr is not one of the functions platform queries may call.',
      position: 7,
    });
    await refused('SELECT sex COLLATE nosuch FROM patients', { message: engineSays('Catalog error: Collation "nosuch" does not exist.') });
  });
});

describe('cross-project pseudonym linkage', () => {
  it('gives the same people different pseudonyms in covid-outcomes and cardio-admissions: the two answers share none', async () => {
    const covid = await answered({ sql: 'SELECT DISTINCT nhs_number FROM patients', projectId: COVID });
    const cardio = await answered({ sql: 'SELECT DISTINCT nhs_number FROM patients', projectId: CARDIO });
    const covidSet = new Set(covid.get('nhs_number'));
    const cardioList = cardio.get('nhs_number')!;
    expect(covidSet.size).toBe(rowCountOf(COVID, 'patients'));
    expect(cardioList.filter((pseudonym) => covidSet.has(pseudonym))).toEqual([]);
    // The same people are in both answers (so the test means something): under each project's key.
    let shared = 0;
    for (const row of await platform.raw.rows('patients', 'SELECT CAST(nhs_number AS VARCHAR) AS nhs FROM raw')) {
      const inCovid = covidSet.has(await pseudonymIn(platform, COVID, row.nhs!));
      const inCardio = cardioList.includes(await pseudonymIn(platform, CARDIO, row.nhs!));
      if (inCovid && inCardio) shared += 1;
    }
    expect(shared).toBeGreaterThan(0);
    const episodes = await answered({ sql: 'SELECT DISTINCT nhs_number FROM hospital_episodes', projectId: CARDIO });
    expect(episodes.get('nhs_number')!.filter((pseudonym) => covidSet.has(pseudonym))).toEqual([]);
  });

  // The analyst is a member of both projects. Per-project pseudonyms mean nothing if a record identifier that both
  // projects receive as recorded joins the two answers: each shared episode_id pairs a covid-outcomes pseudonym
  // with the same person's cardio-admissions pseudonym (and their two age bands, at two reference dates, then narrow
  // the date of birth to a year).
  it('cannot link one person across the two projects through a record identifier both get (episode_id)', async () => {
    const sql = 'SELECT episode_id, nhs_number FROM hospital_episodes';
    const covid = await answered({ sql, projectId: COVID });
    const cardio = await answered({ sql, projectId: CARDIO });
    const cardioPerson = new Map(cardio.get('episode_id')!.map((id, i) => [id, cardio.get('nhs_number')![i]]));
    const linked = new Set<string>();
    covid.get('episode_id')!.forEach((id, i) => {
      if (cardioPerson.has(id)) linked.add(`${covid.get('nhs_number')![i]} (covid-outcomes) = ${cardioPerson.get(id)} (cardio-admissions)`);
    });
    expect(linked.size, `people linked across the projects by episode_id, e.g. ${[...linked].slice(0, 3).join('; ')}`).toBe(0);
  });

  it("cannot reach another project's relations from a query", async () => {
    await refused('SELECT * FROM cardio_admissions.patients', {
      message: "cardio_admissions.patients is not one of this project's relations: write the relation's name alone: patients.",
    });
    await refused('SELECT * FROM cardio_admissions.hospital_episodes h JOIN cardio_admissions.main.patients p USING (nhs_number)', {
      message: /^cardio_admissions\.hospital_episodes is not one of this project's relations/,
    });
  });
});

describe('limits and access', () => {
  it("refuses an answer past the agreement's row cap in either format, and sends none of it", async () => {
    const sql = 'SELECT a.test_id FROM covid_tests a, covid_tests b';
    expect(rowCountOf(COVID, 'covid_tests') ** 2).toBeGreaterThan(5_000_000);
    for (const format of ['arrow', 'parquet'] as const) {
      await refused(
        { sql, format },
        {
          message:
            "The result has more than 5,000,000 rows, the most this project's agreement allows in one answer. Filter or aggregate on the platform.",
        },
      );
    }
    expect(await exportsLeft(platform.dataDir)).toEqual([]);
  });

  it('refuses a query longer than PLATFORM_QUERY_MAX_CHARS, echoing none of it', async () => {
    const sql = `SELECT 1 AS one /*${'x'.repeat(PLATFORM_QUERY_MAX_CHARS)}*/`;
    const error = await refused(sql, { message: /100,000 characters/ });
    expect(error.message.length).toBeLessThan(300);
  });

  it('answers 404 for a project the analyst is not a member of, exactly as for one that does not exist', async () => {
    const notMember = { status: 404, code: 'not_found' as const, message: 'There is no such project, or you are not a member of it.' };
    await refused({ sql: 'SELECT * FROM national_opt_outs', projectId: 'opt-out-monitoring' }, notMember);
    await refused({ sql: 'SELECT * FROM patients', projectId: 'no-such-project' }, notMember);
  });

  it('refuses roles other than analyst, even for a member of the project', async () => {
    const forbidden = { status: 403, code: 'forbidden' as const, message: 'Your role does not allow this.' };
    await refused({ sql: 'SELECT * FROM patients', projectId: CARDIO, user: 'demo-checker-1' }, forbidden);
    await refused({ sql: 'SELECT * FROM national_opt_outs', projectId: 'opt-out-monitoring', user: 'demo-admin' }, forbidden);
  });

  it('refuses a relation the project does not get: the opt-out register, and raw datasets outside the agreement', async () => {
    await refused('SELECT * FROM national_opt_outs', { message: notARelation('national_opt_outs'), position: 14 });
    await refused({ sql: 'SELECT * FROM covid_tests', projectId: CARDIO }, { message: notARelation('covid_tests', CARDIO), position: 14 });
    await refused(
      { sql: 'SELECT count(*) FROM shielded_patients', projectId: CARDIO },
      { message: notARelation('shielded_patients', CARDIO) },
    );
  });
});

describe('the suite', () => {
  it('sent at least 35 distinct attack queries', () => {
    expect(sent.size).toBeGreaterThanOrEqual(35);
  });
});
