// The datasets hold together: every NHS number links to a patient, dates respect birth, death and the
// windows, derived columns agree with their sources, codes come from the shipped lists, and the manifest
// describes the files exactly.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidNhsNumber } from '../../../src/platform/synth/nhs-number.ts';
import { loadReferenceData } from '../../../src/platform/synth/reference-data.ts';
import { generateData } from './helpers.ts';
import type { GeneratedData } from './helpers.ts';

let data: GeneratedData;
const ref = loadReferenceData();

beforeAll(async () => {
  data = await generateData({ prefix: 'integrity', scale: 10_000, seed: 3 });
}, 60_000);

afterAll(async () => {
  await data?.cleanup();
});

const none = async (sql: string): Promise<void> => {
  expect(await data.scalar(`SELECT count(*) FROM (${sql})`), sql).toBe(0);
};

const inList = (values: string[]): string => values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ');

describe('links between datasets', () => {
  it.each(['hospital_episodes', 'covid_tests', 'shielded_patients', 'national_opt_outs'])('every %s row names a patient', async (id) => {
    await none(`SELECT nhs_number FROM ${id} WHERE nhs_number NOT IN (SELECT nhs_number FROM patients)`);
  });

  it('gives each patient one unique, valid NHS number from the 999 test range', async () => {
    const numbers = (await data.query('SELECT nhs_number FROM patients')).map((r) => String(r.nhs_number));
    expect(numbers).toHaveLength(10_000);
    expect(new Set(numbers).size).toBe(10_000);
    expect(numbers.filter((n) => !isValidNhsNumber(n) || !n.startsWith('999'))).toEqual([]);
  });

  it('lists a patient at most once on each register, and numbers episodes and tests uniquely from 1', async () => {
    await none('SELECT nhs_number FROM shielded_patients GROUP BY 1 HAVING count(*) > 1');
    await none('SELECT nhs_number FROM national_opt_outs GROUP BY 1 HAVING count(*) > 1');
    for (const [table, id] of [
      ['hospital_episodes', 'episode_id'],
      ['covid_tests', 'test_id'],
    ] as const) {
      const row = (
        await data.query(`SELECT min(${id}) AS lo, max(${id}) AS hi, count(DISTINCT ${id}) AS n, count(*) AS total FROM ${table}`)
      )[0];
      expect(Number(row.lo)).toBe(1);
      expect(Number(row.hi)).toBe(Number(row.total));
      expect(Number(row.n)).toBe(Number(row.total));
    }
  });
});

describe('dates', () => {
  it("keep stays inside the person's life and the window, with discharge on or after admission", async () => {
    await none(`SELECT * FROM hospital_episodes WHERE discharge_date < admission_date`);
    await none(`SELECT * FROM hospital_episodes WHERE length_of_stay <> discharge_date - admission_date`);
    await none(`SELECT * FROM hospital_episodes WHERE admission_date < DATE '2018-04-01' OR discharge_date > DATE '2023-03-31'`);
    await none(`SELECT * FROM hospital_episodes e JOIN patients p USING (nhs_number)
      WHERE e.admission_date < p.date_of_birth OR e.discharge_date > coalesce(p.date_of_death, DATE '2023-03-31')`);
  });

  it("never overlap one person's stays", async () => {
    await none(`SELECT * FROM (SELECT admission_date, lag(discharge_date) OVER (PARTITION BY nhs_number ORDER BY admission_date, episode_id) AS previous
      FROM hospital_episodes) WHERE admission_date < previous`);
  });

  it('give the age on admission in completed years', async () => {
    await none(`SELECT * FROM hospital_episodes e JOIN patients p USING (nhs_number)
      WHERE e.age_on_admission <> year(e.admission_date) - year(p.date_of_birth)
        - CASE WHEN strftime(e.admission_date, '%m%d') < strftime(p.date_of_birth, '%m%d') THEN 1 ELSE 0 END`);
  });

  it("keep tests, shielding and opt-outs inside the person's life", async () => {
    await none(`SELECT * FROM covid_tests t JOIN patients p USING (nhs_number)
      WHERE t.specimen_date < p.date_of_birth OR t.specimen_date > coalesce(p.date_of_death, DATE '2023-03-31')`);
    await none(`SELECT * FROM shielded_patients s JOIN patients p USING (nhs_number)
      WHERE s.date_added < p.date_of_birth OR s.date_added > coalesce(p.date_of_death, DATE '2023-03-31')`);
    await none(`SELECT * FROM national_opt_outs o JOIN patients p USING (nhs_number)
      WHERE o.opted_out_date < p.date_of_birth OR o.opted_out_date > coalesce(p.date_of_death, DATE '2023-03-31')
        OR o.opted_out_date < DATE '2018-05-25'`);
    await none(
      `SELECT * FROM patients WHERE date_of_death < date_of_birth OR date_of_death > DATE '2023-03-31' OR date_of_birth > DATE '2023-03-31'`,
    );
  });
});

describe('codes and formats', () => {
  it('write well-formed postcodes, small areas, practices and regions', async () => {
    await none(`SELECT * FROM patients WHERE NOT regexp_full_match(postcode, '[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][ABDEFGHJLNPQRSTUWXYZ]{2}')`);
    await none(`SELECT * FROM patients WHERE NOT regexp_full_match(lsoa_code, 'E01[0-9]{6}')`);
    await none(`SELECT * FROM patients WHERE NOT regexp_full_match(practice_code, '[A-Z][0-9]{5}')`);
    await none(`SELECT * FROM patients WHERE region NOT IN (${inList(ref.regions.map((r) => r.name))}) OR sex NOT IN ('F', 'M')`);
    // A postcode lies in one small area.
    await none(`SELECT postcode FROM patients GROUP BY 1 HAVING count(DISTINCT lsoa_code) > 1`);
  });

  it('use only codes from the shipped lists', async () => {
    const icd = inList(ref.diagnoses.map((d) => d.code));
    await none(`SELECT * FROM hospital_episodes WHERE primary_diagnosis NOT IN (${icd}) OR secondary_diagnosis NOT IN (${icd})`);
    await none(`SELECT * FROM hospital_episodes WHERE primary_procedure NOT IN (${inList(ref.procedures.map((p) => p.code))})`);
    await none(`SELECT * FROM hospital_episodes WHERE provider_code NOT IN (${inList(ref.trusts.map((t) => t.code))})`);
    await none(`SELECT * FROM hospital_episodes WHERE admission_method NOT IN ('elective', 'emergency', 'maternity', 'transfer')`);
    await none(`SELECT * FROM hospital_episodes WHERE secondary_diagnosis = primary_diagnosis`);
    await none(`SELECT * FROM covid_tests WHERE test_type NOT IN ('PCR', 'LFD') OR result NOT IN ('positive', 'negative', 'void')`);
    await none(`SELECT * FROM shielded_patients WHERE reason NOT IN (${inList(ref.shieldingReasons.map((r) => r.reason))})`);
  });

  it("put each test in a local authority of the patient's region", async () => {
    const laRegion = ref.localAuthorities
      .map((la) => `('${la.code}', '${ref.regions.find((r) => r.code === la.regionCode)?.name}')`)
      .join(', ');
    await none(`SELECT * FROM covid_tests t JOIN patients p USING (nhs_number)
      LEFT JOIN (VALUES ${laRegion}) AS la(code, region) ON la.code = t.local_authority_code
      WHERE la.region IS DISTINCT FROM p.region`);
  });
});

describe('manifest', () => {
  it('lists each file with its row count and sha256, and no timestamps', async () => {
    const text = await readFile(path.join(data.dataDir, 'manifest.json'), 'utf8');
    const manifest = JSON.parse(text) as typeof data.manifest;
    expect(Object.keys(manifest)).toEqual(['format', 'seed', 'scale', 'datasets']);
    expect(manifest).toMatchObject({ format: 1, seed: 3, scale: 10_000 });
    for (const [id, entry] of Object.entries(manifest.datasets)) {
      expect(entry.file).toBe(`datasets/${id}.parquet`);
      const bytes = await readFile(path.join(data.dataDir, entry.file));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);
      expect(await data.scalar(`SELECT count(*) FROM ${id}`)).toBe(entry.rows);
    }
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T|"(created|generated|time)/i);
  });
});
