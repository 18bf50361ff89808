// Path and query parameters: parsed strictly, errors name the parameter and never echo the value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SAMPLE_ROW_LIMIT } from '../../../src/common/contract.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { assertOnlyQueryParameters, parseId, parseLimit } from '../../../src/platform/http/request-input.ts';

function failure(run: () => unknown): EnclaveError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(EnclaveError);
    return err as EnclaveError;
  }
  throw new Error('did not throw');
}

describe('parseLimit', () => {
  it('accepts every whole number from 1 to the maximum', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: SAMPLE_ROW_LIMIT }), (n) => parseLimit(String(n)) === n));
  });

  it.each(['0', '-1', '1000001', '9999999', '1e9', '1e3', 'abc', '1.0', ' 1', '1 ', '+1', '0x10', '', 'Infinity', 'NaN'])('refuses %j', (text) => {
    const error = failure(() => parseLimit(text));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/^limit must be a whole number from 1 to 1,000,000\.$/);
  });

  it.each([undefined, ['1', '2'], 5, null])('refuses a limit that is not exactly one string (%j)', (value) => {
    expect(failure(() => parseLimit(value)).code).toBe('invalid_input');
  });
});

describe('parseId', () => {
  it.each(['patients', 'covid-outcomes', 'a', 'x_1', 'a'.repeat(64)])('accepts %s', (id) => {
    expect(parseId('datasetId', id)).toBe(id);
  });

  it.each(['', '..', '../etc', 'A', '-x', '_x', 'a b', 'a/b', "a'", 'a"', 'a;', 'a'.repeat(65), 'é', 'a\u0000'])('refuses %j, naming the parameter only', (id) => {
    const error = failure(() => parseId('projectId', id));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/^projectId must be/);
    if (id.length > 1) expect(error.message).not.toContain(id);
  });
});

describe('assertOnlyQueryParameters', () => {
  it('returns the query when it holds only allowed names', () => {
    expect(assertOnlyQueryParameters({ limit: '5' }, ['limit'])).toEqual({ limit: '5' });
    expect(assertOnlyQueryParameters(undefined, ['limit'])).toEqual({});
  });

  it('refuses any other name without echoing it', () => {
    const error = failure(() => assertOnlyQueryParameters({ limit: '5', 'columns<script>': 'x' }, ['limit']));
    expect(error.code).toBe('invalid_input');
    expect(error.message).not.toContain('script');
  });
});
