// One project's view of a dataset (src/platform/minimisation/project-treatments.ts): the agreement's override when the
// policy accepts it, else the default; drop, failing closed, for a field with no kind, an override the policy refuses,
// or a dataset the agreement does not list; and the treatment in the catalogue's words.
import { describe, expect, it } from 'vitest';
import type { Agreement } from '../../../../src/platform/agreements/schema.ts';
import {
  fieldKindsOf,
  fieldLabel,
  projectFieldTreatment,
  projectFieldWords,
} from '../../../../src/platform/minimisation/project-treatments.ts';

const agreement = {
  datasets: ['patients'],
  referenceDate: '2023-03-31',
  legalBasis: { kind: 'public_task', reference: 'x', allowsMoreThanDefaults: false, exemptFromOptOut: false },
  treatments: {
    patients: {
      postcode: { treatment: 'drop' },
      // Looser than the default (an age band): refused by the policy, so the field is dropped, never kept.
      date_of_birth: { treatment: 'keep' },
    },
  },
} as unknown as Agreement;

const kinds = fieldKindsOf([
  {
    id: 'patients',
    fields: [
      { name: 'nhs_number', kind: 'person_identifier' },
      { name: 'date_of_birth', kind: 'date_of_birth' },
      { name: 'postcode', kind: 'postcode' },
      { name: 'sex', kind: 'coded_value' },
      { name: 'mystery', kind: 'not_a_kind' },
    ],
  },
]);

const field = (name: string) => ({ name, tags: ['quasi_identifier' as const] });

describe('projectFieldTreatment', () => {
  it("applies the policy's default where the agreement says nothing", () => {
    expect(projectFieldTreatment({ agreement, datasetId: 'patients', field: field('nhs_number'), kinds })).toEqual({
      treatment: 'pseudonym',
    });
    expect(projectFieldTreatment({ agreement, datasetId: 'patients', field: field('sex'), kinds })).toEqual({ treatment: 'keep' });
  });

  it("applies the agreement's tighter choice", () => {
    expect(projectFieldTreatment({ agreement, datasetId: 'patients', field: field('postcode'), kinds })).toEqual({ treatment: 'drop' });
  });

  it('drops, failing closed: a looser choice the basis does not allow, a field with no known kind, a dataset outside the agreement', () => {
    expect(projectFieldTreatment({ agreement, datasetId: 'patients', field: field('date_of_birth'), kinds })).toEqual({
      treatment: 'drop',
    });
    expect(projectFieldTreatment({ agreement, datasetId: 'patients', field: field('mystery'), kinds })).toEqual({ treatment: 'drop' });
    expect(projectFieldTreatment({ agreement, datasetId: 'hospital_episodes', field: field('sex'), kinds })).toEqual({ treatment: 'drop' });
  });
});

describe('projectFieldWords', () => {
  it('names the field in words', () => {
    expect(fieldLabel('nhs_number')).toBe('NHS number');
    expect(fieldLabel('lsoa_code')).toBe('LSOA code');
    expect(projectFieldWords({ agreement, field: field('nhs_number'), treatment: { treatment: 'pseudonym' } })).toBe(
      'NHS number → project pseudonym',
    );
    expect(projectFieldWords({ agreement, field: field('postcode'), treatment: { treatment: 'drop' } })).toBe(
      'not available to this project',
    );
  });
});
