// Every data-returning route, walked as each demo project's analyst over data the real generator wrote: the catalogue
// and every dataset's sample in both formats (Arrow and Parquet). No raw identifier appears anywhere — no valid
// NHS number, full postcode, full date (so no exact date of birth), or LSOA code — and the pseudonym links one
// person's rows across two datasets of a project, is the keyed HMAC of their NHS number under that project's key, and
// differs across projects. SATRE 3.1.x (minimisation): direct identifiers never reach the analyst; quasi-identifiers
// are coarsened.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlatformInit } from '../../../src/cli/platform-init.ts';
import { CatalogueSchema, SAMPLE_ROW_LIMIT, type Catalogue } from '../../../src/common/contract.ts';
import { quoteString } from '../../../src/common/sql-identifiers.ts';
import { openProjectKeys } from '../../../src/platform/minimisation/project-keys.ts';
import { pseudonymOf } from '../../../src/platform/minimisation/pseudonym.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { isValidNhsNumber } from '../../../src/platform/synth/nhs-number.ts';
import { bearerFor, PSEUDONYM, TEST_PUBLIC_URL } from './fixture.ts';

/** Each demo project and an analyst member of it (the admin member of opt-out monitoring takes no samples). */
const WALKS = [
  { projectId: 'covid-outcomes', analyst: 'demo-analyst' },
  { projectId: 'cardio-admissions', analyst: 'demo-analyst-2' },
  { projectId: 'opt-out-monitoring', analyst: 'demo-analyst-2' },
] as const;

let root: string;
let dataDir: string;
let server: PlatformServer;
let manifest: { datasets: Record<string, { file: string; rows: number }> };
/** Every value every walk saw, by project and dataset and format: column name → values as text (null kept). */
const seen = new Map<string, Map<string, Array<string | null>>>();
const catalogues = new Map<string, Catalogue>();

type Rows = Map<string, Array<string | null>>;

function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value);
}

function arrowColumns(bytes: Uint8Array): { rows: Rows; types: string[] } {
  const table = tableFromIPC(bytes);
  const rows: Rows = new Map();
  table.schema.fields.forEach((field, i) => {
    const vector = table.getChildAt(i)!;
    const values: Array<string | null> = [];
    for (let row = 0; row < table.numRows; row += 1) {
      const value: unknown = vector.get(row);
      // A Date32 arrives as days' milliseconds: written as the date it is, so a full date is caught below.
      values.push(
        String(field.type).startsWith('Date') && typeof value === 'number' ? new Date(value).toISOString().slice(0, 10) : asText(value),
      );
    }
    rows.set(field.name, values);
  });
  return { rows, types: table.schema.fields.map((field) => String(field.type)) };
}

async function parquetColumns(bytes: Uint8Array): Promise<{ rows: Rows; types: string[] }> {
  const file = path.join(root, `sample-${Math.random().toString(36).slice(2)}.parquet`);
  await writeFile(file, bytes);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet(${quoteString(file)})`);
    const names = reader.columnNames();
    const rows: Rows = new Map(names.map((name) => [name, []]));
    for (const row of reader.getRowsJS()) names.forEach((name, i) => rows.get(name)!.push(asText(row[i])));
    return { rows, types: names.map((_name, i) => reader.columnType(i).toString()) };
  } finally {
    connection.closeSync();
    instance.closeSync();
    await rm(file, { force: true });
  }
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'enclave-minimised-walk-'));
  dataDir = path.join(root, 'data');
  const stderr = new PassThrough();
  let log = '';
  stderr.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const code = await runPlatformInit(['--data-dir', dataDir, '--scale', '2000', '--seed', '5'], {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr,
  });
  if (code !== 0) throw new Error(`platform init failed (${code}): ${log}`);
  manifest = JSON.parse(await readFile(path.join(dataDir, 'manifest.json'), 'utf8')) as typeof manifest;
  server = await createPlatformServer({ dataDir, publicUrl: TEST_PUBLIC_URL });

  for (const { projectId, analyst } of WALKS) {
    const auth = await bearerFor(dataDir, analyst);
    const get = (url: string) => server.app.inject({ method: 'GET', url, headers: auth });
    const catalogueAnswer = await get(`/api/v1/projects/${projectId}/catalogue`);
    if (catalogueAnswer.statusCode !== 200) throw new Error(`catalogue of ${projectId}: ${catalogueAnswer.body}`);
    const catalogue = CatalogueSchema.parse(catalogueAnswer.json());
    catalogues.set(projectId, catalogue);
    for (const dataset of catalogue.datasets) {
      for (const format of ['arrow', 'parquet'] as const) {
        const answer = await get(`/api/v1/projects/${projectId}/datasets/${dataset.id}/sample?limit=${SAMPLE_ROW_LIMIT}&format=${format}`);
        if (answer.statusCode !== 200) throw new Error(`${format} sample of ${projectId}/${dataset.id}: ${answer.body}`);
        const { rows, types } = format === 'arrow' ? arrowColumns(answer.rawPayload) : await parquetColumns(answer.rawPayload);
        // No column is a date at all: every date the project sees is coarsened to text.
        for (const type of types) expect(type, `${projectId}/${dataset.id} ${format}`).not.toMatch(/^Date|^DATE|TIMESTAMP/);
        seen.set(`${projectId}/${dataset.id}/${format}`, rows);
      }
    }
  }
}, 300_000);

afterAll(async () => {
  await server?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

/** A raw identifier in a text, or null: a valid NHS number, a full postcode, a full date, an LSOA code. */
function rawIdentifierIn(text: string): string | null {
  for (const run of text.match(/\d{10}/g) ?? []) if (isValidNhsNumber(run)) return `NHS number ${run}`;
  if (/\b[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}\b/.test(text)) return `full postcode in ${text}`;
  if (/\d{4}-\d{2}-\d{2}/.test(text)) return `full date in ${text}`;
  if (/[EW]01\d{6}/.test(text)) return `LSOA code in ${text}`;
  return null;
}

describe('the minimised walk over every demo project, as its analyst', () => {
  it('walked every dataset of every project in both formats, every row', () => {
    for (const { projectId } of WALKS) {
      for (const dataset of catalogues.get(projectId)!.datasets) {
        const arrow = seen.get(`${projectId}/${dataset.id}/arrow`)!;
        const parquet = seen.get(`${projectId}/${dataset.id}/parquet`)!;
        expect([...arrow.keys()]).toEqual(dataset.fields.filter((field) => field.available).map((field) => field.name));
        expect([...parquet.keys()]).toEqual([...arrow.keys()]);
        expect(arrow.values().next().value?.length).toBe(manifest.datasets[dataset.id].rows);
        // Both formats carry the same values in the same order.
        for (const [name, values] of arrow) expect(parquet.get(name), `${projectId}/${dataset.id}.${name}`).toEqual(values);
      }
    }
  });

  it('never shows a raw identifier: no valid NHS number, full postcode, full date or LSOA code, in any value', () => {
    for (const [where, rows] of seen) {
      for (const [name, values] of rows) {
        for (const value of values) {
          if (value === null) continue;
          const found = rawIdentifierIn(value);
          if (found !== null) expect.fail(`${where}.${name}: ${found}`);
        }
      }
    }
  });

  it('gives every field its treatment in words in the catalogue, and shows no raw identifier there either', () => {
    for (const catalogue of catalogues.values()) {
      for (const dataset of catalogue.datasets) {
        for (const field of dataset.fields) {
          expect(field.available).toBe(field.treatment !== 'not available to this project');
          if (field.available) expect(field.treatment).toMatch(/ → /);
        }
      }
      // The words name the agreement's reference date ("5-year age band at 2023-03-31"), a date of no person.
      const words = JSON.stringify(catalogue.datasets.map((dataset) => dataset.fields.map((field) => field.treatment)));
      expect(rawIdentifierIn(words.replace(/ at \d{4}-\d{2}-\d{2}/g, ''))).toBeNull();
    }
    const patients = catalogues.get('covid-outcomes')!.datasets.find((dataset) => dataset.id === 'patients')!;
    expect(patients.fields.find((field) => field.name === 'nhs_number')?.treatment).toBe('NHS number → project pseudonym');
  });

  it("links a person's rows across two datasets of a project through the pseudonym: the HMAC of the NHS number under the project's key", async () => {
    const key = await openProjectKeys({ dataDir }).keyFor('covid-outcomes');
    const patients = seen.get('covid-outcomes/patients/arrow')!.get('nhs_number')!;
    const tests = seen.get('covid-outcomes/covid_tests/arrow')!.get('nhs_number')!;
    for (const value of [...patients, ...tests]) expect(value).toMatch(PSEUDONYM);
    // Every test's person is a patient, by pseudonym.
    const patientSet = new Set(patients);
    expect(tests.length).toBeGreaterThan(0);
    for (const pseudonym of tests) expect(patientSet.has(pseudonym)).toBe(true);
    // The pseudonyms are exactly the keyed HMACs of the raw NHS numbers, read here from the data files directly.
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const file = path.join(dataDir, manifest.datasets.covid_tests.file);
      const raw = (await connection.runAndReadAll(`SELECT DISTINCT nhs_number FROM read_parquet(${quoteString(file)})`)).getRowsJS();
      expect(new Set(tests)).toEqual(new Set(raw.map(([nhsNumber]) => pseudonymOf(nhsNumber as string, key))));
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('gives the same person different pseudonyms in different projects', () => {
    const covid = new Set(seen.get('covid-outcomes/patients/arrow')!.get('nhs_number'));
    const cardio = seen.get('cardio-admissions/patients/arrow')!.get('nhs_number')!;
    const optOut = seen.get('opt-out-monitoring/patients/arrow')!.get('nhs_number')!;
    expect(covid.size).toBe(manifest.datasets.patients.rows);
    expect(cardio.filter((pseudonym) => covid.has(pseudonym))).toEqual([]);
    expect(optOut.filter((pseudonym) => covid.has(pseudonym) || cardio.includes(pseudonym as string))).toEqual([]);
  });

  it('orders every sample by treated values: the patients by their pseudonym', () => {
    for (const { projectId } of WALKS) {
      const pseudonyms = seen.get(`${projectId}/patients/arrow`)!.get('nhs_number')! as string[];
      expect(pseudonyms).toEqual([...pseudonyms].sort());
    }
  });
});
