// Loads the real code lists shipped in resources/reference (see its README for sources) into typed records.
// Files are read once per run; they are small (a few hundred rows each).
import { readFileSync } from 'node:fs';
import { parseCsv } from './csv.ts';
import { parseIsoDay } from './calendar.ts';

export const DEFAULT_REFERENCE_DIR = new URL('../../../resources/reference/', import.meta.url);

export interface Region {
  code: string;
  name: string;
  population: number;
}
export interface AgeBand {
  label: string;
  minAge: number;
  maxAge: number;
  weight: number;
}
export interface Ethnicity {
  code: string;
  group: string;
  label: string;
  englandPct: number;
  londonPct: number;
}
export interface LocalAuthority {
  code: string;
  name: string;
  regionCode: string;
  population: number;
  postcodeArea: string;
}
export interface PostcodeArea {
  area: string;
  postTown: string;
  districts: string[];
}
export interface Trust {
  code: string;
  name: string;
  regionCode: string;
  size: number;
}
export interface PracticePrefix {
  prefix: string;
  regionCode: string;
  area: string;
}
export type Sex = '' | 'F' | 'M';
export interface Diagnosis {
  code: string;
  description: string;
  elective: number;
  emergency: number;
  maternity: number;
  secondary: number;
  child: number;
  adult: number;
  older: number;
  minAge: number;
  maxAge: number;
  sex: Sex;
  /** Day number before which the code did not exist (the COVID-19 emergency codes), or null. */
  validFrom: number | null;
}
export interface Procedure {
  code: string;
  description: string;
  elective: number;
  emergency: number;
  maternity: number;
  relatedDiagnoses: string[];
}
export interface ShieldingReason {
  reason: string;
  weight: number;
  minAge: number;
  maxAge: number;
  sex: Sex;
  earliestAdded: number;
}

export interface ReferenceData {
  regions: Region[];
  ageBands: AgeBand[];
  ethnicities: Ethnicity[];
  localAuthorities: LocalAuthority[];
  postcodeAreas: PostcodeArea[];
  trusts: Trust[];
  practicePrefixes: PracticePrefix[];
  diagnoses: Diagnosis[];
  procedures: Procedure[];
  shieldingReasons: ShieldingReason[];
}

function read(dir: URL, file: string): Record<string, string>[] {
  const url = new URL(file, dir);
  try {
    return parseCsv(readFileSync(url, 'utf8'));
  } catch (err) {
    throw new Error(`reference file ${file} cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

function num(record: Record<string, string>, key: string, file: string): number {
  const value = Number(record[key]);
  if (record[key] === undefined || record[key] === '' || !Number.isFinite(value)) {
    throw new Error(`reference file ${file}: "${key}" is not a number in ${JSON.stringify(record)}`);
  }
  return value;
}

function sex(value: string | undefined, file: string): Sex {
  if (value === '' || value === 'F' || value === 'M') return value;
  throw new Error(`reference file ${file}: sex must be empty, F or M, not ${JSON.stringify(value)}`);
}

/** Expands a district spec such as "1-35 38 1W" for area "E" into E1 … E35, E38, E1W. */
export function expandDistricts(area: string, spec: string): string[] {
  const out: string[] = [];
  for (const token of spec.split(/\s+/).filter(Boolean)) {
    const range = /^(\d+)-(\d+)$/.exec(token);
    if (range) {
      for (let n = Number(range[1]); n <= Number(range[2]); n++) out.push(`${area}${n}`);
    } else if (/^\d+[A-Z]?$/.test(token)) {
      out.push(`${area}${token}`);
    } else {
      throw new Error(`postcode district token ${JSON.stringify(token)} for ${area} is not understood`);
    }
  }
  return out;
}

export function loadReferenceData(dir: URL = DEFAULT_REFERENCE_DIR): ReferenceData {
  const regions = read(dir, 'regions.csv').map((r) => ({
    code: r.code ?? '',
    name: r.name ?? '',
    population: num(r, 'population', 'regions.csv'),
  }));
  const ageBands = read(dir, 'age_pyramid.csv').map((r) => ({
    label: r.age_band ?? '',
    minAge: num(r, 'min_age', 'age_pyramid.csv'),
    maxAge: num(r, 'max_age', 'age_pyramid.csv'),
    weight: num(r, 'england_pct', 'age_pyramid.csv'),
  }));
  const ethnicities = read(dir, 'ethnicity.csv').map((r) => ({
    code: r.code ?? '',
    group: r.group ?? '',
    label: r.label ?? '',
    englandPct: num(r, 'england_pct', 'ethnicity.csv'),
    londonPct: num(r, 'london_pct', 'ethnicity.csv'),
  }));
  const localAuthorities = read(dir, 'local_authorities.csv').map((r) => ({
    code: r.code ?? '',
    name: r.name ?? '',
    regionCode: r.region_code ?? '',
    population: num(r, 'population_thousands', 'local_authorities.csv'),
    postcodeArea: r.postcode_area ?? '',
  }));
  const postcodeAreas = read(dir, 'postcode_areas.csv').map((r) => ({
    area: r.area ?? '',
    postTown: r.post_town ?? '',
    districts: expandDistricts(r.area ?? '', r.districts ?? ''),
  }));
  const trusts = read(dir, 'nhs_trusts.csv').map((r) => ({
    code: r.code ?? '',
    name: r.name ?? '',
    regionCode: r.region_code ?? '',
    size: num(r, 'size', 'nhs_trusts.csv'),
  }));
  const practicePrefixes = read(dir, 'gp_practice_prefixes.csv').map((r) => ({
    prefix: r.prefix ?? '',
    regionCode: r.region_code ?? '',
    area: r.area ?? '',
  }));
  const diagnoses = read(dir, 'icd10.csv').map((r) => ({
    code: r.code ?? '',
    description: r.description ?? '',
    elective: num(r, 'elective', 'icd10.csv'),
    emergency: num(r, 'emergency', 'icd10.csv'),
    maternity: num(r, 'maternity', 'icd10.csv'),
    secondary: num(r, 'secondary', 'icd10.csv'),
    child: num(r, 'child', 'icd10.csv'),
    adult: num(r, 'adult', 'icd10.csv'),
    older: num(r, 'older', 'icd10.csv'),
    minAge: num(r, 'min_age', 'icd10.csv'),
    maxAge: num(r, 'max_age', 'icd10.csv'),
    sex: sex(r.sex, 'icd10.csv'),
    validFrom: r.valid_from ? parseIsoDay(r.valid_from) : null,
  }));
  const procedures = read(dir, 'opcs4.csv').map((r) => ({
    code: r.code ?? '',
    description: r.description ?? '',
    elective: num(r, 'elective', 'opcs4.csv'),
    emergency: num(r, 'emergency', 'opcs4.csv'),
    maternity: num(r, 'maternity', 'opcs4.csv'),
    relatedDiagnoses: (r.related_icd ?? '').split(/\s+/).filter(Boolean),
  }));
  const shieldingReasons = read(dir, 'shielding_reasons.csv').map((r) => ({
    reason: r.reason ?? '',
    weight: num(r, 'weight', 'shielding_reasons.csv'),
    minAge: num(r, 'min_age', 'shielding_reasons.csv'),
    maxAge: num(r, 'max_age', 'shielding_reasons.csv'),
    sex: sex(r.sex, 'shielding_reasons.csv'),
    earliestAdded: parseIsoDay(r.earliest_added ?? ''),
  }));
  return {
    regions,
    ageBands,
    ethnicities,
    localAuthorities,
    postcodeAreas,
    trusts,
    practicePrefixes,
    diagnoses,
    procedures,
    shieldingReasons,
  };
}
