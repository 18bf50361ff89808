// Quoting that cannot be escaped, shared by the platform's engine and the renderer's local engine.
import { describe, expect, it } from 'vitest';
import { quoteIdentifier, quoteString } from '../../../src/common/sql-identifiers.ts';

describe('quoting', () => {
  it('double-quotes identifiers and doubles embedded quotes', () => {
    expect(quoteIdentifier('patients_sample')).toBe('"patients_sample"');
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
  });

  it('keeps a hostile column name inside one identifier', () => {
    const hostile = 'x"; DROP TABLE patients_sample; --';
    const quoted = quoteIdentifier(hostile);
    expect(quoted).toBe('"x""; DROP TABLE patients_sample; --"');
    // Every quote inside is doubled, so the identifier cannot end early.
    expect(quoted.slice(1, -1).replaceAll('""', '')).not.toContain('"');
  });

  it('single-quotes literals and doubles embedded quotes', () => {
    expect(quoteString("o'brien")).toBe("'o''brien'");
  });
});
