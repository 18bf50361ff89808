// The catalogue ships as data (resources/catalogue/datasets.json): dataset and field metadata the data
// manager owns. The platform reads it once, when it seeds its metadata store.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { FieldTagSchema, IdSchema } from '../../common/contract.ts';
import { describeIssues, EnclaveError } from '../../common/errors.ts';

export const DEFAULT_CATALOGUE_PATH = new URL('../../../resources/catalogue/datasets.json', import.meta.url);

/** Field names become quoted SQL identifiers; keeping them plain is a second fence behind the quoting. */
const FieldNameSchema = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a lower-case SQL name');

export const CatalogueFileSchema = z
  .array(
    z.object({
      id: IdSchema,
      name: z.string().min(1),
      description: z.string(),
      /** Columns that identify a row; samples are ordered by them. Optional: without it, all columns order. */
      key: z.array(FieldNameSchema).min(1).optional(),
      fields: z
        .array(
          z.object({
            name: FieldNameSchema,
            type: z.string().min(1),
            description: z.string(),
            tags: z.array(FieldTagSchema).min(1, 'every field needs at least one tag'),
          }),
        )
        .min(1),
    }),
  )
  .superRefine((datasets, ctx) => {
    const ids = new Set<string>();
    datasets.forEach((dataset, i) => {
      if (ids.has(dataset.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: 'is listed twice' });
      ids.add(dataset.id);
      const names = new Set(dataset.fields.map((field) => field.name));
      if (names.size !== dataset.fields.length) ctx.addIssue({ code: 'custom', path: [i, 'fields'], message: 'names a field twice' });
      for (const column of dataset.key ?? []) {
        if (!names.has(column)) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: 'names a column that is not a field' });
      }
    });
  });

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
