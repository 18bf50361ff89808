// Every treatment's SQL, run on a real in-memory DuckDB against hand-written expected values, edge cases included.
// SATRE 3.1.x (minimisation): the values a project sees are coarsened on the platform, before any query runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { treatmentSql, type TreatmentContext } from '../../../../src/platform/minimisation/treatments.ts';
import type { Treatment } from '../../../../src/platform/minimisation/treatment-schema.ts';
import { openEvaluator, type Evaluator } from './duckdb-eval.ts';

const context: TreatmentContext = { referenceDate: '2023-03-31' };
const V = '"v"';

let db: Evaluator;
beforeAll(async () => {
  db = await openEvaluator();
});
afterAll(() => db.close());

/** Applies a treatment under a context (the test's own unless given) to values of a DuckDB type. */
const treatIn =
  (ctx: TreatmentContext) =>
  (treatment: Treatment, values: readonly (string | null)[], type: string): Promise<unknown[]> =>
    db.apply(treatmentSql(treatment, V, ctx), values, type);
const treat = (treatment: Treatment, values: readonly (string | null)[], type: string): Promise<unknown[]> =>
  treatIn(context)(treatment, values, type);

describe('date → year, month, ISO week', () => {
  const dates = [
    '2020-03-15',
    '2020-02-29',
    '2021-01-03',
    '2020-12-31',
    '2019-12-30',
    '2024-12-30',
    '2027-01-01',
    '2021-01-04',
    '2016-01-03',
    null,
  ];

  it('writes the year as text', async () => {
    expect(await treat({ treatment: 'date', resolution: 'year' }, dates, 'DATE')).toEqual([
      '2020',
      '2020',
      '2021',
      '2020',
      '2019',
      '2024',
      '2027',
      '2021',
      '2016',
      null,
    ]);
  });

  it('writes the month as text, 29 February included', async () => {
    expect(await treat({ treatment: 'date', resolution: 'month' }, dates, 'DATE')).toEqual([
      '2020-03',
      '2020-02',
      '2021-01',
      '2020-12',
      '2019-12',
      '2024-12',
      '2027-01',
      '2021-01',
      '2016-01',
      null,
    ]);
  });

  it('writes the ISO week with its ISO week-year: week 53 and week 1 can belong to the neighbouring calendar year', async () => {
    expect(await treat({ treatment: 'date', resolution: 'iso_week' }, dates, 'DATE')).toEqual([
      '2020-W11',
      '2020-W09',
      '2020-W53',
      '2020-W53',
      '2020-W01',
      '2025-W01',
      '2026-W53',
      '2021-W01',
      '2015-W53',
      null,
    ]);
  });

  it('never writes a full date, from a TIMESTAMP or from text either', async () => {
    expect(await treat({ treatment: 'date', resolution: 'month' }, ['2020-03-15 23:59:59', null], 'TIMESTAMP')).toEqual(['2020-03', null]);
    expect(await treat({ treatment: 'date', resolution: 'month' }, ['2020-03-15', 'not a date', null], 'VARCHAR')).toEqual([
      '2020-03',
      null,
      null,
    ]);
  });
});

describe('date of birth → age band at the reference date, or year of birth', () => {
  const band5 = { treatment: 'age_band', width: 5, topAt: 90 } as const;

  it('bands by completed years on the reference date (2023-03-31)', async () => {
    expect(await treat(band5, ['1980-04-01', '1980-03-31', '1978-03-31', '1978-04-01', '2023-03-31', '2023-04-01', null], 'DATE')).toEqual([
      '40-44',
      '40-44',
      '45-49',
      '40-44',
      '0-4',
      null,
      null,
    ]);
  });

  it('top-codes at 90: ages 89, 90 and 91', async () => {
    expect(await treat(band5, ['1933-04-01', '1933-03-31', '1932-03-31', '1900-01-01'], 'DATE')).toEqual(['85-89', '90+', '90+', '90+']);
  });

  it('a band below a top that is not a multiple of the width stops short of the top', async () => {
    expect(await treat({ treatment: 'age_band', width: 5, topAt: 92 }, ['1933-03-31', '1931-03-31'], 'DATE')).toEqual(['90-91', '92+']);
  });

  it('without a top, very old ages keep their band', async () => {
    expect(await treat({ treatment: 'age_band', width: 5 }, ['1922-01-01'], 'DATE')).toEqual(['100-104']);
  });

  it('someone born on 29 February is a year older from 1 March in other years', async () => {
    const years = { treatment: 'age_band', width: 1 } as const;
    const dob = ['2000-02-29'];
    expect(await treatIn({ ...context, referenceDate: '2023-02-28' })(years, dob, 'DATE')).toEqual(['22']);
    expect(await treatIn({ ...context, referenceDate: '2023-03-01' })(years, dob, 'DATE')).toEqual(['23']);
    expect(await treatIn({ ...context, referenceDate: '2024-02-29' })(years, dob, 'DATE')).toEqual(['24']);
    expect(await treatIn({ ...context, referenceDate: '2024-02-29' })(years, ['2000-03-01'], 'DATE')).toEqual(['23']);
  });

  it('refuses a reference date that is not a calendar date', () => {
    expect(() => treatmentSql(band5, V, { ...context, referenceDate: '2023-02-30' })).toThrow(/not a date/);
    expect(() => treatmentSql(band5, V, { ...context, referenceDate: "2023-01-01'; DROP" })).toThrow(/not a date/);
  });

  it('year of birth is the year as text', async () => {
    expect(await treat({ treatment: 'year_of_birth' }, ['1950-03-04', '2000-02-29', null], 'DATE')).toEqual(['1950', '2000', null]);
  });
});

describe('top_code', () => {
  it('writes numbers at or above the threshold as "90+"; the column becomes text', async () => {
    const treatment = { treatment: 'top_code', at: 90 } as const;
    expect(await treat(treatment, ['0', '89', '90', '91', '120', null], 'INTEGER')).toEqual(['0', '89', '90+', '90+', '90+', null]);
    expect(await db.typeOf(treatmentSql(treatment, V, context), '42', 'INTEGER')).toBe('VARCHAR');
  });
});

describe('postcode → district or sector', () => {
  const postcodes = [
    'SW1A 1AA',
    'sw1a1aa',
    ' M1  1AE ',
    'M1\t1AE',
    'B15 2TT',
    'EC1A 1BB',
    'LS1 4AB',
    'CR2 6XH',
    'SW1A',
    '12345',
    'SW1A 1A',
    'SW1A 1AAA',
    'SW1A 1CA',
    '1AB 2CD',
    'M1 1AE; DROP',
    '',
    null,
  ];

  it('cuts a well-formed postcode to its district; malformed ones become null', async () => {
    expect(await treat({ treatment: 'postcode', resolution: 'district' }, postcodes, 'VARCHAR')).toEqual([
      'SW1A',
      'SW1A',
      'M1',
      'M1',
      'B15',
      'EC1A',
      'LS1',
      'CR2',
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });

  it('cuts a well-formed postcode to its sector', async () => {
    expect(await treat({ treatment: 'postcode', resolution: 'sector' }, postcodes, 'VARCHAR')).toEqual([
      'SW1A 1',
      'SW1A 1',
      'M1 1',
      'M1 1',
      'B15 2',
      'EC1A 1',
      'LS1 4',
      'CR2 6',
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('small-area code → region', () => {
  it("maps the generator's codes to their region; anything else is null", async () => {
    expect(
      await treat(
        { treatment: 'region' },
        ['E01000001', 'E01001655', 'E01001656', 'E01017936', 'E01030718', 'E01030719', 'E01000000', 'e01000001', 'E0100001', 'X', null],
        'VARCHAR',
      ),
    ).toEqual(['North East', 'North East', 'North West', 'London', 'South West', null, null, null, null, null, null]);
  });

  it('uses a lookup given in the context', async () => {
    const regionLookup = [{ first: 'E01000001', last: 'E01000009', regionCode: 'E12000007', regionName: "King's Land" }];
    expect(await treatIn({ ...context, regionLookup })({ treatment: 'region' }, ['E01000005', 'E01000010'], 'VARCHAR')).toEqual([
      "King's Land",
      null,
    ]);
  });
});

describe('keep, null, truncate, drop', () => {
  it('keep is the value as it is', async () => {
    expect(await treat({ treatment: 'keep' }, ['J18.9', null], 'VARCHAR')).toEqual(['J18.9', null]);
  });

  it('null empties every value and keeps the column type', async () => {
    expect(await treat({ treatment: 'null' }, ['2020-01-01', null], 'DATE')).toEqual([null, null]);
    expect(await db.typeOf(treatmentSql({ treatment: 'null' }, V, context), '2020-01-01', 'DATE')).toBe('DATE');
  });

  it('truncate keeps the first characters (characters, not bytes)', async () => {
    expect(await treat({ treatment: 'truncate', length: 3 }, ['J18.9', 'K4', 'éàüö', null], 'VARCHAR')).toEqual(['J18', 'K4', 'éàü', null]);
  });

  it('drop has no SQL: the caller leaves the column out', () => {
    expect(() => treatmentSql({ treatment: 'drop' }, V, context)).toThrow(/leave the column out/);
  });
});
