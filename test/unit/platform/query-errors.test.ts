// Engine errors as an analyst sees them, from real messages: each is produced by running bad SQL on an in-memory
// DuckDB that also holds things the project must not see (a raw table, a hidden column, a view over raw data, data
// values that look like nothing else), and the sanitised message is checked for what it says and for what it must
// never say. SATRE 3.2.03 (a user reaches only the data their work needs): errors are no side door to data or names.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeSyntaxError,
  indexOfCodePointOffset,
  indexOfUtf8Offset,
  namesWrittenIn,
  sanitisedQueryError,
} from '../../../src/platform/query/query-errors.ts';

/** What the project sees: its relations and their columns (patients.postcode is in the database but hidden). */
const VISIBLE: ReadonlySet<string> = new Set([
  'patients',
  'covid_tests',
  'deaths',
  'nhs_number',
  'sex',
  'age_band',
  'date_of_death',
  'specimen_date',
  'result',
  'n',
  'x',
]);

/** Data values and names that must never reach an analyst through an error. */
const NEVER_SHOWN = ['pX7f3a9', 'zz-secret', '2147483600', 'SW1A 1AA', 'postcode', 'raw_source', 'secret_col', '"duckdb_tables"', '/srv/'];

let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  await connection.run(`
    CREATE TABLE patients (nhs_number VARCHAR, sex VARCHAR, age_band VARCHAR, date_of_death VARCHAR, postcode VARCHAR);
    CREATE TABLE covid_tests (nhs_number VARCHAR, specimen_date VARCHAR, result VARCHAR, n INTEGER);
    INSERT INTO patients VALUES ('pX7f3a9', 'F', 'zz-secret', '2020-13', 'SW1A 1AA');
    INSERT INTO covid_tests VALUES ('pX7f3a9', 'zz-secret', '(zz-secret', 2147483600);
    CREATE TABLE raw_source (secret_col VARCHAR);
    INSERT INTO raw_source VALUES ('zz-secret');
    CREATE VIEW deaths AS SELECT CAST(secret_col AS INTEGER) AS x FROM raw_source;
  `);
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

/** The engine's own message for `sql`: the test fails if the query runs. */
async function engineMessage(sql: string, on: DuckDBConnection = connection): Promise<string> {
  try {
    await on.runAndReadAll(sql);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`The query ran: ${sql}`);
}

/** The message and position an analyst is shown for `sql`, checked for nothing hidden. */
async function shown(sql: string): Promise<{ engine: string; message: string; position?: number }> {
  const engine = await engineMessage(sql);
  const sanitised = sanitisedQueryError(engine, { sqlText: sql, visibleNames: VISIBLE });
  for (const secret of NEVER_SHOWN) expect(sanitised.message).not.toContain(secret);
  expect(sanitised.message).not.toMatch(/\n|LINE \d/);
  return { engine, ...sanitised };
}

const at = (sql: string, fragment: string): number => sql.indexOf(fragment);

describe('names: the analyst’s own and the project’s, never a hidden one', () => {
  it('names the unknown column the analyst wrote, and never offers a hidden one', async () => {
    const sql = 'SELECT postcod FROM patients';
    const { engine, message, position } = await shown(sql);
    expect(engine).toContain('"postcode"');
    expect(message).toBe('Binder error: column "postcod" was not found in the FROM clause.');
    expect(position).toBe(at(sql, 'postcod'));
  });

  it('offers a visible candidate', async () => {
    expect((await shown('SELECT nhs_numbr FROM patients')).message).toBe(
      'Binder error: column "nhs_numbr" was not found in the FROM clause. Did you mean "nhs_number"?',
    );
  });

  it('keeps a qualified candidate when its qualifier is the analyst’s alias', async () => {
    const sql = 'SELECT p.sexx FROM patients p';
    const { message, position } = await shown(sql);
    expect(message).toBe('Binder error: "p" has no column "sexx". Did you mean "sex"?');
    expect(position).toBe(at(sql, 'p.sexx'));
  });

  it('drops a "did you mean" that names a system view', async () => {
    const sql = 'SELECT * FROM duckdb_table';
    const { engine, message, position } = await shown(sql);
    expect(engine).toContain('Did you mean "duckdb_tables"?');
    expect(message).toBe('Catalog error: table "duckdb_table" is not one of this project\'s relations.');
    expect(position).toBe(at(sql, 'duckdb_table'));
  });

  it('drops a "did you mean" that names a raw table, and keeps one that names a project relation', async () => {
    const raw = await shown('SELECT * FROM raw_sourc');
    expect(raw.engine).toContain('"raw_source"');
    expect(raw.message).toBe('Catalog error: table "raw_sourc" is not one of this project\'s relations.');
    const own = await shown('SELECT * FROM patient');
    expect(own.message).toBe('Catalog error: table "patient" is not one of this project\'s relations. Did you mean "patients"?');
  });

  it('offers an allowed function for a misspelt one, and never an engine function', async () => {
    expect((await shown('SELECT lowr(sex) FROM patients')).message).toBe(
      'Catalog error: function "lowr" does not exist. Did you mean "lower"?',
    );
    const setting = await shown("SELECT current_settin('threads')");
    expect(setting.engine).toContain('"current_setting"');
    expect(setting.message).toBe('Catalog error: function "current_settin" does not exist.');
  });

  it('names the alias the analyst wrote and those the FROM clause has', async () => {
    const sql = 'SELECT q.sex FROM patients p';
    expect((await shown(sql)).message).toBe('Binder error: table or alias "q" is not in the FROM clause. The FROM clause has "p".');
  });

  it('says a column is ambiguous without repeating the engine’s list', async () => {
    const sql = 'SELECT nhs_number FROM patients p JOIN covid_tests c ON p.nhs_number = c.nhs_number';
    const { message, position } = await shown(sql);
    expect(message).toMatch(/^Binder error: column "nhs_number" is in more than one table of the FROM clause/);
    expect(position).toBe(at(sql, 'nhs_number'));
  });

  it('asks for a GROUP BY', async () => {
    const { message } = await shown('SELECT sex, count(*) FROM patients');
    expect(message).toMatch(/^Binder error: column "sex" must appear in the GROUP BY clause/);
  });

  it('keeps argument types but not a struct type that spells out names', async () => {
    expect((await shown('SELECT lower(1) FROM patients')).message).toBe(
      'Binder error: lower does not accept arguments of these types (INTEGER_LITERAL): you might need to add explicit casts.',
    );
    const struct = await shown('SELECT r % 7 FROM patients r');
    expect(struct.engine).toContain('STRUCT(');
    expect(struct.message).toBe('Binder error: % does not accept arguments of these types: you might need to add explicit casts.');
  });

  it('does not name a hidden source column behind a view, nor quote its value', async () => {
    const { engine, message } = await shown('SELECT x FROM deaths');
    expect(engine).toContain("'zz-secret'");
    expect(engine).toContain('secret_col');
    expect(message).toBe('Conversion error: a value could not be converted to INT32. TRY_CAST gives NULL instead of failing.');
  });

  it('passes on messages that hold no name and no value as DuckDB writes them', async () => {
    expect((await shown('SELECT sum(count(*)) FROM patients')).message).toBe('Binder error: aggregate function calls cannot be nested.');
    const sql = 'SELECT * FROM patients WHERE count(*) > 1';
    const where = await shown(sql);
    expect(where.message).toBe('Binder error: WHERE clause cannot contain aggregates!');
    expect(where.position).toBe(at(sql, 'count'));
    expect((await shown('SELECT 1 FROM patients GROUP BY 3')).message).toBe(
      'Binder error: GROUP BY term out of range - should be between 1 and 1.',
    );
  });
});

describe('values: a description, never the value', () => {
  it('describes a failed conversion of a data value, naming the visible column', async () => {
    const sql = 'SELECT age_band::INTEGER FROM patients';
    const { engine, message, position } = await shown(sql);
    expect(engine).toContain("'zz-secret'");
    expect(message).toBe(
      'Conversion error: a value of column "age_band" could not be converted to INT32. TRY_CAST gives NULL instead of failing.',
    );
    expect(position).toBe(at(sql, '::INTEGER'));
  });

  it('describes a comparison that converts a data value', async () => {
    const sql = 'SELECT * FROM patients WHERE nhs_number = 1';
    const { engine, message, position } = await shown(sql);
    expect(engine).toContain("'pX7f3a9'");
    expect(message).toMatch(/^Conversion error: a value of column "nhs_number" could not be converted to INT32/);
    expect(position).toBe(at(sql, 'nhs_number ='));
  });

  it('describes a value that is not a date or a timestamp', async () => {
    const date = await shown('SELECT CAST(date_of_death AS DATE) FROM patients');
    expect(date.engine).toContain('"2020-13"');
    expect(date.message).toBe(
      'Conversion error: a value of column "date_of_death" is not a valid date. TRY_CAST gives NULL instead of failing.',
    );
    const timestamp = await shown('SELECT CAST(date_of_death AS TIMESTAMP) FROM patients');
    expect(timestamp.message).toMatch(/is not a valid timestamp/);
    expect(timestamp.message).not.toContain('2020-13');
  });

  it('describes a value out of range for its type', async () => {
    const { engine, message } = await shown('SELECT n::SMALLINT FROM covid_tests');
    expect(engine).toContain('2147483600');
    expect(message).toBe('Conversion error: a value of type INT32 in column "n" is out of range for INT16.');
  });

  it('describes an overflow without its operands', async () => {
    const { engine, message } = await shown('SELECT n + 100 FROM covid_tests');
    expect(engine).toContain('(2147483600 + 100)');
    expect(message).toBe(
      'Out of range error: the addition of INT32 values overflowed: cast to a wider type (BIGINT, HUGEINT or DOUBLE) first.',
    );
  });

  it('describes a value strptime cannot parse', async () => {
    const { engine, message } = await shown("SELECT strptime(specimen_date, '%Y-%m') FROM covid_tests");
    expect(engine).toContain('zz-secret');
    expect(message).toBe(
      'Invalid input error: a value does not match the format given to strptime; try_strptime gives NULL instead of failing.',
    );
  });

  it('falls back to its kind for a message it does not know, such as a regular expression built from data', async () => {
    const { engine, message } = await shown("SELECT regexp_matches('a', result) FROM covid_tests");
    expect(engine).toContain('zz-secret');
    expect(message).toBe('Invalid input error: a function was given a value it cannot use.');
  });

  it('drops an unknown date part the analyst wrote as a literal', async () => {
    const { message } = await shown("SELECT date_diff('fortnight', DATE '2020-01-01', DATE '2020-02-01')");
    expect(message).toMatch(/^Conversion error: a date part given to a date function is not one DuckDB knows/);
    expect(message).not.toContain('fortnight');
  });

  it('passes on a fixed range message', async () => {
    expect((await shown('SELECT ln(0)')).message).toBe('Out of range error: cannot take logarithm of zero.');
  });
});

describe('the engine’s own troubles: never a path, a setting or a stack', () => {
  it('hides the path of a file it could not find', async () => {
    const { engine, message } = await shown("SELECT * FROM read_csv('/srv/enclave/raw/patients.csv')");
    expect(engine).toContain('/srv/enclave/raw/patients.csv');
    expect(message).toBe('Query error: the query tried to use something platform queries cannot use.');
  });

  it('hides the path of a file it may not open', async () => {
    const locked = await instance.connect();
    await locked.run('SET enable_external_access = false');
    const sql = "SELECT * FROM '/srv/enclave/raw/patients.parquet'";
    const engine = await engineMessage(sql, locked);
    locked.closeSync();
    expect(engine).toMatch(/^Permission Error: .*\/srv\/enclave/);
    expect(sanitisedQueryError(engine, { sqlText: sql, visibleNames: VISIBLE }).message).toBe(
      'Query error: the query tried to use something platform queries cannot use.',
    );
  });

  it('says a cancelled query was cancelled', async () => {
    const pending = await connection.start('SELECT count(*) FROM range(1000000000000) WHERE range % 7 = 3');
    pending.runTask();
    connection.interrupt();
    const engine = await pending.getResult().then(
      () => 'finished',
      (err: unknown) => (err as Error).message,
    );
    expect(engine).toBe('INTERRUPT Error: Interrupted!');
    expect(sanitisedQueryError(engine, { sqlText: '', visibleNames: VISIBLE }).message).toBe(
      'Cancelled: the query was stopped before it finished.',
    );
  });

  it('says a query ran out of memory without the engine’s advice on its settings', async () => {
    const small = await DuckDBInstance.create(':memory:', { memory_limit: '1MB', temp_directory: '' });
    const tight = await small.connect();
    const engine = await engineMessage('SELECT list(range) FROM range(10000000)', tight);
    tight.closeSync();
    small.closeSync();
    expect(engine).toMatch(/^Out of Memory Error: .*SET memory_limit/s);
    const { message } = sanitisedQueryError(engine, { sqlText: '', visibleNames: VISIBLE });
    expect(message).toBe('Out of memory: the query needed more memory than the platform allows. Filter or aggregate before joining.');
  });
});

describe('positions', () => {
  it('reads the caret of a later line', async () => {
    const sql = 'SELECT sex\nFROM patients\nWHERE nosuch = 1';
    expect((await shown(sql)).position).toBe(at(sql, 'nosuch'));
  });

  it('reads the caret of a long line DuckDB shortens to a window', async () => {
    const columns = Array.from({ length: 20 }, (_, i) => `sex AS a${i}`).join(', ');
    const sql = `SELECT ${columns}, nosuch, ${columns} FROM patients`;
    const { engine, position } = await shown(sql);
    expect(engine).toMatch(/LINE 1: \.\.\./);
    expect(position).toBe(at(sql, 'nosuch'));
  });

  it('counts accents and emoji before the fault as JavaScript does', async () => {
    const sql = "SELECT 'é😀', nosuch FROM patients";
    expect((await shown(sql)).position).toBe(at(sql, 'nosuch'));
  });

  it('gives no position when the LINE DuckDB shows is not the analyst’s text', () => {
    const engine =
      'Binder Error: Referenced column "x" not found in FROM clause!\n\nLINE 1: SELECT secret_col FROM raw_source\n               ^';
    const sanitised = sanitisedQueryError(engine, { sqlText: 'SELECT x FROM deaths', visibleNames: VISIBLE });
    expect(sanitised.position).toBeUndefined();
    expect(sanitised.message).not.toContain('raw_source');
  });

  it('converts DuckDB’s byte offsets and code-point offsets to string indexes', () => {
    const text = "SELECT 'é😀', x";
    expect(indexOfUtf8Offset(text, Buffer.byteLength("SELECT 'é😀', "))).toBe(text.indexOf('x'));
    expect(indexOfCodePointOffset(text, [..."SELECT 'é😀', "].length)).toBe(text.indexOf('x'));
    expect(indexOfUtf8Offset(text, 18446744073709552000)).toBeUndefined();
    expect(indexOfUtf8Offset(text, 9)).toBeUndefined(); // inside the two bytes of é
  });
});

describe('syntax errors', () => {
  it('names the token the parser stopped at, with its position', async () => {
    const sql = 'SELECT sex FROM patients WHER sex = 1';
    const { message, position } = await shown(sql);
    expect(message).toBe('Syntax error: unexpected "sex".');
    expect(position).toBe(sql.lastIndexOf('sex ='));
  });

  it('says when the query ends too early', async () => {
    expect((await shown('SELECT sex FROM patients WHERE')).message).toBe('Syntax error: the query ends too early.');
  });

  it('repeats a token only when it is in the analyst’s text', () => {
    expect(describeSyntaxError('syntax error at or near "raw_source"', 'SELECT 1')).toBeUndefined();
    expect(describeSyntaxError('syntax error at or near "FORM"', 'SELECT 1 FORM t')).toBe('unexpected "FORM".');
  });
});

describe('names written in the analyst’s text', () => {
  it('are identifiers, quoted or not, outside comments and string literals', () => {
    const names = namesWrittenIn(`SELECT "Odd ""Name""", sex -- raw_source\nFROM patients /* secret_col */ WHERE x = 'postcode'`);
    expect([...names].sort()).toEqual(['from', 'odd "name"', 'patients', 'select', 'sex', 'where', 'x']);
  });
});
