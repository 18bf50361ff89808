// DEFAULT_POLICY applied to every field of the shipped catalogue, over data the real generator wrote (`enclave platform
// init`) and over the hand-written fixture rows: no output value is an NHS number, a full date of birth (or any full
// date), a full postcode or an LSOA code, and the pseudonym still links a person's rows across datasets. Pseudonyms have
// no SQL (the engine joins a map it fills in Node, engine/copy-build.ts; minimised-copy.test.ts checks that path): here
// each is computed in Node from the raw value's text, as the engine does, and every other field by its treatment's SQL.
// SATRE 3.1.x (minimisation): direct identifiers never reach the analyst; quasi-identifiers are coarsened.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlatformInit } from '../../../src/cli/platform-init.ts';
import { quoteIdentifier, quoteString } from '../../../src/common/sql-identifiers.ts';
import { DEFAULT_CATALOGUE_PATH } from '../../../src/platform/catalogue/catalogue-file.ts';
import { readClassifiedCatalogueFile, type ClassifiedCatalogue } from '../../../src/platform/minimisation/classified-catalogue.ts';
import { defaultTreatment } from '../../../src/platform/minimisation/policy.ts';
import { PROJECT_KEY_BYTES, pseudonymiser } from '../../../src/platform/minimisation/pseudonym.ts';
import { treatmentSql, type TreatmentContext } from '../../../src/platform/minimisation/treatments.ts';
import { isValidNhsNumber } from '../../../src/platform/synth/nhs-number.ts';
import { createPlatformFixture, FIXTURE_NHS_NUMBERS, type PlatformFixture } from './fixture.ts';

const context: TreatmentContext = { referenceDate: '2023-03-31' };
const pseudonym = pseudonymiser(new Uint8Array(randomBytes(PROJECT_KEY_BYTES)));

let root: string;
let fixture: PlatformFixture;
let catalogue: ClassifiedCatalogue;
let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'enclave-treatments-'));
  const stderr = new PassThrough();
  let log = '';
  stderr.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const code = await runPlatformInit(['--data-dir', path.join(root, 'data'), '--scale', '2000', '--seed', '11'], {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr,
  });
  if (code !== 0) throw new Error(`platform init failed (${code}): ${log}`);
  fixture = await createPlatformFixture();
  catalogue = await readClassifiedCatalogueFile(DEFAULT_CATALOGUE_PATH);
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
}, 180_000);

afterAll(async () => {
  connection?.closeSync();
  instance?.closeSync();
  await fixture?.cleanup();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

type Row = Record<string, unknown>;

async function parquetOf(dataDir: string, datasetId: string): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(dataDir, 'manifest.json'), 'utf8')) as {
    datasets: Record<string, { file: string }>;
  };
  const entry = manifest.datasets[datasetId];
  if (entry === undefined) throw new Error(`no ${datasetId} in the manifest`);
  return path.join(dataDir, entry.file);
}

/** Every dataset minimised under DEFAULT_POLICY: the columns a project would see, treated. */
async function minimised(dataDir: string): Promise<Map<string, Row[]>> {
  const out = new Map<string, Row[]>();
  for (const dataset of catalogue) {
    const pseudonymised: string[] = [];
    const columns = dataset.fields.flatMap((field) => {
      const treatment = defaultTreatment({ field });
      const name = quoteIdentifier(field.name);
      if (treatment.treatment === 'drop') return [];
      if (treatment.treatment === 'pseudonym') {
        // The raw value's text, pseudonymised below; NULL stays NULL.
        pseudonymised.push(field.name);
        return [`CAST(${name} AS VARCHAR) AS ${name}`];
      }
      return [`${treatmentSql(treatment, name, context)} AS ${name}`];
    });
    const file = await parquetOf(dataDir, dataset.id);
    const reader = await connection.runAndReadAll(`SELECT ${columns.join(', ')} FROM read_parquet(${quoteString(file)})`);
    const rows = reader.getRowObjectsJS().map((row): Row => {
      const treated: Row = { ...row };
      for (const name of pseudonymised) {
        const raw = row[name];
        treated[name] = typeof raw === 'string' ? pseudonym(raw) : null;
      }
      return treated;
    });
    out.set(dataset.id, rows);
  }
  return out;
}

async function rawValues(dataDir: string, sql: (file: string) => string): Promise<Set<string>> {
  const reader = await connection.runAndReadAll(sql(await parquetOf(dataDir, 'patients')));
  return new Set(reader.getRows().map((row) => String(row[0])));
}

const FULL_POSTCODE = /[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}/i;
const FULL_DATE = /\d{4}-\d{2}-\d{2}/;
const LSOA = /E01\d{6}/;

/** Every value a minimised row holds, as text, with where it came from. */
function* valuesOf(tables: Map<string, Row[]>): Generator<{ where: string; text: string }> {
  for (const [id, rows] of tables) {
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        if (value === null) continue;
        yield { where: `${id}.${column}`, text: value instanceof Date ? value.toISOString() : String(value) };
      }
    }
  }
}

describe.each([
  ['generated by enclave platform init', () => path.join(root, 'data')],
  ['of the hand-written fixture', () => fixture.dataDir],
])('DEFAULT_POLICY over the data %s', (_label, dataDirOf) => {
  it('leaves no NHS number, full date of birth, full date, full postcode or LSOA code in any value', async () => {
    const dataDir = dataDirOf();
    const tables = await minimised(dataDir);
    const nhsNumbers = await rawValues(dataDir, (file) => `SELECT nhs_number FROM read_parquet(${quoteString(file)})`);
    const births = await rawValues(dataDir, (file) => `SELECT strftime(date_of_birth, '%Y-%m-%d') FROM read_parquet(${quoteString(file)})`);
    const postcodes = await rawValues(
      dataDir,
      (file) => `SELECT upper(replace(postcode, ' ', '')) FROM read_parquet(${quoteString(file)})`,
    );
    expect(nhsNumbers.size).toBeGreaterThan(0);
    let checked = 0;
    const found: string[] = [];
    for (const { where, text } of valuesOf(tables)) {
      checked += 1;
      const digitRuns = text.match(/\d{10}/g) ?? [];
      if (digitRuns.some(isValidNhsNumber) || nhsNumbers.has(text)) found.push(`${where}: NHS number`);
      if (births.has(text) || FULL_DATE.test(text)) found.push(`${where}: full date`);
      if (FULL_POSTCODE.test(text) || postcodes.has(text.toUpperCase().replaceAll(' ', ''))) found.push(`${where}: full postcode`);
      if (LSOA.test(text)) found.push(`${where}: LSOA code`);
    }
    expect(found.slice(0, 5)).toEqual([]);
    expect(checked).toBeGreaterThan(50);
    const texts = [...valuesOf(tables)].map(({ text }) => text);
    for (const number of FIXTURE_NHS_NUMBERS) expect(texts.filter((text) => text.includes(number))).toEqual([]);
  });

  it("keeps what the project needs: a person's pseudonym links their rows across datasets, and places and ages are coarse", async () => {
    const tables = await minimised(dataDirOf());
    const patients = new Set((tables.get('patients') ?? []).map((row) => row.nhs_number));
    for (const id of ['hospital_episodes', 'covid_tests', 'shielded_patients', 'national_opt_outs']) {
      for (const row of tables.get(id) ?? []) expect(patients.has(row.nhs_number)).toBe(true);
    }
    for (const row of tables.get('patients') ?? []) {
      expect(row.nhs_number).toMatch(/^P[A-Z]{20}$/);
      expect(row.date_of_birth).toMatch(/^(\d{1,2}-\d{1,2}|90\+)$/);
      expect(row.postcode).toMatch(/^[A-Z]{1,2}[0-9][A-Z0-9]?$/);
      expect([
        'North East',
        'North West',
        'Yorkshire and The Humber',
        'East Midlands',
        'West Midlands',
        'East of England',
        'London',
        'South East',
        'South West',
      ]).toContain(row.lsoa_code);
      if (row.date_of_death !== null) expect(row.date_of_death).toMatch(/^\d{4}-\d{2}$/);
    }
    for (const row of tables.get('hospital_episodes') ?? []) {
      expect(row.admission_date).toMatch(/^\d{4}-\d{2}$/);
      expect(row.age_on_admission).toMatch(/^(\d{1,2}|90\+)$/);
    }
  });
});
