// The disclosure-control check of one output document (issue 16), written once for the platform (which re-checks
// every output it stores and is authoritative) and the workstation's builder (whose preview is the same function, so
// what the analyst sees is what will be enforced). It runs the engine in ./sdc on the document (tables, charts,
// regressions), adds the flags a person must look at (a 0% or 100% next to a hidden cell, class disclosure,
// differencing against the project's released outputs), the evidence behind each flagged cell (for the checkers only)
// and a suggested mitigation in words; and it shapes what may leave: `publishedOutput` holds the published cells,
// totals, derived percentages (or rates) recomputed from the published cells and notes — never a count behind a
// hidden cell, a contribution or evidence. Pure: the LP solver is passed in.
import { z } from 'zod';
import { EnclaveError } from './errors.ts';
import {
  AppliedMitigationSchema,
  CoefficientSchema,
  MitigationSchema,
  OutputTitleSchema,
  RateBaseSchema,
  VerdictSchema,
} from './outputs.ts';
import type { AppliedMitigation, OutputDocument, RateBase, TableOutput, Verdict } from './outputs.ts';
import { runCheck } from './sdc/check.ts';
import type { CellReport, CheckOutput } from './sdc/check.ts';
import { findDifferencing } from './sdc/differencing.ts';
import type { ReleasedTable } from './sdc/differencing.ts';
import { checkHistogram } from './sdc/histogram.ts';
import type { LpSolver } from './sdc/lp.ts';
import { checkRegression } from './sdc/regression.ts';
import { describeRounding } from './sdc/rounding.ts';
import type { RegressionVerdict } from './sdc/regression.ts';
import { RulesSchema } from './sdc/rules.ts';
import type { Rules } from './sdc/rules.ts';
import type { CheckInput } from './sdc/schema.ts';
import { TableError, TOTAL } from './sdc/table.ts';

const KeyValueSchema = z.union([z.string().min(1), z.number()]);

/** A cell's position: one category per dimension, "*" for a dimension a total sums over. */
export const CellKeySchema = z.record(z.string(), KeyValueSchema);
export type CellKey = z.infer<typeof CellKeySchema>;

const CellReportSchema = z
  .object({
    key: CellKeySchema,
    count: z.number().nullable(),
    published: z.number().nullable(),
    status: z.enum(['safe', 'primary', 'secondary', 'rounded']),
    reasons: z.array(z.string()),
  })
  .strict();

/** The engine's report on a table (src/common/sdc/check.ts `CheckOutput`), as a schema for the wire. */
export const CheckOutputSchema = z
  .object({
    status: z.enum(['pass', 'fail', 'review']),
    rules: RulesSchema.omit({ defaultTotals: true }),
    totalsMode: z.enum(['published', 'recomputed', 'none']),
    lowerBound: z.number(),
    cells: z.array(CellReportSchema),
    totals: z.array(CellReportSchema),
    intervals: z.array(z.object({ key: CellKeySchema, lower: z.number(), upper: z.number().nullable() }).strict()),
    notes: z.array(z.string()),
  })
  .strict();

/** The regression rule's answer (src/common/sdc/regression.ts `RegressionVerdict`). */
export const RegressionVerdictSchema = z
  .object({
    status: z.enum(['pass', 'fail']),
    residualDof: z.number(),
    reasons: z.array(z.string()),
  })
  .strict();

// The schemas above describe the engine's own types: a change on either side fails the typecheck here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const checkOutputMatches: Same<z.infer<typeof CheckOutputSchema>, CheckOutput> = true;
const regressionMatches: Same<z.infer<typeof RegressionVerdictSchema>, RegressionVerdict> = true;
void checkOutputMatches;
void regressionMatches;

export const ReviewFlagCodeSchema = z.enum([
  /**
   * A derived share of 0% or 100% to one decimal (shown as a percentage or as a rate) in a row that holds a hidden
   * cell: it can give the hidden cell away.
   */
  'extreme_percentage',
  /** Every contributor of a row or column falls in one category (attribute disclosure about the whole group). */
  'class_disclosure',
  /** The output and an earlier release of the project differ by a group smaller than the threshold. */
  'differencing',
]);
export type ReviewFlagCode = z.infer<typeof ReviewFlagCodeSchema>;

/** Something beyond the cell rules that a person must look at. */
export const ReviewFlagSchema = z
  .object({
    code: ReviewFlagCodeSchema,
    /** `flag` when a rule fails (differencing), `review` when a person must judge. */
    verdict: z.enum(['flag', 'review']),
    message: z.string(),
    /** The cells it concerns (for differencing: keys over the dimensions the two outputs share). */
    cells: z.array(CellKeySchema),
    /**
     * For differencing: the earlier release it was compared with, with its published cells (already released, so nothing
     * new), so that both tables are shown side by side.
     */
    earlier: z
      .object({
        id: z.string(),
        title: z.string().nullable(),
        dimensions: z.array(z.string()),
        cells: z.array(z.object({ key: CellKeySchema, value: z.number().nullable() }).strict()),
      })
      .strict()
      .nullable(),
  })
  .strict();
export type ReviewFlag = z.infer<typeof ReviewFlagSchema>;

/**
 * What lies behind a flagged cell, for the checkers (and the analyst's own preview) only: never exported, never in
 * the release package or the released file.
 */
export const CellEvidenceSchema = z
  .object({
    /** Null for evidence about the whole output (a regression). */
    cell: CellKeySchema.nullable(),
    /** The rules it fails, in words. */
    reasons: z.array(z.string()),
    /** Rows in the cell, as the document gives them (null when missing). */
    count: z.number().nullable(),
    /** Values that enter the statistic: in a magnitude table the non-missing values; in a count table the count. */
    contributors: z.number().nullable(),
    /** Largest and two largest contributions as a share of the cell's total (0–1), for magnitude tables. */
    top1Share: z.number().nullable(),
    top2Share: z.number().nullable(),
    /** Residual degrees of freedom, for a regression. */
    residualDof: z.number().nullable(),
  })
  .strict();
export type CellEvidence = z.infer<typeof CellEvidenceSchema>;

/** The mitigation the engine suggests, in words, and the document's mitigation that applies it with one click. */
export const SuggestedMitigationSchema = z
  .object({
    /** "suppress 2 cells (1 primary, 1 secondary)", "round to base 5", and what a person must still review after it. */
    text: z.string(),
    /** The mitigation to set on the document. */
    apply: AppliedMitigationSchema,
    /** Cells the suggestion hides: those that fail a rule, and those hidden so that the first cannot be recovered. */
    primary: z.number().int().nonnegative(),
    secondary: z.number().int().nonnegative(),
  })
  .strict();
export type SuggestedMitigation = z.infer<typeof SuggestedMitigationSchema>;

/** The check of one output: the engine's verdict, the mitigation applied, the engine's reports, flags and evidence. */
export const OutputCheckSchema = z
  .object({
    verdict: VerdictSchema,
    mitigation: MitigationSchema,
    /** The rules the output was checked with (the project's profile, tightened by the document's rounding). */
    rules: RulesSchema,
    /** The engine's report for a table or chart; null for a regression. */
    check: CheckOutputSchema.nullable(),
    /** The residual degrees of freedom rule for a regression; null otherwise. */
    regression: RegressionVerdictSchema.nullable(),
    flags: z.array(ReviewFlagSchema),
    evidence: z.array(CellEvidenceSchema),
    /** Null when the output passes as it is, or when no mitigation clears it (an output checker must judge it). */
    suggestion: SuggestedMitigationSchema.nullable(),
    /** The engine's notes, drafted for the analyst's exception text and the checkers. */
    notes: z.array(z.string()),
  })
  .strict();
export type OutputCheck = z.infer<typeof OutputCheckSchema>;

/** A cell as it is published: a hidden cell has no value, whatever its count. */
export const PublishedCellSchema = z
  .object({
    key: CellKeySchema,
    value: z.number().nullable(),
    /** `empty`: a mean over no values (there is nothing to publish, and nothing is hidden). */
    status: z.enum(['published', 'rounded', 'suppressed', 'empty']),
  })
  .strict()
  .refine((cell) => (cell.status === 'suppressed' || cell.status === 'empty') === (cell.value === null), {
    message: 'a suppressed or empty cell has no value, and only such a cell',
    path: ['value'],
  });
export type PublishedCell = z.infer<typeof PublishedCellSchema>;

/**
 * A percentage, or a rate per the output's base, recomputed from published values: the cell's share of the total it
 * belongs to.
 */
export const DerivedValueSchema = z
  .object({
    key: CellKeySchema,
    /** The total it is a share of ("*" over the last dimension: the row's total; every "*": the grand total). */
    of: CellKeySchema,
    percent: z.number().optional(),
    /** Per the output's `ratePer`. */
    rate: z.number().optional(),
  })
  .strict()
  .refine((value) => (value.percent === undefined) !== (value.rate === undefined), {
    message: 'a derived value is a percentage or a rate, one of the two',
  });
export type DerivedValue = z.infer<typeof DerivedValueSchema>;

/** A derived value's figure: its percentage, or its rate per the output's base. */
export function derivedFigure(value: DerivedValue): number {
  return value.rate ?? value.percent ?? 0;
}

const baseFormat = new Intl.NumberFormat('en-GB');

/** A rate's base in words: "per 1,000". */
export function rateWords(base: RateBase): string {
  return `per ${baseFormat.format(base)}`;
}

/** What a derived value is a share of, in words: "the row’s published total" (one dimension: "the published total"). */
export function shareOfWords(dimensions: readonly string[]): string {
  return dimensions.length > 1 ? 'the row’s published total' : 'the published total';
}

const figureFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 });

/** A derived value as a person reads it beside its cell: "12.5%", or "125 per 1,000". */
export function derivedText(value: DerivedValue, ratePer: RateBase | undefined): string {
  const figure = figureFormat.format(derivedFigure(value));
  return ratePer === undefined ? `${figure}%` : `${figure} ${rateWords(ratePer)}`;
}

/** What may leave the environment: published cells, totals, derived values, notes. Never evidence or contributions. */
export const PublishedOutputSchema = z
  .object({
    kind: z.enum(['frequency', 'magnitude', 'chart', 'regression']),
    title: OutputTitleSchema,
    /** What the cells hold: a count, or the sum or mean of the measure (null for a regression). */
    statistic: z.enum(['count', 'sum', 'mean']).nullable(),
    measure: z.string().nullable(),
    /** For a chart: bar or histogram and the axis titles. */
    chart: z
      .object({ type: z.enum(['bar', 'histogram']), x: z.string(), y: z.string() })
      .strict()
      .nullable(),
    dimensions: z.array(z.string()),
    cells: z.array(PublishedCellSchema),
    totals: z.array(PublishedCellSchema),
    derived: z.array(DerivedValueSchema),
    /** The base the derived values are rates per; absent when they are percentages. */
    ratePer: RateBaseSchema.optional(),
    mitigation: MitigationSchema,
    notes: z.array(z.string()),
    regression: z
      .object({
        model: z.string(),
        coefficients: z.array(CoefficientSchema),
        observations: z.number().int().nonnegative(),
        residualDof: z.number().int(),
      })
      .strict()
      .nullable(),
  })
  .strict()
  .refine((output) => (output.kind === 'regression') === (output.regression !== null), {
    message: 'a regression, and only a regression, publishes its coefficients',
    path: ['regression'],
  })
  .refine((output) => output.ratePer === undefined || output.kind === 'frequency', {
    message: 'only a frequency table gives rates',
    path: ['ratePer'],
  })
  .refine((output) => output.derived.every((value) => (value.rate !== undefined) === (output.ratePer !== undefined)), {
    message: 'derived values are rates when the output gives a base for them, and percentages otherwise',
    path: ['derived'],
  });
export type PublishedOutput = z.infer<typeof PublishedOutputSchema>;

/** An earlier release of the project, as the differencing check compares with it (see `ledgerTable`). */
export interface LedgerTable extends ReleasedTable {
  title?: string | null;
  /** What its cells hold: only count tables are compared (a difference of sums or means is not a group of people). */
  statistic?: PublishedOutput['statistic'];
}

export interface OutputCheckOptions {
  /** The project's rule profile. */
  rules: Rules;
  solver: LpSolver;
  /** The project's released, non-revoked tables, for the differencing check. */
  released: readonly LedgerTable[];
  signal?: AbortSignal | undefined;
}

type Statistic = NonNullable<PublishedOutput['statistic']>;

/** One cell of the document as the rules see it: its rows, and for a magnitude table the values that are not missing. */
interface CellSource {
  count: number | null;
  values: number[] | null;
}

/** The document's table made ready for the engine, with what each cell holds for the evidence. */
interface PreparedTable {
  input: CheckInput['table'];
  sources: CellSource[];
  keys: CellKey[];
}

interface Evaluation {
  rules: Rules;
  verdict: Verdict;
  check: CheckOutput | null;
  regression: RegressionVerdict | null;
  /** The rule failures of the table itself (cells, bins), apart from the flags. */
  tableStatus: 'pass' | 'fail' | 'review';
  flags: ReviewFlag[];
  notes: string[];
}

/** Most cells (every combination of the dimensions' categories) a table output may have. */
export const MAX_CHECKED_CELLS = 10_000;

const RULE_CODES = ['missing', 'negative', 'zero', 'threshold', 'dominance', 'p-ratio'];
const LISTED = 3;

function tidy(x: number, places = 6): number {
  const factor = 10 ** places;
  const r = Math.round(x * factor) / factor;
  return Object.is(r, -0) ? 0 : r;
}

/** A cell's key as one text, its categories in the order of the dimensions. */
export function keyId(dimensions: readonly string[], key: CellKey): string {
  return JSON.stringify(dimensions.map((d) => String(key[d])));
}

/** Whether a cell lies under a key that may hold "*" (a total): the cell itself, or a member of the total. */
function under(dimensions: readonly string[], key: CellKey, cell: CellKey): boolean {
  return dimensions.every((d) => key[d] === TOTAL || String(key[d]) === String(cell[d]));
}

function describeKey(key: CellKey): string {
  return Object.entries(key)
    .map(([d, v]) => `${d} = ${v === TOTAL ? 'all' : String(v)}`)
    .join(', ');
}

function describeKeys(keys: readonly CellKey[]): string {
  const shown = keys.slice(0, LISTED).map(describeKey);
  const more = keys.length - shown.length;
  return more > 0 ? `${shown.join('; ')} and ${more} more` : shown.join('; ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function statisticOf(document: TableOutput): Statistic {
  return document.kind === 'magnitude' ? document.statistic : 'count';
}

function invalid(message: string): EnclaveError {
  return new EnclaveError('invalid_input', `This output cannot be checked: ${message}. Nothing was changed.`);
}

/** The profile's rules, with the document's rounding base when it rounds more coarsely than the profile does. */
export function effectiveRules(profile: Rules, mitigation: AppliedMitigation): Rules {
  if (mitigation.kind !== 'rounded' || mitigation.roundingBase === null) return profile;
  const current = profile.rounding;
  const size = current === null ? 0 : 'base' in current ? current.base : current.midpoint;
  return mitigation.roundingBase > size ? { ...profile, rounding: { base: mitigation.roundingBase } } : profile;
}

/**
 * In a magnitude table only the values that enter the statistic count against the threshold: a missing value is not
 * a contributor. The engine is given each cell's non-missing values and their number.
 */
function prepareTable(document: TableOutput): PreparedTable {
  const { table } = document;
  if (document.kind !== 'magnitude' && table.cells.some((cell) => cell.contributions !== undefined)) {
    throw invalid('a count table has no contributions (only a magnitude table does)');
  }
  if (document.kind === 'magnitude' && document.mitigation.kind === 'rounded') {
    throw invalid('rounding applies to counts; a magnitude table is protected by suppression');
  }
  if (document.kind === 'chart' && document.chart === 'histogram' && table.dimensions.length !== 1) {
    throw invalid('a histogram has one dimension, its bins');
  }
  // Every combination of categories is a cell the audit works on: past this the check would hold the platform for
  // minutes, and no person could review the table anyway.
  const combinations = table.dimensions.reduce((n, d) => n * new Set(table.cells.map((cell) => String(cell.key[d]))).size, 1);
  if (combinations > MAX_CHECKED_CELLS) {
    throw invalid(`its categories make ${combinations} cells; at most ${MAX_CHECKED_CELLS} can be checked`);
  }
  const sources = table.cells.map((cell) => ({
    count: cell.count,
    values: cell.contributions === undefined ? null : cell.contributions.filter((v): v is number => v !== null),
  }));
  const cells = table.cells.map((cell, i) => {
    const values = sources[i].values;
    return values === null ? { key: cell.key, count: cell.count } : { key: cell.key, count: values.length, contributions: values };
  });
  return { input: { ...table, cells }, sources, keys: table.cells.map((cell) => cell.key) };
}

function engineRules(rules: Rules): NonNullable<CheckInput['rules']> {
  const { profile, threshold, nk, p, zerosDisclosive, rounding, dofThreshold } = rules;
  return { profile, threshold, nk, p, zerosDisclosive, rounding, dofThreshold };
}

async function checkTable(
  document: TableOutput,
  prepared: PreparedTable,
  options: OutputCheckOptions & { rules: Rules },
): Promise<CheckOutput> {
  // A rounded table with no hidden cell publishes its totals as the sums of its rounded cells, so that they add up;
  // otherwise the profile decides (a total of the shown cells beside a hidden one would read as 100% of its row).
  const addsUp = document.mitigation.kind === 'rounded' && (prepared.input.suppressed ?? []).length === 0;
  const input: CheckInput = {
    rules: engineRules(options.rules),
    table: { ...prepared.input, totals: prepared.input.totals ?? (addsUp ? 'recomputed' : options.rules.defaultTotals) },
    protect: document.mitigation.kind === 'suppressed',
  };
  try {
    return await runCheck(input, options.solver, { signal: options.signal });
  } catch (err) {
    if (err instanceof TableError) throw invalid(err.message);
    throw err;
  }
}

/** A histogram's published bins against the threshold, as ACRO's hist(): any bin below it fails the chart. */
function histogramStatus(check: CheckOutput, rules: Rules): 'pass' | 'fail' | 'review' {
  const dimension = Object.keys(check.cells[0]?.key ?? {})[0] ?? '';
  const bins = check.cells
    .filter((cell) => cell.published !== null)
    .map((cell) => {
      const label = String(cell.key[dimension]);
      const [lower, upper] = label.split('–').map(Number);
      if (lower === undefined || upper === undefined || !Number.isFinite(lower) || !Number.isFinite(upper)) {
        throw invalid(`a histogram's bins are named "lower–upper", and "${label}" is not`);
      }
      return { lower, upper, count: cell.count };
    });
  return checkHistogram(bins, rules).status;
}

/** Rows or columns whose contributors all fall in one category, and whose other categories are published as zero. */
function classDisclosureFlags(check: CheckOutput, dimensions: readonly string[]): ReviewFlag[] {
  if (dimensions.length < 2) return [];
  const flags: ReviewFlag[] = [];
  for (const dimension of dimensions) {
    const others = dimensions.filter((d) => d !== dimension);
    const lines = new Map<string, CellReport[]>();
    for (const cell of check.cells) {
      const id = keyId(others, cell.key);
      lines.set(id, [...(lines.get(id) ?? []), cell]);
    }
    const hits: CellReport[] = [];
    for (const line of lines.values()) {
      if (line.length < 2 || line.some((cell) => cell.count === null)) continue;
      const filled = line.filter((cell) => (cell.count ?? 0) > 0);
      const lone = filled[0];
      if (filled.length !== 1 || lone === undefined) continue;
      if (line.every((cell) => cell === lone || cell.published === 0)) hits.push(lone);
    }
    if (hits.length === 0) continue;
    const where = hits.map(
      (cell) => `${describeKey(Object.fromEntries(others.map((d) => [d, cell.key[d]])))} (all ${String(cell.key[dimension])})`,
    );
    const shown = where.slice(0, LISTED).join('; ') + (where.length > LISTED ? ` and ${where.length - LISTED} more` : '');
    flags.push({
      code: 'class_disclosure',
      verdict: 'review',
      message: `class disclosure: the published zeros show everyone in one category of ${dimension}: ${shown}`,
      cells: hits.map((cell) => cell.key),
      earlier: null,
    });
  }
  return flags;
}

/**
 * Shares of 0% or 100% (to one decimal, as percentages or as rates) in a row (along the last dimension) that holds a
 * hidden cell.
 */
function extremePercentageFlags(published: PublishedShape, dimensions: readonly string[]): ReviewFlag[] {
  const rows = new Map<string, { hidden: CellKey[]; extreme: CellKey[] }>();
  const last = dimensions.at(-1) ?? '';
  const rowOf = (key: CellKey): string => keyId(dimensions, { ...key, [last]: TOTAL });
  for (const cell of published.cells) {
    const id = rowOf(cell.key);
    const row = rows.get(id) ?? { hidden: [], extreme: [] };
    if (cell.status === 'suppressed') row.hidden.push(cell.key);
    rows.set(id, row);
  }
  // Shares as percentages to one decimal, whichever way they are shown: 99,990 per 100,000 beside a hidden cell gives
  // it away as well as the 100.0% it would read as a percentage, so choosing rates cannot take a table past this flag.
  const shares =
    published.ratePer === undefined
      ? published.derived
      : derivedValues({ dimensions, cells: published.cells, totals: published.totals, ratePer: undefined });
  for (const share of shares) {
    if (share.percent === 0 || share.percent === 100) rows.get(rowOf(share.key))?.extreme.push(share.key);
  }
  const hits = [...rows.values()].filter((row) => row.hidden.length > 0 && row.extreme.length > 0);
  if (hits.length === 0) return [];
  const extreme = hits.flatMap((row) => row.extreme);
  const what = published.ratePer === undefined ? 'percentage of 0% or 100%' : 'rate of 0% or 100% of its row’s total (to one decimal)';
  return [
    {
      code: 'extreme_percentage',
      verdict: 'review',
      message: `a derived ${what} sits beside a hidden cell, which it can give away: ${describeKeys(extreme)}`,
      cells: [...extreme, ...hits.flatMap((row) => row.hidden)],
      earlier: null,
    },
  ];
}

/** The published values as a released table for the differencing check. */
function asReleased(id: string, published: Pick<PublishedOutput, 'dimensions' | 'cells' | 'totals'>): ReleasedTable {
  return {
    id,
    dimensions: published.dimensions,
    cells: [...published.cells, ...published.totals].map((cell) => ({ key: cell.key, value: cell.value })),
  };
}

/** An entry of the project's ledger for the differencing check, from a released output's published content. */
export function ledgerTable(release: { id: string; title: string | null }, published: PublishedOutput): LedgerTable {
  return { ...asReleased(release.id, published), title: release.title, statistic: published.statistic };
}

function differencingFlags(args: {
  document: TableOutput;
  published: PublishedShape;
  released: readonly LedgerTable[];
  rules: Rules;
}): ReviewFlag[] {
  const { document, published, released, rules } = args;
  if (statisticOf(document) !== 'count') return [];
  const current = asReleased(document.title, { dimensions: document.table.dimensions, ...published });
  const flags: ReviewFlag[] = [];
  for (const earlier of released) {
    if (earlier.statistic !== undefined && earlier.statistic !== null && earlier.statistic !== 'count') continue;
    const warnings = findDifferencing(current, [earlier], { threshold: rules.threshold });
    if (warnings.length === 0) continue;
    const name = earlier.title ?? earlier.id;
    flags.push({
      code: 'differencing',
      verdict: 'flag',
      message: `differencing: "${document.title}" and the released "${name}" differ by a group smaller than ${rules.threshold} in ${plural(warnings.length, 'cell')} (${describeKeys(warnings.map((w) => w.key))})`,
      cells: warnings.map((w) => w.key),
      earlier: { id: earlier.id, title: earlier.title ?? null, dimensions: earlier.dimensions, cells: earlier.cells },
    });
  }
  return flags;
}

function combine(tableStatus: 'pass' | 'fail' | 'review', flags: readonly ReviewFlag[]): Verdict {
  if (tableStatus === 'review') return 'review';
  if (tableStatus === 'fail' || flags.some((flag) => flag.verdict === 'flag')) return 'flag';
  return flags.length > 0 ? 'review' : 'pass';
}

/** Cells hidden because they fail a rule, and cells hidden to protect them (or by the analyst). */
function hiddenCounts(check: CheckOutput): { primary: number; secondary: number } {
  const reports = [...check.cells, ...check.totals].filter((cell) => cell.published === null);
  const primary = reports.filter((cell) => cell.status === 'primary').length;
  return { primary, secondary: reports.length - primary };
}

function regressionOf(
  document: Extract<OutputDocument, { kind: 'regression' }>,
  rules: Rules,
): { verdict: RegressionVerdict; notes: string[] } {
  // Residual degrees of freedom can be no more than the observations less the terms fitted: a larger figure is not
  // taken on trust.
  const most = document.observations - document.coefficients.length;
  const residualDof = Math.min(document.residualDof, most);
  const notes =
    residualDof < document.residualDof
      ? [`The residual degrees of freedom are taken as ${residualDof} (observations less terms), not the ${document.residualDof} given.`]
      : [];
  return { verdict: checkRegression({ residualDof }, rules), notes };
}

async function evaluate(document: OutputDocument, options: OutputCheckOptions): Promise<Evaluation> {
  const rules = document.kind === 'regression' ? options.rules : effectiveRules(options.rules, document.mitigation);
  if (document.kind === 'regression') {
    const { verdict, notes } = regressionOf(document, rules);
    const tableStatus = verdict.status === 'fail' ? 'fail' : 'pass';
    return {
      rules,
      verdict: combine(tableStatus, []),
      check: null,
      regression: verdict,
      tableStatus,
      flags: [],
      notes: [...notes, ...verdict.reasons],
    };
  }
  const prepared = prepareTable(document);
  const check = await checkTable(document, prepared, { ...options, rules });
  let tableStatus = check.status;
  if (tableStatus !== 'review' && document.kind === 'chart' && document.chart === 'histogram') {
    const bins = histogramStatus(check, rules);
    if (bins !== 'pass') tableStatus = bins;
  }
  const published = shapeTable(document, check);
  const flags =
    check.status === 'review'
      ? []
      : [
          ...extremePercentageFlags(published, document.table.dimensions),
          ...classDisclosureFlags(check, document.table.dimensions),
          ...differencingFlags({ document, published, released: options.released, rules }),
        ];
  const notes = [...check.notes];
  const hidden = hiddenCounts(check);
  if (hidden.primary + hidden.secondary > 0) {
    notes.push(`${plural(hidden.primary + hidden.secondary, 'cell')} hidden (${hidden.primary} primary, ${hidden.secondary} secondary).`);
  }
  if (rules.rounding) notes.push(`Published values are ${describeRounding(rules.rounding)}.`);
  return { rules, verdict: combine(tableStatus, flags), check, regression: null, tableStatus, flags, notes };
}

function withMitigation(document: TableOutput, mitigation: AppliedMitigation): TableOutput {
  return { ...document, mitigation };
}

function remaining(evaluation: Evaluation): string {
  if (evaluation.verdict === 'pass') return '';
  const reasons = evaluation.flags.map((flag) => flag.message.split(':')[0]);
  return `; an output checker must still judge it (${[...new Set(reasons)].join(', ') || 'the rules still fail'})`;
}

/** The cheapest mitigation that clears the rules: suppression for failing cells, rounding for a small difference. */
async function suggest(document: OutputDocument, evaluation: Evaluation, options: OutputCheckOptions): Promise<SuggestedMitigation | null> {
  if (evaluation.verdict === 'pass' || document.kind === 'regression' || evaluation.tableStatus === 'review') return null;
  if (evaluation.tableStatus === 'fail' && document.mitigation.kind !== 'suppressed') {
    const apply: AppliedMitigation = { kind: 'suppressed', roundingBase: null };
    const simulated = await evaluate(withMitigation(document, apply), options);
    if (simulated.check === null || simulated.tableStatus !== 'pass') return null;
    const { primary, secondary } = hiddenCounts(simulated.check);
    const text = `suppress ${plural(primary + secondary, 'cell')} (${primary} primary, ${secondary} secondary)${remaining(simulated)}`;
    return { text, apply, primary, secondary };
  }
  const base = 5;
  const differencing = evaluation.flags.some((flag) => flag.code === 'differencing');
  if (differencing && evaluation.tableStatus === 'pass' && statisticOf(document) === 'count' && document.mitigation.kind === 'none') {
    const apply: AppliedMitigation = { kind: 'rounded', roundingBase: base };
    const simulated = await evaluate(withMitigation(document, apply), options);
    if (simulated.verdict === 'pass') return { text: `round to base ${base}`, apply, primary: 0, secondary: 0 };
  }
  return null;
}

/** The evidence behind one cell or total: the document's rows and values under its key. */
function evidenceAt(prepared: PreparedTable, args: { dimensions: readonly string[]; key: CellKey; reasons: string[] }): CellEvidence {
  let count: number | null = 0;
  let values: number[] | null = null;
  for (const [i, key] of prepared.keys.entries()) {
    if (!under(args.dimensions, args.key, key)) continue;
    const source = prepared.sources[i];
    count = count === null || source.count === null ? null : count + source.count;
    if (source.values !== null) values = [...(values ?? []), ...source.values];
  }
  const sorted = values === null ? null : values.sort((a, b) => b - a);
  const total = sorted === null ? 0 : sorted.reduce((s, v) => s + v, 0);
  const share = (n: number): number | null =>
    sorted === null || !(total > 0) ? null : tidy(sorted.slice(0, n).reduce((s, v) => s + v, 0) / total, 4);
  return {
    cell: args.key,
    reasons: args.reasons,
    count,
    contributors: sorted === null ? count : sorted.length,
    top1Share: share(1),
    top2Share: share(2),
    residualDof: null,
  };
}

function isRuleReason(reason: string): boolean {
  return RULE_CODES.includes(reason.split(':')[0] ?? '');
}

function tableEvidence(document: TableOutput, evaluation: Evaluation): CellEvidence[] {
  const check = evaluation.check;
  if (check === null) return [];
  const prepared = prepareTable(document);
  const { dimensions } = document.table;
  const reasons = new Map<string, { key: CellKey; reasons: string[] }>();
  for (const report of [...check.cells, ...check.totals]) {
    const rule = report.reasons.filter(isRuleReason);
    if (rule.length > 0) reasons.set(keyId(dimensions, report.key), { key: report.key, reasons: rule });
  }
  for (const flag of evaluation.flags) {
    if (flag.code === 'differencing') continue;
    for (const key of flag.cells) {
      const id = keyId(dimensions, key);
      const entry = reasons.get(id) ?? { key, reasons: [] };
      const reason = flag.message.split(':')[0] ?? flag.code;
      if (!entry.reasons.includes(reason)) entry.reasons.push(reason);
      reasons.set(id, entry);
    }
  }
  return [...reasons.values()].map((entry) => evidenceAt(prepared, { dimensions, ...entry }));
}

/**
 * Checks an output document with the project's rules (tightened by the document's rounding), the analyst's
 * mitigation (suppression runs the engine's primary and secondary suppression; the analyst's own hidden cells are
 * `table.suppressed`) and the project's earlier releases. Throws EnclaveError('invalid_input') for a document the
 * engine cannot take.
 */
export async function checkOutput(document: OutputDocument, options: OutputCheckOptions): Promise<OutputCheck> {
  const evaluation = await evaluate(document, options);
  const suggestion = await suggest(document, evaluation, options);
  let evidence: CellEvidence[] = [];
  if (document.kind === 'regression') {
    const regression = evaluation.regression;
    if (regression && regression.status === 'fail') {
      evidence = [
        {
          cell: null,
          reasons: regression.reasons,
          count: document.observations,
          contributors: document.observations,
          top1Share: null,
          top2Share: null,
          residualDof: regression.residualDof,
        },
      ];
    }
  } else {
    evidence = tableEvidence(document, evaluation);
  }
  return {
    verdict: evaluation.verdict,
    mitigation: document.kind === 'regression' ? 'none' : document.mitigation.kind,
    rules: evaluation.rules,
    check: evaluation.check,
    regression: evaluation.regression,
    flags: evaluation.flags,
    evidence,
    suggestion,
    notes: evaluation.notes,
  };
}

/** What a check shows beside the published table: no count behind any cell, no rule text that quotes one, no evidence. */
export function withoutEvidence(check: OutputCheck): OutputCheck {
  const scrub = (report: CellReport): CellReport => ({
    ...report,
    count: null,
    reasons: report.reasons.map((reason) => (isRuleReason(reason) ? (reason.split(':')[0] ?? reason) : reason)),
  });
  return {
    ...check,
    check: check.check === null ? null : { ...check.check, cells: check.check.cells.map(scrub), totals: check.check.totals.map(scrub) },
    evidence: [],
  };
}

type PublishedShape = Pick<PublishedOutput, 'cells' | 'totals' | 'derived' | 'ratePer' | 'notes'>;

function publishedCell(report: CellReport, args: { statistic: Statistic; contributors: number | null }): PublishedCell {
  if (report.published === null) return { key: report.key, value: null, status: 'suppressed' };
  let value = report.published;
  if (args.statistic === 'mean') {
    if (args.contributors === null || args.contributors <= 0) return { key: report.key, value: null, status: 'empty' };
    value = tidy(report.published / args.contributors);
  }
  return { key: report.key, value, status: report.status === 'rounded' ? 'rounded' : 'published' };
}

/**
 * Each published cell's share of its row's total (the last dimension summed), from published values only: a
 * percentage, or a rate per `ratePer`.
 */
function derivedValues(args: {
  dimensions: readonly string[];
  cells: readonly PublishedCell[];
  totals: readonly PublishedCell[];
  ratePer: RateBase | undefined;
}): DerivedValue[] {
  const { dimensions, cells, totals, ratePer } = args;
  const last = dimensions.at(-1) ?? '';
  const rows = new Map<string, { of: CellKey; cells: PublishedCell[] }>();
  for (const cell of cells) {
    const of = { ...cell.key, [last]: TOTAL };
    const id = keyId(dimensions, of);
    const row = rows.get(id) ?? { of, cells: [] };
    row.cells.push(cell);
    rows.set(id, row);
  }
  const derived: DerivedValue[] = [];
  for (const [id, row] of rows) {
    const total = totals.find((t) => keyId(dimensions, t.key) === id);
    // Without a published total the row's total is the sum of its published cells (OpenSAFELY's practice); a hidden
    // total gives no percentages (or rates) at all, since they would give it away.
    const denominator = total ? total.value : row.cells.reduce((s, c) => s + (c.value ?? 0), 0);
    if (denominator === null || !(denominator > 0)) continue;
    for (const cell of row.cells) {
      if (cell.value === null) continue;
      derived.push(
        ratePer === undefined
          ? { key: cell.key, of: row.of, percent: tidy((cell.value / denominator) * 100, 1) }
          : { key: cell.key, of: row.of, rate: tidy((cell.value / denominator) * ratePer, 1) },
      );
    }
  }
  return derived;
}

/**
 * The derived values a published output's own cells and totals make, as `publishedOutput` writes them (none for a mean
 * or a regression): what the workstation's export holds a released output's derived values to, since a checker reads
 * them to one decimal and an export would write every digit.
 */
export function derivedOf(
  published: Pick<PublishedOutput, 'statistic' | 'dimensions' | 'cells' | 'totals' | 'ratePer' | 'regression'>,
): DerivedValue[] {
  if (published.regression !== null || published.statistic === 'mean') return [];
  return derivedValues({ dimensions: published.dimensions, cells: published.cells, totals: published.totals, ratePer: published.ratePer });
}

function publishedNotes(document: TableOutput, check: CheckOutput, shape: Omit<PublishedShape, 'notes'>): string[] {
  const notes: string[] = [];
  const hidden = [...shape.cells, ...shape.totals].filter((cell) => cell.status === 'suppressed').length;
  if (hidden > 0)
    notes.push(`${plural(hidden, 'cell')} suppressed (shown empty) so that small groups cannot be seen or worked out from the rest.`);
  if (check.rules.rounding) notes.push(`Published values are ${describeRounding(check.rules.rounding)}.`);
  if (check.totalsMode === 'recomputed') notes.push('Totals are the sums of the published cells.');
  if (shape.derived.length > 0) {
    const total = document.table.dimensions.length > 1 ? 'each row’s published total' : 'the published total';
    notes.push(shape.ratePer === undefined ? `Percentages are shares of ${total}.` : `Rates are ${rateWords(shape.ratePer)} of ${total}.`);
  }
  if (document.kind === 'magnitude' && document.statistic === 'mean') {
    notes.push(`Each mean is over the values of ${document.measure} that are not missing.`);
  }
  if (shape.cells.some((cell) => cell.status === 'empty')) notes.push('An empty cell has no values to average.');
  return notes;
}

function shapeTable(document: TableOutput, check: CheckOutput): PublishedShape {
  const statistic = statisticOf(document);
  const { dimensions } = document.table;
  // A mean is over the values that are not missing, counted from the document itself (a check shown without its
  // counts, as `withoutEvidence` makes it, publishes the same table).
  const prepared = statistic === 'mean' ? prepareTable(document) : null;
  const contributorsUnder = (key: CellKey, only?: (cellKey: CellKey) => boolean): number | null => {
    if (prepared === null) return null;
    let n = 0;
    prepared.keys.forEach((cellKey, i) => {
      if (under(dimensions, key, cellKey) && (only?.(cellKey) ?? true)) n += prepared.sources[i]?.values?.length ?? 0;
    });
    return n;
  };
  const cells = check.cells.map((report) => publishedCell(report, { statistic, contributors: contributorsUnder(report.key) }));
  const published = new Set(check.cells.filter((cell) => cell.published !== null).map((cell) => keyId(dimensions, cell.key)));
  const totals = check.totals.map((report) => {
    // A recomputed total adds up the published cells, so its mean is over their contributors only.
    const contributors =
      check.totalsMode === 'recomputed'
        ? contributorsUnder(report.key, (cellKey) => published.has(keyId(dimensions, cellKey)))
        : contributorsUnder(report.key);
    return publishedCell(report, { statistic, contributors });
  });
  const ratePer = document.kind === 'frequency' ? document.ratePer : undefined;
  const derived = statistic === 'mean' ? [] : derivedValues({ dimensions, cells, totals, ratePer });
  // Absent for percentages: an output published before rates existed keeps its bytes.
  const shape = ratePer === undefined ? { cells, totals, derived } : { cells, totals, derived, ratePer };
  return { ...shape, notes: publishedNotes(document, check, shape) };
}

/**
 * What may leave the environment, from a document and its check: the published cells and totals (a hidden one has no
 * value), percentages (or the rates the document asks for) recomputed from published values, and notes on the
 * mitigation. Never a count behind a hidden cell, a contribution or the evidence.
 */
export function publishedOutput(document: OutputDocument, check: OutputCheck): PublishedOutput {
  const base = { kind: document.kind, title: document.title, mitigation: check.mitigation };
  if (document.kind === 'regression') {
    return PublishedOutputSchema.parse({
      ...base,
      statistic: null,
      measure: null,
      chart: null,
      dimensions: [],
      cells: [],
      totals: [],
      derived: [],
      notes: [],
      regression: {
        model: document.model,
        coefficients: document.coefficients,
        observations: document.observations,
        residualDof: document.residualDof,
      },
    });
  }
  if (check.check === null)
    throw new EnclaveError('invalid_input', 'This check is not of a table, so it cannot publish the table. Nothing was changed.');
  const shape = shapeTable(document, check.check);
  return PublishedOutputSchema.parse({
    ...base,
    statistic: statisticOf(document),
    measure: document.kind === 'magnitude' ? document.measure : null,
    chart: document.kind === 'chart' ? { type: document.chart, x: document.x, y: document.y } : null,
    dimensions: document.table.dimensions,
    ...shape,
    regression: null,
  });
}
