// An agreement as people read it (src/common/agreement-views.ts): its standing today, each member's standing, and who
// may see what, per dataset, per field, in the catalogue's own words, with the row conditions in words. Pure: the
// caller passes the catalogue's datasets, the field kinds, the people's names and the clock. The admins' list of every
// agreement, refused files included, is built here too.
import type {
  AgreementDatasetView,
  AgreementEntry,
  AgreementMemberView,
  AgreementRefusal,
  AgreementView,
} from '../../common/agreement-views.ts';
import type { FieldTag } from '../../common/contract.ts';
import { fieldLabel, projectFieldTreatment, projectFieldWords, type FieldKinds } from '../minimisation/project-treatments.ts';
import type { AgreementFileError, AgreementInForce } from './loader.ts';
import { LEGAL_BASES, type Agreement, type AgreementMember, type RowCondition } from './schema.ts';
import { membershipState, projectStanding, type MemberTraining } from './standing.ts';

/** A dataset of the catalogue, as far as the view needs it. */
export interface CatalogueDataset {
  readonly id: string;
  readonly name: string;
  readonly fields: ReadonlyArray<{ readonly name: string; readonly tags: readonly FieldTag[] }>;
}

export interface AgreementViewContext {
  /** The catalogue's datasets (at least the agreement's). */
  readonly datasets: readonly CatalogueDataset[];
  readonly kinds: FieldKinds;
  /** A person's name on the platform, or null when it does not know them. */
  readonly displayName: (userId: string) => string | null;
  /** A member's training for their project role, from the platform's records; absent: not judged. */
  readonly training?: (userId: string, role: AgreementMember['role']) => MemberTraining | undefined;
  readonly now: Date;
}

const MEMBER_STANDING_WORDS = {
  in_force: () => 'In force',
  not_started: (member: AgreementMember) => `Starts on ${member.start}`,
  ended: (member: AgreementMember) => `Ended on ${member.end}`,
  training_lapsed: (_member: AgreementMember, training?: MemberTraining) =>
    training?.expires === null || training?.expires === undefined
      ? `No record of ${training?.course ?? 'the training'}`
      : `${training.course ?? 'Training'} expired on ${training.expires}`,
} as const;

function memberView(member: AgreementMember, context: AgreementViewContext): AgreementMemberView {
  const training = context.training?.(member.userId, member.role);
  const standing = membershipState(member, context.now, training);
  return {
    userId: member.userId,
    displayName: context.displayName(member.userId),
    role: member.role,
    start: member.start,
    end: member.end,
    trainingExpires: training?.expires ?? null,
    mayRequestRelease: member.mayRequestRelease,
    standing,
    standingText: MEMBER_STANDING_WORDS[standing](member, training),
  };
}

/** "“positive”", "“a”, “b” or “c”". */
function listOfValues(values: readonly string[]): string {
  const quoted = values.map((value) => `“${value}”`);
  return quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

/**
 * A row condition in words, for the dataset it limits: "Only rows whose admission date is on or after 2019-04-01.",
 * "Only rows whose NHS number matches a row of COVID-19 tests (by NHS number) whose result is “positive”."
 */
export function rowConditionWords(condition: RowCondition, datasetName: (id: string) => string): string {
  if (condition.condition === 'date_from') return `Only rows whose ${fieldLabel(condition.field)} is on or after ${condition.from}.`;
  const where =
    condition.where === undefined ? '' : ` whose ${fieldLabel(condition.where.field)} is ${listOfValues(condition.where.oneOf)}`;
  const cohort = `${datasetName(condition.cohortDataset)} (by ${fieldLabel(condition.cohortField)})`;
  return `Only rows whose ${fieldLabel(condition.field)} matches a row of ${cohort}${where}.`;
}

function datasetViews(agreement: Agreement, context: AgreementViewContext): AgreementDatasetView[] {
  const byId = new Map(context.datasets.map((dataset) => [dataset.id, dataset]));
  const nameOf = (id: string): string => byId.get(id)?.name ?? id;
  return agreement.datasets.map((id) => {
    const dataset = byId.get(id);
    const fields = (dataset?.fields ?? []).map((field) => {
      const treatment = projectFieldTreatment({ agreement, datasetId: id, field, kinds: context.kinds });
      return {
        name: field.name,
        available: treatment.treatment !== 'drop',
        treatment: projectFieldWords({ agreement, field, treatment }),
      };
    });
    const rowConditions = agreement.rowConditions
      .filter((condition) => condition.dataset === id)
      .map((condition) => rowConditionWords(condition, nameOf));
    return { id, name: nameOf(id), fields, rowConditions };
  });
}

function optOutWords(agreement: Agreement): string {
  if (agreement.nationalDataOptOutApplies) {
    return 'Applies: patients who registered a national data opt-out are left out of every dataset.';
  }
  return `Does not apply: the project's legal basis (${LEGAL_BASES[agreement.legalBasis.kind].label}) sets it aside.`;
}

/** One version of a project's agreement as its members and the admins read it. */
export function agreementView(inForce: AgreementInForce, context: AgreementViewContext): AgreementView {
  const { agreement } = inForce;
  const standing = projectStanding(agreement, context.now);
  return {
    projectId: inForce.projectId,
    projectName: agreement.projectName,
    version: inForce.version,
    status: standing.inForce ? 'in_force' : standing.reason,
    statusText: standing.inForce ? `In force until ${agreement.expires}.` : standing.message,
    purpose: agreement.purpose,
    legalBasis: {
      kind: agreement.legalBasis.kind,
      label: LEGAL_BASES[agreement.legalBasis.kind].label,
      reference: agreement.legalBasis.reference,
      allowsMoreThanDefaults: agreement.legalBasis.allowsMoreThanDefaults,
      exemptFromOptOut: agreement.legalBasis.exemptFromOptOut,
    },
    nationalDataOptOut: { applies: agreement.nationalDataOptOutApplies, text: optOutWords(agreement) },
    dpiaReference: agreement.dpiaReference,
    start: agreement.start,
    expires: agreement.expires,
    referenceDate: agreement.referenceDate,
    rowCap: agreement.rowCap,
    members: agreement.members.map((member) => memberView(member, context)),
    datasets: datasetViews(agreement, context),
  };
}

function refusalOf(error: AgreementFileError): AgreementRefusal {
  return {
    file: error.file,
    problems: error.problems.map((problem) => ({
      file: problem.file,
      line: problem.line,
      column: problem.column,
      field: problem.path,
      message: problem.message,
    })),
  };
}

/**
 * Every agreement the platform knows, by project id: the version in force with its standing, and a refused newer file
 * beside it; a project whose only file was refused stands as `refused`.
 */
export function agreementEntries(options: {
  inForce: readonly AgreementInForce[];
  refused: ReadonlyMap<string, AgreementFileError>;
  context: AgreementViewContext;
}): AgreementEntry[] {
  const { inForce, refused, context } = options;
  const byProject = new Map(inForce.map((entry) => [entry.projectId, entry]));
  const projectIds = [...new Set([...byProject.keys(), ...refused.keys()])].sort();
  return projectIds.map((projectId) => {
    const entry = byProject.get(projectId);
    const error = refused.get(projectId);
    const refusal = error === undefined ? null : refusalOf(error);
    if (entry === undefined) {
      return {
        projectId,
        status: 'refused',
        statusText: `Not in force: its file ${error?.file ?? `${projectId}.json`} was refused, and no earlier version was accepted.`,
        inForce: null,
        refusal,
      };
    }
    const view = agreementView(entry, context);
    return { projectId, status: view.status, statusText: view.statusText, inForce: view, refusal };
  });
}
