// A tiny platform data folder, written with DuckDB directly: the five datasets with the exact columns the
// brief fixes, a few rows each (deliberately out of key order), a manifest with real sha256s, and a
// catalogue file that matches. Each call makes its own temp folder.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { SHARED_KEYS_SUBFOLDER } from '../../support/identity-keys.ts';

/** NHS numbers in the fixture; tests assert none of them ever appears in a sample. */
export const FIXTURE_NHS_NUMBERS = ['9990000018', '9990000026', '9990000034', '9990000042', '9990000050'];

const [N1, N2, N3, N4, N5] = FIXTURE_NHS_NUMBERS;

const DATASET_SQL: Record<string, string> = {
  patients: `SELECT * FROM (VALUES
      ('${N3}', DATE '1950-03-04', 'F', 'A1', 'LS1 4AB', 'E01000003', 'Yorkshire and The Humber', 'B86001', NULL),
      ('${N1}', DATE '1988-11-30', 'M', 'B2', 'M13 9PL', 'E01000001', 'North West', 'P84001', NULL),
      ('${N5}', DATE '1932-07-01', 'F', 'C1', 'EX4 4QJ', 'E01000005', 'South West', 'L83001', DATE '2021-01-15'),
      ('${N2}', DATE '2001-05-21', 'M', 'A1', 'N1 9GU', 'E01000002', 'London', 'F83001', NULL),
      ('${N4}', DATE '1975-12-12', 'F', 'D3', 'B15 2TT', 'E01000004', 'West Midlands', 'M85001', NULL)
    ) t(nhs_number, date_of_birth, sex, ethnicity, postcode, lsoa_code, region, practice_code, date_of_death)`,
  hospital_episodes: `SELECT
      episode_id::BIGINT AS episode_id, nhs_number::VARCHAR AS nhs_number, admission_date::DATE AS admission_date,
      discharge_date::DATE AS discharge_date, admission_method::VARCHAR AS admission_method,
      primary_diagnosis::VARCHAR AS primary_diagnosis, secondary_diagnosis::VARCHAR AS secondary_diagnosis,
      primary_procedure::VARCHAR AS primary_procedure, provider_code::VARCHAR AS provider_code,
      age_on_admission::INTEGER AS age_on_admission, length_of_stay::INTEGER AS length_of_stay
    FROM (VALUES
      (3, '${N3}', '2021-01-02', '2021-01-09', 'emergency', 'U07.1', 'J12.8', NULL, 'RR8', 70, 7),
      (1, '${N1}', '2020-04-01', '2020-04-03', 'elective', 'I21.0', NULL, 'K40.1', 'R0A', 31, 2),
      (2, '${N5}', '2020-12-24', '2021-01-15', 'emergency', 'I63.9', 'E11.9', NULL, 'RH8', 88, 22)
    ) t(episode_id, nhs_number, admission_date, discharge_date, admission_method, primary_diagnosis,
        secondary_diagnosis, primary_procedure, provider_code, age_on_admission, length_of_stay)`,
  covid_tests: `SELECT test_id::BIGINT AS test_id, nhs_number::VARCHAR AS nhs_number, specimen_date::DATE AS specimen_date,
      test_type::VARCHAR AS test_type, result::VARCHAR AS result, local_authority_code::VARCHAR AS local_authority_code
    FROM (VALUES
      (20, '${N3}', '2020-12-30', 'PCR', 'positive', 'E08000035'),
      (10, '${N2}', '2020-11-02', 'LFD', 'negative', 'E09000019'),
      (30, '${N4}', '2021-02-01', 'PCR', 'void', 'E08000025')
    ) t(test_id, nhs_number, specimen_date, test_type, result, local_authority_code)`,
  shielded_patients: `SELECT nhs_number::VARCHAR AS nhs_number, shielded::BOOLEAN AS shielded, reason::VARCHAR AS reason,
      date_added::DATE AS date_added
    FROM (VALUES ('${N5}', true, 'Severe respiratory condition', '2020-03-23'), ('${N3}', false, NULL, '2020-04-10'))
    t(nhs_number, shielded, reason, date_added)`,
  national_opt_outs: `SELECT nhs_number::VARCHAR AS nhs_number, opted_out_date::DATE AS opted_out_date
    FROM (VALUES ('${N4}', '2019-06-01')) t(nhs_number, opted_out_date)`,
};

type Tag = 'direct_identifier' | 'quasi_identifier' | 'sensitive' | 'clinical' | 'reference';
/** Each fixture field's kind, as the shipped catalogue gives it: it decides the field's default treatment. */
const KIND: Record<string, string> = {
  nhs_number: 'person_identifier',
  date_of_birth: 'date_of_birth',
  sex: 'coded_value',
  ethnicity: 'coded_value',
  postcode: 'postcode',
  lsoa_code: 'small_area_code',
  region: 'coded_value',
  practice_code: 'organisation_code',
  date_of_death: 'event_date',
  episode_id: 'record_identifier',
  admission_date: 'event_date',
  discharge_date: 'event_date',
  admission_method: 'coded_value',
  primary_diagnosis: 'coded_value',
  secondary_diagnosis: 'coded_value',
  primary_procedure: 'coded_value',
  provider_code: 'organisation_code',
  age_on_admission: 'age',
  length_of_stay: 'measure',
  test_id: 'record_identifier',
  specimen_date: 'event_date',
  test_type: 'coded_value',
  result: 'coded_value',
  local_authority_code: 'organisation_code',
  shielded: 'coded_value',
  reason: 'coded_value',
  date_added: 'event_date',
  opted_out_date: 'event_date',
};
const f = (name: string, type: string, tags: Tag[]) => ({
  name,
  type,
  kind: KIND[name],
  description: `The ${name.replaceAll('_', ' ')}.`,
  tags,
});

export const FIXTURE_CATALOGUE = [
  {
    id: 'patients',
    name: 'Patient demographics',
    description: 'One row per patient.',
    key: ['nhs_number'],
    fields: [
      f('nhs_number', 'VARCHAR', ['direct_identifier']),
      f('date_of_birth', 'DATE', ['quasi_identifier']),
      f('sex', 'VARCHAR', ['quasi_identifier']),
      f('ethnicity', 'VARCHAR', ['quasi_identifier', 'sensitive']),
      f('postcode', 'VARCHAR', ['quasi_identifier']),
      f('lsoa_code', 'VARCHAR', ['quasi_identifier']),
      f('region', 'VARCHAR', ['reference']),
      f('practice_code', 'VARCHAR', ['quasi_identifier']),
      f('date_of_death', 'DATE', ['quasi_identifier', 'sensitive']),
    ],
  },
  {
    id: 'hospital_episodes',
    name: 'Hospital episodes',
    description: 'One row per admitted patient care episode.',
    key: ['episode_id'],
    fields: [
      f('episode_id', 'BIGINT', ['reference']),
      f('nhs_number', 'VARCHAR', ['direct_identifier']),
      f('admission_date', 'DATE', ['quasi_identifier', 'clinical']),
      f('discharge_date', 'DATE', ['quasi_identifier', 'clinical']),
      f('admission_method', 'VARCHAR', ['clinical']),
      f('primary_diagnosis', 'VARCHAR', ['clinical', 'sensitive']),
      f('secondary_diagnosis', 'VARCHAR', ['clinical', 'sensitive']),
      f('primary_procedure', 'VARCHAR', ['clinical']),
      f('provider_code', 'VARCHAR', ['reference']),
      f('age_on_admission', 'INTEGER', ['quasi_identifier']),
      f('length_of_stay', 'INTEGER', ['clinical']),
    ],
  },
  {
    id: 'covid_tests',
    name: 'COVID-19 test results',
    description: 'One row per test.',
    key: ['test_id'],
    fields: [
      f('test_id', 'BIGINT', ['reference']),
      f('nhs_number', 'VARCHAR', ['direct_identifier']),
      f('specimen_date', 'DATE', ['quasi_identifier', 'clinical']),
      f('test_type', 'VARCHAR', ['clinical']),
      f('result', 'VARCHAR', ['clinical', 'sensitive']),
      f('local_authority_code', 'VARCHAR', ['reference']),
    ],
  },
  {
    id: 'shielded_patients',
    name: 'Shielded patient list',
    description: 'Patients advised to shield.',
    fields: [
      f('nhs_number', 'VARCHAR', ['direct_identifier']),
      f('shielded', 'BOOLEAN', ['sensitive']),
      f('reason', 'VARCHAR', ['clinical', 'sensitive']),
      f('date_added', 'DATE', ['quasi_identifier']),
    ],
  },
  {
    id: 'national_opt_outs',
    name: 'National data opt-outs',
    description: 'Patients who opted out.',
    key: ['nhs_number'],
    fields: [f('nhs_number', 'VARCHAR', ['direct_identifier']), f('opted_out_date', 'DATE', ['quasi_identifier'])],
  },
];

export interface PlatformFixture {
  /** The temp folder holding everything below; remove with cleanup(). */
  readonly root: string;
  readonly dataDir: string;
  readonly cataloguePath: string;
  cleanup(): Promise<void>;
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

export async function createPlatformFixture(): Promise<PlatformFixture> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'enclave-platform-'));
  const dataDir = path.join(root, 'data');
  await mkdir(path.join(dataDir, 'datasets'), { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const datasets: Record<string, { file: string; rows: number; sha256: string }> = {};
  try {
    for (const [id, sql] of Object.entries(DATASET_SQL)) {
      const file = `datasets/${id}.parquet`;
      const absolute = path.join(dataDir, file);
      await connection.run(`COPY (${sql}) TO '${absolute}' (FORMAT parquet)`);
      const counted = await connection.runAndReadAll(`SELECT count(*) FROM (${sql})`);
      datasets[id] = { file, rows: Number(counted.getRows()[0][0]), sha256: await sha256(absolute) };
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  await writeFile(path.join(dataDir, 'manifest.json'), JSON.stringify({ format: 1, seed: 1, scale: 5, datasets }, null, 2));
  const cataloguePath = path.join(root, 'datasets.json');
  await writeFile(cataloguePath, JSON.stringify(FIXTURE_CATALOGUE, null, 2));
  return { root, dataDir, cataloguePath, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** The URL API tests give createPlatformServer as publicUrl when they only inject requests. */
export const TEST_PUBLIC_URL = 'http://127.0.0.1:4100';
export const TEST_ISSUER = `${TEST_PUBLIC_URL}/oidc`;
export const API_AUDIENCE = 'urn:enclave:platform-api';

/**
 * The embedded provider's private signing key: from the data folder (it exists once a server has started), or, for a
 * platform on PostgreSQL, from the shared keys folder a server test keeps beside it (test/support/identity-keys.ts).
 */
export async function platformSigningKey(dataDir: string): Promise<JWK> {
  const own = path.join(dataDir, 'identity', 'signing-keys.json');
  const shared = path.join(dataDir, SHARED_KEYS_SUBFOLDER, 'signing-keys.json');
  const text = await readFile(own, 'utf8').catch(() => readFile(shared, 'utf8'));
  const jwks = JSON.parse(text) as { keys: JWK[] };
  return jwks.keys[0];
}

/**
 * An access token as the embedded provider would issue it, for API tests that do not need a browser sign-in.
 * Every field can be spoiled: another issuer or audience, an expiry in the past, another signing key.
 */
export async function mintAccessToken(options: {
  dataDir: string;
  sub: string;
  issuer?: string;
  audience?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  /** Sign with a key the platform never issued (same kid), for a forged token. */
  forged?: boolean;
  typ?: string;
  /** Seconds from now the token says it was issued (iat); default -10. */
  issuedAtOffset?: number;
}): Promise<string> {
  const jwk = await platformSigningKey(options.dataDir);
  const key = options.forged === true ? (await generateKeyPair('RS256', { extractable: true })).privateKey : await importJWK(jwk, 'RS256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: 'enclave-workstation' })
    .setProtectedHeader({ alg: 'RS256', typ: options.typ ?? 'at+jwt', kid: jwk.kid })
    .setSubject(options.sub)
    .setIssuer(options.issuer ?? TEST_ISSUER)
    .setAudience(options.audience ?? API_AUDIENCE)
    .setIssuedAt(now + (options.issuedAtOffset ?? -10))
    .setExpirationTime(now + (options.expiresIn ?? 300))
    .setJti(Math.random().toString(36).slice(2))
    .sign(key);
}

/**
 * Makes one person's analyst training lapse on the platform's records, as an administrator would find it: the analyst
 * role now also needs an annual refresher, and the person's last one expired on `expires` (every other analyst has none
 * on record at all). Through the admins' routes, so it is audited like any change.
 */
export async function lapseAnalystTraining(options: {
  app: {
    inject: (request: {
      method: 'POST';
      url: string;
      headers: Record<string, string>;
      payload: string;
    }) => Promise<{ statusCode: number; body: string }>;
  };
  dataDir: string;
  userId: string;
  expires: string;
}): Promise<void> {
  const headers = { ...(await bearerFor(options.dataDir, 'demo-admin')), 'content-type': 'application/json' };
  const post = async (url: string, body: unknown) => {
    const response = await options.app.inject({ method: 'POST', url, headers, payload: JSON.stringify(body) });
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.body}`);
  };
  await post('/api/v1/admin/training/requirements', { role: 'analyst', courses: ['Safe Researcher Training', 'Annual refresher'] });
  await post('/api/v1/admin/training', {
    userId: options.userId,
    course: 'Annual refresher',
    completed: '2020-01-01',
    expires: options.expires,
    evidence: 'Refresher certificate R-1',
  });
}

/** Authorization header for a user, signed with the platform's own key. */
export async function bearerFor(dataDir: string, sub: string): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await mintAccessToken({ dataDir, sub })}` };
}

/** Sample columns returned as stored (no treatment), for engine tests below minimisation. */
export function asStored(...names: string[]): Array<{ name: string; sql: string }> {
  return names.map((name) => ({ name, sql: `"${name}"` }));
}

/** A project pseudonym is 'P' and 20 consonants (src/platform/minimisation/pseudonym.ts): never digits. */
export const PSEUDONYM = /^P[BCDFGHJKLMNPQRST]{20}$/;

/**
 * Each fixture NHS number's pseudonym in a project, from the project's key in the platform's data folder (created
 * there on first use, as the platform would): what the platform's samples must carry instead of the NHS number.
 */
export async function fixturePseudonyms(dataDir: string, projectId: string): Promise<Map<string, string>> {
  const { openProjectKeys } = await import('../../../src/platform/minimisation/project-keys.ts');
  const { pseudonymOf } = await import('../../../src/platform/minimisation/pseudonym.ts');
  const key = await openProjectKeys({ dataDir }).keyFor(projectId);
  return new Map(FIXTURE_NHS_NUMBERS.map((nhsNumber) => [nhsNumber, pseudonymOf(nhsNumber, key)]));
}

/** The fixture's NHS numbers in the order of their pseudonyms: the order a project's samples keyed by person come in. */
export function inPseudonymOrder(pseudonyms: ReadonlyMap<string, string>, nhsNumbers: readonly string[]): string[] {
  return [...nhsNumbers].sort((a, b) => ((pseudonyms.get(a) ?? '') < (pseudonyms.get(b) ?? '') ? -1 : 1));
}
