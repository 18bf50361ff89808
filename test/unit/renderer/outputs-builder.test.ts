// The output builder's choices and words (renderer/src/outputs/builder-model.ts): defaults that never group by an
// identifier, kinds a result can make, choices turned into output-build's (or what is still missing), titles and file
// names, the requests an output may join, and the suggestion's button.
import { describe, expect, it } from 'vitest';
import type { RequestSummary } from '../../../src/common/airlock.ts';
import { resultColumnsOf } from '../../../renderer/src/analysis/column-kind.ts';
import {
  choicesOf,
  defaultTitle,
  derivedChoices,
  fileNameOf,
  initialState,
  kindsFor,
  mitigationChoices,
  mitigationValue,
  NO_MITIGATION,
  requestsToAddTo,
  suggestionLabel,
  titleOf,
  withKind,
} from '../../../renderer/src/outputs/builder-model.ts';

const EPISODES = resultColumnsOf([
  { name: 'episode_id', type: 'VARCHAR' },
  { name: 'admission_date', type: 'DATE' },
  { name: 'admission_method', type: 'VARCHAR' },
  { name: 'sex', type: 'VARCHAR' },
  { name: 'length_of_stay', type: 'INTEGER' },
  { name: 'diagnoses', type: 'VARCHAR[]' },
]);
const MODEL = resultColumnsOf([
  { name: 'term', type: 'VARCHAR' },
  { name: 'estimate', type: 'DOUBLE' },
  { name: 'std_error', type: 'DOUBLE' },
  { name: 'p_value', type: 'DOUBLE' },
]);

describe('where the builder starts', () => {
  it('groups by the first text column that is not an identifier, and measures a number', () => {
    const state = initialState(EPISODES);
    expect(state.kind).toBe('frequency');
    expect(state.dimensions).toEqual(['admission_method']);
    expect(state.measure).toBe('length_of_stay');
    expect(state.totals).toBe(true);
    expect(state.mitigation).toEqual(NO_MITIGATION);
  });

  it('offers the kinds the columns allow; a regression summary only from a result holding its columns', () => {
    expect(kindsFor(EPISODES)).toEqual(['frequency', 'magnitude', 'bar', 'histogram']);
    expect(kindsFor(MODEL)).toEqual(['frequency', 'magnitude', 'bar', 'histogram', 'regression']);
    expect(initialState(MODEL).kind).toBe('regression');
    expect(kindsFor(resultColumnsOf([{ name: 'tags', type: 'VARCHAR[]' }]))).toEqual([]);
  });
});

describe('changing the kind', () => {
  it('a bar chart keeps at most two dimensions', () => {
    const state = { ...initialState(EPISODES), dimensions: ['admission_method', 'sex', 'admission_date'] };
    expect(withKind(state, 'bar').dimensions).toEqual(['admission_method', 'sex']);
    expect(withKind(state, 'frequency').dimensions).toHaveLength(3);
  });

  it('a magnitude table drops rounding (it is for counts); a frequency table keeps it', () => {
    const rounded = { ...initialState(EPISODES), mitigation: { kind: 'rounded' as const, roundingBase: 5 } };
    expect(withKind(rounded, 'magnitude').mitigation).toEqual(NO_MITIGATION);
    expect(withKind(rounded, 'bar').mitigation).toEqual(rounded.mitigation);
    expect(mitigationChoices('magnitude').map((m) => m.value)).toEqual(['none', 'suppressed']);
    expect(mitigationChoices('frequency').map((m) => m.value)).toEqual(['none', 'suppressed', 'rounded-5', 'rounded-10']);
    expect(mitigationChoices('regression')).toEqual([]);
    expect(mitigationValue({ kind: 'rounded', roundingBase: 10 })).toBe('rounded-10');
  });
});

describe('percentages or rates', () => {
  it('starts with percentages, and offers rates per 1,000, 10,000 and 100,000', () => {
    expect(initialState(EPISODES).ratePer).toBeNull();
    expect(derivedChoices()).toEqual([
      { value: 'percent', label: 'Percentages', ratePer: null },
      { value: '1000', label: 'Rates per 1,000', ratePer: 1_000 },
      { value: '10000', label: 'Rates per 10,000', ratePer: 10_000 },
      { value: '100000', label: 'Rates per 100,000', ratePer: 100_000 },
    ]);
  });
});

describe('the choices as output-build takes them', () => {
  const start = initialState(EPISODES);

  it('a frequency table of the chosen dimensions (blanks left out)', () => {
    expect(choicesOf({ ...start, dimensions: ['admission_method', 'sex', ''], totals: false }, null)).toEqual({
      ok: true,
      choices: { kind: 'frequency', dimensions: ['admission_method', 'sex'], totals: false },
    });
  });

  it('says what is missing, in words', () => {
    expect(choicesOf({ ...start, dimensions: [''] }, null)).toEqual({ ok: false, message: 'Choose at least one dimension.' });
    expect(choicesOf({ ...start, dimensions: ['sex', 'sex'] }, null)).toEqual({ ok: false, message: 'Choose each dimension once.' });
    expect(choicesOf({ ...start, kind: 'magnitude', measure: 'sex', dimensions: ['sex'] }, null)).toEqual({
      ok: false,
      message: 'sex cannot be both a dimension and the measure.',
    });
    expect(choicesOf({ ...start, kind: 'histogram', measure: 'length_of_stay' }, null)).toEqual({
      ok: false,
      message: 'length_of_stay has no values to bin.',
    });
    expect(choicesOf({ ...start, kind: 'regression', model: 'OLS', observations: 'many', residualDof: '3' }, null)).toEqual({
      ok: false,
      message: 'Enter the number of observations the model was fitted on.',
    });
  });

  it('a histogram’s bins from the measure’s range: round widths, whole numbers for integers', () => {
    const chosen = choicesOf({ ...start, kind: 'histogram', measure: 'length_of_stay', bins: 10 }, { min: 0, max: 61, integers: true });
    expect(chosen).toEqual({ ok: true, choices: { kind: 'histogram', measure: 'length_of_stay', bins: { origin: 0, width: 5 } } });
  });

  it('a regression summary with its observations and residual degrees of freedom', () => {
    expect(
      choicesOf({ ...start, kind: 'regression', model: ' OLS of stay on age ', observations: '120', residualDof: '118' }, null),
    ).toEqual({
      ok: true,
      choices: { kind: 'regression', model: 'OLS of stay on age', observations: 120, residualDof: 118 },
    });
  });
});

describe('titles and file names', () => {
  const start = initialState(EPISODES);

  it('a default title that says what the output is, until the analyst writes one', () => {
    expect(defaultTitle({ ...start, dimensions: ['admission_method', 'sex'] })).toBe('Number of rows by admission_method and sex');
    expect(defaultTitle({ ...start, kind: 'magnitude', statistic: 'mean' })).toBe('Mean of length_of_stay by admission_method');
    expect(defaultTitle({ ...start, kind: 'histogram' })).toBe('Histogram of length_of_stay');
    expect(titleOf({ ...start, title: '  ' })).toBe('Number of rows by admission_method');
    expect(titleOf({ ...start, title: 'Admissions by method' })).toBe('Admissions by method');
  });

  it('a file name is never a path', () => {
    expect(fileNameOf('Admissions / discharges by sex\\age')).toBe('Admissions - discharges by sex-age');
    expect(fileNameOf('  ..  ')).toBe('output');
    expect(fileNameOf('x'.repeat(300))).toHaveLength(190);
  });
});

describe('requests an output may join, and the suggestion’s button', () => {
  const summary = (id: string, authorId: string, state: RequestSummary['state']): RequestSummary => ({
    id,
    projectId: 'covid-outcomes',
    projectName: 'COVID outcomes',
    title: id,
    state,
    author: { id: authorId, name: authorId },
    createdAt: '2026-12-01T10:00:00.000Z',
    submittedAt: null,
    updatedAt: '2026-12-01T10:00:00.000Z',
    version: 1,
    files: 0,
    outputs: 0,
  });

  it('mine, pending or returned to me', () => {
    const requests = [
      summary('a', 'ada', 'PENDING'),
      summary('b', 'ada', 'SUBMITTED'),
      summary('c', 'ben', 'PENDING'),
      summary('d', 'ada', 'RETURNED'),
      summary('e', 'ada', 'RELEASED'),
    ];
    expect(requestsToAddTo(requests, 'ada').map((r) => r.id)).toEqual(['a', 'd']);
  });

  it('says what one click does', () => {
    expect(
      suggestionLabel({
        text: 'suppress 4 cells (1 primary, 3 secondary)',
        apply: { kind: 'suppressed', roundingBase: null },
        primary: 1,
        secondary: 3,
      }),
    ).toBe('Apply suggested suppression');
    expect(suggestionLabel({ text: 'round to base 5', apply: { kind: 'rounded', roundingBase: 5 }, primary: 0, secondary: 0 })).toBe(
      'Round to base 5',
    );
  });
});
