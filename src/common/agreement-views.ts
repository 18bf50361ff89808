// What people read of the data-sharing agreements and of the audit log (issue 15): a project's agreement as its
// members and the admins see it (who may see what, in words), every agreement the platform knows with its standing,
// and pages of the audit log with the admin's filter. Pure zod, shared by the platform's routes
// (src/common/platform-api.ts), the workstation contract (src/common/contract.ts) and the renderer. This file must not
// import contract.ts at run time: contract.ts imports it.
import { z } from 'zod';

/** A calendar date as agreements write it: 2026-03-31. */
const DaySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/**
 * A project (or user) id as the platform writes it: contract.ts's IdSchema, repeated here because contract.ts imports
 * this file (a module cycle would leave one of them undefined).
 */
const ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

// ---- Agreements -------------------------------------------------------------------------------------------------

/**
 * Where an agreement stands today. `refused`: its file was refused and no earlier version is in force.
 * The others are the standing of the version in force (./src/platform/agreements/standing.ts).
 */
export const AgreementStatusSchema = z.enum(['in_force', 'not_started', 'expired', 'no_dpia', 'refused']);
export type AgreementStatus = z.infer<typeof AgreementStatusSchema>;

/** Where one member stands in the agreement today (whatever the agreement's own standing). */
export const MemberStandingSchema = z.enum(['in_force', 'not_started', 'ended', 'training_lapsed']);
export type MemberStanding = z.infer<typeof MemberStandingSchema>;

export const AgreementMemberViewSchema = z.object({
  userId: z.string(),
  /** The person's name on the platform; null when the platform no longer knows them. */
  displayName: z.string().nullable(),
  role: z.enum(['lead', 'analyst', 'data_manager']),
  start: DaySchema,
  end: DaySchema,
  /** From the platform's training records for the member's role: the lapsed course's expiry, or the soonest; null: none. */
  trainingExpires: DaySchema.nullable(),
  mayRequestRelease: z.boolean(),
  standing: MemberStandingSchema,
  /** The standing in words: "in force", "training lapsed on 2026-01-31", "membership ended on …". */
  standingText: z.string(),
});
export type AgreementMemberView = z.infer<typeof AgreementMemberViewSchema>;

/** One field of a dataset as the project sees it: the catalogue's words for its effective treatment. */
export const AgreementFieldViewSchema = z.object({
  name: z.string(),
  available: z.boolean(),
  /** "NHS number → project pseudonym", "postcode → not available to this project". */
  treatment: z.string(),
});
export type AgreementFieldView = z.infer<typeof AgreementFieldViewSchema>;

/** Who may see what of one dataset: every field's treatment, and which rows, in words. */
export const AgreementDatasetViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  fields: z.array(AgreementFieldViewSchema),
  /** "Only rows whose admission date is on or after 2019-04-01"; empty: every row (the opt-out aside). */
  rowConditions: z.array(z.string()),
});
export type AgreementDatasetView = z.infer<typeof AgreementDatasetViewSchema>;

/** One version of a project's agreement, as members and admins read it (read-only: agreements are files). */
/** One member as a data manager edits them on the project page: saved as a new version of the project's agreement. */
export const MemberEditSchema = z
  .object({
    userId: z.string().regex(ID_PATTERN, 'must be a person id'),
    role: z.enum(['lead', 'analyst', 'data_manager']),
    start: DaySchema,
    end: DaySchema,
    /** Granted only by a data manager, on the data owner's behalf; the airlock refuses release requests without it. */
    mayRequestRelease: z.boolean(),
  })
  .strict();
export type MemberEdit = z.infer<typeof MemberEditSchema>;

export const MembersUpdateSchema = z
  .object({
    members: z.array(MemberEditSchema).max(500),
    reason: z
      .string()
      .max(2000)
      .refine((text) => text.trim().length >= 3, 'must say why (at least 3 characters)'),
  })
  .strict()
  .describe('The members');
export type MembersUpdate = z.infer<typeof MembersUpdateSchema>;

export const AgreementViewSchema = z.object({
  projectId: z.string(),
  projectName: z.string(),
  version: z.number().int().positive(),
  status: AgreementStatusSchema.exclude(['refused']),
  /** The status in words: "In force until 2029-03-31", or the refusal its members get ("… expired on …"). */
  statusText: z.string(),
  purpose: z.string(),
  legalBasis: z.object({
    kind: z.string(),
    /** How the basis is named to people: "section 251 support". */
    label: z.string(),
    reference: z.string(),
    allowsMoreThanDefaults: z.boolean(),
    exemptFromOptOut: z.boolean(),
  }),
  nationalDataOptOut: z.object({
    applies: z.boolean(),
    /** What it means for this project's rows, in words. */
    text: z.string(),
  }),
  dpiaReference: z.string().nullable(),
  start: DaySchema,
  expires: DaySchema,
  /** The date ages are computed at. */
  referenceDate: DaySchema,
  /** The most rows one query may return. */
  rowCap: z.number().int().positive(),
  members: z.array(AgreementMemberViewSchema),
  datasets: z.array(AgreementDatasetViewSchema),
});
export type AgreementView = z.infer<typeof AgreementViewSchema>;

/** One problem of a refused agreement file, located as the data manager's editor shows it. */
export const AgreementProblemViewSchema = z.object({
  file: z.string(),
  line: z.number().int().positive(),
  column: z.number().int().positive(),
  /** The field, as a path ("members[1].trainingExpires"); empty for the file as a whole. */
  field: z.string(),
  message: z.string(),
});
export type AgreementProblemView = z.infer<typeof AgreementProblemViewSchema>;

/** A file that did not take effect, and why. */
export const AgreementRefusalSchema = z.object({
  file: z.string(),
  problems: z.array(AgreementProblemViewSchema),
});
export type AgreementRefusal = z.infer<typeof AgreementRefusalSchema>;

/** One project's agreement as the platform knows it: the version in force (if any) and a refused newer file (if any). */
export const AgreementEntrySchema = z.object({
  projectId: z.string(),
  status: AgreementStatusSchema,
  statusText: z.string(),
  inForce: AgreementViewSchema.nullable(),
  refusal: AgreementRefusalSchema.nullable(),
});
export type AgreementEntry = z.infer<typeof AgreementEntrySchema>;

/** Every agreement the platform knows, for the admins' screen. */
export const AgreementsOverviewSchema = z.object({
  /** The folder the agreement files are in, on the platform's machine; null when the platform does not say. */
  folder: z.string().nullable(),
  /** The moment the standings were judged at. */
  judgedAt: z.iso.datetime(),
  agreements: z.array(AgreementEntrySchema),
});
export type AgreementsOverview = z.infer<typeof AgreementsOverviewSchema>;

// ---- The audit log ----------------------------------------------------------------------------------------------

export const AUDIT_PAGE_SIZE = 100;
export const AUDIT_PAGE_MAX = 500;

/** An event type, or the start of one: "query.", "session.signed_in". */
const TYPE_PREFIX = /^[a-z0-9_.]{1,64}$/;
/** A user as the audit log names them (an id, or the username a failed sign-in tried). */
const ACTOR = /^[A-Za-z0-9_.@+-]{1,128}$/;

/**
 * What the admin asks of the audit log; every condition given must hold. `actor` matches the user who acted (for a
 * failed sign-in, which has none, the username tried); `projectId` the project the event names; `typePrefix` the
 * start of its type; `from` (inclusive) and `to` (exclusive) its time; `before` pages back: events older than that
 * one. Newest first, `limit` at a time.
 */
export const AuditFilterSchema = z
  .object({
    actor: z.string().regex(ACTOR, 'must be a user id').optional(),
    projectId: z.string().regex(ID_PATTERN, 'must be a project id').optional(),
    typePrefix: z.string().regex(TYPE_PREFIX, 'must be lower-case letters, digits, "_" or "."').optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    before: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(AUDIT_PAGE_MAX).optional(),
  })
  .strict();
export type AuditFilter = z.infer<typeof AuditFilterSchema>;

const wholeNumber = (max: number) =>
  z
    .string()
    .regex(/^[0-9]{1,15}$/)
    .transform(Number)
    .pipe(z.number().int().min(1).max(max));

/** The same filter as query parameters of the platform's route (strings as sent); every one described for refusals. */
export const AuditQuerySchema = z
  .object({
    actor: z.string().regex(ACTOR).optional().describe('must be a user id (letters, digits, "_", ".", "@", "+" or "-").'),
    project: z.string().regex(ID_PATTERN).optional().describe('must be a project id.'),
    type: z.string().regex(TYPE_PREFIX).optional().describe('must be an event type or its start, like "query." (lower case).'),
    from: z.iso.datetime({ offset: true }).optional().describe('must be a date and time like 2026-12-01T09:00:00Z.'),
    to: z.iso.datetime({ offset: true }).optional().describe('must be a date and time like 2026-12-01T17:00:00Z.'),
    before: wholeNumber(Number.MAX_SAFE_INTEGER).optional().describe('must be the number of an event (a whole number from 1).'),
    limit: wholeNumber(AUDIT_PAGE_MAX).optional().describe(`must be a whole number from 1 to ${AUDIT_PAGE_MAX}.`),
  })
  .strict();
export type AuditQuery = z.output<typeof AuditQuerySchema>;

/** The filter as the route's query parameters (what the workstation sends). */
export function auditQueryOf(filter: AuditFilter): Record<string, string> {
  const query: Record<string, string> = {};
  if (filter.actor !== undefined) query.actor = filter.actor;
  if (filter.projectId !== undefined) query.project = filter.projectId;
  if (filter.typePrefix !== undefined) query.type = filter.typePrefix;
  if (filter.from !== undefined) query.from = filter.from;
  if (filter.to !== undefined) query.to = filter.to;
  if (filter.before !== undefined) query.before = String(filter.before);
  if (filter.limit !== undefined) query.limit = String(filter.limit);
  return query;
}

/** The route's parameters as the filter again (what the platform searches with). */
export function auditFilterOf(query: AuditQuery): AuditFilter {
  return {
    ...(query.actor === undefined ? {} : { actor: query.actor }),
    ...(query.project === undefined ? {} : { projectId: query.project }),
    ...(query.type === undefined ? {} : { typePrefix: query.type }),
    ...(query.from === undefined ? {} : { from: query.from }),
    ...(query.to === undefined ? {} : { to: query.to }),
    ...(query.before === undefined ? {} : { before: query.before }),
    ...(query.limit === undefined ? {} : { limit: query.limit }),
  };
}

/** One event of the audit log, as the admin reads it. */
export const AuditEventViewSchema = z.object({
  seq: z.number().int().positive(),
  occurredAt: z.string(),
  type: z.string(),
  actor: z.string().nullable(),
  outcome: z.enum(['success', 'failure']),
  /** What the event recorded (never a password or token); for a query: projectId, agreementVersion, sql, relations, rows, durationMs, role. */
  details: z.record(z.string(), z.json()),
});
export type AuditEventView = z.infer<typeof AuditEventViewSchema>;

export const AuditPageSchema = z.object({
  /** Newest first. */
  events: z.array(AuditEventViewSchema),
  /** Pass as `before` for the next, older page; null when there is none. */
  older: z.number().int().positive().nullable(),
});
export type AuditPage = z.infer<typeof AuditPageSchema>;
