// Sorting and filtering in the engine, described as values: operators typed by the column's type, what the analyst
// typed read into the column's type (or refused with a reason, the view unchanged), the seam's limits, the words
// that show what is active.
import { describe, expect, it } from 'vitest';
import { columnKindOf, type ResultColumn } from '../../../../renderer/src/analysis/column-kind.ts';
import {
  describeFilter,
  describeSort,
  MAX_FILTERS,
  MAX_SORT_KEYS,
  operatorsFor,
  parseFilter,
  sortDirectionOf,
  withFilter,
  withoutFilter,
  withSort,
} from '../../../../renderer/src/analysis/grid-view.ts';
import { EMPTY_VIEW, type GridView } from '../../../../renderer/src/analysis/page-cache.ts';
import { FilterSchema } from '../../../../src/common/local-engine.ts';

const column = (name: string, type: string): ResultColumn => ({ name, type, kind: columnKindOf(type) });
const age = column('age', 'INTEGER');

describe('operators by type', () => {
  it('offers comparisons for numbers and dates, contains for text, only NULL tests where values cannot be compared', () => {
    expect(operatorsFor(columnKindOf('BIGINT'))).toEqual(['=', '<>', '<', '<=', '>', '>=', 'is_null', 'is_not_null']);
    expect(operatorsFor(columnKindOf('DATE'))).toContain('<');
    expect(operatorsFor(columnKindOf('VARCHAR'))).toContain('contains');
    expect(operatorsFor(columnKindOf('BIGINT'))).not.toContain('contains');
    expect(operatorsFor(columnKindOf('BOOLEAN'))).toEqual(['=', '<>', 'is_null', 'is_not_null']);
    expect(operatorsFor(columnKindOf('BLOB'))).toEqual(['is_null', 'is_not_null']);
    expect(operatorsFor(columnKindOf('INTEGER[]'))).toEqual(['is_null', 'is_not_null']);
  });
});

describe('reading a filter value as the column’s type', () => {
  const parse = (c: ResultColumn, op: Parameters<typeof parseFilter>[0]['op'], text: string) => parseFilter({ column: c, op, text });

  it('reads numbers (separators allowed), keeping big and decimal numbers exact as text', () => {
    expect(parse(age, '>=', '1,200')).toEqual({ ok: true, filter: { column: 'age', op: '>=', value: 1200 } });
    expect(parse(column('n', 'HUGEINT'), '=', '170141183460469231731687303715884105727')).toEqual({
      ok: true,
      filter: { column: 'n', op: '=', value: '170141183460469231731687303715884105727' },
    });
    expect(parse(column('cost', 'DECIMAL(18,3)'), '<', '0.105')).toEqual({ ok: true, filter: { column: 'cost', op: '<', value: '0.105' } });
    expect(parse(column('p', 'DOUBLE'), '>', '1e-6')).toEqual({ ok: true, filter: { column: 'p', op: '>', value: 1e-6 } });
  });

  it('reads dates, timestamps and booleans', () => {
    expect(parse(column('d', 'DATE'), '<', '2021-03-31')).toMatchObject({ ok: true, filter: { value: '2021-03-31' } });
    expect(parse(column('t', 'TIMESTAMP'), '>=', '2021-03-31T14:05')).toMatchObject({ ok: true, filter: { value: '2021-03-31 14:05' } });
    expect(parse(column('b', 'BOOLEAN'), '=', 'TRUE')).toMatchObject({ ok: true, filter: { value: true } });
  });

  it('keeps text exactly as typed, spaces and quotes included (the engine binds it, never splices it)', () => {
    expect(parse(column('name', 'VARCHAR'), 'contains', " O'Brien ")).toMatchObject({ ok: true, filter: { value: " O'Brien " } });
    expect(parse(column('name', 'VARCHAR'), '=', "x' OR '1'='1")).toMatchObject({ ok: true, filter: { value: "x' OR '1'='1" } });
  });

  it('needs no value to test for NULL', () => {
    expect(parse(age, 'is_null', 'ignored')).toEqual({ ok: true, filter: { column: 'age', op: 'is_null' } });
  });

  it('refuses what does not fit, saying what would', () => {
    expect(parse(age, '=', 'forty')).toEqual({ ok: false, message: 'Enter a whole number, such as 42 or -1,200.' });
    expect(parse(age, '=', '4.5')).toMatchObject({ ok: false });
    expect(parse(column('p', 'DOUBLE'), '=', '')).toMatchObject({ ok: false });
    expect(parse(column('p', 'DOUBLE'), '=', 'Infinity')).toMatchObject({ ok: false });
    expect(parse(column('d', 'DATE'), '=', '2021-02-30')).toEqual({
      ok: false,
      message: 'Enter a date as YYYY-MM-DD, such as 2021-03-31.',
    });
    expect(parse(column('d', 'DATE'), '=', '31/03/2021')).toMatchObject({ ok: false });
    expect(parse(column('t', 'TIMESTAMP'), '=', '2021-03-31 25:00')).toMatchObject({ ok: false });
    expect(parse(column('b', 'BOOLEAN'), '=', 'yes')).toEqual({ ok: false, message: 'Enter true or false.' });
    expect(parse(column('name', 'VARCHAR'), 'contains', '')).toMatchObject({ ok: false });
    expect(parse(column('name', 'VARCHAR'), '=', 'x'.repeat(1_001))).toMatchObject({ ok: false });
    expect(parse(age, 'contains', '4')).toMatchObject({ ok: false });
    expect(parse(column('blob', 'BLOB'), '=', '3')).toMatchObject({ ok: false });
  });

  it('makes only filters the seam accepts', () => {
    for (const [c, op, text] of [
      [age, '>=', '1,200'],
      [column('n', 'HUGEINT'), '=', '99999999999999999999'],
      [column('b', 'BOOLEAN'), '=', 'false'],
      [column('d', 'DATE'), 'is_not_null', ''],
    ] as const) {
      const parsed = parseFilter({ column: c, op, text });
      expect(parsed.ok && FilterSchema.safeParse(parsed.filter).success).toBe(true);
    }
  });
});

describe('changing the view', () => {
  it('sorts by one column, or keeps the others and adds it as a further key', () => {
    const byAge = withSort(EMPTY_VIEW, { column: 'age', direction: 'descending', keepOthers: false });
    expect(byAge).toEqual({ view: { sort: [{ column: 'age', descending: true }], filters: [] } });
    const view = 'view' in byAge ? byAge.view : EMPTY_VIEW;
    expect(withSort(view, { column: 'sex', direction: 'ascending', keepOthers: false })).toEqual({
      view: { sort: [{ column: 'sex', descending: false }], filters: [] },
    });
    const both = withSort(view, { column: 'sex', direction: 'ascending', keepOthers: true });
    expect('view' in both && both.view.sort.map((k) => k.column)).toEqual(['age', 'sex']);
    expect(sortDirectionOf(view, 'age')).toBe('descending');
    expect(withSort(view, { column: 'age', direction: 'none', keepOthers: true })).toEqual({ view: EMPTY_VIEW });
  });

  it('refuses a sort key past the seam’s limit, the view unchanged', () => {
    const view: GridView = { sort: Array.from({ length: MAX_SORT_KEYS }, (_, i) => ({ column: `c${i}`, descending: false })), filters: [] };
    expect(withSort(view, { column: 'extra', direction: 'ascending', keepOthers: true })).toEqual({
      message: 'The grid sorts by at most 8 columns at once.',
    });
  });

  it('adds filters (an identical one once), removes one by position, refuses past the limit', () => {
    const f = { column: 'age', op: '>' as const, value: 40 };
    const once = withFilter(EMPTY_VIEW, f);
    const view = 'view' in once ? once.view : EMPTY_VIEW;
    expect(withFilter(view, f)).toEqual({ view });
    expect(withoutFilter(view, 0)).toEqual(EMPTY_VIEW);
    const full: GridView = {
      sort: [],
      filters: Array.from({ length: MAX_FILTERS }, (_, i) => ({ column: 'age', op: '>' as const, value: i })),
    };
    expect(withFilter(full, f)).toMatchObject({ message: expect.stringContaining('at most 16 filters') });
  });

  it('says what is active in words', () => {
    expect(
      describeSort([
        { column: 'age', descending: true },
        { column: 'sex', descending: false },
      ]),
    ).toBe('age descending, then sex ascending');
    expect(describeFilter({ column: 'age', op: '>=', value: 1200 }, columnKindOf('INTEGER'))).toBe('age is at least 1,200');
    expect(describeFilter({ column: 'admitted', op: '<', value: '2021-01-01' }, columnKindOf('DATE'))).toBe(
      'admitted is before “2021-01-01”',
    );
    expect(describeFilter({ column: 'sex', op: '=', value: 'F' }, columnKindOf('VARCHAR'))).toBe('sex is “F”');
    expect(describeFilter({ column: 'died', op: 'is_null' }, columnKindOf('DATE'))).toBe('died is NULL');
  });
});
