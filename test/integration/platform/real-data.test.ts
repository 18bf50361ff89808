// The platform over data the real generator wrote (`enclave platform init --scale 10000`), with the shipped
// catalogue and demo seed: it starts, its catalogue counts what each project sees, and no sample carries an NHS
// number. SATRE 3.1.x (minimisation): direct identifiers never reach the analyst.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPlatformInit } from '../../../src/cli/platform-init.ts';
import { CatalogueSchema, ProjectSchema } from '../../../src/common/contract.ts';
import { quoteString } from '../../../src/common/sql-identifiers.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { bearerFor, PSEUDONYM, TEST_PUBLIC_URL } from './fixture.ts';

let root: string;
let dataDir: string;
let server: PlatformServer;
let manifest: { datasets: Record<string, { rows: number }> };
let auth: { authorization: string };

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'enclave-real-data-'));
  dataDir = path.join(root, 'data');
  const stderr = new PassThrough();
  let log = '';
  stderr.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const code = await runPlatformInit(['--data-dir', dataDir, '--scale', '10000', '--seed', '7'], {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr,
  });
  if (code !== 0) throw new Error(`platform init failed (${code}): ${log}`);
  manifest = JSON.parse(await readFile(path.join(dataDir, 'manifest.json'), 'utf8')) as typeof manifest;
  server = await createPlatformServer({ dataDir, publicUrl: TEST_PUBLIC_URL });
  auth = await bearerFor(dataDir, 'demo-analyst');
}, 180_000);

afterAll(async () => {
  await server?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

async function get(url: string) {
  return server.app.inject({ method: 'GET', url, headers: auth });
}

describe('the platform over generated data', () => {
  it("reports each dataset's row count as the project sees it: opted-out patients left out", async () => {
    // cardio-admissions has no cohort: its patients are every patient but those in the national opt-out register.
    const catalogue = CatalogueSchema.parse((await get('/api/v1/projects/cardio-admissions/catalogue')).json());
    const raw = (name: string) => quoteString(path.join(dataDir, 'datasets', `${name}.parquet`));
    const instance = await DuckDBInstance.create(':memory:');
    try {
      const connection = await instance.connect();
      const [[count]] = (
        await connection.runAndReadAll(
          `SELECT count(*) FROM read_parquet(${raw('patients')}) WHERE nhs_number NOT IN (SELECT nhs_number FROM read_parquet(${raw('national_opt_outs')}))`,
        )
      ).getRows();
      connection.closeSync();
      const patients = catalogue.datasets.find((dataset) => dataset.id === 'patients')!.rowCount;
      expect(patients).toBe(Number(count));
      expect(patients).toBeLessThan(manifest.datasets.patients.rows);
      expect(manifest.datasets.patients.rows).toBe(10_000);
    } finally {
      instance.closeSync();
    }
  });

  it("never returns an NHS number in any sample of any of the analyst's projects", async () => {
    const projects = ProjectSchema.array().parse((await get('/api/v1/projects')).json());
    for (const project of projects) {
      for (const datasetId of project.datasetIds) {
        const response = await get(`/api/v1/projects/${project.id}/datasets/${datasetId}/sample?limit=1000000`);
        expect(response.statusCode).toBe(200);
        const table = tableFromIPC(response.rawPayload);
        // The whole dataset as the project sees it: as many rows as its catalogue says, no more than the raw data.
        const catalogue = CatalogueSchema.parse((await get(`/api/v1/projects/${project.id}/catalogue`)).json());
        expect(table.numRows).toBe(catalogue.datasets.find((dataset) => dataset.id === datasetId)!.rowCount);
        expect(table.numRows).toBeLessThanOrEqual(manifest.datasets[datasetId].rows);
        // The NHS number column carries the project's pseudonym, never the number.
        for (const value of table.getChild('nhs_number')?.toArray() ?? []) expect(value).toMatch(PSEUDONYM);
        // Any ten-digit run starting 999 would be an NHS number from the test range, whatever the column.
        for (const field of table.schema.fields) {
          const column = table.getChild(field.name)!;
          if (!String(field.type).includes('Utf8')) continue;
          for (const value of column) expect(typeof value === 'string' && /999\d{7}/.test(value)).toBe(false);
        }
      }
    }
  }, 120_000);

  it('returns the same first rows whatever the limit', async () => {
    const small = tableFromIPC((await get('/api/v1/projects/cardio-admissions/datasets/hospital_episodes/sample?limit=50')).rawPayload);
    const large = tableFromIPC((await get('/api/v1/projects/cardio-admissions/datasets/hospital_episodes/sample?limit=500')).rawPayload);
    expect(large.slice(0, 50).getChild('episode_id')!.toArray()).toEqual(small.getChild('episode_id')!.toArray());
  });
});
