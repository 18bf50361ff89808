// `enclave sdc check`: one table in, a verdict and the publishable table out.
import { AuditError } from './audit.ts';
import type { LpSolver } from './lp.ts';
import { isPrimaryFinding, protect } from './protect.ts';
import type { ProtectionResult } from './protect.ts';
import { applyRounding, describeRounding } from './rounding.ts';
import { resolveRules } from './rules.ts';
import type { Rules, TotalsMode } from './rules.ts';
import type { CheckInput } from './schema.ts';
import { buildTable, findCell, keyOf, TableError } from './table.ts';
import type { ExtendedTable, KeyValue, TableCell } from './table.ts';

export type CheckStatus = 'pass' | 'fail' | 'review';
export type CellStatus = 'safe' | 'primary' | 'secondary' | 'rounded';

export interface CellReport {
  key: Record<string, KeyValue>;
  count: number | null;
  published: number | null;
  status: CellStatus;
  reasons: string[];
}

export interface IntervalReport {
  key: Record<string, KeyValue>;
  lower: number;
  /** Null when nothing published bounds the cell from above. */
  upper: number | null;
}

export interface CheckOutput {
  status: CheckStatus;
  rules: Omit<Rules, 'defaultTotals'>;
  totalsMode: TotalsMode;
  lowerBound: number;
  cells: CellReport[];
  totals: CellReport[];
  intervals: IntervalReport[];
  notes: string[];
}

function tidy(x: number): number {
  const r = Math.round(x * 1e6) / 1e6;
  return Object.is(r, -0) ? 0 : r;
}

interface Context {
  table: ExtendedTable;
  rules: Rules;
  mode: TotalsMode;
  result: ProtectionResult;
  protect: boolean;
}

function publishedValue(ctx: Context, cell: TableCell): number | null {
  const { state, primary } = ctx.result;
  if (state.suppressed[cell.id]) return null;
  if (primary[cell.id] && ctx.protect) return null;
  return ctx.rules.rounding ? applyRounding(cell.value, ctx.rules.rounding) : cell.value;
}

function report(ctx: Context, cell: TableCell, published: number | null): CellReport {
  const { result, rules } = ctx;
  const findings = result.findings[cell.id] ?? [];
  const reasons = findings.map((f) => f.message);
  const secondary = result.state.secondaryReason[cell.id];
  let status: CellStatus = 'safe';
  if (findings.some(isPrimaryFinding)) status = 'primary';
  else if (published === null && secondary) {
    status = 'secondary';
    reasons.push(secondary);
  }
  // Zero stays zero under every rounding (OpenSAFELY: "keep 0"), so a zero is simply safe.
  if (status !== 'primary' && published !== null && rules.rounding && cell.count !== null && cell.value !== 0) {
    status = 'rounded';
    reasons.push(describeRounding(rules.rounding));
  }
  if (!cell.listed) reasons.push('not listed in the input: taken as an empty cell');
  return { key: keyOf(ctx.table, cell), count: cell.count, published, status, reasons };
}

/** Totals published as sums of the published cells (OpenSAFELY's practice). */
function recomputedTotals(ctx: Context, interiorPublished: Map<number, number | null>): CellReport[] {
  const { table } = ctx;
  return table.totals.map((id) => {
    const cell = table.cells[id];
    let sum = 0;
    for (const [member, value] of interiorPublished) {
      const m = table.cells[member];
      if (cell.coords.every((c, d) => c === table.sizes[d] || c === m.coords[d])) sum += value ?? 0;
    }
    return {
      key: keyOf(table, cell),
      count: cell.count,
      published: sum,
      status: 'safe' as const,
      reasons: ['total recomputed as the sum of the published cells'],
    };
  });
}

function overallStatus(ctx: Context): { status: CheckStatus; notes: string[] } {
  const { result, table } = ctx;
  if (result.review) return { status: 'review', notes: [] };
  const notes: string[] = [];
  const publishedPrimary = table.cells.filter((c) => result.primary[c.id] && !result.state.suppressed[c.id]);
  if (publishedPrimary.length > 0) notes.push(`${publishedPrimary.length} unsafe cells are published.`);
  const weak = result.underProtected.filter((id) => result.primary[id]);
  if (weak.length > 0) notes.push(`${weak.length} hidden unsafe cells can be estimated too closely from the published cells and totals.`);
  const derivable = result.underProtected.length - weak.length;
  if (derivable > 0)
    notes.push(`${derivable} hidden cells that are not themselves unsafe can be derived exactly; they could be published.`);
  if (result.groupViolations.length > 0)
    notes.push(`${result.groupViolations.length} published totals reveal a disclosive group of hidden cells.`);
  const fail = publishedPrimary.length > 0 || weak.length > 0 || result.groupViolations.length > 0;
  return { status: fail ? 'fail' : 'pass', notes };
}

function effectiveLowerBound(input: CheckInput, rules: Rules, table: ExtendedTable): { lowerBound: number; zerosPublished: boolean } {
  const asked = input.table.lowerBound;
  if (asked === 1 && rules.zerosDisclosive) {
    throw new TableError(
      'table.lowerBound',
      '1 means zeros are published, but the rules treat zeros as disclosive (set rules.zerosDisclosive to false)',
    );
  }
  if (asked === 1 && table.cells.some((c) => (c.count ?? 0) > 0 && c.value < 1)) {
    throw new TableError('table.lowerBound', '1 says every non-empty cell is at least 1, but some are smaller');
  }
  const zerosPublished = !rules.zerosDisclosive;
  // When zeros are published an attacker knows every hidden count is at least 1; never credit them with less.
  const implied = zerosPublished && !table.magnitude ? 1 : 0;
  return { lowerBound: Math.max(asked ?? 0, implied), zerosPublished };
}

function givenPattern(input: CheckInput, table: ExtendedTable, zerosPublished: boolean): number[] {
  return (input.table.suppressed ?? []).map((key, i) => {
    const field = `table.suppressed.${i}`;
    const cell = findCell(table, key, field);
    if (cell.isTotal && table.relations.length === 0)
      throw new TableError(field, 'totals are not published in this totals mode, so they cannot be hidden');
    if (zerosPublished && cell.count === 0)
      throw new TableError(field, 'this cell is 0 and zeros are published, so hiding it would mislead');
    return cell.id;
  });
}

/** Checks (and unless `protect` is false, protects) one table. Throws TableError for input at fault. */
export async function runCheck(input: CheckInput, solver: LpSolver, options: { signal?: AbortSignal } = {}): Promise<CheckOutput> {
  const rules = resolveRules(input.rules ?? {});
  const mode = input.table.totals ?? rules.defaultTotals;
  const table = buildTable({ dimensions: input.table.dimensions, cells: input.table.cells, totals: mode });
  const { lowerBound, zerosPublished } = effectiveLowerBound(input, rules, table);
  const given = givenPattern(input, table, zerosPublished);
  const doProtect = input.protect ?? true;
  let result: ProtectionResult;
  try {
    result = await protect({ table, rules, lowerBound, zerosPublished, given, protect: doProtect, solver, signal: options.signal });
  } catch (err) {
    if (err instanceof AuditError) throw new TableError('table', err.message);
    throw err;
  }
  const ctx: Context = { table, rules, mode, result, protect: doProtect };
  const interiorPublished = new Map<number, number | null>();
  const cells = table.interior.map((id) => {
    const cell = table.cells[id];
    const published = publishedValue(ctx, cell);
    interiorPublished.set(id, published);
    return report(ctx, cell, published);
  });
  let totals: CellReport[] = [];
  if (mode === 'published') totals = table.totals.map((id) => report(ctx, table.cells[id], publishedValue(ctx, table.cells[id])));
  if (mode === 'recomputed') totals = recomputedTotals(ctx, interiorPublished);
  const intervals = [...result.intervals.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([id, iv]) => ({
      key: keyOf(table, table.cells[id]),
      lower: tidy(iv.lower),
      upper: Number.isFinite(iv.upper) ? tidy(iv.upper) : null,
    }));
  const verdict = overallStatus(ctx);
  const unlisted = table.interior.filter((id) => !table.cells[id].listed).length;
  const notes = [...result.notes, ...verdict.notes];
  if (unlisted > 0) notes.push(`${unlisted} combinations of categories were not listed and were taken as empty cells.`);
  if (lowerBound > (input.table.lowerBound ?? 0))
    notes.push('Zeros are published, so the audit assumes an attacker knows every hidden count is at least 1.');
  const { defaultTotals: _unused, ...shownRules } = rules;
  return { status: verdict.status, rules: shownRules, totalsMode: mode, lowerBound, cells, totals, intervals, notes };
}
