// The consumer's view: a sample's Arrow stream loads into DuckDB-wasm (as the workstation loads it) with the
// catalogue's types for fields kept as recorded, text for treated ones (months, age bands, pseudonyms, regions), text
// (dictionary-encoded or plain) as VARCHAR, and nulls intact.
import { createRequire } from 'node:module';
import { DuckDBTypeId } from '@duckdb/node-api';
import path from 'node:path';
import type * as DuckDBWasm from '@duckdb/duckdb-wasm/blocking';
import type { Int64, Utf8 } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { columnBuilderFor, toArrowIpcStream } from '../../../src/platform/engine/arrow-columns.ts';
import { bearerFor, createPlatformFixture, TEST_PUBLIC_URL, type PlatformFixture } from './fixture.ts';

type Wasm = typeof DuckDBWasm;
const require = createRequire(import.meta.url);

let fixture: PlatformFixture;
let server: PlatformServer;
let auth: { authorization: string };
let db: Awaited<ReturnType<Wasm['createDuckDB']>>;

beforeAll(async () => {
  fixture = await createPlatformFixture();
  server = await createPlatformServer({ dataDir: fixture.dataDir, cataloguePath: fixture.cataloguePath, publicUrl: TEST_PUBLIC_URL });
  auth = await bearerFor(fixture.dataDir, 'demo-analyst');
  const duckdb = require('@duckdb/duckdb-wasm/blocking') as Wasm;
  const dist = path.dirname(require.resolve('@duckdb/duckdb-wasm/blocking'));
  const bundles = {
    mvp: { mainModule: path.join(dist, 'duckdb-mvp.wasm'), mainWorker: '' },
    eh: { mainModule: path.join(dist, 'duckdb-eh.wasm'), mainWorker: '' },
  };
  db = await duckdb.createDuckDB(bundles, new duckdb.VoidLogger(), duckdb.NODE_RUNTIME);
  await db.instantiate();
});

afterAll(async () => {
  await server?.close();
  await fixture?.cleanup();
});

async function load(table: string, bytes: Uint8Array) {
  const connection = db.connect();
  connection.insertArrowFromIPCStream(bytes, { name: table });
  return connection;
}

describe('a sample in DuckDB-wasm', () => {
  it.each([
    ['patients', 'covid-outcomes'],
    ['hospital_episodes', 'covid-outcomes'],
    ['shielded_patients', 'covid-outcomes'],
  ])('%s keeps the catalogue types of its fields kept as recorded, and treated ones as text', async (datasetId, projectId) => {
    const catalogue = (await server.app.inject({ method: 'GET', url: `/api/v1/projects/${projectId}/catalogue`, headers: auth })).json<{
      datasets: Array<{ id: string; fields: Array<{ name: string; type: string; available: boolean; treatment: string }> }>;
    }>();
    const expected = catalogue.datasets.find((dataset) => dataset.id === datasetId)!.fields.filter((field) => field.available);
    const response = await server.app.inject({
      method: 'GET',
      url: `/api/v1/projects/${projectId}/datasets/${datasetId}/sample?limit=100`,
      headers: auth,
    });
    const connection = await load(datasetId, response.rawPayload);
    const described = connection
      .query(`DESCRIBE ${datasetId}`)
      .toArray()
      .map((row: { column_name: string; column_type: string }) => `${row.column_name} ${row.column_type}`);
    expect(described).toEqual(
      expected.map((field) => `${field.name} ${field.treatment.endsWith('→ as recorded') ? field.type : 'VARCHAR'}`),
    );
    connection.close();
  });

  it('keeps nulls and values', async () => {
    const response = await server.app.inject({
      method: 'GET',
      url: '/api/v1/projects/cardio-admissions/datasets/patients/sample?limit=5',
      headers: auth,
    });
    const connection = await load('patients_values', response.rawPayload);
    const row = connection
      .query<{ deaths: Int64; last: Utf8; sexes: Utf8 }>(
        `SELECT count(date_of_death) AS deaths, max(date_of_death)::VARCHAR AS last, string_agg(sex, '' ORDER BY date_of_birth) AS sexes FROM patients_values`,
      )
      .get(0)!;
    // The date of death as a month, the date of birth as an age band (20-24 and 35-39 are the two men); the
    // opted-out patient is not there.
    expect(row.toJSON()).toEqual({ deaths: 1n, last: '2021-01', sexes: 'MMFF' });
    connection.close();
  });

  it('reads plain (not dictionary-encoded) text too', async () => {
    const builder = columnBuilderFor({ typeId: DuckDBTypeId.VARCHAR, typeName: 'VARCHAR', index: 0, dictionary: false });
    builder.append({ getItem: (i: number) => ['LS1 4AB', null, 'M13 9PL'][i] } as never, 3);
    const connection = await load('plain_text', toArrowIpcStream([{ name: 'postcode', builder }]));
    expect(
      connection
        .query('SELECT postcode FROM plain_text')
        .toArray()
        .map((row: { postcode: string | null }) => row.postcode),
    ).toEqual(['LS1 4AB', null, 'M13 9PL']);
    connection.close();
  });
});
