// A project's minimised copy, as data for the engine: per dataset the agreement lists, its relation (the dataset's
// name) with each field the project may see, treated, and the rows the project may see (the agreement's row
// conditions, and the national data opt-out unless the legal basis exempts the project). The engine builds it; the
// project's queries and samples read nothing else.
//
// Rows are chosen on raw values (a date condition compares the recorded date, a cohort matches the recorded NHS
// number) before any field is treated; what the project then sees of every row is treated. A cohort is defined on the
// raw cohort dataset (its rows that meet `where`), less opted-out patients where the opt-out applies.
import { createHash } from 'node:crypto';
import { EnclaveError } from '../../common/errors.ts';
import { quoteIdentifier } from '../../common/sql-identifiers.ts';
import type { AgreementInForce } from '../agreements/loader.ts';
import type { Agreement, RowCondition } from '../agreements/schema.ts';
import type { CopyColumn, CopyRelation, CopySpec, RowFilter } from '../engine/data-engine.ts';
import type { PolicyProfile } from './policy.ts';
import { hmacBlocks, PSEUDONYM_LETTERS } from './pseudonym.ts';
import { projectFieldTreatment, type FieldKinds, type ProjectField } from './project-treatments.ts';
import { treatmentSql, type TreatmentContext } from './treatments.ts';

/** The national data opt-out register: patients in it are left out of every dataset of a project it applies to. */
export const OPT_OUT_DATASET = 'national_opt_outs';

/** The pseudonym domain of every person identifier: the same person has one pseudonym in all of a project's datasets. */
const PERSON_DOMAIN = 'person';

export interface CopyDataset {
  readonly id: string;
  readonly orderKey: readonly string[];
  readonly fields: readonly ProjectField[];
}

/** The dataset's person identifier (the field whose kind says so), if it has one. */
function personIdentifier(dataset: CopyDataset, kinds: FieldKinds): string | undefined {
  return dataset.fields.find((field) => kinds(dataset.id, field.name) === 'person_identifier')?.name;
}

function conditionFilter(condition: RowCondition): RowFilter {
  if (condition.condition === 'date_from') return { kind: 'date_from', column: condition.field, from: condition.from };
  return {
    kind: 'in',
    column: condition.field,
    dataset: condition.cohortDataset,
    datasetColumn: condition.cohortField,
    ...(condition.where === undefined ? {} : { where: { column: condition.where.field, oneOf: condition.where.oneOf } }),
  };
}

function optOutFilter(options: {
  dataset: CopyDataset;
  optOut: CopyDataset | undefined;
  kinds: FieldKinds;
  agreement: Agreement;
}): RowFilter[] {
  const { dataset, optOut, kinds, agreement } = options;
  if (!agreement.nationalDataOptOutApplies) return [];
  const identifier = personIdentifier(dataset, kinds);
  // A dataset about no person (reference data) has no one to leave out.
  if (identifier === undefined || dataset.id === OPT_OUT_DATASET) return [];
  const register = optOut === undefined ? undefined : personIdentifier(optOut, kinds);
  if (optOut === undefined || register === undefined) {
    // Fails closed: without the register the platform cannot honour the opt-out, so it shows nothing.
    throw new EnclaveError(
      'unavailable',
      `The national data opt-out applies to ${agreement.projectName}, but the platform has no opt-out register (${OPT_OUT_DATASET}) with a person identifier. Tell the data manager.`,
    );
  }
  return [{ kind: 'not_in', column: identifier, dataset: OPT_OUT_DATASET, datasetColumn: register }];
}

function relationOf(options: {
  agreement: Agreement;
  dataset: CopyDataset;
  optOut: CopyDataset | undefined;
  kinds: FieldKinds;
  context: TreatmentContext;
  policy: PolicyProfile | undefined;
}): CopyRelation | undefined {
  const { agreement, dataset, kinds, context } = options;
  const columns: CopyColumn[] = dataset.fields.flatMap((field): CopyColumn[] => {
    const treatment = projectFieldTreatment({
      agreement,
      datasetId: dataset.id,
      field,
      kinds,
      ...(options.policy === undefined ? {} : { policy: options.policy }),
    });
    if (treatment.treatment === 'drop') return [];
    if (treatment.treatment === 'pseudonym') {
      // People share one domain across the project's datasets (that is what links them); any other identifier is
      // its own domain, so episode 1 and test 1 do not share a pseudonym, nor a record id and a person.
      const domain = kinds(dataset.id, field.name) === 'person_identifier' ? PERSON_DOMAIN : `${dataset.id}.${field.name}`;
      return [{ name: field.name, pseudonymOf: field.name, domain }];
    }
    return [{ name: field.name, sql: treatmentSql(treatment, `raw.${quoteIdentifier(field.name)}`, context) }];
  });
  // Nothing of the dataset is available to the project: no relation at all.
  if (columns.length === 0) return undefined;
  const filters = [
    ...agreement.rowConditions.filter((condition) => condition.dataset === dataset.id).map(conditionFilter),
    ...optOutFilter({ dataset, optOut: options.optOut, kinds, agreement }),
  ];
  const present = new Set(columns.map((column) => column.name));
  return { name: dataset.id, datasetId: dataset.id, columns, filters, sampleOrder: dataset.orderKey.filter((name) => present.has(name)) };
}

/** What the engine builds for a project under its agreement in force. */
export function projectCopySpec(options: {
  agreement: AgreementInForce;
  /** The catalogue's datasets (at least those the agreement lists, and the opt-out register when there is one). */
  datasets: readonly CopyDataset[];
  kinds: FieldKinds;
  projectKey: Uint8Array;
  policy?: PolicyProfile;
}): CopySpec {
  const { agreement: inForce, kinds, projectKey } = options;
  const agreement = inForce.agreement;
  const byId = new Map(options.datasets.map((dataset) => [dataset.id, dataset]));
  const context: TreatmentContext = { referenceDate: agreement.referenceDate };
  const relations = agreement.datasets.flatMap((id) => {
    const dataset = byId.get(id);
    if (dataset === undefined) return [];
    const relation = relationOf({ agreement, dataset, optOut: byId.get(OPT_OUT_DATASET), kinds, context, policy: options.policy });
    return relation === undefined ? [] : [relation];
  });
  // Everything the copy's contents depend on: the relations as built (treatments, conditions, the opt-out), and the
  // key (by its hash), so a changed agreement, policy, catalogue or key gives a new version and a new copy.
  const version = createHash('sha256')
    .update(JSON.stringify({ projectId: inForce.projectId, relations }))
    .update(createHash('sha256').update(projectKey).digest())
    .digest('hex');
  return {
    projectId: inForce.projectId,
    version,
    relations,
    pseudonymKey: {
      ...hmacBlocks(projectKey),
      // A person's pseudonym is the HMAC of their NHS number itself; another domain's values are told apart by its name.
      prefix: (domain) => (domain === PERSON_DOMAIN ? new Uint8Array() : new TextEncoder().encode(`${domain}\u0000`)),
      letters: PSEUDONYM_LETTERS,
    },
  };
}
