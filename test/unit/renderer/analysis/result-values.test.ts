// Cell values by type, as pages carry them (local-engine.ts): exact booleans, integers (BigInt for 64-bit), floats,
// dates and timestamps; the engine's text for HUGEINT, DECIMAL, TIME, INTERVAL, UUID, nested types, ENUM and
// TIMESTAMPTZ; a BLOB's size. Shown with thousands separators and aligned decimals; copied exactly.
import { describe, expect, it } from 'vitest';
import { columnKindOf } from '../../../../renderer/src/analysis/column-kind.ts';
import {
  bigintToSafe,
  cellText,
  CELL_TEXT_LIMIT,
  copyText,
  floatPlaces,
  formatDate,
  formatFloat,
  formatTime,
  formatTimestamp,
  formatValue,
  groupDigits,
  toJsonText,
  toPlotValue,
} from '../../../../renderer/src/analysis/result-values.ts';

const show = (value: unknown, type: string, places?: number): string => formatValue(value, columnKindOf(type), { places });

describe('numbers', () => {
  it('groups digits in threes, signs and fractions kept', () => {
    expect(groupDigits('1234567')).toBe('1,234,567');
    expect(groupDigits('-1234567.891')).toBe('-1,234,567.891');
    expect(groupDigits('999')).toBe('999');
    expect(groupDigits('not a number')).toBe('not a number');
  });

  it('shows every integer type with separators, BIGINT and HUGEINT exactly', () => {
    expect(show(42, 'TINYINT')).toBe('42');
    expect(show(-1234567, 'INTEGER')).toBe('-1,234,567');
    expect(show(9007199254740993n, 'BIGINT')).toBe('9,007,199,254,740,993');
    expect(show(-(2n ** 63n), 'BIGINT')).toBe('-9,223,372,036,854,775,808');
    expect(show('170141183460469231731687303715884105727', 'HUGEINT')).toBe('170,141,183,460,469,231,731,687,303,715,884,105,727');
    expect(show('18446744073709551615', 'UBIGINT')).toBe('18,446,744,073,709,551,615');
  });

  it('shows a DECIMAL with exactly its scale, padding the engine text and never rounding it', () => {
    expect(show('1234.500', 'DECIMAL(18,3)')).toBe('1,234.500');
    expect(show('1234.5', 'DECIMAL(18,3)')).toBe('1,234.500');
    expect(show('-0.125', 'DECIMAL(18,3)')).toBe('-0.125');
    expect(show('12345678901234567890.123456789', 'DECIMAL(38,9)')).toBe('12,345,678,901,234,567,890.123456789');
    expect(show('42', 'DECIMAL(9,0)')).toBe('42');
    // An engine that sends a double (DuckDB-wasm's castDecimalToDouble) still gets the column's places.
    expect(show(1234.5, 'DECIMAL(18,3)')).toBe('1,234.500');
  });

  it('shows floats with the column’s places so decimal points line up, exponent form at the extremes', () => {
    expect(show(1234.5, 'DOUBLE', 2)).toBe('1,234.50');
    expect(show(0.1, 'DOUBLE', 2)).toBe('0.10');
    expect(show(3, 'DOUBLE', 2)).toBe('3.00');
    expect(formatFloat(1 / 3)).toBe('0.333333');
    expect(formatFloat(1.5e20)).toBe('1.5e+20');
    expect(formatFloat(0.00001234, 2)).toBe('1.234e-5');
    expect(formatFloat(Number.NaN)).toBe('NaN');
    expect(formatFloat(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
  });

  it('finds the places a float column needs from its values (at most six)', () => {
    expect(floatPlaces([1, 2.5, 3.25, null, 'text'])).toBe(2);
    expect(floatPlaces([1 / 3])).toBe(6);
    expect(floatPlaces([1e20, 2])).toBe(0);
  });

  it('copies numbers exactly, without separators', () => {
    expect(copyText(9007199254740993n, columnKindOf('BIGINT'))).toBe('9007199254740993');
    expect(copyText(1234567, columnKindOf('INTEGER'))).toBe('1234567');
    expect(copyText('1234.500', columnKindOf('DECIMAL(18,3)'))).toBe('1234.500');
    expect(copyText(1 / 3, columnKindOf('DOUBLE'))).toBe(String(1 / 3));
  });

  it('keeps a BigInt past 2^53 exact where JSON or a chart needs a number', () => {
    expect(bigintToSafe(42n)).toBe(42);
    expect(bigintToSafe(9007199254740993n)).toBe('9007199254740993');
    expect(toJsonText({ id: 2n ** 60n, n: 1n })).toBe('{"id":"1152921504606846976","n":1}');
    expect(toPlotValue(12n, columnKindOf('BIGINT'))).toBe(12);
    expect(toPlotValue('1234.500', columnKindOf('DECIMAL(18,3)'))).toBe(1234.5);
  });
});

describe('dates and times', () => {
  it('shows DATE (milliseconds since the epoch, UTC) in ISO form', () => {
    expect(show(Date.UTC(2024, 1, 29), 'DATE')).toBe('2024-02-29');
    expect(show(Date.UTC(1950, 0, 1), 'DATE')).toBe('1950-01-01');
    expect(formatDate(Number.NaN)).toBe('NaN');
  });

  it('shows TIMESTAMP in ISO form with its microseconds (apache-arrow gives them as the fraction of a millisecond)', () => {
    expect(show(Date.UTC(2024, 1, 29, 13, 14, 15), 'TIMESTAMP')).toBe('2024-02-29 13:14:15');
    expect(show(Date.UTC(2024, 1, 29, 13, 14, 15, 500), 'TIMESTAMP')).toBe('2024-02-29 13:14:15.500');
    expect(show(1709212455123.456, 'TIMESTAMP')).toBe('2024-02-29 13:14:15.123456');
    expect(formatTimestamp(-1.5)).toBe('1969-12-31 23:59:59.998500');
  });

  it('shows TIMESTAMPTZ, TIME and INTERVAL as the engine wrote them', () => {
    expect(show('2024-02-29 13:14:15+00', 'TIMESTAMP WITH TIME ZONE')).toBe('2024-02-29 13:14:15+00');
    expect(show('12:34:56.5', 'TIME')).toBe('12:34:56.5');
    expect(show('3 days 04:00:00', 'INTERVAL')).toBe('3 days 04:00:00');
    expect(formatTime(45_296_000_001n, 2)).toBe('12:34:56.000001');
  });

  it('gives charts ISO text for dates and timestamps, which Plotly reads as a date axis', () => {
    expect(toPlotValue(Date.UTC(2020, 2, 1), columnKindOf('DATE'))).toBe('2020-03-01');
    expect(toPlotValue(Date.UTC(2020, 2, 1, 6), columnKindOf('TIMESTAMP'))).toBe('2020-03-01 06:00:00');
  });
});

describe('text, nested values, BLOBs and NULL', () => {
  it('shows UUID, ENUM, nested types and strings as text', () => {
    expect(show('492d3779-6ce3-4437-9a71-62a1f938f37c', 'UUID')).toBe('492d3779-6ce3-4437-9a71-62a1f938f37c');
    expect(show('x', "ENUM('x', 'y')")).toBe('x');
    expect(show('[1, 2]', 'INTEGER[]')).toBe('[1, 2]');
    expect(show("{'a': 1}", 'STRUCT(a INTEGER)')).toBe("{'a': 1}");
    expect(show('{k=1}', 'MAP(VARCHAR, INTEGER)')).toBe('{k=1}');
    expect(show(true, 'BOOLEAN')).toBe('true');
    expect(show('E11.9', 'VARCHAR')).toBe('E11.9');
  });

  it('shows a BLOB as its size, never its content', () => {
    expect(show(3n, 'BLOB')).toBe('3 bytes');
    expect(show(1, 'BLOB')).toBe('1 byte');
    expect(show(1048576, 'BLOB')).toBe('1,048,576 bytes');
  });

  it('shows NULL as empty text (the grid draws a muted NULL) and charts get null', () => {
    expect(show(null, 'VARCHAR')).toBe('');
    expect(show(undefined, 'INTEGER')).toBe('');
    expect(copyText(null, columnKindOf('DOUBLE'))).toBe('');
    expect(toPlotValue(null, columnKindOf('DOUBLE'))).toBeNull();
  });

  it('cuts long text and multi-line text for a cell, and says it did', () => {
    const long = 'x'.repeat(CELL_TEXT_LIMIT + 50);
    expect(cellText(long)).toEqual({ text: `${'x'.repeat(CELL_TEXT_LIMIT)}…`, cut: true });
    expect(cellText('first line\nsecond')).toEqual({ text: 'first line…', cut: true });
    expect(cellText('short')).toEqual({ text: 'short', cut: false });
    // …while the copy (and the cell viewer) keeps the whole value.
    expect(copyText(long, columnKindOf('VARCHAR'))).toBe(long);
  });

  it('falls back to text for values JSON cannot hold', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(toJsonText(circular)).toBe('[object Object]');
  });
});
