// The check of an output document (src/common/output-check.ts), with the real HiGHS solver: the verdict, the flags a
// person must look at, the evidence behind flagged cells, the suggested mitigation, and what may leave.
import { describe, expect, it } from 'vitest';
import { EnclaveError } from '../../../src/common/errors.ts';
import {
  effectiveRules,
  ledgerTable,
  OutputCheckSchema,
  publishedOutput,
  PublishedOutputSchema,
  withoutEvidence,
} from '../../../src/common/output-check.ts';
import type { CellKey, LedgerTable } from '../../../src/common/output-check.ts';
import type { AppliedMitigation, OutputDocument } from '../../../src/common/outputs.ts';
import { PROFILES } from '../../../src/common/sdc/rules.ts';
import { check, frequency, NONE, source, SUPPRESSED, type Cells } from './output-documents.ts';

/** North × M holds 3 people: below the default threshold of 10. */
const REGION_BY_SEX: Cells = [
  { key: { region: 'North', sex: 'F' }, count: 12 },
  { key: { region: 'North', sex: 'M' }, count: 3 },
  { key: { region: 'South', sex: 'F' }, count: 40 },
  { key: { region: 'South', sex: 'M' }, count: 35 },
];

function at<T extends { key: CellKey }>(cells: readonly T[], key: CellKey): T {
  const found = cells.find((cell) => Object.entries(key).every(([d, v]) => String(cell.key[d]) === String(v)));
  if (!found) throw new Error(`no cell ${JSON.stringify(key)}`);
  return found;
}

/** Every number anywhere in a value (keys' categories are text here). */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.flatMap(numbersIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

function keysIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysIn);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...keysIn(v)]);
  return [];
}

describe('a frequency table with a small cell', () => {
  it('is flagged, with the evidence behind the small cell and the suppression that clears it', async () => {
    const result = await check(frequency(REGION_BY_SEX));
    expect(result.verdict).toBe('flag');
    expect(result.mitigation).toBe('none');
    expect(result.check?.status).toBe('fail');
    expect(result.evidence).toEqual([
      {
        cell: { region: 'North', sex: 'M' },
        reasons: ['threshold: count 3 is below 10'],
        count: 3,
        contributors: 3,
        top1Share: null,
        top2Share: null,
        residualDof: null,
      },
    ]);
    // Hiding North × M behind published totals forces a rectangle of three more cells (2×2 interior).
    expect(result.suggestion).toEqual({ text: 'suppress 4 cells (1 primary, 3 secondary)', apply: SUPPRESSED, primary: 1, secondary: 3 });
  });

  it('passes once the suggestion is applied, and publishes no count behind a hidden cell', async () => {
    const first = await check(frequency(REGION_BY_SEX));
    const document = frequency(REGION_BY_SEX, { mitigation: first.suggestion?.apply });
    const result = await check(document);
    expect(result.verdict).toBe('pass');
    expect(result.mitigation).toBe('suppressed');
    expect(result.suggestion).toBeNull();
    expect(result.notes).toContain('4 cells hidden (1 primary, 3 secondary).');

    const published = publishedOutput(document, result);
    expect(PublishedOutputSchema.parse(published)).toEqual(published);
    expect(published.cells.map((cell) => cell.value)).toEqual([null, null, null, null]);
    expect(published.cells.every((cell) => cell.status === 'suppressed')).toBe(true);
    // Every total is published: with all four cells hidden, none of them can be worked out from the totals.
    expect(published.totals.map((total) => total.value)).toEqual([15, 75, 52, 38, 90]);
    expect(published.derived).toEqual([]);
    for (const hidden of [3, 12, 40, 35]) expect(numbersIn(published)).not.toContain(hidden);
    expect(keysIn(published)).not.toContain('contributions');
    expect(keysIn(published)).not.toContain('count');
    expect(published.notes).toContain('4 cells suppressed (shown empty) so that small groups cannot be seen or worked out from the rest.');
  });

  it('publishes the cells the analyst hid as empty, even without a mitigation', async () => {
    const cells: Cells = [
      { key: { region: 'North', sex: 'F' }, count: 22 },
      { key: { region: 'North', sex: 'M' }, count: 13 },
      { key: { region: 'South', sex: 'F' }, count: 40 },
      { key: { region: 'South', sex: 'M' }, count: 35 },
    ];
    const document = frequency(cells, { suppressed: [{ region: 'North', sex: 'M' }] });
    const result = await check(document);
    const published = publishedOutput(document, result);
    expect(at(published.cells, { region: 'North', sex: 'M' })).toEqual({
      key: { region: 'North', sex: 'M' },
      value: null,
      status: 'suppressed',
    });
    expect(numbersIn(published)).not.toContain(13);
  });

  it('recomputes percentages from the published cells and totals', async () => {
    const cells: Cells = [
      { key: { region: 'North', sex: 'F' }, count: 20 },
      { key: { region: 'North', sex: 'M' }, count: 30 },
      { key: { region: 'South', sex: 'F' }, count: 40 },
      { key: { region: 'South', sex: 'M' }, count: 60 },
    ];
    const document = frequency(cells);
    const published = publishedOutput(document, await check(document));
    expect(published.derived).toEqual([
      { key: { region: 'North', sex: 'F' }, of: { region: 'North', sex: '*' }, percent: 40 },
      { key: { region: 'North', sex: 'M' }, of: { region: 'North', sex: '*' }, percent: 60 },
      { key: { region: 'South', sex: 'F' }, of: { region: 'South', sex: '*' }, percent: 40 },
      { key: { region: 'South', sex: 'M' }, of: { region: 'South', sex: '*' }, percent: 60 },
    ]);
  });
});

describe('flags a person must look at', () => {
  // OpenSAFELY's profile: counts 1–7 redacted, zeros kept, the rest rounded to 5, totals the sums of published cells.
  const opensafely = PROFILES.opensafely;

  it('a 100% beside a hidden cell is sent for review', async () => {
    const document = frequency(
      [
        { key: { region: 'North', sex: 'F' }, count: 3 },
        { key: { region: 'North', sex: 'M' }, count: 20 },
        { key: { region: 'South', sex: 'F' }, count: 40 },
        { key: { region: 'South', sex: 'M' }, count: 35 },
      ],
      { mitigation: SUPPRESSED },
    );
    const result = await check(document, { rules: opensafely });
    expect(result.check?.status).toBe('pass');
    expect(result.verdict).toBe('review');
    expect(result.flags).toEqual([
      {
        code: 'extreme_percentage',
        verdict: 'review',
        message: 'a derived percentage of 0% or 100% sits beside a hidden cell, which it can give away: region = North, sex = M',
        cells: [
          { region: 'North', sex: 'M' },
          { region: 'North', sex: 'F' },
        ],
        earlier: null,
      },
    ]);
    const published = publishedOutput(document, result);
    expect(at(published.derived, { region: 'North', sex: 'M' }).percent).toBe(100);
    expect(at(published.totals, { region: 'North', sex: '*' }).value).toBe(20);
    // The evidence covers the hidden cell the flag concerns, for the checkers.
    expect(
      at(
        result.evidence.map((e) => ({ ...e, key: e.cell ?? {} })),
        { region: 'North', sex: 'F' },
      ),
    ).toMatchObject({ count: 3 });
  });

  it('a row or column whose contributors all fall in one category is sent for review, when the published zeros show it', async () => {
    const cells: Cells = [
      { key: { ward: 'W1', sex: 'F' }, count: 30 },
      { key: { ward: 'W1', sex: 'M' }, count: 0 },
      { key: { ward: 'W2', sex: 'F' }, count: 25 },
      { key: { ward: 'W2', sex: 'M' }, count: 45 },
    ];
    const document = frequency(cells, { dimensions: ['ward', 'sex'] });
    const result = await check(document, { rules: opensafely });
    expect(result.check?.status).toBe('pass');
    expect(result.verdict).toBe('review');
    // Everyone in ward W1 is F, and every M is in ward W2.
    expect(result.flags).toEqual([
      {
        code: 'class_disclosure',
        verdict: 'review',
        message: 'class disclosure: the published zeros show everyone in one category of ward: sex = M (all W2)',
        cells: [{ ward: 'W2', sex: 'M' }],
        earlier: null,
      },
      {
        code: 'class_disclosure',
        verdict: 'review',
        message: 'class disclosure: the published zeros show everyone in one category of sex: ward = W1 (all F)',
        cells: [{ ward: 'W1', sex: 'F' }],
        earlier: null,
      },
    ]);
    expect(result.evidence).toEqual([
      {
        cell: { ward: 'W2', sex: 'M' },
        reasons: ['class disclosure'],
        count: 45,
        contributors: 45,
        top1Share: null,
        top2Share: null,
        residualDof: null,
      },
      {
        cell: { ward: 'W1', sex: 'F' },
        reasons: ['class disclosure'],
        count: 30,
        contributors: 30,
        top1Share: null,
        top2Share: null,
        residualDof: null,
      },
    ]);
    expect(result.suggestion).toBeNull();
  });

  it('no class disclosure when the zero is hidden', async () => {
    const cells: Cells = [
      { key: { ward: 'W1', sex: 'F' }, count: 30 },
      { key: { ward: 'W1', sex: 'M' }, count: 0 },
      { key: { ward: 'W2', sex: 'F' }, count: 25 },
      { key: { ward: 'W2', sex: 'M' }, count: 45 },
    ];
    // The default profile takes zeros as disclosive: suppression hides the zero (and what would give it away).
    const result = await check(frequency(cells, { dimensions: ['ward', 'sex'], mitigation: SUPPRESSED }));
    expect(result.flags).toEqual([]);
    expect(result.verdict).toBe('pass');
  });

  it('differencing against an earlier release is flagged with both tables named, and rounding clears it', async () => {
    const released: LedgerTable = {
      id: 'file-00000000000000000001',
      title: 'Admissions by region',
      statistic: 'count',
      dimensions: ['region'],
      cells: [
        { key: { region: 'North' }, value: 20 },
        { key: { region: 'South' }, value: 75 },
        { key: { region: '*' }, value: 95 },
      ],
    };
    const cells: Cells = [
      { key: { region: 'North', sex: 'F' }, count: 12 },
      { key: { region: 'North', sex: 'M' }, count: 10 },
      { key: { region: 'South', sex: 'F' }, count: 40 },
      { key: { region: 'South', sex: 'M' }, count: 35 },
    ];
    const result = await check(frequency(cells), { released: [released] });
    expect(result.verdict).toBe('flag');
    expect(result.flags).toEqual([
      {
        code: 'differencing',
        verdict: 'flag',
        message:
          'differencing: "Admissions by region and sex" and the released "Admissions by region" differ by a group smaller than 10 in 1 cell (region = North)',
        cells: [{ region: 'North' }],
        earlier: { id: 'file-00000000000000000001', title: 'Admissions by region', dimensions: released.dimensions, cells: released.cells },
      },
    ]);
    // North's 22 rounds to 20: no difference is left.
    expect(result.suggestion).toEqual({ text: 'round to base 5', apply: { kind: 'rounded', roundingBase: 5 }, primary: 0, secondary: 0 });
    const rounded = await check(frequency(cells, { mitigation: { kind: 'rounded', roundingBase: 5 } }), { released: [released] });
    expect(rounded.verdict).toBe('pass');
    expect(rounded.rules.rounding).toEqual({ base: 5 });
  });

  it('compares only count tables with the ledger', async () => {
    const released: LedgerTable = {
      id: 'file-00000000000000000002',
      title: 'Mean stay by region',
      statistic: 'mean',
      dimensions: ['region'],
      cells: [{ key: { region: 'North' }, value: 20 }],
    };
    const cells: Cells = [
      { key: { region: 'North', sex: 'F' }, count: 12 },
      { key: { region: 'North', sex: 'M' }, count: 10 },
    ];
    expect((await check(frequency(cells), { released: [released] })).flags).toEqual([]);
  });

  it('an earlier release of a published output is compared as the ledger gives it', async () => {
    const earlier = frequency(
      [
        { key: { region: 'North', sex: 'F' }, count: 12 },
        { key: { region: 'North', sex: 'M' }, count: 13 },
      ],
      { dimensions: ['region', 'sex'] },
    );
    const earlierPublished = publishedOutput(earlier, await check(earlier));
    const ledger = ledgerTable({ id: 'file-00000000000000000003', title: 'Earlier' }, earlierPublished);
    const now = frequency([
      { key: { region: 'North', sex: 'F' }, count: 12 },
      { key: { region: 'North', sex: 'M' }, count: 15 },
    ]);
    const result = await check(now, { released: [ledger] });
    expect(result.flags.map((flag) => [flag.code, flag.earlier?.id])).toEqual([['differencing', 'file-00000000000000000003']]);
  });
});

describe('magnitude tables', () => {
  function magnitude(
    cells: Cells,
    options: { statistic?: 'sum' | 'mean'; mitigation?: AppliedMitigation; totals?: 'none' } = {},
  ): OutputDocument {
    return {
      kind: 'magnitude',
      title: 'Length of stay by region',
      source,
      table: { dimensions: ['region'], cells, ...(options.totals ? { totals: options.totals } : {}) },
      mitigation: options.mitigation ?? NONE,
      statistic: options.statistic ?? 'sum',
      measure: 'stay',
    };
  }

  const even = (n: number, value: number): number[] => Array.from({ length: n }, () => value);

  it('counts only the values that enter the statistic: a missing value is not a contributor', async () => {
    // 12 rows in North, but only 4 have a stay: 4 contributors, below the threshold of 10. No review for the missing.
    const document = magnitude([
      { key: { region: 'North' }, count: 12, contributions: [5, 4, null, 3, null, null, 2, null, null, null, null, null] },
      { key: { region: 'South' }, count: 20, contributions: even(20, 3) },
      { key: { region: 'East' }, count: 15, contributions: even(15, 2) },
    ]);
    const result = await check(document);
    expect(result.check?.status).toBe('fail');
    expect(result.verdict).toBe('flag');
    const north = at(
      result.evidence.map((e) => ({ ...e, key: e.cell ?? {} })),
      { region: 'North' },
    );
    expect(north).toMatchObject({ count: 12, contributors: 4, top1Share: tidy(5 / 14), top2Share: tidy(9 / 14) });
    expect(north.reasons).toContain('threshold: count 4 is below 10');
  });

  it('a dominant contributor is flagged with its share of the cell', async () => {
    const document = magnitude([
      { key: { region: 'North' }, count: 11, contributions: [1000, ...even(10, 1)] },
      { key: { region: 'South' }, count: 20, contributions: even(20, 3) },
      { key: { region: 'East' }, count: 15, contributions: even(15, 2) },
    ]);
    const result = await check(document);
    const north = result.evidence.find((e) => e.cell?.['region'] === 'North');
    expect(north?.reasons.some((r) => r.startsWith('dominance'))).toBe(true);
    expect(north).toMatchObject({ count: 11, contributors: 11, top1Share: tidy(1000 / 1010), top2Share: tidy(1001 / 1010) });
  });

  it('a mean is published over the contributors, and a cell with no values is empty', async () => {
    const document = magnitude(
      [
        { key: { region: 'North' }, count: 12, contributions: [...even(10, 4), null, null] },
        { key: { region: 'South' }, count: 20, contributions: even(20, 3) },
      ],
      { statistic: 'mean', totals: 'none' },
    );
    const result = await check(document);
    expect(result.verdict).toBe('pass');
    const published = publishedOutput(document, result);
    expect(published.statistic).toBe('mean');
    expect(published.cells).toEqual([
      { key: { region: 'North' }, value: 4, status: 'published' },
      { key: { region: 'South' }, value: 3, status: 'published' },
    ]);
    expect(published.derived).toEqual([]);
    expect(published.notes).toContain('Each mean is over the values of stay that are not missing.');
    // Under OpenSAFELY's profile a zero is published: a mean over nothing is empty, not zero.
    const empty = magnitude(
      [
        { key: { region: 'North' }, count: 3, contributions: [null, null, null] },
        { key: { region: 'South' }, count: 20, contributions: even(20, 3) },
      ],
      { statistic: 'mean', totals: 'none' },
    );
    const emptyPublished = publishedOutput(empty, await check(empty, { rules: PROFILES.opensafely }));
    expect(at(emptyPublished.cells, { region: 'North' })).toEqual({ key: { region: 'North' }, value: null, status: 'empty' });
  });

  it('publishes the same means from the check shown without its counts', async () => {
    const document = magnitude(
      [
        { key: { region: 'North' }, count: 12, contributions: [...even(10, 4), null, null] },
        { key: { region: 'South' }, count: 20, contributions: even(20, 3) },
      ],
      { statistic: 'mean' },
    );
    const result = await check(document);
    const published = publishedOutput(document, result);
    expect(published.totals).toEqual([{ key: { region: '*' }, value: 3.333333, status: 'published' }]);
    expect(publishedOutput(document, withoutEvidence(result))).toEqual(published);
  });

  it('never publishes contributions or counts', async () => {
    const document = magnitude(
      [
        { key: { region: 'North' }, count: 11, contributions: [1000, ...even(10, 1)] },
        { key: { region: 'South' }, count: 20, contributions: even(20, 3) },
        { key: { region: 'East' }, count: 15, contributions: even(15, 2) },
      ],
      { mitigation: SUPPRESSED },
    );
    const result = await check(document);
    const published = publishedOutput(document, result);
    expect(at(published.cells, { region: 'North' }).value).toBeNull();
    expect(numbersIn(published)).not.toContain(1010);
    expect(numbersIn(published)).not.toContain(1000);
    expect(keysIn(published)).not.toContain('contributions');
  });

  it('refuses rounding: a magnitude table is protected by suppression', async () => {
    const document = magnitude([{ key: { region: 'North' }, count: 20, contributions: even(20, 3) }], {
      mitigation: { kind: 'rounded', roundingBase: 5 },
    });
    await expect(check(document)).rejects.toThrow(/rounding applies to counts/);
  });
});

describe('charts and regressions', () => {
  it('a histogram with a small bin is flagged; suppression hides the bin', async () => {
    const document: OutputDocument = {
      kind: 'chart',
      title: 'Age at admission',
      source,
      chart: 'histogram',
      table: {
        dimensions: ['age'],
        cells: [
          { key: { age: '0–10' }, count: 25 },
          { key: { age: '10–20' }, count: 4 },
          { key: { age: '20–30' }, count: 31 },
        ],
        totals: 'none',
      },
      mitigation: NONE,
      x: 'age',
      y: 'Number of rows',
    };
    const result = await check(document);
    expect(result.verdict).toBe('flag');
    expect(result.suggestion).toEqual({ text: 'suppress 1 cell (1 primary, 0 secondary)', apply: SUPPRESSED, primary: 1, secondary: 0 });
    const suppressed = { ...document, mitigation: SUPPRESSED };
    const after = await check(suppressed);
    expect(after.verdict).toBe('pass');
    const published = publishedOutput(suppressed, after);
    expect(published.chart).toEqual({ type: 'histogram', x: 'age', y: 'Number of rows' });
    expect(published.cells.map((cell) => cell.value)).toEqual([25, null, 31]);
  });

  it('a histogram whose bins are not "lower–upper" cannot be checked', async () => {
    const document: OutputDocument = {
      kind: 'chart',
      title: 'Age at admission',
      source,
      chart: 'histogram',
      table: { dimensions: ['age'], cells: [{ key: { age: 'young' }, count: 25 }], totals: 'none' },
      mitigation: NONE,
      x: 'age',
      y: 'Number of rows',
    };
    await expect(check(document)).rejects.toThrow(/"lower–upper"/);
  });

  const regression = (residualDof: number, observations: number): OutputDocument => ({
    kind: 'regression',
    title: 'Stay on age',
    source,
    model: 'OLS',
    coefficients: [
      { term: '(Intercept)', estimate: 2.5, standardError: 0.4, pValue: 0.001 },
      { term: 'age', estimate: 0.03, standardError: 0.01, pValue: 0.02 },
    ],
    observations,
    residualDof,
  });

  it('a regression with too few residual degrees of freedom is flagged, with them as evidence', async () => {
    const result = await check(regression(5, 7));
    expect(result.verdict).toBe('flag');
    expect(result.check).toBeNull();
    expect(result.regression).toEqual({ status: 'fail', residualDof: 5, reasons: ['dof: 5 residual degrees of freedom is below 10'] });
    expect(result.evidence).toEqual([
      {
        cell: null,
        reasons: ['dof: 5 residual degrees of freedom is below 10'],
        count: 7,
        contributors: 7,
        top1Share: null,
        top2Share: null,
        residualDof: 5,
      },
    ]);
    expect(result.suggestion).toBeNull();
  });

  it('does not take more residual degrees of freedom than the observations leave', async () => {
    const result = await check(regression(50, 11));
    expect(result.regression?.residualDof).toBe(9);
    expect(result.verdict).toBe('flag');
    expect(result.notes[0]).toBe('The residual degrees of freedom are taken as 9 (observations less terms), not the 50 given.');
  });

  it('a regression with enough publishes its coefficients', async () => {
    const document = regression(120, 122);
    const result = await check(document);
    expect(result.verdict).toBe('pass');
    expect(result.evidence).toEqual([]);
    const published = publishedOutput(document, result);
    expect(published.regression).toEqual({
      model: 'OLS',
      coefficients: (document as Extract<OutputDocument, { kind: 'regression' }>).coefficients,
      observations: 122,
      residualDof: 120,
    });
    expect(published.cells).toEqual([]);
  });
});

describe('rules and bad documents', () => {
  it('a rounding base overrides the profile only when it tightens it', () => {
    const opensafely = PROFILES.opensafely;
    expect(effectiveRules(opensafely, { kind: 'rounded', roundingBase: 3 }).rounding).toEqual({ base: 5 });
    expect(effectiveRules(opensafely, { kind: 'rounded', roundingBase: 10 }).rounding).toEqual({ base: 10 });
    expect(effectiveRules(PROFILES.default, { kind: 'rounded', roundingBase: 5 }).rounding).toEqual({ base: 5 });
    expect(effectiveRules(PROFILES.default, SUPPRESSED)).toBe(PROFILES.default);
  });

  it('a count table with contributions is refused', async () => {
    const document = frequency([{ key: { region: 'North', sex: 'F' }, count: 1, contributions: [3] }]);
    await expect(check(document)).rejects.toThrow(EnclaveError);
    await expect(check(document)).rejects.toThrow(/a count table has no contributions/);
  });

  it('a hidden cell that is not in the table is refused, and says which', async () => {
    const document = frequency(REGION_BY_SEX, { suppressed: [{ region: 'West', sex: 'F' }] });
    await expect(check(document)).rejects.toMatchObject({
      code: 'invalid_input',
      message: 'This output cannot be checked: table.suppressed.0.region: no cell of the table has this category. Nothing was changed.',
    });
  });

  it('missing counts send the table to review without a suggestion', async () => {
    const result = await check(
      frequency([
        { key: { region: 'North', sex: 'F' }, count: null },
        { key: { region: 'North', sex: 'M' }, count: 30 },
      ]),
    );
    expect(result.verdict).toBe('review');
    expect(result.suggestion).toBeNull();
    expect(result.evidence.map((e) => e.reasons[0])).toContain('missing: the cell has missing values and needs review');
  });
});

describe('the check as shown beside the published table', () => {
  it('carries no count, no rule text that quotes one, and no evidence', async () => {
    const full = await check(frequency(REGION_BY_SEX, { mitigation: SUPPRESSED }));
    const shown = withoutEvidence(full);
    expect(OutputCheckSchema.parse(shown)).toEqual(shown);
    expect(shown.evidence).toEqual([]);
    expect([...(shown.check?.cells ?? []), ...(shown.check?.totals ?? [])].every((cell) => cell.count === null)).toBe(true);
    expect(at(shown.check?.cells ?? [], { region: 'North', sex: 'M' }).reasons).toEqual(['threshold']);
    expect(JSON.stringify(shown)).not.toMatch(/count 3/);
    expect(shown.verdict).toBe(full.verdict);
  });
});

function tidy(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
