// A treatment as DuckDB SQL, and in words for the catalogue. The SQL is one expression over an already-quoted column,
// with no UDF: the platform builds a project's minimised copy with it, so every filter, join and ordering the analyst
// writes sees the treated value only. NULL stays NULL under every treatment.
//
// Types after treatment: dates at any resolution, ages in bands, top-coded numbers and region names become text
// (VARCHAR): `2020-03`, `2020-W10`, `40-44`, `90+`. keep, null and truncate keep the column's type (truncate: text).
// Two treatments have no SQL, and treatmentSql throws if asked for either: drop (the caller leaves the column out) and
// pseudonym (text, looked up from the map the engine builds in Node, engine/copy-build.ts, so that the project's key
// is never written into SQL).
import { quoteString } from '../../common/sql-identifiers.ts';
import { EnclaveError } from '../../common/errors.ts';
import { CalendarDateSchema } from '../catalogue/catalogue-file.ts';
import { shippedRegionLookup, type RegionRange } from './region-lookup.ts';
import type { Treatment } from './treatment-schema.ts';

export interface TreatmentContext {
  /** The agreement's reference date (YYYY-MM-DD): ages are computed on it. */
  readonly referenceDate: string;
  /** Small-area code → region; the shipped lookup (resources/reference/minimisation/lsoa_regions.csv) unless given. */
  readonly regionLookup?: readonly RegionRange[];
}

/**
 * A well-formed UK postcode once spaces are removed and letters upper-cased: outward code (area letters, district
 * digit, optional digit or letter), then the inward code (sector digit and two unit letters, from the letters Royal
 * Mail uses: no C, I, K, M, O or V). Groups: 1 district, 2 sector digit.
 */
const POSTCODE_PATTERN = '^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9])[ABD-HJLNP-UW-Z]{2}$';
/** An LSOA / data zone code as the lookup keys it (England's 2021 LSOAs: E01 and six digits). */
const SMALL_AREA_PATTERN = '^[EW]01[0-9]{6}$';

/** The DuckDB expression that applies `treatment` to `column` (an identifier already quoted by the caller). */
export function treatmentSql(treatment: Treatment, column: string, context: TreatmentContext): string {
  switch (treatment.treatment) {
    case 'drop':
      throw new EnclaveError('internal', 'A dropped field has no SQL: leave the column out of the minimised copy.');
    case 'keep':
      return column;
    case 'null':
      // Keeps the column's type, which a bare NULL would not.
      return `(CASE WHEN false THEN ${column} END)`;
    case 'truncate':
      return `left(CAST(${column} AS VARCHAR), ${treatment.length})`;
    case 'pseudonym':
      throw new EnclaveError(
        'internal',
        'A pseudonym has no SQL: it is looked up from the map the engine builds for the minimised copy, never computed in SQL.',
      );
    case 'date':
      return `strftime(TRY_CAST(${column} AS DATE), ${quoteString(DATE_FORMATS[treatment.resolution])})`;
    case 'year_of_birth':
      return `strftime(TRY_CAST(${column} AS DATE), '%Y')`;
    case 'age_band':
      return ageBandSql({ column, width: treatment.width, topAt: treatment.topAt, referenceDate: context.referenceDate });
    case 'top_code':
      return `(CASE WHEN ${column} IS NULL THEN NULL WHEN ${column} >= ${treatment.at} THEN '${treatment.at}+' ELSE CAST(${column} AS VARCHAR) END)`;
    case 'postcode': {
      const normal = `regexp_replace(upper(CAST(${column} AS VARCHAR)), '\\s', '', 'g')`;
      const district = `regexp_extract(${normal}, '${POSTCODE_PATTERN}', 1)`;
      const cut =
        treatment.resolution === 'district' ? district : `${district} || ' ' || regexp_extract(${normal}, '${POSTCODE_PATTERN}', 2)`;
      return `(CASE WHEN regexp_full_match(${normal}, '${POSTCODE_PATTERN}') THEN ${cut} END)`;
    }
    case 'region':
      return regionSql(column, context.regionLookup ?? shippedRegionLookup());
  }
}

const DATE_FORMATS = { year: '%Y', month: '%Y-%m', iso_week: '%G-W%V' } as const;

function ageBandSql(options: { column: string; width: number; topAt: number | undefined; referenceDate: string }): string {
  const { column, width, topAt, referenceDate } = options;
  if (!CalendarDateSchema.safeParse(referenceDate).success) {
    throw new EnclaveError('invalid_input', `The reference date ${JSON.stringify(referenceDate)} is not a date written YYYY-MM-DD.`);
  }
  const year = Number(referenceDate.slice(0, 4));
  const monthDay = referenceDate.slice(5);
  const date = `TRY_CAST(${column} AS DATE)`;
  // Completed years on the reference date: a birthday later in the year has not come yet. Someone born on 29 February
  // is a year older from 1 March in other years ('02-29' > '02-28').
  const age = `(${year} - year(${date}) - CASE WHEN strftime(${date}, '%m-%d') > '${monthDay}' THEN 1 ELSE 0 END)`;
  const lower = `(${age} // ${width} * ${width})`;
  const upper = topAt === undefined ? `${lower} + ${width - 1}` : `least(${lower} + ${width - 1}, ${topAt - 1})`;
  const band = width === 1 ? `CAST(${age} AS VARCHAR)` : `CAST(${lower} AS VARCHAR) || '-' || CAST(${upper} AS VARCHAR)`;
  const top = topAt === undefined ? '' : ` WHEN ${age} >= ${topAt} THEN '${topAt}+'`;
  // Born after the reference date: no age to band, so no value (never the date itself).
  return `(CASE WHEN ${date} IS NULL THEN NULL WHEN ${age} < 0 THEN NULL${top} ELSE ${band} END)`;
}

/** A CASE over the lookup's ranges: a handful of contiguous ranges in the shipped lookup, so a CASE scales. */
function regionSql(column: string, lookup: readonly RegionRange[]): string {
  const text = `CAST(${column} AS VARCHAR)`;
  const branches = lookup.map(
    (range) => `WHEN ${text} BETWEEN ${quoteString(range.first)} AND ${quoteString(range.last)} THEN ${quoteString(range.regionName)}`,
  );
  return `(CASE WHEN NOT regexp_full_match(${text}, '${SMALL_AREA_PATTERN}') THEN NULL ${branches.join(' ')} END)`;
}

const EXAMPLES = { year: '2020', month: '2020-03', iso_week: '2020-W10' } as const;
const RESOLUTION_WORDS = { year: 'year', month: 'month', iso_week: 'ISO week' } as const;

/** What a project sees of a field, in the catalogue's words ("date of birth → 5-year age band at 2023-03-31, …"). */
export function treatmentWords(fieldLabel: string, treatment: Treatment, context: Pick<TreatmentContext, 'referenceDate'>): string {
  const to = (words: string): string => `${fieldLabel} → ${words}`;
  switch (treatment.treatment) {
    case 'drop':
      return 'not available to this project';
    case 'keep':
      return to('as recorded');
    case 'null':
      return to('always empty');
    case 'truncate':
      return to(`first ${treatment.length} character${treatment.length === 1 ? '' : 's'}`);
    case 'pseudonym':
      return to('project pseudonym');
    case 'date':
      return to(`${RESOLUTION_WORDS[treatment.resolution]} (${EXAMPLES[treatment.resolution]})`);
    case 'year_of_birth':
      return to('year of birth');
    case 'age_band': {
      const band = treatment.width === 1 ? 'age in years' : `${treatment.width}-year age band`;
      const top = treatment.topAt === undefined ? '' : `, ${treatment.topAt} and over together`;
      return to(`${band} at ${context.referenceDate}${top}`);
    }
    case 'top_code':
      return to(`as recorded, ${treatment.at} and over together (${treatment.at}+)`);
    case 'postcode':
      return to(treatment.resolution);
    case 'region':
      return to('region');
  }
}
