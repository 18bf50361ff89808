// SQL helpers of the local engine: sample table names, subquery wrapping, readable errors (quoting is in
// test/unit/common/sql-identifiers.test.ts).
import { describe, expect, it } from 'vitest';
import { isInterruption } from '../../../../src/common/local-sql.ts';
import { asSubquery, describeEngineError, sampleTableName, stripTrailingSemicolons } from '../../../../renderer/src/analysis/sql.ts';

describe('sample tables', () => {
  it('names a sample table after its dataset, never the dataset itself', () => {
    expect(sampleTableName('hospital_episodes')).toBe('hospital_episodes_sample');
  });
});

describe('wrapping a query as a subquery', () => {
  it('drops trailing semicolons and whitespace', () => {
    expect(stripTrailingSemicolons('SELECT 1; ;\n ')).toBe('SELECT 1');
    expect(asSubquery('SELECT * FROM t;')).toBe('(SELECT * FROM t\n)');
  });

  it('allows semicolons inside strings, quoted names and comments', () => {
    expect(asSubquery('SELECT \';\' AS s, "a;b" FROM t')).not.toBeNull();
    expect(asSubquery('SELECT 1 -- done; really\n FROM t')).not.toBeNull();
  });

  it('refuses more than one statement', () => {
    expect(asSubquery('SELECT 1; SELECT 2')).toBeNull();
    expect(asSubquery('   ')).toBeNull();
  });

  it('ends the subquery on its own line, so a trailing comment cannot swallow the closing bracket', () => {
    expect(asSubquery('SELECT * FROM t -- the lot')).toBe('(SELECT * FROM t -- the lot\n)');
  });
});

describe('engine errors as messages', () => {
  it("keeps DuckDB's own message and its LINE pointer", () => {
    const message = 'Catalog Error: Table with name nope does not exist!\n\nLINE 1: SELECT * FROM nope\n                      ^';
    expect(describeEngineError(new Error(message))).toBe(message);
  });

  it('drops stack frames', () => {
    const err = new Error('Parser Error: syntax error at or near "SELEC"\n    at AsyncDuckDB.onMessage (engine.js:1:2)');
    expect(describeEngineError(err)).toBe('Parser Error: syntax error at or near "SELEC"');
  });

  it('unwraps errors DuckDB sends as JSON', () => {
    const err = new Error('{"exception_type":"Binder","exception_message":"Referenced column \\"x\\" not found"}');
    expect(describeEngineError(err)).toBe('Binder Error: Referenced column "x" not found');
  });

  it('turns out-of-memory into advice that names the limit', () => {
    expect(describeEngineError(new Error('Out of Memory Error: failed to allocate'))).toMatch(/about 3 GB/);
    expect(describeEngineError(new RangeError('offset is out of bounds'))).toMatch(/ran out of memory/);
  });

  it('replaces advice to install extensions, which cannot work here', () => {
    const err = new Error(
      'Catalog Error: Table Function with name "read_json" is not in the catalog, but it exists in the json extension.\n\nPlease try installing and loading the json extension by running:\nINSTALL json;',
    );
    const text = describeEngineError(err);
    expect(text).toContain('read_json');
    expect(text).not.toContain('INSTALL');
    expect(text).toMatch(/cannot be installed or loaded/);
  });

  it('gives a general message when there is nothing to show', () => {
    expect(describeEngineError(undefined)).toMatch(/could not run/);
  });

  it('recognises interruption, not columns that merely mention cancelling', () => {
    expect(isInterruption(new Error('INTERRUPT Error: Interrupted!'))).toBe(true);
    expect(isInterruption(new Error('Binder Error: Referenced column "cancel_reason" not found'))).toBe(false);
  });
});
