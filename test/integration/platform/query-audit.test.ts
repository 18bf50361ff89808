// Every platform query (answered or refused), every sample and every catalogue read is an audit event (issue 15,
// "Audit"): who (user and role), which project under which version of its agreement, the SQL as sent, the relations
// it read (from the engine's parse, CTE names left out), the rows answered, the duration and the outcome; a refusal
// records the reason exactly as the analyst was told it (sanitised: no value, no hidden name). The events are read
// back as an admin reads them (GET /api/v1/admin/audit), and the audit chain still verifies afterwards. SATRE 2.5.03
// (every access to data is recorded, and the record cannot be changed unnoticed).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditPageSchema, type AuditEventView } from '../../../src/common/agreement-views.ts';
import { verifyCli } from './audit-support.ts';
import { bearerFor } from './fixture.ts';
import { catalogueOf, postQuery, startDemoPlatform, type DemoPlatform, type QueryAnswer } from './query-support.ts';

const COVID = 'covid-outcomes';
const CARDIO = 'cardio-admissions';

let platform: DemoPlatform;
/** The events the platform wrote before the test acted: they are not the test's. */
let firstSeq = 0;

beforeAll(async () => {
  platform = await startDemoPlatform('query-audit');
  const [newest] = await events('');
  firstSeq = (newest?.seq ?? 0) + 1;
}, 300_000);

afterAll(async () => {
  await platform?.close();
});

/** The events an admin finds with this filter, oldest first, only those written since the test began. */
async function events(filter: string): Promise<AuditEventView[]> {
  const response = await platform.server.app.inject({
    method: 'GET',
    url: `/api/v1/admin/audit?limit=500${filter === '' ? '' : `&${filter}`}`,
    headers: await bearerFor(platform.dataDir, 'demo-admin'),
  });
  if (response.statusCode !== 200) throw new Error(`audit: ${response.body}`);
  const page = AuditPageSchema.parse(response.json());
  return page.events.filter((event) => event.seq >= firstSeq).reverse();
}

/** The newest event of a type by a user: the one the action just before wrote. */
async function lastEvent(type: string, actor: string): Promise<AuditEventView> {
  const found = await events(`type=${type}&actor=${actor}`);
  const last = found.at(-1);
  if (last === undefined) throw new Error(`no ${type} event by ${actor}`);
  return last;
}

async function query(sql: string, options: { projectId?: string; user?: string; format?: 'arrow' | 'parquet' } = {}): Promise<QueryAnswer> {
  return postQuery(platform, { sql, ...options });
}

const DURATION = expect.any(Number) as unknown;

describe('the audit of platform queries', () => {
  it('records an answered query: user, role, project, agreement version, SQL, the relations read, rows, duration, outcome', async () => {
    const sql =
      'SELECT h.admission_method, count(*) AS n FROM hospital_episodes h JOIN patients p ON h.nhs_number = p.nhs_number GROUP BY 1';
    const answer = await query(sql);
    expect(answer.status).toBe(200);
    const event = await lastEvent('query.run', 'demo-analyst');
    expect(event).toMatchObject({ type: 'query.run', actor: 'demo-analyst', outcome: 'success' });
    expect(event.details).toEqual({
      role: 'analyst',
      via: 'api',
      projectId: COVID,
      agreementVersion: 1,
      durationMs: DURATION,
      sql,
      relations: ['hospital_episodes', 'patients'],
      rows: answer.rowCount,
      format: 'arrow',
    });
    expect(event.details.durationMs as number).toBeGreaterThanOrEqual(0);
  });

  it('records the relations from the parse: a CTE is not a relation, a name in a string or a comment is not read', async () => {
    const sql = "WITH t AS (SELECT * FROM covid_tests) -- FROM shielded_patients\nSELECT count(*) AS n, 'patients' AS label FROM t";
    const answer = await query(sql, { format: 'parquet' });
    expect(answer.status).toBe(200);
    const event = await lastEvent('query.run', 'demo-analyst');
    expect(event.details).toMatchObject({ sql, relations: ['covid_tests'], rows: 1, format: 'parquet' });
    const shadow = "WITH patients AS (SELECT 'x' AS nhs_number) SELECT * FROM patients";
    expect((await query(shadow)).status).toBe(200);
    expect((await lastEvent('query.run', 'demo-analyst')).details).toMatchObject({ sql: shadow, relations: [], rows: 1 });
  });

  it("records a query the checker refused, with the analyst's message as its reason", async () => {
    const sql = 'SELECT * FROM duckdb_settings()';
    const answer = await query(sql);
    expect(answer.status).toBe(400);
    const event = await lastEvent('query.run', 'demo-analyst');
    expect(event).toMatchObject({ outcome: 'failure' });
    expect(event.details).toEqual({
      role: 'analyst',
      via: 'api',
      projectId: COVID,
      agreementVersion: 1,
      durationMs: DURATION,
      sql,
      relations: [],
      rows: null,
      format: 'arrow',
      code: 'invalid_input',
      reason: answer.error!.message,
    });
  });

  it('records an engine refusal with the sanitised reason: no value of the column, only its name', async () => {
    const sql = 'SELECT CAST(nhs_number AS INTEGER) AS n FROM patients';
    const answer = await query(sql);
    expect(answer.status).toBe(400);
    const event = await lastEvent('query.run', 'demo-analyst');
    expect(event.outcome).toBe('failure');
    expect(event.details).toMatchObject({ sql, relations: ['patients'], rows: null, code: 'invalid_input', reason: answer.error!.message });
    const reason = event.details.reason as string;
    expect(reason).toMatch(/column "nhs_number" could not be converted to INT32/i);
    expect(reason).not.toMatch(/P[BCDFGHJKLMNPQRST]{20}|\d{10}|LINE \d|SELECT \* FROM \(/);
  });

  it('records a query refused at the row cap with the relations it read and the reason', async () => {
    const sql = 'SELECT a.test_id FROM covid_tests a, covid_tests b';
    const answer = await query(sql);
    expect(answer.status).toBe(400);
    const event = await lastEvent('query.run', 'demo-analyst');
    expect(event.outcome).toBe('failure');
    expect(event.details).toMatchObject({ sql, relations: ['covid_tests'], rows: null, reason: answer.error!.message });
    expect(event.details.reason).toMatch(/more than 5,000,000 rows/);
  });

  it('records each user and project as they are: another analyst in another project', async () => {
    const sql = 'SELECT count(*) AS n FROM hospital_episodes';
    const answer = await query(sql, { projectId: CARDIO, user: 'demo-analyst-2' });
    expect(answer.status).toBe(200);
    const event = await lastEvent('query.run', 'demo-analyst-2');
    expect(event.details).toMatchObject({
      role: 'analyst',
      projectId: CARDIO,
      agreementVersion: 1,
      sql,
      relations: ['hospital_episodes'],
      rows: 1,
    });
    const byProject = await events(`type=query.run&project=${CARDIO}`);
    expect(byProject.map((found) => found.details.sql)).toEqual([sql]);
  });

  it('records every query sent, answered or refused by the query service, one event each', async () => {
    const before = (await events('type=query.run&actor=demo-analyst')).length;
    const texts = [
      'SELECT 1 AS one',
      'SELECT * FROM national_opt_outs',
      'SELECT 1; SELECT 2',
      'PRAGMA database_list',
      'SELECT nhs_numbr FROM patients',
    ];
    for (const sql of texts) await query(sql);
    const after = await events('type=query.run&actor=demo-analyst');
    expect(after.length - before).toBe(texts.length);
    expect(after.slice(-texts.length).map((event) => [event.details.sql, event.outcome])).toEqual([
      ['SELECT 1 AS one', 'success'],
      ['SELECT * FROM national_opt_outs', 'failure'],
      ['SELECT 1; SELECT 2', 'failure'],
      ['PRAGMA database_list', 'failure'],
      ['SELECT nhs_numbr FROM patients', 'failure'],
    ]);
    // A reason names nothing the project cannot see that the SQL did not name itself.
    for (const event of after) {
      const sql = JSON.stringify(event.details.sql).toLowerCase();
      const reason = JSON.stringify(event.details.reason ?? '').toLowerCase();
      for (const hidden of ['duckdb_', 'enclave_', 'postcode', 'practice_code', 'candidate', 'line 1']) {
        if (!sql.includes(hidden)) expect(reason, sql).not.toContain(hidden);
      }
    }
  });
});

describe('the audit of samples and catalogue reads', () => {
  it('records a sample read: dataset, limit, rows, format, with who, project and agreement version', async () => {
    const response = await platform.server.app.inject({
      method: 'GET',
      url: `/api/v1/projects/${COVID}/datasets/patients/sample?limit=7&format=parquet`,
      headers: await bearerFor(platform.dataDir, 'demo-analyst'),
    });
    expect(response.statusCode).toBe(200);
    const event = await lastEvent('sample.read', 'demo-analyst');
    expect(event).toMatchObject({ type: 'sample.read', actor: 'demo-analyst', outcome: 'success' });
    expect(event.details).toEqual({
      role: 'analyst',
      via: 'api',
      projectId: COVID,
      agreementVersion: 1,
      durationMs: DURATION,
      datasetId: 'patients',
      limit: 7,
      rows: 7,
      format: 'parquet',
    });
  });

  it('records a catalogue read with who, project and agreement version', async () => {
    await catalogueOf(platform, CARDIO, 'demo-analyst-2');
    const event = await lastEvent('catalogue.read', 'demo-analyst-2');
    expect(event).toMatchObject({ outcome: 'success', details: { role: 'analyst', projectId: CARDIO, agreementVersion: 1 } });
  });
});

describe('the audit under a changed agreement', () => {
  it('records the new agreement version, and refusals under the new row cap with their reasons', async () => {
    const file = path.join(platform.server.agreements.dir, `${COVID}.json`);
    const agreement = JSON.parse(await readFile(file, 'utf8')) as { rowCap: number };
    const saved = await platform.server.agreements.save({ projectId: COVID, text: JSON.stringify({ ...agreement, rowCap: 5 }, null, 2) });
    expect(saved.ok).toBe(true);
    const version = platform.server.agreements.get(COVID)!.version;
    expect(version).toBeGreaterThan(1);

    const small = await query('SELECT sex, count(*) AS n FROM patients GROUP BY sex ORDER BY sex');
    expect(small.status).toBe(200);
    expect((await lastEvent('query.run', 'demo-analyst')).details).toMatchObject({ agreementVersion: version, rows: small.rowCount });

    const big = await query('SELECT nhs_number FROM patients');
    expect(big.status).toBe(400);
    expect((await lastEvent('query.run', 'demo-analyst')).details).toMatchObject({
      agreementVersion: version,
      rows: null,
      reason:
        "The result has more than 5 rows, the most this project's agreement allows in one answer. Filter or aggregate on the platform.",
    });

    const sample = await platform.server.app.inject({
      method: 'GET',
      url: `/api/v1/projects/${COVID}/datasets/patients/sample?limit=10`,
      headers: await bearerFor(platform.dataDir, 'demo-analyst'),
    });
    expect(sample.statusCode).toBe(400);
    const refused = await lastEvent('sample.read', 'demo-analyst');
    expect(refused).toMatchObject({ outcome: 'failure' });
    expect(refused.details).toMatchObject({
      agreementVersion: version,
      datasetId: 'patients',
      limit: 10,
      rows: null,
      code: 'invalid_input',
      reason: sample.json<{ error: { message: string } }>().error.message,
    });
  });
});

describe('the audit chain', () => {
  it('still verifies after every event above, with the platform running', async () => {
    const run = await verifyCli(['--data-dir', platform.dataDir]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^intact \(\d+ events, head \d+ [0-9a-f]{12}\)\n$/);
  });
});
