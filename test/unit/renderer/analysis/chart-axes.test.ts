// The chart a new result opens with: a date or category on x and a measure on y, picked from the column types,
// and never an identifier (a name like *_id, *pseudonym*, nhs_number; a UUID; text whose values name rows).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  adjustForType,
  BLANK_SETTINGS,
  cardinalityCandidates,
  defaultChart,
  isIdColumn,
  isIdName,
  reconcileSettings,
  type ColumnCardinality,
} from '../../../../renderer/src/analysis/chart-axes.ts';
import { columnKindOf, resultColumnsOf, type ResultColumn } from '../../../../renderer/src/analysis/column-kind.ts';

const cols = (...pairs: [string, string][]): ResultColumn[] => resultColumnsOf(pairs.map(([name, type]) => ({ name, type })));
const none = new Map<string, ColumnCardinality>();

describe('identifiers', () => {
  it.each([
    'patient_id',
    'id',
    'episode_key',
    'patientId',
    'pseudonym',
    'patient_pseudonym',
    'nhs_number',
    'nhsno',
    'NHS_NUMBER',
    'person_uuid',
    'mrn',
  ])('%s is an identifier', (name) => expect(isIdName(name)).toBe(true));
  it.each(['covid', 'paid', 'admission_method', 'nhs_region', 'valid_from', 'age', 'sex', 'drug_name', 'episodes'])('%s is not', (name) =>
    expect(isIdName(name)).toBe(false),
  );

  it('counts UUIDs and text that names rows as identifiers, not text that groups them', () => {
    expect(isIdColumn({ name: 'x', type: 'UUID', kind: columnKindOf('UUID') })).toBe(true);
    const text = { name: 'free_text', type: 'VARCHAR', kind: columnKindOf('VARCHAR') };
    expect(isIdColumn(text, { rows: 10_000, nulls: 0, distinct: 9_000 })).toBe(true);
    expect(isIdColumn(text, { rows: 10_000, nulls: 0, distinct: 12 })).toBe(false);
    // A small grouped result has all-distinct text, and it is still a category.
    expect(isIdColumn(text, { rows: 4, nulls: 0, distinct: 4 })).toBe(false);
  });
});

describe('default axes', () => {
  it('bars of a measure by a category (the GROUP BY result of the analyst journey)', () => {
    expect(defaultChart(cols(['admission_method', 'VARCHAR'], ['episodes', 'BIGINT'], ['mean_stay', 'DOUBLE']), none)).toEqual({
      ...BLANK_SETTINGS,
      type: 'bar',
      x: 'admission_method',
      y: 'episodes',
      aggregate: 'sum',
    });
  });

  it('a line over time when there is a date, with the measure averaged', () => {
    const chosen = defaultChart(
      cols(['patient_id', 'BIGINT'], ['sex', 'VARCHAR'], ['admitted', 'DATE'], ['length_of_stay', 'INTEGER']),
      none,
    );
    expect(chosen).toMatchObject({ type: 'line', x: 'admitted', y: 'length_of_stay', aggregate: 'avg' });
  });

  it('never an id column on either axis, even when it comes first and is numeric', () => {
    const chosen = defaultChart(
      cols(
        ['episode_id', 'BIGINT'],
        ['nhs_number', 'VARCHAR'],
        ['pseudonym', 'VARCHAR'],
        ['admission_method', 'VARCHAR'],
        ['age', 'INTEGER'],
      ),
      none,
    );
    expect(chosen).toMatchObject({ x: 'admission_method', y: 'age' });
  });

  it('skips text with too many values to group by (asked of the engine)', () => {
    const columns = cols(['diagnosis_text', 'VARCHAR'], ['region', 'VARCHAR'], ['cost', 'DECIMAL(18,2)']);
    const cardinality = new Map([
      ['diagnosis_text', { rows: 50_000, nulls: 0, distinct: 40_000 }],
      ['region', { rows: 50_000, nulls: 10, distinct: 7 }],
    ]);
    expect(cardinalityCandidates(columns).map((c) => c.name)).toEqual(['diagnosis_text', 'region']);
    expect(defaultChart(columns, cardinality)).toMatchObject({ type: 'bar', x: 'region', y: 'cost' });
  });

  it('a histogram of the first measure when there is nothing to group by; nothing when every column is an identifier', () => {
    expect(defaultChart(cols(['patient_id', 'BIGINT'], ['age', 'INTEGER']), none)).toMatchObject({ type: 'histogram', x: 'age', y: null });
    expect(defaultChart(cols(['patient_id', 'BIGINT'], ['nhs_number', 'VARCHAR'], ['u', 'UUID']), none)).toBeNull();
  });

  it('holds for any columns: neither axis is ever an identifier', () => {
    const names = fc.constantFrom(
      'patient_id',
      'id',
      'pseudonym',
      'nhs_number',
      'episode_key',
      'age',
      'sex',
      'region',
      'admitted',
      'cost',
      'n',
      'label',
    );
    const types = fc.constantFrom(
      'BIGINT',
      'INTEGER',
      'DOUBLE',
      'DECIMAL(18,3)',
      'VARCHAR',
      'DATE',
      'TIMESTAMP',
      'BOOLEAN',
      'UUID',
      'BLOB',
      'INTEGER[]',
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(names, types), { selector: ([name]) => name, minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(100_000), fc.nat(100_000)), { maxLength: 8 }),
        (pairs, counts) => {
          const columns = cols(...pairs);
          const cardinality = new Map<string, ColumnCardinality>();
          columns.forEach((c, i) => {
            const [rows, distinct] = counts[i] ?? [];
            if (rows !== undefined && distinct !== undefined)
              cardinality.set(c.name, { rows, nulls: 0, distinct: Math.min(rows, distinct) });
          });
          const chosen = defaultChart(columns, cardinality);
          for (const name of [chosen?.x, chosen?.y]) {
            const column = columns.find((c) => c.name === name);
            if (column) expect(isIdColumn(column, cardinality.get(column.name))).toBe(false);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('settings kept with a tab', () => {
  const columns = cols(['admission_method', 'VARCHAR'], ['episodes', 'BIGINT'], ['sex', 'VARCHAR']);
  const kept = { ...BLANK_SETTINGS, x: 'admission_method', y: 'episodes', series: 'sex', title: 'Admissions', xLabel: 'Method' };

  it('keeps the analyst’s chart (and words) while its columns are there', () => {
    expect(reconcileSettings(kept, columns, null)).toEqual(kept);
  });

  it('drops a vanished colour column, and falls back to defaults when an axis vanished', () => {
    expect(
      reconcileSettings(
        kept,
        columns.filter((c) => c.name !== 'sex'),
        null,
      ),
    ).toEqual({ ...kept, series: null });
    const defaults = { ...BLANK_SETTINGS, x: 'sex' };
    expect(
      reconcileSettings(
        kept,
        columns.filter((c) => c.name !== 'episodes'),
        defaults,
      ),
    ).toBe(defaults);
  });

  it('swaps what a new chart type cannot take, and never to an identifier while another column fits', () => {
    const mixed = cols(['patient_id', 'BIGINT'], ['admission_method', 'VARCHAR'], ['age', 'INTEGER'], ['stay', 'DOUBLE']);
    expect(adjustForType({ ...BLANK_SETTINGS, type: 'histogram', x: 'admission_method', y: 'age' }, mixed)).toMatchObject({
      x: 'age',
      y: null,
    });
    expect(adjustForType({ ...BLANK_SETTINGS, type: 'scatter', x: 'admission_method', y: null }, mixed)).toMatchObject({
      x: 'age',
      y: 'stay',
    });
    expect(adjustForType({ ...BLANK_SETTINGS, type: 'bar', x: 'admission_method', y: 'age' }, mixed)).toMatchObject({
      x: 'admission_method',
      y: 'age',
    });
  });
});
