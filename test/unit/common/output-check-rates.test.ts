// Rates in a frequency table (issue 16: "derived values are recomputed from the published cells"): each published
// cell per 1,000 (10,000, 100,000) of its row's published total, the analyst's choice in the output document instead of
// percentages. Recomputed from published values only, as percentages are, with the real HiGHS solver; a document
// without the choice publishes exactly the bytes it published before rates existed.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publishedBytes } from '../../../src/common/airlock.ts';
import { describeIssues, EnclaveError } from '../../../src/common/errors.ts';
import { derivedText, publishedOutput, PublishedOutputSchema, withoutEvidence } from '../../../src/common/output-check.ts';
import type { PublishedOutput } from '../../../src/common/output-check.ts';
import { OutputDocumentSchema, outputBytes } from '../../../src/common/outputs.ts';
import { PLATFORM_API } from '../../../src/common/platform-api.ts';
import type { OutputDocument } from '../../../src/common/outputs.ts';
import { PROFILES } from '../../../src/common/sdc/rules.ts';
import type { Rules } from '../../../src/common/sdc/rules.ts';
import { parseBody } from '../../../src/platform/http/request-input.ts';
import { check, frequency, NONE, source, SUPPRESSED, type Cells } from './output-documents.ts';

const REGION_BY_SEX: Cells = [
  { key: { region: 'North', sex: 'F' }, count: 12 },
  { key: { region: 'North', sex: 'M' }, count: 25 },
  { key: { region: 'South', sex: 'F' }, count: 40 },
  { key: { region: 'South', sex: 'M' }, count: 35 },
];

async function publish(document: OutputDocument, rules?: Rules): Promise<PublishedOutput> {
  const published = publishedOutput(OutputDocumentSchema.parse(document), await check(document, { rules }));
  expect(PublishedOutputSchema.parse(published)).toEqual(published);
  return published;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('rates per a base, recomputed from the published cells', () => {
  it('per 1,000 of each row’s published total, saying the base and its note', async () => {
    const published = await publish(frequency(REGION_BY_SEX, { ratePer: 1_000 }));

    expect(published.ratePer).toBe(1_000);
    expect(published.derived).toEqual([
      { key: { region: 'North', sex: 'F' }, of: { region: 'North', sex: '*' }, rate: 324.3 },
      { key: { region: 'North', sex: 'M' }, of: { region: 'North', sex: '*' }, rate: 675.7 },
      { key: { region: 'South', sex: 'F' }, of: { region: 'South', sex: '*' }, rate: 533.3 },
      { key: { region: 'South', sex: 'M' }, of: { region: 'South', sex: '*' }, rate: 466.7 },
    ]);
    expect(published.notes).toContain('Rates are per 1,000 of each row’s published total.');
    expect(published.notes.some((note) => note.startsWith('Percentages'))).toBe(false);
    expect(published.derived.map((value) => derivedText(value, published.ratePer))).toEqual([
      '324.3 per 1,000',
      '675.7 per 1,000',
      '533.3 per 1,000',
      '466.7 per 1,000',
    ]);
  });

  it('per 100,000', async () => {
    const published = await publish(frequency(REGION_BY_SEX, { ratePer: 100_000 }));

    expect(published.ratePer).toBe(100_000);
    expect(published.derived.map((value) => value.rate)).toEqual([32_432.4, 67_567.6, 53_333.3, 46_666.7]);
    expect(published.notes).toContain('Rates are per 100,000 of each row’s published total.');
  });

  it('without totals, per the sum of the published cells (one dimension: of the published total)', async () => {
    const cells: Cells = [
      { key: { region: 'North' }, count: 30 },
      { key: { region: 'South' }, count: 50 },
      { key: { region: 'East' }, count: 20 },
    ];
    const published = await publish(frequency(cells, { ratePer: 10_000, dimensions: ['region'], totals: 'none' }));

    expect(published.totals).toEqual([]);
    expect(published.derived).toEqual([
      { key: { region: 'North' }, of: { region: '*' }, rate: 3_000 },
      { key: { region: 'South' }, of: { region: '*' }, rate: 5_000 },
      { key: { region: 'East' }, of: { region: '*' }, rate: 2_000 },
    ]);
    expect(published.notes).toContain('Rates are per 10,000 of the published total.');
  });

  it('a hidden total gives no rates for its row, and a hidden cell none for itself', async () => {
    const published = await publish(
      frequency(REGION_BY_SEX, {
        ratePer: 1_000,
        suppressed: [
          { region: 'North', sex: '*' },
          { region: 'South', sex: 'M' },
        ],
      }),
    );

    expect(published.totals.find((total) => total.key['region'] === 'North' && total.key['sex'] === '*')?.value).toBeNull();
    // South's total is published (75): its published F cell is a rate of it, and the hidden M cell has none.
    expect(published.derived).toEqual([{ key: { region: 'South', sex: 'F' }, of: { region: 'South', sex: '*' }, rate: 533.3 }]);
    expect(published.ratePer).toBe(1_000);
  });

  it('the same rates from the check shown without its counts (what the platform and the preview publish)', async () => {
    const document = frequency(REGION_BY_SEX, { ratePer: 1_000 });
    const result = await check(document);

    expect(publishedOutput(document, withoutEvidence(result))).toEqual(publishedOutput(document, result));
  });

  it('a rate of the whole base beside a hidden cell is sent for review, in words for rates', async () => {
    const document = frequency(
      [
        { key: { region: 'North', sex: 'F' }, count: 3 },
        { key: { region: 'North', sex: 'M' }, count: 20 },
        { key: { region: 'South', sex: 'F' }, count: 40 },
        { key: { region: 'South', sex: 'M' }, count: 35 },
      ],
      { ratePer: 1_000, mitigation: SUPPRESSED },
    );
    // OpenSAFELY's profile: counts up to 7 redacted, totals the sums of the published cells.
    const result = await check(document, { rules: PROFILES.opensafely });

    expect(result.check?.status).toBe('pass');
    expect(result.verdict).toBe('review');
    expect(result.flags).toEqual([
      {
        code: 'extreme_percentage',
        verdict: 'review',
        message:
          'a derived rate of 0% or 100% of its row’s total (to one decimal) sits beside a hidden cell, which it can give away: region = North, sex = M',
        cells: [
          { region: 'North', sex: 'M' },
          { region: 'North', sex: 'F' },
        ],
        earlier: null,
      },
    ]);
    expect(result.evidence.find((e) => e.cell?.['sex'] === 'F' && e.cell['region'] === 'North')?.reasons).toContain(
      'a derived rate of 0% or 100% of its row’s total (to one decimal) sits beside a hidden cell, which it can give away',
    );
    const published = publishedOutput(document, result);
    expect(published.derived.find((value) => value.key['region'] === 'North')).toEqual({
      key: { region: 'North', sex: 'M' },
      of: { region: 'North', sex: '*' },
      rate: 1_000,
    });
  });

  it('a rate that is 100% to one decimal is flagged as the percentage would be, whatever its base', async () => {
    // North: F 3 (hidden), M 100,000, X 10: M is 99.99% of the row, which reads 100.0% as a percentage and 999.9 per
    // 1,000 or 99,990 per 100,000 as a rate. Choosing rates must not take the table past the flag.
    const cells = [
      { key: { region: 'North', sex: 'F' }, count: 3 },
      { key: { region: 'North', sex: 'M' }, count: 100_000 },
      { key: { region: 'North', sex: 'X' }, count: 10 },
      { key: { region: 'South', sex: 'F' }, count: 40 },
      { key: { region: 'South', sex: 'M' }, count: 35 },
      { key: { region: 'South', sex: 'X' }, count: 30 },
    ];
    const asPercentages = await check(frequency(cells, { mitigation: SUPPRESSED }), { rules: PROFILES.opensafely });
    expect(asPercentages.verdict).toBe('review');
    for (const ratePer of [1_000, 10_000, 100_000] as const) {
      const asRates = await check(frequency(cells, { ratePer, mitigation: SUPPRESSED }), { rules: PROFILES.opensafely });
      expect(asRates.verdict).toBe('review');
      expect(asRates.flags.map((flag) => [flag.code, flag.cells])).toEqual(asPercentages.flags.map((flag) => [flag.code, flag.cells]));
    }
  });

  it('no rate below the whole base is flagged', async () => {
    const document = frequency(
      [
        { key: { region: 'North', sex: 'F' }, count: 3 },
        { key: { region: 'North', sex: 'M' }, count: 20 },
        { key: { region: 'North', sex: 'X' }, count: 15 },
        { key: { region: 'South', sex: 'F' }, count: 40 },
        { key: { region: 'South', sex: 'M' }, count: 35 },
        { key: { region: 'South', sex: 'X' }, count: 30 },
      ],
      { ratePer: 1_000, mitigation: SUPPRESSED },
    );
    const result = await check(document, { rules: PROFILES.opensafely });

    expect(result.flags).toEqual([]);
    expect(result.verdict).toBe('pass');
  });
});

describe('a published output with rates', () => {
  it('is refused unless it is a frequency table, and a regression must be one to publish coefficients', async () => {
    const table = await publish(frequency(REGION_BY_SEX, { ratePer: 1_000 }));
    const magnitude = PublishedOutputSchema.safeParse({ ...table, kind: 'magnitude', statistic: 'sum', measure: 'cost' });
    const regression = PublishedOutputSchema.safeParse({
      ...table,
      regression: { model: 'OLS', coefficients: [], observations: 10, residualDof: 8 },
    });

    expect(magnitude.success).toBe(false);
    expect(String(magnitude.error && describeIssues(magnitude.error))).toContain('only a frequency table gives rates');
    expect(regression.success).toBe(false);
    expect(String(regression.error && describeIssues(regression.error))).toContain(
      'a regression, and only a regression, publishes its coefficients',
    );
  });
});

describe('percentages stay as they were', () => {
  // Measured with the code before rates existed: the published bytes and the document's bytes of this table.
  const PUBLISHED_SHA256 = '072d9cce3815e1c72308f4c57152938d7e9de849e6136f61f51f8716e6e099b3';
  const DOCUMENT_SHA256 = '0c3aae58df43c6f2c530a2f0a25d40c90660f5501427001474784f632a7b3af1';

  it('a document without the choice publishes byte-identical output to before, with no base', async () => {
    const document = frequency(REGION_BY_SEX);
    const published = await publish(document);

    expect(sha256(outputBytes(document))).toBe(DOCUMENT_SHA256);
    expect(sha256(publishedBytes(published))).toBe(PUBLISHED_SHA256);
    expect('ratePer' in published).toBe(false);
    expect(published.derived.map((value) => value.percent)).toEqual([32.4, 67.6, 53.3, 46.7]);
    expect(published.notes).toEqual(['Percentages are shares of each row’s published total.']);
    expect(derivedText(published.derived[0] ?? { key: {}, of: {}, percent: 0 }, published.ratePer)).toBe('32.4%');
  });

  it('a mean table derives nothing, and only a frequency table takes a base', async () => {
    const mean = {
      kind: 'magnitude',
      title: 'Mean stay by region',
      source,
      table: {
        dimensions: ['region'],
        cells: [{ key: { region: 'North' }, count: 12, contributions: Array.from({ length: 12 }, () => 4) }],
        totals: 'none',
      },
      mitigation: NONE,
      statistic: 'mean',
      measure: 'stay',
      ratePer: 1_000,
    };

    const parsed = OutputDocumentSchema.safeParse(mean);

    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(describeIssues(parsed.error)).toBe('(input): Unrecognized key: "ratePer"');
    const { ratePer: _dropped, ...withoutBase } = mean;
    const published = await publish(OutputDocumentSchema.parse(withoutBase));
    expect(published.derived).toEqual([]);
    expect('ratePer' in published).toBe(false);
  });
});

describe('a base other than the allowed ones', () => {
  it('is refused by the document schema, saying which bases there are', () => {
    for (const ratePer of [100, 0, 1_000.5, '1000', 1_000_000]) {
      const parsed = OutputDocumentSchema.safeParse({ ...frequency(REGION_BY_SEX), ratePer });
      expect(parsed.success).toBe(false);
    }
    const parsed = OutputDocumentSchema.safeParse({ ...frequency(REGION_BY_SEX), ratePer: 100 });
    expect(parsed.success).toBe(false);
    if (!parsed.success) {
      expect(describeIssues(parsed.error)).toBe('ratePer: must be 1000, 10000 or 100000 (a rate per 1,000, 10,000 or 100,000)');
    }
  });

  it('is refused at the platform’s check route with the field named and the value not echoed', () => {
    const refuse = (): unknown =>
      parseBody(PLATFORM_API['airlock.check'].body, { document: { ...frequency(REGION_BY_SEX), ratePer: 12_345 } });

    expect(refuse).toThrow(EnclaveError);
    expect(refuse).toThrow(
      'The output is not valid: document.ratePer: must be 1000, 10000 or 100000 (a rate per 1,000, 10,000 or 100,000)',
    );
    expect(refuse).not.toThrow(/12,?345/);
  });

  it('a published output whose derived values disagree with its base is refused', async () => {
    const published = await publish(frequency(REGION_BY_SEX, { ratePer: 1_000 }));
    const { ratePer: _dropped, ...withoutBase } = published;

    expect(PublishedOutputSchema.safeParse(withoutBase).success).toBe(false);
    expect(PublishedOutputSchema.safeParse({ ...published, derived: [{ key: {}, of: {}, percent: 1, rate: 1 }] }).success).toBe(false);
  });
});
