// The embedded DuckDB engine behind the one engine seam: it serves only a data folder whose manifest and
// hashes check out, and refuses to start otherwise, with a message that says what to do. Samples and queries read a
// project's minimised copy, built from a spec (here written by hand, below the minimisation layer): only the spec's
// columns and rows, ordered by the values the copy holds, answered whole or not at all.
import { createHash } from 'node:crypto';
import { appendFile, copyFile, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC, type Table } from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EnclaveError } from '../../../src/common/errors.ts';
import { quoteString } from '../../../src/common/sql-identifiers.ts';
import type { DataEngine } from '../../../src/platform/engine/data-engine.ts';
import { openDuckDbEngine } from '../../../src/platform/engine/duckdb-engine.ts';
import { QUERY_EXPORTS_FOLDER } from '../../../src/platform/engine/exports-folder.ts';
import { createPlatformServer } from '../../../src/platform/server.ts';
import { errorOf } from '../../support/error-of.ts';
import { answerBytes, expectedPseudonym, arrowOf, copyFiles, relation, specOf, stored } from './copy-support.ts';
import { createPlatformFixture, type PlatformFixture } from './fixture.ts';

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

/** Adds a dataset beside the fixture's, written by DuckDB from `sql`, with its manifest entry. */
async function addDataset(id: string, sql: string): Promise<void> {
  const file = path.join(fixture.dataDir, 'datasets', `${id}.parquet`);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  let rows: number;
  try {
    await connection.run(`COPY (${sql}) TO ${quoteString(file)} (FORMAT parquet)`);
    rows = Number((await connection.runAndReadAll(`SELECT count(*) FROM (${sql})`)).getRows()[0]?.[0]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  const sha256 = createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
  await editManifest((manifest) => {
    manifest.datasets[id] = { file: `datasets/${id}.parquet`, rows, sha256 };
  });
}

/** Opens the engine on the fixture, hands it to `use`, and closes it however `use` ends. */
async function withEngine(use: (engine: DataEngine) => Promise<void>, options: { queryTimeoutMs?: number } = {}): Promise<void> {
  const engine = await openDuckDbEngine({ dataDir: fixture.dataDir, ...options });
  try {
    await use(engine);
  } finally {
    await engine.close();
  }
}

const column = (table: Table, name: string): unknown[] => [...table.getChild(name)!].map((value: unknown) => value);

describe('DuckDbEngine.copy: samples of a minimised copy', () => {
  it('streams a sample as Arrow record batches of plain columns, at every limit, in order', async () => {
    // 70,000 rows: more than one record batch. A text column with 70,000 distinct values, one with 3.
    await addDataset(
      'wide_codes',
      `SELECT i::BIGINT AS id, 'P' || i::VARCHAR AS postcode, ['a','b','c'][1 + i % 3] AS code FROM range(70000) t(i) ORDER BY hash(i)`,
    );
    await withEngine(async (engine) => {
      const copy = await engine.copy(
        specOf({ relations: [relation({ name: 'wide_codes', columns: stored('id', 'postcode', 'code'), sampleOrder: ['id'] })] }),
      );
      for (const limit of [1, 70000]) {
        const answer = await copy.sample({ relation: 'wide_codes', limit, format: 'arrow' });
        const bytes = await answerBytes({ ...answer });
        expect(answer.rows).toBe(limit);
        expect(answer.bytes).toBe(bytes.byteLength);
        const table = tableFromIPC(bytes);
        expect(table.schema.fields.map((field) => String(field.type))).toEqual(['Int64', 'Utf8', 'Utf8']);
        expect(table.numRows).toBe(limit);
        expect(table.batches.length).toBe(limit > 65_536 ? 2 : 1);
        expect(table.get(0)?.toJSON()).toEqual({ id: 0n, postcode: 'P0', code: 'a' });
        expect(table.get(limit - 1)?.toJSON()).toMatchObject({ id: BigInt(limit - 1) });
      }
    });
  });

  it("orders a sample by the relation's sample order whatever order the file holds", async () => {
    await withEngine(async (engine) => {
      const copy = await engine.copy(
        specOf({ relations: [relation({ name: 'covid_tests', columns: stored('test_id', 'result'), sampleOrder: ['test_id'] })] }),
      );
      const table = await arrowOf(await copy.sample({ relation: 'covid_tests', limit: 10, format: 'arrow' }));
      expect(column(table, 'test_id')).toEqual([10n, 20n, 30n]);
    });
  });

  it('orders by the treated values the copy holds, not by the stored column of the same name', async () => {
    await withEngine(async (engine) => {
      // test_id 10, 20, 30 stored; held as 40 - test_id, so ordering by the held values reverses them.
      const copy = await engine.copy(
        specOf({
          relations: [
            relation({ name: 'covid_tests', columns: [{ name: 'test_id', sql: '(40 - raw."test_id")' }], sampleOrder: ['test_id'] }),
          ],
        }),
      );
      const table = await arrowOf(await copy.sample({ relation: 'covid_tests', limit: 10, format: 'arrow' }));
      expect(column(table, 'test_id')).toEqual([10n, 20n, 30n]);
    });
  });

  it('orders by every other column after the sample order, so the same request always gives the same rows', async () => {
    await withEngine(async (engine) => {
      const copy = await engine.copy(
        specOf({ relations: [relation({ name: 'patients', columns: stored('sex', 'ethnicity', 'region') })] }),
      );
      const table = await arrowOf(await copy.sample({ relation: 'patients', limit: 10, format: 'arrow' }));
      // sex, then ethnicity, then region: F A1, F C1, F D3, M A1, M B2.
      expect(column(table, 'region')).toEqual(['Yorkshire and The Humber', 'South West', 'West Midlands', 'London', 'North West']);
      const parquet = await copy.sample({ relation: 'patients', limit: 2, format: 'parquet' });
      expect(parquet.rows).toBe(2);
      await parquet.dispose();
    });
  });

  it("holds a pseudonym column as the HMAC of each raw value under the spec's key, computed by the engine; NULL stays NULL", async () => {
    await addDataset('people', `SELECT * FROM (VALUES ('9990000018', 1), (NULL, 2), ('9990000026', 3)) t(nhs_number, n)`);
    await withEngine(async (engine) => {
      const copy = await engine.copy(
        specOf({
          relations: [
            relation({
              name: 'people',
              columns: [{ name: 'nhs_number', pseudonymOf: 'nhs_number', domain: 'person' }, ...stored('n')],
              sampleOrder: ['n'],
            }),
          ],
        }),
      );
      const table = await arrowOf(await copy.sample({ relation: 'people', limit: 10, format: 'arrow' }));
      expect(column(table, 'nhs_number')).toEqual([expectedPseudonym('9990000018'), null, expectedPseudonym('9990000026')]);
      expect(column(table, 'nhs_number')[0]).toMatch(/^P[BCDFGHJKLMNPQRST]{20}$/);
    });
  });

  it('gives a person on several rows one pseudonym, and the same value in another domain an unrelated one', async () => {
    // One person, three episodes; the episodes' own numbers are pseudonymised in their own domain.
    await addDataset(
      'episodes',
      `SELECT * FROM (VALUES ('9990000018', 1), ('9990000018', 2), ('9990000026', 3), ('9990000018', 4), ('Zoë ✓', 5)) t(nhs_number, n)`,
    );
    await withEngine(async (engine) => {
      const copy = await engine.copy(
        specOf({
          relations: [
            relation({
              name: 'episodes',
              columns: [
                { name: 'nhs_number', pseudonymOf: 'nhs_number', domain: 'person' },
                { name: 'episode', pseudonymOf: 'nhs_number', domain: 'episodes.nhs_number' },
                ...stored('n'),
              ],
              sampleOrder: ['n'],
            }),
          ],
        }),
      );
      const table = await arrowOf(await copy.sample({ relation: 'episodes', limit: 10, format: 'arrow' }));
      const [a, b] = [expectedPseudonym('9990000018'), expectedPseudonym('9990000026')];
      expect(column(table, 'nhs_number')).toEqual([a, a, b, a, expectedPseudonym('Zoë ✓')]);
      expect(column(table, 'episode')).toEqual(
        ['9990000018', '9990000018', '9990000026', '9990000018', 'Zoë ✓'].map((value) => expectedPseudonym(value, 'episodes.nhs_number')),
      );
      expect(column(table, 'episode')[0]).not.toBe(a);
    });
  });

  it('gives every person a pseudonym however many there are: none of 300,000 is left without one, each as Node computes it', async () => {
    await addDataset('many_people', `SELECT printf('999%07d', i) AS nhs_number, i::BIGINT AS n FROM range(300000) t(i) ORDER BY hash(i)`);
    await withEngine(async (engine) => {
      const copy = await engine.copy(
        specOf({
          relations: [
            relation({
              name: 'many_people',
              columns: [{ name: 'nhs_number', pseudonymOf: 'nhs_number', domain: 'person' }, ...stored('n')],
            }),
          ],
        }),
      );
      const sql =
        'SELECT count(*) AS people, count(nhs_number) AS pseudonymised, count(DISTINCT nhs_number) AS distinct_pseudonyms FROM many_people';
      const table = await arrowOf(await copy.query({ sql, parsed: await copy.parse(sql), format: 'arrow', rowCap: 1 }));
      expect(table.get(0)?.toJSON()).toEqual({ people: 300000n, pseudonymised: 300000n, distinct_pseudonyms: 300000n });
      const some = 'SELECT n, nhs_number FROM many_people WHERE n IN (0, 1, 299999) ORDER BY n';
      const rows = await arrowOf(await copy.query({ sql: some, parsed: await copy.parse(some), format: 'arrow', rowCap: 3 }));
      expect(column(rows, 'nhs_number')).toEqual(['9990000000', '9990000001', '9990299999'].map((value) => expectedPseudonym(value)));
    });
  });

  it("keeps only the rows the spec's filters allow, and a NULL among a filter's members excludes nothing", async () => {
    await withEngine(async (engine) => {
      const copy = await engine.copy(
        specOf({
          relations: [
            relation({
              name: 'episodes_from_june',
              datasetId: 'hospital_episodes',
              columns: stored('episode_id'),
              filters: [{ kind: 'date_from', column: 'admission_date', from: '2020-06-01' }],
              sampleOrder: ['episode_id'],
            }),
            relation({
              name: 'episodes_of_positives',
              datasetId: 'hospital_episodes',
              columns: stored('episode_id'),
              filters: [
                {
                  kind: 'in',
                  column: 'nhs_number',
                  dataset: 'covid_tests',
                  datasetColumn: 'nhs_number',
                  where: { column: 'result', oneOf: ['positive'] },
                },
              ],
              sampleOrder: ['episode_id'],
            }),
            // shielded_patients.reason holds a NULL: with NOT IN it would leave out every row.
            relation({
              name: 'episodes_not_in',
              datasetId: 'hospital_episodes',
              columns: stored('episode_id'),
              filters: [{ kind: 'not_in', column: 'secondary_diagnosis', dataset: 'shielded_patients', datasetColumn: 'reason' }],
              sampleOrder: ['episode_id'],
            }),
          ],
        }),
      );
      const ids = async (name: string) =>
        column(await arrowOf(await copy.sample({ relation: name, limit: 10, format: 'arrow' })), 'episode_id');
      expect(await ids('episodes_from_june')).toEqual([2n, 3n]);
      expect(await ids('episodes_of_positives')).toEqual([3n]);
      expect(await ids('episodes_not_in')).toEqual([1n, 2n, 3n]);
      expect(copy.relations.map((each) => [each.id, each.rowCount])).toEqual([
        ['episodes_from_june', 2],
        ['episodes_not_in', 3],
        ['episodes_of_positives', 1],
      ]);
    });
  });

  it('is cancelled by an aborted signal, and writes no answer', async () => {
    await withEngine(async (engine) => {
      const copy = await engine.copy(specOf({ relations: [relation({ name: 'patients', columns: stored('sex') })] }));
      const controller = new AbortController();
      controller.abort();
      for (const format of ['arrow', 'parquet'] as const) {
        expect(await errorOf(copy.sample({ relation: 'patients', limit: 1, format, signal: controller.signal }))).toMatchObject({
          code: 'cancelled',
        });
      }
      const sql = 'SELECT sex FROM patients';
      const error = await errorOf(
        copy.query({ sql, parsed: await copy.parse(sql), format: 'arrow', rowCap: 10, signal: controller.signal }),
      );
      expect(error.code).toBe('cancelled');
      expect(await readdir(path.join(fixture.dataDir, QUERY_EXPORTS_FOLDER))).toEqual([]);
    });
  });

  it('refuses a spec with a malformed column name, without naming it to the caller', async () => {
    await withEngine(async (engine) => {
      const error = await errorOf(
        engine.copy(
          specOf({ relations: [relation({ name: 'patients', columns: [{ name: 'sex", nhs_number, "sex', sql: 'raw."sex"' }] })] }),
        ),
      );
      expect(error.code).toBe('unavailable');
      expect(error.message).not.toContain('nhs_number');
      expect(await copyFiles(fixture.dataDir)).toEqual([]);
    });
  });

  it('orders only by columns the copy holds: a sample order by a field the relation leaves out is refused', async () => {
    await withEngine(async (engine) => {
      const error = await errorOf(
        engine.copy(specOf({ relations: [relation({ name: 'patients', columns: stored('sex'), sampleOrder: ['nhs_number'] })] })),
      );
      expect(error.code).toBe('unavailable');
      expect(error.message).not.toContain('nhs_number');
    });
  });

  it('refuses a dataset it does not serve, and a sample of a relation the copy does not hold', async () => {
    await withEngine(async (engine) => {
      expect((await errorOf(engine.copy(specOf({ relations: [relation({ name: 'users', columns: stored('id') })] })))).code).toBe(
        'unavailable',
      );
      const copy = await engine.copy(specOf({ relations: [relation({ name: 'patients', columns: stored('sex') })] }));
      for (const name of ['users', 'covid_tests', 'duckdb_settings', 'patients; DROP TABLE patients', 'temp.main.enclave_pseudonyms']) {
        expect((await errorOf(copy.sample({ relation: name, limit: 1, format: 'arrow' }))).code).toBe('not_found');
      }
      expect(() => engine.rowCount('duckdb_settings')).toThrow(EnclaveError);
    });
  });

  it('reuses the copy of the same version, also after a restart, and builds another for a new version', async () => {
    const spec = specOf({ relations: [relation({ name: 'patients', columns: stored('sex') })] });
    let built: { file: string; mtimeMs: number; ino: number };
    await withEngine(async (engine) => {
      const copy = await engine.copy(spec);
      expect(await engine.copy(spec)).toBe(copy);
      const [file] = await copyFiles(fixture.dataDir);
      const info = await stat(file);
      built = { file: file, mtimeMs: info.mtimeMs, ino: info.ino };
    });
    await withEngine(async (engine) => {
      const copy = await engine.copy(spec);
      expect(copy.relations).toEqual([{ id: 'patients', rowCount: 5, columns: [{ name: 'sex', type: 'VARCHAR' }] }]);
      const info = await stat(built.file);
      expect({ mtimeMs: info.mtimeMs, ino: info.ino }).toEqual({ mtimeMs: built.mtimeMs, ino: built.ino });

      const next = await engine.copy({ ...spec, version: 'another' });
      expect(next.version).not.toBe(copy.version);
      await vi.waitFor(async () => expect(await copyFiles(fixture.dataDir)).toHaveLength(1));
      expect(await copyFiles(fixture.dataDir)).not.toContain(built.file);
    });
  });

  it('answers a checked query whole, or refuses one over the row cap or past the time limit with nothing written', async () => {
    await withEngine(
      async (engine) => {
        const copy = await engine.copy(specOf({ relations: [relation({ name: 'patients', columns: stored('sex') })] }));
        const run = async (sql: string, rowCap: number) => copy.query({ sql, parsed: await copy.parse(sql), format: 'arrow', rowCap });

        const answer = await run('SELECT sex, count(*) AS n FROM patients GROUP BY sex ORDER BY sex', 10);
        expect((await arrowOf(answer)).toArray().map((row: { toJSON(): unknown }) => row.toJSON())).toEqual([
          { sex: 'F', n: 3n },
          { sex: 'M', n: 2n },
        ]);
        expect((await errorOf(run('SELECT sex FROM patients', 4))).message).toMatch(/more than 4 rows/);
        const slow = await errorOf(run('SELECT count(*) FROM patients, range(100000000) a, range(100000) b', 10));
        expect(slow.message).toMatch(/longer than the platform allows/);
        expect(await readdir(path.join(fixture.dataDir, QUERY_EXPORTS_FOLDER))).toEqual([]);
      },
      { queryTimeoutMs: 500 },
    );
  });

  it('runs only the statement that was checked: a text that parses otherwise is refused', async () => {
    await withEngine(async (engine) => {
      const copy = await engine.copy(specOf({ relations: [relation({ name: 'patients', columns: stored('sex') })] }));
      const checked = await copy.parse('SELECT sex FROM patients');
      for (const sql of ['SELECT count(*) FROM patients', 'SELECT sex FROM patients) AS x, (SELECT 1']) {
        const error = await errorOf(copy.query({ sql, parsed: checked, format: 'arrow', rowCap: 10 }));
        expect(error.code).toBe('invalid_input');
      }
    });
  });

  it('refuses a copy and its samples once closed', async () => {
    const engine = await openDuckDbEngine({ dataDir: fixture.dataDir });
    const spec = specOf({ relations: [relation({ name: 'patients', columns: stored('sex') })] });
    const copy = await engine.copy(spec);
    await engine.close();
    await engine.close();
    expect((await errorOf(engine.copy(spec))).code).toBe('unavailable');
    expect((await errorOf(copy.sample({ relation: 'patients', limit: 1, format: 'arrow' }))).code).toBe('unavailable');
  });
});
