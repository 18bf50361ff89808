// The result grid: Glide Data Grid over a kept result that stays in the engine. It reads the pages under the rows on
// screen (page-cache.ts), has the engine sort, filter and summarise, shows values by their DuckDB type, and lets at
// most the project's clipboard cell limit go to the clipboard. Nothing else moves rows out of the window: no drag,
// no export (files leave only through the airlock).
//
// Props, agreed with the workspace screen:
//   <ResultGrid engine={engine} result={runResult} clipboardCellLimit={project.clipboardCellLimit}
//               view={viewKeptWithTheTab} onViewChange={keepItWithTheTab} fill />
// The grid never releases the result: whoever holds it (the tab) does, when the tab's result is replaced or closed.
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import {
  CompactSelection,
  DataEditor,
  GridCellKind,
  type DataEditorRef,
  type GridCell,
  type GridColumn,
  type GridSelection,
  type Item,
  type Theme,
} from '@glideapps/glide-data-grid';
import type { LocalEngine, RunResult } from '../../../src/common/local-engine.ts';
import { formatCount, formatRows } from '../shell/format.ts';
import { ErrorMessage } from '../shell/Messages.tsx';
import { CellViewer } from './CellViewer.tsx';
import { ColumnMenu } from './ColumnMenu.tsx';
import { isRightAligned, resultColumnsOf, type ResultColumn } from './column-kind.ts';
import { GridViewBar } from './GridViewBar.tsx';
import { createPageCache, EMPTY_VIEW, NOT_LOADED, type GridView, type PageCache } from './page-cache.ts';
import { decodePage, type ResultPage } from './result-page.ts';
import { cellText, copyText, floatPlaces, formatValue, isNullValue } from './result-values.ts';
import { useGridCopy } from './use-grid-copy.ts';
import './grid-chart.css';

export interface ResultGridProps {
  /** The project's local engine: the core's native DuckDB ('disk') or DuckDB-wasm in this window ('memory'). */
  engine: LocalEngine;
  /** What the run gave. A statement without rows (resultId null) shows its message instead of a grid. */
  result: RunResult;
  /** The project's limit on cells per copy (ProjectSchema.clipboardCellLimit; 100 unless the project says). */
  clipboardCellLimit: number;
  /** The sort and filters to start from (kept with the tab for the session); every change is reported. */
  view?: GridView;
  onViewChange?: (view: GridView) => void;
  /** Fill the pane's height (the IDE layout); otherwise the grid is as tall as its rows, up to 448 px. */
  fill?: boolean;
}

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
/** NULL: muted and italic, so it never reads as the text "NULL" (contrast 6:1 on white). */
const nullTheme: Partial<Theme> = { textDark: '#4c6272', baseFontStyle: 'italic 14px' };
const activeHeaderTheme: Partial<Theme> = { bgHeader: '#dbe8f5', bgHeaderHovered: '#c8dcf0' };

const ROW_HEIGHT = 34; // Glide's defaults
const HEADER_HEIGHT = 36;
const SCROLLBAR_ROOM = 16;
const MAX_HEIGHT = 448;
const EMPTY_SELECTION: GridSelection = { columns: CompactSelection.empty(), rows: CompactSelection.empty() };

/** A width that fits the header and the first rows' text (measured in characters; cheap and good enough). */
function fittedWidth(column: ResultColumn, values: unknown[], places: number | undefined): number {
  let longest = column.name.length + 3;
  for (const value of values) {
    const length = isNullValue(value) ? 4 : cellText(formatValue(value, column.kind, { places })).text.length;
    if (length > longest) longest = length;
  }
  return Math.max(72, Math.min(360, Math.ceil(longest * 8.2) + 28));
}

function headerTitle(column: ResultColumn, view: GridView): string {
  const at = view.sort.findIndex((k) => k.column === column.name);
  const arrow = at < 0 ? '' : `${view.sort[at].descending ? ' ↓' : ' ↑'}${view.sort.length > 1 ? at + 1 : ''}`;
  const filtered = view.filters.some((f) => f.column === column.name) ? ' (filtered)' : '';
  return `${column.name}${arrow}${filtered}`;
}

/** A menu anchored under a point, kept inside the window (the menu moves itself up if it is too tall to fit). */
function anchorAt(left: number, top: number): { left: number; top: number } {
  return { left: Math.max(8, Math.min(left, window.innerWidth - 400)), top: Math.max(8, Math.min(top, window.innerHeight - 120)) };
}

export function ResultGrid(props: ResultGridProps) {
  const { engine, result, clipboardCellLimit } = props;
  const resultId = result.resultId;
  const columns = useMemo(() => resultColumnsOf(result.columns), [result.columns]);
  const [view, setView] = useState<GridView>(props.view ?? EMPTY_VIEW);
  const viewRef = useRef(view);
  const [cache, setCache] = useState<PageCache | null>(null);
  const [total, setTotal] = useState<number | null>(view.filters.length === 0 ? result.rowCount : null);
  const [lastTotal, setLastTotal] = useState(result.rowCount);
  const [version, setVersion] = useState(0);
  const [failure, setFailure] = useState<string | null>(null);
  const [fitted, setFitted] = useState<number[] | null>(null);
  const [widths, setWidths] = useState<Record<string, number>>({});
  const [selection, setSelection] = useState<GridSelection>(EMPTY_SELECTION);
  const [toolColumn, setToolColumn] = useState(0);
  const [menu, setMenu] = useState<{ column: number; anchor: { left: number; top: number }; returnTo: HTMLElement | null } | null>(null);
  const [viewer, setViewer] = useState<{ row: number; column: number } | null>(null);
  const places = useRef(new Map<number, number>());
  const grid = useRef<DataEditorRef>(null);
  const box = useRef<HTMLDivElement>(null);
  const hintId = useId();
  const rows = total ?? lastTotal;

  useEffect(() => {
    if (resultId === null) return;
    const onPage = (page: ResultPage): void => {
      // The first page fixes each float column's decimal places (so points line up) and the columns' widths.
      columns.forEach((column, index) => {
        if (column.kind.kind === 'float' && !places.current.has(index)) places.current.set(index, floatPlaces(page.sample(index, 500)));
      });
      setFitted(
        (current) => current ?? columns.map((column, index) => fittedWidth(column, page.sample(index, 200), places.current.get(index))),
      );
      setVersion((v) => v + 1);
    };
    const created = createPageCache({
      read: async ({ offset, limit, view: asked, signal }) =>
        decodePage(await engine.page({ resultId, offset, limit, sort: [...asked.sort], filters: [...asked.filters], signal })),
      view: viewRef.current,
      total: viewRef.current.filters.length === 0 ? result.rowCount : null,
      onEvent(event) {
        if (event.kind === 'loaded') onPage(event.page);
        else if (event.kind === 'total') {
          setTotal(event.total);
          setLastTotal(event.total);
        } else setFailure(event.message);
      },
    });
    setCache(created);
    created.show(0, 40);
    return () => created.close();
  }, [engine, resultId, result.rowCount, columns]);

  const changeView = useCallback(
    (next: GridView): void => {
      viewRef.current = next;
      setView(next);
      setFailure(null);
      setSelection(EMPTY_SELECTION);
      cache?.setView(next);
      setTotal(cache ? cache.total() : null);
      grid.current?.scrollTo(0, 0);
      props.onViewChange?.(next);
    },
    [cache, props.onViewChange],
  );

  const gridColumns = useMemo<GridColumn[]>(
    () =>
      columns.map((column, index) => {
        const id = `${index}:${column.name}`;
        const active = view.sort.some((k) => k.column === column.name) || view.filters.some((f) => f.column === column.name);
        return {
          id,
          title: headerTitle(column, view),
          width: widths[id] ?? fitted?.[index] ?? Math.max(96, Math.min(360, column.name.length * 8.2 + 40)),
          hasMenu: true,
          themeOverride: active ? activeHeaderTheme : undefined,
        };
      }),
    [columns, view, widths, fitted],
  );

  const getCellContent = useCallback(
    ([col, row]: Item): GridCell => {
      const column = columns[col];
      const value = cache ? cache.value(row, col) : NOT_LOADED;
      if (value === NOT_LOADED) return { kind: GridCellKind.Loading, allowOverlay: false };
      const contentAlign = isRightAligned(column.kind) ? 'right' : 'left';
      if (isNullValue(value)) {
        return {
          kind: GridCellKind.Text,
          data: '',
          displayData: 'NULL',
          allowOverlay: false,
          readonly: true,
          themeOverride: nullTheme,
          contentAlign,
        };
      }
      const shown = cellText(formatValue(value, column.kind, { places: places.current.get(col) })).text;
      return { kind: GridCellKind.Text, data: shown, displayData: shown, allowOverlay: false, readonly: true, contentAlign };
    },
    // The page cache changes inside: `version` (a bump per page that arrives) makes a new callback, and Glide redraws.
    [columns, cache, version],
  );

  const copy = useGridCopy({ cache, columns, selection, totalRows: rows, limit: clipboardCellLimit });

  const openMenu = (column: number, anchor: { left: number; top: number }): void => {
    setMenu({
      column,
      anchor: anchorAt(anchor.left, anchor.top),
      returnTo: document.activeElement instanceof HTMLElement ? document.activeElement : null,
    });
  };
  // Focus goes back where it was once the dialog has left the page (removing an open modal dialog drops focus).
  const refocus = (target: { focus: () => void } | null | undefined): void => {
    requestAnimationFrame(() => target?.focus());
  };
  const closeMenu = (): void => {
    refocus(menu?.returnTo);
    setMenu(null);
  };

  if (resultId === null) {
    return (
      <p className="hint" data-testid="result-message">
        {result.message}
      </p>
    );
  }
  if (columns.length === 0) return <p data-testid="result-message">The statement returned no columns.</p>;

  const height = props.fill ? undefined : Math.min(MAX_HEIGHT, HEADER_HEIGHT + Math.max(rows, 1) * ROW_HEIGHT + SCROLLBAR_ROOM);
  const viewerValue = viewer && cache ? cache.value(viewer.row, viewer.column) : NOT_LOADED;

  return (
    <div className={`result-grid${props.fill ? ' fill' : ''}`} data-testid="result-grid" data-rows={rows} data-total-rows={result.rowCount}>
      <GridViewBar
        columns={columns}
        view={view}
        rows={total}
        resultRows={result.rowCount}
        toolColumn={toolColumn}
        onToolColumn={setToolColumn}
        onOpenMenu={(anchor) => openMenu(toolColumn, anchor)}
        onView={changeView}
      />
      <div
        ref={box}
        className="result-grid-box"
        // Read by the CSS: a short result's box is as tall as its rows (grid-chart.css).
        data-rows={rows}
        role="region"
        aria-label={`Result grid, ${formatRows(rows)}, ${formatCount(columns.length)} ${columns.length === 1 ? 'column' : 'columns'}`}
        aria-describedby={hintId}
        style={height === undefined ? undefined : { height }}
        onCopy={copy.onCopy}
        onCut={copy.onCopy}
        onDragStart={(event) => event.preventDefault()}
      >
        <DataEditor
          ref={grid}
          columns={gridColumns}
          rows={rows}
          getCellContent={getCellContent}
          rowMarkers="number"
          rowHeight={ROW_HEIGHT}
          headerHeight={HEADER_HEIGHT}
          smoothScrollX={true}
          smoothScrollY={true}
          width="100%"
          height="100%"
          theme={gridTheme}
          rangeSelect="rect"
          gridSelection={selection}
          onGridSelectionChange={(next) => {
            setSelection(next);
            const col = next.current?.cell[0] ?? next.columns.first();
            if (col !== undefined) setToolColumn(col);
          }}
          // Glide's copy would take any selection whole; ours (onCopy above) keeps to the limit.
          keybindings={{ copy: false, cut: false, paste: false, search: false }}
          onVisibleRegionChanged={(range) => cache?.show(range.y, range.y + range.height)}
          onHeaderMenuClick={(col, bounds) => openMenu(col, { left: bounds.x, top: bounds.y + bounds.height })}
          onHeaderContextMenu={(col, event) => {
            event.preventDefault();
            openMenu(col, { left: event.bounds.x, top: event.bounds.y + event.bounds.height });
          }}
          // Enter or a double click shows the whole value; a second click on a selected cell only selects.
          cellActivationBehavior="double-click"
          onCellActivated={([col, row]) => setViewer({ row, column: col })}
          onKeyDown={(event) => {
            const cell = event.location ?? selection.current?.cell;
            if (cell && (event.key === 'ContextMenu' || (event.shiftKey && event.key === 'F10'))) {
              event.preventDefault();
              const rect = box.current?.getBoundingClientRect();
              openMenu(cell[0], {
                left: event.bounds?.x ?? rect?.left ?? 0,
                top: (event.bounds ? event.bounds.y + event.bounds.height : rect?.top) ?? 0,
              });
            }
          }}
          onColumnResize={(column, newSize) => {
            if (column.id) setWidths((current) => ({ ...current, [column.id as string]: newSize }));
          }}
        />
      </div>
      {/* One line under the grid at 1366x768: every row of height is a row of the result. */}
      <p className="hint grid-hint" id={hintId}>
        <kbd>Enter</kbd> whole value; <kbd>Shift</kbd>+<kbd>F10</kbd> sort, filter, summary; <kbd>Ctrl</kbd>+<kbd>C</kbd>{' '}
        {clipboardCellLimit === 0
          ? 'copy: not allowed in this project'
          : `copy (up to ${formatCount(clipboardCellLimit)} ${clipboardCellLimit === 1 ? 'cell' : 'cells'})`}
        .
      </p>
      <div role="status" aria-live="polite" data-testid="grid-notice">
        {copy.notice ? (
          <div className={`copy-notice ${copy.notice.kind}`} data-testid="copy-notice">
            <span>{copy.notice.text}</span>
            <button type="button" className="link-button" onClick={() => copy.showNotice(null)}>
              Dismiss
            </button>
          </div>
        ) : null}
      </div>
      <ErrorMessage testId="grid-error" title="The rows could not be read" text={failure}>
        <button type="button" className="button secondary" onClick={() => cache?.retry()}>
          Try again
        </button>
      </ErrorMessage>
      {menu ? (
        <ColumnMenu
          column={columns[menu.column]}
          view={view}
          anchor={menu.anchor}
          onView={changeView}
          onClose={closeMenu}
          summarise={({ column, filters, signal }) => engine.summarise({ resultId, column, filters, signal })}
        />
      ) : null}
      {viewer && viewerValue !== NOT_LOADED ? (
        <CellViewer
          column={columns[viewer.column]}
          rowNumber={viewer.row + 1}
          text={isNullValue(viewerValue) ? null : copyText(viewerValue, columns[viewer.column].kind)}
          clipboardCellLimit={clipboardCellLimit}
          onCopyRefused={(text) => copy.showNotice({ kind: 'notice', text })}
          onClose={() => {
            setViewer(null);
            refocus(grid.current);
          }}
        />
      ) : null}
    </div>
  );
}
