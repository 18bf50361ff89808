// One project's data-sharing agreement, as the data manager writes it: one JSON file per project,
// `<project id>.json`, in the agreements folder (issue 15). Pure zod. The loader (./loader.ts) reads and cross-checks
// the files and gives each accepted change a version; ./standing.ts says whether an agreement, and a member's place in
// it, is in force today. Every message here completes a sentence that starts with the field's path
// ("members[1].trainingExpires: must be a date like 2026-03-31"), so it must read well after a colon.
import { z } from 'zod';
import { IdSchema } from '../../common/contract.ts';
import { TreatmentSchema } from '../minimisation/treatment-schema.ts';

/** A calendar date, as people write it in the UK's data-sharing paperwork: 2026-03-31. */
export const AgreementDateSchema = z
  .string({ error: (issue) => (issue.input === undefined ? undefined : 'must be a date like 2026-03-31') })
  // abort: a text that is not shaped like a date is not also told it is not a day of the calendar.
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date like 2026-03-31', abort: true })
  .refine(isCalendarDate, 'is not a day of the calendar (check the month and the day)');

function isCalendarDate(text: string): boolean {
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** Dataset and field names are the catalogue's: lower-case SQL names. */
const NameSchema = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a lower-case name like date_of_birth');

/**
 * The legal bases a UK health-data project usually rests on, for the common law duty of confidentiality and the
 * national data opt-out (the UK GDPR basis is recorded in `reference` and the DPIA). What each may permit is in
 * LEGAL_BASES below.
 */
export const LegalBasisKindSchema = z.enum([
  /** Each person's explicit consent. */
  'consent',
  /** Support under section 251 of the NHS Act 2006, on the Confidentiality Advisory Group's advice. */
  's251_support',
  /** A notice under regulation 3(4) of the Health Service (Control of Patient Information) Regulations 2002. */
  'copi_notice',
  /** A legal requirement: a direction under the Health and Social Care Act 2012 (e.g. the opt-out's own direction). */
  'statutory_direction',
  /** Public task (UK GDPR 6(1)(e) with 9(2)(j)) on pseudonymised data, with no confidentiality basis beyond it. */
  'public_task',
]);
export type LegalBasisKind = z.infer<typeof LegalBasisKindSchema>;

export interface LegalBasisRule {
  /** How the basis is named to people. */
  readonly label: string;
  /** Whether the basis can set the national data opt-out aside (the opt-out does not apply to consent or a legal requirement). */
  readonly mayExemptFromOptOut: boolean;
  /** Whether the basis can let a project see more than the policy's default treatments. */
  readonly mayAllowMoreThanDefaults: boolean;
}

export const LEGAL_BASES: Readonly<Record<LegalBasisKind, LegalBasisRule>> = {
  consent: { label: 'explicit consent', mayExemptFromOptOut: true, mayAllowMoreThanDefaults: true },
  s251_support: { label: 'section 251 support', mayExemptFromOptOut: true, mayAllowMoreThanDefaults: true },
  copi_notice: { label: 'a COPI notice', mayExemptFromOptOut: true, mayAllowMoreThanDefaults: true },
  statutory_direction: { label: 'a statutory direction', mayExemptFromOptOut: true, mayAllowMoreThanDefaults: true },
  public_task: { label: 'public task on pseudonymised data', mayExemptFromOptOut: false, mayAllowMoreThanDefaults: false },
};

export const LegalBasisSchema = z
  .object({
    kind: LegalBasisKindSchema,
    /** Where the basis is recorded: the CAG reference, the direction's name, the consent form's version. */
    reference: z.string().trim().min(1, 'must say where the basis is recorded (e.g. 21/CAG/0042)'),
    /** The basis lets the project see more than the policy's default treatments (checked per field by the policy). */
    allowsMoreThanDefaults: z.boolean(),
    /** The basis sets the national data opt-out aside for this project. */
    exemptFromOptOut: z.boolean(),
  })
  .strict()
  .superRefine((basis, ctx) => {
    const rule = LEGAL_BASES[basis.kind];
    if (basis.exemptFromOptOut && !rule.mayExemptFromOptOut) {
      ctx.addIssue({
        code: 'custom',
        path: ['exemptFromOptOut'],
        message: `must be false: ${rule.label} cannot set the national data opt-out aside`,
      });
    }
    if (basis.allowsMoreThanDefaults && !rule.mayAllowMoreThanDefaults) {
      ctx.addIssue({
        code: 'custom',
        path: ['allowsMoreThanDefaults'],
        message: `must be false: ${rule.label} cannot allow more than the policy's defaults`,
      });
    }
  });
export type LegalBasis = z.infer<typeof LegalBasisSchema>;

/** What a member does in the project; release requests need `mayRequestRelease` as well. */
export const ProjectRoleSchema = z.enum(['lead', 'analyst', 'data_manager']);
export type ProjectRole = z.infer<typeof ProjectRoleSchema>;

export const MemberSchema = z
  .object({
    userId: IdSchema,
    role: ProjectRoleSchema,
    /** First day of membership. */
    start: AgreementDateSchema,
    /** Last day of membership. */
    end: AgreementDateSchema,
    /**
     * No longer read: a member's training comes from the platform's training records (one source, never two). Accepted
     * so that older files still load.
     */
    trainingExpires: AgreementDateSchema.optional(),
    /** Granted by a data manager on the data owner's behalf; the airlock refuses release requests without it. */
    mayRequestRelease: z.boolean(),
  })
  .strict()
  .refine((member) => member.end >= member.start, { path: ['end'], message: 'must not be before start' });
export type AgreementMember = z.infer<typeof MemberSchema>;

/**
 * Which rows of a dataset the project sees. Data, never SQL: the platform turns each into its own query.
 * `date_from`: rows whose date field is on or after `from`.
 * `in_cohort`: rows whose `field` matches `cohortField` of some row of `cohortDataset` (optionally only the cohort
 * rows whose `where.field` is one of `where.oneOf`), e.g. admissions of people with a positive test.
 */
export const RowConditionSchema = z.discriminatedUnion('condition', [
  z
    .object({
      condition: z.literal('date_from'),
      dataset: NameSchema,
      field: NameSchema,
      from: AgreementDateSchema,
    })
    .strict(),
  z
    .object({
      condition: z.literal('in_cohort'),
      dataset: NameSchema,
      field: NameSchema,
      cohortDataset: NameSchema,
      cohortField: NameSchema,
      where: z
        .object({
          field: NameSchema,
          oneOf: z.array(z.string()).min(1, 'must list at least one value'),
        })
        .strict()
        .optional(),
    })
    .strict(),
]);
export type RowCondition = z.infer<typeof RowConditionSchema>;

export const AgreementSchema = z
  .object({
    projectId: IdSchema,
    /** The project's name as members see it ("Cardiovascular admissions"). */
    projectName: z.string().trim().min(1, 'must not be empty'),
    purpose: z.string().trim().min(1, 'must say what the project is for'),
    legalBasis: LegalBasisSchema,
    /** Whether opted-out patients are excluded from every dataset; false needs a basis that exempts the project. */
    nationalDataOptOutApplies: z.boolean(),
    /** The data protection impact assessment's reference; null: the project cannot start. */
    dpiaReference: z
      .string({
        error: (issue) => (issue.input === undefined ? undefined : 'must be text in "double quotes", or null while there is none'),
      })
      .trim()
      .min(1, 'must not be empty (write null while there is none)')
      .nullable(),
    /** When the DPIA must next be reviewed (the expiries panel warns ahead of it); absent: no review date set. */
    dpiaReviewDue: AgreementDateSchema.optional(),
    /** First day the agreement is in force. */
    start: AgreementDateSchema,
    /** Last day the agreement is in force. */
    expires: AgreementDateSchema,
    /** The date ages are computed at (age bands, year of birth). */
    referenceDate: AgreementDateSchema,
    /** Most rows one query may return. */
    rowCap: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1_000_000_000, 'must be at most 1000000000'),
    members: z.array(MemberSchema),
    datasets: z.array(NameSchema).min(1, 'must list at least one dataset'),
    /** Per dataset, per field: a treatment that replaces the policy's default (tighter, unless the basis allows more). */
    treatments: z.record(NameSchema, z.record(NameSchema, TreatmentSchema)),
    rowConditions: z.array(RowConditionSchema),
    /**
     * The disclosure-control rule profile the airlock checks this project's outputs with: 'default' (threshold 10,
     * dominance, p-ratio) or 'opensafely' (redact counts up to 7, round to 5). Absent: 'default'.
     */
    disclosureProfile: z.enum(['default', 'opensafely'], { error: () => 'must be "default" or "opensafely"' }).optional(),
  })
  .strict()
  .superRefine((agreement, ctx) => {
    if (agreement.expires < agreement.start) ctx.addIssue({ code: 'custom', path: ['expires'], message: 'must not be before start' });
    if (!agreement.nationalDataOptOutApplies && !agreement.legalBasis.exemptFromOptOut) {
      ctx.addIssue({
        code: 'custom',
        path: ['nationalDataOptOutApplies'],
        message: 'must be true unless legalBasis.exemptFromOptOut is true (the legal basis must set the opt-out aside)',
      });
    }
    const seenMembers = new Map<string, number>();
    agreement.members.forEach((member, i) => {
      const first = seenMembers.get(member.userId);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['members', i, 'userId'],
          message: `is already a member (members[${first}]): list each person once`,
        });
      } else seenMembers.set(member.userId, i);
    });
    const seenDatasets = new Set<string>();
    agreement.datasets.forEach((dataset, i) => {
      if (seenDatasets.has(dataset)) ctx.addIssue({ code: 'custom', path: ['datasets', i], message: 'is listed twice' });
      seenDatasets.add(dataset);
    });
    for (const dataset of Object.keys(agreement.treatments)) {
      if (!seenDatasets.has(dataset)) {
        ctx.addIssue({
          code: 'custom',
          path: ['treatments', dataset],
          message: 'is not one of this agreement\'s datasets (add it to "datasets" first)',
        });
      }
    }
    agreement.rowConditions.forEach((condition, i) => {
      const named: [string, string][] = [['dataset', condition.dataset]];
      if (condition.condition === 'in_cohort') named.push(['cohortDataset', condition.cohortDataset]);
      for (const [key, dataset] of named) {
        if (!seenDatasets.has(dataset)) {
          ctx.addIssue({
            code: 'custom',
            path: ['rowConditions', i, key],
            message: 'is not one of this agreement\'s datasets (add it to "datasets" first)',
          });
        }
      }
    });
  });
export type Agreement = z.infer<typeof AgreementSchema>;
