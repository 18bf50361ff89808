// The output as it would be published, laid out as a grid for the builder (issue 16), pure: rows are the categories of
// every dimension but the last, columns the last dimension's (a one-way table has one column), totals last; each cell
// carries what is published and why the engine marks it (a rule it fails, a cell hidden to protect another, a cell
// the analyst hid, a cell a review flag concerns) with the evidence behind it.
import {
  derivedText,
  type CellEvidence,
  type CellKey,
  type OutputCheck,
  type PublishedCell,
  type PublishedOutput,
} from '../../../src/common/output-check.ts';
import { covers } from '../checking/cell-keys.ts';

export const TOTAL_KEY = '*';

export type CellMark = 'fails' | 'protects' | 'hidden-by-you' | 'flagged' | null;

export interface GridCell {
  key: CellKey;
  /** What is published, as text ('' for a hidden or empty cell: the status says which). */
  text: string;
  status: PublishedCell['status'];
  /** The cell's share of its row's published total, when the output publishes one: "20%", or "200 per 1,000". */
  derived: string | null;
  mark: CellMark;
  /** Why it is marked, in the engine's words. */
  reasons: string[];
  evidence: CellEvidence | null;
  /** A total (the analyst hides interior cells only). */
  total: boolean;
}

export interface GridRow {
  /** One label per row dimension ("Total" for a dimension summed over). */
  labels: string[];
  total: boolean;
  cells: (GridCell | null)[];
}

export interface PublishedGrid {
  rowDimensions: string[];
  /** The last dimension, across the columns; null for a one-way table (one column of values). */
  columnDimension: string | null;
  columns: { label: string; total: boolean }[];
  rows: GridRow[];
}

function idOf(dimensions: readonly string[], key: CellKey): string {
  return JSON.stringify(dimensions.map((d) => String(key[d])));
}

export function labelOf(value: string | number | undefined): string {
  return value === TOTAL_KEY ? 'Total' : String(value ?? '');
}

const numberFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 2 });

export function formatPublished(cell: Pick<PublishedCell, 'value' | 'status'>): string {
  return cell.value === null ? '' : numberFormat.format(cell.value);
}

/** How a mark reads beside a cell, for screen readers and the legend. */
export const MARK_WORDS: Readonly<Record<Exclude<CellMark, null>, string>> = {
  fails: 'fails a rule',
  protects: 'hidden to protect another cell',
  'hidden-by-you': 'hidden by you',
  flagged: 'a person must look at it',
};

export function statusWords(cell: Pick<GridCell, 'status' | 'mark'>): string {
  const published =
    cell.status === 'suppressed' ? 'hidden' : cell.status === 'empty' ? 'empty: no values' : cell.status === 'rounded' ? 'rounded' : '';
  return [published, cell.mark ? MARK_WORDS[cell.mark] : ''].filter((w) => w !== '').join(', ');
}

function distinct(keys: readonly CellKey[], dimensions: readonly string[]): CellKey[] {
  const seen = new Map<string, CellKey>();
  for (const key of keys) {
    const picked = Object.fromEntries(dimensions.map((d) => [d, key[d] ?? '']));
    const id = idOf(dimensions, picked);
    if (!seen.has(id)) seen.set(id, picked);
  }
  return [...seen.values()];
}

function isTotalKey(key: CellKey, dimensions: readonly string[]): boolean {
  return dimensions.some((d) => key[d] === TOTAL_KEY);
}

/** The grid of a published table, marked with the check's findings and the analyst's own hidden cells. */
export function publishedGrid(args: { published: PublishedOutput; check: OutputCheck; hiddenByYou: readonly CellKey[] }): PublishedGrid {
  const { published, check } = args;
  const dims = published.dimensions;
  const all = [...published.cells, ...published.totals];
  const byId = new Map(all.map((cell) => [idOf(dims, cell.key), cell]));
  const reports = new Map([...(check.check?.cells ?? []), ...(check.check?.totals ?? [])].map((r) => [idOf(dims, r.key), r]));
  const evidence = new Map(check.evidence.filter((e) => e.cell !== null).map((e) => [idOf(dims, e.cell ?? {}), e]));
  const derived = new Map(published.derived.map((d) => [idOf(dims, d.key), derivedText(d, published.ratePer)]));
  const yours = new Set(args.hiddenByYou.map((key) => idOf(dims, key)));
  const flagged = new Map<string, string[]>();
  for (const flag of check.flags) {
    // A differencing flag names only the dimensions the two outputs share: it covers every cell under that key.
    for (const pattern of flag.cells) {
      for (const cell of all) {
        if (!covers(pattern, cell.key)) continue;
        const id = idOf(dims, cell.key);
        flagged.set(id, [...(flagged.get(id) ?? []), flag.message]);
      }
    }
  }

  const gridCell = (key: CellKey): GridCell | null => {
    const id = idOf(dims, key);
    const cell = byId.get(id);
    if (!cell) return null;
    const report = reports.get(id);
    let mark: CellMark = null;
    let reasons: string[] = [];
    if (report?.status === 'primary') {
      mark = 'fails';
      reasons = report.reasons.filter((r) => !r.startsWith('rounded'));
    } else if (yours.has(id)) {
      mark = 'hidden-by-you';
    } else if (report?.status === 'secondary') {
      mark = 'protects';
      reasons = report.reasons;
    }
    const flags = flagged.get(id) ?? [];
    if (flags.length > 0) {
      mark ??= 'flagged';
      reasons = [...reasons, ...flags];
    }
    return {
      key: cell.key,
      text: formatPublished(cell),
      status: cell.status,
      derived: derived.get(id) ?? null,
      mark,
      reasons,
      evidence: evidence.get(id) ?? null,
      total: isTotalKey(cell.key, dims),
    };
  };

  if (dims.length === 1) {
    const dimension = dims[0] ?? '';
    return {
      rowDimensions: [dimension],
      columnDimension: null,
      columns: [{ label: published.statistic === 'mean' ? 'Mean' : published.statistic === 'sum' ? 'Sum' : 'Count', total: false }],
      rows: all.map((cell) => ({
        labels: [labelOf(cell.key[dimension])],
        total: cell.key[dimension] === TOTAL_KEY,
        cells: [gridCell(cell.key)],
      })),
    };
  }
  const rowDimensions = dims.slice(0, -1);
  const columnDimension = dims.at(-1) ?? '';
  const columnValues = [
    ...new Set([...published.cells.map((c) => c.key[columnDimension]), ...published.totals.map((c) => c.key[columnDimension])]),
  ].sort((a, b) => Number(a === TOTAL_KEY) - Number(b === TOTAL_KEY));
  const rowKeys = distinct([...published.cells.map((c) => c.key), ...published.totals.map((c) => c.key)], rowDimensions).sort(
    (a, b) => Number(isTotalKey(a, rowDimensions)) - Number(isTotalKey(b, rowDimensions)),
  );
  return {
    rowDimensions,
    columnDimension,
    columns: columnValues.map((value) => ({ label: labelOf(value), total: value === TOTAL_KEY })),
    rows: rowKeys.map((rowKey) => ({
      labels: rowDimensions.map((d) => labelOf(rowKey[d])),
      total: isTotalKey(rowKey, rowDimensions),
      cells: columnValues.map((value) => gridCell({ ...rowKey, [columnDimension]: value ?? '' })),
    })),
  };
}

/** Whether two keys name the same cell. */
export function sameKey(a: CellKey, b: CellKey): boolean {
  const names = Object.keys(a);
  return names.length === Object.keys(b).length && names.every((d) => String(a[d]) === String(b[d]));
}

/** The analyst's hidden cells after clicking one: hidden if it was shown, shown again if it was hidden. */
export function toggleHidden(hidden: readonly CellKey[], key: CellKey): CellKey[] {
  return hidden.some((k) => sameKey(k, key)) ? hidden.filter((k) => !sameKey(k, key)) : [...hidden, key];
}

/** Evidence in words, for the cell's details. */
export function evidenceWords(evidence: CellEvidence): string[] {
  const words: string[] = [];
  // A regression's count is its observations; a table cell's, its rows.
  if (evidence.count !== null) words.push(`${evidence.count} ${evidence.residualDof !== null ? 'observations' : 'rows'}`);
  // In a magnitude table (where the shares are known) the contributors are the values that are not missing.
  const magnitude = evidence.top1Share !== null;
  if (evidence.contributors !== null && (magnitude || evidence.contributors !== evidence.count)) {
    words.push(`${evidence.contributors} contributors (values that are not missing)`);
  }
  if (evidence.top1Share !== null) words.push(`largest value ${Math.round(evidence.top1Share * 1000) / 10}% of the total`);
  if (evidence.top2Share !== null) words.push(`two largest ${Math.round(evidence.top2Share * 1000) / 10}%`);
  if (evidence.residualDof !== null) words.push(`${evidence.residualDof} residual degrees of freedom`);
  return words;
}
