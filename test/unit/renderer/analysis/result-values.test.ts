// Cell values for the result grid and charts: exact BigInts, UTC dates, readable floats, NULLs.
import { describe, expect, it } from 'vitest';
import {
  bigintToSafe,
  copyText,
  formatDate,
  formatFloat,
  formatTime,
  formatTimestamp,
  formatValue,
  toJsonText,
  toPlotValue,
} from '../../../../renderer/src/analysis/result-values.ts';

describe('BigInt handling', () => {
  it('turns a BigInt into a number when that is exact', () => {
    expect(bigintToSafe(42n)).toBe(42);
    expect(bigintToSafe(BigInt(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(bigintToSafe(BigInt(Number.MIN_SAFE_INTEGER))).toBe(Number.MIN_SAFE_INTEGER);
  });

  it('keeps a BigInt past 2^53 as its exact decimal string instead of rounding it', () => {
    expect(bigintToSafe(9007199254740993n)).toBe('9007199254740993');
    expect(bigintToSafe(-9007199254740993n)).toBe('-9007199254740993');
  });

  it('shows BIGINT cells exactly in the grid', () => {
    expect(formatValue(9007199254740993n, { kind: 'integer' })).toBe('9007199254740993');
    expect(formatValue(-(2n ** 63n), { kind: 'integer' })).toBe('-9223372036854775808');
  });

  it('gives charts a number for a BigInt (charts are approximate by nature)', () => {
    expect(toPlotValue(12n, { kind: 'integer' })).toBe(12);
    expect(typeof toPlotValue(2n ** 60n, { kind: 'integer' })).toBe('number');
  });

  it('writes BigInts inside lists and structs as exact JSON values', () => {
    expect(toJsonText({ id: 2n ** 60n, n: 1n })).toBe('{"id":"1152921504606846976","n":1}');
  });
});

describe('dates and times', () => {
  it('formats Arrow dates (milliseconds since the epoch) as ISO dates in UTC', () => {
    expect(formatDate(Date.UTC(2024, 1, 29))).toBe('2024-02-29');
    expect(formatValue(Date.UTC(1950, 0, 1), { kind: 'date' })).toBe('1950-01-01');
    expect(formatValue(new Date(Date.UTC(2021, 11, 31)), { kind: 'date' })).toBe('2021-12-31');
  });

  it('formats timestamps with milliseconds only when there are some, and marks zoned ones as UTC', () => {
    expect(formatTimestamp(Date.UTC(2024, 1, 29, 13, 14, 15))).toBe('2024-02-29 13:14:15');
    expect(formatTimestamp(Date.UTC(2024, 1, 29, 13, 14, 15, 500))).toBe('2024-02-29 13:14:15.500');
    expect(formatValue(Date.UTC(2024, 0, 1, 0, 0, 0), { kind: 'timestamp', zoned: true })).toBe('2024-01-01 00:00:00 UTC');
  });

  it('formats times of day in any Arrow unit', () => {
    expect(formatTime(3723n * 1_000_000n, 2)).toBe('01:02:03');
    expect(formatTime(3723500, 1)).toBe('01:02:03.5');
    expect(formatTime(45_296_000_001n, 2)).toBe('12:34:56.000001');
    expect(formatTime(0, 0)).toBe('00:00:00');
  });

  it('gives charts ISO text for dates, which Plotly reads as a date axis', () => {
    expect(toPlotValue(Date.UTC(2020, 2, 1), { kind: 'date' })).toBe('2020-03-01');
  });

  it('does not throw on an impossible date value', () => {
    expect(formatDate(Number.NaN)).toBe('NaN');
  });
});

describe('floats and other values', () => {
  it('rounds floats to six decimals for reading but copies them exactly', () => {
    expect(formatFloat(1 / 3)).toBe('0.333333');
    expect(formatFloat(2.5)).toBe('2.5');
    expect(formatFloat(3)).toBe('3');
    expect(copyText(1 / 3, { kind: 'float' })).toBe(String(1 / 3));
  });

  it('uses exponent form for very large and very small magnitudes', () => {
    expect(formatFloat(1.5e20)).toBe('1.5e+20');
    expect(formatFloat(0.00001234)).toBe('1.234e-5');
    expect(formatFloat(0)).toBe('0');
  });

  it('names the special float values', () => {
    expect(formatFloat(Number.NaN)).toBe('NaN');
    expect(formatFloat(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(formatFloat(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
  });

  it('shows NULL as empty text (the grid draws a muted NULL) and charts get null', () => {
    expect(formatValue(null, { kind: 'string' })).toBe('');
    expect(formatValue(undefined, { kind: 'integer' })).toBe('');
    expect(toPlotValue(null, { kind: 'float' })).toBeNull();
  });

  it('shows booleans and strings as they are', () => {
    expect(formatValue(true, { kind: 'boolean' })).toBe('true');
    expect(formatValue('E11.9', { kind: 'string' })).toBe('E11.9');
  });

  it('falls back to text for values JSON cannot hold', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(toJsonText(circular)).toBe('[object Object]');
  });
});
