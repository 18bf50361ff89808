// One column's sort, filters and summary, in a dialog opened from its header (mouse), from the grid with the
// context-menu key or Shift+F10 on a cell, or from the grid's toolbar (keyboard). Everything here asks the engine:
// the grid re-reads its pages in the new view, and the summary comes from engine.summarise.
import { useId, useLayoutEffect, useRef, useState, type FormEvent } from 'react';
import type { ColumnSummary, Filter } from '../../../src/common/local-engine.ts';
import { formatCount } from '../shell/format.ts';
import { messageOf } from '../shell/message-of.ts';
import type { ResultColumn } from './column-kind.ts';
import {
  describeFilter,
  needsValue,
  operatorLabel,
  operatorsFor,
  parseFilter,
  sortDirectionOf,
  valueInput,
  withFilter,
  withoutFilter,
  withSort,
  type FilterOp,
  type SortDirection,
} from './grid-view.ts';
import type { GridView } from './page-cache.ts';
import { formatValue } from './result-values.ts';
import { usePopoverDialog } from './use-popover-dialog.ts';

export interface ColumnMenuProps {
  column: ResultColumn;
  view: GridView;
  /** Where to open (viewport pixels: under the header or the button that opened it). */
  anchor: { left: number; top: number };
  onView: (view: GridView) => void;
  onClose: () => void;
  summarise: (request: { column: string; filters: Filter[]; signal: AbortSignal }) => Promise<ColumnSummary>;
}

const SORT_CHOICES: { direction: SortDirection; label: string }[] = [
  { direction: 'ascending', label: 'Ascending' },
  { direction: 'descending', label: 'Descending' },
  { direction: 'none', label: 'Not sorted' },
];

/** A summary's min and max are the engine's text in the column's type: shown the way the grid shows the type. */
function summaryValue(text: string | null, column: ResultColumn): string {
  if (text === null) return 'NULL';
  const kind = column.kind.kind;
  return kind === 'integer' || kind === 'decimal' ? formatValue(text, column.kind) : text;
}

export function ColumnMenu(props: ColumnMenuProps) {
  const { column, view } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const ids = { heading: useId(), op: useId(), value: useId(), hint: useId(), keep: useId() };
  const ops = operatorsFor(column.kind);
  const [op, setOp] = useState<FilterOp>(ops[0]);
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [keepOthers, setKeepOthers] = useState(false);
  const [summary, setSummary] = useState<
    { state: 'idle' } | { state: 'loading' } | { state: 'done'; value: ColumnSummary } | { state: 'failed'; message: string }
  >({
    state: 'idle',
  });
  const summaryAbort = useRef<AbortController | null>(null);
  const direction = sortDirectionOf(view, column.name);
  const otherSorts = view.sort.some((k) => k.column !== column.name);
  const input = valueInput(column.kind);
  const filters = view.filters.map((filter, index) => ({ filter, index })).filter(({ filter }) => filter.column === column.name);

  // Opened under its header, and moved up whenever it grows past the bottom of the window (a summary appears).
  const [top, setTop] = useState(props.anchor.top);
  useLayoutEffect(() => {
    const element = dialog.current;
    if (!element) return;
    const place = (): void => {
      const height = element.getBoundingClientRect().height;
      setTop(Math.max(8, Math.min(props.anchor.top, window.innerHeight - height - 8)));
    };
    place();
    const observer = new ResizeObserver(place);
    observer.observe(element);
    return () => {
      observer.disconnect();
      summaryAbort.current?.abort();
    };
  }, [props.anchor.top]);

  usePopoverDialog(dialog, props.onClose);

  const sortBy = (next: SortDirection): void => {
    const changed = withSort(view, { column: column.name, direction: next, keepOthers });
    if ('message' in changed) setProblem(changed.message);
    else {
      setProblem(null);
      props.onView(changed.view);
    }
  };

  const addFilter = (event: FormEvent): void => {
    event.preventDefault();
    const parsed = parseFilter({ column, op, text });
    if (!parsed.ok) return setProblem(parsed.message);
    const changed = withFilter(view, parsed.filter);
    if ('message' in changed) return setProblem(changed.message);
    setProblem(null);
    setText('');
    props.onView(changed.view);
  };

  const summarise = (): void => {
    summaryAbort.current?.abort();
    const controller = new AbortController();
    summaryAbort.current = controller;
    setSummary({ state: 'loading' });
    props.summarise({ column: column.name, filters: [...view.filters], signal: controller.signal }).then(
      (value) => {
        if (!controller.signal.aborted) setSummary({ state: 'done', value });
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setSummary({ state: 'failed', message: messageOf(err, 'The summary could not be made.') });
      },
    );
  };

  return (
    <dialog
      ref={dialog}
      className="column-menu"
      aria-labelledby={ids.heading}
      data-testid="column-menu"
      style={{ left: props.anchor.left, top }}
      aria-modal="false"
    >
      <div className="column-menu-head">
        <h3 id={ids.heading}>
          {column.name} <span className="column-type">{column.type}</span>
        </h3>
        <button type="button" className="small-button" data-testid="column-menu-close" onClick={props.onClose}>
          Close
        </button>
      </div>

      <fieldset className="column-menu-part">
        <legend>Sort</legend>
        <div className="segmented" role="group" aria-label={`Sort by ${column.name}`}>
          {SORT_CHOICES.map((choice) => (
            <button
              key={choice.direction}
              type="button"
              className="small-button"
              aria-pressed={direction === choice.direction}
              data-testid={`sort-${choice.direction}`}
              onClick={() => sortBy(choice.direction)}
            >
              {choice.label}
            </button>
          ))}
        </div>
        {otherSorts ? (
          <label className="check" htmlFor={ids.keep}>
            <input id={ids.keep} type="checkbox" checked={keepOthers} onChange={(e) => setKeepOthers(e.target.checked)} />
            Keep the other sorted columns (sort by this one after them)
          </label>
        ) : null}
      </fieldset>

      <form className="column-menu-part" onSubmit={addFilter} data-testid="filter-form">
        <fieldset>
          <legend>Filter</legend>
          {filters.length > 0 ? (
            <ul className="active-filters">
              {filters.map(({ filter, index }) => (
                <li key={index}>
                  {describeFilter(filter, column.kind)}{' '}
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => props.onView(withoutFilter(view, index))}
                    aria-label={`Remove filter: ${describeFilter(filter, column.kind)}`}
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
          <div className="filter-row">
            <div className="field">
              <label htmlFor={ids.op}>Rows where {column.name}</label>
              <select id={ids.op} value={op} data-testid="filter-op" onChange={(e) => setOp(e.target.value as FilterOp)}>
                {ops.map((o) => (
                  <option key={o} value={o}>
                    {operatorLabel(o, column.kind)}
                  </option>
                ))}
              </select>
            </div>
            {needsValue(op) ? (
              <div className="field">
                <label htmlFor={ids.value}>Value</label>
                <input
                  id={ids.value}
                  type={input.type}
                  value={text}
                  data-testid="filter-value"
                  aria-describedby={ids.hint}
                  aria-invalid={problem !== null}
                  onChange={(e) => setText(e.target.value)}
                />
                <span className="hint" id={ids.hint}>
                  {input.hint}
                </span>
              </div>
            ) : null}
            <button type="submit" className="button" data-testid="filter-add">
              Add filter
            </button>
          </div>
          <div role="alert" className="field-problem" data-testid="column-menu-problem">
            {problem}
          </div>
        </fieldset>
      </form>

      <section className="column-menu-part" aria-label={`Summary of ${column.name}`}>
        <div className="summary-head">
          <h4>Summary</h4>
          <button
            type="button"
            className="small-button"
            data-testid="column-summary"
            // Not disabled while it works: a disabled button drops the keyboard's focus out of the dialog.
            onClick={() => {
              if (summary.state !== 'loading') summarise();
            }}
            aria-disabled={summary.state === 'loading'}
          >
            {summary.state === 'done' ? 'Summarise again' : 'Summarise'}
          </button>
        </div>
        <div role="status" data-testid="column-summary-result">
          {summary.state === 'loading' ? <p className="hint">Summarising in the engine…</p> : null}
          {summary.state === 'failed' ? <p className="field-problem">{summary.message}</p> : null}
          {summary.state === 'done' ? (
            <>
              <p className="hint">
                Of {formatCount(summary.value.rows)} {summary.value.rows === 1 ? 'row' : 'rows'}
                {view.filters.length > 0 ? ' that pass the filters' : ''}:
              </p>
              <dl className="summary">
                <dt>Minimum</dt>
                <dd>{summaryValue(summary.value.min, column)}</dd>
                <dt>Maximum</dt>
                <dd>{summaryValue(summary.value.max, column)}</dd>
                <dt>Distinct values</dt>
                <dd>{formatCount(summary.value.distinct)}</dd>
                <dt>NULLs</dt>
                <dd>{formatCount(summary.value.nulls)}</dd>
              </dl>
            </>
          ) : null}
        </div>
      </section>
    </dialog>
  );
}
