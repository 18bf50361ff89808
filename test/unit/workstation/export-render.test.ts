// The exported file of a released table with rates (src/workstation/airlock/export-render.ts): the xlsx Table sheet and
// the CSV carry a rate column whose heading says the base, the Provenance sheet carries the note that says what the
// rates are of; a table with percentages keeps its Percentages sheet and a CSV without them.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publishedBytes, type ReleasedFile } from '../../../src/common/airlock.ts';
import { PublishedOutputSchema, type PublishedOutput } from '../../../src/common/output-check.ts';
import { renderExport, type RenderContext } from '../../../src/workstation/airlock/export-render.ts';
import { readWorkbook } from '../../support/xlsx-read.ts';

const CONTEXT: RenderContext = { projectName: 'COVID-19 outcomes', projectId: 'covid-outcomes', exportedAt: '2026-12-06T09:00:00.000Z' };

const PERCENTAGES: PublishedOutput = {
  kind: 'frequency',
  title: 'Deaths by region and outcome',
  statistic: 'count',
  measure: null,
  chart: null,
  dimensions: ['region', 'outcome'],
  cells: [
    { key: { region: 'North', outcome: 'died' }, value: 15, status: 'published' },
    { key: { region: 'North', outcome: 'survived' }, value: 485, status: 'published' },
    { key: { region: 'South', outcome: 'died' }, value: null, status: 'suppressed' },
    { key: { region: 'South', outcome: 'survived' }, value: 310, status: 'published' },
  ],
  totals: [
    { key: { region: 'North', outcome: '*' }, value: 500, status: 'published' },
    { key: { region: 'South', outcome: '*' }, value: null, status: 'suppressed' },
  ],
  derived: [
    { key: { region: 'North', outcome: 'died' }, of: { region: 'North', outcome: '*' }, percent: 3 },
    { key: { region: 'North', outcome: 'survived' }, of: { region: 'North', outcome: '*' }, percent: 97 },
  ],
  mitigation: 'suppressed',
  notes: [
    '2 cells suppressed (shown empty) so that small groups cannot be seen or worked out from the rest.',
    'Percentages are shares of each row’s published total.',
  ],
  regression: null,
};

const RATES: PublishedOutput = {
  ...PERCENTAGES,
  derived: [
    { key: { region: 'North', outcome: 'died' }, of: { region: 'North', outcome: '*' }, rate: 30 },
    { key: { region: 'North', outcome: 'survived' }, of: { region: 'North', outcome: '*' }, rate: 970 },
  ],
  ratePer: 1_000,
  notes: [
    '2 cells suppressed (shown empty) so that small groups cannot be seen or worked out from the rest.',
    'Rates are per 1,000 of each row’s published total.',
  ],
};

function released(content: PublishedOutput): ReleasedFile {
  const sha256 = createHash('sha256').update(publishedBytes(content)).digest('hex');
  return {
    output: {
      fileId: 'file-0123456789abcdef0123',
      requestId: 'req-aaaaaaaaaa0123456789',
      requestTitle: 'Deaths for the winter report',
      name: 'deaths.json',
      title: content.title,
      kind: content.kind,
      sha256,
      releasedAt: '2026-12-05T10:15:00.000Z',
      releasedBy: { id: 'demo-checker', name: 'Chris Checker' },
      reviewers: ['Chris Checker', 'Dana Checker'],
      rules: 'default',
      revoked: null,
      dimensions: content.dimensions,
    },
    content,
    sha256,
  };
}

describe('a released table with rates', () => {
  it('as xlsx: a rate column headed with its base beside each cell, and the note in the provenance', () => {
    expect(PublishedOutputSchema.parse(RATES)).toEqual(RATES);

    const book = readWorkbook(renderExport(released(RATES), 'xlsx', CONTEXT).bytes);

    expect(book.names).toEqual(['Table', 'Provenance']);
    expect(book.hasFormula).toBe(false);
    expect(book.sheets.get('Table')).toEqual([
      ['region', 'outcome', 'Count', 'Status', 'Rate per 1,000'],
      ['North', 'died', 15, 'published', 30],
      ['North', 'survived', 485, 'published', 970],
      // A cell with no rate is left empty (the reader drops empty cells at the end of a row).
      ['South', 'died', null, 'suppressed'],
      ['South', 'survived', 310, 'published'],
      ['North', 'Total', 500, 'published'],
      ['South', 'Total', null, 'suppressed'],
    ]);
    expect(book.sheets.get('Provenance')).toContainEqual([
      'Disclosure-control note 2',
      'Rates are per 1,000 of each row’s published total.',
    ]);
  });

  it('as CSV: the same rate column', () => {
    const csv = new TextDecoder().decode(renderExport(released(RATES), 'csv', CONTEXT).bytes);

    expect(csv).toBe(
      [
        'region,outcome,Count,Status,"Rate per 1,000"',
        'North,died,15,published,30',
        'North,survived,485,published,970',
        'South,died,,suppressed,',
        'South,survived,310,published,',
        'North,Total,500,published,',
        'South,Total,,suppressed,',
        '',
      ].join('\r\n'),
    );
  });
});

describe('a released table with percentages, as before', () => {
  it('as xlsx: a Percentages sheet and no rate column', () => {
    const book = readWorkbook(renderExport(released(PERCENTAGES), 'xlsx', CONTEXT).bytes);

    expect(book.names).toEqual(['Table', 'Percentages', 'Provenance']);
    expect(book.sheets.get('Table')?.[0]).toEqual(['region', 'outcome', 'Count', 'Status']);
    expect(book.sheets.get('Percentages')).toEqual([
      ['region', 'outcome', 'Share of', 'Percent'],
      ['North', 'died', 'region = North, all outcome', 3],
      ['North', 'survived', 'region = North, all outcome', 97],
    ]);
  });

  it('as CSV: the published cells only', () => {
    const csv = new TextDecoder().decode(renderExport(released(PERCENTAGES), 'csv', CONTEXT).bytes);

    expect(csv.split('\r\n')[0]).toBe('region,outcome,Count,Status');
    expect(csv).not.toContain('97');
  });
});
