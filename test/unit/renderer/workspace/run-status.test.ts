// The words of the run line and the result's heading (issue 14, "The screen").
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../../src/common/local-engine.ts';
import { resultHeading, resultPhrase, statusText } from '../../../../renderer/src/workspace/run-status.ts';

const select = (rows: number, columns: number, message = ''): RunResult => ({
  resultId: 'r1',
  columns: Array.from({ length: columns }, (_, i) => ({ name: `c${i}`, type: 'INTEGER' })),
  rowCount: rows,
  statement: 'SELECT',
  message,
  durationMs: 23,
});

describe('what a run did', () => {
  it("uses the engine's message when it gives one", () => {
    const created: RunResult = { ...select(0, 0, 'Created admissions (1,204 rows)'), resultId: null, statement: 'CREATE' };
    expect(resultPhrase(created)).toBe('Created admissions (1,204 rows)');
    expect(statusText({ kind: 'ok', result: created }, false)).toBe('Created admissions (1,204 rows) in 23 ms.');
  });

  it('counts rows and columns ("1 row, 1 column") when the engine gives no message', () => {
    expect(statusText({ kind: 'ok', result: select(1, 1) }, false)).toBe('1 row, 1 column in 23 ms.');
    expect(statusText({ kind: 'ok', result: select(4, 3) }, false)).toBe('4 rows, 3 columns in 23 ms.');
    expect(resultPhrase({ ...select(0, 0), resultId: null, statement: 'DROP' })).toBe('DROP done');
  });

  it('says a cancelled or failed run left the previous result on screen', () => {
    expect(statusText({ kind: 'cancelled' }, true)).toBe('The query was cancelled. The result shown is the previous query’s.');
    expect(statusText({ kind: 'cancelled' }, false)).toBe('The query was cancelled.');
    expect(statusText({ kind: 'failed', message: 'x' }, true)).toBe('The query did not run. The result shown is the previous query’s.');
    expect(statusText({ kind: 'running' }, true)).toBe('');
  });

  it("labels a result that is not the last run's as the previous query's", () => {
    expect(resultHeading(select(1, 1, '1 row, 1 column'), false)).toBe('Result: 1 row, 1 column');
    expect(resultHeading(select(4, 3), true)).toBe('Result of the previous query: 4 rows, 3 columns');
  });

  it('says what a platform query made, and heads its table as such', () => {
    expect(statusText({ kind: 'loaded', table: 'tests_admissions', rows: 12_345, replaced: false, ms: 3_210 }, false)).toBe(
      'Created tests_admissions (12,345 rows) from the platform in 3.2 s.',
    );
    expect(statusText({ kind: 'loaded', table: 'result_1', rows: 1, replaced: true, ms: 40 }, false)).toBe(
      'Replaced result_1 (1 row) from the platform in 40 ms.',
    );
    expect(resultHeading(select(4, 3), false, 'Table result_1')).toBe('Table result_1: 4 rows, 3 columns');
    expect(resultHeading(select(4, 3), true, 'Table result_1')).toBe('Result of the previous query (table result_1): 4 rows, 3 columns');
  });
});
