// A platform fixture whose patients dataset is large enough that sampling it takes the platform a while, so a test
// can stop a sample mid-way. Same columns as the fixture's (test/integration/platform/fixture.ts), a few nulls, stored
// out of key order; the manifest's row count and hash are rewritten to match.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

export async function enlargePatients(dataDir: string, rows: number): Promise<void> {
  const file = path.join(dataDir, 'datasets', 'patients.parquet');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`COPY (
        SELECT printf('999%07d', i) AS nhs_number, DATE '1930-01-01' + (i % 30000)::INTEGER AS date_of_birth,
          CASE WHEN i % 2 = 0 THEN 'F' ELSE 'M' END AS sex, CASE WHEN i % 7 = 0 THEN NULL ELSE 'A1' END AS ethnicity,
          'LS1 4AB' AS postcode, printf('E01%06d', i % 30000) AS lsoa_code, 'London' AS region,
          printf('B%05d', i % 7000) AS practice_code, CASE WHEN i % 50 = 0 THEN DATE '2021-01-15' END AS date_of_death
        FROM range(${rows}) t(i) ORDER BY hash(i)
      ) TO '${file}' (FORMAT parquet)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  const manifestPath = path.join(dataDir, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { datasets: Record<string, { rows: number; sha256: string }> };
  const patients = manifest.datasets.patients;
  if (patients === undefined) throw new Error('The fixture has no patients dataset.');
  patients.rows = rows;
  patients.sha256 = createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
}
