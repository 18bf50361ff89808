// Issue 15's catalogue metadata: every shipped field has a kind, every shipped dataset its source, owner, date
// received and retention; the schemas refuse what is malformed, and the catalogue layer still reads catalogues that
// do not carry the metadata yet.
import { describe, expect, it } from 'vitest';
import { CatalogueFileSchema, DEFAULT_CATALOGUE_PATH, readCatalogueFile } from '../../../src/platform/catalogue/catalogue-file.ts';
import { ClassifiedCatalogueFileSchema, readClassifiedCatalogueFile } from '../../../src/platform/minimisation/classified-catalogue.ts';

const field = { name: 'a', type: 'DATE', kind: 'event_date', description: '', tags: ['clinical'] };
const dataset = {
  id: 'd',
  name: 'D',
  description: '',
  source: 'Hospital Episode Statistics',
  owner: 'NHS England',
  received: '2023-04-30',
  retention: '5 years',
  fields: [field],
};

describe('the shipped catalogue', () => {
  it('gives every field a kind and every dataset its provenance', async () => {
    const catalogue = await readClassifiedCatalogueFile(DEFAULT_CATALOGUE_PATH);
    expect(catalogue).toHaveLength(5);
    for (const entry of catalogue) {
      expect(entry.source).toMatch(/synthetic/i);
      expect(entry.owner).not.toBe('');
    }
  });

  it('classifies the identifying fields as the policy needs them', async () => {
    const catalogue = await readClassifiedCatalogueFile(DEFAULT_CATALOGUE_PATH);
    const kinds = new Map(catalogue.flatMap((entry) => entry.fields.map((f) => [`${entry.id}.${f.name}`, f.kind])));
    for (const entry of catalogue) {
      if (entry.fields.some((f) => f.name === 'nhs_number')) expect(kinds.get(`${entry.id}.nhs_number`)).toBe('person_identifier');
    }
    expect(kinds.get('patients.date_of_birth')).toBe('date_of_birth');
    expect(kinds.get('patients.postcode')).toBe('postcode');
    expect(kinds.get('patients.lsoa_code')).toBe('small_area_code');
    expect(kinds.get('patients.date_of_death')).toBe('event_date');
    expect(kinds.get('hospital_episodes.age_on_admission')).toBe('age');
    expect(kinds.get('hospital_episodes.admission_date')).toBe('event_date');
    expect(kinds.get('covid_tests.specimen_date')).toBe('event_date');
  });

  it('still reads through the catalogue layer, with the new metadata kept', async () => {
    const catalogue = await readCatalogueFile(DEFAULT_CATALOGUE_PATH);
    expect(catalogue[0]?.received).toBe('2023-04-30');
    expect(catalogue[0]?.fields[0]?.kind).toBe('person_identifier');
  });
});

describe('ClassifiedCatalogueFileSchema', () => {
  it('accepts a classified catalogue, with a retention period or an end date', () => {
    expect(ClassifiedCatalogueFileSchema.safeParse([dataset]).success).toBe(true);
    expect(ClassifiedCatalogueFileSchema.safeParse([{ ...dataset, retention: '2028-03-31' }]).success).toBe(true);
    expect(ClassifiedCatalogueFileSchema.safeParse([{ ...dataset, retention: '18 months' }]).success).toBe(true);
  });

  it.each([
    ['a field with no kind', [{ ...dataset, fields: [{ ...field, kind: undefined }] }]],
    ['an unknown kind', [{ ...dataset, fields: [{ ...field, kind: 'secret_sauce' }] }]],
    ['a dataset with no source', [{ ...dataset, source: undefined }]],
    ['a dataset with no owner', [{ ...dataset, owner: '' }]],
    ['a dataset with no date received', [{ ...dataset, received: undefined }]],
    ['a date received that is not in the calendar', [{ ...dataset, received: '2023-02-30' }]],
    ['a date received written another way', [{ ...dataset, received: '30/04/2023' }]],
    ['a dataset with no retention', [{ ...dataset, retention: undefined }]],
    ['a retention that is not a period or a date', [{ ...dataset, retention: 'forever' }]],
    ['a retention that ends before the data arrived', [{ ...dataset, retention: '2020-01-01' }]],
    ['a dataset listed twice (the catalogue rules still hold)', [dataset, dataset]],
  ])('refuses %s', (_label, catalogue) => {
    expect(ClassifiedCatalogueFileSchema.safeParse(catalogue).success).toBe(false);
  });
});

describe('CatalogueFileSchema', () => {
  it('accepts a catalogue without the new metadata (the fixtures have none yet)', () => {
    const { source: _s, owner: _o, received: _r, retention: _t, ...bare } = dataset;
    expect(CatalogueFileSchema.safeParse([{ ...bare, fields: [{ ...field, kind: undefined }] }]).success).toBe(true);
  });

  it('checks the new metadata where it is given', () => {
    expect(CatalogueFileSchema.safeParse([{ ...dataset, received: '2023-13-01' }]).success).toBe(false);
    expect(CatalogueFileSchema.safeParse([{ ...dataset, retention: 'a while' }]).success).toBe(false);
    expect(CatalogueFileSchema.safeParse([{ ...dataset, fields: [{ ...field, kind: 'Event Date' }] }]).success).toBe(false);
  });
});
