// Copying from the grid (SATRE 3.1.12, preventing unauthorised egress): at most the project's clipboard cell limit
// goes to the clipboard, as whole rows where they fit; more selected → a notice that says how many and why; a limit
// of 0 copies nothing. Cells not yet in the window are read first, never guessed.
import { CompactSelection, type GridSelection } from '@glideapps/glide-data-grid';
import { describe, expect, it } from 'vitest';
import { columnKindOf } from '../../../../renderer/src/analysis/column-kind.ts';
import {
  cellSelectionOf,
  copyOutcome,
  planCopy,
  rowRuns,
  toClipboardText,
  type CellSelection,
} from '../../../../renderer/src/analysis/copy-limit.ts';
import { NOT_LOADED } from '../../../../renderer/src/analysis/page-cache.ts';

const range = (r: { x: number; y: number; width: number; height: number }): GridSelection => ({
  current: { cell: [r.x, r.y], range: r, rangeStack: [] },
  columns: CompactSelection.empty(),
  rows: CompactSelection.empty(),
});
const rows = (first: number, count: number): CellSelection => ({
  rows: Array.from({ length: count }, (_, i) => first + i),
  rowCount: count,
  columns: [0, 1, 2, 3],
});

describe('the copy limit', () => {
  it('copies a selection within the limit whole, with no notice', () => {
    expect(planCopy(rows(0, 25), 100)).toMatchObject({ copied: 100, selected: 100, notice: null });
  });

  it('copies the first whole rows that fit when more is selected, and says how many and why', () => {
    const plan = planCopy(rows(10, 600), 100);
    expect(plan.rows).toEqual(Array.from({ length: 25 }, (_, i) => 10 + i));
    expect(plan.columns).toEqual([0, 1, 2, 3]);
    expect(plan.copied).toBe(100);
    expect(plan.notice).toBe(
      'Copied 100 cells of 2,400 selected (the first 25 rows). This project allows at most 100 cells per copy, to keep row-level data inside the secure environment.',
    );
  });

  it('never copies more than the limit, whatever the shape', () => {
    for (const [count, width, limit] of [
      [1, 1, 1],
      [3, 7, 10],
      [1_000, 3, 100],
      [2, 250, 100],
      [5, 5, 24],
    ]) {
      const plan = planCopy(
        { rows: Array.from({ length: count }, (_, i) => i), rowCount: count, columns: Array.from({ length: width }, (_, i) => i) },
        limit,
      );
      expect(plan.rows.length * plan.columns.length).toBeLessThanOrEqual(limit);
      expect(plan.copied).toBe(plan.rows.length * plan.columns.length);
    }
  });

  it('takes the first columns of the first row when one row is wider than the limit', () => {
    const plan = planCopy({ rows: [4, 5], rowCount: 2, columns: Array.from({ length: 150 }, (_, i) => i) }, 100);
    expect(plan.rows).toEqual([4]);
    expect(plan.columns).toHaveLength(100);
    expect(plan.notice).toMatch(/^Copied 100 cells of 300 selected \(the first 100 columns of the first row\)\./);
  });

  it('copies nothing when the project allows none', () => {
    expect(planCopy(rows(0, 1), 0)).toMatchObject({
      copied: 0,
      rows: [],
      notice: 'This project does not allow copying from the grid: nothing was copied.',
    });
  });

  it('reads a whole selected column of ten million rows lazily: only the rows it copies', () => {
    const selection: GridSelection = { columns: CompactSelection.fromSingleSelection(2), rows: CompactSelection.empty() };
    const chosen = cellSelectionOf(selection, { columns: 5, rows: 10_000_000 });
    expect(chosen.rowCount).toBe(10_000_000);
    const started = performance.now();
    const plan = planCopy(chosen, 100);
    expect(performance.now() - started).toBeLessThan(50);
    expect(plan.rows).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(plan.columns).toEqual([2]);
  });

  it('reads Glide’s selections: a range, whole rows, whole columns, or nothing', () => {
    const fromRange = cellSelectionOf(range({ x: 1, y: 3, width: 2, height: 2 }), { columns: 5, rows: 10 });
    expect([[...fromRange.rows], fromRange.columns]).toEqual([
      [3, 4],
      [1, 2],
    ]);
    const wholeRows = cellSelectionOf(
      { columns: CompactSelection.empty(), rows: CompactSelection.fromSingleSelection([7, 9]) },
      { columns: 3, rows: 10 },
    );
    expect([[...wholeRows.rows], wholeRows.columns]).toEqual([
      [7, 8],
      [0, 1, 2],
    ]);
    expect(cellSelectionOf({ columns: CompactSelection.empty(), rows: CompactSelection.empty() }, { columns: 3, rows: 10 }).rowCount).toBe(
      0,
    );
  });
});

describe('what goes to the clipboard', () => {
  const kinds = [columnKindOf('BIGINT'), columnKindOf('VARCHAR'), columnKindOf('DECIMAL(18,3)'), columnKindOf('DATE')];
  const cellAt = (row: number, column: number): unknown =>
    [9007199254740993n, `name ${row}`, '1234.500', Date.UTC(2021, 0, row + 1)][column];

  it('the exact values, tab-separated, at most the limit', () => {
    const outcome = copyOutcome({ selection: rows(0, 2), limit: 100, kinds, cellAt });
    expect(outcome).toEqual({
      kind: 'copied',
      plan: expect.objectContaining({ copied: 8 }),
      text: '9007199254740993\tname 0\t1234.500\t2021-01-01\n9007199254740993\tname 1\t1234.500\t2021-01-02',
      notice: 'Copied 8 cells.',
    });
    const limited = copyOutcome({ selection: rows(0, 100), limit: 9, kinds, cellAt });
    expect(limited.kind === 'copied' && limited.text.split('\n')).toHaveLength(2);
  });

  it('reads rows not in the window first, instead of copying a guess', () => {
    const outcome = copyOutcome({
      selection: rows(0, 3),
      limit: 100,
      kinds,
      cellAt: (row, column) => (row === 1 ? NOT_LOADED : cellAt(row, column)),
    });
    expect(outcome).toMatchObject({ kind: 'missing', rows: [1] });
  });

  it('refuses, with nothing on the clipboard, when the limit is 0', () => {
    expect(copyOutcome({ selection: rows(0, 1), limit: 0, kinds, cellAt })).toEqual({
      kind: 'refused',
      notice: 'This project does not allow copying from the grid: nothing was copied.',
    });
  });

  it('leaves the copy alone when nothing in the grid is selected', () => {
    expect(copyOutcome({ selection: { rows: [], rowCount: 0, columns: [] }, limit: 100, kinds, cellAt })).toEqual({ kind: 'nothing' });
  });

  it('quotes values holding tabs, line breaks or quotes, as spreadsheets expect', () => {
    expect(toClipboardText([['a\tb', 'say "hi"', 'two\nlines', 'plain']])).toBe('"a\tb"\t"say ""hi"""\t"two\nlines"\tplain');
  });

  it('reads missing rows in consecutive runs of at most a page', () => {
    expect(rowRuns([5, 3, 4, 10, 11, 20])).toEqual([
      { first: 3, count: 3 },
      { first: 10, count: 2 },
      { first: 20, count: 1 },
    ]);
  });
});
