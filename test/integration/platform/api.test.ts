// Platform HTTP API v1 through app.inject(): every route's happy path, with the attacks on it beside it.
// SATRE 3.2.03 (access to data only for approved project members) and 3.1.x (data minimisation: direct
// identifiers are not released to analysts) are what the membership and identifier tests show.
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogueSchema, ProjectSchema, SAMPLE_ROW_LIMIT, UserSchema } from '../../../src/common/contract.ts';
import { ErrorValueSchema } from '../../../src/common/errors.ts';
import { ARROW_STREAM_CONTENT_TYPE } from '../../../src/common/transport-protocol.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { PROFILES } from '../../../src/common/sdc/rules.ts';
import {
  bearerFor,
  createPlatformFixture,
  FIXTURE_NHS_NUMBERS,
  fixturePseudonyms,
  inPseudonymOrder,
  mintAccessToken,
  PSEUDONYM,
  TEST_ISSUER,
  TEST_PUBLIC_URL,
  type PlatformFixture,
} from './fixture.ts';

let fixture: PlatformFixture;
let server: PlatformServer;
/** Ada Analyst's bearer header: every call below is hers unless it says otherwise. */
let ada: { authorization: string };

beforeAll(async () => {
  fixture = await createPlatformFixture();
  server = await createPlatformServer({ dataDir: fixture.dataDir, cataloguePath: fixture.cataloguePath, publicUrl: TEST_PUBLIC_URL });
  ada = await bearerFor(fixture.dataDir, 'demo-analyst');
});

afterAll(async () => {
  await server?.close();
  await fixture?.cleanup();
});

async function get(url: string, headers: Record<string, string> = {}) {
  return server.app.inject({ method: 'GET', url, headers: { ...ada, ...headers } });
}

function expectError(response: { statusCode: number; json(): unknown; body: string }, status: number, code: string): string {
  expect(response.statusCode).toBe(status);
  const body = response.json() as { error: unknown };
  const error = ErrorValueSchema.parse(body.error);
  expect(error.code).toBe(code);
  expect(Object.keys(body)).toEqual(['error']);
  // Never a stack trace, SQL or engine text in an answer.
  expect(response.body).not.toMatch(/\bat .+:\d+:\d+|SELECT|FROM "|DuckDB|SQLITE|Binder Error|Parser Error/i);
  return error.message;
}

const SAMPLE = '/api/v1/projects/covid-outcomes/datasets/patients/sample';

describe('GET /api/v1/health', () => {
  it('reports the demo platform and how to sign in to it, without a token', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ok',
      name: 'Enclave demo platform',
      mode: 'demo',
      identity: {
        issuer: TEST_ISSUER,
        clientId: 'enclave-workstation',
        audience: 'urn:enclave:platform-api',
        scopes: ['openid', 'profile', 'offline_access'],
      },
    });
    expect(response.headers['cache-control']).toBe('no-store');
  });
});

describe('GET /api/v1/me', () => {
  it("is the token's subject, as the platform's store describes them", async () => {
    const response = await get('/api/v1/me');
    expect(response.statusCode).toBe(200);
    expect(UserSchema.parse(response.json())).toEqual({
      id: 'demo-analyst',
      displayName: 'Ada Analyst',
      role: 'analyst',
      roles: ['analyst'],
    });
  });

  it('takes the role from the store, never from the request or the token', async () => {
    const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: 'demo-checker-1' });
    const response = await get('/api/v1/me', { authorization: `Bearer ${token}`, 'x-user-id': 'demo-admin', 'x-role': 'admin' });
    expect(response.json()).toEqual({
      id: 'demo-checker-1',
      displayName: 'Chloe Checker',
      role: 'output_checker',
      roles: ['output_checker'],
    });
  });

  it('answers 401 with a WWW-Authenticate challenge to a request without a token, and to a malformed one', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer' },
      { authorization: 'Basic ZGVtbzpkZW1v' },
      { authorization: 'Bearer not a token' },
    ]) {
      const response = await server.app.inject({ method: 'GET', url: '/api/v1/me', headers });
      expectError(response, 401, 'unauthenticated');
      expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
    }
  });

  it('says that an expired sign-in has expired', async () => {
    const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: 'demo-analyst', expiresIn: -60 });
    expect(expectError(await get('/api/v1/me', { authorization: `Bearer ${token}` }), 401, 'unauthenticated')).toBe(
      'Your sign-in has expired. Sign in again.',
    );
  });

  it('refuses a valid token for someone the platform has no account for, telling them to enrol', async () => {
    const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: 'stranger' });
    expect(expectError(await get('/api/v1/me', { authorization: `Bearer ${token}` }), 403, 'enrolment_required')).toMatch(
      /does not know you yet/,
    );
  });

  it('refuses an ID token, or any token not typed as an access token', async () => {
    const token = await mintAccessToken({ dataDir: fixture.dataDir, sub: 'demo-analyst', typ: 'JWT' });
    expectError(await get('/api/v1/me', { authorization: `Bearer ${token}` }), 401, 'unauthenticated');
  });
});

describe('POST /api/v1/session-events', () => {
  // A token of its own for each report: signed_out and locked end the token that reports them.
  async function post(payload: unknown, headers?: Record<string, string>) {
    headers ??= await bearerFor(fixture.dataDir, 'demo-analyst');
    return server.app.inject({
      method: 'POST',
      url: '/api/v1/session-events',
      headers: { ...headers, 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });
  }

  it('records each workstation session event in the audit log with the caller as actor', async () => {
    for (const event of ['signed_in', 'locked', 'unlocked', 'signed_out', 'session_expired']) {
      const response = await post({ event });
      expect(response.statusCode).toBe(204);
      expect(response.body).toBe('');
    }
    const raw = new DatabaseSync(path.join(fixture.dataDir, 'metadata.sqlite'), { readOnly: true });
    const rows = raw.prepare("SELECT type, actor, outcome, details FROM audit_events WHERE type LIKE 'session.%' ORDER BY seq").all();
    raw.close();
    expect(rows.slice(-5)).toEqual(
      ['signed_in', 'locked', 'unlocked', 'signed_out', 'session_expired'].map((event) => ({
        type: `session.${event}`,
        actor: 'demo-analyst',
        outcome: 'success',
        details: '{"reportedBy":"workstation","role":"analyst"}',
      })),
    );
  });

  it('records an unlock refused because someone else signed in, as a failure with that other person as actor', async () => {
    const response = await post({ event: 'unlock_refused' });
    expect(response.statusCode).toBe(204);
    const raw = new DatabaseSync(path.join(fixture.dataDir, 'metadata.sqlite'), { readOnly: true });
    const last = raw
      .prepare("SELECT type, actor, outcome, details FROM audit_events WHERE type LIKE 'session.%' ORDER BY seq DESC LIMIT 1")
      .get();
    raw.close();
    expect(last).toEqual({
      type: 'session.unlock_refused',
      actor: 'demo-analyst',
      outcome: 'failure',
      details: '{"reportedBy":"workstation","role":"analyst"}',
    });
  });

  it('refuses an unknown event, extra fields, and a body that is not JSON, naming the problem', async () => {
    expect(expectError(await post({ event: 'hacked' }), 400, 'invalid_input')).toMatch(/^The session event is not valid: event/);
    expectError(await post({ event: 'locked', actor: 'demo-admin' }), 400, 'invalid_input');
    const text = await server.app.inject({
      method: 'POST',
      url: '/api/v1/session-events',
      headers: { ...ada, 'content-type': 'text/plain' },
      payload: 'locked',
    });
    expectError(text, 400, 'invalid_input');
  });

  it('refuses an unauthenticated caller', async () => {
    expectError(await post({ event: 'signed_out' }, {}), 401, 'unauthenticated');
  });
});

describe('GET /api/v1/checking/rules', () => {
  it('lists the rule profiles in force to an output checker', async () => {
    const checker = await bearerFor(fixture.dataDir, 'demo-checker-1');
    const response = await get('/api/v1/checking/rules', checker);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(Object.values(PROFILES));
  });

  it('is not for analysts', async () => {
    expectError(await get('/api/v1/checking/rules'), 403, 'forbidden');
  });
});

describe('GET /api/v1/projects', () => {
  it("lists only the caller's projects, with their datasets", async () => {
    const response = await get('/api/v1/projects');
    expect(response.statusCode).toBe(200);
    const projects = ProjectSchema.array().parse(response.json());
    expect(projects.map((project) => project.id).sort()).toEqual(['cardio-admissions', 'covid-outcomes']);
    expect(projects.find((project) => project.id === 'covid-outcomes')?.datasetIds).toEqual([
      'patients',
      'covid_tests',
      'hospital_episodes',
      'shielded_patients',
    ]);
  });

  it('does not list a project the caller is not a member of', async () => {
    const ids = ProjectSchema.array()
      .parse((await get('/api/v1/projects')).json())
      .map((project) => project.id);
    expect(ids).not.toContain('opt-out-monitoring');
  });
});

describe('GET /api/v1/projects/:projectId/catalogue', () => {
  it("describes the project's datasets, each field with its treatment in words; unavailable exactly when dropped", async () => {
    const response = await get('/api/v1/projects/covid-outcomes/catalogue');
    expect(response.statusCode).toBe(200);
    const catalogue = CatalogueSchema.parse(response.json());
    expect(catalogue.projectId).toBe('covid-outcomes');
    expect(catalogue.datasets.map((dataset) => dataset.id)).toEqual(['patients', 'covid_tests', 'hospital_episodes', 'shielded_patients']);
    const patients = catalogue.datasets[0];
    // Row counts as the project sees them: covid-outcomes keeps the patients with a positive test (only N3 in the
    // fixture) and leaves out opted-out patients (N4).
    expect(catalogue.datasets.map((dataset) => dataset.rowCount)).toEqual([1, 2, 1, 2]);
    const field = (name: string) => patients.fields.find((each) => each.name === name);
    expect(field('nhs_number')).toMatchObject({
      available: true,
      tags: ['direct_identifier'],
      treatment: 'NHS number → project pseudonym',
    });
    expect(field('date_of_birth')).toMatchObject({
      type: 'DATE',
      available: true,
      treatment: 'date of birth → 5-year age band at 2023-03-31, 90 and over together',
    });
    // The agreement drops these two and coarsens the date of death to a month (resources/demo/agreements/covid-outcomes.json).
    expect(field('postcode')).toMatchObject({ available: false, treatment: 'not available to this project' });
    expect(field('practice_code')).toMatchObject({ available: false, treatment: 'not available to this project' });
    expect(field('date_of_death')).toMatchObject({ available: true, treatment: 'date of death → month (2020-03)' });
    expect(field('lsoa_code')).toMatchObject({ available: true, treatment: 'LSOA code → region' });
    for (const dataset of catalogue.datasets) {
      for (const each of dataset.fields) expect(each.available).toBe(each.treatment !== 'not available to this project');
    }
  });

  it('answers 404 for a project the caller is not a member of, exactly as for one that does not exist', async () => {
    const notMember = await get('/api/v1/projects/opt-out-monitoring/catalogue');
    const missing = await get('/api/v1/projects/no-such-project/catalogue');
    expect(expectError(notMember, 404, 'not_found')).toBe(expectError(missing, 404, 'not_found'));
  });
});

describe('GET /api/v1/projects/:projectId/datasets/:datasetId/sample', () => {
  it('returns an Arrow stream of the fields as treated, ordered by the pseudonym, with treated types and nulls', async () => {
    // cardio-admissions: every patient but the opted-out one (N4); postcode, practice code and ethnicity dropped.
    const response = await get('/api/v1/projects/cardio-admissions/datasets/patients/sample?limit=10');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe(ARROW_STREAM_CONTENT_TYPE);
    const table = tableFromIPC(response.rawPayload);
    expect(table.schema.fields.map((field) => field.name)).toEqual([
      'nhs_number',
      'date_of_birth',
      'sex',
      'lsoa_code',
      'region',
      'date_of_death',
    ]);
    // Treated dates and ages are text; a column returned as stored keeps its type (text travels plain).
    expect(String(table.schema.fields[1].type)).toBe('Utf8');
    expect(String(table.schema.fields[2].type)).toBe('Utf8');
    expect(String(table.schema.fields[5].type)).toBe('Utf8');
    expect(table.numRows).toBe(4);
    // Ordered by the pseudonym (the treated key), never by the NHS number behind it.
    const pseudonyms = await fixturePseudonyms(fixture.dataDir, 'cardio-admissions');
    const [N1, N2, N3, N4, N5] = FIXTURE_NHS_NUMBERS;
    const order = inPseudonymOrder(pseudonyms, [N1, N2, N3, N5]);
    expect(table.getChild('nhs_number')!.toArray()).toEqual(order.map((nhsNumber) => pseudonyms.get(nhsNumber)));
    expect(table.getChild('nhs_number')!.toArray()).not.toContain(pseudonyms.get(N4));
    const byPerson = (values: Record<string, unknown>) => order.map((nhsNumber) => values[nhsNumber]);
    expect(table.getChild('region')!.toArray()).toEqual(
      byPerson({ [N1]: 'North West', [N2]: 'London', [N3]: 'Yorkshire and The Humber', [N5]: 'South West' }),
    );
    // Ages at the agreement's reference date (2024-03-31), in 5-year bands, 90 and over together.
    expect(table.getChild('date_of_birth')!.toArray()).toEqual(byPerson({ [N1]: '35-39', [N2]: '20-24', [N3]: '70-74', [N5]: '90+' }));
    // The fixture's LSOA codes (E01000001…5) lie in the shipped lookup's first region's range or none: never the code itself.
    for (const value of table.getChild('lsoa_code')!.toArray() as Array<string | null>) expect(value ?? '').not.toMatch(/^E01/);
    const deaths = table.getChild('date_of_death')!;
    expect(deaths.nullCount).toBe(3);
    expect(deaths.get(order.indexOf(N5))).toBe('2021-01');
  });

  it("carries INTEGER as Int32 and BOOLEAN as Bool, and a record identifier as the project's pseudonym of it", async () => {
    const episodes = tableFromIPC((await get('/api/v1/projects/cardio-admissions/datasets/hospital_episodes/sample?limit=2')).rawPayload);
    expect(episodes.numRows).toBe(2);
    // The episode id is the same in every project that receives the dataset: kept, it would link a person across them.
    for (const id of episodes.getChild('episode_id')!.toArray() as string[]) expect(id).toMatch(PSEUDONYM);
    expect(String(episodes.getChild('length_of_stay')!.type)).toBe('Int32');
    const shielded = tableFromIPC((await get('/api/v1/projects/covid-outcomes/datasets/shielded_patients/sample?limit=5')).rawPayload);
    expect(String(shielded.getChild('shielded')!.type)).toBe('Bool');
    // Ordered by pseudonym: N5 is shielded, N3 is not.
    const pseudonyms = await fixturePseudonyms(fixture.dataDir, 'covid-outcomes');
    const [, , N3, , N5] = FIXTURE_NHS_NUMBERS;
    const expected = inPseudonymOrder(pseudonyms, [N3, N5]).map((nhsNumber) => nhsNumber === N5);
    expect([...shielded.getChild('shielded')!]).toEqual(expected);
  });

  it('returns the same bytes for the same request', async () => {
    const first = await get(`${SAMPLE}?limit=3`);
    const second = await get(`${SAMPLE}?limit=3`);
    expect(Buffer.compare(first.rawPayload, second.rawPayload)).toBe(0);
  });

  it('never carries a direct identifier, in any dataset of any project, as a column or a value', async () => {
    for (const project of ['covid-outcomes', 'cardio-admissions']) {
      const catalogue = CatalogueSchema.parse((await get(`/api/v1/projects/${project}/catalogue`)).json());
      for (const dataset of catalogue.datasets) {
        const response = await get(`/api/v1/projects/${project}/datasets/${dataset.id}/sample?limit=${SAMPLE_ROW_LIMIT}`);
        expect(response.statusCode).toBe(200);
        const table = tableFromIPC(response.rawPayload);
        // The NHS number travels only as the project's pseudonym.
        const nhsNumbers = table.getChild('nhs_number');
        if (nhsNumbers !== null) for (const value of nhsNumbers.toArray() as string[]) expect(value).toMatch(PSEUDONYM);
        const text = JSON.stringify(table.toArray(), (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value));
        for (const nhsNumber of FIXTURE_NHS_NUMBERS) {
          expect(text).not.toContain(nhsNumber);
          expect(response.rawPayload.includes(Buffer.from(nhsNumber))).toBe(false);
        }
      }
    }
  });

  it.each([
    ['0', 'zero'],
    ['-1', 'negative'],
    ['1000001', 'above the maximum'],
    ['1e9', 'an exponent'],
    ['1e3', 'a small exponent'],
    ['abc', 'not a number'],
    ['1.5', 'a fraction'],
    ['', 'empty'],
    ['%2010', 'a leading space'],
    ['0x10', 'hexadecimal'],
  ])('refuses limit=%s (%s) with 400 naming limit', async (limit) => {
    const message = expectError(await get(`${SAMPLE}?limit=${limit}`), 400, 'invalid_input');
    expect(message).toMatch(/^limit /);
  });

  it('refuses a missing limit, a repeated limit and an unknown query parameter', async () => {
    expect(expectError(await get(SAMPLE), 400, 'invalid_input')).toMatch(/^limit /);
    expect(expectError(await get(`${SAMPLE}?limit=1&limit=2`), 400, 'invalid_input')).toMatch(/^limit /);
    expect(expectError(await get(`${SAMPLE}?limit=1&columns=nhs_number`), 400, 'invalid_input')).not.toContain('columns');
  });

  it('accepts the maximum limit', async () => {
    expect((await get(`${SAMPLE}?limit=${SAMPLE_ROW_LIMIT}`)).statusCode).toBe(200);
  });

  it('answers 404 for a dataset the project does not have, even though it exists on the platform', async () => {
    expectError(await get('/api/v1/projects/cardio-admissions/datasets/covid_tests/sample?limit=1'), 404, 'not_found');
    expectError(await get('/api/v1/projects/covid-outcomes/datasets/national_opt_outs/sample?limit=1'), 404, 'not_found');
  });

  it('answers 404 for an unknown dataset', async () => {
    expectError(await get('/api/v1/projects/covid-outcomes/datasets/no_such_dataset/sample?limit=1'), 404, 'not_found');
  });

  it('answers 404 for a project the caller is not a member of', async () => {
    expectError(await get('/api/v1/projects/opt-out-monitoring/datasets/national_opt_outs/sample?limit=1'), 404, 'not_found');
    expectError(await get('/api/v1/projects/opt-out-monitoring/datasets/patients/sample?limit=1'), 404, 'not_found');
  });
});

describe('hostile ids', () => {
  const hostile = [
    ['..%2F..%2Fetc%2Fpasswd', 'encoded path traversal'],
    ['..', 'dot-dot'],
    ['%2e%2e', 'encoded dot-dot'],
    ["patients'%20OR%201%3D1--", 'SQL quote'],
    ['patients%22%3B%20DROP%20TABLE%20users%3B--', 'SQL identifier break-out'],
    ['Patients', 'upper case'],
    ['patients%00', 'NUL byte'],
    ['a'.repeat(65), 'too long'],
    ['%F0%9F%92%A5', 'emoji'],
  ];

  it.each(hostile)('refuses datasetId %s (%s) without answering with data', async (id) => {
    const response = await get(`/api/v1/projects/covid-outcomes/datasets/${id}/sample?limit=1`);
    expect(response.headers['content-type']).not.toBe(ARROW_STREAM_CONTENT_TYPE);
    expect([400, 404]).toContain(response.statusCode);
    const message = expectError(response, response.statusCode, response.statusCode === 400 ? 'invalid_input' : 'not_found');
    if (response.statusCode === 400) expect(message).toMatch(/^datasetId /);
    expect(message).not.toContain('passwd');
    expect(message).not.toContain('DROP');
  });

  it.each(hostile)('refuses projectId %s (%s) without answering with data', async (id) => {
    const response = await get(`/api/v1/projects/${id}/catalogue`);
    expect([400, 404]).toContain(response.statusCode);
    const message = expectError(response, response.statusCode, response.statusCode === 400 ? 'invalid_input' : 'not_found');
    if (response.statusCode === 400) expect(message).toMatch(/^projectId /);
  });

  it('does not let a traversal in the path reach another route', async () => {
    const response = await get('/api/v1/projects/covid-outcomes/datasets/../../../me');
    expect(response.headers['content-type']).not.toBe(ARROW_STREAM_CONTENT_TYPE);
  });
});

describe('the HTTP surface', () => {
  it('answers unknown routes with 404 in the error shape', async () => {
    expect(expectError(await get('/api/v1/nothing'), 404, 'not_found')).toBe('There is no such endpoint.');
    expectError(await get('/'), 404, 'not_found');
    expectError(await get('/api/v2/health'), 404, 'not_found');
  });

  it('answers other methods on known routes with 404 in the error shape', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'] as const) {
      const response = await server.app.inject({ method, url: `${SAMPLE}?limit=1`, payload: method === 'HEAD' ? undefined : '{}' });
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).not.toBe(ARROW_STREAM_CONTENT_TYPE);
    }
  });

  it('refuses a request whose Host is not a loopback name (DNS rebinding)', async () => {
    const response = await get('/api/v1/me', { host: 'attacker.example:8080' });
    expectError(response, 403, 'forbidden');
    expect(response.body).not.toContain('Ada');
    const idp = await get('/oidc/.well-known/openid-configuration', { host: 'attacker.example:8080' });
    expectError(idp, 403, 'forbidden');
    expect(response.body).not.toContain('Ada');
  });

  it('accepts 127.0.0.1 and [::1] as the Host', async () => {
    expect((await get('/api/v1/me', { host: '127.0.0.1:4000' })).statusCode).toBe(200);
    expect((await get('/api/v1/me', { host: '[::1]:4000' })).statusCode).toBe(200);
  });

  it('sends no CORS headers', async () => {
    const response = await get('/api/v1/projects', { origin: 'https://attacker.example' });
    expect(Object.keys(response.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });
});
