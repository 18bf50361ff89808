// The shipped code lists are well-formed, consistent with each other and small, and the catalogue describes
// exactly the columns the generator writes.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CatalogueFileSchema } from '../../../src/platform/catalogue/catalogue-file.ts';
import { buildGeography } from '../../../src/platform/synth/geography.ts';
import { DEFAULT_REFERENCE_DIR, loadReferenceData } from '../../../src/platform/synth/reference-data.ts';

const ref = loadReferenceData();

const unique = (values: string[]): boolean => new Set(values).size === values.length;

describe('reference code lists', () => {
  it('are each under 200 KB and documented with their sources', () => {
    const files = readdirSync(DEFAULT_REFERENCE_DIR);
    expect(files).toContain('README.md');
    for (const file of files) expect(statSync(new URL(file, DEFAULT_REFERENCE_DIR)).size).toBeLessThan(200_000);
    const readme = readFileSync(new URL('README.md', DEFAULT_REFERENCE_DIR), 'utf8');
    for (const file of files.filter((f) => f.endsWith('.csv'))) expect(readme).toContain(file);
  });

  it('hold ICD-10 codes in ICD-10 form, a few hundred of them, once each', () => {
    const codes = ref.diagnoses.map((d) => d.code);
    expect(codes.length).toBeGreaterThanOrEqual(200);
    expect(unique(codes)).toBe(true);
    for (const d of ref.diagnoses) {
      expect(d.code).toMatch(/^[A-Z]\d{2}(\.\d)?$/);
      expect(d.description.length).toBeGreaterThan(3);
      expect(d.minAge).toBeLessThanOrEqual(d.maxAge);
    }
    // Pregnancy codes only for women; prostate codes only for men.
    for (const d of ref.diagnoses.filter((x) => x.code.startsWith('O'))) expect(d.sex).toBe('F');
    for (const d of ref.diagnoses.filter((x) => x.code.startsWith('N40') || x.code.startsWith('C61'))) expect(d.sex).toBe('M');
  });

  it('hold OPCS-4 codes in OPCS-4 form, each linked only to listed diagnoses', () => {
    const codes = ref.procedures.map((p) => p.code);
    expect(unique(codes)).toBe(true);
    const diagnoses = new Set(ref.diagnoses.map((d) => d.code));
    for (const p of ref.procedures) {
      expect(p.code).toMatch(/^[A-Z]\d{2}\.\d$/);
      for (const code of p.relatedDiagnoses) expect(diagnoses.has(code)).toBe(true);
    }
  });

  it('hold the 19 ONS 2021 ethnic groups, whose England shares add up to 100%', () => {
    expect(ref.ethnicities.map((e) => e.code)).toEqual([
      'A1',
      'A2',
      'A3',
      'A4',
      'A5',
      'B1',
      'B2',
      'B3',
      'B4',
      'C1',
      'C2',
      'C3',
      'C4',
      'C5',
      'D1',
      'D2',
      'D3',
      'E1',
      'E2',
    ]);
    const total = ref.ethnicities.reduce((s, e) => s + e.englandPct, 0);
    expect(total).toBeCloseTo(100, 0);
  });

  it('hold the nine English regions, and local authorities, trusts and practice prefixes in every one', () => {
    expect(ref.regions.map((r) => r.code)).toEqual(Array.from({ length: 9 }, (_, i) => `E1200000${i + 1}`));
    for (const region of ref.regions) {
      expect(ref.localAuthorities.some((la) => la.regionCode === region.code)).toBe(true);
      expect(ref.trusts.some((t) => t.regionCode === region.code)).toBe(true);
      expect(ref.practicePrefixes.some((p) => p.regionCode === region.code)).toBe(true);
    }
    expect(unique(ref.localAuthorities.map((la) => la.code))).toBe(true);
    for (const la of ref.localAuthorities) expect(la.code).toMatch(/^E0[6789]\d{6}$/);
    // London boroughs are E09 and in London; E09 codes are nowhere else.
    for (const la of ref.localAuthorities) expect(la.code.startsWith('E09')).toBe(la.regionCode === 'E12000007');
    expect(unique(ref.trusts.map((t) => t.code))).toBe(true);
    for (const t of ref.trusts) expect(t.code).toMatch(/^R[A-Z0-9]{2}$/);
    for (const p of ref.practicePrefixes) expect(p.prefix).toMatch(/^[A-Z]\d{2}$/);
  });

  it('give postcodes, small areas and practices in the documented formats, each postcode district in one LA', () => {
    const geo = buildGeography(ref);
    expect(unique(geo.districts)).toBe(true);
    for (const d of geo.districts) expect(d).toMatch(/^[A-Z]{1,2}\d[A-Z\d]?$/);
    const owners = new Map<number, number>();
    geo.localAuthorities.forEach((la, i) =>
      la.districts.forEach((d) => {
        expect(owners.has(d)).toBe(false);
        owners.set(d, i);
      }),
    );
    expect(unique(geo.practiceCodes)).toBe(true);
    for (const code of geo.practiceCodes) expect(code).toMatch(/^[A-Z]\d{5}$/);
    const lastLa = geo.localAuthorities.at(-1)!;
    expect(lastLa.lsoaStart + lastLa.lsoaCount).toBeLessThan(1_000_000);
  });

  it('give an age pyramid covering 0 to over 100 without gaps', () => {
    let next = 0;
    for (const band of ref.ageBands) {
      expect(band.minAge).toBe(next);
      next = band.maxAge + 1;
    }
    expect(next).toBeGreaterThan(100);
  });
});

describe('catalogue datasets.json', () => {
  const catalogue = CatalogueFileSchema.parse(
    JSON.parse(readFileSync(new URL('../../../resources/catalogue/datasets.json', import.meta.url), 'utf8')),
  );
  const columns = (id: string): string[] =>
    (catalogue.find((d) => d.id === id)?.fields ?? []).map((f) => `${f.name} ${f.type} ${f.tags.join('+')}`);

  it('lists the five datasets with exactly the agreed columns, types and tags', () => {
    expect(catalogue.map((d) => d.id)).toEqual(['patients', 'hospital_episodes', 'covid_tests', 'shielded_patients', 'national_opt_outs']);
    expect(columns('patients')).toEqual([
      'nhs_number VARCHAR direct_identifier',
      'date_of_birth DATE quasi_identifier',
      'sex VARCHAR quasi_identifier',
      'ethnicity VARCHAR quasi_identifier+sensitive',
      'postcode VARCHAR quasi_identifier',
      'lsoa_code VARCHAR quasi_identifier',
      'region VARCHAR reference',
      'practice_code VARCHAR quasi_identifier',
      'date_of_death DATE quasi_identifier+sensitive',
    ]);
    expect(columns('hospital_episodes')).toEqual([
      'episode_id BIGINT reference',
      'nhs_number VARCHAR direct_identifier',
      'admission_date DATE quasi_identifier+clinical',
      'discharge_date DATE quasi_identifier+clinical',
      'admission_method VARCHAR clinical',
      'primary_diagnosis VARCHAR clinical+sensitive',
      'secondary_diagnosis VARCHAR clinical+sensitive',
      'primary_procedure VARCHAR clinical',
      'provider_code VARCHAR reference',
      'age_on_admission INTEGER quasi_identifier',
      'length_of_stay INTEGER clinical',
    ]);
    expect(columns('covid_tests')).toEqual([
      'test_id BIGINT reference',
      'nhs_number VARCHAR direct_identifier',
      'specimen_date DATE quasi_identifier+clinical',
      'test_type VARCHAR clinical',
      'result VARCHAR clinical+sensitive',
      'local_authority_code VARCHAR reference',
    ]);
    expect(columns('shielded_patients')).toEqual([
      'nhs_number VARCHAR direct_identifier',
      'shielded BOOLEAN sensitive',
      'reason VARCHAR clinical+sensitive',
      'date_added DATE quasi_identifier',
    ]);
    expect(columns('national_opt_outs')).toEqual(['nhs_number VARCHAR direct_identifier', 'opted_out_date DATE quasi_identifier']);
  });

  it('describes every dataset as synthetic and every field in words', () => {
    for (const dataset of catalogue) {
      expect(dataset.description).toMatch(/SYNTHETIC/);
      for (const field of dataset.fields) expect(field.description.length).toBeGreaterThan(20);
    }
  });
});
