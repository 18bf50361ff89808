// Sorting and filtering the grid, as values: which operators a column's type offers, reading what the analyst typed
// into a typed filter value (or saying plainly why not), and the words that show what is active. The engine does
// the sorting and filtering itself (PageRequest.sort / .filters); nothing here touches rows.
import type { Filter, SortKey } from '../../../src/common/local-engine.ts';
import { isNumericKind, isTemporalKind, type ColumnKind, type ResultColumn } from './column-kind.ts';
import type { GridView } from './page-cache.ts';
import { groupDigits } from './result-values.ts';

export type FilterOp = Filter['op'];
export type SortDirection = 'ascending' | 'descending' | 'none';

/** The seam's limits (PageRequestSchema). */
export const MAX_SORT_KEYS = 8;
export const MAX_FILTERS = 16;
export const MAX_FILTER_TEXT = 1_000;

const NULL_OPS: FilterOp[] = ['is_null', 'is_not_null'];
const ORDER_OPS: FilterOp[] = ['=', '<>', '<', '<=', '>', '>='];

export function operatorsFor(kind: ColumnKind): FilterOp[] {
  if (isNumericKind(kind) || isTemporalKind(kind) || kind.kind === 'time' || kind.kind === 'interval') return [...ORDER_OPS, ...NULL_OPS];
  if (kind.kind === 'string') return ['=', '<>', 'contains', '<', '<=', '>', '>=', ...NULL_OPS];
  if (kind.kind === 'uuid' || kind.kind === 'boolean') return ['=', '<>', ...NULL_OPS];
  // A BLOB's content never reaches the window, and nested values have no one order to compare by.
  return NULL_OPS;
}

export function needsValue(op: FilterOp): boolean {
  return op !== 'is_null' && op !== 'is_not_null';
}

/** The operator in words, for the column's kind ("before" reads better than "<" for a date). */
export function operatorLabel(op: FilterOp, kind: ColumnKind): string {
  const temporal = isTemporalKind(kind);
  switch (op) {
    case '=':
      return 'is';
    case '<>':
      return 'is not';
    case '<':
      return temporal ? 'is before' : 'is less than';
    case '<=':
      return temporal ? 'is on or before' : 'is at most';
    case '>':
      return temporal ? 'is after' : 'is more than';
    case '>=':
      return temporal ? 'is on or after' : 'is at least';
    case 'contains':
      return 'contains';
    case 'is_null':
      return 'is NULL';
    case 'is_not_null':
      return 'is not NULL';
  }
}

/** What the value box asks for, by kind: its input type and a hint. */
export function valueInput(kind: ColumnKind): { type: 'text' | 'date'; hint: string } {
  switch (kind.kind) {
    case 'integer':
      return { type: 'text', hint: 'A whole number, e.g. 1,200' };
    case 'decimal':
      return { type: 'text', hint: `A number, e.g. 12.5${kind.scale > 0 ? ` (up to ${kind.scale} decimal places)` : ''}` };
    case 'float':
      return { type: 'text', hint: 'A number, e.g. 0.25 or 1e-6' };
    case 'date':
      return { type: 'date', hint: 'A date, YYYY-MM-DD' };
    case 'timestamp':
      return { type: 'text', hint: 'A date and time, YYYY-MM-DD HH:MM[:SS]' };
    case 'boolean':
      return { type: 'text', hint: 'true or false' };
    default:
      return { type: 'text', hint: 'Text, compared as typed' };
  }
}

export type ParsedFilter = { ok: true; filter: Filter } | { ok: false; message: string };

const isValidDate = (year: number, month: number, day: number): boolean => {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
};

/** The value as the column's type wants it: numbers as numbers while exact, big and decimal numbers as exact text. */
function typedValue(kind: ColumnKind, raw: string): { value: string | number | boolean } | { message: string } {
  const text = raw.trim();
  switch (kind.kind) {
    case 'integer': {
      const digits = text.replace(/[,_\s]/g, '');
      if (!/^[-+]?\d+$/.test(digits)) return { message: 'Enter a whole number, such as 42 or -1,200.' };
      const n = Number(digits);
      return { value: Number.isSafeInteger(n) ? n : digits.replace(/^\+/, '') };
    }
    case 'decimal': {
      const digits = text.replace(/[,_\s]/g, '');
      if (!/^[-+]?(\d+\.?\d*|\.\d+)$/.test(digits)) return { message: 'Enter a number, such as 12.5 or -0.75.' };
      return { value: digits.replace(/^\+/, '') };
    }
    case 'float': {
      const n = Number(text.replace(/[,_\s]/g, ''));
      if (text.length === 0 || !Number.isFinite(n)) return { message: 'Enter a number, such as 0.25, -3 or 1e-6.' };
      return { value: n };
    }
    case 'date': {
      const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
      if (!match || !isValidDate(Number(match[1]), Number(match[2]), Number(match[3])))
        return { message: 'Enter a date as YYYY-MM-DD, such as 2021-03-31.' };
      return { value: text };
    }
    case 'timestamp': {
      const match = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,6})?)?)?$/.exec(text);
      const timeOk = match && (match[4] === undefined || (Number(match[4]) < 24 && Number(match[5]) < 60 && Number(match[6] ?? 0) < 60));
      if (!match || !timeOk || !isValidDate(Number(match[1]), Number(match[2]), Number(match[3])))
        return { message: 'Enter a date and time as YYYY-MM-DD HH:MM:SS, such as 2021-03-31 14:05:00.' };
      return { value: text.replace('T', ' ') };
    }
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower !== 'true' && lower !== 'false') return { message: 'Enter true or false.' };
      return { value: lower === 'true' };
    }
    default:
      if (raw.length > MAX_FILTER_TEXT)
        return { message: `Filter text can be at most ${groupDigits(String(MAX_FILTER_TEXT))} characters.` };
      // Text is compared as typed: spaces are part of a value.
      return { value: raw };
  }
}

/** Reads a filter the analyst wrote; a clear message instead when the value does not fit the column's type. */
export function parseFilter(request: { column: ResultColumn; op: FilterOp; text: string }): ParsedFilter {
  const { column, op, text } = request;
  if (!operatorsFor(column.kind).includes(op)) {
    return { ok: false, message: `A ${column.type} column cannot be filtered with “${op}”.` };
  }
  if (!needsValue(op)) return { ok: true, filter: { column: column.name, op } };
  if (op === 'contains' && text.length === 0) return { ok: false, message: 'Enter the text to look for.' };
  const typed = typedValue(column.kind, text);
  if ('message' in typed) return { ok: false, message: typed.message };
  return { ok: true, filter: { column: column.name, op, value: typed.value } };
}

export function sortDirectionOf(view: GridView, column: string): SortDirection {
  const key = view.sort.find((k) => k.column === column);
  return key === undefined ? 'none' : key.descending ? 'descending' : 'ascending';
}

/**
 * Sorts by a column: alone (the usual click), or kept with the current keys as a further one ("then by").
 * `none` removes the column from the sort. Past MAX_SORT_KEYS, a message and the view unchanged.
 */
export function withSort(
  view: GridView,
  change: { column: string; direction: SortDirection; keepOthers: boolean },
): { view: GridView } | { message: string } {
  const others = view.sort.filter((k) => k.column !== change.column);
  if (change.direction === 'none') return { view: { ...view, sort: others } };
  const key: SortKey = { column: change.column, descending: change.direction === 'descending' };
  if (!change.keepOthers) return { view: { ...view, sort: [key] } };
  const at = view.sort.findIndex((k) => k.column === change.column);
  if (at >= 0) return { view: { ...view, sort: view.sort.map((k, i) => (i === at ? key : k)) } };
  if (view.sort.length >= MAX_SORT_KEYS) return { message: `The grid sorts by at most ${MAX_SORT_KEYS} columns at once.` };
  return { view: { ...view, sort: [...view.sort, key] } };
}

export function withFilter(view: GridView, filter: Filter): { view: GridView } | { message: string } {
  const same = (f: Filter): boolean => f.column === filter.column && f.op === filter.op && f.value === filter.value;
  if (view.filters.some(same)) return { view };
  if (view.filters.length >= MAX_FILTERS) return { message: `The grid applies at most ${MAX_FILTERS} filters at once. Remove one first.` };
  return { view: { ...view, filters: [...view.filters, filter] } };
}

export function withoutFilter(view: GridView, index: number): GridView {
  return { ...view, filters: view.filters.filter((_, i) => i !== index) };
}

function valueText(value: Filter['value'], kind: ColumnKind | undefined): string {
  if (typeof value === 'string') return kind && isNumericKind(kind) ? groupDigits(value) : `“${value}”`;
  if (typeof value === 'number') return groupDigits(String(value));
  return String(value);
}

/** "age_band is at least 40", "sex is “F”", "discharged is NULL". */
export function describeFilter(filter: Filter, kind: ColumnKind | undefined): string {
  const words = operatorLabel(filter.op, kind ?? { kind: 'other' });
  return needsValue(filter.op) ? `${filter.column} ${words} ${valueText(filter.value, kind)}` : `${filter.column} ${words}`;
}

/** "admission_date descending, then sex ascending": words a screen reader says well. */
export function describeSort(sort: readonly SortKey[]): string {
  return sort.map((k) => `${k.column} ${k.descending ? 'descending' : 'ascending'}`).join(', then ');
}
