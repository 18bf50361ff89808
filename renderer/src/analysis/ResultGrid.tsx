// The result grid: Glide Data Grid reading cells lazily from the Arrow table's column vectors, so a million rows
// cost nothing until they scroll into view (no row objects are ever built).
import { useCallback, useMemo, useState } from 'react';
import { DataEditor, GridCellKind, type GridCell, type GridColumn, type Item, type Theme } from '@glideapps/glide-data-grid';
import type { DataType, Table, Vector } from 'apache-arrow';
import type { ResultColumn } from './column-kind.ts';
import { copyText, formatValue, isNumericKind } from './result-values.ts';

const gridTheme: Partial<Theme> = {
  accentColor: '#005eb8',
  accentLight: 'rgba(0, 94, 184, 0.12)',
  textDark: '#212b32',
  textMedium: '#4c6272',
  textLight: '#4c6272',
  textHeader: '#212b32',
  bgHeader: '#f0f4f5',
  bgHeaderHovered: '#e8edee',
  borderColor: '#d8dde0',
  fontFamily: "Arial, 'Helvetica Neue', system-ui, sans-serif",
  baseFontStyle: '14px',
  headerFontStyle: '600 14px',
  markerFontStyle: '12px',
};

const nullTheme: Partial<Theme> = { textDark: '#4c6272' };

const SAMPLE_ROWS = 200;
const ROW_HEIGHT = 34; // Glide's defaults
const HEADER_HEIGHT = 36;
const SCROLLBAR_ROOM = 16;
const MAX_HEIGHT = 448;

/** A width that fits the header and the first rows' text (measured in characters; cheap and good enough). */
function initialWidth(column: ResultColumn, vector: Vector | null, rows: number): number {
  let longest = column.name.length + 2;
  for (let row = 0; row < Math.min(rows, SAMPLE_ROWS); row += 1) {
    const value: unknown = vector?.get(row);
    const length = value === null || value === undefined ? 4 : formatValue(value, column.kind).length;
    if (length > longest) longest = length;
  }
  return Math.max(72, Math.min(360, Math.ceil(longest * 8.2) + 28));
}

export function ResultGrid(props: { table: Table; columns: ResultColumn[] }) {
  const { table, columns } = props;
  const vectors = useMemo(() => columns.map((_, i) => table.getChildAt<DataType>(i)), [table, columns]);
  const [widths, setWidths] = useState<Record<string, number>>({});

  const fitted = useMemo(() => columns.map((column, i) => initialWidth(column, vectors[i], table.numRows)), [columns, vectors, table]);
  const gridColumns = useMemo<GridColumn[]>(
    () =>
      columns.map((column, i) => ({
        id: `${i}:${column.name}`,
        title: column.name,
        width: widths[`${i}:${column.name}`] ?? fitted[i],
      })),
    [columns, widths, fitted],
  );

  const getCellContent = useCallback(
    ([col, row]: Item): GridCell => {
      const column = columns[col];
      const value: unknown = vectors[col]?.get(row);
      const right = isNumericKind(column.kind);
      if (value === null || value === undefined) {
        return {
          kind: GridCellKind.Text,
          data: '',
          displayData: 'NULL',
          allowOverlay: false,
          readonly: true,
          copyData: '',
          themeOverride: nullTheme,
          contentAlign: right ? 'right' : 'left',
        };
      }
      const text = formatValue(value, column.kind);
      return {
        kind: GridCellKind.Text,
        data: text,
        displayData: text,
        allowOverlay: false,
        readonly: true,
        copyData: copyText(value, column.kind),
        contentAlign: right ? 'right' : 'left',
      };
    },
    [columns, vectors],
  );

  // Small results get a short grid; from about a dozen rows on, a fixed height with virtual scrolling.
  const height = Math.min(MAX_HEIGHT, HEADER_HEIGHT + Math.max(table.numRows, 1) * ROW_HEIGHT + SCROLLBAR_ROOM);
  return (
    <div className="grid-box" data-testid="result-grid" data-rows={table.numRows} style={{ height }}>
      <DataEditor
        columns={gridColumns}
        rows={table.numRows}
        getCellContent={getCellContent}
        getCellsForSelection={true}
        rowMarkers="number"
        rowHeight={ROW_HEIGHT}
        headerHeight={HEADER_HEIGHT}
        smoothScrollX={true}
        smoothScrollY={true}
        width="100%"
        height="100%"
        theme={gridTheme}
        onColumnResize={(column, newSize) => {
          if (column.id) setWidths((current) => ({ ...current, [column.id as string]: newSize }));
        }}
      />
    </div>
  );
}
