// The catalogue as minimisation needs it: every field with a kind from the minimisation vocabulary, every dataset with
// its source, owner, date received and retention. The catalogue layer below checks what it can without knowing the
// vocabulary (catalogue/catalogue-file.ts); this schema requires all of it. The shipped catalogue passes it.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { describeIssues, EnclaveError } from '../../common/errors.ts';
import { CatalogueDatasetSchema, CatalogueFieldSchema, checkCatalogue, DatasetProvenanceShape } from '../catalogue/catalogue-file.ts';
import { FieldKindSchema } from './treatment-schema.ts';

export const ClassifiedCatalogueFileSchema = z
  .array(
    CatalogueDatasetSchema.extend({
      ...DatasetProvenanceShape,
      fields: z.array(CatalogueFieldSchema.extend({ kind: FieldKindSchema })).min(1),
    }),
  )
  .superRefine(checkCatalogue);

export type ClassifiedCatalogue = z.infer<typeof ClassifiedCatalogueFileSchema>;
export type ClassifiedDataset = ClassifiedCatalogue[number];
export type ClassifiedField = ClassifiedDataset['fields'][number];

export async function readClassifiedCatalogueFile(file: string | URL): Promise<ClassifiedCatalogue> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw new EnclaveError('unavailable', `The catalogue file ${String(file)} is missing or is not valid JSON.`);
  }
  const parsed = ClassifiedCatalogueFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new EnclaveError('unavailable', `The catalogue file ${String(file)} is not valid: ${describeIssues(parsed.error)}`);
  }
  return parsed.data;
}
