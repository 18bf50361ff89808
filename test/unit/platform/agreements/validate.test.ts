// Agreement files are the data manager's: every problem names the file, the line and column, the field, and what
// to do, in words. One kind of problem per test, on the fixture's layout (two-space indent, one field per line).
import { describe, expect, it } from 'vitest';
import { describeProblem } from '../../../../src/platform/agreements/json-locations.ts';
import { validateAgreementText } from '../../../../src/platform/agreements/validate.ts';
import type { AgreementLookups } from '../../../../src/platform/agreements/validate.ts';
import { agreementText, goodAgreement, lookups } from './fixtures.ts';

type Edit = (agreement: ReturnType<typeof goodAgreement>) => void;

async function messagesFor(options: { edit?: Edit; text?: string; fileName?: string; lookups?: AgreementLookups }): Promise<string[]> {
  const agreement = goodAgreement();
  options.edit?.(agreement);
  const result = await validateAgreementText({
    fileName: options.fileName ?? 'cardio-admissions.json',
    text: options.text ?? agreementText(agreement),
    lookups: options.lookups ?? lookups(),
  });
  return result.ok ? [] : result.problems.map(describeProblem);
}

describe('an agreement file', () => {
  it('that is good comes back as the agreement, with every override put to the policy with the legal basis', async () => {
    const checked = lookups();
    const result = await validateAgreementText({
      fileName: 'cardio-admissions.json',
      text: agreementText(goodAgreement()),
      lookups: checked,
    });
    expect(result.ok).toBe(true);
    expect(checked.checks).toEqual([
      {
        dataset: 'patients',
        field: 'postcode',
        treatment: { treatment: 'postcode', resolution: 'district' },
        legalBasis: { kind: 's251_support', reference: '21/CAG/0042', allowsMoreThanDefaults: false, exemptFromOptOut: false },
      },
    ]);
  });

  it('with a date written another way names the line, column and field', async () => {
    expect(await messagesFor({ edit: (a) => void (a.members[1].trainingExpires = '31/10/2026') })).toEqual([
      'cardio-admissions.json line 31, column 7, members[1].trainingExpires: must be a date like 2026-03-31',
    ]);
  });

  it('with a day that is not in the calendar says so', async () => {
    expect(await messagesFor({ edit: (a) => void (a.start = '2026-02-30') })).toEqual([
      'cardio-admissions.json line 13, column 3, start: is not a day of the calendar (check the month and the day)',
    ]);
  });

  it('missing a field points at the object that should hold it', async () => {
    const text = agreementText({ ...goodAgreement(), purpose: undefined });
    expect(await messagesFor({ text })).toEqual(['cardio-admissions.json line 1, column 1, purpose: is missing']);
  });

  it('with a field it cannot have names that field (a misspelling)', async () => {
    const edit: Edit = (a) => Object.assign(a.members[0], { trainingExpiry: '2027-01-01' });
    expect(await messagesFor({ edit })).toEqual([
      'cardio-admissions.json line 25, column 7, members[0].trainingExpiry: is not a field an agreement can have here (check its spelling and the fields this part takes)',
    ]);
  });

  it('with a value of the wrong type says what it must be', async () => {
    expect(await messagesFor({ edit: (a) => Object.assign(a, { nationalDataOptOutApplies: 'yes', rowCap: 10.5 }) })).toEqual([
      'cardio-admissions.json line 11, column 3, nationalDataOptOutApplies: must be true or false',
      'cardio-admissions.json line 16, column 3, rowCap: must be a whole number',
    ]);
  });

  it('with a value outside a list gives the list', async () => {
    expect(await messagesFor({ edit: (a) => void (a.legalBasis.kind = 'section 251') })).toEqual([
      'cardio-admissions.json line 6, column 5, legalBasis.kind: must be one of "consent", "s251_support", "copi_notice", "statutory_direction", "public_task"',
    ]);
  });

  it('with an unknown treatment, or a treatment missing its resolution, says which', async () => {
    const edit: Edit = (a) => {
      a.treatments.patients = { postcode: { treatment: 'postcode' }, sex: { treatment: 'hash' } };
    };
    expect(await messagesFor({ edit })).toEqual([
      'cardio-admissions.json line 42, column 7, treatments.patients.postcode.resolution: is missing: it must be one of "district", "sector"',
      'cardio-admissions.json line 46, column 9, treatments.patients.sex.treatment: must be one of "drop", "keep", "pseudonym", "date", "age_band", "year_of_birth", "top_code", "postcode", "region", "null", "truncate"',
    ]);
  });

  it('with a row condition of no known kind lists the kinds', async () => {
    const edit: Edit = (a) => {
      a.rowConditions[0] = { dataset: 'hospital_episodes', field: 'admission_date', from: '2020-01-01' };
      a.rowConditions[1].condition = 'sql';
    };
    expect(await messagesFor({ edit })).toEqual([
      'cardio-admissions.json line 49, column 5, rowConditions[0].condition: is missing: it must be one of "date_from", "in_cohort"',
      'cardio-admissions.json line 55, column 7, rowConditions[1].condition: must be one of "date_from", "in_cohort"',
    ]);
  });

  it('listing a member twice names the second entry', async () => {
    const edit: Edit = (a) => void (a.members[1].userId = 'ada');
    expect(await messagesFor({ edit })).toEqual([
      'cardio-admissions.json line 27, column 7, members[1].userId: is already a member (members[0]): list each person once',
    ]);
  });

  it('with a membership that ends before it starts, or an agreement that expires before it starts, says so', async () => {
    const edit: Edit = (a) => {
      a.members[0].end = '2025-12-31';
      a.expires = '2025-06-30';
    };
    expect(await messagesFor({ edit })).toEqual([
      'cardio-admissions.json line 22, column 7, members[0].end: must not be before start',
      'cardio-admissions.json line 14, column 3, expires: must not be before start',
    ]);
  });

  it('that sets the opt-out aside on a basis that cannot is refused at both fields', async () => {
    const edit: Edit = (a) => {
      a.legalBasis = { kind: 'public_task', reference: 'UK GDPR 6(1)(e)', allowsMoreThanDefaults: true, exemptFromOptOut: true };
      a.nationalDataOptOutApplies = false;
    };
    expect(await messagesFor({ edit })).toEqual([
      'cardio-admissions.json line 9, column 5, legalBasis.exemptFromOptOut: must be false: public task on pseudonymised data cannot set the national data opt-out aside',
      "cardio-admissions.json line 8, column 5, legalBasis.allowsMoreThanDefaults: must be false: public task on pseudonymised data cannot allow more than the policy's defaults",
    ]);
  });

  it('that says the opt-out does not apply without a basis that exempts it is refused', async () => {
    expect(await messagesFor({ edit: (a) => void (a.nationalDataOptOutApplies = false) })).toEqual([
      'cardio-admissions.json line 11, column 3, nationalDataOptOutApplies: must be true unless legalBasis.exemptFromOptOut is true (the legal basis must set the opt-out aside)',
    ]);
  });

  it('whose name is not its project id is refused at projectId', async () => {
    expect(await messagesFor({ fileName: 'cardio.json' })).toEqual([
      'cardio.json line 2, column 3, projectId: must be "cardio", the file\'s name without .json (or rename the file to cardio-admissions.json)',
    ]);
  });

  it('whose name cannot be a project id is refused as a whole', async () => {
    expect(await messagesFor({ fileName: 'Cardio Admissions.json' })).toEqual([
      'Cardio Admissions.json line 1, column 1: the file name must be the project id and .json, in lower-case letters, digits, "-" or "_" (e.g. cardio-admissions.json)',
    ]);
  });

  it('naming people, datasets and fields the platform does not know says which', async () => {
    const edit: Edit = (a) => {
      a.members[1].userId = 'bob';
      a.datasets.push('gp_records');
      a.treatments.patients = { post_code: { treatment: 'drop' } };
      a.rowConditions[0].field = 'admitted';
      a.rowConditions[1].where = { field: 'outcome', oneOf: ['positive'] };
    };
    expect(await messagesFor({ edit })).toEqual([
      'cardio-admissions.json line 27, column 7, members[1].userId: is not a person the platform knows (check the spelling, or register them first)',
      'cardio-admissions.json line 39, column 5, datasets[3]: is not a dataset in the catalogue',
      'cardio-admissions.json line 43, column 7, treatments.patients.post_code: is not a field of the dataset patients',
      'cardio-admissions.json line 52, column 7, rowConditions[0].field: is not a field of the dataset hospital_episodes',
      'cardio-admissions.json line 62, column 9, rowConditions[1].where.field: is not a field of the dataset covid_tests',
    ]);
  });

  it('naming a dataset it does not list, in a treatment or a row condition, says to list it', async () => {
    const edit: Edit = (a) => {
      a.datasets = ['patients', 'hospital_episodes'];
    };
    expect(await messagesFor({ edit })).toEqual([
      'cardio-admissions.json line 58, column 7, rowConditions[1].cohortDataset: is not one of this agreement\'s datasets (add it to "datasets" first)',
    ]);
  });

  it("with an override the policy refuses carries the policy's words", async () => {
    const refusing = lookups((check) =>
      check.field === 'postcode' ? 'must not be finer than the policy allows: district is the finest' : null,
    );
    expect(await messagesFor({ edit: (a) => void (a.treatments.patients.postcode = { treatment: 'keep' }), lookups: refusing })).toEqual([
      'cardio-admissions.json line 42, column 7, treatments.patients.postcode: must not be finer than the policy allows: district is the finest',
    ]);
  });

  it('that is not JSON points at the first mistake, in words', async () => {
    expect(await messagesFor({ text: '{\n  "projectId": "cardio-admissions",\n}\n' })).toEqual([
      'cardio-admissions.json line 3, column 1: a field name in "double quotes" is expected here (is there a comma too many before it?)',
    ]);
    expect(await messagesFor({ text: '{\n  "projectId": "cardio-admissions"\n  "purpose": "x"\n}\n' })).toEqual([
      'cardio-admissions.json line 3, column 3: a comma is missing before this',
    ]);
    expect(await messagesFor({ text: '{\n  // who asked\n  "projectId": "x"\n}\n' })).toEqual([
      'cardio-admissions.json line 2, column 3: comments are not allowed in agreement files',
    ]);
    expect(await messagesFor({ text: '' })).toEqual([
      'cardio-admissions.json line 1, column 1: a value is expected here (is there a comma too many, or is the file empty?)',
    ]);
  });

  it('that writes a field twice is refused, since a parser would silently keep only the last', async () => {
    const text = agreementText(goodAgreement()).replace('  "rowCap": 1000000,\n', '  "rowCap": 1000000,\n  "rowCap": 10,\n');
    expect(await messagesFor({ text })).toEqual([
      'cardio-admissions.json line 17, column 3, rowCap: is written twice in this object: keep one',
    ]);
  });

  it('that is not an object is refused as a whole', async () => {
    expect(await messagesFor({ text: '[]\n' })).toEqual(['cardio-admissions.json line 1, column 1: must be an object in { }']);
  });
});
