// The five datasets: their staging columns (plain numbers, filled by the generator) and the SELECT that turns
// them into the published columns (strings, dates) when DuckDB writes the Parquet file.
import { ADMISSION_METHODS } from './clinical-codes.ts';
import { TEST_RESULTS, TEST_TYPES } from './covid-tests.ts';
import type { Geography } from './geography.ts';
import type { ColumnKind } from './staging-table.ts';
import type { ReferenceData } from './reference-data.ts';

export const DATASET_IDS = ['patients', 'hospital_episodes', 'covid_tests', 'shielded_patients', 'national_opt_outs'] as const;
export type DatasetId = (typeof DATASET_IDS)[number];

export const STAGING_COLUMNS: Record<DatasetId, readonly (readonly [string, ColumnKind])[]> = {
  patients: [
    ['nhs', 'num'],
    ['dob', 'int'],
    ['sex', 'int'],
    ['ethnicity', 'int'],
    ['district', 'int'],
    ['inward', 'int'],
    ['lsoa', 'int'],
    ['region', 'int'],
    ['practice', 'int'],
    ['dod', 'int'],
  ],
  hospital_episodes: [
    ['id', 'int'],
    ['nhs', 'num'],
    ['admission', 'int'],
    ['los', 'int'],
    ['method', 'int'],
    ['primary_dx', 'int'],
    ['secondary_dx', 'int'],
    ['procedure', 'int'],
    ['provider', 'int'],
    ['age', 'int'],
  ],
  covid_tests: [
    ['id', 'int'],
    ['nhs', 'num'],
    ['specimen', 'int'],
    ['type', 'int'],
    ['result', 'int'],
    ['la', 'int'],
  ],
  shielded_patients: [
    ['nhs', 'num'],
    ['shielded', 'int'],
    ['reason', 'int'],
    ['added', 'int'],
  ],
  national_opt_outs: [
    ['nhs', 'num'],
    ['opted_out', 'int'],
  ],
};

/** Unambiguous postcode unit letters (the Royal Mail never uses C, I, K, M, O or V in the inward code). */
export const UNIT_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

function sqlList(values: readonly string[]): string {
  return `[${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')}]`;
}

const nhs = `CAST(CAST(nhs AS BIGINT) AS VARCHAR) AS nhs_number`;
const date = (column: string, name: string): string => `CAST(DATE '1970-01-01' + ${column} AS DATE) AS ${name}`;
/** Lists are 1-based in DuckDB; a NULL index gives NULL. */
const lookup = (list: string, column: string, name: string): string => `(${list})[${column} + 1] AS ${name}`;

export function exportSelect(id: DatasetId, ref: ReferenceData, geo: Geography): string {
  const table = `stage_${id}`;
  switch (id) {
    case 'patients': {
      const letters = sqlList([...UNIT_LETTERS]);
      return `SELECT ${nhs}, ${date('dob', 'date_of_birth')},
        CASE sex WHEN 0 THEN 'F' ELSE 'M' END AS sex,
        ${lookup(sqlList(ref.ethnicities.map((e) => e.code)), 'ethnicity', 'ethnicity')},
        (${sqlList(geo.districts)})[district + 1] || ' ' || CAST(inward // 400 AS VARCHAR)
          || (${letters})[(inward % 400) // 20 + 1] || (${letters})[inward % 20 + 1] AS postcode,
        'E01' || lpad(CAST(lsoa AS VARCHAR), 6, '0') AS lsoa_code,
        ${lookup(sqlList(geo.regionNames), 'region', 'region')},
        ${lookup(sqlList(geo.practiceCodes), 'practice', 'practice_code')},
        ${date('dod', 'date_of_death')}
        FROM ${table}`;
    }
    case 'hospital_episodes': {
      const dx = sqlList(ref.diagnoses.map((d) => d.code));
      return `SELECT CAST(id AS BIGINT) AS episode_id, ${nhs}, ${date('admission', 'admission_date')},
        ${date('admission + los', 'discharge_date')},
        ${lookup(sqlList(ADMISSION_METHODS), 'method', 'admission_method')},
        ${lookup(dx, 'primary_dx', 'primary_diagnosis')},
        ${lookup(dx, 'secondary_dx', 'secondary_diagnosis')},
        ${lookup(sqlList(ref.procedures.map((p) => p.code)), 'procedure', 'primary_procedure')},
        ${lookup(sqlList(geo.trustCodes), 'provider', 'provider_code')},
        age AS age_on_admission, los AS length_of_stay
        FROM ${table}`;
    }
    case 'covid_tests':
      return `SELECT CAST(id AS BIGINT) AS test_id, ${nhs}, ${date('specimen', 'specimen_date')},
        ${lookup(sqlList(TEST_TYPES), 'type', 'test_type')},
        ${lookup(sqlList(TEST_RESULTS), 'result', 'result')},
        ${lookup(sqlList(geo.localAuthorities.map((la) => la.code)), 'la', 'local_authority_code')}
        FROM ${table}`;
    case 'shielded_patients':
      return `SELECT ${nhs}, shielded = 1 AS shielded,
        ${lookup(sqlList(ref.shieldingReasons.map((r) => r.reason)), 'reason', 'reason')},
        ${date('added', 'date_added')}
        FROM ${table}`;
    case 'national_opt_outs':
      return `SELECT ${nhs}, ${date('opted_out', 'opted_out_date')} FROM ${table}`;
  }
}
