// Above the grid: the keyboard way into a column's sort, filters and summary, and what is in effect now (each sort
// and filter removable on its own, or all at once), with how many rows pass.
import { useId, useRef } from 'react';
import { formatCount } from '../shell/format.ts';
import type { ResultColumn } from './column-kind.ts';
import { describeFilter, describeSort, withoutFilter } from './grid-view.ts';
import { EMPTY_VIEW, type GridView } from './page-cache.ts';

export interface GridViewBarProps {
  columns: readonly ResultColumn[];
  view: GridView;
  /** Rows that pass the filters; null while the engine counts them. */
  rows: number | null;
  resultRows: number;
  toolColumn: number;
  onToolColumn: (column: number) => void;
  onOpenMenu: (anchor: { left: number; top: number }) => void;
  onView: (view: GridView) => void;
}

function status(props: GridViewBarProps): string {
  if (props.view.filters.length === 0) return `${formatCount(props.resultRows)} ${props.resultRows === 1 ? 'row' : 'rows'}`;
  if (props.rows === null) return 'Counting the rows that pass the filters…';
  return `${formatCount(props.rows)} of ${formatCount(props.resultRows)} rows`;
}

export function GridViewBar(props: GridViewBarProps) {
  const { columns, view } = props;
  const ids = { column: useId() };
  const button = useRef<HTMLButtonElement>(null);
  const kindOf = (name: string): ResultColumn['kind'] | undefined => columns.find((c) => c.name === name)?.kind;
  const active = view.sort.length > 0 || view.filters.length > 0;

  return (
    <div className="grid-bar">
      <label htmlFor={ids.column}>Column</label>
      <select
        id={ids.column}
        value={props.toolColumn}
        data-testid="grid-column"
        onChange={(e) => props.onToolColumn(Number(e.target.value))}
      >
        {columns.map((column, index) => (
          <option key={`${index}:${column.name}`} value={index}>
            {column.name} ({column.type})
          </option>
        ))}
      </select>
      <button
        ref={button}
        type="button"
        className="small-button"
        data-testid="grid-column-menu"
        aria-haspopup="dialog"
        onClick={() => {
          const rect = button.current?.getBoundingClientRect();
          props.onOpenMenu({ left: rect?.left ?? 0, top: rect ? rect.bottom + 4 : 0 });
        }}
      >
        Sort, filter, summary…
      </button>
      <span className="grid-status" role="status" data-testid="grid-status">
        {status(props)}
      </span>
      {active ? (
        <ul className="grid-view" aria-label="Sort and filters in effect" data-testid="grid-view">
          {view.sort.length > 0 ? (
            <li className="view-chip">
              <span>Sorted by {describeSort(view.sort)}</span>
              <button
                type="button"
                className="chip-remove"
                aria-label={`Stop sorting by ${describeSort(view.sort)}`}
                onClick={() => props.onView({ ...view, sort: [] })}
              >
                ✕
              </button>
            </li>
          ) : null}
          {view.filters.map((filter, index) => (
            <li className="view-chip filter" key={`${index}:${filter.column}:${filter.op}`}>
              <span>{describeFilter(filter, kindOf(filter.column))}</span>
              <button
                type="button"
                className="chip-remove"
                aria-label={`Remove filter: ${describeFilter(filter, kindOf(filter.column))}`}
                onClick={() => props.onView(withoutFilter(view, index))}
              >
                ✕
              </button>
            </li>
          ))}
          <li>
            <button type="button" className="link-button" data-testid="grid-clear-view" onClick={() => props.onView(EMPTY_VIEW)}>
              Clear all
            </button>
          </li>
        </ul>
      ) : null}
    </div>
  );
}
