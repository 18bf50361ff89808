// A resubmitted output against the version the checker reviewed, cell by cell, pure: for a table every cell and total
// (its published value, its status and, for the checkers, the count behind it), for a regression every coefficient;
// plus what changed about the output as a whole (title, mitigation, dimensions, the engine's verdict), in words.
import type { FileVersionContent } from '../../../src/common/airlock.ts';
import type { CellKey, PublishedCell } from '../../../src/common/output-check.ts';
import { cellKeyId } from './cell-keys.ts';
import { MITIGATION_LABELS, VERDICT_LABELS } from './checking-words.ts';

export type OutputVersion = Extract<FileVersionContent, { role: 'output' }>;

export interface CellSide {
  /** The published value (a regression: the estimate); null when hidden or empty. */
  value: number | null;
  status: PublishedCell['status'];
  /** The count behind the cell (checkers only); null when not known (a regression, a missing count). */
  count: number | null;
  /** For a regression's coefficient: its standard error and p-value in words; null otherwise. */
  detail: string | null;
}

export type CellChange = 'added' | 'removed' | 'changed' | 'unchanged';

export interface CellDiffRow {
  key: CellKey;
  before: CellSide | null;
  after: CellSide | null;
  change: CellChange;
}

export interface OutputDiff {
  rows: CellDiffRow[];
  counts: Readonly<Record<CellChange, number>>;
  /** What changed about the output as a whole, in words. */
  whole: string[];
}

function sidesOfTable(version: OutputVersion): Map<string, { key: CellKey; side: CellSide }> {
  const counts = new Map<string, number | null>();
  const check = version.check.check;
  if (check !== null) for (const report of [...check.cells, ...check.totals]) counts.set(cellKeyId(report.key), report.count);
  const sides = new Map<string, { key: CellKey; side: CellSide }>();
  for (const cell of [...version.published.cells, ...version.published.totals]) {
    const id = cellKeyId(cell.key);
    sides.set(id, { key: cell.key, side: { value: cell.value, status: cell.status, count: counts.get(id) ?? null, detail: null } });
  }
  return sides;
}

function number(value: number | null): string {
  return value === null ? 'none' : String(value);
}

function sidesOfRegression(version: OutputVersion): Map<string, { key: CellKey; side: CellSide }> {
  const sides = new Map<string, { key: CellKey; side: CellSide }>();
  for (const coefficient of version.published.regression?.coefficients ?? []) {
    const key = { term: coefficient.term };
    sides.set(cellKeyId(key), {
      key,
      side: {
        value: coefficient.estimate,
        status: 'published',
        count: null,
        detail: `standard error ${number(coefficient.standardError)}, p-value ${number(coefficient.pValue)}`,
      },
    });
  }
  return sides;
}

function sidesOf(version: OutputVersion): Map<string, { key: CellKey; side: CellSide }> {
  return version.document.kind === 'regression' ? sidesOfRegression(version) : sidesOfTable(version);
}

function same(a: CellSide, b: CellSide): boolean {
  return a.value === b.value && a.status === b.status && a.count === b.count && a.detail === b.detail;
}

function wholeChanges(previous: OutputVersion, current: OutputVersion): string[] {
  const changes: string[] = [];
  const was = previous.published;
  const now = current.published;
  if (was.title !== now.title) changes.push(`Title: “${was.title}” → “${now.title}”`);
  if (previous.document.kind !== current.document.kind) changes.push(`Kind: ${previous.document.kind} → ${current.document.kind}`);
  if (was.dimensions.join(', ') !== now.dimensions.join(', '))
    changes.push(`Dimensions: ${was.dimensions.join(', ') || 'none'} → ${now.dimensions.join(', ') || 'none'}`);
  if (was.mitigation !== now.mitigation)
    changes.push(`Mitigation applied: ${MITIGATION_LABELS[was.mitigation]} → ${MITIGATION_LABELS[now.mitigation]}`);
  if (previous.check.verdict !== current.check.verdict)
    changes.push(`Engine’s verdict: ${VERDICT_LABELS[previous.check.verdict]} → ${VERDICT_LABELS[current.check.verdict]}`);
  const wasModel = was.regression;
  const nowModel = now.regression;
  if (wasModel && nowModel) {
    if (wasModel.observations !== nowModel.observations) changes.push(`Observations: ${wasModel.observations} → ${nowModel.observations}`);
    if (wasModel.residualDof !== nowModel.residualDof)
      changes.push(`Residual degrees of freedom: ${wasModel.residualDof} → ${nowModel.residualDof}`);
  }
  return changes;
}

/** The current version against the reviewed one: the current cells in their order, then the cells it no longer has. */
export function diffOutputs(previous: OutputVersion, current: OutputVersion): OutputDiff {
  const before = sidesOf(previous);
  const after = sidesOf(current);
  const rows: CellDiffRow[] = [];
  for (const [id, { key, side }] of after) {
    const old = before.get(id);
    rows.push({
      key,
      before: old?.side ?? null,
      after: side,
      change: old === undefined ? 'added' : same(old.side, side) ? 'unchanged' : 'changed',
    });
  }
  for (const [id, { key, side }] of before) if (!after.has(id)) rows.push({ key, before: side, after: null, change: 'removed' });
  const counts = { added: 0, removed: 0, changed: 0, unchanged: 0 };
  for (const row of rows) counts[row.change] += 1;
  return { rows, counts, whole: wholeChanges(previous, current) };
}

/** The diff in one sentence: "2 cells changed, 1 added; 10 unchanged." */
export function diffSummary(diff: OutputDiff): string {
  const { changed, added, removed, unchanged } = diff.counts;
  const parts = [
    changed > 0 ? `${changed} changed` : null,
    added > 0 ? `${added} added` : null,
    removed > 0 ? `${removed} removed` : null,
  ].filter((part): part is string => part !== null);
  const cells = (n: number): string => `${n} ${n === 1 ? 'cell' : 'cells'}`;
  if (parts.length === 0) return unchanged === 0 ? 'No cells to compare.' : `No cell changed (${cells(unchanged)} compared).`;
  const total = changed + added + removed;
  return `${cells(total)} differ: ${parts.join(', ')}; ${unchanged} unchanged.`;
}
