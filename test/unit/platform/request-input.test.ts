// Path parameters, query and body, parsed strictly by the schemas their route declares: errors name the
// parameter and never echo the value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SAMPLE_ROW_LIMIT } from '../../../src/common/contract.ts';
import { EnclaveError } from '../../../src/common/errors.ts';
import { PLATFORM_API, type ApiRoute } from '../../../src/common/platform-api.ts';
import { parseBody, parseParameters, parseQuery } from '../../../src/platform/http/request-input.ts';

function failure(run: () => unknown): EnclaveError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(EnclaveError);
    return err as EnclaveError;
  }
  throw new Error('did not throw');
}

const sample = PLATFORM_API['dataset.sample'];
const catalogue = PLATFORM_API['catalogue.get'];
const sessionEvents = PLATFORM_API['session.events'];
const me: ApiRoute = PLATFORM_API.me;

/** The sample's limit, as the route parses it from the query. */
const parseLimit = (value: unknown) => (parseQuery(sample.query, { limit: value }) as { limit: number }).limit;

describe('the sample limit', () => {
  it('accepts every whole number from 1 to the maximum', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: SAMPLE_ROW_LIMIT }), (n) => parseLimit(String(n)) === n));
  });

  it.each(['0', '-1', '1000001', '9999999', '1e9', '1e3', 'abc', '1.0', ' 1', '1 ', '+1', '0x10', '', 'Infinity', 'NaN'])(
    'refuses %j',
    (text) => {
      const error = failure(() => parseLimit(text));
      expect(error.code).toBe('invalid_input');
      expect(error.message).toMatch(/^limit must be a whole number from 1 to 1,000,000\.$/);
    },
  );

  it.each([undefined, ['1', '2'], 5, null])('refuses a limit that is not exactly one string (%j)', (value) => {
    expect(failure(() => parseLimit(value)).code).toBe('invalid_input');
  });
});

describe('path ids', () => {
  it.each(['patients', 'covid-outcomes', 'a', 'x_1', 'a'.repeat(64)])('accepts %s', (id) => {
    expect(parseParameters(sample.params, { projectId: 'p1', datasetId: id })).toEqual({ projectId: 'p1', datasetId: id });
  });

  it.each(['', '..', '../etc', 'A', '-x', '_x', 'a b', 'a/b', "a'", 'a"', 'a;', 'a'.repeat(65), 'é', 'a\u0000'])(
    'refuses %j, naming the parameter only',
    (id) => {
      const error = failure(() => parseParameters(catalogue.params, { projectId: id }));
      expect(error.code).toBe('invalid_input');
      expect(error.message).toMatch(/^projectId must be/);
      if (id.length > 1) expect(error.message).not.toContain(id);
    },
  );

  it('names the first bad parameter in path order', () => {
    expect(failure(() => parseParameters(sample.params, { projectId: 'A', datasetId: 'B' })).message).toMatch(/^projectId /);
    expect(failure(() => parseParameters(sample.params, { projectId: 'a', datasetId: 'B' })).message).toMatch(/^datasetId /);
  });

  it('leaves a route without path parameters without any', () => {
    expect(parseParameters(me.params, {})).toBeUndefined();
  });
});

describe('query parameters', () => {
  it('returns the query when it holds only allowed names', () => {
    expect(parseQuery(sample.query, { limit: '5' })).toEqual({ limit: 5, format: 'arrow' });
    expect(parseQuery(sample.query, { limit: '5', format: 'parquet' })).toEqual({ limit: 5, format: 'parquet' });
  });

  it('treats a missing query as empty, so a required parameter is named as missing', () => {
    expect(failure(() => parseQuery(sample.query, undefined)).message).toMatch(/^limit /);
  });

  it('names a value outside its choices without echoing it', () => {
    const error = failure(() => parseQuery(sample.query, { limit: '5', format: 'csv<script>' }));
    expect(error.message).toBe('format must be "arrow" (the default) or "parquet".');
  });

  it('refuses any other name without echoing it, before looking at the values', () => {
    const error = failure(() => parseQuery(sample.query, { limit: '5', 'columns<script>': 'x' }));
    expect(error.code).toBe('invalid_input');
    expect(error.message).not.toContain('script');
    expect(error.message).toBe('Unknown query parameter; this endpoint accepts only: limit, format.');
    expect(failure(() => parseQuery(sample.query, { limit: 'abc', columns: 'x' })).message).toMatch(/^Unknown query parameter/);
  });

  it('ignores the query string of a route that declares none', () => {
    expect(parseQuery(me.query, { anything: 'x' })).toBeUndefined();
  });
});

describe('the body', () => {
  it('is parsed by its schema', () => {
    expect(parseBody(sessionEvents.body, { event: 'locked' })).toEqual({ event: 'locked' });
  });

  it('is refused naming what it is and the field at fault', () => {
    const error = failure(() => parseBody(sessionEvents.body, { event: 'hacked' }));
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/^The session event is not valid: event/);
    expect(error.message).not.toContain('hacked');
    expect(failure(() => parseBody(sessionEvents.body, { event: 'locked', actor: 'demo-admin' })).message).toMatch(
      /^The session event is not valid/,
    );
  });
});
