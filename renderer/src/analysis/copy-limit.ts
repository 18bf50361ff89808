// Copying from the grid: at most the project's clipboard cell limit goes to the clipboard (SATRE 3.1.12, preventing
// unauthorised egress: the window may show rows, but copy and paste must not carry a result out of the secure
// environment). More selected → the first whole rows that fit, and a notice that says how many and why.
import type { GridSelection } from '@glideapps/glide-data-grid';
import { MAX_PAGE_ROWS } from '../../../src/common/local-engine.ts';
import { formatCount } from '../shell/format.ts';
import type { ColumnKind } from './column-kind.ts';
import { NOT_LOADED } from './page-cache.ts';
import { copyText } from './result-values.ts';

/** What is selected, in the grid's data coordinates (no row-marker column). */
export interface CellSelection {
  /** The selected rows in order; may be long (a whole column of 10M rows): read lazily, never spread. */
  rows: Iterable<number>;
  rowCount: number;
  columns: readonly number[];
}

export interface CopyPlan {
  rows: number[];
  columns: number[];
  /** Cells that go to the clipboard. */
  copied: number;
  selected: number;
  /** Set when fewer cells go than were selected (or none may go at all). */
  notice: string | null;
}

function* span(from: number, to: number): Generator<number> {
  for (let i = from; i < to; i += 1) yield i;
}

/** What Glide says is selected (a range, whole rows, or whole columns) as rows × columns, without listing every row. */
export function cellSelectionOf(selection: GridSelection, size: { columns: number; rows: number }): CellSelection {
  const range = selection.current?.range;
  if (range) {
    return { rows: span(range.y, range.y + range.height), rowCount: range.height, columns: [...span(range.x, range.x + range.width)] };
  }
  if (selection.rows.length > 0) return { rows: selection.rows, rowCount: selection.rows.length, columns: [...span(0, size.columns)] };
  if (selection.columns.length > 0) return { rows: span(0, size.rows), rowCount: size.rows, columns: selection.columns.toArray() };
  return { rows: [], rowCount: 0, columns: [] };
}

function firstRows(rows: Iterable<number>, count: number): number[] {
  const taken: number[] = [];
  if (count <= 0) return taken;
  for (const row of rows) {
    taken.push(row);
    if (taken.length >= count) break;
  }
  return taken;
}

const cells = (n: number): string => `${formatCount(n)} ${n === 1 ? 'cell' : 'cells'}`;

/** What a copy cut short says, wherever it was cut (the grid, or the page: ../shell/egress-guard.ts). */
export function cutCopyNotice(cut: { copied: number; selected: number; which: string; limit: number }): string {
  return `Copied ${cells(cut.copied)} of ${formatCount(cut.selected)} selected (${cut.which}). This project allows at most ${cells(cut.limit)} per copy, to keep row-level data inside the secure environment.`;
}

/** Which part went when whole rows fit: "the first row", "the first 33 rows". */
export function firstRowsWords(rows: number): string {
  return rows === 1 ? 'the first row' : `the first ${formatCount(rows)} rows`;
}

/** Which part went when not even one row fits. */
export function firstCellsWords(columns: number): string {
  return `the first ${formatCount(columns)} columns of the first row`;
}

export function planCopy(selection: CellSelection, limit: number): CopyPlan {
  const width = selection.columns.length;
  const selected = selection.rowCount * width;
  if (selected === 0) return { rows: [], columns: [], copied: 0, selected: 0, notice: null };
  if (limit <= 0) {
    return { rows: [], columns: [], copied: 0, selected, notice: 'This project does not allow copying from the grid: nothing was copied.' };
  }
  if (selected <= limit) {
    return {
      rows: firstRows(selection.rows, selection.rowCount),
      columns: [...selection.columns],
      copied: selected,
      selected,
      notice: null,
    };
  }
  if (width <= limit) {
    // Whole rows, so what is pasted keeps its shape.
    const rows = firstRows(selection.rows, Math.floor(limit / width));
    const copied = rows.length * width;
    return {
      rows,
      columns: [...selection.columns],
      copied,
      selected,
      notice: cutCopyNotice({ copied, selected, which: firstRowsWords(rows.length), limit }),
    };
  }
  const rows = firstRows(selection.rows, 1);
  return {
    rows,
    columns: selection.columns.slice(0, limit),
    copied: limit,
    selected,
    notice: cutCopyNotice({ copied: limit, selected, which: firstCellsWords(limit), limit }),
  };
}

/** Tab-separated text, quoted as spreadsheets expect where a value holds a tab, a line break or a quote. */
export function toClipboardText(rows: readonly (readonly string[])[]): string {
  const quote = (text: string): string => (/[\t\r\n"]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  return rows.map((row) => row.map(quote).join('\t')).join('\n');
}

export type CopyOutcome =
  /** Nothing selected in the grid: the copy event is left alone. */
  | { kind: 'nothing' }
  /** Nothing may go (a limit of 0). */
  | { kind: 'refused'; notice: string }
  /** Some of the cells to copy are not in the window yet: read these rows, then copy again. */
  | { kind: 'missing'; plan: CopyPlan; rows: number[] }
  | { kind: 'copied'; plan: CopyPlan; text: string; notice: string };

/** What one Ctrl+C does: plans within the limit, then takes the exact text of each cell (copyText). */
export function copyOutcome(request: {
  selection: CellSelection;
  limit: number;
  kinds: readonly ColumnKind[];
  /** A cell's value, or NOT_LOADED. */
  cellAt: (row: number, column: number) => unknown;
}): CopyOutcome {
  const plan = planCopy(request.selection, request.limit);
  if (plan.selected === 0) return { kind: 'nothing' };
  if (plan.copied === 0) return { kind: 'refused', notice: plan.notice ?? 'Nothing was copied.' };
  const missing = plan.rows.filter((row) => plan.columns.some((column) => request.cellAt(row, column) === NOT_LOADED));
  if (missing.length > 0) return { kind: 'missing', plan, rows: missing };
  const text = toClipboardText(
    plan.rows.map((row) => plan.columns.map((column) => copyText(request.cellAt(row, column), request.kinds[column]))),
  );
  return { kind: 'copied', plan, text, notice: plan.notice ?? `Copied ${cells(plan.copied)}.` };
}

/** Consecutive runs of row numbers, each at most one page long. */
export function rowRuns(rows: readonly number[]): { first: number; count: number }[] {
  const runs: { first: number; count: number }[] = [];
  for (const row of [...rows].sort((a, b) => a - b)) {
    const last = runs.at(-1);
    if (last && row === last.first + last.count && last.count < MAX_PAGE_ROWS) last.count += 1;
    else if (!last || row >= last.first + last.count) runs.push({ first: row, count: 1 });
  }
  return runs;
}
