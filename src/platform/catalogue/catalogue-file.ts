// The catalogue ships as data (resources/catalogue/datasets.json): dataset and field metadata the data
// manager owns. The platform reads it once, when it seeds its metadata store.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { FieldTagSchema, IdSchema } from '../../common/contract.ts';
import { describeIssues, EnclaveError } from '../../common/errors.ts';

export const DEFAULT_CATALOGUE_PATH = new URL('../../../resources/catalogue/datasets.json', import.meta.url);

/** Field names become quoted SQL identifiers; keeping them plain is a second fence behind the quoting. */
const FieldNameSchema = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a lower-case SQL name');

/** A calendar date written YYYY-MM-DD that exists (no 2023-02-30). */
export const CalendarDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
  .refine((text) => {
    const date = new Date(`${text}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
  }, 'is not a date in the calendar');

/** How long the data may be kept: a period from the date received ("5 years", "18 months") or the date it must be gone by. */
export const RetentionSchema = z.union(
  [z.string().regex(/^[1-9]\d{0,2} (year|years|month|months)$/), CalendarDateSchema],
  'must be a period such as "5 years" or "18 months", or a date YYYY-MM-DD',
);

/**
 * Issue 15's metadata: each dataset's provenance, and (below) each field's kind. Optional here, because not every
 * catalogue the platform is given carries them yet (the test fixtures do not); minimisation/classified-catalogue.ts
 * requires them, with the kind checked against the minimisation vocabulary (a layer above this one), and the shipped
 * catalogue passes it.
 */
export const DatasetProvenanceShape = {
  /** Where the data came from: the system or collection it was extracted from. */
  source: z.string().min(1),
  /** Who owns the data: the controller that shared it. */
  owner: z.string().min(1),
  /** The date the platform received this extract. */
  received: CalendarDateSchema,
  retention: RetentionSchema,
};

export const CatalogueFieldSchema = z.object({
  name: FieldNameSchema,
  type: z.string().min(1),
  /** What the field holds (minimisation's FieldKindSchema); it decides the field's default treatment. */
  kind: z
    .string()
    .regex(/^[a-z][a-z_]*$/, 'must be a kind of field such as "event_date"')
    .optional(),
  description: z.string(),
  tags: z.array(FieldTagSchema).min(1, 'every field needs at least one tag'),
});

export const CatalogueDatasetSchema = z.object({
  id: IdSchema,
  name: z.string().min(1),
  description: z.string(),
  source: DatasetProvenanceShape.source.optional(),
  owner: DatasetProvenanceShape.owner.optional(),
  received: DatasetProvenanceShape.received.optional(),
  retention: DatasetProvenanceShape.retention.optional(),
  /** Columns that identify a row; samples are ordered by them. Optional: without it, all columns order. */
  key: z.array(FieldNameSchema).min(1).optional(),
  fields: z.array(CatalogueFieldSchema).min(1),
});

interface CheckedDataset {
  readonly id: string;
  readonly key?: readonly string[] | undefined;
  readonly fields: readonly { readonly name: string }[];
  readonly received?: string | undefined;
  readonly retention?: string | undefined;
}

/** The rules that span a dataset's parts: unique ids and names, a key made of fields, retention after receipt. */
export function checkCatalogue(datasets: readonly CheckedDataset[], ctx: z.RefinementCtx): void {
  const ids = new Set<string>();
  datasets.forEach((dataset, i) => {
    if (ids.has(dataset.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: 'is listed twice' });
    ids.add(dataset.id);
    const names = new Set(dataset.fields.map((field) => field.name));
    if (names.size !== dataset.fields.length) ctx.addIssue({ code: 'custom', path: [i, 'fields'], message: 'names a field twice' });
    for (const column of dataset.key ?? []) {
      if (!names.has(column)) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: 'names a column that is not a field' });
    }
    const { received, retention } = dataset;
    if (received !== undefined && retention !== undefined && /^\d{4}-/.test(retention) && retention <= received) {
      ctx.addIssue({ code: 'custom', path: [i, 'retention'], message: 'must end after the date the data was received' });
    }
  });
}

export const CatalogueFileSchema = z.array(CatalogueDatasetSchema).superRefine(checkCatalogue);

export type CatalogueFile = z.infer<typeof CatalogueFileSchema>;
export type CatalogueFileDataset = CatalogueFile[number];

export async function readCatalogueFile(file: string | URL): Promise<CatalogueFile> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw new EnclaveError('unavailable', `The catalogue file ${String(file)} is missing or is not valid JSON.`);
  }
  const parsed = CatalogueFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new EnclaveError('unavailable', `The catalogue file ${String(file)} is not valid: ${describeIssues(parsed.error)}`);
  }
  return parsed.data;
}
