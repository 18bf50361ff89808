// A good agreement file and lookups for the agreement tests: each test changes one thing and reads the message.
import type { AgreementLookups, TreatmentCheck } from '../../../../src/platform/agreements/validate.ts';

export const USERS = ['ada', 'ben', 'dana'];

export const DATASETS: Readonly<Record<string, readonly string[]>> = {
  patients: ['nhs_number', 'date_of_birth', 'sex', 'postcode', 'lsoa_code'],
  hospital_episodes: ['nhs_number', 'admission_date', 'primary_diagnosis'],
  covid_tests: ['nhs_number', 'specimen_date', 'result'],
};

/** Lookups over the sets above; `refuse` answers the policy's check (default: everything accepted). */
export function lookups(refuse: (check: TreatmentCheck) => string | null = () => null): AgreementLookups & { checks: TreatmentCheck[] } {
  const checks: TreatmentCheck[] = [];
  return {
    checks,
    userExists: (userId) => USERS.includes(userId),
    datasetFields: (datasetId) => DATASETS[datasetId],
    checkTreatment: (check) => {
      checks.push(check);
      return refuse(check);
    },
  };
}

/** The agreement as a value; tests edit it and write it out with `agreementText`. */
export function goodAgreement(projectId = 'cardio-admissions') {
  return {
    projectId,
    projectName: 'Cardiovascular admissions',
    purpose: 'Measure emergency admissions for heart disease.',
    legalBasis: { kind: 's251_support', reference: '21/CAG/0042', allowsMoreThanDefaults: false, exemptFromOptOut: false },
    nationalDataOptOutApplies: true,
    dpiaReference: 'DPIA-7' as string | null,
    start: '2026-01-01',
    expires: '2027-12-31',
    referenceDate: '2025-03-31',
    rowCap: 1000000,
    members: [
      { userId: 'ada', role: 'lead', start: '2026-01-01', end: '2027-12-31', trainingExpires: '2027-06-30', mayRequestRelease: true },
      { userId: 'ben', role: 'analyst', start: '2026-02-01', end: '2027-06-30', trainingExpires: '2026-10-31', mayRequestRelease: false },
    ],
    datasets: ['patients', 'hospital_episodes', 'covid_tests'],
    treatments: { patients: { postcode: { treatment: 'postcode', resolution: 'district' } } } as Record<string, Record<string, unknown>>,
    rowConditions: [
      { condition: 'date_from', dataset: 'hospital_episodes', field: 'admission_date', from: '2020-01-01' },
      {
        condition: 'in_cohort',
        dataset: 'hospital_episodes',
        field: 'nhs_number',
        cohortDataset: 'covid_tests',
        cohortField: 'nhs_number',
        where: { field: 'result', oneOf: ['positive'] },
      },
    ] as Record<string, unknown>[],
  };
}

/** As a data manager's editor writes it: two-space indent, one field per line. */
export function agreementText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
