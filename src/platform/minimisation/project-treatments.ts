// What one project sees of a dataset, from its agreement in force and the policy: each field's effective treatment
// (the policy's default, or the agreement's override when the policy accepts it) and that treatment in words for the
// catalogue. Fails closed: a field with no kind the policy knows, an override the policy refuses, or a dataset the
// agreement does not list, is dropped.
import type { Agreement } from '../agreements/schema.ts';
import { effectiveTreatment, type PolicyProfile } from './policy.ts';
import { FieldKindSchema, type FieldKind, type Treatment } from './treatment-schema.ts';
import { treatmentWords } from './treatments.ts';
import type { FieldTag } from '../../common/contract.ts';

export interface ProjectField {
  readonly name: string;
  readonly tags: readonly FieldTag[];
}

/** Each catalogue field's kind, by dataset and field; undefined when the catalogue gives none (then it is dropped). */
export type FieldKinds = (datasetId: string, fieldName: string) => FieldKind | undefined;

/** The kinds of a catalogue file's fields; a kind outside the vocabulary counts as none. */
export function fieldKindsOf(
  catalogue: ReadonlyArray<{
    readonly id: string;
    readonly fields: ReadonlyArray<{ readonly name: string; readonly kind?: string | undefined }>;
  }>,
): FieldKinds {
  const kinds = new Map<string, FieldKind>();
  for (const dataset of catalogue) {
    for (const field of dataset.fields) {
      const parsed = FieldKindSchema.safeParse(field.kind);
      if (parsed.success) kinds.set(`${dataset.id}.${field.name}`, parsed.data);
    }
  }
  return (datasetId, fieldName) => kinds.get(`${datasetId}.${fieldName}`);
}

const DROP: Treatment = { treatment: 'drop' };

/** The treatment the project's agreement gives one field (drop when anything is unknown or refused). */
export function projectFieldTreatment(options: {
  agreement: Agreement;
  datasetId: string;
  field: ProjectField;
  kinds: FieldKinds;
  policy?: PolicyProfile;
}): Treatment {
  const { agreement, datasetId, field } = options;
  if (!agreement.datasets.includes(datasetId)) return DROP;
  const kind = options.kinds(datasetId, field.name);
  if (kind === undefined) return DROP;
  const effective = effectiveTreatment({
    field: { dataset: datasetId, name: field.name, kind, tags: field.tags },
    override: agreement.treatments[datasetId]?.[field.name],
    legalBasisAllowsMore: agreement.legalBasis.allowsMoreThanDefaults,
    ...(options.policy === undefined ? {} : { policy: options.policy }),
  });
  return effective.ok ? effective.treatment : DROP;
}

/** The catalogue's words for a field's treatment ("date of birth → 5-year age band at 2023-03-31, 90 and over together"). */
export function projectFieldWords(options: { agreement: Agreement; field: ProjectField; treatment: Treatment }): string {
  return treatmentWords(fieldLabel(options.field.name), options.treatment, { referenceDate: options.agreement.referenceDate });
}

const ACRONYMS: Readonly<Record<string, string>> = { nhs: 'NHS', lsoa: 'LSOA', id: 'id' };

/** A field's name as words: nhs_number → NHS number, date_of_birth → date of birth. */
export function fieldLabel(name: string): string {
  return name
    .split('_')
    .map((word) => ACRONYMS[word] ?? word)
    .join(' ');
}
