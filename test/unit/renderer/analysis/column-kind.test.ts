// Arrow column types map onto the few display kinds; DuckDB's BIGINT arrives as Int64 with BigInt values.
import { describe, expect, it } from 'vitest';
import * as arrow from 'apache-arrow';
import { columnKind, resultBytes, resultColumns } from '../../../../renderer/src/analysis/column-kind.ts';
import { formatValue } from '../../../../renderer/src/analysis/result-values.ts';

describe('column kinds', () => {
  it('recognises the types DuckDB sends', () => {
    expect(columnKind(new arrow.Int64())).toEqual({ kind: 'integer' });
    expect(columnKind(new arrow.Int32())).toEqual({ kind: 'integer' });
    expect(columnKind(new arrow.Float64())).toEqual({ kind: 'float' });
    expect(columnKind(new arrow.DateDay())).toEqual({ kind: 'date' });
    expect(columnKind(new arrow.TimestampMicrosecond())).toEqual({ kind: 'timestamp', zoned: false });
    expect(columnKind(new arrow.TimestampMicrosecond('UTC'))).toEqual({ kind: 'timestamp', zoned: true });
    expect(columnKind(new arrow.TimeMicrosecond())).toEqual({ kind: 'time', unit: 2 });
    expect(columnKind(new arrow.Bool())).toEqual({ kind: 'boolean' });
    expect(columnKind(new arrow.Utf8())).toEqual({ kind: 'string' });
    expect(columnKind(new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()))).toEqual({ kind: 'string' });
    expect(columnKind(new arrow.List(new arrow.Field('item', new arrow.Int32())))).toEqual({ kind: 'other' });
  });

  it('reads cells from column vectors without building rows', () => {
    const table = new arrow.Table({
      id: arrow.vectorFromArray([9007199254740993n, null], new arrow.Int64()),
      admitted: arrow.vectorFromArray([new Date(Date.UTC(2021, 0, 2)), null], new arrow.DateDay()),
    });
    const columns = resultColumns(table);
    expect(columns.map((c) => c.name)).toEqual(['id', 'admitted']);
    expect(formatValue(table.getChildAt(0)?.get(0), columns[0].kind)).toBe('9007199254740993');
    expect(formatValue(table.getChildAt(1)?.get(0), columns[1].kind)).toBe('2021-01-02');
    expect(formatValue(table.getChildAt(1)?.get(1), columns[1].kind)).toBe('');
  });

  it('counts the bytes a result holds', () => {
    const table = arrow.tableFromArrays({ n: new Float64Array(1000) });
    expect(resultBytes(table)).toBeGreaterThanOrEqual(8000);
  });
});
