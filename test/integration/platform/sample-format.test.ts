// Samples and queries as Parquet (for the workstation's native engine) beside the Arrow default, on the real platform
// over real HTTP: the same rows, columns and order either way (both read the project's minimised copy), and a Parquet
// answer leaves nothing on the platform's disk however it ends: read whole, the client gone mid-stream, or gone while
// the file is written. SATRE 3.1.x (data minimisation): the direct identifier is in neither answer.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { watch } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ErrorValueSchema } from '../../../src/common/errors.ts';
import { PARQUET_CONTENT_TYPE } from '../../../src/common/platform-api.ts';
import { ARROW_STREAM_CONTENT_TYPE } from '../../../src/common/transport-protocol.ts';
import { openDuckDbEngine } from '../../../src/platform/engine/duckdb-engine.ts';
import { QUERY_EXPORTS_FOLDER } from '../../../src/platform/engine/exports-folder.ts';
import { createPlatformServer, type PlatformServer } from '../../../src/platform/server.ts';
import { errorOf } from '../../support/error-of.ts';
import { copiesBuilt, relation, specOf, stored } from './copy-support.ts';
import { enlargePatients } from './large-patients.ts';
import { bearerFor, createPlatformFixture, FIXTURE_NHS_NUMBERS, PSEUDONYM, TEST_PUBLIC_URL, type PlatformFixture } from './fixture.ts';

/** Enough patients that writing and sending a sample takes the platform a while: there is a "mid-way" to leave in. */
const PATIENT_ROWS = 1_000_000;

let fixture: PlatformFixture;
let server: PlatformServer;
let url: string;
let ada: { authorization: string };
let scratch: string;

beforeAll(async () => {
  fixture = await createPlatformFixture();
  await enlargePatients(fixture.dataDir, PATIENT_ROWS);
  server = await createPlatformServer({ dataDir: fixture.dataDir, cataloguePath: fixture.cataloguePath, publicUrl: TEST_PUBLIC_URL });
  url = await server.listen({ port: 0, host: '127.0.0.1' });
  ada = await bearerFor(fixture.dataDir, 'demo-analyst');
  // The projects' copies (a million patients each, pseudonymised) are built in the background at start; the tests
  // begin once all are there, so no answer waits for or competes with a build.
  await copiesBuilt(fixture.dataDir, 3);
  scratch = await mkdtemp(path.join(os.tmpdir(), 'enclave-sample-format-'));
}, 300_000);

afterAll(async () => {
  await server?.close();
  await fixture?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const exportsFolder = () => path.join(fixture.dataDir, QUERY_EXPORTS_FOLDER);
/**
 * Where each dataset is sampled: the patients in Cardiovascular admissions, which sees every patient but the opted-out
 * (COVID-19 outcomes sees only those with a positive test); the tests and episodes in COVID-19 outcomes.
 */
const PROJECT_OF: Record<string, string> = {
  patients: 'cardio-admissions',
  hospital_episodes: 'covid-outcomes',
  covid_tests: 'covid-outcomes',
};
const samplePath = (dataset: string, query: string) => `/api/v1/projects/${PROJECT_OF[dataset]}/datasets/${dataset}/sample?${query}`;

async function get(pathAndQuery: string) {
  const response = await fetch(new URL(pathAndQuery, url), { headers: ada });
  return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
}

async function postQuery(projectId: string, body: { sql: string; format?: string }) {
  const response = await fetch(new URL(`/api/v1/projects/${projectId}/query`, url), {
    method: 'POST',
    headers: { ...ada, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
}

/** Each dataset's rows as its project sees them: the catalogue's count, which is the minimised copy's. */
async function rowsSeen(dataset: string): Promise<number> {
  const { bytes } = await get(`/api/v1/projects/${PROJECT_OF[dataset]}/catalogue`);
  const catalogue = JSON.parse(Buffer.from(bytes).toString('utf8')) as { datasets: Array<{ id: string; rowCount: number }> };
  return catalogue.datasets.find((each) => each.id === dataset)!.rowCount;
}

/** Rows as plain JSON values, whichever format they came in: dates as YYYY-MM-DD, integers as numbers. */
function plain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return value;
}

function arrowRows(bytes: Uint8Array): { columns: string[]; rows: unknown[][] } {
  const table = tableFromIPC(bytes);
  const columns = table.schema.fields.map((field) => field.name);
  const vectors = columns.map((_name, i) => table.getChildAt(i));
  const rows: unknown[][] = [];
  for (let row = 0; row < table.numRows; row += 1) {
    rows.push(
      vectors.map((vector, i) => {
        const value: unknown = vector?.get(row);
        // Arrow carries a DATE as days; DuckDB's JSON as text.
        return String(table.schema.fields[i]?.type).startsWith('Date') && typeof value === 'number'
          ? new Date(value).toISOString().slice(0, 10)
          : plain(value);
      }),
    );
  }
  return { columns, rows };
}

async function parquetRows(bytes: Uint8Array): Promise<{ columns: string[]; rows: unknown[][] }> {
  const file = path.join(scratch, `${randomUUID()}.parquet`);
  await writeFile(file, bytes);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
    return { columns: reader.columnNames(), rows: reader.getRowsJS().map((row) => row.map(plain)) };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** File descriptors of this process (the platform runs in it) still open on an answer file. */
async function openAnswerFiles(): Promise<string[]> {
  const open: string[] = [];
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target.includes(exportsFolder())) open.push(target);
  }
  return open;
}

async function nothingLeft(): Promise<void> {
  await vi.waitFor(
    async () => {
      expect(await readdir(exportsFolder())).toEqual([]);
      if (process.platform === 'linux') expect(await openAnswerFiles()).toEqual([]);
    },
    { timeout: 10_000, interval: 20 },
  );
}

describe('the sample route in Parquet', () => {
  for (const [dataset, limit] of [
    ['patients', 2_000],
    ['hospital_episodes', 10],
    ['covid_tests', 10],
  ] as const) {
    it(`${dataset}: the Parquet answer holds the same columns, rows and order as the Arrow one`, async () => {
      const arrow = await get(samplePath(dataset, `limit=${limit}`));
      const parquet = await get(samplePath(dataset, `limit=${limit}&format=parquet`));

      expect(arrow.response.headers.get('content-type')).toBe(ARROW_STREAM_CONTENT_TYPE);
      expect(parquet.response.status).toBe(200);
      expect(parquet.response.headers.get('content-type')).toBe(PARQUET_CONTENT_TYPE);
      expect(Number(parquet.response.headers.get('content-length'))).toBe(parquet.bytes.byteLength);
      const fromArrow = arrowRows(arrow.bytes);
      const fromParquet = await parquetRows(parquet.bytes);
      expect(fromParquet.columns).toEqual(fromArrow.columns);
      // The NHS number travels only as the project's pseudonym, in both formats.
      const nhsAt = fromParquet.columns.indexOf('nhs_number');
      expect(nhsAt).toBeGreaterThanOrEqual(0);
      for (const row of fromParquet.rows) expect(row[nhsAt]).toMatch(PSEUDONYM);
      expect(fromParquet.rows.length).toBe(Math.min(limit, await rowsSeen(dataset)));
      expect(fromParquet.rows).toEqual(fromArrow.rows);
      await nothingLeft();
    });
  }

  it('format=arrow answers exactly what no format answers', async () => {
    const named = await get(samplePath('covid_tests', 'limit=3&format=arrow'));
    const unnamed = await get(samplePath('covid_tests', 'limit=3'));

    expect(named.response.headers.get('content-type')).toBe(ARROW_STREAM_CONTENT_TYPE);
    expect(arrowRows(named.bytes)).toEqual(arrowRows(unnamed.bytes));
  });

  it('a format it does not know is refused with invalid_input naming the parameter, and not echoed', async () => {
    const { response, bytes } = await get(samplePath('patients', 'limit=3&format=csv%3Cscript%3E'));

    expect(response.status).toBe(400);
    const error = ErrorValueSchema.parse((JSON.parse(Buffer.from(bytes).toString('utf8')) as { error: unknown }).error);
    expect(error).toEqual({ code: 'invalid_input', message: 'format must be "arrow" (the default) or "parquet".' });
  });

  it('a non-member gets the same 404 in Parquet as in Arrow, and no file is written', async () => {
    const parquet = await get('/api/v1/projects/opt-out-monitoring/datasets/national_opt_outs/sample?limit=5&format=parquet');
    const arrow = await get('/api/v1/projects/opt-out-monitoring/datasets/national_opt_outs/sample?limit=5');

    expect(parquet.response.status).toBe(404);
    expect(Buffer.from(parquet.bytes).toString()).toBe(Buffer.from(arrow.bytes).toString());
    expect(await readdir(exportsFolder())).toEqual([]);
  });

  it('no NHS number appears anywhere in a Parquet answer', async () => {
    for (const dataset of ['covid_tests', 'hospital_episodes']) {
      const small = await get(samplePath(dataset, 'limit=10&format=parquet'));

      expect(small.response.status).toBe(200);
      const text = Buffer.from(small.bytes).toString('latin1');
      for (const nhsNumber of FIXTURE_NHS_NUMBERS) expect(text).not.toContain(nhsNumber);
    }
  });
});

describe('the query route in Parquet', () => {
  it('answers the same columns, rows and order as in Arrow, and leaves nothing on the platform', async () => {
    const sql = 'SELECT sex, region, count(*) AS patients FROM patients GROUP BY sex, region ORDER BY sex, region';
    const arrow = await postQuery('cardio-admissions', { sql, format: 'arrow' });
    const parquet = await postQuery('cardio-admissions', { sql, format: 'parquet' });

    expect(arrow.response.status).toBe(200);
    expect(parquet.response.status).toBe(200);
    expect(parquet.response.headers.get('content-type')).toBe(PARQUET_CONTENT_TYPE);
    expect(Number(parquet.response.headers.get('content-length'))).toBe(parquet.bytes.byteLength);
    const fromArrow = arrowRows(arrow.bytes);
    const fromParquet = await parquetRows(parquet.bytes);
    expect(fromParquet).toEqual(fromArrow);
    expect(fromArrow.columns).toEqual(['sex', 'region', 'patients']);
    // Every patient but the one who opted out, counted on the platform.
    expect(fromArrow.rows.reduce((sum, row) => sum + Number(row[2]), 0)).toBe(PATIENT_ROWS - 1);
    await nothingLeft();
  });

  it('a query the engine fails part-way answers an error and leaves no file', async () => {
    const { response, bytes } = await postQuery('cardio-admissions', {
      sql: 'SELECT CAST(sex AS INTEGER) AS n FROM patients',
      format: 'parquet',
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const error = ErrorValueSchema.parse((JSON.parse(Buffer.from(bytes).toString('utf8')) as { error: unknown }).error);
    expect(error.code).toBe('invalid_input');
    await nothingLeft();
  });
});

describe('a Parquet answer leaves nothing on the platform', () => {
  it('when the client goes away mid-stream: the file is closed and gone', async () => {
    const gone = new Promise<number>((resolve, reject) => {
      const sent = request(new URL(samplePath('patients', `limit=${PATIENT_ROWS}&format=parquet`), url), { headers: ada }, (response) => {
        response.once('data', (chunk: Buffer) => {
          sent.destroy();
          resolve(chunk.byteLength);
        });
      });
      sent.on('error', (err) => (sent.destroyed ? undefined : reject(err)));
      sent.end();
    });

    expect(await gone).toBeGreaterThan(0);

    await nothingLeft();
  });

  it('when the client goes away while the platform still writes the file', async () => {
    // The request's own folder appears in the exports folder before DuckDB starts writing: the client leaves then.
    const folderAppeared = new Promise<void>((resolve) => {
      const watcher = watch(exportsFolder(), () => {
        watcher.close();
        resolve();
      });
    });
    const sent = request(new URL(samplePath('patients', `limit=${PATIENT_ROWS}&format=parquet`), url), { headers: ada });
    const answered = new Promise<'answered' | 'hung up'>((resolve) => {
      sent.on('response', () => resolve('answered'));
      sent.on('error', () => resolve('hung up'));
      sent.on('close', () => resolve('hung up'));
    });
    sent.end();

    await folderAppeared;
    sent.destroy();

    expect(await answered).toBe('hung up');
    await nothingLeft();
  });

  it('what a crash left in the exports folder is removed when the engine starts', async () => {
    const left = path.join(exportsFolder(), randomUUID());
    await mkdir(left, { mode: 0o700 });
    await writeFile(path.join(left, 'sample.parquet'), 'half a file', { mode: 0o600 });

    const engine = await openDuckDbEngine({ dataDir: fixture.dataDir });
    await engine.close();

    expect(await readdir(exportsFolder())).toEqual([]);
  });

  it("a copy's sample cancelled before it starts writes nothing and says cancelled, in either format", async () => {
    const engine = await openDuckDbEngine({ dataDir: fixture.dataDir });
    try {
      const copy = await engine.copy(
        specOf({ projectId: 'sample-format', relations: [relation({ name: 'patients', columns: stored('sex') })] }),
      );
      const controller = new AbortController();
      controller.abort();

      for (const format of ['parquet', 'arrow'] as const) {
        const error = await errorOf(copy.sample({ relation: 'patients', limit: 5, format, signal: controller.signal }));
        expect(error.code).toBe('cancelled');
      }
      expect(await readdir(exportsFolder())).toEqual([]);
    } finally {
      await engine.close();
    }
  });

  it('the exports folder and every answer file in it are private to the platform', async () => {
    const engine = await openDuckDbEngine({ dataDir: fixture.dataDir });
    try {
      const copy = await engine.copy(
        specOf({ projectId: 'sample-format', relations: [relation({ name: 'covid_tests', columns: stored('result') })] }),
      );
      const answer = await copy.sample({ relation: 'covid_tests', limit: 3, format: 'parquet' });
      const open = await openAnswerFiles();
      await answer.dispose();

      expect(((await stat(exportsFolder())).mode & 0o777).toString(8)).toBe('700');
      // Unlinked as soon as it was opened: only the open handle reaches it (Linux shows it as deleted).
      if (process.platform === 'linux') {
        expect(open.length).toBeGreaterThan(0);
        expect(open.every((target) => target.endsWith('(deleted)'))).toBe(true);
      }
      expect(await readdir(exportsFolder())).toEqual([]);
    } finally {
      await engine.close();
    }
  });
});
