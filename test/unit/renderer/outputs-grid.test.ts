// The output as the builder shows it (renderer/src/outputs/published-grid.ts and output-rows.ts), from a real check
// with the HiGHS solver: the grid's rows, columns and totals, each cell's mark (fails a rule, hidden to protect
// another, hidden by the analyst, a person must look), its evidence in words; and the aggregation query's page read
// into rows, its result released whatever happens.
import { Table, tableToIPC, vectorFromArray, Int32, Utf8 } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { EnclaveError } from '../../../src/common/errors.ts';
import type { LocalEngine } from '../../../src/common/local-engine.ts';
import { checkOutput, publishedOutput } from '../../../src/common/output-check.ts';
import type { CellKey } from '../../../src/common/output-check.ts';
import type { AppliedMitigation, OutputDocument, RateBase } from '../../../src/common/outputs.ts';
import { createHighsSolver } from '../../../src/common/sdc/highs-solver.ts';
import { PROFILES } from '../../../src/common/sdc/rules.ts';
import type { Rules } from '../../../src/common/sdc/rules.ts';
import { decodePage } from '../../../renderer/src/analysis/result-page.ts';
import { readOutputRows, rowsOfPage } from '../../../renderer/src/outputs/output-rows.ts';
import { evidenceWords, publishedGrid, statusWords, toggleHidden, type GridCell } from '../../../renderer/src/outputs/published-grid.ts';

const solver = createHighsSolver();

function regionBySex(options: { mitigation: AppliedMitigation; suppressed?: CellKey[]; ratePer?: RateBase }): OutputDocument {
  return {
    kind: 'frequency',
    title: 'Admissions by region and sex',
    source: { sql: 'SELECT 1', engine: 'native' },
    table: {
      dimensions: ['region', 'sex'],
      cells: [
        { key: { region: 'North', sex: 'F' }, count: 12 },
        { key: { region: 'North', sex: 'M' }, count: 3 },
        { key: { region: 'South', sex: 'F' }, count: 40 },
        { key: { region: 'South', sex: 'M' }, count: 35 },
        { key: { region: 'East', sex: 'F' }, count: 30 },
        { key: { region: 'East', sex: 'M' }, count: 28 },
      ],
      ...(options.suppressed ? { suppressed: options.suppressed } : {}),
    },
    mitigation: options.mitigation,
    ...(options.ratePer === undefined ? {} : { ratePer: options.ratePer }),
  };
}

async function grid(document: OutputDocument, hiddenByYou: CellKey[] = [], rules: Rules = PROFILES.default) {
  const check = await checkOutput(document, { rules, solver: await solver, released: [] });
  return publishedGrid({ published: publishedOutput(document, check), check, hiddenByYou });
}

function cellAt(rows: ReturnType<typeof publishedGrid>['rows'], row: number, column: number): GridCell {
  const cell = rows[row]?.cells[column];
  if (!cell) throw new Error(`no cell at ${row}, ${column}`);
  return cell;
}

describe('the grid of a two-way table', () => {
  it('rows by the first dimension, columns by the last, totals last', async () => {
    const shown = await grid(regionBySex({ mitigation: { kind: 'none', roundingBase: null } }));
    expect(shown.rowDimensions).toEqual(['region']);
    expect(shown.columnDimension).toBe('sex');
    expect(shown.columns).toEqual([
      { label: 'F', total: false },
      { label: 'M', total: false },
      { label: 'Total', total: true },
    ]);
    expect(shown.rows.map((row) => [row.labels, row.total])).toEqual([
      [['North'], false],
      [['South'], false],
      [['East'], false],
      [['Total'], true],
    ]);
    expect(shown.rows.map((row) => row.cells.map((cell) => cell?.text))).toEqual([
      ['12', '3', '15'],
      ['40', '35', '75'],
      ['30', '28', '58'],
      ['82', '66', '148'],
    ]);
  });

  it('a published unsafe cell is marked with the rule it fails and its evidence', async () => {
    const shown = await grid(regionBySex({ mitigation: { kind: 'none', roundingBase: null } }));
    const small = cellAt(shown.rows, 0, 1);
    expect(small).toMatchObject({
      text: '3',
      status: 'published',
      mark: 'fails',
      reasons: ['threshold: count 3 is below 10'],
      total: false,
    });
    expect(small.derived).toBe('20%');
    expect(
      evidenceWords(
        small.evidence ?? { cell: null, reasons: [], count: null, contributors: null, top1Share: null, top2Share: null, residualDof: null },
      ),
    ).toEqual(['3 rows']);
    expect(statusWords(small)).toBe('fails a rule');
    expect(cellAt(shown.rows, 1, 0).mark).toBeNull();
  });

  it('rates per the analyst’s base beside each published cell, none beside a total or a hidden cell', async () => {
    const shown = await grid(regionBySex({ mitigation: { kind: 'none', roundingBase: null }, ratePer: 100_000 }));
    expect(shown.rows.map((row) => row.cells.map((cell) => cell?.derived ?? null))).toEqual([
      ['80,000 per 100,000', '20,000 per 100,000', null],
      ['53,333.3 per 100,000', '46,666.7 per 100,000', null],
      ['51,724.1 per 100,000', '48,275.9 per 100,000', null],
      [null, null, null],
    ]);
    const suppressed = await grid(regionBySex({ mitigation: { kind: 'suppressed', roundingBase: null }, ratePer: 1_000 }));
    const hidden = suppressed.rows.flatMap((row) => row.cells).filter((cell) => cell?.status === 'suppressed');
    expect(hidden.length).toBeGreaterThan(0);
    expect(hidden.map((cell) => cell?.derived)).toEqual(hidden.map(() => null));
    expect(cellAt(suppressed.rows, 1, 0).derived).toMatch(/ per 1,000$/);
  });

  it('suppression hides the cell and those that protect it; the analyst’s own hidden cell is marked as theirs', async () => {
    const theirs = { region: 'East', sex: 'F' };
    const shown = await grid(regionBySex({ mitigation: { kind: 'suppressed', roundingBase: null }, suppressed: [theirs] }), [theirs]);
    const small = cellAt(shown.rows, 0, 1);
    expect(small).toMatchObject({ text: '', status: 'suppressed', mark: 'fails' });
    expect(statusWords(small)).toBe('hidden, fails a rule');
    const marks = shown.rows.flatMap((row) => row.cells.map((cell) => cell?.mark ?? null));
    expect(marks.filter((mark) => mark === 'protects').length).toBeGreaterThan(0);
    expect(cellAt(shown.rows, 2, 0)).toMatchObject({ status: 'suppressed', mark: 'hidden-by-you' });
    // Nothing hidden shows a number.
    for (const cell of shown.rows.flatMap((row) => row.cells)) if (cell?.status === 'suppressed') expect(cell.text).toBe('');
  });

  it('a cell a review flag concerns is marked for a person to look at', async () => {
    const document: OutputDocument = {
      kind: 'frequency',
      title: 'Admissions by region and sex',
      source: { sql: 'SELECT 1', engine: 'native' },
      mitigation: { kind: 'none', roundingBase: null },
      table: {
        dimensions: ['region', 'sex'],
        cells: [
          { key: { region: 'North', sex: 'F' }, count: 30 },
          { key: { region: 'North', sex: 'M' }, count: 0 },
          { key: { region: 'South', sex: 'F' }, count: 25 },
          { key: { region: 'South', sex: 'M' }, count: 45 },
        ],
      },
    };
    const shown = await grid(document, [], PROFILES.opensafely);
    const flagged = cellAt(shown.rows, 0, 0);
    expect(flagged.mark).toBe('flagged');
    expect(flagged.reasons[0]).toMatch(/^class disclosure: /);
  });
});

describe('the grid of a one-way table', () => {
  it('one column of values, the total last', async () => {
    const document: OutputDocument = {
      kind: 'magnitude',
      title: 'Stay by region',
      source: { sql: 'SELECT 1', engine: 'memory' },
      table: {
        dimensions: ['region'],
        cells: [
          { key: { region: 'North' }, count: 12, contributions: [...Array.from({ length: 10 }, () => 2), null, null] },
          { key: { region: 'South' }, count: 11, contributions: Array.from({ length: 11 }, () => 3) },
        ],
      },
      mitigation: { kind: 'none', roundingBase: null },
      statistic: 'mean',
      measure: 'stay',
    };
    const shown = await grid(document);
    expect(shown.columnDimension).toBeNull();
    expect(shown.columns).toEqual([{ label: 'Mean', total: false }]);
    expect(shown.rows.map((row) => [row.labels[0], row.cells[0]?.text, row.total])).toEqual([
      ['North', '2', false],
      ['South', '3', false],
      ['Total', '2.52', true],
    ]);
  });
});

describe('the analyst’s hidden cells', () => {
  it('a click hides a shown cell, and shows again one they hid', () => {
    const north = { region: 'North', sex: 'F' };
    const hidden = toggleHidden([], north);
    expect(hidden).toEqual([north]);
    expect(toggleHidden(hidden, { region: 'North', sex: 'F' })).toEqual([]);
    expect(toggleHidden(hidden, { region: 'North', sex: 'M' })).toHaveLength(2);
  });

  it('evidence in words: contributors beside rows in a magnitude table, shares as percentages', () => {
    expect(
      evidenceWords({
        cell: { region: 'North' },
        reasons: [],
        count: 12,
        contributors: 10,
        top1Share: 0.5,
        top2Share: 0.75,
        residualDof: null,
      }),
    ).toEqual(['12 rows', '10 contributors (values that are not missing)', 'largest value 50% of the total', 'two largest 75%']);
    expect(evidenceWords({ cell: null, reasons: [], count: 7, contributors: 7, top1Share: null, top2Share: null, residualDof: 5 })).toEqual(
      ['7 observations', '5 residual degrees of freedom'],
    );
  });
});

describe('reading the aggregation query’s answer', () => {
  const page = tableToIPC(
    new Table({
      d0: vectorFromArray(['F', 'M', null], new Utf8()),
      n: vectorFromArray([12, 3, 1], new Int32()),
    }),
  );
  const columns = [
    { name: 'd0', type: 'VARCHAR' },
    { name: 'n', type: 'INTEGER' },
  ];

  it('one page as rows by column name', () => {
    expect(rowsOfPage(decodePage(page), columns)).toEqual([
      { d0: 'F', n: 12 },
      { d0: 'M', n: 3 },
      { d0: null, n: 1 },
    ]);
  });

  function fakeEngine(options: { failPage?: boolean }): { engine: LocalEngine; released: string[]; asked: string[] } {
    const released: string[] = [];
    const asked: string[] = [];
    const engine = {
      mode: 'memory',
      run: ({ sql }: { sql: string }) => {
        asked.push(sql);
        return Promise.resolve({ resultId: 'r1', columns, rowCount: 3, statement: 'SELECT', message: '3 rows', durationMs: 1 });
      },
      page: () => (options.failPage ? Promise.reject(new EnclaveError('cancelled', 'The query was cancelled.')) : Promise.resolve(page)),
      release: (id: string) => {
        released.push(id);
        return Promise.resolve();
      },
    } as unknown as LocalEngine;
    return { engine, released, asked };
  }

  it('runs the query, reads its page and releases its result', async () => {
    const { engine, released, asked } = fakeEngine({});
    const rows = await readOutputRows({ engine, sql: 'SELECT …', signal: new AbortController().signal });
    expect(rows).toHaveLength(3);
    expect(asked).toEqual(['SELECT …']);
    expect(released).toEqual(['r1']);
  });

  it('releases the result when reading fails too', async () => {
    const { engine, released } = fakeEngine({ failPage: true });
    await expect(readOutputRows({ engine, sql: 'SELECT …', signal: new AbortController().signal })).rejects.toThrow('cancelled');
    expect(released).toEqual(['r1']);
  });
});
