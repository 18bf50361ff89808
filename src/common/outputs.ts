// Outputs (issue 16): what an analyst makes from a local result to take out of the environment, as one document per
// output file. The workstation builds it from local data (src/workstation/outputs, renderer/src/outputs), the
// disclosure-control engine (src/common/sdc) checks it, the platform re-checks it when it is added to a release
// request and stores its SHA-256 (of `outputBytes`), and the export writes only what was released. Pure zod: shared by
// the platform's routes, the workstation contract and the renderer.
//
// A table output carries the counts (and for a magnitude table each cell's contributions) because the platform must
// re-run the rules on them; contributions are evidence for the checkers and never leave: the release package and the
// exports hold only the published cells.
import { z } from 'zod';
import { CellInputSchema, TableInputSchema } from './sdc/schema.ts';

/** What a person calls an output: shown on every screen and in the export's file name. */
export const OutputTitleSchema = z
  .string()
  .max(200, 'must be at most 200 characters')
  .refine((text) => text.trim().length >= 3, 'must say what the output is (at least 3 characters)');

/** A column of a local result that an output is made from. */
const ColumnNameSchema = z.string().min(1).max(128);

/**
 * The mitigation the analyst applied, one of three words everywhere (with the engine's verdict and the human
 * decision): `none`, `suppressed` (the engine's suggested primary and secondary suppression, plus any cells the
 * analyst hid), `rounded` (every published count rounded to a base).
 */
export const MitigationSchema = z.enum(['none', 'suppressed', 'rounded']);
export type Mitigation = z.infer<typeof MitigationSchema>;

export const AppliedMitigationSchema = z
  .object({
    kind: MitigationSchema,
    /** Rounding base when `rounded` (a tightening: the platform's profile may round as well). */
    roundingBase: z.number().int().min(2).max(1000).nullable(),
  })
  .strict()
  .refine((m) => (m.kind === 'rounded') === (m.roundingBase !== null), {
    message: 'a rounding base goes with the rounded mitigation, and only with it',
    path: ['roundingBase'],
  });
export type AppliedMitigation = z.infer<typeof AppliedMitigationSchema>;

/** How the table was made from the local data, for the checkers and the provenance sheet. */
const SourceSchema = z
  .object({
    /** The local SQL (or table) the result came from. */
    sql: z.string().max(200_000),
    /** The engine that ran it: the workstation's native engine or the window's in-memory one. */
    engine: z.enum(['native', 'memory']),
  })
  .strict();

const TableOutputBase = {
  title: OutputTitleSchema,
  source: SourceSchema,
  /** The table as the engine takes it: dimensions, cells (counts, contributions), totals mode, cells the analyst hid. */
  table: TableInputSchema,
  mitigation: AppliedMitigationSchema,
};

/** The bases a frequency table's rates may be given per (deaths per 1,000 admissions). */
export const RATE_BASES = [1_000, 10_000, 100_000] as const;
export const RateBaseSchema = z.literal(RATE_BASES, 'must be 1000, 10000 or 100000 (a rate per 1,000, 10,000 or 100,000)');
export type RateBase = z.infer<typeof RateBaseSchema>;

export const FrequencyOutputSchema = z
  .object({
    kind: z.literal('frequency'),
    ...TableOutputBase,
    /**
     * Derived values as rates per this many of each row's published total, instead of percentages. Absent for
     * percentages, so that a document without it has the bytes (and SHA-256) it always had.
     */
    ratePer: RateBaseSchema.optional(),
  })
  .strict();

export const MagnitudeOutputSchema = z
  .object({
    kind: z.literal('magnitude'),
    ...TableOutputBase,
    statistic: z.enum(['sum', 'mean']),
    /** The measure's column name. */
    measure: ColumnNameSchema,
  })
  .strict()
  .refine((output) => output.table.cells.every((cell) => cell.contributions !== undefined), {
    message: 'every cell of a magnitude table needs its contributions (the values that enter the statistic)',
    path: ['table', 'cells'],
  });

/** A bar chart of a one- or two-way frequency table, or a histogram of a measure (every bin a count cell). */
export const ChartOutputSchema = z
  .object({
    kind: z.literal('chart'),
    title: OutputTitleSchema,
    source: SourceSchema,
    chart: z.enum(['bar', 'histogram']),
    /** For a bar chart: the table it draws (1 or 2 dimensions). For a histogram: one dimension, the bins as "lower–upper". */
    table: TableInputSchema,
    mitigation: AppliedMitigationSchema,
    /** Axis titles. */
    x: z.string().max(200),
    y: z.string().max(200),
  })
  .strict()
  .refine((output) => output.table.dimensions.length <= 2, {
    message: 'a chart draws a table of one or two dimensions',
    path: ['table', 'dimensions'],
  });

export const CoefficientSchema = z
  .object({
    term: z.string().min(1).max(200),
    estimate: z.number(),
    standardError: z.number().nonnegative().nullable(),
    pValue: z.number().min(0).max(1).nullable(),
  })
  .strict();

export const RegressionOutputSchema = z
  .object({
    kind: z.literal('regression'),
    title: OutputTitleSchema,
    source: SourceSchema,
    model: z.string().min(1).max(200),
    coefficients: z.array(CoefficientSchema).min(1).max(500),
    observations: z.number().int().nonnegative(),
    /** Residual degrees of freedom; the rule needs at least the profile's `dofThreshold`. */
    residualDof: z.number().int(),
  })
  .strict();

export const OutputDocumentSchema = z.discriminatedUnion('kind', [
  FrequencyOutputSchema,
  MagnitudeOutputSchema,
  ChartOutputSchema,
  RegressionOutputSchema,
]);
export type OutputDocument = z.infer<typeof OutputDocumentSchema>;
export type TableOutput = Extract<OutputDocument, { kind: 'frequency' | 'magnitude' | 'chart' }>;
export type OutputKind = OutputDocument['kind'];

/** The engine's verdict on an output, one of three words everywhere: `pass`, `flag` (a rule fails), `review` (a person must look). */
export const VerdictSchema = z.enum(['pass', 'flag', 'review']);
export type Verdict = z.infer<typeof VerdictSchema>;

/** A supporting file: visible to the checkers (code, a log, a data dictionary), never released. Text only. */
export const SupportingFileSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^/\\\0]+$/, 'must be a file name, not a path'),
    mediaType: z.enum(['text/plain', 'text/csv', 'text/markdown', 'text/x-sql']),
    text: z.string().max(1_000_000, 'must be at most 1,000,000 characters'),
  })
  .strict();
export type SupportingFile = z.infer<typeof SupportingFileSchema>;

export { CellInputSchema };

/**
 * The bytes whose SHA-256 names an output: its document as canonical JSON (keys in the schema's order, as zod's parse
 * writes them), UTF-8. The platform hashes what it stored; the export hashes what it is about to write from.
 */
export function outputBytes(document: OutputDocument): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(OutputDocumentSchema.parse(document)));
}
