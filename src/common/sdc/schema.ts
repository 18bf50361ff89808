// The input of `enclave sdc check`: a table, optional rule overrides, and whether to protect it.
// Strict objects, so a misspelt field is an error that names it rather than a silent default.
import { z } from 'zod';

const KeyValueSchema = z.union([z.string().min(1), z.number()]);
const KeySchema = z.record(z.string(), KeyValueSchema);

const RoundingSchema = z.union([z.strictObject({ base: z.number().int().min(1) }), z.strictObject({ midpoint: z.number().int().min(2) })]);

export const RulesInputSchema = z.strictObject({
  profile: z.enum(['default', 'opensafely']).optional(),
  threshold: z.number().int().min(1).optional(),
  nk: z
    .strictObject({ n: z.number().int().min(1), k: z.number().gt(0).lt(1) })
    .nullable()
    .optional(),
  p: z.number().gt(0).lt(1).nullable().optional(),
  zerosDisclosive: z.boolean().optional(),
  rounding: RoundingSchema.nullable().optional(),
  dofThreshold: z.number().int().min(1).optional(),
});

export const CellInputSchema = z.strictObject({
  key: KeySchema,
  count: z.number().int().nullable(),
  contributions: z.array(z.number().nullable()).optional(),
});

export const TableInputSchema = z.strictObject({
  dimensions: z
    .array(
      z
        .string()
        .min(1)
        .refine((d) => d !== '*', { message: '"*" cannot name a dimension' }),
    )
    .min(1)
    .max(3)
    .refine((dims) => new Set(dims).size === dims.length, { message: 'dimension names must be distinct' }),
  cells: z.array(CellInputSchema).min(1),
  totals: z.enum(['published', 'recomputed', 'none']).optional(),
  lowerBound: z.union([z.literal(0), z.literal(1)]).optional(),
  suppressed: z.array(KeySchema).optional(),
});

export const CheckInputSchema = z.strictObject({
  rules: RulesInputSchema.optional(),
  table: TableInputSchema,
  protect: z.boolean().optional(),
});

export type CheckInput = z.infer<typeof CheckInputSchema>;
