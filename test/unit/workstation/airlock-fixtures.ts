// Released outputs for the export tests: a table with suppressed and rounded cells, a chart, a regression, each with the
// ledger entry the platform would answer and the SHA-256 of its canonical bytes (the platform's own publishedBytes).
import { createHash } from 'node:crypto';
import { publishedBytes, type ReleasedFile, type ReleasedOutput } from '../../../src/common/airlock.ts';
import { derivedOf, type PublishedOutput } from '../../../src/common/output-check.ts';

export const PROJECT_ID = 'covid-outcomes';
export const PROJECT_NAME = 'COVID-19 outcomes';
export const TABLE_FILE_ID = 'file-0123456789abcdef0123';
export const CHART_FILE_ID = 'file-1111111111abcdef0123';
export const REGRESSION_FILE_ID = 'file-2222222222abcdef0123';
export const REQUEST_ID = 'req-aaaaaaaaaa0123456789';

/** With the derived values its cells and totals make (the platform's publishedOutput writes them so). */
function derivedFromCells(content: PublishedOutput): PublishedOutput {
  return { ...content, derived: derivedOf(content) };
}

export const TABLE: PublishedOutput = derivedFromCells({
  kind: 'frequency',
  title: 'Admissions by region and sex',
  statistic: 'count',
  measure: null,
  chart: null,
  dimensions: ['region', 'sex'],
  cells: [
    { key: { region: 'London', sex: 'F' }, value: 25, status: 'rounded' },
    { key: { region: 'London', sex: 'M' }, value: null, status: 'suppressed' },
    { key: { region: 'North West', sex: 'F' }, value: 40, status: 'rounded' },
    { key: { region: 'North West', sex: 'M' }, value: null, status: 'suppressed' },
  ],
  totals: [{ key: { region: '*', sex: '*' }, value: 120, status: 'rounded' }],
  derived: [],
  mitigation: 'suppressed',
  notes: ['2 cells suppressed (1 primary, 1 secondary).', 'Counts rounded to base 5.'],
  regression: null,
});

export const CHART: PublishedOutput = derivedFromCells({
  kind: 'chart',
  title: 'Tests by result <script>alert(1)</script> & more',
  statistic: 'count',
  measure: null,
  chart: { type: 'bar', x: 'Result', y: 'Number of tests' },
  dimensions: ['result'],
  cells: [
    { key: { result: 'negative' }, value: 150, status: 'rounded' },
    { key: { result: 'positive' }, value: 35, status: 'rounded' },
    { key: { result: 'void' }, value: null, status: 'suppressed' },
  ],
  totals: [],
  derived: [],
  mitigation: 'suppressed',
  notes: ['1 cell suppressed (1 primary).'],
  regression: null,
});

export const REGRESSION: PublishedOutput = {
  kind: 'regression',
  title: 'Length of stay by age',
  statistic: null,
  measure: null,
  chart: null,
  dimensions: [],
  cells: [],
  totals: [],
  derived: [],
  mitigation: 'none',
  notes: [],
  regression: {
    model: 'OLS: length_of_stay ~ age',
    coefficients: [
      { term: '(Intercept)', estimate: 2.5, standardError: 0.4, pValue: 0.001 },
      { term: 'age', estimate: 0.07, standardError: 0.01, pValue: 0.0001 },
    ],
    observations: 412,
    residualDof: 410,
  },
};

export function sha256Of(content: PublishedOutput): string {
  return createHash('sha256').update(publishedBytes(content)).digest('hex');
}

export function ledgerEntry(content: PublishedOutput, fileId: string, overrides: Partial<ReleasedOutput> = {}): ReleasedOutput {
  return {
    fileId,
    requestId: REQUEST_ID,
    requestTitle: 'Admissions for the winter report',
    name: `${content.kind}.json`,
    title: content.title,
    kind: content.kind,
    sha256: sha256Of(content),
    releasedAt: '2026-12-05T10:15:00.000Z',
    releasedBy: { id: 'demo-checker', name: 'Chris Checker' },
    reviewers: ['Chris Checker', 'Dana Checker'],
    rules: 'default',
    revoked: null,
    dimensions: content.dimensions,
    ...overrides,
  };
}

export function releasedFile(content: PublishedOutput, fileId: string, overrides: Partial<ReleasedOutput> = {}): ReleasedFile {
  const output = ledgerEntry(content, fileId, overrides);
  return { output, content, sha256: output.sha256 };
}
