// The embedded DuckDB engine behind the one engine seam: it serves only a data folder whose manifest and
// hashes check out, and refuses to start otherwise, with a message that says what to do.
import { appendFile, readFile, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnclaveError } from '../../../src/common/errors.ts';
import { openDuckDbEngine } from '../../../src/platform/engine/duckdb-engine.ts';
import { createPlatformServer } from '../../../src/platform/server.ts';
import { asStored, createPlatformFixture, type PlatformFixture } from './fixture.ts';

let fixture: PlatformFixture;

beforeEach(async () => {
  fixture = await createPlatformFixture();
});

afterEach(async () => {
  await fixture.cleanup();
});

type Manifest = { datasets: Record<string, { file: string; rows: number; sha256: string }> };

async function editManifest(edit: (manifest: Manifest) => void) {
  const file = path.join(fixture.dataDir, 'manifest.json');
  const manifest = JSON.parse(await readFile(file, 'utf8')) as Manifest;
  edit(manifest);
  await writeFile(file, JSON.stringify(manifest));
}

async function refusal(): Promise<EnclaveError> {
  const error = await openDuckDbEngine({ dataDir: fixture.dataDir }).then(
    async (engine) => {
      await engine.close();
      throw new Error('the engine started');
    },
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(EnclaveError);
  expect((error as EnclaveError).code).toBe('unavailable');
  return error as EnclaveError;
}

describe('openDuckDbEngine', () => {
  it('serves every dataset of the manifest with its row count and columns', async () => {
    const engine = await openDuckDbEngine({ dataDir: fixture.dataDir });
    try {
      expect(engine.datasets().map((dataset) => [dataset.id, dataset.rowCount])).toEqual([
        ['patients', 5],
        ['hospital_episodes', 3],
        ['covid_tests', 3],
        ['shielded_patients', 2],
        ['national_opt_outs', 1],
      ]);
      expect(engine.datasets()[4].columns).toEqual([
        { name: 'nhs_number', type: 'VARCHAR' },
        { name: 'opted_out_date', type: 'DATE' },
      ]);
    } finally {
      await engine.close();
    }
  });

  it('refuses to start without a manifest, and says to run init', async () => {
    await rm(path.join(fixture.dataDir, 'manifest.json'));
    expect((await refusal()).message).toMatch(/manifest\.json is missing.*enclave platform init/);
  });

  it('refuses a data file whose sha256 does not match the manifest', async () => {
    await appendFile(path.join(fixture.dataDir, 'datasets', 'covid_tests.parquet'), 'x');
    expect((await refusal()).message).toMatch(/covid_tests\.parquet does not match the manifest \(sha256 differs\)/);
  });

  it('refuses a data file that is missing', async () => {
    await rm(path.join(fixture.dataDir, 'datasets', 'patients.parquet'));
    expect((await refusal()).message).toMatch(/patients\.parquet is missing/);
  });

  it('refuses a manifest that points outside datasets/ (path traversal)', async () => {
    await editManifest((manifest) => {
      manifest.datasets.patients.file = '../../../etc/passwd';
    });
    expect((await refusal()).message).toContain('it must be "datasets/patients.parquet"');
  });

  it('refuses a data file that is a symbolic link', async () => {
    const real = path.join(fixture.root, 'elsewhere.parquet');
    const link = path.join(fixture.dataDir, 'datasets', 'patients.parquet');
    await copyFile(link, real);
    await rm(link);
    await symlink(real, link);
    expect((await refusal()).message).toMatch(/is not a regular file/);
  });

  it('refuses a manifest whose row count disagrees with the file', async () => {
    await editManifest((manifest) => {
      manifest.datasets.patients.rows = 6;
    });
    expect((await refusal()).message).toMatch(/patients has 5 rows but the manifest says 6/);
  });

  it('refuses a manifest that is not JSON, or not format 1', async () => {
    await writeFile(path.join(fixture.dataDir, 'manifest.json'), '{not json');
    expect((await refusal()).message).toMatch(/not valid JSON/);
    await writeFile(path.join(fixture.dataDir, 'manifest.json'), JSON.stringify({ format: 2, datasets: {} }));
    expect((await refusal()).message).toMatch(/not a format-1 manifest/);
  });

  it("refuses a data folder whose files do not have the catalogue's columns (server start-up)", async () => {
    const catalogue = JSON.parse(await readFile(fixture.cataloguePath, 'utf8')) as Array<{ fields: Array<{ type: string }> }>;
    catalogue[0].fields[1].type = 'VARCHAR';
    await writeFile(fixture.cataloguePath, JSON.stringify(catalogue));
    const error = await createPlatformServer({ dataDir: fixture.dataDir, cataloguePath: fixture.cataloguePath }).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(EnclaveError);
    expect((error as EnclaveError).message).toMatch(/catalogue and the data folder disagree: patients/);
  });
});

describe('DuckDbEngine.sample', () => {
  it('dictionary-encodes low-cardinality text and sends high-cardinality text plain, at every limit', async () => {
    // A 70,000-row dataset beside the fixture's: one text column with 70,000 distinct values, one with 3.
    const file = path.join(fixture.dataDir, 'datasets', 'wide_codes.parquet');
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(
      `COPY (SELECT i::BIGINT AS id, 'P' || i::VARCHAR AS postcode, ['a','b','c'][1 + i % 3] AS code FROM range(70000) t(i)) TO '${file}' (FORMAT parquet)`,
    );
    connection.closeSync();
    instance.closeSync();
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256')
      .update(await readFile(file))
      .digest('hex');
    await editManifest((manifest) => {
      manifest.datasets.wide_codes = { file: 'datasets/wide_codes.parquet', rows: 70000, sha256 };
    });
    const engine = await openDuckDbEngine({ dataDir: fixture.dataDir });
    try {
      for (const limit of [1, 70000]) {
        const table = tableFromIPC(
          await engine.sample({ datasetId: 'wide_codes', columns: asStored('id', 'postcode', 'code'), orderBy: ['id'], limit }),
        );
        expect(table.schema.fields.map((field) => String(field.type))).toEqual(['Int64', 'Utf8', 'Dictionary<Int32, Utf8>']);
        expect(table.numRows).toBe(limit);
        expect(table.get(0)?.toJSON()).toEqual({ id: 0n, postcode: 'P0', code: 'a' });
      }
    } finally {
      await engine.close();
    }
  });

  it('orders by the given columns whatever order the file holds', async () => {
    const engine = await openDuckDbEngine({ dataDir: fixture.dataDir });
    try {
      const bytes = await engine.sample({
        datasetId: 'covid_tests',
        columns: asStored('test_id', 'result'),
        orderBy: ['test_id'],
        limit: 10,
      });
      expect(tableFromIPC(bytes).getChild('test_id')!.toArray()).toEqual(new BigInt64Array([10n, 20n, 30n]));
    } finally {
      await engine.close();
    }
  });

  it('is cancelled by an aborted signal', async () => {
    const engine = await openDuckDbEngine({ dataDir: fixture.dataDir });
    try {
      const controller = new AbortController();
      controller.abort();
      const error = await engine
        .sample({ datasetId: 'patients', columns: asStored('sex'), orderBy: ['sex'], limit: 1, signal: controller.signal })
        .catch((err: unknown) => err);
      expect(error).toMatchObject({ code: 'cancelled' });
    } finally {
      await engine.close();
    }
  });

  it('refuses a malformed column name, without naming it', async () => {
    const engine = await openDuckDbEngine({ dataDir: fixture.dataDir });
    try {
      const error = await engine
        .sample({ datasetId: 'patients', columns: [{ name: 'sex", nhs_number, "sex', sql: '"sex"' }], orderBy: [], limit: 1 })
        .catch((err: unknown) => err);
      expect(error).toMatchObject({ code: 'internal' });
      expect((error as Error).message).not.toContain('nhs_number');
    } finally {
      await engine.close();
    }
  });

  it('orders only by columns it returns: never by a field the sample leaves out', async () => {
    const engine = await openDuckDbEngine({ dataDir: fixture.dataDir });
    try {
      const error = await engine
        .sample({ datasetId: 'patients', columns: asStored('sex'), orderBy: ['nhs_number'], limit: 1 })
        .catch((err: unknown) => err);
      expect(error).toMatchObject({ code: 'internal' });
      expect((error as Error).message).not.toContain('nhs_number');
    } finally {
      await engine.close();
    }
  });

  it('orders by the returned (treated) values, not by the stored column of the same name', async () => {
    const engine = await openDuckDbEngine({ dataDir: fixture.dataDir });
    try {
      // test_id 10, 20, 30 stored; returned as 40 - test_id, so ordering by the returned values reverses them.
      const bytes = await engine.sample({
        datasetId: 'covid_tests',
        columns: [{ name: 'test_id', sql: '(40 - "test_id")' }],
        orderBy: ['test_id'],
        limit: 10,
      });
      expect(tableFromIPC(bytes).getChild('test_id')!.toArray()).toEqual(new BigInt64Array([10n, 20n, 30n]));
    } finally {
      await engine.close();
    }
  });

  it('refuses a dataset it does not serve', async () => {
    const engine = await openDuckDbEngine({ dataDir: fixture.dataDir });
    try {
      await expect(engine.sample({ datasetId: 'users', columns: asStored('id'), orderBy: [], limit: 1 })).rejects.toMatchObject({
        code: 'not_found',
      });
      expect(() => engine.rowCount('duckdb_settings')).toThrow(EnclaveError);
    } finally {
      await engine.close();
    }
  });

  it('refuses to sample after close', async () => {
    const engine = await openDuckDbEngine({ dataDir: fixture.dataDir });
    await engine.close();
    await engine.close();
    await expect(engine.sample({ datasetId: 'patients', columns: asStored('sex'), orderBy: [], limit: 1 })).rejects.toMatchObject({
      code: 'unavailable',
    });
  });
});
