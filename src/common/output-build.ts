// Building an output from a local result (issue 16): the analyst's choices (kind, dimensions, measure, statistic,
// totals, histogram bins) become one aggregation query in plain DuckDB SQL over the result's own query, which either
// local engine runs (native DuckDB in the core, DuckDB-wasm in the window); its rows become the output document's
// table (counts per cell and, for a magnitude table, the values that enter the statistic). Pure: the caller runs the
// query and hands back the rows.
import { z } from 'zod';
import { EnclaveError } from './errors.ts';
import { splitStatements } from './local-sql.ts';
import type { CellKey } from './output-check.ts';
import { OutputDocumentSchema, OutputTitleSchema } from './outputs.ts';
import type { AppliedMitigation, OutputDocument, RateBase } from './outputs.ts';
import { quoteIdentifier } from './sql-identifiers.ts';

/** Most cells a table output may have: more is not a table a person can check (and the audit grows with it). */
export const MAX_OUTPUT_CELLS = 1_000;
/** Most values a magnitude table may carry in all (they travel in the document, to the platform's re-check). */
export const MAX_CONTRIBUTIONS = 200_000;
/** Most coefficients of a regression summary (as the document allows). */
export const MAX_COEFFICIENTS = 500;

/** What a missing, empty or reserved category is called in a key (a key holds non-empty text, and "*" means a total). */
export const MISSING_CATEGORY = '(missing)';
export const EMPTY_CATEGORY = '(empty)';
export const STAR_CATEGORY = '(*)';

const ColumnSchema = z.string().min(1).max(128);
const DimensionsSchema = z
  .array(ColumnSchema)
  .min(1, 'choose at least one dimension')
  .max(3, 'a table has at most three dimensions')
  .refine((dims) => new Set(dims).size === dims.length, 'choose each dimension once');

/** A histogram's bins: from `origin`, each `width` wide (lower bound included, upper excluded). */
export const BinsSchema = z.object({ origin: z.number().finite(), width: z.number().finite().positive() }).strict();
export type Bins = z.infer<typeof BinsSchema>;

/** The analyst's choices in the builder. Totals on: the project's profile decides how; off: none are published. */
export const OutputChoicesSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('frequency'), dimensions: DimensionsSchema, totals: z.boolean() }).strict(),
  z
    .object({
      kind: z.literal('magnitude'),
      dimensions: DimensionsSchema,
      measure: ColumnSchema,
      statistic: z.enum(['sum', 'mean']),
      totals: z.boolean(),
    })
    .strict()
    .refine((c) => !c.dimensions.includes(c.measure), { message: 'the measure cannot also be a dimension', path: ['measure'] }),
  z
    .object({
      kind: z.literal('bar'),
      dimensions: DimensionsSchema.refine((dims) => dims.length <= 2, 'a bar chart has one or two dimensions'),
      totals: z.boolean(),
    })
    .strict(),
  z.object({ kind: z.literal('histogram'), measure: ColumnSchema, bins: BinsSchema }).strict(),
  z
    .object({
      kind: z.literal('regression'),
      model: z.string().trim().min(1, 'say what model it is').max(200),
      observations: z.number().int().nonnegative(),
      residualDof: z.number().int(),
    })
    .strict(),
]);
export type OutputChoices = z.infer<typeof OutputChoicesSchema>;

/** The columns a result must hold to make a regression summary from it. */
export const REGRESSION_COLUMNS = ['term', 'estimate', 'std_error', 'p_value'] as const;

/** One row of the aggregation query's answer, by column name (numbers may arrive as bigint). */
export type OutputRow = Readonly<Record<string, unknown>>;

function invalid(message: string): EnclaveError {
  return new EnclaveError('invalid_input', `${message} Nothing was changed.`);
}

/**
 * The result's query as a relation: its last statement (the one whose rows the result holds), in parentheses. Running
 * only that statement again never repeats an earlier one's effect (a CREATE, an INSERT).
 */
export function resultRelation(sql: string): string {
  const last = splitStatements(sql).at(-1);
  if (last === undefined) throw invalid('This result has no query to make an output from.');
  // The line break keeps a trailing "-- comment" from swallowing the parenthesis.
  return `(${last.text.trim()}\n) AS result`;
}

const q = quoteIdentifier;
const number = (n: number): string => `(${String(n)})::DOUBLE`;
const dimensionAlias = (i: number): string => q(`d${i}`);
const groupAlias = (i: number): string => q(`g${i}`);

/** A measure's values as numbers; NULL, NaN and ±infinity are missing (they enter no statistic). */
function measureValue(measure: string): string {
  return `CASE WHEN isfinite(TRY_CAST(${q(measure)} AS DOUBLE)) THEN TRY_CAST(${q(measure)} AS DOUBLE) END`;
}

/**
 * The aggregation query for the choices, over the result's SQL. Columns: d0… (each dimension's category as text,
 * NULL when missing), n (rows), and for a magnitude table k (values that are not missing) and v (those values,
 * largest first, as text joined by ","); for a histogram: bin (the bin's index from the origin) and n; for a
 * regression: the coefficient columns. One row more than MAX_OUTPUT_CELLS is asked for, so too many cells is known.
 */
export function outputQuery(choices: OutputChoices, resultSql: string): string {
  const source = resultRelation(resultSql);
  const limit = MAX_OUTPUT_CELLS + 1;
  if (choices.kind === 'regression') {
    return `SELECT ${REGRESSION_COLUMNS.map(q).join(', ')} FROM ${source} LIMIT ${MAX_COEFFICIENTS + 1}`;
  }
  if (choices.kind === 'histogram') {
    const value = measureValue(choices.measure);
    const bin = `floor((v - ${number(choices.bins.origin)}) / ${number(choices.bins.width)})::INTEGER`;
    return [
      `SELECT ${bin} AS bin, count(*)::INTEGER AS n`,
      `FROM (SELECT ${value} AS v FROM ${source}) AS measured`,
      `WHERE v IS NOT NULL GROUP BY ALL ORDER BY bin LIMIT ${limit}`,
    ].join('\n');
  }
  const groups = choices.dimensions.map((d, i) => `${q(d)} AS ${groupAlias(i)}`);
  const aggregates = ['count(*)::INTEGER AS n'];
  if (choices.kind === 'magnitude') {
    const value = measureValue(choices.measure);
    aggregates.push(`count(${value})::INTEGER AS k`);
    // Text keeps every value exact through either engine's pages (a list would arrive as the engine's own text).
    aggregates.push(`string_agg(CAST(${value} AS VARCHAR), ',' ORDER BY ${value} DESC) AS v`);
  }
  const outer = choices.dimensions.map((_, i) => `CAST(${groupAlias(i)} AS VARCHAR) AS ${dimensionAlias(i)}`);
  const extra = choices.kind === 'magnitude' ? ', k, v' : '';
  return [
    `SELECT ${outer.join(', ')}, n${extra}`,
    `FROM (SELECT ${groups.join(', ')}, ${aggregates.join(', ')} FROM ${source} GROUP BY ALL) AS grouped`,
    `ORDER BY ${choices.dimensions.map((_, i) => `${groupAlias(i)} NULLS LAST`).join(', ')}`,
    `LIMIT ${limit}`,
  ].join('\n');
}

/** A category as a key holds it: text, never empty, never "*" (which stands for a total). */
export function categoryLabel(value: unknown): string {
  if (value === null || value === undefined) return MISSING_CATEGORY;
  const text = String(value);
  if (text === '') return EMPTY_CATEGORY;
  if (text === '*') return STAR_CATEGORY;
  return text;
}

function toCount(value: unknown, what: string): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw new EnclaveError('internal', `The engine gave ${what} that is not a count.`);
  return n;
}

function toIndex(value: unknown): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n))
    throw new EnclaveError('internal', 'The engine gave a bin that is not a whole number.');
  return n;
}

function toNumberOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = typeof value === 'bigint' ? Number(value) : Number(value);
  return Number.isFinite(n) ? n : null;
}

/** A number as a bin's edge: no floating-point dust (0.30000000000000004 is 0.3). */
function edge(n: number): number {
  return Number(n.toPrecision(12));
}

/** A histogram bin's name in a key: "lower–upper", as the check reads it back. */
export function binLabel(bins: Bins, index: number): string {
  return `${edge(bins.origin + index * bins.width)}–${edge(bins.origin + (index + 1) * bins.width)}`;
}

function tooManyCells(rows: readonly OutputRow[]): void {
  if (rows.length > MAX_OUTPUT_CELLS) {
    throw invalid(
      `These choices make more than ${MAX_OUTPUT_CELLS.toLocaleString('en-GB')} cells: choose dimensions with fewer categories (or wider bins).`,
    );
  }
  if (rows.length === 0) throw invalid('The result has no rows to make an output from.');
}

type TableChoices = Extract<OutputChoices, { kind: 'frequency' | 'magnitude' | 'bar' | 'histogram' }>;
export type OutputTable = Extract<OutputDocument, { kind: 'frequency' }>['table'];

/** The document's table from the aggregation query's rows. Throws invalid_input for too many cells, or none. */
export function outputTable(choices: TableChoices, rows: readonly OutputRow[], options: { hidden?: readonly CellKey[] } = {}): OutputTable {
  tooManyCells(rows);
  const hidden = options.hidden && options.hidden.length > 0 ? { suppressed: [...options.hidden] } : {};
  if (choices.kind === 'histogram') {
    const dimension = choices.measure;
    const cells = rows.map((row) => ({
      key: { [dimension]: binLabel(choices.bins, toIndex(row['bin'])) },
      count: toCount(row['n'], 'a bin’s size'),
    }));
    return { dimensions: [dimension], cells, totals: 'none', ...hidden };
  }
  const totals = choices.totals ? {} : { totals: 'none' as const };
  // Every combination of categories is a cell of the table (an unlisted one is an empty cell): count them all.
  const combinations = choices.dimensions.reduce((n, _, i) => n * new Set(rows.map((row) => categoryLabel(row[`d${i}`]))).size, 1);
  if (combinations > MAX_OUTPUT_CELLS) {
    throw invalid(
      `These dimensions make ${combinations.toLocaleString('en-GB')} cells (every combination of their categories); at most ${MAX_OUTPUT_CELLS.toLocaleString('en-GB')} can be checked: choose dimensions with fewer categories.`,
    );
  }
  let values = 0;
  const cells = rows.map((row) => {
    const key = Object.fromEntries(choices.dimensions.map((d, i) => [d, categoryLabel(row[`d${i}`])]));
    const count = toCount(row['n'], 'a cell’s size');
    if (choices.kind !== 'magnitude') return { key, count };
    const text = row['v'];
    const contributions = typeof text === 'string' && text !== '' ? text.split(',').map(Number) : [];
    if (contributions.length !== toCount(row['k'], 'a number of values') || contributions.some((v) => !Number.isFinite(v))) {
      throw new EnclaveError('internal', 'The engine’s values for a cell did not read back as numbers.');
    }
    values += contributions.length;
    return { key, count, contributions };
  });
  if (values > MAX_CONTRIBUTIONS) {
    throw invalid(
      `This magnitude table holds ${values.toLocaleString('en-GB')} values; at most ${MAX_CONTRIBUTIONS.toLocaleString('en-GB')} can travel with an output.`,
    );
  }
  return { dimensions: [...choices.dimensions], cells, ...totals, ...hidden };
}

/** A regression summary's coefficients from the result's rows (term, estimate, std_error, p_value). */
export function coefficientsOf(rows: readonly OutputRow[]): Extract<OutputDocument, { kind: 'regression' }>['coefficients'] {
  if (rows.length === 0) throw invalid('The result has no coefficients.');
  if (rows.length > MAX_COEFFICIENTS) throw invalid(`A regression summary has at most ${MAX_COEFFICIENTS} terms.`);
  return rows.map((row, i) => {
    const term = row['term'];
    const estimate = toNumberOrNull(row['estimate']);
    if (term === null || term === undefined || String(term) === '') throw invalid(`Row ${i + 1} of the result has no term.`);
    if (estimate === null) throw invalid(`The estimate of ${String(term)} is not a number.`);
    const standardError = toNumberOrNull(row['std_error']);
    const pValue = toNumberOrNull(row['p_value']);
    if (standardError !== null && standardError < 0) throw invalid(`The standard error of ${String(term)} is negative.`);
    if (pValue !== null && (pValue < 0 || pValue > 1)) throw invalid(`The p-value of ${String(term)} is not between 0 and 1.`);
    return { term: String(term), estimate, standardError, pValue };
  });
}

/** Whether a result's columns can make a regression summary. */
export function holdsRegression(columns: readonly { name: string }[]): boolean {
  return REGRESSION_COLUMNS.every((name) => columns.some((c) => c.name === name));
}

/** Axis titles of a chart output, in words. */
export function chartAxes(choices: Extract<OutputChoices, { kind: 'bar' | 'histogram' }>): { x: string; y: string } {
  if (choices.kind === 'histogram') return { x: choices.measure, y: 'Number of rows' };
  return { x: choices.dimensions.join(' × '), y: 'Number of rows' };
}

/**
 * The output document from the choices and the aggregation query's rows, checked against the document's schema.
 * `sql` is the aggregation query (so the checkers read exactly how the table was made).
 */
export function outputDocument(args: {
  choices: OutputChoices;
  title: string;
  sql: string;
  engine: 'native' | 'memory';
  rows: readonly OutputRow[];
  mitigation: AppliedMitigation;
  hidden?: readonly CellKey[];
  /** A frequency table's rates per this base instead of percentages (no other kind has them); absent or null: percentages. */
  ratePer?: RateBase | null;
}): OutputDocument {
  const { choices, rows } = args;
  const title = OutputTitleSchema.safeParse(args.title);
  if (!title.success) throw invalid(`The title ${title.error.issues[0]?.message ?? 'is not valid'}.`);
  const source = { sql: args.sql, engine: args.engine };
  let document: OutputDocument;
  if (choices.kind === 'regression') {
    document = {
      kind: 'regression',
      title: args.title,
      source,
      model: choices.model,
      coefficients: coefficientsOf(rows),
      observations: choices.observations,
      residualDof: choices.residualDof,
    };
  } else {
    const table = outputTable(choices, rows, { hidden: args.hidden });
    if (choices.kind === 'frequency') {
      // Percentages add nothing: a document without a base has the bytes it always had.
      const rates = args.ratePer ? { ratePer: args.ratePer } : {};
      document = { kind: 'frequency', title: args.title, source, table, mitigation: args.mitigation, ...rates };
    } else if (choices.kind === 'magnitude') {
      document = {
        kind: 'magnitude',
        title: args.title,
        source,
        table,
        mitigation: args.mitigation,
        statistic: choices.statistic,
        measure: choices.measure,
      };
    } else {
      const axes = chartAxes(choices);
      document = { kind: 'chart', title: args.title, source, chart: choices.kind, table, mitigation: args.mitigation, ...axes };
    }
  }
  const parsed = OutputDocumentSchema.safeParse(document);
  if (!parsed.success) throw invalid(`This output is not complete: ${parsed.error.issues[0]?.message ?? 'it does not hold together'}.`);
  return parsed.data;
}
