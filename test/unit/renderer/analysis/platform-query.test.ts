// A platform query as the window words and checks it: the run's message, the destination table's default and its
// check (the contract's own rule), the SQL as sent, and the relations completion offers (only fields the project sees).
import { describe, expect, it } from 'vitest';
import type { Catalogue } from '../../../../src/common/contract.ts';
import { LocalTableNameSchema } from '../../../../src/common/local-engine.ts';
import {
  cancelledMessage,
  defaultTableName,
  loadedMessage,
  platformRelations,
  platformSql,
  tableNameProblem,
} from '../../../../renderer/src/analysis/platform-query.ts';
import { loadedMessage as coreLoadedMessage } from '../../../../src/workstation/workspaces/platform-queries.ts';

const CATALOGUE: Catalogue = {
  projectId: 'covid-outcomes',
  datasets: [
    {
      id: 'covid_tests',
      name: 'COVID-19 tests',
      description: 'One row per test.',
      rowCount: 1_234,
      fields: [
        {
          name: 'nhs_number',
          type: 'VARCHAR',
          description: '',
          tags: ['direct_identifier'],
          available: true,
          treatment: 'NHS number → project pseudonym',
        },
        {
          name: 'postcode',
          type: 'VARCHAR',
          description: '',
          tags: ['quasi_identifier'],
          available: false,
          treatment: 'not available to this project',
        },
        { name: 'specimen_date', type: 'DATE', description: '', tags: ['clinical'], available: true, treatment: 'date → month' },
      ],
    },
  ],
};

describe('platform queries in the window', () => {
  it('words a load as the core does: created or replaced, with the rows', () => {
    for (const loaded of [
      { table: 'tests_admissions', rows: 12_345, replaced: false },
      { table: 'one', rows: 1, replaced: true },
    ]) {
      expect(loadedMessage(loaded)).toBe(coreLoadedMessage(loaded));
    }
    expect(loadedMessage({ table: 'tests_admissions', rows: 12_345, replaced: false })).toBe(
      'Created tests_admissions (12,345 rows) from the platform',
    );
    expect(loadedMessage({ table: 'one', rows: 1, replaced: true })).toBe('Replaced one (1 row) from the platform');
    expect(cancelledMessage('kept', true)).toBe('The platform query was cancelled. Nothing was loaded; kept is unchanged.');
  });

  it('offers result_1, result_2 … that no table or other tab has', () => {
    expect(defaultTableName([])).toBe('result_1');
    expect(defaultTableName(['result_1', 'result_3', 'patients'])).toBe('result_2');
  });

  it('checks a table name by the contract’s own rule, and says why one is refused', () => {
    for (const name of ['result_1', '_x', 'tests_admissions', 'a'.repeat(63)]) {
      expect(tableNameProblem(name)).toBeNull();
      expect(LocalTableNameSchema.safeParse(name).success).toBe(true);
    }
    for (const name of ['', 'Result', '1st', 'a-b', 'a b', 'x"; DROP TABLE y; --', 'a'.repeat(64)]) {
      expect(tableNameProblem(name)).not.toBeNull();
      expect(LocalTableNameSchema.safeParse(name).success).toBe(false);
    }
    expect(tableNameProblem('')).toBe('Give the table a name.');
    expect(tableNameProblem('a'.repeat(64))).toBe('A table name can be at most 63 characters.');
  });

  it('sends one statement: trailing semicolons are not part of it', () => {
    expect(platformSql('SELECT 1;')).toBe('SELECT 1');
    expect(platformSql('SELECT 1 ;\n ;\n')).toBe('SELECT 1');
    expect(platformSql("SELECT ';'")).toBe("SELECT ';'");
  });

  it('completes the project’s relations and the fields it may read, with their treatments', () => {
    expect(platformRelations(null)).toEqual([]);
    const [tests] = platformRelations(CATALOGUE);

    expect(tests).toMatchObject({ name: 'covid_tests', rows: 1_234 });
    expect(tests?.columns).toEqual([
      { name: 'nhs_number', type: 'NHS number → project pseudonym', info: 'nhs_number of covid_tests: NHS number → project pseudonym' },
      { name: 'specimen_date', type: 'date → month', info: 'specimen_date of covid_tests: date → month' },
    ]);
  });
});
