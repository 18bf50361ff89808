// What the editor offers from the local schema: tables with their row counts, columns with their types, and bare
// column names from the tables a statement names; names that need quotes get them.
import { describe, expect, it } from 'vitest';
import type { LocalTable } from '../../../../src/common/local-engine.ts';
import { bareColumnOptions, schemaNamespace, sqlName, tablesNamed } from '../../../../renderer/src/analysis/completion.ts';

const tables: LocalTable[] = [
  {
    name: 'episodes',
    rows: 1204,
    columns: [
      { name: 'age', type: 'INTEGER' },
      { name: 'Admission Date', type: 'DATE' },
    ],
  },
  {
    name: 'patients',
    rows: 1,
    columns: [
      { name: 'age', type: 'SMALLINT' },
      { name: 'sex', type: 'VARCHAR' },
    ],
  },
];

describe('names in SQL', () => {
  it('leaves plain lower-case names bare and quotes the rest', () => {
    expect(sqlName('episodes')).toBe('episodes');
    expect(sqlName('Admission Date')).toBe('"Admission Date"');
    expect(sqlName('say "hi"')).toBe('"say ""hi"""');
    expect(sqlName('1st')).toBe('"1st"');
  });
});

describe('the schema for completion', () => {
  it('lists each table with its rows and its columns with their types', () => {
    expect(schemaNamespace(tables)).toEqual({
      episodes: {
        self: { label: 'episodes', detail: '1,204 rows', type: 'type' },
        children: [
          { label: 'age', detail: 'INTEGER', info: 'Column of episodes', type: 'property', boost: 1 },
          { label: '"Admission Date"', detail: 'DATE', info: 'Column of episodes', type: 'property', boost: 1 },
        ],
      },
      patients: expect.objectContaining({ self: { label: 'patients', detail: '1 row', type: 'type' } }),
    });
  });
});

describe('bare column names', () => {
  it('come from the tables the statement names, as whole words in any letter case', () => {
    expect(tablesNamed('select * from EPISODES e', tables).map((t) => t.name)).toEqual(['episodes']);
    expect(tablesNamed('select * from episodes_2', tables)).toEqual([]);
    expect(tablesNamed('select * from "patients"', tables).map((t) => t.name)).toEqual(['patients']);
  });

  it('offer each column name once, saying which tables have it', () => {
    const options = bareColumnOptions('SELECT  FROM episodes JOIN patients USING (age)', tables);
    expect(options.map((o) => o.label)).toEqual(['age', '"Admission Date"', 'sex']);
    expect(options[0].info).toBe('Column of episodes, patients');
  });

  it('offer nothing when the statement names no local table', () => {
    expect(bareColumnOptions('SELECT 1', tables)).toEqual([]);
  });
});
