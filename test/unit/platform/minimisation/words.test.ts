// What the catalogue will say of each field's treatment.
import { describe, expect, it } from 'vitest';
import { treatmentWords } from '../../../../src/platform/minimisation/treatments.ts';
import type { Treatment } from '../../../../src/platform/minimisation/treatment-schema.ts';

const context = { referenceDate: '2023-03-31' };

describe('treatmentWords', () => {
  it.each<[string, Treatment, string]>([
    ['NHS number', { treatment: 'pseudonym' }, 'NHS number → project pseudonym'],
    [
      'date of birth',
      { treatment: 'age_band', width: 5, topAt: 90 },
      'date of birth → 5-year age band at 2023-03-31, 90 and over together',
    ],
    ['date of birth', { treatment: 'age_band', width: 10 }, 'date of birth → 10-year age band at 2023-03-31'],
    ['date of birth', { treatment: 'age_band', width: 1 }, 'date of birth → age in years at 2023-03-31'],
    ['date of birth', { treatment: 'year_of_birth' }, 'date of birth → year of birth'],
    ['postcode', { treatment: 'postcode', resolution: 'district' }, 'postcode → district'],
    ['postcode', { treatment: 'postcode', resolution: 'sector' }, 'postcode → sector'],
    ['admission date', { treatment: 'date', resolution: 'month' }, 'admission date → month (2020-03)'],
    ['admission date', { treatment: 'date', resolution: 'year' }, 'admission date → year (2020)'],
    ['specimen date', { treatment: 'date', resolution: 'iso_week' }, 'specimen date → ISO week (2020-W10)'],
    ['LSOA code', { treatment: 'region' }, 'LSOA code → region'],
    ['age on admission', { treatment: 'top_code', at: 90 }, 'age on admission → as recorded, 90 and over together (90+)'],
    ['primary diagnosis', { treatment: 'truncate', length: 3 }, 'primary diagnosis → first 3 characters'],
    ['primary diagnosis', { treatment: 'truncate', length: 1 }, 'primary diagnosis → first 1 character'],
    ['sex', { treatment: 'keep' }, 'sex → as recorded'],
    ['date of death', { treatment: 'null' }, 'date of death → always empty'],
    ['free text', { treatment: 'drop' }, 'not available to this project'],
  ])('%s under %j', (label, treatment, words) => {
    expect(treatmentWords(label, treatment, context)).toBe(words);
  });
});
