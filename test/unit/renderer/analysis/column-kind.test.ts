// DuckDB's type names (as DESCRIBE prints them, in RunResult.columns) map onto the kinds the grid formats and the
// chart places: every type the local-engine seam lists, nested types never read as their element's type.
import { describe, expect, it } from 'vitest';
import {
  columnKindOf,
  isNumericKind,
  isRightAligned,
  isTemporalKind,
  resultColumnsOf,
} from '../../../../renderer/src/analysis/column-kind.ts';

describe('column kinds from DuckDB type names', () => {
  it.each([
    ['BOOLEAN', { kind: 'boolean' }],
    ['TINYINT', { kind: 'integer' }],
    ['SMALLINT', { kind: 'integer' }],
    ['INTEGER', { kind: 'integer' }],
    ['BIGINT', { kind: 'integer' }],
    ['HUGEINT', { kind: 'integer' }],
    ['UBIGINT', { kind: 'integer' }],
    ['UHUGEINT', { kind: 'integer' }],
    ['FLOAT', { kind: 'float' }],
    ['DOUBLE', { kind: 'float' }],
    ['DECIMAL(18,3)', { kind: 'decimal', scale: 3 }],
    ['DECIMAL(38, 10)', { kind: 'decimal', scale: 10 }],
    ['DECIMAL(9)', { kind: 'decimal', scale: 0 }],
    ['DECIMAL', { kind: 'decimal', scale: 3 }],
    ['DATE', { kind: 'date' }],
    ['TIMESTAMP', { kind: 'timestamp', zoned: false }],
    ['TIMESTAMP_NS', { kind: 'timestamp', zoned: false }],
    ['TIMESTAMP WITH TIME ZONE', { kind: 'timestamp', zoned: true }],
    ['TIMESTAMPTZ', { kind: 'timestamp', zoned: true }],
    ['TIME', { kind: 'time' }],
    ['TIME WITH TIME ZONE', { kind: 'time' }],
    ['INTERVAL', { kind: 'interval' }],
    ['UUID', { kind: 'uuid' }],
    ['VARCHAR', { kind: 'string' }],
    ['JSON', { kind: 'string' }],
    ["ENUM('x', 'y')", { kind: 'string' }],
    ['BLOB', { kind: 'blob' }],
    ['INTEGER[]', { kind: 'nested' }],
    ['DECIMAL(9,2)[3]', { kind: 'nested' }],
    ['STRUCT(a DECIMAL(9,2), b VARCHAR)', { kind: 'nested' }],
    ['MAP(VARCHAR, INTEGER)', { kind: 'nested' }],
    ['UNION(a INTEGER, b VARCHAR)', { kind: 'nested' }],
    ['BIT', { kind: 'other' }],
    ['SOMETHING_NEW', { kind: 'other' }],
  ])('%s', (type, kind) => {
    expect(columnKindOf(type)).toEqual(kind);
  });

  it('says which kinds are numbers, dates and right-aligned (a BLOB shows its size, a number)', () => {
    expect(isNumericKind(columnKindOf('DECIMAL(18,3)'))).toBe(true);
    expect(isNumericKind(columnKindOf('VARCHAR'))).toBe(false);
    expect(isTemporalKind(columnKindOf('DATE'))).toBe(true);
    expect(isTemporalKind(columnKindOf('TIME'))).toBe(false);
    expect(isRightAligned(columnKindOf('BLOB'))).toBe(true);
    expect(isRightAligned(columnKindOf('UUID'))).toBe(false);
  });

  it('keeps the names and types of a run result', () => {
    expect(resultColumnsOf([{ name: 'n', type: 'BIGINT' }])).toEqual([{ name: 'n', type: 'BIGINT', kind: { kind: 'integer' } }]);
  });
});
