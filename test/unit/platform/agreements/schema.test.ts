// The agreement's schema on its own: what each legal basis may permit, and the shapes of row conditions.
import { describe, expect, it } from 'vitest';
import { AgreementSchema, LEGAL_BASES, LegalBasisKindSchema } from '../../../../src/platform/agreements/schema.ts';
import { goodAgreement } from './fixtures.ts';

describe('the agreement schema', () => {
  it('accepts the fixture, with row conditions kept as data', () => {
    const parsed = AgreementSchema.parse(goodAgreement());
    expect(parsed.rowConditions).toEqual([
      { condition: 'date_from', dataset: 'hospital_episodes', field: 'admission_date', from: '2020-01-01' },
      {
        condition: 'in_cohort',
        dataset: 'hospital_episodes',
        field: 'nhs_number',
        cohortDataset: 'covid_tests',
        cohortField: 'nhs_number',
        where: { field: 'result', oneOf: ['positive'] },
      },
    ]);
  });

  it.each(LegalBasisKindSchema.options)('lets %s set the opt-out aside only if its rule says it may', (kind) => {
    const value = goodAgreement();
    value.legalBasis = { kind, reference: 'ref', allowsMoreThanDefaults: false, exemptFromOptOut: true };
    value.nationalDataOptOutApplies = false;
    expect(AgreementSchema.safeParse(value).success).toBe(LEGAL_BASES[kind].mayExemptFromOptOut);
  });

  it('lets a project honour the opt-out even when its basis could set it aside', () => {
    const value = goodAgreement();
    value.legalBasis.exemptFromOptOut = true;
    expect(AgreementSchema.safeParse(value).success).toBe(true);
  });

  it('keeps a DPIA reference of null (the project cannot start) apart from a missing one (a mistake)', () => {
    expect(AgreementSchema.safeParse({ ...goodAgreement(), dpiaReference: null }).success).toBe(true);
    expect(AgreementSchema.safeParse({ ...goodAgreement(), dpiaReference: undefined }).success).toBe(false);
    expect(AgreementSchema.safeParse({ ...goodAgreement(), dpiaReference: '  ' }).success).toBe(false);
  });

  it('refuses SQL where a row condition is data', () => {
    const value = goodAgreement();
    value.rowConditions = [
      { condition: 'date_from', dataset: 'hospital_episodes', field: 'admission_date', from: "2020-01-01' OR 1=1 --" },
    ];
    expect(AgreementSchema.safeParse(value).success).toBe(false);
    value.rowConditions = [
      { condition: 'date_from', dataset: 'hospital_episodes', field: 'admission_date; DROP TABLE x', from: '2020-01-01' },
    ];
    expect(AgreementSchema.safeParse(value).success).toBe(false);
  });

  it('refuses a treatment for a dataset the agreement does not list', () => {
    const value = goodAgreement();
    value.treatments = { national_opt_outs: { opted_out_date: { treatment: 'drop' } } };
    const parsed = AgreementSchema.safeParse(value);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['treatments.national_opt_outs', 'is not one of this agreement\'s datasets (add it to "datasets" first)'],
    ]);
  });
});
