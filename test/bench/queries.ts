// The bench's fixed analytical queries over `hospital_episodes` (and one small dimension table). The same SQL
// text runs in both engines. Every result column is an integer, a string or a date, never a floating-point
// aggregate, so the two engines' results can be compared exactly (a double's last bits depend on the order of
// summation, which differs between one and two threads), and every type is pinned where the two DuckDB versions
// differ (date_trunc on a DATE gives a TIMESTAMP in 1.4 and a DATE in 1.5).

export const EPISODES_TABLE = 'hospital_episodes';
export const CHAPTERS_TABLE = 'diagnosis_chapters';

export interface BenchQuery {
  name: string;
  /** What it exercises, for the report. */
  kind: 'group-by' | 'join' | 'window' | 'filter' | 'distinct count';
  sql: string;
}

/** ICD-10 (WHO 2019) chapters by their ranges of three-character categories. */
const ICD10_CHAPTERS: readonly (readonly [string, string, string, string])[] = [
  ['I', 'A00', 'B99', 'Certain infectious and parasitic diseases'],
  ['II', 'C00', 'D48', 'Neoplasms'],
  ['III', 'D50', 'D89', 'Diseases of the blood and immune mechanism'],
  ['IV', 'E00', 'E90', 'Endocrine, nutritional and metabolic diseases'],
  ['V', 'F00', 'F99', 'Mental and behavioural disorders'],
  ['VI', 'G00', 'G99', 'Diseases of the nervous system'],
  ['VII', 'H00', 'H59', 'Diseases of the eye and adnexa'],
  ['VIII', 'H60', 'H95', 'Diseases of the ear and mastoid process'],
  ['IX', 'I00', 'I99', 'Diseases of the circulatory system'],
  ['X', 'J00', 'J99', 'Diseases of the respiratory system'],
  ['XI', 'K00', 'K93', 'Diseases of the digestive system'],
  ['XII', 'L00', 'L99', 'Diseases of the skin and subcutaneous tissue'],
  ['XIII', 'M00', 'M99', 'Diseases of the musculoskeletal system and connective tissue'],
  ['XIV', 'N00', 'N99', 'Diseases of the genitourinary system'],
  ['XV', 'O00', 'O99', 'Pregnancy, childbirth and the puerperium'],
  ['XVI', 'P00', 'P96', 'Certain conditions originating in the perinatal period'],
  ['XVII', 'Q00', 'Q99', 'Congenital malformations and chromosomal abnormalities'],
  ['XVIII', 'R00', 'R99', 'Symptoms, signs and abnormal findings, not elsewhere classified'],
  ['XIX', 'S00', 'T98', 'Injury, poisoning and other consequences of external causes'],
  ['XX', 'V01', 'Y98', 'External causes of morbidity and mortality'],
  ['XXI', 'Z00', 'Z99', 'Factors influencing health status and contact with health services'],
  ['XXII', 'U00', 'U85', 'Codes for special purposes'],
];

const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/**
 * Builds the dimension table (every category A00–Z99 that falls in a chapter, 2,600 candidates) from SQL alone,
 * so both engines build it identically without a second data file.
 */
export const CREATE_CHAPTERS_SQL = `CREATE OR REPLACE TABLE ${CHAPTERS_TABLE} AS
SELECT c.category, ch.chapter_number, ch.chapter, ch.title
FROM (
  SELECT chr(65 + CAST(l.i AS INTEGER)) || lpad(CAST(n.i AS VARCHAR), 2, '0') AS category
  FROM range(26) AS l(i), range(100) AS n(i)
) AS c
JOIN (VALUES ${ICD10_CHAPTERS.map(([chapter, first, last, title], i) => `(${i + 1}, ${literal(chapter)}, ${literal(first)}, ${literal(last)}, ${literal(title)})`).join(',\n  ')}
) AS ch(chapter_number, chapter, first_category, last_category, title)
  ON c.category BETWEEN ch.first_category AND ch.last_category`;

const E = EPISODES_TABLE;

export const QUERIES: readonly BenchQuery[] = [
  {
    name: 'group-by provider × year',
    kind: 'group-by',
    sql: `SELECT provider_code, year(admission_date) AS year, count(*) AS episodes,
  sum(length_of_stay) AS bed_days, max(length_of_stay) AS longest_stay
FROM ${E} GROUP BY ALL ORDER BY ALL`,
  },
  {
    name: 'group-by diagnosis × month',
    kind: 'group-by',
    sql: `SELECT left(primary_diagnosis, 3) AS category, CAST(date_trunc('month', admission_date) AS DATE) AS month,
  count(*) AS episodes, sum(length_of_stay) AS bed_days, count(secondary_diagnosis) AS with_secondary
FROM ${E} GROUP BY ALL ORDER BY ALL`,
  },
  {
    name: 'join to ICD-10 chapters',
    kind: 'join',
    sql: `SELECT ch.chapter_number, ch.chapter, ch.title, e.admission_method, count(*) AS episodes,
  sum(e.length_of_stay) AS bed_days
FROM ${E} AS e JOIN ${CHAPTERS_TABLE} AS ch ON left(e.primary_diagnosis, 3) = ch.category
GROUP BY ALL ORDER BY ALL`,
  },
  {
    name: 'join to first admission',
    kind: 'join',
    sql: `WITH first_admission AS (
  SELECT nhs_number, min(admission_date) AS first_date FROM ${E} GROUP BY nhs_number
)
SELECT year(f.first_date) AS first_year, e.admission_method, count(*) AS episodes,
  sum(e.admission_date - f.first_date) AS days_since_first
FROM ${E} AS e JOIN first_admission AS f ON e.nhs_number = f.nhs_number
GROUP BY ALL ORDER BY ALL`,
  },
  {
    name: 'window: readmission within 30 days',
    kind: 'window',
    sql: `SELECT admission_method, count(*) AS episodes,
  count(*) FILTER (WHERE days_since_discharge BETWEEN 0 AND 30) AS readmissions_30d,
  max(episode_number) AS most_episodes
FROM (
  SELECT admission_method,
    row_number() OVER w AS episode_number,
    admission_date - lag(discharge_date) OVER w AS days_since_discharge
  FROM ${E}
  WINDOW w AS (PARTITION BY nhs_number ORDER BY admission_date, episode_id)
) AS sequenced
GROUP BY ALL ORDER BY ALL`,
  },
  {
    name: 'filter: older emergency respiratory',
    kind: 'filter',
    sql: `SELECT provider_code, count(*) AS episodes, sum(length_of_stay) AS bed_days,
  max(length_of_stay) AS longest_stay, min(admission_date) AS first_admission
FROM ${E}
WHERE admission_method = 'emergency' AND age_on_admission >= 75 AND primary_diagnosis LIKE 'J%'
  AND admission_date >= DATE '2020-01-01'
GROUP BY ALL ORDER BY ALL`,
  },
  {
    name: 'count distinct patients per year',
    kind: 'distinct count',
    sql: `SELECT year(admission_date) AS year, count(DISTINCT nhs_number) AS patients,
  count(DISTINCT nhs_number) FILTER (WHERE admission_method = 'emergency') AS emergency_patients
FROM ${E} GROUP BY ALL ORDER BY ALL`,
  },
];

/** Checksums are reduced modulo this prime: the wasm side can only report them as a row count (see below). */
export const CHECKSUM_MODULUS = 65_521;

/**
 * An order-independent checksum of a query's result: the sum over rows of the first 28 bits of the MD5 of the
 * row's values joined with '|', modulo CHECKSUM_MODULUS. Integers, strings and dates print the same in every
 * DuckDB version, so the two engines agree exactly when their results do.
 */
export function checksumSql(sql: string): string {
  return `SELECT CAST(coalesce(sum(CAST('0x' || left(md5(concat_ws('|', *COLUMNS(*))), 7) AS BIGINT)), 0) % ${CHECKSUM_MODULUS} AS BIGINT) AS checksum
FROM (${sql}) AS result`;
}

/**
 * The bench page reports only how many rows a query returned, so the wasm side returns its checksum as a
 * number of rows: as many rows as the checksum's value (0 … CHECKSUM_MODULUS − 1).
 */
export function checksumAsRowsSql(sql: string): string {
  return `SELECT r FROM range(${CHECKSUM_MODULUS}) AS t(r) WHERE r < (${checksumSql(sql)})`;
}

/** A yes/no question answered as a row count (1 = yes) for the same reason. */
export function assertionAsRowsSql(condition: string): string {
  return `SELECT 1 AS yes WHERE (${condition})`;
}
